/* measure.c - radar and infrared measurement models, report-to-point conversion and two-ray
 * triangulation; see measure.h. */
#include <math.h>
#include <string.h>

#include "track/measure.h"
#include "triwatch/geo.h"
#include "triwatch/linalg.h"

void tw__meas_radar(double *zhat, double *H, const double *x, const tw_site *s, int n_z)
{
  double d[3] = {x[0] - s->r[0], x[1] - s->r[1], x[2] - s->r[2]}, e[3];
  for (int i = 0; i < 3; i++)
    e[i] = s->enu[i * 3] * d[0] + s->enu[i * 3 + 1] * d[1] + s->enu[i * 3 + 2] * d[2];
  double rho2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], rho = sqrt(rho2);
  double h2 = e[0] * e[0] + e[1] * e[1], hn = sqrt(h2);
  zhat[0] = rho;
  zhat[1] = tw_wrap_2pi(atan2(e[0], e[1]));
  zhat[2] = atan2(e[2], hn);
  if (!H)
    goto rate;
  memset(H, 0, sizeof(double) * (size_t)n_z * TW_MX);
  /* d az / d e = (e_n, -e_e, 0) / h2; d el / d e = (-e_e e_u, -e_n e_u, h2) / (rho2 hn) */
  double daz[3] = {e[1] / h2, -e[0] / h2, 0.0};
  double del[3] = {-e[0] * e[2] / (rho2 * hn), -e[1] * e[2] / (rho2 * hn), h2 / (rho2 * hn)};
  for (int j = 0; j < 3; j++) {
    H[j] = d[j] / rho;
    double a = 0.0, b = 0.0;
    for (int i = 0; i < 3; i++) { /* chain through e = E d */
      a += daz[i] * s->enu[i * 3 + j];
      b += del[i] * s->enu[i * 3 + j];
    }
    H[TW_MX + j] = a;
    H[2 * TW_MX + j] = b;
  }
rate:
  if (n_z == 4) {
    const double *v = x + 3;
    double rr = (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]) / rho;
    zhat[3] = rr;
    if (H)
      for (int j = 0; j < 3; j++) {
        H[3 * TW_MX + j] = (v[j] - rr * d[j] / rho) / rho;
        H[3 * TW_MX + 3 + j] = d[j] / rho;
      }
  }
}

void tw__meas_ir(double *zhat, double *H, const double *x, const tw_site *s)
{
  double d[3] = {x[0] - s->r[0], x[1] - s->r[1], x[2] - s->r[2]};
  double h2 = d[0] * d[0] + d[1] * d[1], hn = sqrt(h2), n2 = h2 + d[2] * d[2];
  zhat[0] = atan2(d[1], d[0]);
  zhat[1] = atan2(d[2], hn);
  if (!H)
    return;
  memset(H, 0, sizeof(double) * 2 * TW_MX);
  H[0] = -d[1] / h2;
  H[1] = d[0] / h2;
  H[TW_MX + 0] = -d[0] * d[2] / (n2 * hn);
  H[TW_MX + 1] = -d[1] * d[2] / (n2 * hn);
  H[TW_MX + 2] = h2 / (n2 * hn);
}

void tw__innovation(double *y, const double *z, const double *zhat, int n_z, int kind)
{
  for (int i = 0; i < n_z; i++)
    y[i] = z[i] - zhat[i];
  if (kind == 0)
    y[1] = tw_wrap_pi(y[1]); /* azimuth */
  else
    y[0] = tw_wrap_pi(y[0]); /* line-of-sight longitude */
}

void tw__radar_point(double r[3], double R[9], const double *z, const double *sigma,
                     const tw_site *s)
{
  double rho = z[0], az = z[1], el = z[2];
  double ce = cos(el), se = sin(el), ca = cos(az), sa = sin(az);
  double e[3] = {rho * ce * sa, rho * ce * ca, rho * se};
  /* d e / d (rho, az, el) */
  double J[9] = {ce * sa, rho * ce * ca, -rho * se * sa,
                 ce * ca, -rho * ce * sa, -rho * se * ca,
                 se, 0.0, rho * ce};
  double D[9] = {sigma[0] * sigma[0], 0, 0, 0, sigma[1] * sigma[1], 0, 0, 0, sigma[2] * sigma[2]};
  double Renu[9], Et[9], M[9];
  tw_mat_sandwich(Renu, J, D, 3, 3);
  tw_mat_transpose(Et, s->enu, 3, 3); /* ENU -> ECEF */
  tw_mat_sandwich(M, Et, Renu, 3, 3);
  memcpy(R, M, sizeof M);
  for (int i = 0; i < 3; i++)
    r[i] = s->r[i] + Et[i * 3] * e[0] + Et[i * 3 + 1] * e[1] + Et[i * 3 + 2] * e[2];
}

void tw__los_unit(double u[3], double lon, double lat)
{
  u[0] = cos(lat) * cos(lon);
  u[1] = cos(lat) * sin(lon);
  u[2] = sin(lat);
}

int tw__triangulate(double p[3], double P[9], double *miss_m, const double a[3], const double ua[3],
                    double sa, const double b[3], const double ub[3], double sb)
{
  /* closest points a + s ua and b + t ub */
  double w[3] = {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
  double uu = tw_v3_dot(ua, ub), wa = tw_v3_dot(w, ua), wb = tw_v3_dot(w, ub);
  double den = 1.0 - uu * uu;
  if (den < 1e-6)
    return -1;
  double s = (uu * wb - wa) / den, t = (wb - uu * wa) / den;
  if (s <= 0.0 || t <= 0.0)
    return -1; /* behind a satellite */
  double pa[3], pb[3];
  for (int i = 0; i < 3; i++) {
    pa[i] = a[i] + s * ua[i];
    pb[i] = b[i] + t * ub[i];
    p[i] = 0.5 * (pa[i] + pb[i]);
  }
  *miss_m = sqrt((pa[0] - pb[0]) * (pa[0] - pb[0]) + (pa[1] - pb[1]) * (pa[1] - pb[1]) +
                 (pa[2] - pb[2]) * (pa[2] - pb[2]));
  /* information of each ray: (I - u u^T) / (sigma range)^2 across it, none along it */
  double info[9] = {0}, la = sa * s, lb = sb * t;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double dij = (i == j) ? 1.0 : 0.0;
      info[i * 3 + j] = (dij - ua[i] * ua[j]) / (la * la) + (dij - ub[i] * ub[j]) / (lb * lb);
    }
  return tw_spd_inv(P, info, 3) < 0 ? -1 : 0;
}
