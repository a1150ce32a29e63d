/* triwatch/fusion.h - track-to-track fusion across nations: partners' local tracks (and ours) in,
 * system tracks with global track numbers (GTNs) out.
 *
 * Each input is one nation's estimate of one object: the 9-value ECEF state of tw_track
 * [r (m), v (m/s), a_t, a_n (m/s^2), kappa (m^2/kg)] with its covariance. A *source* is an
 * (originator, local_id) pair; a *system track* gathers the sources that see the same object and
 * carries a GTN that is never reused.
 *
 * - Validation first: every input is checked (tw_fusion_validate) and a bad one is counted per
 *   reason and dropped; the picture is then unchanged.
 * - Association: a known source stays with its system track. A new source (or one returning
 *   after it was dropped, which first tries its old GTN) goes to the system track with the
 *   smallest chi-square of the position-velocity difference (6 dof) over P_a + P_b at a common
 *   time, below the gate, else it starts a new GTN. A system track does not take a second
 *   source of the same originator while that one is still reporting (one nation, one track per
 *   object).
 * - Track management at each fuse (Link 16 calls it correlation and decorrelation): a source
 *   outside the gate of its track's anchor source (the one most others agree with) three rounds
 *   in a row is expelled and placed again, as a new source would be; two system tracks that
 *   agree three rounds in a row, with no nation holding a track in each, merge into the lower
 *   GTN and the higher is retired. Salvos need both: a missile and its spent stage fly together
 *   for a while after separation, and nations' first associations there can be wrong.
 * - Fusion: the sources' latest estimates, propagated to a common time, are combined by
 *   covariance intersection (CI), which is consistent whatever the unknown correlation between
 *   them: a relayed copy of an estimate already held can never make the result overconfident.
 *   Two sources: the omega minimising the trace (or determinant) of the fused covariance;
 *   three or more: fast CI weights, omega_i proportional to 1 / tr(P_i). All 9 values are fused.
 *
 * Times are seconds after an epoch the caller chooses (the tracker's). docs/fabric.md, section
 * "Fusion", has the design and its reasons. No allocation after tw_fusion_new. */
#ifndef TRIWATCH_FUSION_H
#define TRIWATCH_FUSION_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/visibility.h"

#define TW_FUSION_NX 9
#define TW_FUSION_MAX_SOURCES 8  /* per system track */
#define TW_FUSION_MAX_AHEAD_S 60.0  /* an input may be this far after now_s */
#define TW_FUSION_MAX_AGE_S 3600.0  /* or this far before it */

/* One nation's local track as received (or our own). */
typedef struct tw_fusion_input {
  char originator[8];  /* nation code, [A-Z0-9]{2,7}, NUL-terminated within the 8 bytes */
  uint32_t local_id;   /* the originator's track number */
  double t_s;          /* time of validity of x and P, s after the epoch */
  double x[TW_FUSION_NX];  /* ECEF [r (m), v (m/s), a_t, a_n (m/s^2), kappa (m^2/kg)] */
  double P[TW_FUSION_NX * TW_FUSION_NX]; /* its covariance, row-major, symmetric PD */
  double mu[3];        /* probabilities of boost, ballistic, re-entry (they pick the motion model
                          that propagates the estimate) */
} tw_fusion_input;

typedef struct tw_fusion_source {
  char originator[8];
  uint32_t local_id;
  double t_s;          /* time of its latest estimate */
  double omega;        /* its weight in the latest fusion (0: left out of it) */
  double mu_boost;     /* its latest estimate's probability of being under power */
} tw_fusion_source;

typedef struct tw_system_track {
  uint32_t gtn;        /* global track number, from 1, never reused */
  double t_s;          /* time of x and P: the latest tw_fusion_fuse, or of its first source */
  double x[TW_FUSION_NX];  /* fused ECEF state, as tw_fusion_input */
  double P[TW_FUSION_NX * TW_FUSION_NX];
  int n_sources;
  tw_fusion_source src[TW_FUSION_MAX_SOURCES];
  double t_created_s;  /* time of validity of the input that started it */
} tw_system_track;

