/* nk_launches.c - read tests/data/nk_launches.csv (comment lines start with '#', then one header
 * line, then id,date_utc,missile,class,lat,lon,bearing,apogee_km,range_km,flight_s). */
#include <stdio.h>
#include <stdlib.h>

#include "nk_launches.h"

int nk_launches_load(nk_launch *a, int max)
{
  FILE *f = fopen(TW_TEST_DATA "/nk_launches.csv", "r");
  if (!f)
    return -1;
  char line[512];
  int header = 0, n = 0;
  while (fgets(line, sizeof line, f) && n < max) {
    if (line[0] == '#' || !header++)
      continue;
    nk_launch *l = &a[n];
    char date[16], flight[32] = "";
    int k = sscanf(line, "%63[^,],%15[^,],%63[^,],%23[^,],%lf,%lf,%lf,%lf,%lf,%31[^\n]", l->id,
                   date, l->missile, l->cls, &l->lat, &l->lon, &l->bearing, &l->apogee_km,
                   &l->range_km, flight);
    if (k < 9)
      continue;
    l->flight_s = (k == 10 && flight[0]) ? atof(flight) : -1.0;
    n++;
  }
  fclose(f);
  return n;
}
