/* test_export.c - GeoJSON and KML export: the GeoJSON parses (jansson) with the right geometry
 * types, closed and RFC 7946-wound rings; ellipse vertices lie on the stated ellipse at the
 * stated geodesic distances (checked with PROJ's geod_inverse); the KML parses (libxml2) with the
 * KML 2.2 namespace; shapes across the antimeridian are split, not wrapped round the world; odd
 * names come back exactly; bad input is refused and leaves the outputs alone. Areas come from
 * data/areas.json (TW_DATA_DIR). */
#include <geodesic.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "triwatch/areas.h"
#include "triwatch/error.h"
#include "triwatch/export.h"
#include "triwatch/geo.h"
#include "triwatch/predict.h"

static tw_ground_ellipse ellipse_at(double lat_deg, double lon_deg, double a50_m, double b50_m,
                                    double orient_deg)
{
  tw_ground_ellipse g;
  memset(&g, 0, sizeof g);
  g.lat_rad = lat_deg * TW_DEG;
  g.lon_rad = lon_deg * TW_DEG;
  g.semi_major_m[0] = a50_m;
  g.semi_minor_m[0] = b50_m;
  g.semi_major_m[1] = a50_m * TW_ELLIPSE_K95 / TW_ELLIPSE_K50;
  g.semi_minor_m[1] = b50_m * TW_ELLIPSE_K95 / TW_ELLIPSE_K50;
  g.orientation_rad = orient_deg * TW_DEG;
  g.t_s = 1342.5;
  g.sigma_t_s = 4.25;
  g.n_ground = 13;
  return g;
}

static json_t *geojson_of(const tw_export *e)
{
  char *z = NULL;
  size_t len = 0;
  json_error_t err;
  assert_int_equal(tw_export_geojson(e, &z, &len), 0);
  assert_non_null(z);
  assert_int_equal(strlen(z), len);
  json_t *root = json_loads(z, 0, &err);
  if (!root)
    fail_msg("GeoJSON does not parse: line %d: %s", err.line, err.text);
  free(z);
  assert_string_equal(json_string_value(json_object_get(root, "type")), "FeatureCollection");
  return root;
}

static json_t *feature(json_t *root, size_t i)
{
  json_t *f = json_array_get(json_object_get(root, "features"), i);
  assert_non_null(f);
  assert_string_equal(json_string_value(json_object_get(f, "type")), "Feature");
  return f;
}

static const char *geom_type(json_t *f)
{
  return json_string_value(json_object_get(json_object_get(f, "geometry"), "type"));
}

static json_t *coords(json_t *f)
{
  return json_object_get(json_object_get(f, "geometry"), "coordinates");
}

static double X(json_t *pt) { return json_number_value(json_array_get(pt, 0)); }
static double Y(json_t *pt) { return json_number_value(json_array_get(pt, 1)); }

/* A ring: at least 4 positions, closed, longitudes in [-180, 180], no edge jumping more than
 * 180 degrees of longitude; returns twice its signed lon/lat area (> 0 counter-clockwise). */
static double check_ring(json_t *ring)
{
  size_t n = json_array_size(ring);
  double s = 0;
  assert_true(n >= 4);
  json_t *first = json_array_get(ring, 0), *last = json_array_get(ring, n - 1);
  assert_true(X(first) == X(last) && Y(first) == Y(last));
  for (size_t i = 0; i < n; i++) {
    json_t *p = json_array_get(ring, i);
    assert_true(json_array_size(p) == 2);
    assert_true(X(p) >= -180.0 && X(p) <= 180.0 && fabs(Y(p)) <= 90.0);
    if (i + 1 < n) {
      json_t *q = json_array_get(ring, i + 1);
      assert_true(fabs(X(q) - X(p)) < 180.0);
      s += X(p) * Y(q) - X(q) * Y(p);
    }
  }
  return s;
}

