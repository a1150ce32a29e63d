/* triwatch/export.h - the picture as GeoJSON (RFC 7946) and KML 2.2 documents for GIS tools and
 * Google Earth: tracks, impact ellipses, launch points and threatened areas.
 *
 * A tw_export collects features, then writes either document (or both) from them:
 *   track    LineString of the history points (lon, lat, alt), properties id, nation, times
 *   ellipse  two Polygons, the 50% and the 95% ground ellipse: 72 vertices placed along WGS-84
 *            geodesics from the centre (PROJ geodesic.h geod_direct), vertex k at parametric
 *            angle t = 2 pi k / 72 lying at distance hypot(a cos t, b sin t) and azimuth
 *            orientation + atan2(b sin t, a cos t) - the construction triwatch/areas.h uses for
 *            its 36-gon, with twice the vertices
 *   point    Point (a launch point, or anything else with a kind label)
 *   area     Polygons of one area of a tw_areas set, holes kept
 * Coordinates are WGS-84 longitude, latitude in degrees, [lon, lat] or [lon, lat, alt_m]. Polygon
 * rings are closed (last vertex == first) and wound as RFC 7946 asks: outer rings counter-
 * clockwise, holes clockwise.
 *
 * The antimeridian: shapes are SPLIT, never wrapped round the world (RFC 7946 section 3.1.9). A
 * polygon that crosses 180 degrees becomes two polygons (a MultiPolygon, in KML a MultiGeometry)
 * cut along the meridian, one ending at lon 180 and one starting at -180; a track that crosses it
 * becomes a MultiLineString whose parts meet there. The cut point is interpolated linearly in
 * longitude/latitude between the two vertices either side (edges are short: 72-gon edges, track
 * steps). Every longitude written lies in [-180, 180]. An ellipse that contains a pole cannot be
 * split that way and is refused.
 *
 * Strings (ids, nations, kinds, names) must be UTF-8 holding only characters XML 1.0 allows: the
 * writers escape them (<, &, quotes), they are not otherwise changed. Times (t_s) are seconds on
 * the caller's clock and written as numbers. Properties written per feature: "id", "kind"
 * ("track", "impact_ellipse", the point's or area's label) and the ones named below. */
#ifndef TRIWATCH_EXPORT_H
#define TRIWATCH_EXPORT_H

#include <stddef.h>

#include "triwatch/areas.h"
#include "triwatch/predict.h"
#include "triwatch/visibility.h"

#define TW_EXPORT_ELLIPSE_POINTS 72 /* vertices of an ellipse polygon (73 with the closing one) */
#define TW_EXPORT_KML_NS "http://www.opengis.net/kml/2.2"

typedef struct tw_export tw_export;

/* A new empty collection, to be released with tw_export_free; NULL when out of memory. */
TW_API tw_export *tw_export_new(void);

/* Release a collection; NULL is accepted. */
TW_API void tw_export_free(tw_export *e);

/* A track: n >= 2 history points at times t_s[i] (s, may be NULL), latitude lat_deg[i] in
 * [-90, 90], longitude lon_deg[i] (any finite value, wrapped into [-180, 180]) and height above
 * the ellipsoid alt_m[i] (m; NULL for none: 2-D coordinates). id is required, nation may be NULL.
 * Properties: id, kind "track", nation, n_points; with times also t_start_s, t_end_s and times_s
 * (the array). The arrays are copied. Returns 0; TW_EINVAL for a NULL e, id, lat_deg or lon_deg,
 * n < 2, a value out of range or not finite, a string that is not XML-safe UTF-8 or empty (id);
 * TW_ENOMEM. e is unchanged on error. */
TW_API int tw_export_track(tw_export *e, const char *id, const char *nation, int n,
                           const double *t_s, const double *lat_deg, const double *lon_deg,
                           const double *alt_m);

/* The 50% and the 95% ellipse of g (triwatch/predict.h: centre in radians, semi-axes in metres,
 * orientation the major axis's azimuth) as two polygon features named "<id> 50%" and "<id> 95%".
 * Properties: id, kind "impact_ellipse", probability (0.5, 0.95), centre_lat_deg,
 * centre_lon_deg, semi_major_m, semi_minor_m, orientation_deg, t_s, sigma_t_s. Returns 0;
 * TW_EINVAL for NULL arguments, non-finite values, a centre latitude beyond +-pi/2, semi-axes
 * not positive or minor > major, an id that is not XML-safe UTF-8 or empty; TW_ERANGE for an
 * ellipse containing a pole; TW_ENOMEM. e is unchanged on error. */
TW_API int tw_export_ellipse(tw_export *e, const char *id, const tw_ground_ellipse *g);

/* A point (a launch point: kind "launch") at lat_deg in [-90, 90], lon_deg finite (wrapped), at
 * time t_s (NaN: none; the property is then left out). Properties: id, kind, t_s. Returns 0;
 * TW_EINVAL for NULL or empty id or kind, bad numbers, strings that are not XML-safe UTF-8;
 * TW_ENOMEM. e is unchanged on error. */
TW_API int tw_export_point(tw_export *e, const char *id, const char *kind, double lat_deg,
                           double lon_deg, double t_s);

/* Area i of a set (its rings are copied: the set may be freed afterwards), as polygons with
 * holes, kind kind_label (e.g. "threatened"). Properties: id (the ISO 3166-2 code), kind, name,
 * nation. Returns 0; TW_EINVAL for NULL arguments, i out of range, an empty or unsafe
 * kind_label; TW_ENOMEM. e is unchanged on error. */
TW_API int tw_export_area(tw_export *e, const tw_areas *areas, int i, const char *kind_label);

/* The collection as a GeoJSON FeatureCollection (UTF-8, no BOM), features in the order they were
 * added, each with "id" (its name), "properties" and "geometry". On success *out is a new
 * NUL-terminated string the caller releases with free(), *len its length (len may be NULL), and 0
 * is returned; TW_EINVAL for NULL e or out, TW_ENOMEM. *out and *len are unchanged on error. */
TW_API int tw_export_geojson(const tw_export *e, char **out, size_t *len);

/* The collection as a KML 2.2 document (namespace TW_EXPORT_KML_NS): one <Document>, a
 * <Placemark> per feature with <name>, <ExtendedData> holding the properties as <Data> and the
 * geometry (tracks with altitudeMode absolute when they have heights; split shapes in a
 * <MultiGeometry>). Outputs and errors as tw_export_geojson. */
TW_API int tw_export_kml(const tw_export *e, char **out, size_t *len);

#endif
