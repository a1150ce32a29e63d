/* fabric/bus_wire.c - samples <-> library structs and the checks on received samples
 * (the table of steps is in bus_wire.h). */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "fabric/bus_wire.h"
#include "triwatch/error.h"

#define DEG_PER_RAD (180.0 / 3.14159265358979323846)

int tw__bus_nation_ok(const char *s, size_t cap)
{
  size_t i = 0;
  for (; i < cap && s[i] != '\0'; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
      return 0;
  return i > 0 && i < cap && i <= TW_BUS_NATION_MAX;
}

/* A NUL-terminated token of [A-Za-z0-9_.:-], 1.. cap-1 long. */
static int token_ok(const char *s, size_t cap)
{
  size_t i = 0;
  for (; i < cap && s[i] != '\0'; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.' || c == ':'))
      return 0;
  }
  return i > 0 && i < cap;
}

/* NUL-terminated inside cap, well-formed UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF), no control characters but tab, LF, CR, no DEL. */
static int text_ok(const char *z, size_t cap)
{
  const unsigned char *s = (const unsigned char *)z;
  size_t i = 0;
  while (i < cap && s[i] != 0) {
    unsigned c = s[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        return 0;
      i++;
      continue;
    }
    int n;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1, min = 0x80, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2, min = 0x800, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + (size_t)n >= cap)
      return 0;
    for (int k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += (size_t)n + 1;
  }
  return i < cap;
}

static int all_finite(const double *a, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite(a[i]))
      return 0;
  return 1;
}

static int time_ok(int64_t t) { return t >= 0 && t <= TW__BUS_T_MAX_NS; }

static int known(const tw__bus_view *v, const char *code)
{
  for (int i = 0; i < v->n_nations; i++)
    if (strcmp(v->nations[i], code) == 0)
      return 1;
  return 0;
}

/* Steps 1-3 for a marking; *key (may be NULL) must equal the originator. */
static int check_marking(const tw__bus_view *v, const tw_Marking *m, const char *key)
{
  const dds_sequence_tw_Nation *rel = &m->releasable_to;
  if (!tw__bus_nation_ok(m->originator, sizeof m->originator))
    return TW_BUS_REJ_STRING;
  if (rel->_length < 1 || rel->_length > TW_BUS_MAX_NATIONS || rel->_buffer == NULL)
    return TW_BUS_REJ_MARKING;
  for (uint32_t i = 0; i < rel->_length; i++)
    if (!tw__bus_nation_ok(rel->_buffer[i], sizeof rel->_buffer[i]))
      return TW_BUS_REJ_STRING;
  int has_originator = 0, has_us = 0;
  for (uint32_t i = 0; i < rel->_length; i++) {
    if (i > 0 && strcmp(rel->_buffer[i - 1], rel->_buffer[i]) >= 0)
      return TW_BUS_REJ_MARKING; /* unsorted or duplicated */
    if (!known(v, rel->_buffer[i]))
      return TW_BUS_REJ_MARKING;
    has_originator |= strcmp(rel->_buffer[i], m->originator) == 0;
    has_us |= strcmp(rel->_buffer[i], v->nation) == 0;
  }
  if (!has_originator || (key != NULL && strcmp(key, m->originator) != 0))
    return TW_BUS_REJ_MARKING;
  return has_us ? TW_BUS_REJ_NONE : TW_BUS_REJ_NOT_RELEASABLE;
}

static int check_state(const double x[9], const double p[45])
{
  if (!all_finite(x, 9) || !all_finite(p, 45))
    return TW_BUS_REJ_NUMBER;
  for (int i = 0; i < TW_TRACK_NX; i++)
    if (p[tw__bus_tri(i, i)] < 0)
      return TW_BUS_REJ_VALUE;
  return TW_BUS_REJ_NONE;
}