/* Every ring of a Polygon's coordinates: outer counter-clockwise, holes clockwise. */
static void check_polygon(json_t *poly)
{
  assert_true(json_array_size(poly) >= 1);
  for (size_t k = 0; k < json_array_size(poly); k++) {
    double a = check_ring(json_array_get(poly, k));
    if (k == 0)
      assert_true(a > 0);
    else
      assert_true(a < 0);
  }
}

/* Each vertex of ring (not the closing one) lies on the ellipse (a, b, orientation) around the
 * centre: its geodesic distance d and azimuth az from the centre give the point
 * (d cos(az - orient), d sin(az - orient)) with (x/a)^2 + (y/b)^2 = 1. Returns the count. */
static int check_on_ellipse(json_t *ring, const tw_ground_ellipse *g, int level, int skip_cut)
{
  struct geod_geodesic wgs84;
  geod_init(&wgs84, TW_WGS84_A, TW_WGS84_F);
  double a = g->semi_major_m[level], b = g->semi_minor_m[level];
  int count = 0;
  for (size_t i = 0; i + 1 < json_array_size(ring); i++) {
    json_t *p = json_array_get(ring, i);
    if (skip_cut && fabs(X(p)) == 180.0)
      continue; /* a point on the cut is interpolated, not on the ellipse */
    double d, az1, az2;
    geod_inverse(&wgs84, g->lat_rad / TW_DEG, g->lon_rad / TW_DEG, Y(p), X(p), &d, &az1, &az2);
    double phi = az1 * TW_DEG - g->orientation_rad;
    double x = d * cos(phi), y = d * sin(phi);
    double r = (x / a) * (x / a) + (y / b) * (y / b);
    if (fabs(r - 1.0) > 1e-9)
      fail_msg("vertex %zu at %.12f,%.12f: (x/a)^2 + (y/b)^2 = %.12f", i, X(p), Y(p), r);
    assert_true(d >= b * (1 - 1e-9) && d <= a * (1 + 1e-9));
    count++;
  }
  return count;
}

static tw_areas *load_areas(void)
{
  tw_areas *a = NULL;
  char err[512];
  assert_true(tw_areas_load(&a, TW_DATA_DIR "/areas.json", err, sizeof err) > 0);
  return a;
}

