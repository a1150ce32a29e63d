/* bench_fabric.c - the sharing fabric end to end: three nations' nodes as three processes, DDS
 * Security on, in the hub topology (KOR - USA - JPN), on loopback.
 *
 * Latency. KOR is the node a sensor report enters: 10,000 times (after 500 to warm up), one a
 * millisecond, a radar report of one object, timestamped on arrival, goes into KOR's tracker
 * (tw_tracker_process, on a track confirmed beforehand from 1 Hz reports) and the updated local
 * track is published on KOR-USA marked REL TO JPN+KOR+USA. USA polls, checks the track
 * (tw_fusion_validate), feeds it to its fusion and relays it to JPN within its marking as
 * src/fabric/node.c does (not back over the link it came on, not to its originator, only to a
 * partner the marking names); the recorder is left out. JPN polls, checks it, feeds it to
 * tw_fusion_update and tw_fusion_fuse and publishes the resulting system track on JPN-USA: the
 * fused track leaving the JPN node. Latency is CLOCK_MONOTONIC when JPN's
 * tw_bus_publish_system_track returns minus CLOCK_MONOTONIC when KOR took the report: one host,
 * one clock, so the difference is valid across processes. The update is found by its track's
 * n_updates; KOR's timestamps are in memory shared by the processes. Tracks are keep-last 1, so
 * an update overtaken by the next before USA or JPN takes it is replaced (counted, not timed).
 * The latency run is then repeated by three fresh processes without DDS Security, so each setting
 * has its like-for-like ddsperf figure.
 *
 * The peer: Cyclone's ddsperf ping-pong between two processes on the same loopback, 528-byte
 * samples (about a LocalTrack), measured after the nodes have stopped: without security, in its
 * listener mode (its default: the pong is written from the receive thread) and its waitset mode
 * (an application thread wakes per sample, as in tw_bus_poll), and with DDS Security, its grants
 * (every topic and partition) signed by the permissions CA of a PKI made like ours. One
 * ddsperf round trip is two hops, as is KOR -> USA -> JPN; ours adds a tracker update, two
 * application wake-ups, the checks and fusion. Target: p50 under 3x one ddsperf round trip.
 *
 * Throughput and memory, by the secured nodes after their latency run. Every node runs the
 * node's loop on 1,000 objects as fast as it can, all three at once: radar reports of all
 * objects at the current time -> its tracker (1,000 confirmed tracks, made beforehand from
 * four 1 Hz scans) -> its tracks into its fusion and out on each of its links -> everything the
 * bus holds taken, checked, fused (and relayed, by USA) -> tw_fusion_fuse -> each system track
 * published on each link. Fused track updates
 * per second is system tracks fused and published per second of wall clock, over a 4 s window
 * after 2 s of ramp; peak RSS is getrusage's, in each node's process.
 *
 * Bounded: every wait has a deadline; the children are killed (by their pids) if they overrun;
 * the temporary directory (PKIs, ddsperf configurations) is removed. Domains come from the
 * process id (10..93, never 42) so a concurrent run elsewhere does not mix in. About 45 s. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "benchutil.h"
#include "track/measure.h"
#include "track/motion.h"
#include "triwatch/bus.h"
#include "triwatch/error.h"
#include "triwatch/fusion.h"
#include "triwatch/geo.h"
#include "triwatch/pki.h"
#include "triwatch/rng.h"
#include "triwatch/tracker.h"

#ifndef TW_DDS_PLUGIN_DIR
#define TW_DDS_PLUGIN_DIR NULL
#endif

#define N_UPD 10000            /* timed latency updates */
#define N_WARM 500             /* before them, untimed */
#define N_LAT (N_WARM + N_UPD)
#define PACE_NS 1000000        /* one update a millisecond */
#define N_PRE 10               /* 1 Hz reports that make KOR's latency track */
#define N_OBJ 1000             /* objects of the throughput phase */
#define N_PRE_SCANS 4          /* 1 Hz scans that make the 1,000 tracks */
#define RAMP_S 2.0             /* throughput: untimed start */
#define WINDOW_S 4.0           /* throughput: timed */
#define POLL_BATCH 64
#define PERF_SECONDS 4
#define PERF_SIZE 528
#define READY_S 30.0           /* bus open, security handshakes, every link matched */
#define MARKING "JPN+KOR+USA"

enum { KOR = 0, USA, JPN, N_NODES };
static const char *const g_nation[N_NODES] = {"KOR", "USA", "JPN"};
/* radar sites: a Korean one, the US forward-based one in Kyoto, a Japanese one in the north */
static const double g_site_deg[N_NODES][2] = {{37.0, 127.5}, {35.8, 135.2}, {39.0, 140.0}};

enum phase { PH_SETUP = 0, PH_LATENCY, PH_THROUGHPUT, PH_STOP };

/* Where a latency update is timed: M_IN to M_OUT is the latency, the others split it. */
enum { M_IN = 0, M_TRACKED, M_KOR_OUT, M_USA_IN, M_USA_OUT, M_JPN_IN, M_FUSED, M_OUT, N_MARKS };
static const char *const g_segment[N_MARKS - 1] = {
  "KOR tracker update", "KOR publish", "KOR->USA (wire, wake-up, take, bus checks)",
  "USA check, fuse in, relay publish", "USA->JPN (wire, wake-up, take, bus checks)",
  "JPN check, fuse in, fuse", "JPN publish"};

/* Stages of a throughput round, timed inside the window. */
enum { ST_SENSOR = 0, ST_TRACKER, ST_SHARE, ST_TAKE, ST_FUSE, ST_PUBLISH, N_STAGES };
static const char *const g_stage[N_STAGES] = {"sensor sim", "tracker", "share own",
                                              "take+check+fuse-in+relay", "fuse", "publish fused"};

/* What a node reports back (in the shared mapping). */
typedef struct node_res {
  int failed;
  char err[512];
  long rss_open_kib;          /* peak RSS once its bus was open and matched */
  long rss_peak_kib;          /* at the end */
  double window_s;            /* throughput: from the first round in the window to the last */
  long fused;                 /* system-track updates fused and published in the window */
  int rounds;
  double stage_s[N_STAGES];
  int n_own;                  /* confirmed own tracks at the end */
  int n_sys, n_sys_full;      /* system tracks at the end; with a source of each nation */
  long published, relayed, received, pub_failed;
  size_t fusion_rejected;
  uint64_t bus_rejected;
} node_res;

