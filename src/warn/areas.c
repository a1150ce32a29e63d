/* areas.c - threatened areas: data/areas.json into GEOS prepared polygons, and the ellipse and
 * ground-track intersection queries of triwatch/areas.h.
 *
 * Only GEOS's reentrant API is used (GEOS_USE_ONLY_R_API): each set owns one context handle,
 * whose notice and error messages are kept in the set rather than printed. */
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/areas.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"

#define ELLIPSE_POINTS 36
#define TRACK_STEP_M   10000.0
#define MAX_TRACK_PTS  200000 /* 2,000,000 km of track: far beyond any ballistic flight */

typedef struct area {
  char *code, *name, *nation;
  GEOSGeometry *geom;               /* MultiPolygon/Polygon, lon/lat degrees */
  const GEOSPreparedGeometry *prep; /* prepared on geom */
} area;

struct tw_areas {
  GEOSContextHandle_t ctx;
  area *a;
  int n;
  char geos_msg[256]; /* last GEOS error, for the load error message */
};

static void geos_error(const char *message, void *userdata) {
  tw_areas *s = userdata;
  snprintf(s->geos_msg, sizeof s->geos_msg, "%s", message);
}

static void set_err(char *err, size_t err_len, const char *fmt, ...) {
  if (!err || !err_len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
}

static char *dup_str(const char *z) {
  size_t len = strlen(z) + 1;
  char *p = malloc(len);
  if (p) memcpy(p, z, len);
  return p;
}

/* One JSON ring -> a GEOS polygon; NULL with *rc set on error. The ring is closed if the file
 * left it open. */
static GEOSGeometry *ring_polygon(tw_areas *s, json_t *jring, int *rc) {
  size_t n = json_array_size(jring);
  if (!json_is_array(jring) || n < 3) {
    *rc = TW_EPARSE;
    return NULL;
  }
  json_t *first = json_array_get(jring, 0), *last = json_array_get(jring, n - 1);
  int closed = json_equal(first, last);
  size_t m = closed ? n : n + 1;
  if (m < 4) {
    *rc = TW_EPARSE;
    return NULL;
  }
  GEOSCoordSequence *seq = GEOSCoordSeq_create_r(s->ctx, (unsigned)m, 2);
  if (!seq) {
    *rc = TW_ENOMEM;
    return NULL;
  }
  for (size_t i = 0; i < m; i++) {
    json_t *p = json_array_get(jring, i < n ? i : 0);
    json_t *jx = json_array_get(p, 0), *jy = json_array_get(p, 1);
    double x = json_number_value(jx), y = json_number_value(jy);
    if (json_array_size(p) != 2 || !json_is_number(jx) || !json_is_number(jy) || !(fabs(x) <= 360.0)
        || !(fabs(y) <= 90.0)) {
      GEOSCoordSeq_destroy_r(s->ctx, seq);
      *rc = TW_EPARSE;
      return NULL;
    }
    GEOSCoordSeq_setXY_r(s->ctx, seq, (unsigned)i, x, y);
  }
  GEOSGeometry *shell = GEOSGeom_createLinearRing_r(s->ctx, seq); /* takes seq */
  GEOSGeometry *poly = shell ? GEOSGeom_createPolygon_r(s->ctx, shell, NULL, 0) : NULL;
  if (!poly) {
    if (shell) GEOSGeom_destroy_r(s->ctx, shell);
    *rc = TW_EPARSE;
    return NULL;
  }
  /* simplification may leave a ring touching itself: repair it rather than reject the file */
  if (GEOSisValid_r(s->ctx, poly) != 1) {
    GEOSGeometry *fixed = GEOSMakeValid_r(s->ctx, poly);
    GEOSGeom_destroy_r(s->ctx, poly);
    if (!fixed) {
      *rc = TW_EPARSE;
      return NULL;
    }
    poly = fixed;
  }
  return poly;
}

/* The even-odd union of an area's rings (holes are rings inside rings). */
static GEOSGeometry *area_geometry(tw_areas *s, json_t *jrings, int *rc) {
  if (!json_is_array(jrings) || json_array_size(jrings) == 0) {
    *rc = TW_EPARSE;
    return NULL;
  }
  GEOSGeometry *acc = NULL;
  size_t i;
  json_t *jring;
  json_array_foreach(jrings, i, jring) {
    GEOSGeometry *poly = ring_polygon(s, jring, rc);
    if (!poly) goto err;
    if (!acc) {
      acc = poly;
      continue;
    }
    GEOSGeometry *next = GEOSSymDifference_r(s->ctx, acc, poly);
    GEOSGeom_destroy_r(s->ctx, poly);
    if (!next) {
      *rc = TW_EPARSE;
      goto err;
    }
    GEOSGeom_destroy_r(s->ctx, acc);
    acc = next;
  }
  return acc;
err:
  if (acc) GEOSGeom_destroy_r(s->ctx, acc);
  return NULL;
}

static void free_area(tw_areas *s, area *ar) {
  if (ar->prep) GEOSPreparedGeom_destroy_r(s->ctx, ar->prep);
  if (ar->geom) GEOSGeom_destroy_r(s->ctx, ar->geom);
  free(ar->code);
  free(ar->name);
  free(ar->nation);
}

void tw_areas_free(tw_areas *s) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) free_area(s, &s->a[i]);
  free(s->a);
  if (s->ctx) GEOS_finish_r(s->ctx);
  free(s);
}

