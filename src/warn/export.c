/* warn/export.c - tracks, impact ellipses, launch points and areas as GeoJSON (jansson) and KML 2.2
 * (libxml2 xmlTextWriter).
 *
 * Each feature is turned into its final geometry when it is added - longitudes wrapped or
 * unwrapped, shapes crossing the antimeridian split, rings closed and wound - and its properties
 * kept as a jansson object; the two writers only serialise. A geometry is a list of parts: for a
 * point one path of one vertex, for lines one path per part, for polygons an outer ring and its
 * holes per part. Vertices are (lon, lat, alt) triples; alt is 0 where the feature has none.
 *
 * Splitting a polygon: its rings are unwrapped into one continuous longitude range that starts
 * within [-180, 180] and ends below 540, then clipped (Sutherland-Hodgman, one half-plane at a
 * time) against lon <= 180 and lon >= 180; the eastern piece is moved back by 360 degrees. A
 * convex ring (an ellipse) gives two convex rings; a concave one may give a ring with edges
 * running along the cut, which is still a valid polygon. */
#include "triwatch/export.h"

#include <geodesic.h>
#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "warn/xmltext.h"

enum { G_POINT, G_LINE, G_POLY };

typedef struct path {
  size_t n, cap;
  double *v; /* n vertices: lon, lat, alt */
} path;

typedef struct part {
  size_t n;
  path *p; /* lines: one path; polygons: outer ring, then holes */
} part;

typedef struct feature {
  char *name;
  json_t *props;
  int kind; /* G_* */
  int has_alt;
  size_t n;
  part *parts;
} feature;

struct tw_export {
  size_t n, cap;
  feature *f;
};

/* ---- strings ---- */


static int name_ok(const char *z)
{
  return z && z[0] && tw__xml_text_ok(z);
}

/* ---- geometry building ---- */

static int path_push(path *p, double lon, double lat, double alt)
{
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 16;
    double *v = realloc(p->v, cap * 3 * sizeof *v);
    if (!v)
      return TW_ENOMEM;
    p->v = v;
    p->cap = cap;
  }
  p->v[3 * p->n] = lon;
  p->v[3 * p->n + 1] = lat;
  p->v[3 * p->n + 2] = alt;
  p->n++;
  return 0;
}

static void part_free(part *pt)
{
  for (size_t i = 0; i < pt->n; i++)
    free(pt->p[i].v);
  free(pt->p);
  pt->p = NULL;
  pt->n = 0;
}

static void feature_free(feature *f)
{
  for (size_t i = 0; i < f->n; i++)
    part_free(&f->parts[i]);
  free(f->parts);
  free(f->name);
  json_decref(f->props);
  memset(f, 0, sizeof *f);
}

/* A new part at the end of f's list; NULL when out of memory. */
static part *feature_add_part(feature *f)
{
  part *parts = realloc(f->parts, (f->n + 1) * sizeof *parts);
  if (!parts)
    return NULL;
  f->parts = parts;
  memset(&parts[f->n], 0, sizeof parts[f->n]);
  return &parts[f->n++];
}

/* A new empty path at the end of pt's list. */
static path *part_add_path(part *pt)
{
  path *p = realloc(pt->p, (pt->n + 1) * sizeof *p);
  if (!p)
    return NULL;
  pt->p = p;
  memset(&p[pt->n], 0, sizeof p[pt->n]);
  return &p[pt->n++];
}

static double wrap180(double lon)
{
  double w = lon - 360.0 * floor((lon + 180.0) / 360.0); /* [-180, 180) */
  return w;
}

static double unwrap_near(double lon, double ref)
{
  while (lon - ref > 180.0)
    lon -= 360.0;
  while (lon - ref < -180.0)
    lon += 360.0;
  return lon;
}

/* A track's points into line parts, split where consecutive points are more than 180 degrees of
 * longitude apart (the shorter way round crosses the antimeridian). */
