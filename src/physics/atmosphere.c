/* atmosphere.c - U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562); contract in
 * triwatch/atmosphere.h. Layer constants and the upper density table are the standard's. */
#include <math.h>
#include <stddef.h>

#include "triwatch/atmosphere.h"

#define R0_M       6356766.0   /* effective Earth radius for geopotential altitude, m */
#define G0M_RSTAR  0.034163195 /* g0 * M0 / R*, K/m */
#define R_AIR      287.0528742 /* R* / M0, J/(kg K) */
#define GAMMA_AIR  1.4

/* Base of each layer: geopotential altitude (m), temperature (K), lapse rate (K/m),
 * pressure (Pa). */
static const struct layer {
  double h_m, t_k, lapse_k_m, p_pa;
} g_layers[] = {
  {0.0, 288.15, -0.0065, 101325.0},
  {11000.0, 216.65, 0.0, 22632.06},
  {20000.0, 216.65, 0.001, 5474.889},
  {32000.0, 228.65, 0.0028, 868.0187},
  {47000.0, 270.65, 0.0, 110.9063},
  {51000.0, 270.65, -0.0028, 66.93887},
  {71000.0, 214.65, -0.002, 3.956420},
};
#define N_LAYERS (sizeof g_layers / sizeof g_layers[0])

/* Geometric altitude (km) and density (kg/m^3), from the standard's tables. */
static const struct upper {
  double z_km, rho_kg_m3;
} g_upper_src[] = {
  {86, 6.958e-6}, {90, 3.416e-6}, {95, 1.393e-6}, {100, 5.604e-7}, {110, 9.708e-8},
  {120, 2.222e-8}, {130, 8.152e-9}, {140, 3.831e-9}, {150, 2.076e-9}, {160, 1.233e-9},
  {180, 5.194e-10}, {200, 2.541e-10}, {250, 6.073e-11}, {300, 1.916e-11}, {350, 7.014e-12},
  {400, 2.803e-12}, {450, 1.184e-12}, {500, 5.215e-13}, {600, 1.137e-13}, {700, 3.070e-14},
  {800, 1.136e-14}, {900, 5.759e-15}, {1000, 3.561e-15},
};
#define N_UPPER (sizeof g_upper_src / sizeof g_upper_src[0])

static double upper_density(double h_m)
{
  double z = h_m * 1e-3;
  size_t i = 0;
  while (i + 2 < N_UPPER && z > g_upper_src[i + 1].z_km)
    i++;
  const struct upper *a = &g_upper_src[i], *b = &g_upper_src[i + 1];
  double u = (z - a->z_km) / (b->z_km - a->z_km);
  /* density falls off exponentially between table rows: interpolate its logarithm */
  return a->rho_kg_m3 * pow(b->rho_kg_m3 / a->rho_kg_m3, u);
}

void tw_atmos_state(tw_atmos *out, double h_m)
{
  if (!(h_m < 1000e3)) { /* also NaN */
    out->t_k = out->p_pa = out->sound_mps = 0.0;
    out->rho_kg_m3 = 0.0;
    return;
  }
  if (h_m >= 86000.0) {
    out->t_k = out->p_pa = out->sound_mps = 0.0;
    out->rho_kg_m3 = upper_density(h_m);
    return;
  }
  if (h_m < -5000.0)
    h_m = -5000.0;
  double hg = R0_M * h_m / (R0_M + h_m); /* geopotential altitude */
  size_t i = N_LAYERS - 1;
  while (i > 0 && hg < g_layers[i].h_m)
    i--;
  const struct layer *l = &g_layers[i];
  double dh = hg - l->h_m, t, p;
  if (l->lapse_k_m == 0.0) {
    t = l->t_k;
    p = l->p_pa * exp(-G0M_RSTAR * dh / l->t_k);
  } else {
    t = l->t_k + l->lapse_k_m * dh;
    p = l->p_pa * pow(l->t_k / t, G0M_RSTAR / l->lapse_k_m);
  }
  out->t_k = t;
  out->p_pa = p;
  out->rho_kg_m3 = p / (R_AIR * t);
  out->sound_mps = sqrt(GAMMA_AIR * R_AIR * t);
}

double tw_atmos_density(double h_m)
{
  tw_atmos a;
  tw_atmos_state(&a, h_m);
  return a.rho_kg_m3;
}