typedef struct shared {
  tw_time_ns epoch_ns;        /* origin of every t_s: tracker, fusion, bus */
  atomic_int ready[N_NODES];  /* 1 open and matched, -1 failed */
  atomic_int done[N_NODES];   /* throughput finished (or failed) */
  atomic_int phase;
  atomic_int base_updates;    /* n_updates of KOR's track before the first latency update */
  atomic_int lat_done;        /* KOR published all latency updates */
  atomic_int lat_missed;      /* KOR: reports that did not update the track */
  double t_thr_s;             /* throughput start, s after the epoch (set before the phase) */
  int64_t t_ns[N_MARKS][N_LAT]; /* CLOCK_MONOTONIC of update i at each mark; 0 never */
  node_res res[N_NODES];
} shared;

/* --- clocks ---------------------------------------------------------------------------------- */

static int64_t mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t)
{
  struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

static void sleep_ms(int ms) { sleep_until_ns(mono_ns() + (int64_t)ms * 1000000); }

/* Seconds after the shared epoch (wall clock, as a node's scenario clock), and back. */
static double wall_s(const shared *sh) { return (double)(tw_time_now() - sh->epoch_ns) * 1e-9; }
static tw_time_ns abs_ns(const shared *sh, double t_s)
{
  return sh->epoch_ns + (tw_time_ns)llround(t_s * 1e9);
}

/* --- the world: objects and radars ----------------------------------------------------------- */

/* Object i of a 40 x 25 grid 0.3 degrees apart over the Sea of Japan, 400-700 km up, a random
 * heading at 2-4 km/s: the same in every process for the same rng state. */
static void object_init(double x[TW_MX], int i, tw_rng *rng)
{
  tw_geodetic g = {(36.0 + 0.3 * (i / 40)) * TW_DEG, (128.0 + 0.3 * (i % 40)) * TW_DEG,
                   400e3 + 300e3 * tw_rng_uniform(rng)};
  double E[9];
  tw_geo_to_ecef(x, &g);
  tw_enu_basis(E, g.lat_rad, g.lon_rad);
  double hd = 2 * TW_PI * tw_rng_uniform(rng), sp = 2000.0 + 2000.0 * tw_rng_uniform(rng);
  double ve[3] = {sp * sin(hd), sp * cos(hd), 200.0 * (2 * tw_rng_uniform(rng) - 1)};
  for (int k = 0; k < 3; k++)
    x[3 + k] = E[k] * ve[0] + E[3 + k] * ve[1] + E[6 + k] * ve[2];
  x[6] = x[7] = x[8] = 0.0;
}

static void radar_init(tw_sensor *s, tw_site *site, int node)
{
  memset(s, 0, sizeof *s);
  snprintf(s->id, sizeof s->id, "%s-BENCH-RADAR", g_nation[node]);
  snprintf(s->nation, sizeof s->nation, "%s", g_nation[node]);
  s->kind = TW_SENSOR_RADAR;
  s->lat_deg = g_site_deg[node][0];
  s->lon_deg = g_site_deg[node][1];
  s->half_width_deg = 180.0;
  s->max_range_km = 4000.0;
  s->revisit_s = 1.0;
  s->pd = 1.0;
  s->sigma_range_m = 15.0;
  s->sigma_angle_rad = 0.5e-3;
  s->source = "notional";
  tw_sensor_site_ecef(s, site->r);
  tw_enu_basis(site->enu, s->lat_deg * TW_DEG, s->lon_deg * TW_DEG);
}

/* A radar report of x at t_ns (time of validity and of report). */
static void radar_report(tw_meas *m, const double x[TW_MX], const tw_site *site,
                         const tw_sensor *s, tw_time_ns t_ns, int object, tw_rng *rng)
{
  memset(m, 0, sizeof *m);
  m->t_ns = m->t_report_ns = t_ns;
  m->sensor = 0;
  m->object = object;
  m->n_z = 3;
  tw__meas_radar(m->z, NULL, x, site, 3);
  m->sigma[0] = s->sigma_range_m;
  m->sigma[1] = m->sigma[2] = s->sigma_angle_rad;
  for (int k = 0; k < 3; k++)
    m->z[k] += m->sigma[k] * tw_rng_normal(rng);
}

/* --- one node ------------------------------------------------------------------------------- */

typedef struct node {
  shared *sh;
  int me;
  const char *nation;
  int n_links;
  const char *links[2];
  tw_bus *bus;
  tw_bus_marking mark;   /* our own samples: REL TO JPN+KOR+USA */
  tw_fusion *fus;
  tw_bus_sample *in;     /* POLL_BATCH */
  node_res *res;
  pid_t parent;
} node;

static void bus_log(void *ctx, const char *line)
{
  fprintf(stderr, "bench_fabric %s: %s\n", (const char *)ctx, line);
}

static int parent_gone(const node *n) { return getppid() != n->parent; }

/* The other end of link "A-B" from me (a static buffer when it is A). */
static const char *peer_of(const char *link, const char *me)
{
  const char *dash = strchr(link, '-');
  static char a[TW_BUS_NATION_MAX + 1];
  if (strncmp(link, me, (size_t)(dash - link)) == 0 && strlen(me) == (size_t)(dash - link))
    return dash + 1;
  snprintf(a, sizeof a, "%.*s", (int)(dash - link), link);
  return a;
}

static int in_marking(const tw_bus_marking *m, const char *nation)
{
  for (int i = 0; i < m->n_rel; i++)
    if (strcmp(m->rel[i], nation) == 0)
      return 1;
  return 0;
}

static void fusion_in(tw_fusion_input *in, const char *originator, const tw_track *t)
{
  memset(in, 0, sizeof *in);
  snprintf(in->originator, sizeof in->originator, "%s", originator);
  in->local_id = t->id;
  in->t_s = t->t_s;
  memcpy(in->x, t->x, sizeof in->x);
  memcpy(in->P, t->P, sizeof in->P);
  memcpy(in->mu, t->mu, sizeof in->mu);
}

/* A system track as it goes on the bus. */
static void system_out(tw_bus_system_track *o, const tw_system_track *s, const node *n)
{
  memset(o, 0, sizeof *o);
  snprintf(o->node, sizeof o->node, "%s", n->nation);
  o->gtn = s->gtn;
  o->t_ns = abs_ns(n->sh, s->t_s);
  memcpy(o->x, s->x, sizeof o->x);
  memcpy(o->P, s->P, sizeof o->P);
  o->n_sources = s->n_sources;
  for (int k = 0; k < s->n_sources && k < TW_BUS_MAX_SOURCES; k++) {
    snprintf(o->sources[k].originator, sizeof o->sources[k].originator, "%s",
             s->src[k].originator);
    o->sources[k].track_id = s->src[k].local_id;
  }
}

/* Publish a local track on each of our links (our own: the marking holds every partner). */
static void share(node *n, const tw_track *t)
{
  for (int l = 0; l < n->n_links; l++) {
    if (tw_bus_publish_track(n->bus, n->links[l], t, &n->mark) == 0)
      n->res->published++;
    else
      n->res->pub_failed++;
  }
}

/* A partner track passed on to our other links, within its marking, as node.c's relay(). */
static void relay(node *n, const tw_bus_sample *s)
{
  for (int l = 0; l < n->n_links; l++) {
    const char *link = n->links[l], *peer = peer_of(link, n->nation);
    if (strcmp(link, s->link) == 0 || strcmp(peer, s->u.local.originator) == 0)
      continue;
    if (!in_marking(&s->marking, peer))
      continue; /* withheld */
    if (tw_bus_publish_track(n->bus, link, &s->u.local.track, &s->marking) == 0)
      n->res->relayed++;
    else
      n->res->pub_failed++;
  }
}

/* The latency update a sample is (0..N_LAT-1), or -1: not that phase, not KOR's track. */
static int latency_index(const node *n, const tw_bus_sample *s)
{
  if (atomic_load(&n->sh->phase) != PH_LATENCY || s->kind != TW_BUS_LOCAL_TRACK ||
      strcmp(s->u.local.originator, "KOR") != 0)
    return -1;
  int idx = s->u.local.track.n_updates - atomic_load(&n->sh->base_updates) - 1;
  return idx >= 0 && idx < N_LAT ? idx : -1;
}

/* Take up to POLL_BATCH samples (waiting up to timeout_ms for the first); partner local tracks
 * are checked, fed to fusion and, at USA, relayed. gtn[i] is the GTN of in[i] (0: not a partner
 * track, or refused). Returns the number taken. */
static int take(node *n, int timeout_ms, uint32_t gtn[POLL_BATCH])
{
  int got = tw_bus_poll(n->bus, timeout_ms, n->in, POLL_BATCH);
  int64_t t_taken = mono_ns();
  for (int i = 0; i < got; i++) {
    const tw_bus_sample *s = &n->in[i];
    gtn[i] = 0;
    n->res->received++;
    if (s->kind != TW_BUS_LOCAL_TRACK || s->retired ||
        strcmp(s->u.local.originator, n->nation) == 0)
      continue;
    tw_fusion_input in;
    fusion_in(&in, s->u.local.originator, &s->u.local.track);
    double now = wall_s(n->sh);
    if (tw_fusion_validate(&in, now, NULL) != 0 ||
        tw_fusion_update(n->fus, &in, now, &gtn[i]) != 0) {
      gtn[i] = 0;
      continue;
    }
    int idx = latency_index(n, s);
    if (idx >= 0)
      n->sh->t_ns[n->me == USA ? M_USA_IN : M_JPN_IN][idx] = t_taken;
    if (n->me == USA) {
      relay(n, s);
      if (idx >= 0)
        n->sh->t_ns[M_USA_OUT][idx] = mono_ns();
    }
  }
  return got < 0 ? 0 : got;
}

/* --- the roles ------------------------------------------------------------------------------ */

/* KOR: the sensor report entering the node, N_LAT times. 0 or -1. */
static int kor_latency(node *n)
{
  shared *sh = n->sh;
  tw_sensor radar;
  tw_site site;
  radar_init(&radar, &site, KOR);
  tw_tracker *trk = tw_tracker_new(NULL, &radar, 1, sh->epoch_ns);
  if (trk == NULL) {
    snprintf(n->res->err, sizeof n->res->err, "KOR: tw_tracker_new failed");
    return -1;
  }
  tw_rng rng;
  tw_rng_seed(&rng, 11);
  double x[TW_MX];
  object_init(x, 500, &rng);
  /* the track, from N_PRE reports at 1 Hz ending a second ago */
  double t_truth = wall_s(sh) - N_PRE - 1.0;
  tw_meas m;
  for (int k = 1; k <= N_PRE; k++) {
    tw__motion_predict_mean(x, TW_MODEL_BALLISTIC, 1.0);
    t_truth += 1.0;
    radar_report(&m, x, &site, &radar, abs_ns(sh, t_truth), 0, &rng);
    tw_tracker_process(trk, &m, 1);
  }
  uint32_t id = 0;
  for (int i = 0; i < tw_tracker_count(trk); i++)
    if (tw_tracker_track(trk, i)->status == TW_TRACK_CONFIRMED)
      id = tw_tracker_track(trk, i)->id;
  if (id == 0 || tw_tracker_count(trk) != 1) {
    snprintf(n->res->err, sizeof n->res->err, "KOR: %d tracks after %d reports, none confirmed",
             tw_tracker_count(trk), N_PRE);
    tw_tracker_free(trk);
    return -1;
  }
  int base = tw_tracker_track(trk, 0)->n_updates, missed = 0;
  atomic_store(&sh->base_updates, base);
  int64_t next = mono_ns();
  for (int i = 0; i < N_LAT; i++) {
    next += PACE_NS;
    if (mono_ns() > next + PACE_NS)
      next = mono_ns(); /* descheduled: do not fire a burst to catch up */
    sleep_until_ns(next);
    /* the sensor (not timed): the object now, and its report, timestamped on arrival */
    double t = wall_s(sh);
    tw__motion_predict_mean(x, TW_MODEL_BALLISTIC, t - t_truth);
    t_truth = t;
    radar_report(&m, x, &site, &radar, abs_ns(sh, t), 0, &rng);
    /* the node: report in -> local track -> publish */
    sh->t_ns[M_IN][i] = mono_ns(); /* stored before the publish: read once it is through */
    tw_tracker_process(trk, &m, 1);
    const tw_track *k = NULL;
    for (int j = 0; j < tw_tracker_count(trk); j++)
      if (tw_tracker_track(trk, j)->id == id)
        k = tw_tracker_track(trk, j);
    if (k == NULL || k->n_updates != base + i + 1) {
      missed++;
      if (k == NULL)
        break;
      base = k->n_updates - i - 1; /* not expected; re-keyed so JPN still finds them */
      atomic_store(&sh->base_updates, base);
    }
    sh->t_ns[M_TRACKED][i] = mono_ns();
    share(n, k);
    sh->t_ns[M_KOR_OUT][i] = mono_ns();
  }
  atomic_store(&sh->lat_missed, missed);
  atomic_store(&sh->lat_done, 1);
  tw_tracker_free(trk);
  return 0;
}

/* USA and JPN while KOR sends: take, check, fuse in, relay (USA); JPN fuses and publishes the
 * system track of every partner track and stamps the time it went out. */
static void relay_or_fuse_latency(node *n)
{
  shared *sh = n->sh;
  uint32_t gtn[POLL_BATCH];
  int64_t deadline = mono_ns() + (int64_t)N_LAT * PACE_NS * 3 + INT64_C(20000000000);
  while (atomic_load(&sh->phase) == PH_LATENCY && mono_ns() < deadline && !parent_gone(n)) {
    int got = take(n, 20, gtn);
    if (n->me != JPN)
      continue;
    for (int i = 0; i < got; i++) {
      if (gtn[i] == 0)
        continue;
      const tw_bus_sample *s = &n->in[i];
      tw_fusion_fuse(n->fus, wall_s(sh));
      const tw_system_track *st = tw_fusion_find(n->fus, gtn[i]);
      if (st == NULL)
        continue;
      int idx = latency_index(n, s);
      if (idx >= 0)
        sh->t_ns[M_FUSED][idx] = mono_ns();
      tw_bus_system_track o;
      system_out(&o, st, n);
      int rc = tw_bus_publish_system_track(n->bus, "JPN-USA", &o, &n->mark);
      int64_t t1 = mono_ns();
      if (rc == 0 && idx >= 0 && sh->t_ns[M_OUT][idx] == 0)
        sh->t_ns[M_OUT][idx] = t1;
      if (rc != 0)
        n->res->pub_failed++;
    }
  }
}

/* Every node: the node's loop on N_OBJ objects at full speed. 0 or -1. */
static int throughput(node *n)
{
  shared *sh = n->sh;
  node_res *r = n->res;
  tw_sensor radar;
  tw_site site;
  radar_init(&radar, &site, n->me);
  /* the node's defaults: room for 2,000 tracks and 2,000 system tracks */
  tw_tracker *trk = tw_tracker_new(NULL, &radar, 1, sh->epoch_ns);
  tw_fusion_free(n->fus);
  n->fus = tw_fusion_new(NULL);
  static double x[N_OBJ][TW_MX];
  static tw_meas rep[N_OBJ];
  if (trk == NULL || n->fus == NULL) {
    snprintf(r->err, sizeof r->err, "%s: tracker or fusion: out of memory", n->nation);
    tw_tracker_free(trk);
    return -1;
  }
  /* the truth, the same in every node: drawn for the throughput start minus 5 s */
  tw_rng truth_rng, rng;
  tw_rng_seed(&truth_rng, 2024);
  tw_rng_seed(&rng, 100 + (uint64_t)n->me);
  for (int i = 0; i < N_OBJ; i++)
    object_init(x[i], i, &truth_rng);
  double t_truth = sh->t_thr_s - N_PRE_SCANS - 1.0;
  for (int s = 0; s <= N_PRE_SCANS; s++) {
    double t = s < N_PRE_SCANS ? t_truth + 1.0 : fmax(wall_s(sh), t_truth);
    for (int i = 0; i < N_OBJ; i++) {
      tw__motion_predict_mean(x[i], TW_MODEL_BALLISTIC, t - t_truth);
      radar_report(&rep[i], x[i], &site, &radar, abs_ns(sh, t),
                   i, &rng);
    }
    t_truth = t;
    if (s < N_PRE_SCANS)
      tw_tracker_process(trk, rep, N_OBJ); /* the last scan is the first round's */
  }
  while (wall_s(sh) < sh->t_thr_s && !parent_gone(n))
    sleep_ms(1);

  uint32_t gtn[POLL_BATCH];
  double win0 = sh->t_thr_s + RAMP_S, win1 = win0 + WINDOW_S;
  double first = -1.0, last = -1.0;
  for (int round = 0; !parent_gone(n); round++) {
    double st[N_STAGES + 1];
    st[0] = wall_s(sh);
    if (st[0] >= win1)
      break;
    if (round > 0) { /* round 0 uses the scan made above */
      for (int i = 0; i < N_OBJ; i++) {
        tw__motion_predict_mean(x[i], TW_MODEL_BALLISTIC, st[0] - t_truth);
        radar_report(&rep[i], x[i], &site, &radar, abs_ns(sh, st[0]), i, &rng);
      }
      t_truth = st[0];
    }
    st[1] = wall_s(sh);
    tw_tracker_process(trk, rep, N_OBJ);
    tw_tracker_housekeep(trk, t_truth);
    st[2] = wall_s(sh);
    for (int i = 0; i < tw_tracker_count(trk); i++) {
      const tw_track *k = tw_tracker_track(trk, i);
      if (k->status != TW_TRACK_CONFIRMED)
        continue;
      tw_fusion_input in;
      fusion_in(&in, n->nation, k);
      tw_fusion_update(n->fus, &in, st[2], NULL);
      share(n, k);
    }
    st[3] = wall_s(sh);
    for (int batches = 0; batches < 1000 && take(n, 0, gtn) == POLL_BATCH; batches++)
      ;
    st[4] = wall_s(sh);
    int n_sys = tw_fusion_fuse(n->fus, st[4]);
    st[5] = wall_s(sh);
    for (int i = 0; i < n_sys; i++) {
      tw_bus_system_track o;
      system_out(&o, tw_fusion_get(n->fus, i), n);
      for (int l = 0; l < n->n_links; l++)
        if (tw_bus_publish_system_track(n->bus, n->links[l], &o, &n->mark) != 0)
          r->pub_failed++;
    }
    st[6] = wall_s(sh);
    if (st[0] >= win0 && st[6] <= win1) {
      if (first < 0.0)
        first = st[0];
      last = st[6];
      r->fused += n_sys > 0 ? n_sys : 0;
      r->rounds++;
      for (int k = 0; k < N_STAGES; k++)
        r->stage_s[k] += st[k + 1] - st[k];
    }
  }
  r->window_s = last > first ? last - first : 0.0;
  for (int i = 0; i < tw_tracker_count(trk); i++)
    r->n_own += tw_tracker_track(trk, i)->status == TW_TRACK_CONFIRMED;
  r->n_sys = tw_fusion_count(n->fus);
  for (int i = 0; i < r->n_sys; i++) {
    const tw_system_track *s = tw_fusion_get(n->fus, i);
    int seen = 0;
    for (int k = 0; k < s->n_sources; k++)
      for (int j = 0; j < N_NODES; j++)
        if (strcmp(s->src[k].originator, g_nation[j]) == 0)
          seen |= 1 << j;
    r->n_sys_full += seen == (1 << N_NODES) - 1;
  }
  tw_fusion_stats fs;
  tw_fusion_get_stats(n->fus, &fs);
  r->fusion_rejected = fs.rejected;
  tw_tracker_free(trk);
  return 0;
}

static int wait_phase(node *n, int phase, double timeout_s)
{
  int64_t deadline = mono_ns() + (int64_t)(timeout_s * 1e9);
  while (atomic_load(&n->sh->phase) < phase) {
    if (mono_ns() > deadline || parent_gone(n))
      return -1;
    uint32_t gtn[POLL_BATCH];
    take(n, 10, gtn); /* keep listening: discovery, and nothing piles up */
  }
  return 0;
}

/* A node's process, with DDS Security from the PKI in pki (NULL: none). Never returns. */
_Noreturn static void node_main(shared *sh, int me, const char *pki, uint32_t domain,
                                pid_t parent)
{
  node nd, *n = &nd;
  memset(n, 0, sizeof *n);
  n->sh = sh;
  n->me = me;
  n->nation = g_nation[me];
  n->res = &sh->res[me];
  n->parent = parent;
  if (me == KOR || me == USA)
    n->links[n->n_links++] = "KOR-USA";
  if (me == JPN || me == USA)
    n->links[n->n_links++] = "JPN-USA";
  tw_bus_marking_make(&n->mark, n->nation, MARKING);
  n->in = malloc(POLL_BATCH * sizeof *n->in);
  n->fus = tw_fusion_new(NULL);

  static char sec[8192];
  char err[512];
  int rc = pki ? tw_pki_security_xml_libdir(sec, sizeof sec, pki, n->nation, TW_DDS_PLUGIN_DIR)
               : 0;
  if (rc < 0 || n->in == NULL || n->fus == NULL) {
    snprintf(n->res->err, sizeof n->res->err, "%s: security XML: %s", n->nation,
             rc < 0 ? tw_strerror(rc) : "out of memory");
    goto fail;
  }
  tw_bus_config c;
  tw_bus_config_default(&c);
  c.nation = n->nation;
  c.domain_id = domain;
  c.n_links = n->n_links;
  for (int l = 0; l < n->n_links; l++)
    c.links[l] = n->links[l];
  c.n_nations = N_NODES;
  for (int i = 0; i < N_NODES; i++)
    c.nations[i] = g_nation[i];
  c.security_xml = pki ? sec : NULL;
  c.epoch_ns = sh->epoch_ns;
  c.log = bus_log;
  c.log_ctx = (void *)n->nation;
  n->bus = tw_bus_open(&c, err, sizeof err);
  if (n->bus == NULL) {
    snprintf(n->res->err, sizeof n->res->err, "%s", err);
    goto fail;
  }
  /* every link matched: the handshakes are done and the partners listen */
  int64_t deadline = mono_ns() + (int64_t)(READY_S * 1e9);
  for (;;) {
    int ok = 1;
    for (int l = 0; l < n->n_links; l++)
      ok &= tw_bus_link_matched(n->bus, n->links[l]) > 0;
    if (ok)
      break;
    if (mono_ns() > deadline || parent_gone(n)) {
      snprintf(n->res->err, sizeof n->res->err, "%s: links not matched within %.0f s",
               n->nation, READY_S);
      goto fail;
    }
    sleep_ms(10);
  }
  n->res->rss_open_kib = bench_peak_rss_kib();
  atomic_store(&sh->ready[me], 1);

  if (wait_phase(n, PH_LATENCY, READY_S + 5.0) != 0)
    goto fail;
  if (me == KOR) {
    if (kor_latency(n) != 0)
      goto fail;
  } else {
    relay_or_fuse_latency(n);
  }
  if (wait_phase(n, PH_THROUGHPUT, N_LAT * 3e-3 + 30.0) != 0)
    goto fail;
  n->res->published = n->res->relayed = n->res->received = n->res->pub_failed = 0;
  if (atomic_load(&sh->phase) == PH_THROUGHPUT && throughput(n) != 0)
    goto fail;
  tw_bus_stats bs;
  tw_bus_get_stats(n->bus, &bs);
  for (int k = 0; k < TW_BUS_REJ_N; k++)
    n->res->bus_rejected += bs.rejected[k];
  n->res->rss_peak_kib = bench_peak_rss_kib();
  atomic_store(&sh->done[me], 1);
  wait_phase(n, PH_STOP, 30.0);
  tw_bus_close(n->bus);
  tw_fusion_free(n->fus);
  free(n->in);
  _exit(0);

fail:
  n->res->failed = 1;
  atomic_store(&sh->ready[me], -1);
  atomic_store(&sh->done[me], 1);
  tw_bus_close(n->bus);
  tw_fusion_free(n->fus);
  free(n->in);
  _exit(1);
}

/* --- the parent ----------------------------------------------------------------------------- */

static pid_t g_child[N_NODES];

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* rm -r path (our temporary directory: no symlinks are followed). */
static void remove_tree(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char sub[1024];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      remove_tree(sub);
    }
    if (d != NULL)
      closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* Every node's flag at 1 within timeout_s: 0; a flag at -1, a child gone, or the time up: -1
 * with the reason in why. */
static int wait_all(atomic_int *flags, double timeout_s, char *why, size_t n_why)
{
  int64_t deadline = mono_ns() + (int64_t)(timeout_s * 1e9);
  for (;;) {
    int all = 1;
    for (int i = 0; i < N_NODES; i++) {
      int v = atomic_load(&flags[i]);
      if (v < 0) {
        snprintf(why, n_why, "%s failed", g_nation[i]);
        return -1;
      }
      all &= v == 1;
    }
    if (all)
      return 0;
    for (int i = 0; i < N_NODES; i++) {
      int status;
      if (g_child[i] > 0 && waitpid(g_child[i], &status, WNOHANG) == g_child[i]) {
        g_child[i] = 0;
        snprintf(why, n_why, "%s's process ended early (%s %d)", g_nation[i],
                 WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status)
                                                                             : WEXITSTATUS(status));
        return -1;
      }
    }
    if (mono_ns() > deadline) {
      snprintf(why, n_why, "timed out after %.0f s", timeout_s);
      return -1;
    }
    sleep_ms(5);
  }
}