/* One of each: the right geometry types, properties, closed and wound rings. */
static void test_geojson_shapes(void **state)
{
  (void)state;
  tw_export *e = tw_export_new();
  assert_non_null(e);
  const double t[3] = {100, 160, 220}, lat[3] = {40.6, 40.9, 41.05},
               lon[3] = {126.4, 129.5, 133.9}, alt[3] = {0, 450e3, 970e3};
  assert_int_equal(tw_export_track(e, "JPN.track.7", "JPN", 3, t, lat, lon, alt), 0);
  tw_ground_ellipse g = ellipse_at(40.95, 146.4, 20e3, 8e3, 84.5);
  assert_int_equal(tw_export_ellipse(e, "JPN.impact.7", &g), 0);
  assert_int_equal(tw_export_point(e, "JPN.launch.7", "launch", 40.61, 126.43, 60.0), 0);
  tw_areas *areas = load_areas();
  int gyeonggi = tw_areas_find(areas, "KR-41"); /* Seoul (KR-11) is a hole in it */
  assert_true(gyeonggi >= 0);
  assert_int_equal(tw_export_area(e, areas, gyeonggi, "threatened"), 0);
  tw_areas_free(areas); /* the export keeps its own copy */

  json_t *root = geojson_of(e);
  assert_int_equal(json_array_size(json_object_get(root, "features")), 5);

  json_t *f = feature(root, 0);
  assert_string_equal(geom_type(f), "LineString");
  assert_string_equal(json_string_value(json_object_get(f, "id")), "JPN.track.7");
  json_t *props = json_object_get(f, "properties");
  assert_string_equal(json_string_value(json_object_get(props, "kind")), "track");
  assert_string_equal(json_string_value(json_object_get(props, "nation")), "JPN");
  assert_int_equal(json_array_size(json_object_get(props, "times_s")), 3);
  assert_true(json_real_value(json_object_get(props, "t_end_s")) == 220.0);
  json_t *c = coords(f);
  assert_int_equal(json_array_size(c), 3);
  json_t *p1 = json_array_get(c, 1);
  assert_int_equal(json_array_size(p1), 3);
  assert_true(X(p1) == 129.5 && Y(p1) == 40.9 && json_number_value(json_array_get(p1, 2)) == 450e3);

  for (int k = 0; k < 2; k++) {
    f = feature(root, 1 + (size_t)k);
    assert_string_equal(geom_type(f), "Polygon");
    assert_string_equal(json_string_value(json_object_get(f, "id")),
                        k ? "JPN.impact.7 95%" : "JPN.impact.7 50%");
    props = json_object_get(f, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "kind")), "impact_ellipse");
    assert_true(json_real_value(json_object_get(props, "probability")) == (k ? 0.95 : 0.5));
    assert_true(fabs(json_real_value(json_object_get(props, "semi_major_m")) / g.semi_major_m[k] -
                     1) < 1e-14); /* written to 15 significant digits */
    check_polygon(coords(f));
    json_t *ring = json_array_get(coords(f), 0);
    assert_int_equal(json_array_size(ring), TW_EXPORT_ELLIPSE_POINTS + 1);
  }

  f = feature(root, 3);
  assert_string_equal(geom_type(f), "Point");
  assert_true(X(coords(f)) == 126.43 && Y(coords(f)) == 40.61);
  props = json_object_get(f, "properties");
  assert_string_equal(json_string_value(json_object_get(props, "kind")), "launch");
  assert_true(json_real_value(json_object_get(props, "t_s")) == 60.0);

  f = feature(root, 4);
  assert_string_equal(json_string_value(json_object_get(f, "id")), "KR-41");
  props = json_object_get(f, "properties");
  assert_string_equal(json_string_value(json_object_get(props, "nation")), "KOR");
  assert_string_equal(json_string_value(json_object_get(props, "kind")), "threatened");
  int holes = 0;
  if (!strcmp(geom_type(f), "Polygon")) {
    check_polygon(coords(f));
    holes = (int)json_array_size(coords(f)) - 1;
  } else {
    assert_string_equal(geom_type(f), "MultiPolygon");
    for (size_t i = 0; i < json_array_size(coords(f)); i++) {
      check_polygon(json_array_get(coords(f), i));
      holes += (int)json_array_size(json_array_get(coords(f), i)) - 1;
    }
  }
  assert_true(holes >= 1); /* Seoul */
  json_decref(root);
  tw_export_free(e);
}

/* The accessor the area export reads through. */
static int count_ring(void *ctx, int polygon, int ring, int n, const double *lon_deg,
                      const double *lat_deg)
{
  int *holes = ctx;
  (void)polygon;
  assert_true(n >= 4);
  assert_true(lon_deg[0] == lon_deg[n - 1] && lat_deg[0] == lat_deg[n - 1]);
  if (ring > 0)
    (*holes)++;
  return 0;
}

static int stop_at_first(void *ctx, int polygon, int ring, int n, const double *lon_deg,
                         const double *lat_deg)
{
  (void)ctx, (void)polygon, (void)ring, (void)n, (void)lon_deg, (void)lat_deg;
  return TW_ENOENT;
}

static void test_areas_rings(void **state)
{
  (void)state;
  tw_areas *a = load_areas();
  int holes = 0, i = tw_areas_find(a, "KR-41");
  int n = tw_areas_rings(a, i, count_ring, &holes);
  assert_true(n >= 2);
  assert_true(holes >= 1);
  assert_int_equal(tw_areas_rings(a, i, stop_at_first, NULL), TW_ENOENT);
  assert_int_equal(tw_areas_rings(a, -1, count_ring, &holes), TW_EINVAL);
  assert_int_equal(tw_areas_rings(a, tw_areas_count(a), count_ring, &holes), TW_EINVAL);
  assert_int_equal(tw_areas_rings(a, i, NULL, NULL), TW_EINVAL);
  assert_int_equal(tw_areas_rings(NULL, 0, count_ring, &holes), TW_EINVAL);
  tw_areas_free(a);
}

