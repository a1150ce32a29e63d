/* triwatch/atmosphere.h - U.S. Standard Atmosphere 1976.
 *
 * 0..86 km geometric: the standard's seven layers (temperature, pressure, density, speed of
 * sound). 86..1000 km: density by log-linear interpolation in the standard's table (temperature
 * and pressure are not modelled there; drag is what needs them, and density is all drag needs).
 * Above 1000 km density is 0. Below -5 km the -5 km values are returned. */
#ifndef TRIWATCH_ATMOSPHERE_H
#define TRIWATCH_ATMOSPHERE_H

#include "triwatch/visibility.h"

typedef struct tw_atmos {
  double t_k;        /* kinetic temperature, K (0 above 86 km: not modelled) */
  double p_pa;       /* pressure, Pa (0 above 86 km) */
  double rho_kg_m3;  /* density, kg/m^3 */
  double sound_mps;  /* speed of sound, m/s (0 above 86 km) */
} tw_atmos;

/* Density (kg/m^3) at geometric altitude h_m above the ellipsoid. Fast path for drag. */
TW_API double tw_atmos_density(double h_m);
/* Full state at geometric altitude h_m. */
TW_API void tw_atmos_state(tw_atmos *out, double h_m);

#endif