/* Stop the children: up to 10 s to close their buses, then SIGKILL (each by its pid). */
static void reap_children(void)
{
  int64_t deadline = mono_ns() + INT64_C(10000000000);
  for (int i = 0; i < N_NODES; i++) {
    while (g_child[i] > 0) {
      if (waitpid(g_child[i], NULL, WNOHANG) == g_child[i]) {
        g_child[i] = 0;
      } else if (mono_ns() > deadline) {
        kill(g_child[i], SIGKILL);
        waitpid(g_child[i], NULL, 0);
        g_child[i] = 0;
      } else {
        sleep_ms(5);
      }
    }
  }
}

/* A grant for ddsperf under the PKI in dir: `nation` may publish and read every topic in every
 * partition of the domain (without partitions, Cyclone refuses ddsperf's pong reader); signed
 * by that PKI's permissions CA, it replaces dir/<nation>/permissions.p7s. 0 or -1. */
static int ddsperf_grant(const char *dir, const char *nation, uint32_t domain)
{
  char path[600], doc[2048], nb[32], na[32];
  time_t now = time(NULL), t_nb = now - 300, t_na = now + 86400;
  struct tm tm;
  strftime(nb, sizeof nb, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t_nb, &tm));
  strftime(na, sizeof na, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t_na, &tm));
  int len = snprintf(doc, sizeof doc,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<dds xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xsi:noNamespaceSchemaLocation=\"http://www.omg.org/spec/DDS-SECURITY/20170901/"
    "omg_shared_ca_permissions.xsd\">\n"
    "  <permissions>\n"
    "    <grant name=\"%s_ddsperf\">\n"
    "      <subject_name>CN=%s,O=triwatch</subject_name>\n"
    "      <validity><not_before>%s</not_before><not_after>%s</not_after></validity>\n"
    "      <allow_rule>\n"
    "        <domains><id>%u</id></domains>\n"
    "        <publish><topics><topic>*</topic></topics>\n"
    "          <partitions><partition>*</partition></partitions></publish>\n"
    "        <subscribe><topics><topic>*</topic></topics>\n"
    "          <partitions><partition>*</partition></partitions></subscribe>\n"
    "      </allow_rule>\n"
    "      <default>DENY</default>\n"
    "    </grant>\n"
    "  </permissions>\n"
    "</dds>\n",
    nation, nation, nb, na, (unsigned)domain);
  int rc = -1;
  X509 *ca = NULL;
  EVP_PKEY *key = NULL;
  PKCS7 *p7 = NULL;
  BIO *in = NULL, *again = NULL, *out = NULL;
  FILE *f;
  snprintf(path, sizeof path, "%s/permissions_ca.pem", dir);
  if ((f = fopen(path, "r")) != NULL) {
    ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
  }
  snprintf(path, sizeof path, "%s/permissions_ca.key", dir);
  if ((f = fopen(path, "r")) != NULL) {
    key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
  }
  const int flags = PKCS7_TEXT | PKCS7_DETACHED;
  if (ca == NULL || key == NULL || len <= 0 || len >= (int)sizeof doc ||
      (in = BIO_new_mem_buf(doc, len)) == NULL || (again = BIO_new_mem_buf(doc, len)) == NULL ||
      (p7 = PKCS7_sign(ca, key, NULL, in, flags)) == NULL)
    goto done;
  snprintf(path, sizeof path, "%s/%s/permissions.p7s", dir, nation);
  if ((out = BIO_new_file(path, "w")) != NULL && SMIME_write_PKCS7(out, p7, again, flags) == 1)
    rc = 0;
