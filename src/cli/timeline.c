/* timeline.c - print a trajectory as a timeline a watch officer can read. Places are reference
 * points (cities), so "passes N km from Aomori" is exact about what it says; area polygons and
 * threat decisions come with the warnings module. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/timeline.h"

static const struct place {
  const char *name;
  double lat_deg, lon_deg;
} g_places[] = {
  {"Pyongyang", 39.0392, 125.7625}, {"Seoul", 37.5665, 126.9780},  {"Busan", 35.1796, 129.0756},
  {"Fukuoka", 33.5904, 130.4017},   {"Hiroshima", 34.3853, 132.4553}, {"Osaka", 34.6937, 135.5023},
  {"Niigata", 37.9162, 139.0364},   {"Tokyo", 35.6762, 139.6503},  {"Sendai", 38.2682, 140.8694},
  {"Akita", 39.7200, 140.1025},     {"Morioka", 39.7036, 141.1527}, {"Aomori", 40.8244, 140.7400},
  {"Misawa", 40.6828, 141.3689},    {"Hakodate", 41.7687, 140.7288}, {"Sapporo", 43.0642, 141.3469},
  {"Kushiro", 42.9849, 144.3820},   {"Cape Erimo", 41.9250, 143.2480},
  {"Naha", 26.2124, 127.6809},      {"Hagatna (Guam)", 13.4757, 144.7489},
};
#define N_PLACES (sizeof g_places / sizeof g_places[0])
#define NEAR_M 150e3 /* report places the ground track passes within this distance */

typedef struct line {
  double t_s;
  char text[200];
} line;

static int by_time(const void *a, const void *b)
{
  double x = ((const line *)a)->t_s, y = ((const line *)b)->t_s;
  return (x > y) - (x < y);
}

static void clock_str(char *buf, size_t n, double t_s)
{
  long s = lround(t_s);
  snprintf(buf, n, "T+%02ld:%02ld", s / 60, s % 60);
}

void timeline_print(FILE *f, const tw_traj *t, int have_launch_time, tw_time_ns launch_time,
                    int utc_offset_min, const char *zone)
{
  line lines[TW_TRAJ_MAX_EVENTS + N_PLACES];
  size_t n = 0;
  tw_geodetic g;

  for (int i = 0; i < t->n_events; i++) {
    const tw_traj_event *e = &t->events[i];
    tw_ecef_to_geo(&g, e->r);
    double speed = sqrt(e->v[0] * e->v[0] + e->v[1] * e->v[1] + e->v[2] * e->v[2]);
    double down = 0.0;
    tw_geodesic_inverse(t->site.lat_rad, t->site.lon_rad, g.lat_rad, g.lon_rad, &down, NULL, NULL);
    line *l = &lines[n++];
    l->t_s = e->t_s;
    char what[48];
    if (e->kind == TW_TEV_STAGING)
      snprintf(what, sizeof what, "stage %d burns out, separates", e->stage + 1);
    else
      snprintf(what, sizeof what, "%s", tw_traj_event_name(e->kind));
    snprintf(l->text, sizeof l->text, "%-30s alt %7.1f km  %7.1f km downrange  %5.0f m/s  %.2fN %.2fE",
             what, fmax(0.0, g.h_m) / 1e3, down / 1e3, speed, g.lat_rad / TW_DEG,
             g.lon_rad / TW_DEG);
  }

  /* closest approach of the ground track to each reference place */
  for (size_t p = 0; p < N_PLACES; p++) {
    double best = 1e30, best_t = 0, best_h = 0;
    for (size_t i = 0; i < t->n_states; i++) {
      tw_ecef_to_geo(&g, t->states[i].r);
      double d;
      tw_geodesic_inverse(g_places[p].lat_deg * TW_DEG, g_places[p].lon_deg * TW_DEG, g.lat_rad,
                          g.lon_rad, &d, NULL, NULL);
      if (d < best) {
        best = d;
        best_t = t->states[i].t_s;
        best_h = g.h_m;
      }
    }
    /* not the launch area itself, and only places the track actually passes near */
    if (best < NEAR_M && best_t > 5.0 && best_t < t->flight_time_s - 1.0) {
      line *l = &lines[n++];
      l->t_s = best_t;
      snprintf(l->text, sizeof l->text, "passes %3.0f km from %-15s alt %7.1f km",
               best / 1e3, g_places[p].name, best_h / 1e3);
    }
  }
  qsort(lines, n, sizeof lines[0], by_time);

  for (size_t i = 0; i < n; i++) {
    char rel[32];
    clock_str(rel, sizeof rel, lines[i].t_s);
    if (have_launch_time) {
      char utc[48], loc[48];
      tw_time_ns at = launch_time + tw_time_from_s(lines[i].t_s);
      tw_time_format(utc, sizeof utc, at, 0, 0, 1);
      tw_time_format(loc, sizeof loc, at, 0, utc_offset_min, 0);
      /* hh:mm:ss of each */
      fprintf(f, "  %s  %.8sZ  %.8s %s  %s\n", rel, utc + 11, loc + 11, zone, lines[i].text);
    } else {
      fprintf(f, "  %s  %s\n", rel, lines[i].text);
    }
  }
}