static int build_lines(feature *f, size_t n, const double *lat, const double *lon,
                       const double *alt)
{
  part *pt = feature_add_part(f);
  path *p = pt ? part_add_path(pt) : NULL;
  double lo0 = wrap180(lon[0]);
  if (!p || path_push(p, lo0, lat[0], alt ? alt[0] : 0) < 0)
    return TW_ENOMEM;
  for (size_t i = 1; i < n; i++) {
    double lo1 = wrap180(lon[i]), u1 = unwrap_near(lo1, lo0);
    double a0 = alt ? alt[i - 1] : 0, a1 = alt ? alt[i] : 0;
    if (u1 != lo1) {
      double edge = u1 > lo1 ? 180.0 : -180.0; /* the meridian crossed, in unwrapped terms */
      double s = (edge - lo0) / (u1 - lo0);
      double la = lat[i - 1] + s * (lat[i] - lat[i - 1]), al = a0 + s * (a1 - a0);
      if (s == 0 && p->n == 1) {
        p->v[0] = -edge; /* the track starts on the meridian: on the side it goes to */
      } else {
        if (s > 0 && path_push(p, edge, la, al) < 0)
          return TW_ENOMEM;
        if (!(pt = feature_add_part(f)) || !(p = part_add_path(pt)) ||
            path_push(p, -edge, la, al) < 0)
          return TW_ENOMEM;
      }
    }
    const double *last = &p->v[3 * (p->n - 1)];
    if (!(last[0] == lo1 && last[1] == lat[i] && last[2] == a1) &&
        path_push(p, lo1, lat[i], a1) < 0)
      return TW_ENOMEM;
    lo0 = lo1;
  }
  return 0;
}

/* A raw ring (n points, lon/lat degrees, closed or not) for build_polygon. */
typedef struct raw_ring {
  int n;
  double *lon, *lat;
} raw_ring;

/* Twice the signed area of a closed ring in lon/lat (shoelace): > 0 counter-clockwise. */
static double ring_area2(const path *r)
{
  double s = 0;
  for (size_t i = 0; i + 1 < r->n; i++)
    s += r->v[3 * i] * r->v[3 * i + 4] - r->v[3 * i + 3] * r->v[3 * i + 1];
  return s;
}

static void ring_reverse(path *r)
{
  for (size_t i = 0, j = r->n - 1; i < j; i++, j--)
    for (int k = 0; k < 3; k++) {
      double t = r->v[3 * i + k];
      r->v[3 * i + k] = r->v[3 * j + k];
      r->v[3 * j + k] = t;
    }
}

/* Clip the closed ring u (unwrapped longitudes, n points, last == first) to lon <= 180 (west) or
 * lon >= 180 (east, then moved by -360) into out, closed. Returns 0 with out->n == 0 when less
 * than a triangle is left. */
static int clip_ring(const path *u, int east, double shift, path *out)
{
  out->n = 0;
  for (size_t i = 0; i + 1 < u->n; i++) {
    const double *a = &u->v[3 * i], *b = &u->v[3 * i + 3];
    int ina = east ? a[0] >= 180.0 : a[0] <= 180.0;
    int inb = east ? b[0] >= 180.0 : b[0] <= 180.0;
    if (ina && path_push(out, a[0] + shift, a[1], a[2]) < 0)
      return TW_ENOMEM;
    if (ina != inb && a[0] != 180.0 && b[0] != 180.0) {
      double s = (180.0 - a[0]) / (b[0] - a[0]);
      if (path_push(out, 180.0 + shift, a[1] + s * (b[1] - a[1]), a[2] + s * (b[2] - a[2])) < 0)
        return TW_ENOMEM;
    }
  }
  if (out->n < 3) {
    out->n = 0;
    return 0;
  }
  if (path_push(out, out->v[0], out->v[1], out->v[2]) < 0)
    return TW_ENOMEM;
  /* a sliver along the cut has no area: drop it */
  if (ring_area2(out) == 0)
    out->n = 0;
  return 0;
}