done:
  BIO_free(out);
  BIO_free(again);
  BIO_free(in);
  PKCS7_free(p7);
  EVP_PKEY_free(key);
  X509_free(ca);
  return rc;
}

static int make_pki(const char *out, const char *const *partners, int n, uint32_t domain,
                    char *err, size_t n_err)
{
  tw_pki_opts o;
  tw_pki_opts_init(&o);
  o.partners = partners;
  o.n_partners = n;
  o.domain_id = (int)domain;
  o.days = 1;
  o.out_dir = out;
  return tw_pki_init(&o, err, n_err);
}

/* ddsperf round trips: no security (listener, waitset), then with it (listener, waitset) on a
 * PKI of its own. d50/d99[mode][secured], < 0 when not measured. */
static void run_ddsperf(const char *tmp, uint32_t domain, double d50[2][2], double d99[2][2])
{
  static const char *const modes[2] = {"listener", "waitset"};
  static char sec_ping[8192], sec_pong[8192];
  for (int m = 0; m < 2; m++)
    for (int s = 0; s < 2; s++)
      d50[m][s] = d99[m][s] = -1.0;
  for (int m = 0; m < 2; m++)
    bench_ddsperf(tmp, domain, modes[m], PERF_SIZE, PERF_SECONDS, NULL, NULL, &d50[m][0],
                  &d99[m][0]);
  char dir[600], err[512];
  static const char *const partners[2] = {"KOR", "USA"};
  snprintf(dir, sizeof dir, "%s/pki-ddsperf", tmp);
  if (make_pki(dir, partners, 2, domain, err, sizeof err) != 0) {
    fprintf(stderr, "bench_fabric: PKI for ddsperf: %s\n", err);
    return;
  }
  if (ddsperf_grant(dir, "KOR", domain) != 0 || ddsperf_grant(dir, "USA", domain) != 0 ||
      tw_pki_security_xml_libdir(sec_ping, sizeof sec_ping, dir, "KOR", TW_DDS_PLUGIN_DIR) < 0 ||
      tw_pki_security_xml_libdir(sec_pong, sizeof sec_pong, dir, "USA", TW_DDS_PLUGIN_DIR) < 0) {
    fprintf(stderr, "bench_fabric: cannot write ddsperf's grants under %s\n", dir);
    return;
  }
  for (int m = 0; m < 2; m++)
    bench_ddsperf(tmp, domain, modes[m], PERF_SIZE, PERF_SECONDS, sec_ping, sec_pong,
                  &d50[m][1], &d99[m][1]);
}