/* The vertices are where the header says: on the ellipse, at the geodesic distances. */
static void test_ellipse_geodesic(void **state)
{
  (void)state;
  static const double centres[][3] = {{40.95, 146.4, 84.5}, {-33.9, 151.2, 0.0},
                                      {0.0, -30.0, 179.0}, {75.0, 20.0, 135.0}};
  for (size_t c = 0; c < sizeof centres / sizeof *centres; c++) {
    tw_export *e = tw_export_new();
    tw_ground_ellipse g = ellipse_at(centres[c][0], centres[c][1], 60e3, 25e3, centres[c][2]);
    assert_int_equal(tw_export_ellipse(e, "E", &g), 0);
    json_t *root = geojson_of(e);
    for (int k = 0; k < 2; k++) {
      json_t *f = feature(root, (size_t)k);
      assert_string_equal(geom_type(f), "Polygon");
      json_t *ring = json_array_get(coords(f), 0);
      assert_int_equal(check_on_ellipse(ring, &g, k, 0), TW_EXPORT_ELLIPSE_POINTS);
      /* the vertices of the major axis ends are there: the farthest at a, the nearest at b */
      struct geod_geodesic wgs84;
      geod_init(&wgs84, TW_WGS84_A, TW_WGS84_F);
      double dmax = 0, dmin = 1e30;
      for (size_t i = 0; i + 1 < json_array_size(ring); i++) {
        double d;
        json_t *p = json_array_get(ring, i);
        geod_inverse(&wgs84, centres[c][0], centres[c][1], Y(p), X(p), &d, NULL, NULL);
        dmax = fmax(dmax, d);
        dmin = fmin(dmin, d);
      }
      assert_true(fabs(dmax - g.semi_major_m[k]) < 1e-6);
      assert_true(fabs(dmin - g.semi_minor_m[k]) < 1e-6);
    }
    json_decref(root);
    tw_export_free(e);
  }
}

/* Near 180 degrees: the 95% ellipse crosses and is split in two, the 50% one does not; a track
 * across is split in two lines meeting on the meridian. */
static void test_antimeridian(void **state)
{
  (void)state;
  for (int side = 0; side < 2; side++) {
    tw_export *e = tw_export_new();
    double lon0 = side ? -179.95 : 179.9;
    tw_ground_ellipse g = ellipse_at(52.0, lon0, 3e3, 2e3, 90.0); /* 95%: 6.2 x 4.2 km */
    g.semi_major_m[1] = 300e3;
    g.semi_minor_m[1] = 100e3;
    assert_int_equal(tw_export_ellipse(e, "Aleutians", &g), 0);
    const double lat[4] = {51.0, 51.5, 52.0, 52.5}, lon[4] = {179.0, 179.8, -179.6, -179.0};
    assert_int_equal(tw_export_track(e, "T", NULL, 4, NULL, lat, lon, NULL), 0);
    json_t *root = geojson_of(e);

    json_t *f = feature(root, 0);
    assert_string_equal(geom_type(f), "Polygon");
    check_polygon(coords(f));
    assert_int_equal(check_on_ellipse(json_array_get(coords(f), 0), &g, 0, 0),
                     TW_EXPORT_ELLIPSE_POINTS);

    f = feature(root, 1);
    assert_string_equal(geom_type(f), "MultiPolygon");
    json_t *mp = coords(f);
    assert_int_equal(json_array_size(mp), 2);
    int on_ellipse = 0, west = 0, east = 0;
    for (size_t i = 0; i < 2; i++) {
      json_t *poly = json_array_get(mp, i);
      check_polygon(poly);
      json_t *ring = json_array_get(poly, 0);
      double lo = 180, hi = -180;
      for (size_t k = 0; k < json_array_size(ring); k++) {
        lo = fmin(lo, X(json_array_get(ring, k)));
        hi = fmax(hi, X(json_array_get(ring, k)));
      }
      /* each half hugs its side of the meridian: a few degrees wide, not the whole world */
      assert_true(hi - lo < 10.0);
      west += hi == 180.0 && lo > 170.0;
      east += lo == -180.0 && hi < -170.0;
      on_ellipse += check_on_ellipse(ring, &g, 1, 1);
    }
    assert_int_equal(west, 1);
    assert_int_equal(east, 1);
    assert_int_equal(on_ellipse, TW_EXPORT_ELLIPSE_POINTS);

    f = feature(root, 2);
    assert_string_equal(geom_type(f), "MultiLineString");
    json_t *ml = coords(f);
    assert_int_equal(json_array_size(ml), 2);
    json_t *a = json_array_get(ml, 0), *b = json_array_get(ml, 1);
    json_t *a_end = json_array_get(a, json_array_size(a) - 1), *b_start = json_array_get(b, 0);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(json_array_size(b), 3);
    assert_true(X(a_end) == 180.0 && X(b_start) == -180.0);
    assert_true(Y(a_end) == Y(b_start));
    assert_true(Y(a_end) > 51.5 && Y(a_end) < 52.0);
    json_decref(root);
    tw_export_free(e);
  }

  /* an ellipse around the pole has no split that makes sense: refused, nothing added */
  tw_export *e = tw_export_new();
  tw_ground_ellipse polar = ellipse_at(89.5, 10.0, 100e3, 80e3, 0.0);
  assert_int_equal(tw_export_ellipse(e, "pole", &polar), TW_ERANGE);
  json_t *root = geojson_of(e);
  assert_int_equal(json_array_size(json_object_get(root, "features")), 0);
  json_decref(root);
  tw_export_free(e);
}

