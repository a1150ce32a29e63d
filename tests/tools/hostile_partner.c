/* hostile_partner.c - a test tool: an *authenticated* partner (the KOR identity of a real
 * development PKI, DDS Security on) that writes malformed local tracks straight onto the bus with
 * raw Cyclone DDS calls, past the checks our own library would apply when publishing: a NaN in
 * the state, a covariance that is not positive definite, a time far in the future, an absurd
 * speed, a negative ballistic coefficient - and one honest track. Loopback only.
 *
 * usage: hostile_partner PKI_DIR DOMAIN EPOCH_NS START_WALL_NS SPEED SECONDS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dds/dds.h>

#include "idl/triwatch.h"
#include "triwatch/geo.h"
#include "triwatch/pki.h"
#include "triwatch/time.h"

#ifndef TW_DDS_PLUGIN_DIR
#define TW_DDS_PLUGIN_DIR NULL
#endif

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
  if (argc != 7) {
    fprintf(stderr, "usage: hostile_partner PKI_DIR DOMAIN EPOCH_NS START_WALL_NS SPEED SECONDS\n");
    return 2;
  }
  const char *pki = argv[1];
  int domain = atoi(argv[2]);
  tw_time_ns epoch = strtoll(argv[3], NULL, 10), start = strtoll(argv[4], NULL, 10);
  double speed = atof(argv[5]), seconds = atof(argv[6]);
  static char sec[8192], xml[16384];
  if (tw_pki_security_xml_libdir(sec, sizeof sec, pki, "KOR", TW_DDS_PLUGIN_DIR) < 0) {
    fprintf(stderr, "hostile_partner: no KOR identity in %s\n", pki);
    return 1;
  }
  snprintf(xml, sizeof xml,
           "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface "
           "address=\"127.0.0.1\"/></Interfaces><AllowMulticast>false</AllowMulticast></General>"
           "<Discovery><ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>30"
           "</MaxAutoParticipantIndex><Peers><Peer Address=\"127.0.0.1\"/></Peers></Discovery>"
           "%s</Domain></CycloneDDS>", sec);
  dds_entity_t dom = dds_create_domain((dds_domainid_t)domain, xml);
  dds_entity_t pp = dds_create_participant((dds_domainid_t)domain, NULL, NULL);
  if (dom < 0 || pp < 0) {
    fprintf(stderr, "hostile_partner: cannot join domain %d: %s\n", domain,
            dds_strretcode(pp < 0 ? pp : dom));
    return 1;
  }
  dds_entity_t topic = dds_create_topic(pp, &tw_LocalTrack_desc, "tw_local_track", NULL, NULL);
  dds_qos_t *pq = dds_create_qos();
  const char *part = "KOR-USA/JPN+KOR+USA";
  dds_qset_partition(pq, 1, &part);
  dds_entity_t pub = dds_create_publisher(pp, pq, NULL);
  dds_qos_t *wq = dds_create_qos();
  dds_qset_reliability(wq, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
  dds_qset_history(wq, DDS_HISTORY_KEEP_LAST, 1);
  dds_entity_t wr = dds_create_writer(pub, topic, wq, NULL);
  dds_delete_qos(pq);
  dds_delete_qos(wq);
  if (topic < 0 || pub < 0 || wr < 0) {
    fprintf(stderr, "hostile_partner: cannot create the writer: %s\n",
            dds_strretcode(wr < 0 ? wr : pub < 0 ? pub : topic));
    return 1;
  }
  /* wait for the USA node's reader */
  for (int i = 0; i < 300; i++) {
    dds_publication_matched_status_t st;
    if (dds_get_publication_matched_status(wr, &st) == 0 && st.current_count > 0)
      break;
    sleep_ms(100);
  }
  tw_Nation rel[3] = {"JPN", "KOR", "USA"};
  tw_geodetic g = {39.5 * TW_DEG, 128.5 * TW_DEG, 150e3};
  double x0[3];
  tw_geo_to_ecef(x0, &g);
  tw_time_ns until = start + (tw_time_ns)(seconds / speed * 1e9);
  int sent = 0;
  while (tw_time_now() < until) {
    double t = (double)(tw_time_now() - start) * 1e-9 * speed; /* the nodes' scenario clock */
    for (int kind = 0; kind < 6; kind++) {
      tw_LocalTrack s;
      memset(&s, 0, sizeof s);
      snprintf(s.originator, sizeof s.originator, "KOR");
      snprintf(s.marking.originator, sizeof s.marking.originator, "KOR");
      s.marking.releasable_to._length = s.marking.releasable_to._maximum = 3;
      s.marking.releasable_to._buffer = rel;
      s.track_id = kind == 5 ? 700 : 601 + (uint32_t)kind;
      s.t_ns = s.t_avail_ns = epoch + (tw_time_ns)(t * 1e9);
      s.x[0] = x0[0] + 1000.0 * kind;
      s.x[1] = x0[1];
      s.x[2] = x0[2];
      s.x[3] = 1500.0;
      s.x[4] = 1200.0;
      s.x[5] = 800.0;
      s.x[8] = 1.0 / 8000.0;
      double diag[9] = {1e4, 1e4, 1e4, 100, 100, 100, 25, 25, 1e-10};
      for (int i = 0, k = 0; i < 9; i++)
        for (int j = i; j < 9; j++, k++)
          s.p[k] = (i == j) ? diag[i] : 0.0;
      s.mu[1] = 1.0;
      s.status = 1;
      s.n_updates = 10;
      switch (kind) {
      case 0: s.x[1] = NAN; break;              /* a NaN in the state */
      case 1: s.p[1] = 5e4; break;              /* |cov(x,y)| > sigma_x sigma_y: not PD */
      case 2: s.t_ns += 1000 * TW_NS_PER_S; break; /* 1,000 s in the future */
      case 3: s.x[3] = 1e6; break;              /* 1,000 km/s */
      case 4: s.x[8] = -1.0; break;             /* a negative inverse ballistic coefficient */
      default: break;                           /* the honest one */
      }
      if (dds_write(wr, &s) == 0)
        sent++;
    }
    sleep_ms(200);
  }
  printf("hostile_partner: wrote %d samples\n", sent);
  dds_delete(dom);
  return 0;
}