static void print_throughput(const node_res res[N_NODES])
{
  printf("\nThroughput: every node runs its loop on %d objects at full speed, all three at once;"
         "\n%.0f s window after %.0f s of ramp. Fused: system-track updates fused and published "
         "per second\nof wall clock; fuse alone: the same per second of tw_fusion_fuse:\n",
         N_OBJ, WINDOW_S, RAMP_S);
  printf("  node  fused/s  fuse alone/s  rounds  ms/round  system tracks  with all 3  own tracks"
         "  peak RSS MB  at bus open\n");
  for (int i = 0; i < N_NODES; i++) {
    const node_res *r = &res[i];
    printf("  %-4s  %7.0f  %12.0f  %6d  %8.1f  %13d  %10d  %10d  %11.1f  %11.1f\n", g_nation[i],
           r->window_s > 0 ? (double)r->fused / r->window_s : 0.0,
           r->stage_s[ST_FUSE] > 0 ? (double)r->fused / r->stage_s[ST_FUSE] : 0.0, r->rounds,
           r->rounds ? 1e3 * r->window_s / r->rounds : 0.0, r->n_sys, r->n_sys_full, r->n_own,
           r->rss_peak_kib / 1024.0, r->rss_open_kib / 1024.0);
  }
  printf("  a round's time:");
  for (int k = 0; k < N_STAGES; k++)
    printf("%s %s", k ? "," : "", g_stage[k]);
  printf("\n");
  for (int i = 0; i < N_NODES; i++) {
    const node_res *r = &res[i];
    double tot = 0.0;
    for (int k = 0; k < N_STAGES; k++)
      tot += r->stage_s[k];
    printf("  %-4s", g_nation[i]);
    for (int k = 0; k < N_STAGES; k++)
      printf(" %3.0f%%", tot > 0 ? 100.0 * r->stage_s[k] / tot : 0.0);
    printf("   (%ld published, %ld relayed, %ld taken; refused: %ld writes, %zu by fusion, %llu "
           "by the bus)\n", r->published, r->relayed, r->received, r->pub_failed,
           r->fusion_rejected, (unsigned long long)r->bus_rejected);
  }
}