static xmlDocPtr kml_of(const tw_export *e)
{
  char *z = NULL;
  size_t len = 0;
  assert_int_equal(tw_export_kml(e, &z, &len), 0);
  assert_int_equal(strlen(z), len);
  xmlDocPtr doc = xmlReadMemory(z, (int)len, "export.kml", "UTF-8", XML_PARSE_NONET);
  free(z);
  assert_non_null(doc);
  xmlNodePtr root = xmlDocGetRootElement(doc);
  assert_string_equal((const char *)root->name, "kml");
  assert_non_null(root->ns);
  assert_string_equal((const char *)root->ns->href, "http://www.opengis.net/kml/2.2");
  return doc;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
  for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
      return c;
  return NULL;
}

/* Elements named name anywhere under n, all in the KML namespace. */
static int count_elements(xmlNodePtr n, const char *name)
{
  int k = 0;
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    assert_non_null(c->ns);
    assert_string_equal((const char *)c->ns->href, TW_EXPORT_KML_NS);
    k += !strcmp((const char *)c->name, name);
    k += count_elements(c, name);
  }
  return k;
}

static int count_tuples(xmlNodePtr coords_el)
{
  xmlChar *t = xmlNodeGetContent(coords_el);
  int n = 0;
  for (char *tok = strtok((char *)t, " \n\t"); tok; tok = strtok(NULL, " \n\t")) {
    double lon, lat;
    assert_int_equal(sscanf(tok, "%lf,%lf", &lon, &lat), 2);
    assert_true(lon >= -180 && lon <= 180 && fabs(lat) <= 90);
    n++;
  }
  xmlFree(t);
  return n;
}