/* Wind a finished polygon part as RFC 7946 asks. */
static void wind(part *pt)
{
  for (size_t k = 0; k < pt->n; k++) {
    double a = ring_area2(&pt->p[k]);
    if ((k == 0 && a < 0) || (k > 0 && a > 0))
      ring_reverse(&pt->p[k]);
  }
}

/* One polygon (rings[0] outer, the rest holes) into one part, or two when it crosses the
 * antimeridian. TW_ERANGE when the outer ring goes round a pole. */
static int build_polygon(feature *f, const raw_ring *rings, int nrings)
{
  path *u = calloc((size_t)nrings, sizeof *u);
  int rc = TW_ENOMEM;
  if (!u)
    return TW_ENOMEM;
  double lo = 0, hi = 0, ref = wrap180(rings[0].lon[0]);
  for (int k = 0; k < nrings; k++) {
    const raw_ring *r = &rings[k];
    double prev = ref;
    for (int i = 0; i < r->n; i++) {
      double x = unwrap_near(r->lon[i], prev);
      if (path_push(&u[k], x, r->lat[i], 0) < 0)
        goto out;
      prev = x;
    }
    double *first = u[k].v, *last = &u[k].v[3 * (u[k].n - 1)];
    if (last[0] != first[0] || last[1] != first[1]) {
      if (fabs(last[0] - first[0]) > 180.0) {
        rc = TW_ERANGE; /* longitudes do not come back: the ring goes round a pole */
        goto out;
      }
      if (path_push(&u[k], first[0], first[1], 0) < 0)
        goto out;
    }
    if (k == 0)
      for (size_t i = 0; i < u[0].n; i++) {
        double x = u[0].v[3 * i];
        lo = i == 0 || x < lo ? x : lo;
        hi = i == 0 || x > hi ? x : hi;
      }
  }
  /* into [-180, 540): then lon 180 is the only meridian the polygon can cross */
  double shift = lo < -180.0 ? 360.0 : (lo >= 180.0 ? -360.0 : 0.0);
  for (int k = 0; k < nrings; k++)
    for (size_t i = 0; i < u[k].n; i++)
      u[k].v[3 * i] += shift;
  hi += shift;
  lo += shift;
  for (int side = 0; side < 2; side++) {
    int split = hi > 180.0 && lo < 180.0;
    if (side == 1 && !split)
      break;
    part *pt = feature_add_part(f);
    if (!pt)
      goto out;
    for (int k = 0; k < nrings; k++) {
      path *p = part_add_path(pt);
      if (!p)
        goto out;
      if (split) {
        if ((rc = clip_ring(&u[k], side, side ? -360.0 : 0.0, p)) < 0)
          goto out;
        rc = TW_ENOMEM;
      } else {
        for (size_t i = 0; i < u[k].n; i++)
          if (path_push(p, u[k].v[3 * i], u[k].v[3 * i + 1], 0) < 0)
            goto out;
      }
      if (p->n == 0) { /* clipped away: an empty outer ring takes its holes with it */
        free(p->v);
        pt->n--;
        if (k == 0)
          break;
      }
    }
    if (pt->n == 0) {
      part_free(pt);
      f->n--;
    } else {
      wind(pt);
    }
  }
  rc = 0;
out:
  for (int k = 0; k < nrings; k++)
    free(u[k].v);
  free(u);
  return rc;
}

/* ---- the collection ---- */

tw_export *tw_export_new(void)
{
  return calloc(1, sizeof(tw_export));
}

void tw_export_free(tw_export *e)
{
  if (!e)
    return;
  for (size_t i = 0; i < e->n; i++)
    feature_free(&e->f[i]);
  free(e->f);
  free(e);
}