int tw_areas_load(tw_areas **out, const char *path, char *err, size_t err_len) {
  if (!out || !path) {
    set_err(err, err_len, "tw_areas_load: NULL argument");
    return TW_EINVAL;
  }
  int rc = TW_ENOMEM;
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (!root) {
    int io = jerr.line < 1 || json_error_code(&jerr) == json_error_cannot_open_file;
    set_err(err, err_len, "%s:%d: %s", path, jerr.line, jerr.text);
    return io ? TW_EIO : TW_EPARSE;
  }
  tw_areas *s = calloc(1, sizeof *s);
  if (!s) {
    set_err(err, err_len, "%s: out of memory", path);
    goto err_root;
  }
  s->ctx = GEOS_init_r();
  if (!s->ctx) {
    set_err(err, err_len, "%s: cannot start GEOS", path);
    goto err_set;
  }
  GEOSContext_setErrorMessageHandler_r(s->ctx, geos_error, s);
  size_t n = json_array_size(root);
  if (!json_is_array(root) || n == 0 || n > 100000) {
    rc = TW_EPARSE;
    set_err(err, err_len, "%s: expected a non-empty array of areas", path);
    goto err_set;
  }
  s->a = calloc(n, sizeof *s->a);
  if (!s->a) {
    set_err(err, err_len, "%s: out of memory", path);
    goto err_set;
  }
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_array_get(root, i);
    const char *code = json_string_value(json_object_get(o, "code"));
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *nation = json_string_value(json_object_get(o, "nation"));
    if (!code || !name || !nation) {
      rc = TW_EPARSE;
      set_err(err, err_len, "%s: area %zu: expected strings \"code\", \"name\" and \"nation\"", path, i);
      goto err_set;
    }
    area *ar = &s->a[s->n++];
    ar->code = dup_str(code);
    ar->name = dup_str(name);
    ar->nation = dup_str(nation);
    if (!ar->code || !ar->name || !ar->nation) {
      rc = TW_ENOMEM;
      set_err(err, err_len, "%s: out of memory", path);
      goto err_set;
    }
    s->geos_msg[0] = '\0';
    ar->geom = area_geometry(s, json_object_get(o, "rings"), &rc);
    if (!ar->geom) {
      set_err(err, err_len, "%s: area %zu (%s): \"rings\": expected arrays of >= 3 [lon, lat] "
              "points%s%s", path, i, code, s->geos_msg[0] ? ": " : "", s->geos_msg);
      goto err_set;
    }
    ar->prep = GEOSPrepare_r(s->ctx, ar->geom);
    if (!ar->prep) {
      rc = TW_ENOMEM;
      set_err(err, err_len, "%s: area %zu (%s): cannot prepare geometry", path, i, code);
      goto err_set;
    }
  }
  json_decref(root);
  *out = s;
  return s->n;

err_set:
  tw_areas_free(s);
err_root:
  json_decref(root);
  return rc;
}