/* Rejection reasons: X(name, short name, message naming the field and what was expected). */
#define TW_FUSION_REJECT_MAP(X)                                                                \
  X(ORIGINATOR, "originator",                                                                  \
    "originator: expected 2 to 7 characters A-Z 0-9, NUL-terminated within 8 bytes")          \
  X(NONFINITE, "nonfinite", "t_s, x, P or mu: expected finite numbers, found NaN or infinity") \
  X(FUTURE, "future", "t_s: more than 60 s after now")                                         \
  X(STALE, "stale", "t_s: more than 1 hour before now")                                        \
  X(POSITION, "position",                                                                      \
    "x[0..2]: expected a height above -10 km and at most 100,000 km from the Earth's centre")  \
  X(SPEED, "speed", "x[3..5]: expected a speed of at most 20 km/s")                            \
  X(ACCEL, "accel", "x[6..7]: expected |a_t| and |a_n| of at most 1,000 m/s^2")                \
  X(KAPPA, "kappa", "x[8]: expected kappa in [0, 1] m^2/kg")                                   \
  X(MU, "mu", "mu: expected three probabilities in [0, 1] summing to 1 (within 1e-3)")         \
  X(P_ASYMMETRIC, "p_asymmetric",                                                              \
    "P: expected symmetric, found |P_ij - P_ji| above 1e-6 sqrt(P_ii P_jj)")                   \
  X(P_RANGE, "p_range",                                                                        \
    "P: standard deviation out of range (position 0.1 m to 100,000 km, velocity 1 mm/s to "   \
    "100 km/s, a_t and a_n up to 10 km/s^2, kappa up to 10 m^2/kg)")                          \
  X(P_NOTPD, "p_notpd",                                                                        \
    "P: expected positive definite, its correlation matrix fails Cholesky (pivot below 1e-12)")

enum tw_fusion_reject {
#define TW__FUS_REJ_ENUM(name, shortname, msg) TW_FUSION_REJ_##name,
  TW_FUSION_REJECT_MAP(TW__FUS_REJ_ENUM)
#undef TW__FUS_REJ_ENUM
  TW_FUSION_N_REJECT
};

/* Weights of covariance intersection (tw_fusion_ci). */
enum tw_ci_weights {
  TW_CI_OPT_TRACE = 0, /* 2 sources: omega minimising tr(P) by golden section; more: fast */
  TW_CI_OPT_DET = 1,   /* 2 sources: omega minimising det(P); more: fast */
  TW_CI_FAST = 2       /* always omega_i proportional to 1 / tr(P_i) (non-iterative) */
};

typedef struct tw_fusion_config {
  double gate_chi2_p;      /* association gate probability, chi-square on 6 dof (default
                              0.99999: a distance of 33.1) */
  double source_timeout_s; /* drop a source silent this long, in (0, 3600] (default 30) */
  double exclusive_s;      /* a system track holding a source of an originator whose latest
                              estimate is this recent (relative to the newcomer's time) takes no
                              other source of that originator (default 10) */
  double memory_s;         /* remember a dropped source's GTN this long (default 600) */
  int max_system_tracks;   /* capacity (default 2,000) */
  enum tw_ci_weights weights; /* default TW_CI_OPT_TRACE */
  /* Told of each rejected input, one line without newline (NULL: silent). The first 20 are
   * told, then one in 1,000. */
  void (*log)(void *ctx, const char *line);
  void *log_ctx;
} tw_fusion_config;

typedef struct tw_fusion_stats {
  size_t accepted;         /* inputs that passed validation */
  size_t rejected;         /* inputs that did not: the sum of reject[] */
  size_t reject[TW_FUSION_N_REJECT];
  size_t out_of_order;     /* valid, but older than the source's latest estimate: not applied */
  size_t capacity_full;    /* valid, but no room for the system track it needed */
  size_t system_created, system_deleted;
  size_t sources_dropped;  /* silent past source_timeout_s */
  size_t reidentified;     /* returned after being dropped, to their old GTN */
  size_t conditioned;      /* source covariances loaded on the diagonal for conditioning */
  size_t fuse_failed;      /* system tracks left unfused in a round (no source could be used) */
  size_t stale;            /* valid, but older than source_timeout_s before now_s and not held by
                              a system track: not applied */
  size_t decorrelated;     /* sources expelled from a system track they no longer agree with */
  size_t merged;           /* system tracks merged into one with a lower GTN */
} tw_fusion_stats;

typedef struct tw_fusion tw_fusion;