/* Start a feature in a local; its props object gets id and kind. */
static int feature_begin(feature *f, const char *name, const char *id, const char *kind, int g)
{
  memset(f, 0, sizeof *f);
  f->kind = g;
  f->name = strdup(name);
  f->props = json_object();
  if (!f->name || !f->props || json_object_set_new(f->props, "id", json_string(id)) < 0 ||
      json_object_set_new(f->props, "kind", json_string(kind)) < 0) {
    feature_free(f);
    return TW_ENOMEM;
  }
  return 0;
}

/* Room in e for k more features, so that committing them cannot fail. */
static int reserve(tw_export *e, size_t k)
{
  if (e->n + k <= e->cap)
    return 0;
  size_t cap = e->cap ? 2 * e->cap : 8;
  while (cap < e->n + k)
    cap *= 2;
  feature *nf = realloc(e->f, cap * sizeof *nf);
  if (!nf)
    return TW_ENOMEM;
  e->f = nf;
  e->cap = cap;
  return 0;
}

/* Move a finished feature into e (after reserve). */
static void feature_commit(tw_export *e, feature *f)
{
  e->f[e->n++] = *f;
}

static int set_real(json_t *o, const char *key, double x)
{
  return json_object_set_new(o, key, json_real(x)) < 0 ? TW_ENOMEM : 0;
}

int tw_export_track(tw_export *e, const char *id, const char *nation, int n, const double *t_s,
                    const double *lat_deg, const double *lon_deg, const double *alt_m)
{
  feature f;
  int rc;
  if (!e || !name_ok(id) || (nation && !tw__xml_text_ok(nation)) || n < 2 || !lat_deg || !lon_deg)
    return TW_EINVAL;
  for (int i = 0; i < n; i++)
    if (!(fabs(lat_deg[i]) <= 90.0) || !isfinite(lon_deg[i]) || (alt_m && !isfinite(alt_m[i])) ||
        (t_s && !isfinite(t_s[i])))
      return TW_EINVAL;
  if ((rc = reserve(e, 1)) < 0 || (rc = feature_begin(&f, id, id, "track", G_LINE)) < 0)
    return rc;
  f.has_alt = alt_m != NULL;
  rc = TW_ENOMEM;
  if (nation && json_object_set_new(f.props, "nation", json_string(nation)) < 0)
    goto err;
  if (json_object_set_new(f.props, "n_points", json_integer(n)) < 0)
    goto err;
  if (t_s) {
    json_t *times = json_array();
    if (json_object_set_new(f.props, "t_start_s", json_real(t_s[0])) < 0 ||
        json_object_set_new(f.props, "t_end_s", json_real(t_s[n - 1])) < 0 ||
        json_object_set_new(f.props, "times_s", times) < 0)
      goto err;
    for (int i = 0; i < n; i++)
      if (json_array_append_new(times, json_real(t_s[i])) < 0)
        goto err;
  }
  if ((rc = build_lines(&f, (size_t)n, lat_deg, lon_deg, alt_m)) < 0)
    goto err;
  feature_commit(e, &f);
  return 0;
err:
  feature_free(&f);
  return rc;
}

/* The ring of one ellipse level: TW_EXPORT_ELLIPSE_POINTS vertices by geod_direct from the
 * centre, in the order of decreasing azimuth so that the ring runs counter-clockwise. */
static void ellipse_ring(const struct geod_geodesic *g, const tw_ground_ellipse *el, int level,
                         double *lon, double *lat)
{
  double a = el->semi_major_m[level], b = el->semi_minor_m[level];
  for (int k = 0; k < TW_EXPORT_ELLIPSE_POINTS; k++) {
    double t = -2.0 * TW_PI * k / TW_EXPORT_ELLIPSE_POINTS;
    double x = a * cos(t), y = b * sin(t), az2;
    double az = (el->orientation_rad + atan2(y, x)) / TW_DEG;
    geod_direct(g, el->lat_rad / TW_DEG, el->lon_rad / TW_DEG, az, hypot(x, y), &lat[k], &lon[k],
                &az2);
  }
}

