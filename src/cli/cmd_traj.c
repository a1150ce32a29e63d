/* cmd_traj.c - `triwatch traj`: solve and fly one trajectory, print it as JSON or a timeline. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/timeline.h"
#include "triwatch/error.h"
#include "triwatch/traj.h"

static const char g_traj_help[] =
  "usage: triwatch traj --site LAT,LON --bearing DEG --apogee KM --range KM\n"
  "                     [--class SRBM|MRBM|IRBM|ICBM] [--json]\n"
  "\n"
  "Finds the boost (pitch-over and thrust cut-off of the class's notional missile) that flies\n"
  "from the site along the bearing to exactly that apogee and ground range, and prints the\n"
  "flight: a timeline, or with --json one object with flight_time_s, burnout_time_s, apogee_km,\n"
  "range_km, impact_lat, impact_lon, max_speed_mps and more. Without --class the smallest class\n"
  "that can fly it is used. Exit 2 for bad arguments or a trajectory no boost can fly.\n";

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_json(const tw_traj *t, const tw_traj_request *req, double solve_s)
{
  json_t *o = json_object();
  json_t *ev = json_array();
  for (int i = 0; i < t->n_events; i++) {
    tw_geodetic g;
    tw_ecef_to_geo(&g, t->events[i].r);
    json_t *e = json_pack("{s:s, s:f, s:f, s:f, s:f}", "event",
                          tw_traj_event_name(t->events[i].kind), "t_s", t->events[i].t_s,
                          "alt_km", g.h_m / 1e3, "lat", g.lat_rad / TW_DEG, "lon",
                          g.lon_rad / TW_DEG);
    if (t->events[i].kind == TW_TEV_STAGING)
      json_object_set_new(e, "stage", json_integer(t->events[i].stage + 1));
    json_array_append_new(ev, e);
  }
  json_object_set_new(o, "class", json_string(tw_class_name(t->cls)));
  json_object_set_new(o, "flight_time_s", json_real(t->flight_time_s));
  json_object_set_new(o, "burnout_time_s", json_real(t->burnout_time_s));
  json_object_set_new(o, "apogee_km", json_real(t->apogee_m / 1e3));
  json_object_set_new(o, "apogee_time_s", json_real(t->apogee_time_s));
  json_object_set_new(o, "range_km", json_real(t->range_m / 1e3));
  json_object_set_new(o, "bearing_deg", json_real(t->bearing_rad / TW_DEG));
  json_object_set_new(o, "impact_lat", json_real(t->impact_lat_rad / TW_DEG));
  json_object_set_new(o, "impact_lon", json_real(t->impact_lon_rad / TW_DEG));
  json_object_set_new(o, "max_speed_mps", json_real(t->max_speed_mps));
  json_object_set_new(o, "requested", json_pack("{s:f, s:f, s:f, s:f, s:f}",
      "site_lat", req->lat_rad / TW_DEG, "site_lon", req->lon_rad / TW_DEG,
      "bearing_deg", req->bearing_rad / TW_DEG, "apogee_km", req->apogee_m / 1e3,
      "range_km", req->range_m / 1e3));
  json_object_set_new(o, "boost", json_pack("{s:f, s:f, s:f}",
      "pitch_deg", t->plan.pitch_rad / TW_DEG, "azimuth_deg", t->plan.azimuth_rad / TW_DEG,
      "cutoff_s", t->plan.cutoff_s));
  json_object_set_new(o, "events", ev);
  json_object_set_new(o, "solver_flights", json_integer(t->n_flights));
  json_object_set_new(o, "solve_ms", json_real(solve_s * 1e3));
  json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
  fputc('\n', stdout);
  json_decref(o);
}

static void print_summary(const tw_traj *t)
{
  printf("%s: %.0f km apogee, %.0f km range on bearing %.1f deg; flight %.0f s (%.1f min), "
         "powered %.0f s, max speed %.0f m/s; impact %.3fN %.3fE\n",
         tw_class_name(t->cls), t->apogee_m / 1e3, t->range_m / 1e3, t->bearing_rad / TW_DEG,
         t->flight_time_s, t->flight_time_s / 60.0, t->burnout_time_s, t->max_speed_mps,
         t->impact_lat_rad / TW_DEG, t->impact_lon_rad / TW_DEG);
}

int cmd_traj(int argc, char **argv)
{
  tw_traj_request req = {0};
  int have_site = 0, have_bearing = 0, have_apogee = 0, have_range = 0, json = 0;
  double lat = 0, lon = 0, v = 0;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_traj_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--json")) {
      json = 1;
      continue;
    }
    if (strncmp(a, "--", 2) != 0)
      return cli_usage("traj: unexpected argument '%s' (see 'triwatch traj --help')", a);
    if (!val)
      return cli_usage("traj: %s needs a value", a);
    i++;
    if (!strcmp(a, "--site")) {
      if (cli_parse_pair(val, &lat, &lon) < 0)
        return cli_usage("traj: --site expects LAT,LON in degrees, e.g. 40.61,126.43; got '%s'", val);
      if (!(fabs(lat) <= 90.0))
        return cli_usage("traj: --site latitude %g is outside [-90, 90]", lat);
      if (!(fabs(lon) <= 180.0))
        return cli_usage("traj: --site longitude %g is outside [-180, 180]", lon);
      have_site = 1;
    } else if (!strcmp(a, "--bearing")) {
      if (cli_parse_double(val, &v) < 0 || !(v >= 0.0 && v <= 360.0))
        return cli_usage("traj: --bearing expects degrees clockwise from north in [0, 360]; got '%s'", val);
      req.bearing_rad = v * TW_DEG;
      have_bearing = 1;
    } else if (!strcmp(a, "--apogee")) {
      if (cli_parse_double(val, &v) < 0 || !(v >= 1.0 && v <= 20000.0))
        return cli_usage("traj: --apogee expects kilometres in [1, 20000]; got '%s'", val);
      req.apogee_m = v * 1e3;
      have_apogee = 1;
    } else if (!strcmp(a, "--range")) {
      if (cli_parse_double(val, &v) < 0 || !(v >= 10.0 && v <= 15000.0))
        return cli_usage("traj: --range expects kilometres in [10, 15000]; got '%s'", val);
      req.range_m = v * 1e3;
      have_range = 1;
    } else if (!strcmp(a, "--class")) {
      if (tw_class_parse(&req.cls, val) < 0)
        return cli_usage("traj: --class expects SRBM, MRBM, IRBM or ICBM; got '%s'", val);
    } else {
      return cli_usage("traj: unknown option '%s' (see 'triwatch traj --help')", a);
    }
  }
  if (!have_site)
    return cli_usage("traj: --site LAT,LON is required");
  if (!have_bearing)
    return cli_usage("traj: --bearing DEG is required");
  if (!have_apogee)
    return cli_usage("traj: --apogee KM is required");
  if (!have_range)
    return cli_usage("traj: --range KM is required");
  req.lat_rad = lat * TW_DEG;
  req.lon_rad = lon * TW_DEG;

  tw_traj t;
  char why[200];
  double t0 = now_s();
  int rc = tw_traj_solve(&t, &req, 1.0, why, sizeof why);
  double solve_s = now_s() - t0;
  if (rc == TW_EUNREACH || rc == TW_EINVAL || rc == TW_ENOCONV)
    return cli_usage("traj: cannot fly %.0f km apogee over %.0f km%s%s: %s", req.apogee_m / 1e3,
                     req.range_m / 1e3, req.cls ? " as " : "", req.cls ? tw_class_name(req.cls) : "",
                     why[0] ? why : tw_strerror(rc));
  if (rc < 0) {
    fprintf(stderr, "triwatch: traj: %s\n", tw_strerror(rc));
    return TW_EXIT_FAIL;
  }
  if (json) {
    print_json(&t, &req, solve_s);
  } else {
    print_summary(&t);
    timeline_print(stdout, &t, 0, 0, 0, NULL);
  }
  tw_traj_free(&t);
  return TW_EXIT_OK;
}
