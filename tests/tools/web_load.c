/* web_load.c - a load generator for the node's web server (triwatch/web.h): serves a static root,
 * /api/state and /api/areas, and publishes "state" Server-Sent Events with N synthetic tracks,
 * so that a browser benchmark can watch the page and the daemon's memory together.
 *
 * Usage: web_load --port P --root DIR --tracks N [--seconds S] [--rate HZ] [--areas FILE]
 *
 * Prints "listening on http://127.0.0.1:PORT/" (the real port when 0 was asked), then once a
 * second a JSON line {"t":..,"rss_kb":..,"sse_clients":..,"sse_queued_bytes":..,"dropped":..}.
 * Stops after S seconds (default 60) or on SIGTERM/SIGINT; exit status 0, or 2 on bad usage,
 * 1 when the server or the areas file fails.
 *
 * The state is docs/web-api.md's: tracks fly great circles from launch points in North Korea
 * towards Japan, the Pacific and the south, each in a loop of its own period (boost, ballistic,
 * reentry), nations USA, JPN and KOR in turn; every third track has a prediction with 50 % and
 * 95 % ellipses; three alerts, two partners and a short timeline. Only 127.0.0.1 is served. */
#define _XOPEN_SOURCE 700 /* gmtime_r */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triwatch/error.h"
#include "triwatch/web.h"

#define EARTH_R_M 6371008.8
#define DEG (M_PI / 180.0)
#define HISTORY_S 600
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(9))

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct {
  double lat0_deg, lon0_deg; /* launch point */
  double az_deg;             /* initial azimuth of the great circle, from north */
  double range_m;            /* ground range of one flight */
  double period_s;           /* one flight; the track flies again from the start after it */
  double offset_s;           /* where in its flight the track is at t = 0 */
  double apogee_m;
  const char *nation;
  int number; /* the GTN and the source number */
} track_def;

typedef struct {
  track_def *tracks;
  int n;
  time_t start_utc;
  pthread_mutex_t lock;
  double t_s; /* scenario seconds now, set by the main loop */
  char *areas; /* the GeoJSON FeatureCollection, made once */
  size_t areas_len;
} load;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
  (void)sig;
  g_stop = 1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
  if (s <= 0)
    return;
  struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
  nanosleep(&ts, NULL);
}