int tw_export_ellipse(tw_export *e, const char *id, const tw_ground_ellipse *g)
{
  static const char *const label[2] = {"50%", "95%"};
  static const double prob[2] = {0.5, 0.95};
  struct geod_geodesic wgs84;
  double lon[TW_EXPORT_ELLIPSE_POINTS], lat[TW_EXPORT_ELLIPSE_POINTS];
  feature f[2];
  int rc, made = 0;
  if (!e || !name_ok(id) || !g || !(fabs(g->lat_rad) <= TW_PI / 2) || !isfinite(g->lon_rad) ||
      !isfinite(g->orientation_rad) || !isfinite(g->t_s) || !isfinite(g->sigma_t_s))
    return TW_EINVAL;
  for (int k = 0; k < 2; k++)
    if (!(g->semi_minor_m[k] > 0) || !(g->semi_major_m[k] >= g->semi_minor_m[k]) ||
        !isfinite(g->semi_major_m[k]))
      return TW_EINVAL;
  if ((rc = reserve(e, 2)) < 0)
    return rc;
  geod_init(&wgs84, TW_WGS84_A, TW_WGS84_F);
  for (int k = 0; k < 2; k++) {
    size_t len = strlen(id) + 5;
    char *z = malloc(len);
    if (!z) {
      rc = TW_ENOMEM;
      goto err;
    }
    snprintf(z, len, "%s %s", id, label[k]);
    rc = feature_begin(&f[k], z, id, "impact_ellipse", G_POLY);
    free(z);
    if (rc < 0)
      goto err;
    made++;
    json_t *p = f[k].props;
    if (set_real(p, "probability", prob[k]) < 0 ||
        set_real(p, "centre_lat_deg", g->lat_rad / TW_DEG) < 0 ||
        set_real(p, "centre_lon_deg", wrap180(g->lon_rad / TW_DEG)) < 0 ||
        set_real(p, "semi_major_m", g->semi_major_m[k]) < 0 ||
        set_real(p, "semi_minor_m", g->semi_minor_m[k]) < 0 ||
        set_real(p, "orientation_deg", g->orientation_rad / TW_DEG) < 0 ||
        set_real(p, "t_s", g->t_s) < 0 || set_real(p, "sigma_t_s", g->sigma_t_s) < 0) {
      rc = TW_ENOMEM;
      goto err;
    }
    ellipse_ring(&wgs84, g, k, lon, lat);
    raw_ring r = {TW_EXPORT_ELLIPSE_POINTS, lon, lat};
    if ((rc = build_polygon(&f[k], &r, 1)) < 0)
      goto err;
  }
  feature_commit(e, &f[0]);
  feature_commit(e, &f[1]);
  return 0;
err:
  for (int k = 0; k < made; k++)
    feature_free(&f[k]);
  return rc;
}

int tw_export_point(tw_export *e, const char *id, const char *kind, double lat_deg,
                    double lon_deg, double t_s)
{
  feature f;
  int rc;
  if (!e || !name_ok(id) || !name_ok(kind) || !(fabs(lat_deg) <= 90.0) || !isfinite(lon_deg) ||
      isinf(t_s))
    return TW_EINVAL;
  if ((rc = reserve(e, 1)) < 0 || (rc = feature_begin(&f, id, id, kind, G_POINT)) < 0)
    return rc;
  part *pt = feature_add_part(&f);
  path *p = pt ? part_add_path(pt) : NULL;
  if (!p || path_push(p, wrap180(lon_deg), lat_deg, 0) < 0 ||
      (!isnan(t_s) && set_real(f.props, "t_s", t_s) < 0)) {
    feature_free(&f);
    return TW_ENOMEM;
  }
  feature_commit(e, &f);
  return 0;
}

/* tw_areas_rings collects the rings of one polygon at a time and builds it when the next polygon
 * starts (and once more at the end). */
typedef struct area_walk {
  feature *f;
  int polygon;
  int n;
  raw_ring *rings;
} area_walk;