static int check_ellipse(const tw_GroundEllipse *e)
{
  const double num[] = {e->lat_deg, e->lon_deg, e->semi_major_m[0], e->semi_major_m[1],
                        e->semi_minor_m[0], e->semi_minor_m[1], e->orientation_deg,
                        e->cov_en_m2[0], e->cov_en_m2[1], e->cov_en_m2[2], e->cov_en_m2[3],
                        e->sigma_t_s};
  if (!all_finite(num, (int)(sizeof num / sizeof num[0])))
    return TW_BUS_REJ_NUMBER;
  if (fabs(e->lat_deg) > 90 || fabs(e->lon_deg) > 180 || e->semi_major_m[0] < 0 ||
      e->semi_major_m[1] < 0 || e->semi_minor_m[0] < 0 || e->semi_minor_m[1] < 0 ||
      e->orientation_deg < 0 || e->orientation_deg > 180 || e->cov_en_m2[0] < 0 ||
      e->cov_en_m2[3] < 0 || e->sigma_t_s < 0 || !time_ok(e->t_ns))
    return TW_BUS_REJ_VALUE;
  return TW_BUS_REJ_NONE;
}

static int check_local(const tw__bus_view *v, const tw_LocalTrack *w)
{
  if (!tw__bus_nation_ok(w->originator, sizeof w->originator))
    return TW_BUS_REJ_STRING;
  int r = check_marking(v, &w->marking, w->originator);
  if (r == TW_BUS_REJ_NONE)
    r = check_state(w->x, w->p);
  if (r == TW_BUS_REJ_NONE && !all_finite(w->mu, 3))
    r = TW_BUS_REJ_NUMBER;
  if (r != TW_BUS_REJ_NONE)
    return r;
  for (int i = 0; i < 3; i++)
    if (w->mu[i] < 0 || w->mu[i] > 1)
      return TW_BUS_REJ_VALUE;
  if (w->status > TW_TRACK_CONFIRMED || !time_ok(w->t_ns) || !time_ok(w->t_avail_ns))
    return TW_BUS_REJ_VALUE;
  return TW_BUS_REJ_NONE;
}

static int check_system(const tw__bus_view *v, const tw_SystemTrack *w)
{
  if (!tw__bus_nation_ok(w->node, sizeof w->node))
    return TW_BUS_REJ_STRING;
  const dds_sequence_tw_TrackRef *src = &w->sources;
  if (src->_length > TW_BUS_MAX_SOURCES || (src->_length > 0 && src->_buffer == NULL))
    return TW_BUS_REJ_VALUE;
  for (uint32_t i = 0; i < src->_length; i++)
    if (!tw__bus_nation_ok(src->_buffer[i].originator, sizeof src->_buffer[i].originator))
      return TW_BUS_REJ_STRING;
  int r = check_marking(v, &w->marking, NULL);
  if (r == TW_BUS_REJ_NONE)
    r = check_state(w->x, w->p);
  if (r == TW_BUS_REJ_NONE && !time_ok(w->t_ns))
    r = TW_BUS_REJ_VALUE;
  return r;
}

static int check_prediction(const tw__bus_view *v, const tw_Prediction *w)
{
  if (!tw__bus_nation_ok(w->node, sizeof w->node))
    return TW_BUS_REJ_STRING;
  int r = check_marking(v, &w->marking, NULL);
  if (r == TW_BUS_REJ_NONE && w->has_impact)
    r = check_ellipse(&w->impact);
  if (r == TW_BUS_REJ_NONE && w->has_launch)
    r = check_ellipse(&w->launch);
  if (r == TW_BUS_REJ_NONE && !time_ok(w->t_ns))
    r = TW_BUS_REJ_VALUE;
  return r;
}

static int check_alert(const tw__bus_view *v, const tw_Alert *w)
{
  if (!token_ok(w->id, sizeof w->id) || !token_ok(w->status, sizeof w->status) ||
      !text_ok(w->body, sizeof w->body))
    return TW_BUS_REJ_STRING;
  int r = check_marking(v, &w->marking, NULL);
  if (r == TW_BUS_REJ_NONE && !time_ok(w->t_ns))
    r = TW_BUS_REJ_VALUE;
  return r;
}

