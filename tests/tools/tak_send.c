/* tak_send.c - a test tool: sends the three CoT events of one launch - the launch point (b-d-l-b),
 * the track (a-h-A-M-B) and the 95% impact ellipse (b-d-i-b, linked to the track) - to a TAK
 * endpoint on 127.0.0.1 through tw_takout, then waits (at most 5 s) until TCP has taken them.
 *
 * usage: tak_send --udp PORT | --tcp PORT [--version 0|1] [--access "REL TO ..."]
 * Exits 0 when all three were sent, 1 otherwise, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/cot.h"
#include "triwatch/error.h"
#include "triwatch/takout.h"
#include "triwatch/time.h"

#define T0_NS (INT64_C(1664835780) * TW_NS_PER_S) /* 2022-10-03T22:23:00Z */

static void common(tw_cot_event *e, const char *kind, const char *type, const char *access)
{
  tw_cot_init(e);
  snprintf(e->uid, sizeof e->uid, "triwatch.JPN.%s.2022-0001", kind);
  snprintf(e->type, sizeof e->type, "%s", type);
  snprintf(e->access, sizeof e->access, "%s", access);
}

static int usage(void)
{
  fprintf(stderr, "usage: tak_send --udp PORT | --tcp PORT [--version 0|1] [--access TEXT]\n");
  return 2;
}

int main(int argc, char **argv)
{
  tw_takout_config cfg = {.proto = TW_TAKOUT_UDP, .host = "127.0.0.1", .port = -1};
  const char *access = "REL TO USA, JPN, KOR";
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (!strcmp(a, "--udp") || !strcmp(a, "--tcp")) {
      cfg.proto = a[2] == 'u' ? TW_TAKOUT_UDP : TW_TAKOUT_TCP;
      cfg.port = atoi(v);
    } else if (!strcmp(a, "--version")) {
      cfg.version = atoi(v);
    } else if (!strcmp(a, "--access")) {
      access = v;
    } else {
      return usage();
    }
  }
  if (argc % 2 == 0 || cfg.port < 0)
    return usage();

  tw_cot_event ev[3];
  /* the launch point: near Mupyong-ni, as the boost-phase estimate puts it */
  common(&ev[0], "launch", TW_COT_TYPE_LAUNCH, access);
  ev[0].time_ns = ev[0].start_ns = T0_NS + 40 * TW_NS_PER_S;
  ev[0].stale_ns = ev[0].start_ns + 600 * TW_NS_PER_S;
  ev[0].lat_deg = 40.6129;
  ev[0].lon_deg = 126.4319;
  ev[0].hae_m = 0;
  ev[0].ce_m = 2500;
  ev[0].le_m = 500;
  snprintf(ev[0].remarks, sizeof ev[0].remarks, "launch at 22:23:00Z +/- 3 s");
  /* the track: hostile, air, missile, mid-course */
  common(&ev[1], "track", "a-h-A-M-B", access);
  ev[1].time_ns = ev[1].start_ns = T0_NS + 300 * TW_NS_PER_S;
  ev[1].stale_ns = ev[1].start_ns + 30 * TW_NS_PER_S;
  ev[1].lat_deg = 41.05;
  ev[1].lon_deg = 133.9;
  ev[1].hae_m = 970000;
  ev[1].ce_m = 800;
  ev[1].le_m = 600;
  ev[1].flags = TW_COT_HAS_TRACK;
  ev[1].course_deg = 84.5;
  ev[1].speed_mps = 3900;
  /* the impact ellipse: centre, its 95% semi-major axis as the circular error, linked to the
   * track */
  common(&ev[2], "impact", TW_COT_TYPE_IMPACT, access);
  ev[2].time_ns = ev[2].start_ns = T0_NS + 300 * TW_NS_PER_S;
  ev[2].stale_ns = ev[2].start_ns + 900 * TW_NS_PER_S;
  ev[2].lat_deg = 40.95;
  ev[2].lon_deg = 166.4;
  ev[2].hae_m = 0;
  ev[2].ce_m = 80000;
  ev[2].le_m = TW_COT_UNKNOWN_ERR_M;
  ev[2].flags = TW_COT_HAS_TRACK | TW_COT_HAS_LINK;
  ev[2].course_deg = 84.5;
  ev[2].speed_mps = 3900;
  snprintf(ev[2].remarks, sizeof ev[2].remarks,
           "95%% ellipse 80 x 30 km, major axis 84.5 deg; impact 22:45:20Z +/- 20 s");
  snprintf(ev[2].link_uid, sizeof ev[2].link_uid, "%s", ev[1].uid);
  snprintf(ev[2].link_type, sizeof ev[2].link_type, "%s", ev[1].type);
  snprintf(ev[2].link_relation, sizeof ev[2].link_relation, "p-p");

  tw_takout *o = NULL;
  int rc = tw_takout_open(&o, &cfg);
  if (rc < 0) {
    fprintf(stderr, "tak_send: cannot open: %s\n", tw_strerror(rc));
    return 1;
  }
  for (int i = 0; i < 3; i++)
    if ((rc = tw_takout_send(o, &ev[i])) < 0)
      fprintf(stderr, "tak_send: %s: %s\n", ev[i].uid, tw_strerror(rc));
  int left = tw_takout_flush(o, 5000);
  tw_takout_stats st;
  tw_takout_stats_get(o, &st);
  tw_takout_close(o);
  fprintf(stderr, "tak_send: sent %llu, dropped %llu, still queued %d\n",
          (unsigned long long)st.sent, (unsigned long long)st.dropped, left);
  return st.sent == 3 && left == 0 ? 0 : 1;
}