int tw_areas_count(const tw_areas *s) { return s ? s->n : 0; }

const char *tw_areas_code(const tw_areas *s, int i) {
  return s && i >= 0 && i < s->n ? s->a[i].code : NULL;
}

const char *tw_areas_name(const tw_areas *s, int i) {
  return s && i >= 0 && i < s->n ? s->a[i].name : NULL;
}

const char *tw_areas_nation(const tw_areas *s, int i) {
  return s && i >= 0 && i < s->n ? s->a[i].nation : NULL;
}

int tw_areas_find(const tw_areas *s, const char *code) {
  if (!s || !code) return TW_EINVAL;
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->a[i].code, code) == 0) return i;
  return TW_ENOENT;
}

/* One ring of a polygon to fn, through arrays of its own. */
static int walk_ring(const tw_areas *s, const GEOSGeometry *ring, int polygon, int k,
                     tw_areas_ring_fn fn, void *ctx) {
  const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(s->ctx, ring);
  unsigned n = 0;
  if (!seq || !GEOSCoordSeq_getSize_r(s->ctx, seq, &n)) return TW_ENOMEM;
  double *lon = malloc((n ? n : 1) * sizeof *lon), *lat = malloc((n ? n : 1) * sizeof *lat);
  int rc = lon && lat ? 0 : TW_ENOMEM;
  for (unsigned j = 0; j < n && rc == 0; j++)
    if (!GEOSCoordSeq_getXY_r(s->ctx, seq, j, &lon[j], &lat[j])) rc = TW_ENOMEM;
  if (rc == 0) rc = fn(ctx, polygon, k, (int)n, lon, lat);
  free(lon);
  free(lat);
  return rc < 0 ? rc : 0;
}

/* The polygons of g (a Polygon, or a collection holding some, as GEOSMakeValid may leave) to fn;
 * *npoly and *nring count what was walked. */
static int walk_polygons(const tw_areas *s, const GEOSGeometry *g, int *npoly, int *nring,
                         tw_areas_ring_fn fn, void *ctx) {
  int type = GEOSGeomTypeId_r(s->ctx, g), rc;
  if (type == GEOS_POLYGON) {
    const GEOSGeometry *outer = GEOSGetExteriorRing_r(s->ctx, g);
    int nholes = GEOSGetNumInteriorRings_r(s->ctx, g);
    if (!outer || nholes < 0) return TW_ENOMEM;
    if (GEOSisEmpty_r(s->ctx, g) == 1) return 0;
    if ((rc = walk_ring(s, outer, *npoly, 0, fn, ctx)) < 0) return rc;
    for (int h = 0; h < nholes; h++) {
      const GEOSGeometry *hole = GEOSGetInteriorRingN_r(s->ctx, g, h);
      if (!hole) return TW_ENOMEM;
      if ((rc = walk_ring(s, hole, *npoly, h + 1, fn, ctx)) < 0) return rc;
    }
    (*npoly)++;
    *nring += 1 + nholes;
    return 0;
  }
  if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    int n = GEOSGetNumGeometries_r(s->ctx, g);
    for (int k = 0; k < n; k++) {
      const GEOSGeometry *part = GEOSGetGeometryN_r(s->ctx, g, k);
      if (!part) return TW_ENOMEM;
      if ((rc = walk_polygons(s, part, npoly, nring, fn, ctx)) < 0) return rc;
    }
  }
  return 0; /* points and lines a repair left behind have no area */
}

int tw_areas_rings(const tw_areas *s, int i, tw_areas_ring_fn fn, void *ctx) {
  if (!s || !fn || i < 0 || i >= s->n) return TW_EINVAL;
  int npoly = 0, nring = 0;
  int rc = walk_polygons(s, s->a[i].geom, &npoly, &nring, fn, ctx);
  return rc < 0 ? rc : nring;
}

/* Test a query shape, given as n points of lon/lat in degrees with continuous (unwrapped)
 * longitudes, against every area; also shifted by 360 degrees where it runs past the
 * antimeridian. polygon: the points form a closed ring (last == first). Marks hit[i]. */
