/* rocket.c - the notional missile profiles per class; contract in triwatch/rocket.h. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "triwatch/error.h"
#include "triwatch/rocket.h"

/* Notional stacks, one per class. What is public: stage counts and rough burn times of the
 * families (Scud/KN-23 single-stage, Nodong/Pukguksong two-stage, Hwasong-12 class IRBMs,
 * Hwasong-15/17/18 two- and three-stage ICBMs), and the envelope of flights in the CNS database.
 * Masses, specific impulses and areas are ours, chosen so each class reaches the largest flight
 * of its class in that database with margin, at thrust-to-weight ratios of 2-3 at lift-off. */
static const tw_rocket g_profiles[] = {
  {TW_CLASS_SRBM, "SRBM", 1,
   {{60.0, 260.0, 5500.0, 800.0, 0.65, 2500.0}},
   500.0, 0.3, 9000.0, 4.0, 8.0,
   "notional single-stage solid (Scud / KN-23 family envelope); sized to fly 550 km apogee"},
  {TW_CLASS_MRBM, "MRBM", 2,
   {{90.0, 255.0, 12000.0, 1500.0, 1.2, 3000.0}, {60.0, 280.0, 3000.0, 500.0, 0.8, 1500.0}},
   700.0, 0.3, 7000.0, 6.0, 10.0,
   "notional two-stage (Nodong, Pukguksong-2, Hwasong-16B envelope); sized to fly 2,500 km"},
  {TW_CLASS_IRBM, "IRBM", 2,
   {{110.0, 270.0, 20000.0, 2000.0, 2.0, 3000.0}, {60.0, 300.0, 3500.0, 500.0, 1.1, 1500.0}},
   650.0, 0.3, 8000.0, 6.0, 10.0,
   "notional two-stage (Hwasong-12 with its post-boost stage, Chollima-1 envelope)"},
  {TW_CLASS_ICBM, "ICBM", 2,
   {{120.0, 285.0, 62000.0, 4000.0, 4.5, 3500.0}, {100.0, 320.0, 14000.0, 1200.0, 2.5, 2000.0}},
   1000.0, 0.3, 10000.0, 8.0, 12.0,
   "notional two-stage (Hwasong-15/-17/-18 envelope); sized to fly 6,700 km lofted apogee"},
};

const tw_rocket *tw_rocket_profile(enum tw_missile_class c)
{
  for (size_t i = 0; i < sizeof g_profiles / sizeof g_profiles[0]; i++)
    if (g_profiles[i].cls == c)
      return &g_profiles[i];
  return NULL;
}

const char *tw_class_name(enum tw_missile_class c)
{
  switch (c) {
  case TW_CLASS_AUTO: return "auto";
  case TW_CLASS_SRBM: return "SRBM";
  case TW_CLASS_MRBM: return "MRBM";
  case TW_CLASS_IRBM: return "IRBM";
  case TW_CLASS_ICBM: return "ICBM";
  }
  return "?";
}

int tw_class_parse(enum tw_missile_class *c, const char *s)
{
  static const enum tw_missile_class all[] = {TW_CLASS_SRBM, TW_CLASS_MRBM, TW_CLASS_IRBM,
                                               TW_CLASS_ICBM, TW_CLASS_AUTO};
  if (!s)
    return TW_EPARSE;
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    const char *n = tw_class_name(all[i]);
    size_t len = strlen(n);
    /* exact, or the name followed by a qualifier such as "-lofted" */
    if (strncasecmp(s, n, len) == 0 && (s[len] == '\0' || s[len] == '-')) {
      *c = all[i];
      return 0;
    }
  }
  return TW_EPARSE;
}

double tw_rocket_burn_s(const tw_rocket *rk)
{
  double t = 0.0;
  for (int i = 0; i < rk->n_stages; i++)
    t += rk->stage[i].burn_s;
  return t;
}

double tw_rocket_delta_v(const tw_rocket *rk)
{
  double above = rk->payload_kg, dv = 0.0;
  for (int i = rk->n_stages - 1; i >= 0; i--) {
    const tw_stage *s = &rk->stage[i];
    double m1 = above + s->dry_kg, m0 = m1 + s->prop_kg;
    dv += s->isp_s * TW_G0 * log(m0 / m1);
    above = m0;
  }
  return dv;
}