/* Latency figures of one run of the nodes, in us. */
typedef struct lat_stats {
  int n, n_seg, missed;
  double p50, p90, p99, max;
  double seg[N_MARKS - 1]; /* medians of each step */
} lat_stats;

static int latency_stats(const shared *sh, lat_stats *ls)
{
  static double lat[N_UPD], seg[N_MARKS - 1][N_UPD];
  memset(ls, 0, sizeof *ls);
  for (int i = N_WARM; i < N_LAT; i++) {
    if (sh->t_ns[M_OUT][i] == 0)
      continue;
    lat[ls->n++] = (double)(sh->t_ns[M_OUT][i] - sh->t_ns[M_IN][i]) * 1e-3;
    int all = 1;
    for (int k = 0; k < N_MARKS; k++)
      all &= sh->t_ns[k][i] != 0;
    for (int k = 0; all && k < N_MARKS - 1; k++)
      seg[k][ls->n_seg] = (double)(sh->t_ns[k + 1][i] - sh->t_ns[k][i]) * 1e-3;
    ls->n_seg += all;
  }
  ls->missed = atomic_load(&sh->lat_missed);
  if (ls->n < N_UPD / 2)
    return -1;
  qsort(lat, (size_t)ls->n, sizeof lat[0], cmp_double);
  ls->p50 = lat[ls->n / 2];
  ls->p90 = lat[ls->n * 9 / 10];
  ls->p99 = lat[ls->n * 99 / 100];
  ls->max = lat[ls->n - 1];
  for (int k = 0; k < N_MARKS - 1 && ls->n_seg > 0; k++) {
    qsort(seg[k], (size_t)ls->n_seg, sizeof seg[k][0], cmp_double);
    ls->seg[k] = seg[k][ls->n_seg / 2];
  }
  return 0;
}