TW_API void tw_fusion_config_default(tw_fusion_config *c);
/* A fusion centre (c copied; NULL for the defaults). NULL on allocation failure or an invalid
 * configuration (gate_chi2_p outside (0, 1), times not positive, source_timeout_s above 3600,
 * max_system_tracks outside [1, 1,000,000]). */
TW_API tw_fusion *tw_fusion_new(const tw_fusion_config *c);
TW_API void tw_fusion_free(tw_fusion *f);

/* Check one input as received at local time now_s. Returns 0 if it may be fused; otherwise
 * TW_EINVAL (in NULL, now_s not finite, bad originator, NaN or infinity, asymmetric P),
 * TW_ERANGE (absurd value or time) or TW_ENOTPD, and *why (if why is not NULL) points to a
 * static message naming the field and what was expected ("" on success). Pure: no state. */
TW_API int tw_fusion_validate(const tw_fusion_input *in, double now_s, const char **why);
/* The short name of a rejection reason ("speed"); "?" out of range. */
TW_API const char *tw_fusion_reject_name(int reason);

/* Take one input received at local time now_s: validate, then associate (see above) and keep it
 * as its source's latest estimate; the system tracks' x and P change only in tw_fusion_fuse.
 * *gtn (may be NULL) receives the source's GTN, 0 when it has none. Returns 0 (also for an
 * input older than the source's latest, or one of a source held by no system track that is
 * older than now_s - source_timeout_s: both are counted and not applied); a validation code
 * (counted per reason, logged); TW_ENOMEM when the source needs a new system track and there
 * is no room (counted). A system track with TW_FUSION_MAX_SOURCES sources takes no more: a
 * newcomer then goes elsewhere, or starts its own. On error nothing changes but the
 * statistics. */
TW_API int tw_fusion_update(tw_fusion *f, const tw_fusion_input *in, double now_s, uint32_t *gtn);

/* Bring every system track to time t_s: drop sources whose latest estimate is older than
 * t_s - source_timeout_s, delete system tracks left without sources, then fuse each one's
 * sources propagated to t_s (a source more than TW_FUSION_MAX_AHEAD_S after t_s sits this round
 * out); then decorrelate and merge (see above). An expelled source that fits no other system
 * track starts one if it reported within exclusive_s of t_s, else it is dropped. A track whose
 * sources all fail to propagate keeps its previous estimate (counted). Call it at the rate the
 * picture is published (1 Hz): the rounds above count calls.
 * Returns the number of system tracks, or TW_EINVAL (t_s not finite; nothing changes). */
TW_API int tw_fusion_fuse(tw_fusion *f, double t_s);

TW_API int tw_fusion_count(const tw_fusion *f);
/* The i-th system track (0 <= i < count), in increasing GTN; NULL out of range. Valid until the
 * next update or fuse. */
TW_API const tw_system_track *tw_fusion_get(const tw_fusion *f, int i);
/* The system track with this GTN, or NULL. */
TW_API const tw_system_track *tw_fusion_find(const tw_fusion *f, uint32_t gtn);
TW_API void tw_fusion_get_stats(const tw_fusion *f, tw_fusion_stats *s);

/* Covariance intersection of n_src estimates (xs: n_src rows of n values; Ps: n_src n x n
 * symmetric positive definite matrices) of one n-value state (1 <= n <= TW_FUSION_NX,
 * 1 <= n_src <= TW_FUSION_MAX_SOURCES): P^-1 = sum omega_i P_i^-1,
 * x = P sum omega_i P_i^-1 x_i, with weights as w says. Each P_i is inverted in its own
 * diagonal scaling (so states mixing metres and m^2/kg lose nothing); a P_i with a component
 * that the others explain to within 1e-10 of its variance (1 - R^2 < 1e-10 in its correlation
 * matrix) gets 1e-10 added to that matrix's diagonal - a larger covariance, so the result
 * stays conservative. The result is exactly symmetric. omega (may be NULL) receives the
 * n_src weights. One source is copied exactly. x and P may not alias xs or Ps. Returns the
 * number of sources so conditioned (>= 0), TW_EINVAL, or TW_ENOTPD (a P_i not positive
 * definite even then); on error x, P and omega are unchanged. */
TW_API int tw_fusion_ci(double *x, double *P, double *omega, const double *xs, const double *Ps,
                        int n_src, int n, enum tw_ci_weights w);

#endif
