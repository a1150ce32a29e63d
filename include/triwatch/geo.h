/* triwatch/geo.h - WGS-84 frames: geodetic <-> ECEF <-> local ENU, azimuth/elevation/range,
 * ECI <-> ECEF by Earth rotation, and geodesics on the ellipsoid (through PROJ's geodesic.h).
 *
 * Angles are radians unless a name says _deg; lengths metres; velocities m/s.
 * ECEF is WGS-84 Earth-centred Earth-fixed. ECI here is the frame that coincides with ECEF at
 * the Earth rotation angle 0 and does not rotate: r_ecef = R3(era) r_eci, with era the Earth
 * rotation angle (IERS 2003, UT1 taken as UTC; precession, nutation and polar motion ignored,
 * which moves a point by at most tens of metres over decades - far below sensor noise). */
#ifndef TRIWATCH_GEO_H
#define TRIWATCH_GEO_H

#include "triwatch/time.h"
#include "triwatch/visibility.h"

#define TW_WGS84_A      6378137.0            /* semi-major axis, m */
#define TW_WGS84_F      (1.0 / 298.257223563) /* flattening */
#define TW_WGS84_B      (TW_WGS84_A * (1.0 - TW_WGS84_F)) /* semi-minor axis, m */
#define TW_WGS84_E2     (TW_WGS84_F * (2.0 - TW_WGS84_F))  /* first eccentricity squared */
#define TW_WGS84_GM     3.986004418e14       /* m^3/s^2, with atmosphere */
#define TW_WGS84_OMEGA  7.292115e-5          /* Earth rotation rate, rad/s */
#define TW_PI           3.14159265358979323846
#define TW_DEG          (TW_PI / 180.0)      /* radians per degree */

typedef struct tw_geodetic {
  double lat_rad; /* geodetic latitude, [-pi/2, pi/2] */
  double lon_rad; /* longitude, (-pi, pi] */
  double h_m;     /* height above the ellipsoid */
} tw_geodetic;

typedef struct tw_aer {
  double az_rad;  /* azimuth clockwise from north, [0, 2 pi) */
  double el_rad;  /* elevation above the local horizontal plane (ellipsoid normal), [-pi/2, pi/2] */
  double range_m; /* slant range */
} tw_aer;

/* Geodetic -> ECEF. */
TW_API void tw_geo_to_ecef(double r[3], const tw_geodetic *g);
/* ECEF -> geodetic; exact to well under 1e-6 m anywhere from the centre of the Earth to beyond
 * GEO (iterative, converged in a few steps). At the poles the longitude is 0. The foot point is
 * the nearest point of the ellipsoid, except on the equatorial plane (latitude 0 there, also in
 * the 43 km around the centre where the nearest point is off the equator). */
TW_API void tw_ecef_to_geo(tw_geodetic *g, const double r[3]);
/* Unit ellipsoid normal ("up") at a geodetic latitude/longitude. */
TW_API void tw_geo_up(double up[3], double lat_rad, double lon_rad);
/* Rotation from ECEF to local ENU at (lat, lon): rows are east, north, up (3x3 row-major). */
TW_API void tw_enu_basis(double m[9], double lat_rad, double lon_rad);
/* ECEF point -> ENU coordinates relative to origin o (geodetic), and back. */
TW_API void tw_ecef_to_enu(double enu[3], const double r[3], const tw_geodetic *o);
TW_API void tw_enu_to_ecef(double r[3], const double enu[3], const tw_geodetic *o);
/* Azimuth, elevation, range of ECEF point r seen from observer o (geodetic), and back. */
TW_API void tw_ecef_to_aer(tw_aer *aer, const double r[3], const tw_geodetic *o);
TW_API void tw_aer_to_ecef(double r[3], const tw_aer *aer, const tw_geodetic *o);

/* Earth rotation angle (rad, [0, 2 pi)) at UTC time t, to a few 1e-15 rad. The Earth turns
 * once in 86400 / 1.00273781191135448 = 86164.0989 s on this angle (the stellar day); the
 * sidereal day of 86164.0905 s is shorter by the precession of the equinox, 6.1e-7 rad a day. */
TW_API double tw_earth_rotation_angle(tw_time_ns t);
/* ECI <-> ECEF at time t, position and velocity. The velocity transform includes the omega x r
 * term (omega = TW_WGS84_OMEGA). The output velocity may be NULL (position only); a NULL input
 * velocity with a non-NULL output is taken as zero. Outputs may not alias inputs. */
TW_API void tw_eci_to_ecef(double r_ecef[3], double v_ecef[3], const double r_eci[3],
                           const double v_eci[3], tw_time_ns t);
TW_API void tw_ecef_to_eci(double r_eci[3], double v_eci[3], const double r_ecef[3],
                           const double v_ecef[3], tw_time_ns t);

/* Geodesic inverse problem on WGS-84 (PROJ): distance (m) and forward azimuths at both ends
 * (rad, clockwise from north, (-pi, pi]; az2 points onward, away from point 1) between two points
 * given in radians. Latitudes outside [-pi/2, pi/2] give NaN. Any output may be NULL.
 * Thread-safe. */
TW_API void tw_geodesic_inverse(double lat1_rad, double lon1_rad, double lat2_rad, double lon2_rad,
                                double *dist_m, double *az1_rad, double *az2_rad);
/* Geodesic direct problem: from (lat1, lon1) along azimuth az1 for dist_m, the end point (rad,
 * longitude in (-pi, pi]) and forward azimuth there ((-pi, pi]). Any output may be NULL.
 * Thread-safe. */
TW_API void tw_geodesic_direct(double lat1_rad, double lon1_rad, double az1_rad, double dist_m,
                               double *lat2_rad, double *lon2_rad, double *az2_rad);

/* Wrap an angle to (-pi, pi] and to [0, 2 pi). */
TW_API double tw_wrap_pi(double a);
TW_API double tw_wrap_2pi(double a);

#endif