/* One run of the three nodes: bus open, the latency phase, then (with_throughput) the
 * throughput phase. Results stay in sh. 0, or -1 with the reason in why (reported). */
static int run_nodes(shared *sh, const char *pki, uint32_t domain, int with_throughput,
                     double *t_ready_s, char *why, size_t n_why)
{
  memset(sh, 0, sizeof *sh);
  for (int i = 0; i < N_NODES; i++) {
    atomic_init(&sh->ready[i], 0);
    atomic_init(&sh->done[i], 0);
  }
  atomic_init(&sh->phase, PH_SETUP);
  atomic_init(&sh->base_updates, 0);
  atomic_init(&sh->lat_done, 0);
  atomic_init(&sh->lat_missed, 0);
  sh->epoch_ns = tw_time_now() - 60 * TW_NS_PER_S;
  why[0] = '\0';

  double t0 = bench_now();
  fflush(NULL); /* or the children would print our buffered lines again */
  pid_t parent = getpid();
  for (int i = 0; i < N_NODES; i++) {
    g_child[i] = fork();
    if (g_child[i] == 0)
      node_main(sh, i, pki, domain, parent);
    if (g_child[i] < 0) {
      snprintf(why, n_why, "fork: %s", strerror(errno));
      goto stop;
    }
  }
  if (wait_all(sh->ready, READY_S + 5.0, why, n_why) != 0)
    goto stop;
  *t_ready_s = bench_now() - t0;
  atomic_store(&sh->phase, PH_LATENCY);
  for (int64_t deadline = mono_ns() + (int64_t)N_LAT * PACE_NS * 3 + INT64_C(10000000000);
       !atomic_load(&sh->lat_done);) {
    if (atomic_load(&sh->ready[KOR]) < 0 || mono_ns() > deadline) {
      snprintf(why, n_why, "KOR did not finish its updates");
      goto stop;
    }
    sleep_ms(10);
  }
  sleep_ms(300); /* the last ones through */
  if (with_throughput) {
    sh->t_thr_s = wall_s(sh) + 0.5;
    atomic_store(&sh->phase, PH_THROUGHPUT);
    if (wait_all(sh->done, RAMP_S + WINDOW_S + 20.0, why, n_why) != 0)
      goto stop;
  }
stop:
  atomic_store(&sh->phase, PH_STOP);
  reap_children();
  for (int i = 0; i < N_NODES && !why[0]; i++)
    if (sh->res[i].failed)
      snprintf(why, n_why, "%s failed", g_nation[i]);
  if (why[0]) {
    fprintf(stderr, "bench_fabric: %s nodes: %s\n", pki ? "secured" : "unsecured", why);
    for (int i = 0; i < N_NODES; i++)
      if (sh->res[i].err[0])
        fprintf(stderr, "bench_fabric: %s\n", sh->res[i].err);
    return -1;
  }
  return 0;
}