static int query(const tw_areas *s, const double *lon_deg, const double *lat_deg, int n,
                 int polygon, unsigned char *hit) {
  double lo = lon_deg[0], hi = lon_deg[0];
  for (int i = 1; i < n; i++) {
    lo = fmin(lo, lon_deg[i]);
    hi = fmax(hi, lon_deg[i]);
  }
  double shifts[3] = {0.0};
  int n_shift = 1;
  if (hi > 180.0) shifts[n_shift++] = -360.0;
  if (lo < -180.0) shifts[n_shift++] = 360.0;
  for (int k = 0; k < n_shift; k++) {
    int m = n == 1 && !polygon ? 1 : n;
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(s->ctx, (unsigned)m, 2);
    if (!seq) return TW_ENOMEM;
    for (int i = 0; i < m; i++)
      GEOSCoordSeq_setXY_r(s->ctx, seq, (unsigned)i, lon_deg[i] + shifts[k], lat_deg[i]);
    GEOSGeometry *g;
    if (polygon) {
      GEOSGeometry *shell = GEOSGeom_createLinearRing_r(s->ctx, seq);
      g = shell ? GEOSGeom_createPolygon_r(s->ctx, shell, NULL, 0) : NULL;
      if (shell && !g) GEOSGeom_destroy_r(s->ctx, shell);
    } else if (m == 1) {
      g = GEOSGeom_createPoint_r(s->ctx, seq);
    } else {
      g = GEOSGeom_createLineString_r(s->ctx, seq);
    }
    if (!g) return TW_ENOMEM; /* the constructors free seq on failure */
    for (int i = 0; i < s->n; i++)
      if (!hit[i] && GEOSPreparedIntersects_r(s->ctx, s->a[i].prep, g) == 1) hit[i] = 1;
    GEOSGeom_destroy_r(s->ctx, g);
  }
  return 0;
}

/* Collect the marked areas into out (up to max), return how many there are. */
static int collect(const tw_areas *s, const unsigned char *hit, int *out, int max) {
  int count = 0;
  for (int i = 0; i < s->n; i++) {
    if (!hit[i]) continue;
    if (count < max) out[count] = i;
    count++;
  }
  return count;
}

/* Unwrap lon (deg) to within 180 degrees of ref (deg). */
static double unwrap_deg(double lon, double ref) {
  while (lon - ref > 180.0) lon -= 360.0;
  while (lon - ref < -180.0) lon += 360.0;
  return lon;
}

int tw_areas_hit_ellipse(const tw_areas *s, double lat_rad, double lon_rad, double semi_major_m,
                         double semi_minor_m, double orientation_rad, int *codes_out, int max) {
  if (!s || !isfinite(lat_rad) || fabs(lat_rad) > TW_PI / 2 || !isfinite(lon_rad)
      || !isfinite(orientation_rad) || !(semi_minor_m > 0.0) || !(semi_major_m >= semi_minor_m)
      || !isfinite(semi_major_m) || max < 0 || (max > 0 && !codes_out))
    return TW_EINVAL;
  double lon_deg[ELLIPSE_POINTS + 1], lat_deg[ELLIPSE_POINTS + 1];
  double lon0 = tw_wrap_pi(lon_rad) / TW_DEG;
  for (int i = 0; i < ELLIPSE_POINTS; i++) {
    double t = 2.0 * TW_PI * i / ELLIPSE_POINTS;
    double x = semi_major_m * cos(t), y = semi_minor_m * sin(t); /* y to the right of the axis */
    double la, lo;
    tw_geodesic_direct(lat_rad, lon_rad, orientation_rad + atan2(y, x), hypot(x, y), &la, &lo, NULL);
    lat_deg[i] = la / TW_DEG;
    lon_deg[i] = unwrap_deg(lo / TW_DEG, lon0);
  }
  lat_deg[ELLIPSE_POINTS] = lat_deg[0];
  lon_deg[ELLIPSE_POINTS] = lon_deg[0];
  unsigned char *hit = calloc((size_t)s->n, 1);
  if (!hit) return TW_ENOMEM;
  int rc = query(s, lon_deg, lat_deg, ELLIPSE_POINTS + 1, 1, hit);
  if (rc == 0) rc = collect(s, hit, codes_out, max);
  free(hit);
  return rc;
}