static void walk_clear(area_walk *w)
{
  for (int k = 0; k < w->n; k++) {
    free(w->rings[k].lon);
    free(w->rings[k].lat);
  }
  free(w->rings);
  w->rings = NULL;
  w->n = 0;
}

static int walk_flush(area_walk *w)
{
  int rc = w->n ? build_polygon(w->f, w->rings, w->n) : 0;
  walk_clear(w);
  return rc;
}

static int on_ring(void *ctx, int polygon, int ring, int n, const double *lon_deg,
                   const double *lat_deg)
{
  area_walk *w = ctx;
  int rc;
  (void)ring;
  if (n < 4)
    return 0; /* not a ring: nothing to draw */
  if (polygon != w->polygon && (rc = walk_flush(w)) < 0)
    return rc;
  w->polygon = polygon;
  raw_ring *rings = realloc(w->rings, (size_t)(w->n + 1) * sizeof *rings);
  if (!rings)
    return TW_ENOMEM;
  w->rings = rings;
  raw_ring *r = &rings[w->n];
  r->n = n;
  r->lon = malloc((size_t)n * sizeof *r->lon);
  r->lat = malloc((size_t)n * sizeof *r->lat);
  if (!r->lon || !r->lat) {
    free(r->lon);
    free(r->lat);
    return TW_ENOMEM;
  }
  w->n++;
  memcpy(r->lon, lon_deg, (size_t)n * sizeof *r->lon);
  memcpy(r->lat, lat_deg, (size_t)n * sizeof *r->lat);
  return 0;
}

int tw_export_area(tw_export *e, const tw_areas *areas, int i, const char *kind_label)
{
  feature f;
  int rc;
  if (!e || !areas || i < 0 || i >= tw_areas_count(areas) || !name_ok(kind_label))
    return TW_EINVAL;
  const char *code = tw_areas_code(areas, i), *name = tw_areas_name(areas, i),
             *nation = tw_areas_nation(areas, i);
  if (!name_ok(code) || !tw__xml_text_ok(name) || !tw__xml_text_ok(nation))
    return TW_EINVAL;
  if ((rc = reserve(e, 1)) < 0 || (rc = feature_begin(&f, code, code, kind_label, G_POLY)) < 0)
    return rc;
  if (json_object_set_new(f.props, "name", json_string(name)) < 0 ||
      json_object_set_new(f.props, "nation", json_string(nation)) < 0) {
    feature_free(&f);
    return TW_ENOMEM;
  }
  area_walk w = {&f, 0, 0, NULL};
  rc = tw_areas_rings(areas, i, on_ring, &w);
  if (rc >= 0)
    rc = walk_flush(&w);
  walk_clear(&w);
  if (rc < 0) {
    feature_free(&f);
    return rc;
  }
  feature_commit(e, &f);
  return 0;
}

/* ---- GeoJSON ---- */

