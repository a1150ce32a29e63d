/* nk_launches.h - the project's copy of the North Korean launch facts for tests
 * (tests/data/nk_launches.csv): one row per launch. */
#ifndef TW_TEST_NK_LAUNCHES_H
#define TW_TEST_NK_LAUNCHES_H

#define NK_MAX_LAUNCHES 64

typedef struct nk_launch {
  char id[64], missile[64], cls[24];
  double lat, lon, bearing, apogee_km, range_km;
  double flight_s; /* reported launch-to-impact time; < 0 where not reported */
} nk_launch;

/* Read the file into a (at most max rows). Returns the count, or -1 if it cannot be read. */
int nk_launches_load(nk_launch *a, int max);

#endif