static int check_health(const tw__bus_view *v, const tw_Health *w)
{
  if (!tw__bus_nation_ok(w->node, sizeof w->node))
    return TW_BUS_REJ_STRING;
  const dds_sequence_tw_PartnerLink *l = &w->links;
  if (l->_length > TW_BUS_MAX_HEALTH_LINKS || (l->_length > 0 && l->_buffer == NULL))
    return TW_BUS_REJ_VALUE;
  for (uint32_t i = 0; i < l->_length; i++)
    if (!tw__bus_nation_ok(l->_buffer[i].partner, sizeof l->_buffer[i].partner))
      return TW_BUS_REJ_STRING;
  int r = check_marking(v, &w->marking, NULL);
  if (r != TW_BUS_REJ_NONE)
    return r;
  for (uint32_t i = 0; i < l->_length; i++)
    if (!isfinite(l->_buffer[i].latency_ms))
      return TW_BUS_REJ_NUMBER;
  for (uint32_t i = 0; i < l->_length; i++)
    if (!time_ok(l->_buffer[i].last_heard_ns))
      return TW_BUS_REJ_VALUE;
  return time_ok(w->t_ns) ? TW_BUS_REJ_NONE : TW_BUS_REJ_VALUE;
}

int tw__bus_validate(const tw__bus_view *v, enum tw_bus_kind kind, const void *wire)
{
  switch (kind) {
  case TW_BUS_LOCAL_TRACK: return check_local(v, wire);
  case TW_BUS_SYSTEM_TRACK: return check_system(v, wire);
  case TW_BUS_PREDICTION: return check_prediction(v, wire);
  case TW_BUS_ALERT: return check_alert(v, wire);
  case TW_BUS_HEALTH: return check_health(v, wire);
  default: return TW_BUS_REJ_VALUE;
  }
}

int tw__bus_validate_key(enum tw_bus_kind kind, const void *wire)
{
  int ok;
  switch (kind) {
  case TW_BUS_LOCAL_TRACK: {
    const tw_LocalTrack *w = wire;
    ok = tw__bus_nation_ok(w->originator, sizeof w->originator);
    break;
  }
  case TW_BUS_SYSTEM_TRACK: {
    const tw_SystemTrack *w = wire;
    ok = tw__bus_nation_ok(w->node, sizeof w->node);
    break;
  }
  case TW_BUS_PREDICTION: {
    const tw_Prediction *w = wire;
    ok = tw__bus_nation_ok(w->node, sizeof w->node);
    break;
  }
  case TW_BUS_ALERT: {
    const tw_Alert *w = wire;
    ok = token_ok(w->id, sizeof w->id);
    break;
  }
  case TW_BUS_HEALTH: {
    const tw_Health *w = wire;
    ok = tw__bus_nation_ok(w->node, sizeof w->node);
    break;
  }
  default: ok = 0;
  }
  return ok ? TW_BUS_REJ_NONE : TW_BUS_REJ_STRING;
}

/* ---- wire -> library ---- */

static void marking_from_wire(tw_bus_marking *m, const tw_Marking *w)
{
  memcpy(m->originator, w->originator, sizeof m->originator);
  m->n_rel = (int)w->releasable_to._length;
  for (int i = 0; i < m->n_rel; i++)
    memcpy(m->rel[i], w->releasable_to._buffer[i], sizeof m->rel[i]);
}

static double rel_s(const tw__bus_view *v, int64_t t_ns)
{
  return tw_time_to_s(t_ns - v->epoch_ns);
}

static void full_from_tri(double P[81], const double p[45])
{
  for (int i = 0; i < TW_TRACK_NX; i++)
    for (int j = i; j < TW_TRACK_NX; j++)
      P[i * TW_TRACK_NX + j] = P[j * TW_TRACK_NX + i] = p[tw__bus_tri(i, j)];
}

