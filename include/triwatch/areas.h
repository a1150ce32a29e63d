/* triwatch/areas.h - threatened areas (DESIGN.md section 5): the first-level divisions of the
 * partners (Japanese prefectures, Korean provinces and metropolitan cities, North Korean
 * provinces, US states and territories in the region) loaded from data/areas.json, and the
 * questions "which areas does this impact ellipse touch" and "which areas does this ground track
 * pass over", answered with GEOS prepared geometries.
 *
 * Angles are radians, lengths metres. Polygons are in longitude/latitude degrees (planar in
 * degrees between vertices, as Natural Earth draws them); ellipse vertices and track points are
 * placed along WGS-84 geodesics (PROJ). Queries crossing the antimeridian are handled.
 * Areas are numbered 0..count-1 in the order of the file (sorted by code).
 * A tw_areas may be queried by one thread at a time (it owns one GEOS context handle); loading
 * separate tw_areas in separate threads is safe. */
#ifndef TRIWATCH_AREAS_H
#define TRIWATCH_AREAS_H

#include <stddef.h>

#include "triwatch/visibility.h"

typedef struct tw_areas tw_areas;

/* Load the areas file (JSON: [{"code","name","nation","rings":[[[lon,lat],...],...]}], each
 * area the even-odd union of its rings, so a ring inside another is a hole). On success *out
 * owns a new set, to be released with tw_areas_free, and the number of areas is returned. On
 * error *out is unchanged, a negative TW_E* code is returned (TW_EIO the file cannot be read,
 * TW_EPARSE malformed, TW_ENOMEM) and one line "path: what was wrong" is written into err (cut
 * to err_len, always terminated; err may be NULL). */
TW_API int tw_areas_load(tw_areas **out, const char *path, char *err, size_t err_len);
/* Release a set; NULL is accepted. */
TW_API void tw_areas_free(tw_areas *a);

/* The number of areas. */
TW_API int tw_areas_count(const tw_areas *a);
/* ISO 3166-2 code ("JP-02"; the alpha-2 code "JP" for a nation's minor islands), English name
 * and nation (ISO 3166-1 alpha-3, "JPN") of area i; NULL when i is out of range. The strings
 * belong to the set. */
TW_API const char *tw_areas_code(const tw_areas *a, int i);
TW_API const char *tw_areas_name(const tw_areas *a, int i);
TW_API const char *tw_areas_nation(const tw_areas *a, int i);
/* Index of the area with this code, or TW_ENOENT. */
TW_API int tw_areas_find(const tw_areas *a, const char *code);

/* Called by tw_areas_rings for each ring: the polygon's number (from 0), the ring's number in it
 * (0 the outer ring, 1.. its holes) and its n points, longitude/latitude in degrees, closed (last
 * point == first). The arrays live only for the call. Return 0 to go on, a negative TW_E* code to
 * stop the walk. */
typedef int (*tw_areas_ring_fn)(void *ctx, int polygon, int ring, int n, const double *lon_deg,
                                const double *lat_deg);
/* Walk the rings of area i as the set holds them (after the even-odd union and any repair of the
 * file's rings): each polygon's outer ring, then its holes. Longitudes are as the file gives
 * them (they may lie beyond +-180). Returns the number of rings walked; TW_EINVAL for a NULL set
 * or fn or i out of range, TW_ENOMEM, or the first negative value fn returned. */
TW_API int tw_areas_rings(const tw_areas *a, int i, tw_areas_ring_fn fn, void *ctx);

/* Areas that a ground ellipse intersects: centre (lat, lon), semi-axes in metres along the
 * ellipsoid surface, orientation the azimuth of the major axis clockwise from north. The ellipse
 * is a 36-gon of geodesic direct points from its centre (inscribed: its edges may cut 0.4% of
 * the semi-axis off). Writes up to max area indices, ascending, into codes_out (may be NULL when
 * max is 0) and returns the number of areas hit, which may exceed max (then only max are
 * written). TW_EINVAL for a bad argument (NULL set, non-finite values, semi-axes not positive
 * or minor > major, max < 0); codes_out is then unchanged. */
TW_API int tw_areas_hit_ellipse(const tw_areas *a, double lat_rad, double lon_rad,
                                double semi_major_m, double semi_minor_m, double orientation_rad,
                                int *codes_out, int max);

/* Areas a ground track passes over: the polyline through n >= 1 points (lat_rad[i],
 * lon_rad[i]), consecutive points joined by geodesics (densified in steps of at most 10 km).
 * One point is a point query. Output and return as tw_areas_hit_ellipse; TW_EINVAL for a bad
 * argument. */
TW_API int tw_areas_hit_track(const tw_areas *a, const double *lat_rad, const double *lon_rad,
                              int n, int *codes_out, int max);

/* Areas that a closed polygon meets (touching counts): n >= 4 vertices (lat_rad[i], lon_rad[i]),
 * the last equal to the first, joined by straight lines in longitude/latitude degrees (so keep
 * the edges short: tens of km) and unwrapped across the antimeridian from the first vertex. A
 * self-intersecting ring is an invalid polygon to GEOS and may give a wrong answer or TW_EINVAL.
 * Output and return as tw_areas_hit_ellipse; TW_EINVAL for a bad argument. */
TW_API int tw_areas_hit_polygon(const tw_areas *a, const double *lat_rad, const double *lon_rad,
                                int n, int *codes_out, int max);

#endif