static void test_kml(void **state)
{
  (void)state;
  tw_export *e = tw_export_new();
  const double lat[2] = {40.6, 41.0}, lon[2] = {126.4, 133.9}, alt[2] = {10, 970e3};
  assert_int_equal(tw_export_track(e, "track", "KOR", 2, NULL, lat, lon, alt), 0);
  tw_ground_ellipse g = ellipse_at(52.0, 179.95, 3e3, 2e3, 90.0);
  g.semi_major_m[1] = 300e3;
  g.semi_minor_m[1] = 100e3;
  assert_int_equal(tw_export_ellipse(e, "impact", &g), 0);
  assert_int_equal(tw_export_point(e, "launch", "launch", 40.61, 126.43, NAN), 0);
  tw_areas *areas = load_areas();
  assert_int_equal(tw_export_area(e, areas, tw_areas_find(areas, "KR-41"), "threatened"), 0);
  tw_areas_free(areas);

  xmlDocPtr doc = kml_of(e);
  xmlNodePtr root = xmlDocGetRootElement(doc), d = child(root, "Document");
  assert_non_null(d);
  assert_int_equal(count_elements(root, "Placemark"), 5);
  assert_true(count_elements(root, "innerBoundaryIs") >= 1); /* Seoul in Gyeonggi */

  xmlNodePtr pm = child(d, "Placemark");
  xmlChar *name = xmlNodeGetContent(child(pm, "name"));
  assert_string_equal((const char *)name, "track");
  xmlFree(name);
  xmlNodePtr ls = child(pm, "LineString");
  assert_non_null(ls);
  xmlChar *mode = xmlNodeGetContent(child(ls, "altitudeMode"));
  assert_string_equal((const char *)mode, "absolute");
  xmlFree(mode);
  assert_int_equal(count_tuples(child(ls, "coordinates")), 2);

  /* the 50% ellipse: one polygon of 73 positions; its properties as Data */
  pm = pm->next;
  while (pm && pm->type != XML_ELEMENT_NODE)
    pm = pm->next;
  xmlNodePtr ring = child(child(child(pm, "Polygon"), "outerBoundaryIs"), "LinearRing");
  assert_int_equal(count_tuples(child(ring, "coordinates")), TW_EXPORT_ELLIPSE_POINTS + 1);
  int found = 0;
  for (xmlNodePtr dt = child(child(pm, "ExtendedData"), "Data"); dt; dt = dt->next) {
    if (dt->type != XML_ELEMENT_NODE)
      continue;
    xmlChar *key = xmlGetProp(dt, BAD_CAST "name");
    if (!strcmp((const char *)key, "probability")) {
      xmlChar *v = xmlNodeGetContent(child(dt, "value"));
      assert_string_equal((const char *)v, "0.5");
      xmlFree(v);
      found = 1;
    }
    xmlFree(key);
  }
  assert_true(found);

  /* the 95% ellipse crosses 180 degrees: two polygons in a MultiGeometry */
  pm = pm->next;
  while (pm && pm->type != XML_ELEMENT_NODE)
    pm = pm->next;
  xmlNodePtr mg = child(pm, "MultiGeometry");
  assert_non_null(mg);
  assert_int_equal(count_elements(mg, "Polygon"), 2);
  xmlFreeDoc(doc);
  tw_export_free(e);
}

/* Names with markup characters, quotes and UTF-8 come back exactly from both documents. */
static void test_escapes(void **state)
{
  (void)state;
  static const char odd[] = "<b>&amp; \"quoted\" 'single' ]]> \xe6\x9d\xb1\xe4\xba\xac "
                            "\xe2\x9c\x93 \xf0\x9f\x9a\x80\ttab";
  tw_export *e = tw_export_new();
  assert_int_equal(tw_export_point(e, odd, odd, 35.68, 139.69, 0.0), 0);
  const double lat[2] = {1, 2}, lon[2] = {3, 4};
  assert_int_equal(tw_export_track(e, "t", odd, 2, NULL, lat, lon, NULL), 0);

  json_t *root = geojson_of(e);
  json_t *f = feature(root, 0);
  assert_string_equal(json_string_value(json_object_get(f, "id")), odd);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(f, "properties"), "kind")), odd);
  f = feature(root, 1);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(f, "properties"), "nation")), odd);
  json_decref(root);

  xmlDocPtr doc = kml_of(e);
  xmlNodePtr pm = child(child(xmlDocGetRootElement(doc), "Document"), "Placemark");
  xmlChar *name = xmlNodeGetContent(child(pm, "name"));
  assert_string_equal((const char *)name, odd);
  xmlFree(name);
  xmlFreeDoc(doc);

  /* what neither format can carry is refused */
  assert_int_equal(tw_export_point(e, "bad \xff utf-8", "launch", 0, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "overlong \xc0\xbc", "launch", 0, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "surrogate \xed\xa0\x80", "launch", 0, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "control \x01", "launch", 0, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "", "launch", 0, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_track(e, "t", "\x1b[31m", 2, NULL, lat, lon, NULL), TW_EINVAL);
  tw_export_free(e);
}