static long rss_kb(void)
{
  long pages_total, pages_rss;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return -1;
  int ok = fscanf(f, "%ld %ld", &pages_total, &pages_rss) == 2;
  fclose(f);
  return ok ? pages_rss * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

/* ---- synthetic tracks ---------------------------------------------------------------------- */

/* A small deterministic generator (xorshift64*), so every run flies the same tracks. */
static double uniform(uint64_t *s, double lo, double hi)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  uint64_t v = *s * UINT64_C(2685821657736338717);
  return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

static void make_tracks(track_def *t, int n)
{
  static const char *const nations[] = {"USA", "JPN", "KOR"};
  uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
  for (int i = 0; i < n; i++) {
    t[i].lat0_deg = uniform(&seed, 38.5, 41.5);
    t[i].lon0_deg = uniform(&seed, 124.8, 129.5);
    /* most towards Japan and the Pacific, some south towards Korea's waters and Guam */
    t[i].az_deg = i % 5 == 4 ? uniform(&seed, 140, 200) : uniform(&seed, 50, 120);
    t[i].range_m = uniform(&seed, 600e3, 4500e3);
    t[i].period_s = 120 + t[i].range_m / 4000.0;
    t[i].offset_s = uniform(&seed, 0, t[i].period_s);
    t[i].apogee_m = 0.3 * t[i].range_m > 1200e3 ? 1200e3 : 0.3 * t[i].range_m;
    t[i].nation = nations[i % 3];
    t[i].number = i + 1;
  }
}

/* The point at ground distance d_m along the great circle from (lat0, lon0) at azimuth az. */
static void great_circle(double lat0_deg, double lon0_deg, double az_deg, double d_m,
                         double *lat_deg, double *lon_deg)
{
  double p1 = lat0_deg * DEG, l1 = lon0_deg * DEG, th = az_deg * DEG, dl = d_m / EARTH_R_M;
  double p2 = asin(sin(p1) * cos(dl) + cos(p1) * sin(dl) * cos(th));
  double l2 = l1 + atan2(sin(th) * sin(dl) * cos(p1), cos(dl) - sin(p1) * sin(p2));
  *lat_deg = p2 / DEG;
  *lon_deg = fmod(l2 / DEG + 540.0, 360.0) - 180.0;
}

typedef struct {
  double lat_deg, lon_deg, alt_m, speed_mps, flight_start_s, f;
} track_pos;

static track_pos position(const track_def *d, double t_s)
{
  track_pos p;
  double tau = fmod(t_s + d->offset_s, d->period_s);
  p.f = tau / d->period_s;
  p.flight_start_s = t_s - tau;
  great_circle(d->lat0_deg, d->lon0_deg, d->az_deg, p.f * d->range_m, &p.lat_deg, &p.lon_deg);
  p.alt_m = 4 * d->apogee_m * p.f * (1 - p.f);
  double vh = d->range_m / d->period_s, vz = 4 * d->apogee_m * (1 - 2 * p.f) / d->period_s;
  p.speed_mps = sqrt(vh * vh + vz * vz);
  return p;
}

static double round_to(double v, double step)
{
  return round(v / step) * step;
}

static json_t *track_json(const load *L, const track_def *d, double t_s, int history)
{
  track_pos p = position(d, t_s);
  char id[32], src[32];
  const char *phase = p.f < 0.08 ? "boost" : p.f > 0.85 ? "reentry" : "ballistic";
  snprintf(id, sizeof id, "JPN-%d", d->number);
  snprintf(src, sizeof src, "%s#%d", d->nation, d->number);
  json_t *o = json_pack("{s:s, s:s, s:[s], s:f, s:f, s:f, s:f, s:s, s:s, s:f}", "id", id,
                        "nation", d->nation, "sources", src, "lat", round_to(p.lat_deg, 1e-5),
                        "lon", round_to(p.lon_deg, 1e-5), "alt_m", round(p.alt_m), "speed_mps",
                        round(p.speed_mps), "phase", phase, "marking", "REL TO USA, JPN, KOR",
                        "t_s", round_to(t_s, 0.1));
  if (o && history) {
    json_t *h = json_array();
    double from = ceil(t_s - HISTORY_S);
    if (from < p.flight_start_s)
      from = ceil(p.flight_start_s);
    for (double t = from; h && t <= t_s; t += 1.0) {
      track_pos q = position(d, t);
      json_array_append_new(h, json_pack("[f,f,f,f]", t, round_to(q.lat_deg, 1e-5),
                                         round_to(q.lon_deg, 1e-5), round(q.alt_m)));
    }
    json_object_set_new(o, "history", h ? h : json_null());
  }
  (void)L;
  return o;
}

static json_t *prediction_json(const track_def *d, double t_s)
{
  track_pos p = position(d, t_s);
  double lat, lon, a50 = 800 + d->range_m * 0.0005;
  char id[32];
  snprintf(id, sizeof id, "JPN-%d", d->number);
  great_circle(d->lat0_deg, d->lon0_deg, d->az_deg, d->range_m, &lat, &lon);
  json_t *launch = d->number % 6 == 0
                       ? json_null()
                       : json_pack("{s:f, s:f, s:f}", "lat", round_to(d->lat0_deg, 1e-4), "lon",
                                   round_to(d->lon0_deg, 1e-4), "t_s",
                                   round_to(p.flight_start_s, 0.1));
  return json_pack(
      "{s:s, s:f, s:{s:f, s:f, s:f, s:f, s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f}}, s:o}", "track",
      id, "t_s", round_to(t_s, 0.1), "impact", "lat", round_to(lat, 1e-4), "lon",
      round_to(lon, 1e-4), "t_s", round_to(p.flight_start_s + d->period_s, 0.1), "sigma_t_s",
      4.0, "e50", "a_m", round(a50), "b_m", round(a50 * 0.3), "az_deg", round_to(d->az_deg, 0.1),
      "e95", "a_m", round(a50 * 2.08), "b_m", round(a50 * 0.62), "az_deg",
      round_to(d->az_deg, 0.1), "launch", launch);
}

/* The whole picture at t_s; with history for /api/state, without for the SSE event. */
static char *state_json(const load *L, double t_s, int history)
{
  char utc[32], start[32];
  struct tm tm;
  time_t now = L->start_utc + (time_t)t_s;
  gmtime_r(&L->start_utc, &tm);
  strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &tm);
  gmtime_r(&now, &tm);
  strftime(utc, sizeof utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
  char name[64];
  snprintf(name, sizeof name, "synthetic load, %d tracks", L->n);
  json_t *tracks = json_array(), *preds = json_array();
  for (int i = 0; i < L->n; i++) {
    json_array_append_new(tracks, track_json(L, &L->tracks[i], t_s, history));
    if (i % 3 == 0)
      json_array_append_new(preds, prediction_json(&L->tracks[i], t_s));
  }
  json_t *alerts = json_array();
  if (L->n > 0) {
    json_array_append_new(
        alerts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:s}", "id",
                          "triwatch-JPN-0001", "area_code", "JP-02", "area_name", "Aomori",
                          "kind", "overflight", "status", "warning", "expected_t_s",
                          round_to(t_s + 40, 0.1), "first_warned_s", 0.0, "probability", 1.0,
                          "why", "predicted ground track crosses Aomori"));
    json_array_append_new(
        alerts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:s}", "id",
                          "triwatch-JPN-0002", "area_code", "JP-01", "area_name", "Hokkaido",
                          "kind", "impact", "status", "passed", "expected_t_s", 30.0,
                          "first_warned_s", 5.0, "probability", 0.12, "why",
                          "95 % impact ellipse overlaps Hokkaido"));
    json_array_append_new(
        alerts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:s}", "id",
                          "triwatch-JPN-0003", "area_code", "KR-49", "area_name", "Jeju",
                          "kind", "overflight", "status", "cancelled", "expected_t_s", 90.0,
                          "first_warned_s", 20.0, "probability", 0.0, "why",
                          "track no longer crosses Jeju"));
  }
  json_t *o = json_pack(
      "{s:s, s:{s:s, s:s, s:b}, s:f, s:s, s:o, s:o, s:o, s:[{s:s, s:s, s:b, s:f, s:f, s:I},"
      " {s:s, s:s, s:b, s:f, s:f, s:I}], s:[{s:f, s:s}]}",
      "node", "JPN", "scenario", "name", name, "start_utc", start, "exercise", 1, "t_s",
      round_to(t_s, 0.1), "utc", utc, "tracks", tracks, "predictions", preds, "alerts", alerts,
      "partners", "nation", "USA", "link", "jpn-usa", "up", 1, "last_heard_s",
      round_to(t_s - 0.2, 0.1), "latency_ms", 2.1, "received", (json_int_t)(t_s * L->n),
      "nation", "KOR", "link", "jpn-kor", "up", 1, "last_heard_s", round_to(t_s - 0.4, 0.1),
      "latency_ms", 3.4, "received", (json_int_t)(t_s * L->n / 2), "timeline", "t_s", 0.0,
      "text", "load generator started");
  char *s = o ? json_dumps(o, JSON_FLAGS) : NULL;
  json_decref(o);
  return s;
}

