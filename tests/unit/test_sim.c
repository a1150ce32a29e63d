/* test_sim.c - the simulator: same seed, same bytes; every report checked by geometry written
 * here, independently of the simulator (ray against the ellipsoid, elevation from the normal,
 * sector, range; infrared only while burning above 12 km); Korean radars see a Pyongyang-area
 * launch before Japanese ones; spent stages are objects of their own. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/sim.h"

static tw_scenario g_scn;

static void one_launch(tw_scenario *s, const char *id, double lat, double lon, double bearing,
                       double apogee_km, double range_km, enum tw_missile_class cls, double t_s)
{
  tw_scn_launch *l = &s->launch[s->n_launches++];
  memset(l, 0, sizeof *l);
  snprintf(l->id, sizeof l->id, "%s", id);
  l->cls = cls;
  l->lat_deg = lat;
  l->lon_deg = lon;
  l->bearing_deg = bearing;
  l->apogee_km = apogee_km;
  l->range_km = range_km;
  l->t_s = t_s;
}

static void hwasong12(tw_scenario *s)
{
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "test Hwasong-12");
  assert_int_equal(tw_time_parse(&s->start, "2022-10-03T22:22:00Z"), 0);
  s->seed = 7;
  one_launch(s, "M1", 40.6112, 126.4257, 84.5, 970, 4500, TW_CLASS_IRBM, 0);
  s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
}

/* --- geometry written here, not borrowed from the simulator ---------------------------------- */

static const double A = 6378137.0, F = 1.0 / 298.257223563;

static void site_ecef(const tw_sensor *s, double r[3], double up[3])
{
  double e2 = F * (2 - F), la = s->lat_deg * TW_PI / 180, lo = s->lon_deg * TW_PI / 180;
  double n = A / sqrt(1 - e2 * sin(la) * sin(la));
  r[0] = (n + s->alt_m) * cos(la) * cos(lo);
  r[1] = (n + s->alt_m) * cos(la) * sin(lo);
  r[2] = (n * (1 - e2) + s->alt_m) * sin(la);
  up[0] = cos(la) * cos(lo);
  up[1] = cos(la) * sin(lo);
  up[2] = sin(la);
}

/* Does the open segment from p to q cross the ellipsoid? Quadratic in the scaled frame. */
static int blocked(const double p[3], const double q[3])
{
  double b = A * (1 - F);
  double P[3] = {p[0] / A, p[1] / A, p[2] / b}, D[3] = {(q[0] - p[0]) / A, (q[1] - p[1]) / A,
                                                        (q[2] - p[2]) / b};
  double aa = D[0] * D[0] + D[1] * D[1] + D[2] * D[2];
  double bb = 2 * (P[0] * D[0] + P[1] * D[1] + P[2] * D[2]);
  double cc = P[0] * P[0] + P[1] * P[1] + P[2] * P[2] - 1;
  double disc = bb * bb - 4 * aa * cc;
  if (disc <= 0)
    return 0;
  double t1 = (-bb - sqrt(disc)) / (2 * aa), t2 = (-bb + sqrt(disc)) / (2 * aa);
  return (t1 > 1e-9 && t1 < 1 - 1e-9) || (t2 > 1e-9 && t2 < 1 - 1e-9);
}

/* The truth state of object o at scenario time t, from its kept samples (exact sample times). */
static const tw_traj_state *sample_at(const tw_sim_object *o, double t)
{
  double tl = t - o->t0_s;
  for (size_t i = 0; i < o->traj.n_states; i++)
    if (fabs(o->traj.states[i].t_s - tl) < 1e-6)
      return &o->traj.states[i];
  return NULL;
}

static double height_of(const double r[3])
{
  /* iterate latitude: independent of the library's conversion */
  double e2 = F * (2 - F), p = hypot(r[0], r[1]), lat = atan2(r[2], p * (1 - e2)), h = 0;
  for (int i = 0; i < 10; i++) {
    double n = A / sqrt(1 - e2 * sin(lat) * sin(lat));
    h = p / cos(lat) - n;
    lat = atan2(r[2], p * (1 - e2 * n / (n + h)));
  }
  return h;
}

