/* test_atmosphere.c - the 1976 standard atmosphere (triwatch/atmosphere.h) against the values the
 * standard publishes (NOAA-S/T 76-1562): its layer-base table (geopotential altitude) and its
 * Table I (geometric altitude, 5 significant figures), to 0.1% or better; then monotony,
 * continuity across the layer seams and the 86 km switch to the upper table, and the edges
 * (below -5 km, above 1000 km, NaN). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "triwatch/atmosphere.h"

#define R0_M 6356766.0 /* the standard's effective Earth radius for geopotential altitude */

static double rel(double got, double want) { return fabs(got - want) / fabs(want); }

/* geometric altitude of geopotential altitude h_m */
static double geometric(double h_m) { return R0_M * h_m / (R0_M - h_m); }

/* Layer bases: geopotential altitude, molecular-scale temperature and pressure as the standard
 * lists them (P_b to 7 figures). Density follows from rho = P M0 / (R* T). */
static const struct base {
  double h_m, t_k, p_pa;
} k_bases[] = {
  {11000.0, 216.65, 22632.06}, {20000.0, 216.65, 5474.889}, {32000.0, 228.65, 868.0187},
  {47000.0, 270.65, 110.9063}, {51000.0, 270.65, 66.93887}, {71000.0, 214.65, 3.956420},
};

/* Each layer's formula, evaluated at the top of the layer (1 mm below the next base), must land
 * on the next base's published pressure: this checks the lapse rates, the exponents and the
 * hydrostatic constant rather than the constants copied into the table. The top of the last
 * layer (84.852 km, 86 km geometric) is test_86km's. */
static void test_layer_bases(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_bases / sizeof k_bases[0]; i++) {
    const struct base *b = &k_bases[i];
    tw_atmos below, above;
    double z = geometric(b->h_m);
    tw_atmos_state(&below, z - 1e-3);
    assert_true(rel(below.t_k, b->t_k) < 1e-6);
    assert_true(rel(below.p_pa, b->p_pa) < 2e-6);
    assert_true(rel(below.rho_kg_m3, b->p_pa * 0.0289644 / (8.31432 * b->t_k)) < 2e-6);
    assert_true(rel(below.sound_mps, sqrt(1.4 * 8.31432 / 0.0289644 * b->t_k)) < 1e-6);
    tw_atmos_state(&above, z + 1e-3);
    assert_true(rel(above.t_k, b->t_k) < 1e-6);
    assert_true(rel(above.p_pa, b->p_pa) < 2e-6);
  }
}

/* Table I, geometric altitude (m): T (K), P (Pa), rho (kg/m^3), speed of sound (m/s); rows in
 * every layer, next to each seam (47, 51 and 71 km themselves are layer bases, above). */
static const struct row {
  double z_m, t_k, p_pa, rho, a_mps;
} k_table1[] = {
  {0.0, 288.150, 1.01325e5, 1.2250, 340.29},
  {100.0, 287.500, 1.0013e5, 1.2133, 339.91},
  {8000.0, 236.215, 3.5652e4, 5.2579e-1, 308.11},
  {10000.0, 223.252, 2.6500e4, 4.1351e-1, 299.53},
  {11000.0, 216.774, 2.2700e4, 3.6480e-1, 295.15},
  {12000.0, 216.650, 1.9399e4, 3.1194e-1, 295.07},
  {15000.0, 216.650, 1.2112e4, 1.9475e-1, 295.07},
  {20000.0, 216.650, 5.5293e3, 8.8910e-2, 295.07},
  {21000.0, 217.581, 4.7289e3, 7.5715e-2, 295.70},
  {29000.0, 225.518, 1.3904e3, 2.1478e-2, 301.05},
  {32000.0, 228.490, 8.8906e2, 1.3555e-2, 303.02},
  {34000.0, 233.744, 6.6341e2, 9.8874e-3, 306.49},
  {41000.0, 253.114, 2.5113e2, 3.4564e-3, 318.94},
  {46000.0, 266.925, 1.3134e2, 1.7141e-3, 327.52},
  {48000.0, 270.650, 1.0230e2, 1.3167e-3, 329.80},
  {50000.0, 270.650, 7.9779e1, 1.0269e-3, 329.80},
  {52000.0, 269.031, 6.2214e1, 8.0561e-4, 328.81},
  {60000.0, 247.021, 2.1959e1, 3.0968e-4, 315.07},
  {69000.0, 222.325, 6.0736e0, 9.5170e-5, 298.91},
  {73000.0, 212.308, 3.2802e0, 5.3824e-5, 292.10},
  {80000.0, 198.639, 1.0525e0, 1.8458e-5, 282.54},
  {83000.0, 192.790, 6.3166e-1, 1.1414e-5, 278.35},
};

