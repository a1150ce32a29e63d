/* capmsg.c - one CAP 1.2 message per warning event (capmsg.h). */
#include "warn/capmsg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "triwatch/cap.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"

#define POLY_POINTS 24

static void ellipse_ring(double *lat, double *lon, int n, double lat0, double lon0, double a_m,
                         double b_m, double az)
{
  for (int i = 0; i < n - 1; i++) {
    double t = 2.0 * TW_PI * i / (n - 1);
    double x = a_m * cos(t), y = b_m * sin(t), la, lo;
    tw_geodesic_direct(lat0, lon0, az + atan2(y, x), hypot(x, y), &la, &lo, NULL);
    lat[i] = la / TW_DEG;
    lon[i] = tw_wrap_pi(lo) / TW_DEG;
  }
  lat[n - 1] = lat[0];
  lon[n - 1] = lon[0];
}

int tw__cap_event(char **xml, size_t *len, const tw__capctx *c, const tw_warn_event *e,
                  const char *code, const char *name, int eez, const char *id,
                  const char *prev_id, double prev_t_s)
{
  if (e->event != TW_WARN_NEW && !prev_id)
    return TW_EINVAL;

  const char *kind = tw_warn_kind_name(e->kind);
  int over = e->kind == TW_WARN_OVERFLIGHT;
  int ended = e->event == TW_WARN_PASSED || e->event == TW_WARN_IMPACTED;
  char headline[160], desc[600], areadesc[120], event[64];
  snprintf(event, sizeof event, "Ballistic missile %s", over ? "overflight" : "impact");
  switch (e->event) {
  case TW_WARN_NEW:
  case TW_WARN_UPDATE:
    snprintf(headline, sizeof headline, over ? "Missile may pass over %s" : "Missile may fall in %s",
             name);
    break;
  case TW_WARN_PASSED: snprintf(headline, sizeof headline, "Missile has passed %s", name); break;
  case TW_WARN_IMPACTED: snprintf(headline, sizeof headline, "Missile has come down (%s)", name); break;
  default: snprintf(headline, sizeof headline, "Missile %s warning for %s cancelled", kind, name); break;
  }
  char when[40];
  tw_time_format(when, sizeof when, c->start + tw_time_from_s(e->expected_t_s), 0,
                 c->offset_min, 0);
  snprintf(desc, sizeof desc, "%s. Expected %s at %s (T+%.0f s after launch). Exercise: simulated "
           "scenario '%s'.", e->why, over ? "overflight" : "impact", when,
           e->expected_t_s - c->t0_s, c->scenario);
  snprintf(areadesc, sizeof areadesc, "%s (%s)", name, code);

  double plat[POLY_POINTS], plon[POLY_POINTS];
  if (over) {
    double rad = 50e3; /* the corridor near the area's first ground point */
    ellipse_ring(plat, plon, POLY_POINTS, e->lat_deg * TW_DEG, e->lon_deg * TW_DEG, rad, rad, 0.0);
  } else {
    ellipse_ring(plat, plon, POLY_POINTS, e->ellipse.lat_rad, e->ellipse.lon_rad,
                 fmax(e->ellipse.semi_major_m[1], 100.0), fmax(e->ellipse.semi_minor_m[1], 100.0),
                 e->ellipse.orientation_rad);
  }
  tw_cap_polygon poly = {plat, plon, POLY_POINTS};
  tw_cap_geocode geo[1] = {{"ISO3166-2", (char *)code}};
  if (eez)
    geo[0].value_name = "triwatch-EEZ-approximate";
  tw_cap_area area = {areadesc, &poly, 1, geo, 1};
  tw_cap_alert a;
  memset(&a, 0, sizeof a);
  a.identifier = (char *)id;
  a.sender = (char *)c->sender;
  a.sent = c->start + tw_time_from_s(e->t_s);
  a.sent_offset_min = c->offset_min;
  a.status = c->exercise ? TW_CAP_EXERCISE : TW_CAP_ACTUAL;
  a.msg_type = e->event == TW_WARN_NEW ? TW_CAP_ALERT
               : e->event == TW_WARN_CANCEL ? TW_CAP_CANCEL : TW_CAP_UPDATE;
  a.scope = TW_CAP_PUBLIC;
  tw_cap_ref ref;
  if (a.msg_type != TW_CAP_ALERT) {
    ref.sender = (char *)c->sender;
    ref.identifier = (char *)prev_id;
    ref.sent = c->start + tw_time_from_s(prev_t_s);
    ref.sent_offset_min = c->offset_min;
    a.refs = &ref;
    a.n_refs = 1;
  }
  a.has_info = 1;
  a.info.categories = TW_CAP_CAT_SAFETY | TW_CAP_CAT_SECURITY;
  a.info.event = event;
  a.info.urgency = ended ? TW_CAP_URG_PAST : e->event == TW_WARN_CANCEL ? TW_CAP_URG_PAST
                                                                        : TW_CAP_URG_IMMEDIATE;
  a.info.severity = over ? TW_CAP_SEV_SEVERE : TW_CAP_SEV_EXTREME;
  a.info.certainty = ended ? TW_CAP_CERT_OBSERVED
                     : e->event == TW_WARN_CANCEL ? TW_CAP_CERT_UNLIKELY
                     : e->probability >= 0.5 ? TW_CAP_CERT_LIKELY : TW_CAP_CERT_POSSIBLE;
  a.info.headline = headline;
  a.info.description = desc;
  a.info.instruction = (e->event == TW_WARN_NEW || e->event == TW_WARN_UPDATE)
                           ? "Take shelter in a sturdy building or underground now. Do not "
                             "approach fallen objects; report them to the police or fire service."
                           : NULL;
  a.info.areas = &area;
  a.info.n_areas = 1;
  return tw_cap_write(xml, len, &a);
}