static void ellipse_from_wire(const tw__bus_view *v, tw_ground_ellipse *e,
                              const tw_GroundEllipse *w)
{
  e->lat_rad = w->lat_deg / DEG_PER_RAD;
  e->lon_rad = w->lon_deg / DEG_PER_RAD;
  memcpy(e->semi_major_m, w->semi_major_m, sizeof e->semi_major_m);
  memcpy(e->semi_minor_m, w->semi_minor_m, sizeof e->semi_minor_m);
  e->orientation_rad = w->orientation_deg / DEG_PER_RAD;
  memcpy(e->cov_en_m2, w->cov_en_m2, sizeof e->cov_en_m2);
  e->t_s = rel_s(v, w->t_ns);
  e->sigma_t_s = w->sigma_t_s;
  e->n_ground = 0;
}

void tw__bus_from_wire(const tw__bus_view *v, enum tw_bus_kind kind, const void *wire,
                       int key_only, tw_bus_sample *out)
{
  memset(&out->marking, 0, sizeof out->marking);
  memset(&out->u, 0, sizeof out->u);
  out->kind = kind;
  switch (kind) {
  case TW_BUS_LOCAL_TRACK: {
    const tw_LocalTrack *w = wire;
    tw_track *t = &out->u.local.track;
    memcpy(out->u.local.originator, w->originator, sizeof w->originator);
    t->id = w->track_id;
    if (key_only)
      break;
    marking_from_wire(&out->marking, &w->marking);
    t->status = w->status == TW_TRACK_CONFIRMED ? TW_TRACK_CONFIRMED : TW_TRACK_TENTATIVE;
    t->t_s = rel_s(v, w->t_ns);
    t->t_avail_s = rel_s(v, w->t_avail_ns);
    memcpy(t->x, w->x, sizeof t->x);
    full_from_tri(t->P, w->p);
    memcpy(t->mu, w->mu, sizeof t->mu);
    t->n_updates = w->n_updates > INT32_MAX ? INT32_MAX : (int)w->n_updates;
    t->t_start_s = t->t_s;
    t->t_confirmed_s = t->status == TW_TRACK_CONFIRMED ? t->t_s : -1;
    t->nations = 0;
    t->truth_object = t->truth_last = -1;
    out->u.local.t_ns = w->t_ns;
    out->u.local.t_avail_ns = w->t_avail_ns;
    break;
  }
  case TW_BUS_SYSTEM_TRACK: {
    const tw_SystemTrack *w = wire;
    tw_bus_system_track *s = &out->u.system;
    memcpy(s->node, w->node, sizeof w->node);
    s->gtn = w->gtn;
    if (key_only)
      break;
    marking_from_wire(&out->marking, &w->marking);
    s->t_ns = w->t_ns;
    memcpy(s->x, w->x, sizeof s->x);
    full_from_tri(s->P, w->p);
    s->n_sources = (int)w->sources._length;
    for (int i = 0; i < s->n_sources; i++) {
      memcpy(s->sources[i].originator, w->sources._buffer[i].originator,
             sizeof s->sources[i].originator);
      s->sources[i].track_id = w->sources._buffer[i].track_id;
    }
    break;
  }
  case TW_BUS_PREDICTION: {
    const tw_Prediction *w = wire;
    tw_bus_prediction *p = &out->u.prediction;
    memcpy(p->node, w->node, sizeof w->node);
    p->gtn = w->gtn;
    if (key_only)
      break;
    marking_from_wire(&out->marking, &w->marking);
    p->t_ns = w->t_ns;
    p->has_impact = w->has_impact;
    p->has_launch = w->has_launch;
    if (w->has_impact)
      ellipse_from_wire(v, &p->impact, &w->impact);
    if (w->has_launch)
      ellipse_from_wire(v, &p->launch, &w->launch);
    break;
  }
  case TW_BUS_ALERT: {
    const tw_Alert *w = wire;
    tw_bus_alert *a = &out->u.alert;
    memcpy(a->id, w->id, sizeof a->id);
    if (key_only)
      break;
    marking_from_wire(&out->marking, &w->marking);
    a->t_ns = w->t_ns;
    memcpy(a->status, w->status, sizeof a->status);
    memcpy(a->body, w->body, strlen(w->body) + 1);
    break;
  }
  case TW_BUS_HEALTH: {
    const tw_Health *w = wire;
    tw_bus_health *h = &out->u.health;
    memcpy(h->node, w->node, sizeof w->node);
    if (key_only)
      break;
    marking_from_wire(&out->marking, &w->marking);
    h->t_ns = w->t_ns;
    h->n_links = (int)w->links._length;
    for (int i = 0; i < h->n_links; i++) {
      memcpy(h->links[i].partner, w->links._buffer[i].partner, sizeof h->links[i].partner);
      h->links[i].latency_ms = w->links._buffer[i].latency_ms;
      h->links[i].last_heard_ns = w->links._buffer[i].last_heard_ns;
    }
    break;
  }
  default: break;
  }
}