static void test_table_one(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_table1 / sizeof k_table1[0]; i++) {
    const struct row *r = &k_table1[i];
    tw_atmos a;
    tw_atmos_state(&a, r->z_m);
    assert_true(rel(a.t_k, r->t_k) < 1e-4);
    assert_true(rel(a.p_pa, r->p_pa) < 1e-4);
    assert_true(rel(a.rho_kg_m3, r->rho) < 1e-4);
    assert_true(rel(a.sound_mps, r->a_mps) < 1e-4);
    assert_true(tw_atmos_density(r->z_m) == a.rho_kg_m3);
  }
  /* 5 km steps of the density column */
  static const double rho_5km[] = {1.2250,    7.3643e-1, 4.1351e-1, 1.9476e-1, 8.8910e-2,
                                   4.0084e-2, 1.8410e-2, 8.4634e-3, 3.9957e-3, 1.9663e-3,
                                   1.0269e-3, 5.6810e-4, 3.0968e-4, 1.6321e-4, 8.2829e-5,
                                   3.9921e-5, 1.8458e-5, 8.2195e-6};
  for (size_t i = 0; i < sizeof rho_5km / sizeof rho_5km[0]; i++)
    assert_true(rel(tw_atmos_density(5000.0 * (double)i), rho_5km[i]) < 1e-4);
}

/* 86 km: the end of the layered model and the first row of the upper table. The standard lists
 * the kinetic temperature 186.87 K there; we return the molecular-scale temperature 186.946 K
 * (they part by M/M0 = 0.999579 between 80 and 86 km), inside 0.1%. */
static void test_86km(void **state)
{
  (void)state;
  tw_atmos lo, hi;
  tw_atmos_state(&lo, 86000.0 - 1e-6);
  tw_atmos_state(&hi, 86000.0);
  assert_true(rel(lo.t_k, 186.946) < 1e-6);
  assert_true(rel(lo.t_k, 186.87) < 1e-3);
  assert_true(rel(lo.p_pa, 0.37338) < 1e-4);
  assert_true(rel(lo.rho_kg_m3, 6.958e-6) < 1e-4);
  assert_true(rel(hi.rho_kg_m3, 6.958e-6) < 1e-12);
  /* the seam: the upper table's 4-figure 6.958e-6 against the layers' 6.95788e-6 */
  assert_true(rel(hi.rho_kg_m3, lo.rho_kg_m3) < 1e-4);
  /* above 86 km only density is modelled */
  assert_true(hi.t_k == 0.0 && hi.p_pa == 0.0 && hi.sound_mps == 0.0);
}