int main(void)
{
  uint32_t domain = 10 + (uint32_t)getpid() % 28 * 3; /* secured nodes; + 1: the others */
  char tmp[64] = "/tmp/tw_bench_fabric.XXXXXX", pki[128], err[512], why[160];
  if (mkdtemp(tmp) == NULL) {
    perror("bench_fabric: mkdtemp");
    return 1;
  }
  snprintf(pki, sizeof pki, "%s/pki", tmp);
  static const char *const partners[N_NODES] = {"USA", "JPN", "KOR"};
  static node_res thr[N_NODES];
  lat_stats lat[2]; /* [secured] */
  double t_ready[2] = {0, 0}, t_start = bench_now();
  int rc = 1;
  shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) {
    perror("bench_fabric: mmap");
    goto out;
  }
  if (make_pki(pki, partners, N_NODES, domain, err, sizeof err) != 0) {
    fprintf(stderr, "bench_fabric: PKI: %s\n", err);
    goto out;
  }
  if (run_nodes(sh, pki, domain, 1, &t_ready[1], why, sizeof why) != 0)
    goto out;
  memcpy(thr, sh->res, sizeof thr);
  if (latency_stats(sh, &lat[1]) != 0) {
    fprintf(stderr, "bench_fabric: only %d of %d updates reached JPN's fused output\n",
            lat[1].n, N_UPD);
    goto out;
  }
  if (run_nodes(sh, NULL, domain + 1, 0, &t_ready[0], why, sizeof why) != 0)
    goto out;
  if (latency_stats(sh, &lat[0]) != 0) {
    fprintf(stderr, "bench_fabric: without security, only %d of %d updates reached JPN's fused "
            "output\n", lat[0].n, N_UPD);
    goto out;
  }
  double d50[2][2], d99[2][2]; /* [mode][secured] */
  run_ddsperf(tmp, domain + 1, d50, d99);
  rc = 0;

  printf("Sharing fabric: KOR, USA, JPN as 3 processes, hub topology KOR-USA-JPN, loopback, "
         "%ld cores.\nDDS Security (authentication, access control, encryption) on, domain %u: "
         "links matched %.1f s after start.\n", sysconf(_SC_NPROCESSORS_ONLN), domain, t_ready[1]);
  printf("\nLatency, sensor report entering KOR -> fused system track leaving JPN, through the "
         "USA relay:\n%d updates at 1 kHz after %d warm-up; then, as the peer, ddsperf ping-pong "
         "round trips\n(%d-byte samples, pong in another process, printed half round trips "
         "x 2):\n", N_UPD, N_WARM, PERF_SIZE);
  printf("                                   p50 us   p90 us   p99 us   max us   reached\n");
  for (int s = 1; s >= 0; s--)
    printf("  triwatch, %-20s  %8.1f %8.1f %8.1f %8.1f   %d (%d tracker misses)\n",
           s ? "DDS Security on" : "no security", lat[s].p50, lat[s].p90, lat[s].p99,
           lat[s].max, lat[s].n, lat[s].missed);
  static const char *const modes[2] = {"listener", "waitset"};
  for (int s = 1; s >= 0; s--)
    for (int m = 0; m < 2; m++) {
      if (d50[m][s] < 0) {
        printf("  ddsperf %-8s %-13s  not available\n", modes[m], s ? "secured" : "no security");
        continue;
      }
      printf("  ddsperf %-8s %-13s  %8.1f          %8.1f             triwatch p50 / this: %.2f "
             "(%s)\n", modes[m], s ? "secured" : "no security", d50[m][s], d99[m][s],
             lat[s].p50 / d50[m][s], s ? "secured" : "no security");
    }
  if (d50[0][0] > 0)
    printf("  baseline, ddsperf without security (listener): triwatch with security p50 / it = "
           "%.2f\n", lat[1].p50 / d50[0][0]);
  printf("  target p50 < 3x one ddsperf round trip (listener, its default; same security "
         "setting):%s\n", d50[0][0] < 0 && d50[0][1] < 0 ? " not judged, no ddsperf" : "");
  for (int s = 1; s >= 0; s--)
    if (d50[0][s] > 0)
      printf("    %-15s %.2fx  %s\n", s ? "secured" : "no security", lat[s].p50 / d50[0][s],
             lat[s].p50 < 3.0 * d50[0][s] ? "met" : "NOT MET");
  for (int s = 1; s >= 0; s--) {
    if (lat[s].n_seg == 0)
      continue;
    printf("  where the time goes, %s (medians of each step; they need not add up to the p50):"
           "\n", s ? "secured" : "no security");
    for (int k = 0; k < N_MARKS - 1; k++)
      printf("    %-44s %7.1f us\n", g_segment[k], lat[s].seg[k]);
  }
  print_throughput(thr);
  printf("\n(whole run %.1f s)\n", bench_now() - t_start);

out:
  if (sh != MAP_FAILED)
    munmap(sh, sizeof *sh);
  remove_tree(tmp);
  return rc;
}