/* ---- library -> wire ---- */

/* The marking into w, its relset copied into rel. The marking itself was checked by the caller. */
static void marking_to_wire(tw_Marking *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                            const tw_bus_marking *m)
{
  memcpy(w->originator, m->originator, sizeof w->originator);
  for (int i = 0; i < m->n_rel; i++)
    memcpy(rel[i], m->rel[i], sizeof rel[i]);
  w->releasable_to._buffer = rel;
  w->releasable_to._length = w->releasable_to._maximum = (uint32_t)m->n_rel;
  w->releasable_to._release = false;
}

/* epoch + t_s in ns, or -1 when it falls outside [0, TW__BUS_T_MAX_NS] or t_s is not finite. */
static int64_t abs_ns(double t_s, tw_time_ns epoch_ns)
{
  if (!(fabs(t_s) < 4e9))
    return -1;
  int64_t t = epoch_ns + tw_time_from_s(t_s); /* both below 4.1e18: no overflow */
  return time_ok(t) ? t : -1;
}

static void tri_from_full(double p[45], const double P[81])
{
  for (int i = 0; i < TW_TRACK_NX; i++)
    for (int j = i; j < TW_TRACK_NX; j++)
      p[tw__bus_tri(i, j)] = 0.5 * (P[i * TW_TRACK_NX + j] + P[j * TW_TRACK_NX + i]);
}

int tw__bus_local_to_wire(tw_LocalTrack *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                          const tw_track *t, const tw_bus_marking *m, tw_time_ns epoch_ns)
{
  memset(w, 0, sizeof *w);
  memcpy(w->originator, m->originator, sizeof w->originator);
  w->track_id = t->id;
  marking_to_wire(&w->marking, rel, m);
  w->t_ns = abs_ns(t->t_s, epoch_ns);
  w->t_avail_ns = abs_ns(t->t_avail_s, epoch_ns);
  memcpy(w->x, t->x, sizeof w->x);
  tri_from_full(w->p, t->P);
  memcpy(w->mu, t->mu, sizeof w->mu);
  w->status = t->status == TW_TRACK_CONFIRMED ? TW_TRACK_CONFIRMED : TW_TRACK_TENTATIVE;
  w->n_updates = t->n_updates < 0 ? 0 : (uint32_t)t->n_updates;
  return w->t_ns < 0 || w->t_avail_ns < 0 ? TW_EINVAL : 0;
}

int tw__bus_system_to_wire(tw_SystemTrack *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                           tw_TrackRef refs[TW_BUS_MAX_SOURCES], const tw_bus_system_track *s,
                           const tw_bus_marking *m)
{
  memset(w, 0, sizeof *w);
  if (!tw__bus_nation_ok(s->node, sizeof s->node) || s->n_sources < 0 ||
      s->n_sources > TW_BUS_MAX_SOURCES || !time_ok(s->t_ns))
    return TW_EINVAL;
  memcpy(w->node, s->node, sizeof w->node);
  w->gtn = s->gtn;
  marking_to_wire(&w->marking, rel, m);
  w->t_ns = s->t_ns;
  memcpy(w->x, s->x, sizeof w->x);
  tri_from_full(w->p, s->P);
  for (int i = 0; i < s->n_sources; i++) {
    if (!tw__bus_nation_ok(s->sources[i].originator, sizeof s->sources[i].originator))
      return TW_EINVAL;
    memcpy(refs[i].originator, s->sources[i].originator, sizeof refs[i].originator);
    refs[i].track_id = s->sources[i].track_id;
  }
  w->sources._buffer = refs;
  w->sources._length = w->sources._maximum = (uint32_t)s->n_sources;
  w->sources._release = false;
  return 0;
}