static void test_errors(void **state)
{
  (void)state;
  tw_export *e = tw_export_new();
  const double lat[2] = {1, 2}, lon[2] = {3, 4}, bad_lat[2] = {1, 90.5}, nan2[2] = {1, NAN};
  tw_ground_ellipse g = ellipse_at(40, 140, 10e3, 5e3, 0);
  assert_int_equal(tw_export_track(NULL, "t", NULL, 2, NULL, lat, lon, NULL), TW_EINVAL);
  assert_int_equal(tw_export_track(e, NULL, NULL, 2, NULL, lat, lon, NULL), TW_EINVAL);
  assert_int_equal(tw_export_track(e, "t", NULL, 1, NULL, lat, lon, NULL), TW_EINVAL);
  assert_int_equal(tw_export_track(e, "t", NULL, 2, NULL, bad_lat, lon, NULL), TW_EINVAL);
  assert_int_equal(tw_export_track(e, "t", NULL, 2, NULL, lat, nan2, NULL), TW_EINVAL);
  assert_int_equal(tw_export_track(e, "t", NULL, 2, nan2, lat, lon, NULL), TW_EINVAL);
  assert_int_equal(tw_export_track(e, "t", NULL, 2, NULL, lat, lon, nan2), TW_EINVAL);
  assert_int_equal(tw_export_ellipse(e, "e", NULL), TW_EINVAL);
  tw_ground_ellipse h = g;
  h.semi_minor_m[1] = h.semi_major_m[1] * 2;
  assert_int_equal(tw_export_ellipse(e, "e", &h), TW_EINVAL);
  h = g;
  h.semi_minor_m[0] = 0;
  assert_int_equal(tw_export_ellipse(e, "e", &h), TW_EINVAL);
  h = g;
  h.lat_rad = 2.0;
  assert_int_equal(tw_export_ellipse(e, "e", &h), TW_EINVAL);
  h = g;
  h.orientation_rad = INFINITY;
  assert_int_equal(tw_export_ellipse(e, "e", &h), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "p", "launch", -91, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "p", "launch", 0, INFINITY, 0), TW_EINVAL);
  assert_int_equal(tw_export_point(e, "p", NULL, 0, 0, 0), TW_EINVAL);
  assert_int_equal(tw_export_area(e, NULL, 0, "x"), TW_EINVAL);
  tw_areas *areas = load_areas();
  assert_int_equal(tw_export_area(e, areas, -1, "x"), TW_EINVAL);
  assert_int_equal(tw_export_area(e, areas, tw_areas_count(areas), "x"), TW_EINVAL);
  assert_int_equal(tw_export_area(e, areas, 0, ""), TW_EINVAL);
  tw_areas_free(areas);

  /* outputs untouched on error; the refused calls above added nothing */
  char *out = (char *)"untouched";
  size_t len = 7;
  assert_int_equal(tw_export_geojson(NULL, &out, &len), TW_EINVAL);
  assert_int_equal(tw_export_kml(NULL, &out, &len), TW_EINVAL);
  assert_int_equal(tw_export_kml(e, NULL, &len), TW_EINVAL);
  assert_string_equal(out, "untouched");
  assert_int_equal(len, 7);
  json_t *root = geojson_of(e);
  assert_int_equal(json_array_size(json_object_get(root, "features")), 0);
  json_decref(root);
  /* an empty collection still makes a well-formed KML document */
  xmlFreeDoc(kml_of(e));
  tw_export_free(e);
  tw_export_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_geojson_shapes), cmocka_unit_test(test_areas_rings),
      cmocka_unit_test(test_ellipse_geodesic), cmocka_unit_test(test_antimeridian),
      cmocka_unit_test(test_kml), cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_errors),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return rc;
}