static void test_geometry_of_every_report(void **state)
{
  (void)state;
  tw_sim sim;
  char err[256];
  assert_int_equal(tw_sim_run(&sim, &g_scn, 7, 1.0, err, sizeof err), 0);
  size_t checked = 0, ir = 0, skipped = 0;
  for (size_t i = 0; i < sim.n_meas; i++) {
    const tw_meas *m = &sim.meas[i];
    if (m->object < 0)
      continue;
    const tw_sensor *s = &g_scn.sensor[m->sensor];
    const tw_sim_object *o = &sim.obj[m->object];
    double t = (double)(m->t_ns - g_scn.start) * 1e-9;
    const tw_traj_state *st = sample_at(o, t);
    if (!st) {
      skipped++;
      continue;
    }
    double site[3], up[3], d[3];
    site_ecef(s, site, up);
    for (int k = 0; k < 3; k++)
      d[k] = st->r[k] - site[k];
    double range = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    assert_false(blocked(site, st->r)); /* the line of sight clears the Earth */
    if (s->kind == TW_SENSOR_IR) {
      assert_true(o->stage == 0 && st->stage >= 0);           /* only while a stage burns */
      assert_true(height_of(st->r) >= s->ir_min_alt_km * 1e3); /* above the clouds */
      assert_true(t - g_scn.launch[o->launch].t_s >= s->ir_delay_s);
      ir++;
    } else {
      double el = asin((d[0] * up[0] + d[1] * up[1] + d[2] * up[2]) / range);
      assert_true(el >= s->min_elev_deg * TW_PI / 180 - 1e-9);
      assert_true(range <= s->max_range_km * 1e3 + 1e-6);
      /* azimuth from east and north unit vectors built here */
      double lo = s->lon_deg * TW_PI / 180, la = s->lat_deg * TW_PI / 180;
      double east[3] = {-sin(lo), cos(lo), 0};
      double north[3] = {-sin(la) * cos(lo), -sin(la) * sin(lo), cos(la)};
      double az = atan2(d[0] * east[0] + d[1] * east[1], d[0] * north[0] + d[1] * north[1] +
                                                              d[2] * north[2]);
      double off = fabs(remainder(az - s->boresight_deg * TW_PI / 180, 2 * TW_PI));
      assert_true(off <= s->half_width_deg * TW_PI / 180 + 1e-9);
      /* and the reported range is the true one within 6 sigma */
      assert_true(fabs(m->z[0] - range) <= 6 * s->sigma_range_m);
    }
    checked++;
  }
  printf("  %zu reports checked (%zu infrared), %zu between samples not checked\n", checked, ir,
         skipped);
  assert_true(checked > 1000);
  assert_true(ir > 10);
  assert_true(skipped * 10 < checked);
  tw_sim_free(&sim);
}

static void test_same_seed_same_bytes(void **state)
{
  (void)state;
  tw_sim a, b, c;
  char err[256];
  assert_int_equal(tw_sim_run(&a, &g_scn, 7, 1.0, err, sizeof err), 0);
  assert_int_equal(tw_sim_run(&b, &g_scn, 7, 1.0, err, sizeof err), 0);
  assert_int_equal(tw_sim_run(&c, &g_scn, 8, 1.0, err, sizeof err), 0);
  assert_int_equal(a.n_meas, b.n_meas);
  assert_memory_equal(a.meas, b.meas, a.n_meas * sizeof *a.meas);
  char *ta = NULL, *tb = NULL;
  size_t na = 0, nb = 0;
  FILE *fa = open_memstream(&ta, &na), *fb = open_memstream(&tb, &nb);
  assert_int_equal(tw_sim_write_measurements(&a, fa), 0);
  assert_int_equal(tw_sim_write_truth(&a, fa), 0);
  assert_int_equal(tw_sim_write_measurements(&b, fb), 0);
  assert_int_equal(tw_sim_write_truth(&b, fb), 0);
  fclose(fa);
  fclose(fb);
  assert_int_equal(na, nb);
  assert_memory_equal(ta, tb, na);
  /* another seed: other noise */
  assert_true(a.n_meas != c.n_meas || memcmp(a.meas, c.meas, a.n_meas * sizeof *a.meas) != 0);
  free(ta);
  free(tb);
  /* time order, and reports come after their time of validity */
  for (size_t i = 1; i < a.n_meas; i++)
    assert_true(a.meas[i].t_ns >= a.meas[i - 1].t_ns);
  for (size_t i = 0; i < a.n_meas; i++)
    assert_true(a.meas[i].t_report_ns >= a.meas[i].t_ns);
  tw_sim_free(&a);
  tw_sim_free(&b);
  tw_sim_free(&c);
}

/* Removing a sensor leaves every other sensor's reports unchanged. */
static void test_streams_are_independent(void **state)
{
  (void)state;
  static tw_scenario less;
  less = g_scn;
  int drop = 2; /* a US radar */
  memmove(&less.sensor[drop], &less.sensor[drop + 1],
          (size_t)(less.n_sensors - drop - 1) * sizeof less.sensor[0]);
  less.n_sensors--;
  tw_sim a, b;
  assert_int_equal(tw_sim_run(&a, &g_scn, 7, 1.0, NULL, 0), 0);
  assert_int_equal(tw_sim_run(&b, &less, 7, 1.0, NULL, 0), 0);
  size_t j = 0;
  for (size_t i = 0; i < a.n_meas; i++) {
    if (a.meas[i].sensor == drop)
      continue;
    assert_true(j < b.n_meas);
    assert_string_equal(g_scn.sensor[a.meas[i].sensor].id, less.sensor[b.meas[j].sensor].id);
    assert_memory_equal(a.meas[i].z, b.meas[j].z, sizeof a.meas[i].z);
    j++;
  }
  assert_int_equal(j, b.n_meas);
  tw_sim_free(&a);
  tw_sim_free(&b);
}