static json_t *json_path(const path *p, int has_alt)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < p->n; i++) {
    const double *v = &p->v[3 * i];
    json_t *c = has_alt ? json_pack("[fff]", v[0], v[1], v[2]) : json_pack("[ff]", v[0], v[1]);
    if (json_array_append_new(a, c) < 0) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

static json_t *json_polygon(const part *pt)
{
  json_t *a = json_array();
  for (size_t k = 0; a && k < pt->n; k++)
    if (json_array_append_new(a, json_path(&pt->p[k], 0)) < 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static json_t *json_geometry(const feature *f)
{
  const char *type;
  json_t *coords;
  if (f->kind == G_POINT) {
    const double *v = f->parts[0].p[0].v;
    return json_pack("{s:s, s:[ff]}", "type", "Point", "coordinates", v[0], v[1]);
  }
  if (f->n == 1) {
    type = f->kind == G_LINE ? "LineString" : "Polygon";
    coords = f->kind == G_LINE ? json_path(&f->parts[0].p[0], f->has_alt)
                               : json_polygon(&f->parts[0]);
  } else {
    type = f->kind == G_LINE ? "MultiLineString" : "MultiPolygon";
    coords = json_array();
    for (size_t i = 0; coords && i < f->n; i++) {
      json_t *c = f->kind == G_LINE ? json_path(&f->parts[i].p[0], f->has_alt)
                                    : json_polygon(&f->parts[i]);
      if (json_array_append_new(coords, c) < 0) {
        json_decref(coords);
        coords = NULL;
      }
    }
  }
  return coords ? json_pack("{s:s, s:o}", "type", type, "coordinates", coords) : NULL;
}

int tw_export_geojson(const tw_export *e, char **out, size_t *len)
{
  if (!e || !out)
    return TW_EINVAL;
  json_t *features = json_array();
  json_t *root = json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
  if (!root)
    return TW_ENOMEM;
  for (size_t i = 0; i < e->n; i++) {
    const feature *f = &e->f[i];
    json_t *geom = json_geometry(f);
    json_t *jf = geom ? json_pack("{s:s, s:s, s:O, s:o}", "type", "Feature", "id", f->name,
                                  "properties", f->props, "geometry", geom)
                      : NULL;
    if (json_array_append_new(features, jf) < 0) {
      json_decref(root);
      return TW_ENOMEM;
    }
  }
  char *z = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
  json_decref(root);
  if (!z)
    return TW_ENOMEM;
  *out = z;
  if (len)
    *len = strlen(z);
  return 0;
}

/* ---- KML ---- */

/* A growing text buffer for <coordinates> and <value>; ok goes to 0 on any failure. */
typedef struct text {
  char *z;
  size_t n, cap;
  int ok;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text *t, const char *fmt, ...)
{
  va_list ap;
  if (!t->ok)
    return;
  for (;;) {
    size_t room = t->cap - t->n;
    va_start(ap, fmt);
    int k = vsnprintf(t->z ? t->z + t->n : NULL, room, fmt, ap);
    va_end(ap);
    if (k < 0) {
      t->ok = 0;
      return;
    }
    if ((size_t)k < room) {
      t->n += (size_t)k;
      return;
    }
    size_t cap = t->cap ? 2 * t->cap : 256;
    while (cap < t->n + (size_t)k + 1)
      cap *= 2;
    char *z = realloc(t->z, cap);
    if (!z) {
      t->ok = 0;
      return;
    }
    t->z = z;
    t->cap = cap;
  }
}

#define W(call)                                                                                   \
  do {                                                                                            \
    if ((call) < 0)                                                                               \
      return TW_ENOMEM;                                                                           \
  } while (0)
#define X(s) BAD_CAST(s)

static int kml_coords(xmlTextWriterPtr w, const path *p, int has_alt)
{
  text t = {NULL, 0, 0, 1};
  for (size_t i = 0; i < p->n; i++) {
    const double *v = &p->v[3 * i];
    if (has_alt)
      text_add(&t, "%s%.9f,%.9f,%.3f", i ? " " : "", v[0], v[1], v[2]);
    else
      text_add(&t, "%s%.9f,%.9f", i ? " " : "", v[0], v[1]);
  }
  int rc = t.ok ? xmlTextWriterWriteElement(w, X("coordinates"), X(t.z ? t.z : "")) : -1;
  free(t.z);
  return rc < 0 ? TW_ENOMEM : 0;
}

static int kml_ring(xmlTextWriterPtr w, const char *boundary, const path *p)
{
  W(xmlTextWriterStartElement(w, X(boundary)));
  W(xmlTextWriterStartElement(w, X("LinearRing")));
  W(kml_coords(w, p, 0));
  W(xmlTextWriterEndElement(w));
  W(xmlTextWriterEndElement(w));
  return 0;
}

static int kml_part(xmlTextWriterPtr w, const feature *f, const part *pt)
{
  if (f->kind == G_POINT) {
    W(xmlTextWriterStartElement(w, X("Point")));
    W(kml_coords(w, &pt->p[0], 0));
  } else if (f->kind == G_LINE) {
    W(xmlTextWriterStartElement(w, X("LineString")));
    if (f->has_alt)
      W(xmlTextWriterWriteElement(w, X("altitudeMode"), X("absolute")));
    W(kml_coords(w, &pt->p[0], f->has_alt));
  } else {
    W(xmlTextWriterStartElement(w, X("Polygon")));
    W(kml_ring(w, "outerBoundaryIs", &pt->p[0]));
    for (size_t k = 1; k < pt->n; k++)
      W(kml_ring(w, "innerBoundaryIs", &pt->p[k]));
  }
  W(xmlTextWriterEndElement(w));
  return 0;
}

/* A property's value as text: strings as they are, numbers as %.15g, arrays space-separated. */
static void value_text(text *t, const json_t *v)
{
  if (json_is_string(v)) {
    text_add(t, "%s", json_string_value(v));
  } else if (json_is_integer(v)) {
    text_add(t, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    text_add(t, "%.15g", json_real_value(v));
  } else if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (i)
        text_add(t, " ");
      value_text(t, json_array_get(v, i));
    }
  }
}

static int kml_placemark(xmlTextWriterPtr w, const feature *f)
{
  const char *key;
  json_t *v;
  W(xmlTextWriterStartElement(w, X("Placemark")));
  W(xmlTextWriterWriteElement(w, X("name"), X(f->name)));
  W(xmlTextWriterStartElement(w, X("ExtendedData")));
  json_object_foreach(f->props, key, v) {
    text t = {NULL, 0, 0, 1};
    value_text(&t, v);
    int rc = -1;
    if (t.ok && xmlTextWriterStartElement(w, X("Data")) >= 0 &&
        xmlTextWriterWriteAttribute(w, X("name"), X(key)) >= 0)
      rc = xmlTextWriterWriteElement(w, X("value"), X(t.z ? t.z : ""));
    free(t.z);
    W(rc);
    W(xmlTextWriterEndElement(w));
  }
  W(xmlTextWriterEndElement(w));
  if (f->n > 1)
    W(xmlTextWriterStartElement(w, X("MultiGeometry")));
  for (size_t i = 0; i < f->n; i++)
    W(kml_part(w, f, &f->parts[i]));
  if (f->n > 1)
    W(xmlTextWriterEndElement(w));
  W(xmlTextWriterEndElement(w));
  return 0;
}

static int kml_document(xmlTextWriterPtr w, const tw_export *e)
{
  W(xmlTextWriterSetIndent(w, 1));
  W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
  W(xmlTextWriterStartElementNS(w, NULL, X("kml"), X(TW_EXPORT_KML_NS)));
  W(xmlTextWriterStartElement(w, X("Document")));
  W(xmlTextWriterWriteElement(w, X("name"), X("triwatch")));
  for (size_t i = 0; i < e->n; i++)
    W(kml_placemark(w, &e->f[i]));
  W(xmlTextWriterEndDocument(w));
  return 0;
}

int tw_export_kml(const tw_export *e, char **out, size_t *len)
{
  if (!e || !out)
    return TW_EINVAL;
  int rc = TW_ENOMEM;
  xmlBufferPtr buf = xmlBufferCreate();
  xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
  if (!w)
    goto done;
  rc = kml_document(w, e);
  xmlFreeTextWriter(w); /* flushes into buf */
  w = NULL;
  if (rc == 0) {
    size_t n = (size_t)xmlBufferLength(buf);
    char *z = malloc(n + 1);
    if (!z) {
      rc = TW_ENOMEM;
      goto done;
    }
    memcpy(z, xmlBufferContent(buf), n);
    z[n] = '\0';
    *out = z;
    if (len)
      *len = n;
  }
done:
  if (w)
    xmlFreeTextWriter(w);
  if (buf)
    xmlBufferFree(buf);
  return rc;
}