int tw_areas_hit_track(const tw_areas *s, const double *lat_rad, const double *lon_rad, int n,
                       int *codes_out, int max) {
  if (!s || !lat_rad || !lon_rad || n < 1 || max < 0 || (max > 0 && !codes_out)) return TW_EINVAL;
  for (int i = 0; i < n; i++)
    if (!isfinite(lat_rad[i]) || fabs(lat_rad[i]) > TW_PI / 2 || !isfinite(lon_rad[i]))
      return TW_EINVAL;
  /* count the densified points first, so that one allocation holds them */
  size_t total = 1;
  for (int i = 1; i < n; i++) {
    double d;
    tw_geodesic_inverse(lat_rad[i - 1], lon_rad[i - 1], lat_rad[i], lon_rad[i], &d, NULL, NULL);
    total += (size_t)ceil(d / TRACK_STEP_M) + 1;
    if (total > MAX_TRACK_PTS) return TW_EINVAL;
  }
  double *lon_deg = malloc(total * sizeof *lon_deg), *lat_deg = malloc(total * sizeof *lat_deg);
  unsigned char *hit = calloc((size_t)s->n, 1);
  int rc = TW_ENOMEM;
  if (!lon_deg || !lat_deg || !hit) goto out;
  int m = 0;
  lat_deg[m] = lat_rad[0] / TW_DEG;
  lon_deg[m] = tw_wrap_pi(lon_rad[0]) / TW_DEG;
  m++;
  for (int i = 1; i < n; i++) {
    double d, az;
    tw_geodesic_inverse(lat_rad[i - 1], lon_rad[i - 1], lat_rad[i], lon_rad[i], &d, &az, NULL);
    int steps = (int)ceil(d / TRACK_STEP_M);
    for (int k = 1; k <= steps; k++) {
      double la, lo;
      tw_geodesic_direct(lat_rad[i - 1], lon_rad[i - 1], az, d * k / steps, &la, &lo, NULL);
      lat_deg[m] = la / TW_DEG;
      lon_deg[m] = unwrap_deg(lo / TW_DEG, lon_deg[m - 1]);
      m++;
    }
  }
  rc = query(s, lon_deg, lat_deg, m, 0, hit);
  if (rc == 0) rc = collect(s, hit, codes_out, max);
out:
  free(lon_deg);
  free(lat_deg);
  free(hit);
  return rc;
}

int tw_areas_hit_polygon(const tw_areas *s, const double *lat_rad, const double *lon_rad, int n,
                         int *codes_out, int max) {
  if (!s || !lat_rad || !lon_rad || n < 4 || n > MAX_TRACK_PTS || max < 0
      || (max > 0 && !codes_out))
    return TW_EINVAL;
  for (int i = 0; i < n; i++)
    if (!isfinite(lat_rad[i]) || fabs(lat_rad[i]) > TW_PI / 2 || !isfinite(lon_rad[i]))
      return TW_EINVAL;
  if (lat_rad[0] != lat_rad[n - 1] || tw_wrap_pi(lon_rad[0]) != tw_wrap_pi(lon_rad[n - 1]))
    return TW_EINVAL;
  double *lon_deg = malloc((size_t)n * sizeof *lon_deg), *lat_deg = malloc((size_t)n * sizeof *lat_deg);
  unsigned char *hit = calloc((size_t)s->n, 1);
  int rc = TW_ENOMEM;
  if (lon_deg && lat_deg && hit) {
    for (int i = 0; i < n; i++) {
      lat_deg[i] = lat_rad[i] / TW_DEG;
      lon_deg[i] = i ? unwrap_deg(tw_wrap_pi(lon_rad[i]) / TW_DEG, lon_deg[i - 1])
                     : tw_wrap_pi(lon_rad[0]) / TW_DEG;
    }
    lon_deg[n - 1] = lon_deg[0]; /* closed exactly, whatever the unwrapping did */
    rc = query(s, lon_deg, lat_deg, n, 1, hit);
    if (rc == 0) rc = collect(s, hit, codes_out, max);
  }
  free(lon_deg);
  free(lat_deg);
  free(hit);
  return rc;
}