/* ---- areas ----------------------------------------------------------------------------------- */

/* Whether (x, y) is inside ring r (even-odd rule, [[lon,lat],...]). */
static int ring_contains(json_t *r, double x, double y)
{
  size_t n = json_array_size(r);
  int in = 0;
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    double xi = json_number_value(json_array_get(json_array_get(r, i), 0));
    double yi = json_number_value(json_array_get(json_array_get(r, i), 1));
    double xj = json_number_value(json_array_get(json_array_get(r, j), 0));
    double yj = json_number_value(json_array_get(json_array_get(r, j), 1));
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
      in = !in;
  }
  return in;
}

/* data/areas.json's rings (even-odd union) as a GeoJSON MultiPolygon: a ring inside an odd
 * number of others is a hole of the innermost ring holding it. */
static json_t *multipolygon(json_t *rings)
{
  size_t n = json_array_size(rings);
  int *depth = calloc(n ? n : 1, sizeof *depth);
  size_t *parent = calloc(n ? n : 1, sizeof *parent);
  json_t **poly = calloc(n ? n : 1, sizeof *poly);
  json_t *coords = json_array();
  if (!depth || !parent || !poly || !coords)
    goto out;
  for (size_t i = 0; i < n; i++) {
    json_t *p0 = json_array_get(json_array_get(rings, i), 0);
    double x = json_number_value(json_array_get(p0, 0));
    double y = json_number_value(json_array_get(p0, 1));
    for (size_t j = 0; j < n; j++)
      if (j != i && ring_contains(json_array_get(rings, j), x, y)) {
        depth[i]++;
        parent[i] = j; /* refined below to the innermost */
      }
  }
  for (size_t i = 0; i < n; i++) {
    if (depth[i] % 2 == 0) {
      poly[i] = json_array();
      json_array_append(poly[i], json_array_get(rings, i));
      json_array_append_new(coords, poly[i]);
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (depth[i] % 2 == 0)
      continue;
    /* the innermost holder has depth one less */
    json_t *p0 = json_array_get(json_array_get(rings, i), 0);
    double x = json_number_value(json_array_get(p0, 0));
    double y = json_number_value(json_array_get(p0, 1));
    for (size_t j = 0; j < n; j++)
      if (j != i && depth[j] == depth[i] - 1 && poly[j] &&
          ring_contains(json_array_get(rings, j), x, y))
        parent[i] = j;
    if (poly[parent[i]])
      json_array_append(poly[parent[i]], json_array_get(rings, i));
  }
out:
  free(depth);
  free(parent);
  free(poly);
  return json_pack("{s:s, s:o}", "type", "MultiPolygon", "coordinates", coords);
}

static int load_areas(load *L, const char *path)
{
  json_error_t jerr;
  json_t *a = json_load_file(path, 0, &jerr), *v;
  size_t i;
  if (!a || !json_is_array(a)) {
    fprintf(stderr, "web_load: %s:%d: %s\n", path, jerr.line, a ? "not an array" : jerr.text);
    json_decref(a);
    return -1;
  }
  json_t *features = json_array();
  json_array_foreach(a, i, v) {
    json_t *f = json_pack("{s:s, s:{s:O, s:O, s:O, s:s}, s:o}", "type", "Feature",
                          "properties", "code", json_object_get(v, "code"), "name",
                          json_object_get(v, "name"), "nation", json_object_get(v, "nation"),
                          "kind", "land", "geometry", multipolygon(json_object_get(v, "rings")));
    if (!f) {
      fprintf(stderr, "web_load: %s: area %zu lacks code, name, nation or rings\n", path, i);
      json_decref(features);
      json_decref(a);
      return -1;
    }
    json_array_append_new(features, f);
  }
  json_t *fc = json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
  L->areas = json_dumps(fc, JSON_COMPACT);
  L->areas_len = L->areas ? strlen(L->areas) : 0;
  json_decref(fc);
  json_decref(a);
  return L->areas ? 0 : -1;
}

/* ---- serving --------------------------------------------------------------------------------- */

static int handler(void *ctx, const char *path, char **body, size_t *len, const char **type)
{
  load *L = ctx;
  if (strcmp(path, "/api/state") == 0) {
    pthread_mutex_lock(&L->lock);
    double t = L->t_s;
    pthread_mutex_unlock(&L->lock);
    *body = state_json(L, t, 1);
    if (!*body)
      return 500;
    *len = strlen(*body);
    *type = "application/json";
    return 200;
  }
  if (strcmp(path, "/api/areas") == 0 && L->areas) {
    *body = malloc(L->areas_len);
    if (!*body)
      return 500;
    memcpy(*body, L->areas, L->areas_len);
    *len = L->areas_len;
    *type = "application/geo+json";
    return 200;
  }
  return 404;
}

static void usage(void)
{
  fprintf(stderr, "usage: web_load --port P --root DIR --tracks N [--seconds S] [--rate HZ] "
                  "[--areas FILE]\n");
}

int main(int argc, char **argv)
{
  int port = -1, tracks = -1;
  double seconds = 60, rate = 1;
  const char *root = NULL, *areas = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!v) {
      usage();
      return 2;
    }
    if (strcmp(a, "--port") == 0)
      port = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--tracks") == 0)
      tracks = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--seconds") == 0)
      seconds = strtod(v, &end);
    else if (strcmp(a, "--rate") == 0)
      rate = strtod(v, &end);
    else if (strcmp(a, "--root") == 0)
      root = v;
    else if (strcmp(a, "--areas") == 0)
      areas = v;
    else {
      usage();
      return 2;
    }
    if (end && *end) {
      fprintf(stderr, "web_load: %s: not a number: %s\n", a, v);
      return 2;
    }
    i++;
  }
  if (port < 0 || port > 65535 || !root || tracks < 0 || tracks > 100000 || !(seconds > 0) ||
      !(rate > 0 && rate <= 100)) {
    usage();
    return 2;
  }

  load L;
  memset(&L, 0, sizeof L);
  pthread_mutex_init(&L.lock, NULL);
  L.n = tracks;
  L.tracks = calloc(tracks ? (size_t)tracks : 1, sizeof *L.tracks);
  L.start_utc = time(NULL);
  if (!L.tracks || (areas && load_areas(&L, areas) != 0))
    return 1;
  make_tracks(L.tracks, tracks);

  tw_web_config cfg = {0};
  cfg.bind_addr = "127.0.0.1";
  cfg.port = port;
  cfg.root = root;
  tw_web *w = NULL;
  char err[256];
  int rc = tw_web_start(&w, &cfg, handler, &L, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "web_load: %s (%s)\n", err, tw_err_name(rc));
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  printf("listening on http://127.0.0.1:%d/\n", tw_web_port(w));
  fflush(stdout);

  double t0 = now_s(), next_pub = t0, next_stat = t0 + 1, next_line = t0 + 10;
  while (!g_stop) {
    double now = now_s(), t = now - t0;
    if (t >= seconds)
      break;
    if (now >= next_pub) {
      pthread_mutex_lock(&L.lock);
      L.t_s = t;
      pthread_mutex_unlock(&L.lock);
      char *s = state_json(&L, t, 0);
      if (s) {
        tw_web_publish(w, "state", s, strlen(s));
        free(s);
      }
      next_pub += 1.0 / rate;
      if (next_pub < now)
        next_pub = now + 1.0 / rate;
    }
    if (now >= next_line) {
      char line[128];
      snprintf(line, sizeof line, "{\"t_s\":%.1f,\"text\":\"load: %d tracks in flight\"}", t,
               L.n);
      tw_web_publish(w, "timeline", line, strlen(line));
      next_line += 10;
    }
    if (now >= next_stat) {
      tw_web_stats st;
      tw_web_get_stats(w, &st);
      printf("{\"t\":%.1f,\"rss_kb\":%ld,\"sse_clients\":%d,\"sse_queued_bytes\":%zu,"
             "\"dropped\":%llu}\n",
             t, rss_kb(), st.sse_clients, st.sse_queued_bytes,
             (unsigned long long)st.sse_dropped);
      fflush(stdout);
      next_stat += 1;
    }
    double wake = next_pub < next_stat ? next_pub : next_stat;
    sleep_s(fmin(wake - now_s(), 0.05));
  }
  tw_web_stop(w);
  free(L.tracks);
  free(L.areas);
  pthread_mutex_destroy(&L.lock);
  return 0;
}
