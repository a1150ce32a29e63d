/* sensor.c - the default three-nation sensor set and sensor geometry; contract in
 * triwatch/sensor.h.
 *
 * Sites are public (approximate) where the sensor's location is public, and notional for ships
 * and satellites. Performance figures are notional unless a source is named: real values are
 * classified; ours are of the right order for the band and class of each radar. */
#include <math.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/sensor.h"

#define RADAR(id_, nat_, lat_, lon_, alt_, bore_, half_, rng_, minel_, rev_, pd_, sr_, sa_, srr_,  \
              fa_, lat_s_, src_)                                                                   \
  {id_, nat_, TW_SENSOR_RADAR, lat_, lon_, alt_, bore_, half_, rng_, minel_, rev_, pd_, sr_, sa_,  \
   srr_, fa_, lat_s_, 0.0, 0.0, src_}
#define IRSAT(id_, lon_, rev_, sa_, delay_, lat_s_, src_)                                           \
  {id_, "USA", TW_SENSOR_IR, 0.0, lon_, TW_GEO_ALT_M, 0.0, 180.0, 0.0, 0.0, rev_, 0.95, 0.0, sa_,  \
   0.0, 0.0, lat_s_, delay_, 12.0, src_}

static const tw_sensor g_defaults[] = {
  /* United States */
  IRSAT("USA-SBIRS-GEO-110E", 110.0, 2.0, 20e-6, 30.0, 10.0,
        "notional GEO slot and performance; boost-phase only above ~12 km, first report "
        "delayed 20-60 s (DESIGN.md)"),
  IRSAT("USA-SBIRS-GEO-165E", 165.0, 2.0, 20e-6, 40.0, 10.0,
        "notional GEO slot and performance"),
  RADAR("USA-TPY2-SHARIKI", "USA", 40.9, 140.3, 20.0, 255.0, 60.0, 1000.0, 1.0, 1.0, 0.95, 15.0,
        0.5e-3, 0.5, 0.01, 1.0,
        "site public (Shariki, Aomori); X-band ~1,000 km forward-based mode; sector notional"),
  RADAR("USA-TPY2-KYOGAMISAKI", "USA", 35.8, 135.2, 20.0, 290.0, 60.0, 1000.0, 1.0, 1.0, 0.95,
        15.0, 0.5e-3, 0.5, 0.01, 1.0,
        "site public (Kyogamisaki, Kyoto); X-band ~1,000 km; sector notional"),
  RADAR("USA-THAAD-SEONGJU", "USA", 35.95, 128.2, 400.0, 330.0, 60.0, 600.0, 1.0, 1.0, 0.95, 15.0,
        0.5e-3, 0.5, 0.01, 1.0,
        "site public (Seongju); TPY-2 terminal mode ~600 km; sector notional"),
  RADAR("USA-AEGIS-SOJ", "USA", 39.5, 133.0, 25.0, 0.0, 180.0, 600.0, 1.0, 2.0, 0.9, 30.0, 1.5e-3,
        0.0, 0.01, 2.0, "notional station in the Sea of Japan; SPY-1 S-band vs ballistic ~600 km"),
  /* Japan */
  RADAR("JPN-FPS5-OMINATO", "JPN", 41.3, 141.1, 100.0, 270.0, 90.0, 2000.0, 1.0, 2.0, 0.9, 50.0,
        2e-3, 0.0, 0.01, 2.0,
        "site public (Ominato); J/FPS-5 'several thousand km', notional 2,000 km"),
  RADAR("JPN-FPS5-SADO", "JPN", 38.0, 138.4, 100.0, 270.0, 90.0, 2000.0, 1.0, 2.0, 0.9, 50.0, 2e-3,
        0.0, 0.01, 2.0, "site public (Sado); notional 2,000 km"),
  RADAR("JPN-FPS5-SHIMOKOSHIKI", "JPN", 31.7, 129.7, 100.0, 300.0, 90.0, 2000.0, 1.0, 2.0, 0.9,
        50.0, 2e-3, 0.0, 0.01, 2.0, "site public (Shimo-Koshiki); notional 2,000 km"),
  RADAR("JPN-FPS5-YOZADAKE", "JPN", 26.1, 127.7, 100.0, 330.0, 90.0, 2000.0, 1.0, 2.0, 0.9, 50.0,
        2e-3, 0.0, 0.01, 2.0, "site public (Yozadake, Okinawa); notional 2,000 km"),
  RADAR("JPN-AEGIS-SOJ", "JPN", 38.5, 134.5, 25.0, 0.0, 180.0, 600.0, 1.0, 2.0, 0.9, 30.0, 1.5e-3,
        0.0, 0.01, 2.0, "notional station in the Sea of Japan; ~600 km vs ballistic"),
  /* Republic of Korea */
  RADAR("KOR-GREENPINE-B1", "KOR", 36.9, 127.5, 100.0, 0.0, 60.0, 800.0, 1.0, 1.0, 0.9, 40.0,
        2e-3, 0.0, 0.01, 1.0, "notional site (Chungcheong); L-band, >500 km public, 800 km notional"),
  RADAR("KOR-GREENPINE-B2", "KOR", 36.5, 126.8, 100.0, 0.0, 60.0, 800.0, 1.0, 1.0, 0.9, 40.0,
        2e-3, 0.0, 0.01, 1.0, "notional site (Chungcheong); L-band, 800 km notional"),
  RADAR("KOR-GREENPINE-C", "KOR", 35.2, 129.1, 100.0, 340.0, 60.0, 800.0, 1.0, 1.0, 0.9, 40.0,
        2e-3, 0.0, 0.01, 1.0, "notional site (Busan area); Block-C ~800 km"),
  RADAR("KOR-AEGIS-EAST", "KOR", 37.5, 130.0, 25.0, 0.0, 180.0, 600.0, 1.0, 2.0, 0.9, 30.0, 1.5e-3,
        0.0, 0.01, 2.0, "notional station in the East Sea (Sejong-class); ~600 km"),
};
#define N_DEFAULTS ((int)(sizeof g_defaults / sizeof g_defaults[0]))