static int ellipse_to_wire(tw_GroundEllipse *w, const tw_ground_ellipse *e, tw_time_ns epoch_ns)
{
  w->lat_deg = e->lat_rad * DEG_PER_RAD;
  w->lon_deg = e->lon_rad * DEG_PER_RAD;
  memcpy(w->semi_major_m, e->semi_major_m, sizeof w->semi_major_m);
  memcpy(w->semi_minor_m, e->semi_minor_m, sizeof w->semi_minor_m);
  w->orientation_deg = e->orientation_rad * DEG_PER_RAD;
  memcpy(w->cov_en_m2, e->cov_en_m2, sizeof w->cov_en_m2);
  w->t_ns = abs_ns(e->t_s, epoch_ns);
  w->sigma_t_s = e->sigma_t_s;
  return w->t_ns < 0 ? TW_EINVAL : 0;
}

int tw__bus_prediction_to_wire(tw_Prediction *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                               const tw_bus_prediction *p, const tw_bus_marking *m,
                               tw_time_ns epoch_ns)
{
  memset(w, 0, sizeof *w);
  if (!tw__bus_nation_ok(p->node, sizeof p->node) || !time_ok(p->t_ns))
    return TW_EINVAL;
  memcpy(w->node, p->node, sizeof w->node);
  w->gtn = p->gtn;
  marking_to_wire(&w->marking, rel, m);
  w->t_ns = p->t_ns;
  w->has_impact = p->has_impact != 0;
  w->has_launch = p->has_launch != 0;
  if (w->has_impact && ellipse_to_wire(&w->impact, &p->impact, epoch_ns) != 0)
    return TW_EINVAL;
  if (w->has_launch && ellipse_to_wire(&w->launch, &p->launch, epoch_ns) != 0)
    return TW_EINVAL;
  return 0;
}

int tw__bus_alert_to_wire(tw_Alert *w, tw_Nation rel[TW_BUS_MAX_NATIONS], const tw_bus_alert *a,
                          const tw_bus_marking *m)
{
  memset(w, 0, sizeof *w);
  if (!token_ok(a->id, sizeof a->id) || !token_ok(a->status, sizeof a->status) ||
      !text_ok(a->body, sizeof a->body) || !time_ok(a->t_ns))
    return TW_EINVAL;
  memcpy(w->id, a->id, strlen(a->id) + 1);
  marking_to_wire(&w->marking, rel, m);
  w->t_ns = a->t_ns;
  memcpy(w->status, a->status, strlen(a->status) + 1);
  memcpy(w->body, a->body, strlen(a->body) + 1);
  return 0;
}

int tw__bus_health_to_wire(tw_Health *w, tw_Nation rel[TW_BUS_MAX_NATIONS],
                           tw_PartnerLink links[TW_BUS_MAX_HEALTH_LINKS], const tw_bus_health *h,
                           const tw_bus_marking *m)
{
  memset(w, 0, sizeof *w);
  if (!tw__bus_nation_ok(h->node, sizeof h->node) || h->n_links < 0 ||
      h->n_links > TW_BUS_MAX_HEALTH_LINKS || !time_ok(h->t_ns))
    return TW_EINVAL;
  memcpy(w->node, h->node, sizeof w->node);
  marking_to_wire(&w->marking, rel, m);
  w->t_ns = h->t_ns;
  for (int i = 0; i < h->n_links; i++) {
    const tw_bus_partner_link *l = &h->links[i];
    if (!tw__bus_nation_ok(l->partner, sizeof l->partner) || !time_ok(l->last_heard_ns))
      return TW_EINVAL;
    memcpy(links[i].partner, l->partner, sizeof links[i].partner);
    links[i].latency_ms = l->latency_ms;
    links[i].last_heard_ns = l->last_heard_ns;
  }
  w->links._buffer = links;
  w->links._length = w->links._maximum = (uint32_t)h->n_links;
  w->links._release = false;
  return 0;
}