static double first_by_nation(const tw_sim *sim, const tw_scenario *s, int launch,
                              const char *nation, enum tw_sensor_kind kind, const char **who)
{
  double best = -1;
  for (int i = 0; i < s->n_sensors; i++) {
    double t = sim->first_det_s[(size_t)launch * (size_t)s->n_sensors + (size_t)i];
    if (t >= 0 && !strcmp(s->sensor[i].nation, nation) && s->sensor[i].kind == kind &&
        (best < 0 || t < best)) {
      best = t;
      *who = s->sensor[i].id;
    }
  }
  return best;
}

/* Done-when 3: for launches from the Pyongyang area, Korean radars detect before Japanese ones. */
static void test_korea_sees_first(void **state)
{
  (void)state;
  static tw_scenario s;
  const struct {
    const char *name;
    double lat, lon, bearing, apo, range;
    enum tw_missile_class cls;
  } cases[] = {
    {"Hwasong-12 (Mupyong-ni)", 40.6112, 126.4257, 84.5, 970, 4500, TW_CLASS_IRBM},
    {"Hwasong-17 (Pyongyang airport)", 39.2002, 125.6733, 70, 6100, 1000, TW_CLASS_ICBM},
    {"KN-25 (Pyongyang airport)", 39.2002, 125.6733, 62, 100, 350, TW_CLASS_SRBM},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    s = g_scn;
    s.n_launches = 0;
    one_launch(&s, "M1", cases[c].lat, cases[c].lon, cases[c].bearing, cases[c].apo,
               cases[c].range, cases[c].cls, 0);
    tw_sim sim;
    assert_int_equal(tw_sim_run(&sim, &s, 7, 1.0, NULL, 0), 0);
    const char *kor_who = "-", *jpn_who = "-";
    double kor = first_by_nation(&sim, &s, 0, "KOR", TW_SENSOR_RADAR, &kor_who);
    double jpn = first_by_nation(&sim, &s, 0, "JPN", TW_SENSOR_RADAR, &jpn_who);
    printf("  %-32s first KOR radar T+%6.1f s (%s), first JPN radar T+%6.1f s (%s)\n",
           cases[c].name, kor, kor_who, jpn, jpn_who);
    assert_true(kor >= 0);
    assert_true(jpn < 0 || kor < jpn);
    tw_sim_free(&sim);
  }
}

static void test_stages_are_objects(void **state)
{
  (void)state;
  tw_sim sim;
  assert_int_equal(tw_sim_run(&sim, &g_scn, 7, 1.0, NULL, 0), 0);
  /* an IRBM of two stages: the missile and two spent stages */
  assert_int_equal(sim.n_objects, 3);
  assert_string_equal(sim.obj[0].id, "M1");
  assert_string_equal(sim.obj[1].id, "M1-S1");
  assert_string_equal(sim.obj[2].id, "M1-S2");
  for (int i = 1; i < 3; i++) {
    const tw_sim_object *o = &sim.obj[i];
    assert_true(o->traj.flight_time_s > o->traj.states[0].t_s); /* it falls after release */
    assert_true(o->traj.states[0].t_s > 0);
  }
  /* stage 1 falls far short of the missile; the radars report the stages too */
  assert_true(sim.obj[1].traj.flight_time_s < sim.obj[0].traj.flight_time_s);
  int seen[3] = {0};
  for (size_t i = 0; i < sim.n_meas; i++)
    if (sim.meas[i].object >= 0)
      seen[sim.meas[i].object]++;
  assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
  tw_sim_free(&sim);
}

static void test_errors(void **state)
{
  (void)state;
  static tw_scenario s;
  s = g_scn;
  s.launch[0].apogee_km = 30000; /* beyond every class */
  s.launch[0].cls = TW_CLASS_SRBM;
  tw_sim sim;
  char err[256];
  int rc = tw_sim_run(&sim, &s, 7, 1.0, err, sizeof err);
  assert_true(rc < 0);
  assert_non_null(strstr(err, "M1"));
  assert_null(sim.obj);
  assert_int_equal(tw_sim_run(&sim, &g_scn, 7, 0.0, err, sizeof err), TW_EINVAL);
  tw_sim_free(&sim);
}

int main(void)
{
  hwasong12(&g_scn);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_geometry_of_every_report),
    cmocka_unit_test(test_same_seed_same_bytes),
    cmocka_unit_test(test_streams_are_independent),
    cmocka_unit_test(test_korea_sees_first),
    cmocka_unit_test(test_stages_are_objects),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