/* Rows of the standard's upper table: on a node we get the node. */
static void test_upper_table(void **state)
{
  (void)state;
  static const struct {
    double z_km, rho;
  } rows[] = {{90, 3.416e-6},   {100, 5.604e-7},  {120, 2.222e-8},  {150, 2.076e-9},
              {200, 2.541e-10}, {300, 1.916e-11}, {500, 5.215e-13}, {700, 3.070e-14},
              {900, 5.759e-15}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    assert_true(rel(tw_atmos_density(rows[i].z_km * 1e3), rows[i].rho) < 1e-9);
  /* just below 1000 km: the last row, 3.561e-15 */
  assert_true(rel(tw_atmos_density(1000e3 - 1e-3), 3.561e-15) < 1e-6);
  /* between rows, the density falls exponentially: 95 km is the geometric mean of 90 and 100
   * within the curvature of log rho, and strictly between them */
  double d95 = tw_atmos_density(95e3);
  assert_true(rel(d95, 1.393e-6) < 1e-9);
  double d105 = tw_atmos_density(105e3);
  assert_true(rel(d105, sqrt(5.604e-7 * 9.708e-8)) < 1e-9);
}

/* Strictly decreasing on a 10 m grid from 0 to 1000 km; each seam continuous. */
static void test_monotone_and_continuous(void **state)
{
  (void)state;
  double prev = tw_atmos_density(0.0);
  for (long i = 1; i < 100000; i++) {
    double d = tw_atmos_density(10.0 * (double)i);
    assert_true(d > 0.0);
    assert_true(d < prev);
    prev = d;
  }
  assert_true(tw_atmos_density(1000e3) == 0.0);
  /* The layer seams are continuous to the 7 figures of the published base pressures. */
  for (size_t i = 0; i < sizeof k_bases / sizeof k_bases[0]; i++) {
    double z = geometric(k_bases[i].h_m);
    assert_true(rel(tw_atmos_density(z - 1e-6), tw_atmos_density(z + 1e-6)) < 1e-6);
  }
  /* every upper-table row is met from both sides */
  static const double nodes_km[] = {90, 100, 110, 150, 200, 500, 900};
  for (size_t i = 0; i < sizeof nodes_km / sizeof nodes_km[0]; i++) {
    double z = nodes_km[i] * 1e3;
    assert_true(rel(tw_atmos_density(z - 1e-6), tw_atmos_density(z + 1e-6)) < 1e-8);
  }
}

static void test_edges(void **state)
{
  (void)state;
  tw_atmos a, b;
  /* nothing above 1000 km */
  static const double high[] = {1000e3, 1000e3 + 1.0, 2000e3, 42164e3, INFINITY};
  for (size_t i = 0; i < sizeof high / sizeof high[0]; i++) {
    tw_atmos_state(&a, high[i]);
    assert_true(a.rho_kg_m3 == 0.0 && a.t_k == 0.0 && a.p_pa == 0.0 && a.sound_mps == 0.0);
    assert_true(tw_atmos_density(high[i]) == 0.0);
  }
  /* NaN: zero density, no crash, no NaN leaking out */
  tw_atmos_state(&a, NAN);
  assert_true(a.rho_kg_m3 == 0.0 && a.t_k == 0.0 && a.p_pa == 0.0 && a.sound_mps == 0.0);
  assert_true(tw_atmos_density(NAN) == 0.0);
  assert_true(tw_atmos_density(-NAN) == 0.0);
  /* below -5 km: the -5 km values */
  tw_atmos_state(&b, -5000.0);
  assert_true(rel(b.t_k, 320.676) < 1e-5); /* 288.15 + 6.5 K/km x 5.004 km geopotential */
  static const double low[] = {-5000.0 - 1e-9, -6000.0, -1e6, -INFINITY};
  for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
    tw_atmos_state(&a, low[i]);
    assert_true(a.t_k == b.t_k && a.p_pa == b.p_pa && a.rho_kg_m3 == b.rho_kg_m3 &&
                a.sound_mps == b.sound_mps);
  }
  /* and between -5 km and 0 the troposphere goes on */
  assert_true(tw_atmos_density(-1000.0) > tw_atmos_density(0.0));
  assert_true(tw_atmos_density(-5000.0) > tw_atmos_density(-4999.0));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_layer_bases),
    cmocka_unit_test(test_table_one),
    cmocka_unit_test(test_86km),
    cmocka_unit_test(test_upper_table),
    cmocka_unit_test(test_monotone_and_continuous),
    cmocka_unit_test(test_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