int tw_sensor_defaults(tw_sensor *out, int max)
{
  int n = N_DEFAULTS < max ? N_DEFAULTS : max;
  if (n > 0)
    memcpy(out, g_defaults, (size_t)n * sizeof *out);
  return n;
}

int tw_sensor_validate(const tw_sensor *s, const char **field)
{
  const char *bad = NULL;
  if (!s->id[0])
    bad = "id";
  else if (!s->nation[0])
    bad = "nation";
  else if (s->kind != TW_SENSOR_RADAR && s->kind != TW_SENSOR_IR)
    bad = "kind";
  else if (!(fabs(s->lat_deg) <= 90.0))
    bad = "lat";
  else if (!(fabs(s->lon_deg) <= 180.0))
    bad = "lon";
  else if (!(s->alt_m >= -500.0 && s->alt_m <= 100000e3))
    bad = "alt_m";
  else if (!(s->half_width_deg > 0.0 && s->half_width_deg <= 180.0))
    bad = "half_width_deg";
  else if (!(s->boresight_deg >= 0.0 && s->boresight_deg <= 360.0))
    bad = "boresight_deg";
  else if (s->kind == TW_SENSOR_RADAR && !(s->max_range_km > 0.0 && s->max_range_km <= 40000.0))
    bad = "max_range_km";
  else if (!(s->min_elev_deg >= -5.0 && s->min_elev_deg < 90.0))
    bad = "min_elev_deg";
  else if (!(s->revisit_s >= 0.01 && s->revisit_s <= 3600.0))
    bad = "revisit_s";
  else if (!(s->pd > 0.0 && s->pd <= 1.0))
    bad = "pd";
  else if (s->kind == TW_SENSOR_RADAR && !(s->sigma_range_m > 0.0 && s->sigma_range_m < 1e5))
    bad = "sigma_range_m";
  else if (!(s->sigma_angle_rad > 0.0 && s->sigma_angle_rad < 0.5))
    bad = "sigma_angle_rad";
  else if (!(s->sigma_rr_mps >= 0.0 && s->sigma_rr_mps < 1e4))
    bad = "sigma_rr_mps";
  else if (!(s->false_alarms_per_look >= 0.0 && s->false_alarms_per_look <= 100.0))
    bad = "false_alarms_per_look";
  else if (!(s->latency_s >= 0.0 && s->latency_s <= 3600.0))
    bad = "latency_s";
  else if (!(s->ir_delay_s >= 0.0 && s->ir_delay_s <= 3600.0))
    bad = "ir_delay_s";
  else if (!(s->ir_min_alt_km >= 0.0 && s->ir_min_alt_km <= 1000.0))
    bad = "ir_min_alt_km";
  if (bad) {
    if (field)
      *field = bad;
    return TW_ERANGE;
  }
  return 0;
}

void tw_sensor_site_ecef(const tw_sensor *s, double r[3])
{
  tw_geodetic g = {s->lat_deg * TW_DEG, s->lon_deg * TW_DEG, s->alt_m};
  tw_geo_to_ecef(r, &g);
}

/* Does the segment from a to b pass through the Earth (the ellipsoid scaled to a unit sphere)? */
static int segment_hits_earth(const double a[3], const double b[3])
{
  const double ia = 1.0 / TW_WGS84_A, ib = 1.0 / TW_WGS84_B;
  double p[3] = {a[0] * ia, a[1] * ia, a[2] * ib};
  double d[3] = {(b[0] - a[0]) * ia, (b[1] - a[1]) * ia, (b[2] - a[2]) * ib};
  double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  if (dd <= 0.0)
    return 0;
  double u = -(p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / dd; /* closest approach to centre */
  if (u < 0.0)
    u = 0.0;
  if (u > 1.0)
    u = 1.0;
  double q[3] = {p[0] + u * d[0], p[1] + u * d[1], p[2] + u * d[2]};
  return q[0] * q[0] + q[1] * q[1] + q[2] * q[2] < 1.0;
}

int tw_sensor_geometry(const tw_sensor *s, const double r[3], tw_aer *aer)
{
  tw_geodetic site = {s->lat_deg * TW_DEG, s->lon_deg * TW_DEG, s->alt_m};
  if (s->kind == TW_SENSOR_IR) {
    double o[3], u[3];
    tw_geo_to_ecef(o, &site);
    for (int i = 0; i < 3; i++)
      u[i] = r[i] - o[i];
    double n = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    aer->range_m = n;
    aer->az_rad = atan2(u[1], u[0]);
    aer->el_rad = asin(u[2] / n);
    return !segment_hits_earth(o, r);
  }
  tw_ecef_to_aer(aer, r, &site);
  if (aer->el_rad < s->min_elev_deg * TW_DEG)
    return 0;
  if (aer->range_m > s->max_range_km * 1e3)
    return 0;
  double off = fabs(tw_wrap_pi(aer->az_rad - s->boresight_deg * TW_DEG));
  return off <= s->half_width_deg * TW_DEG;
}
