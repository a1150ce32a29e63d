/* fusion.c - track-to-track fusion: validation of partners' tracks, association to system tracks
 * with global track numbers, covariance intersection. Contract in triwatch/fusion.h; design and
 * reasons in docs/fabric.md, section "Fusion".
 *
 * Storage, all allocated by tw_fusion_new:
 *   pool[cap]   system tracks, each with the latest estimate of each of its sources; a free slot
 *               has gtn 0. Slots never move, so a map entry can point at one.
 *   order[]     the live slots in increasing GTN (what tw_fusion_get walks).
 *   map[]       (originator, local_id) -> (GTN, slot), open addressing with linear probing and
 *               backward-shift deletion. An entry outlives its source's stay in the system track
 *               ("detached") for memory_s, so a source that comes back finds its old GTN.
 *               Sized so the attached entries (at most cap * TW_FUSION_MAX_SOURCES) never fill
 *               more than a quarter of it.
 *   pend[cap]   sources expelled in a fuse round, placed again at its end.
 *   sorted[cap] scratch of the merge sweep. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track/motion.h"
#include "triwatch/dynamics.h"
#include "triwatch/error.h"
#include "triwatch/fusion.h"
#include "triwatch/geo.h"
#include "triwatch/linalg.h"
#include "triwatch/metrics.h"

#define NX TW_FUSION_NX
#define NX2 (NX * NX)
#define NK 6 /* the kinematic part [r, v] that association compares */
#define MAXS TW_FUSION_MAX_SOURCES

/* validation limits (the messages in fusion.h quote them) */
#define MIN_HEIGHT_M (-10e3)
#define MAX_RADIUS_M 100000e3
#define MAX_SPEED_MPS 20e3
#define MAX_ACCEL_MPS2 1000.0
#define MAX_KAPPA 1.0
#define MU_SUM_TOL 1e-3
#define SYM_RTOL 1e-6
#define PD_MIN_PIVOT2 1e-12
#define SD_POS_MIN_M 0.1
#define SD_POS_MAX_M 1e8
#define SD_VEL_MIN_MPS 1e-3
#define SD_VEL_MAX_MPS 1e5
#define SD_ACC_MAX_MPS2 1e4
#define SD_KAPPA_MAX 10.0

/* fusion numerics */
#define CI_MIN_PIVOT2 1e-10 /* a correlation matrix this close to singular (1 - R^2) is loaded... */
#define CI_LOAD 1e-10       /* ...by this on its diagonal */
#define GOLDEN_TOL 1e-4     /* omega */
#define ASSOC_MAX_DT_S 300.0 /* no association across a longer time gap */
#define N_PROP_CACHE 4
#define DECORR_ROUNDS 3 /* rounds in a row outside the gate before a source is expelled */
#define MERGE_ROUNDS 3  /* rounds in a row inside it before two system tracks merge */

#define LOG_FIRST 20
#define LOG_EVERY 1000

/* Process noise when propagating a source: the tracker's (src/track/tracker.c), since partners
 * run the same tracker; a partner tuned otherwise is still bounded by CI, not by this. */
static const tw_motion_noise g_noise[TW_N_MODELS] = {
  {25.0, 50.0, 0.0},
  {0.01, 1e-4, 1e-14},
  {4.0, 1e-4, 1e-11},
};

static const char *const g_reject_msg[TW_FUSION_N_REJECT] = {
#define TW__FUS_REJ_MSG(name, shortname, msg) msg,
  TW_FUSION_REJECT_MAP(TW__FUS_REJ_MSG)
#undef TW__FUS_REJ_MSG
};

static const char *const g_reject_name[TW_FUSION_N_REJECT] = {
#define TW__FUS_REJ_NAME(name, shortname, msg) shortname,
  TW_FUSION_REJECT_MAP(TW__FUS_REJ_NAME)
#undef TW__FUS_REJ_NAME
};

typedef struct src_est {
  double x[NX], P[NX2]; /* at pub.src[k].t_s */
  enum tw_motion_model model;
  int miss;             /* fuse rounds in a row outside the gate of the track's anchor source */
} src_est;

typedef struct sys {
  tw_system_track pub; /* pub.gtn == 0: free slot */
  src_est est[MAXS];   /* parallel to pub.src */
  uint32_t merge_gtn;  /* the lower GTN it agreed with in the latest rounds, 0: none */
  int merge_count;     /* rounds in a row it did */
  uint32_t cand_gtn;   /* this round's best candidate, and its distance */
  double cand_d2;
} sys;

typedef struct sort_key {
  double x0; /* ECEF x of the fused position */
  int slot;
} sort_key;

typedef struct map_entry {
  uint64_t orig;    /* originator bytes, NUL-padded */
  uint32_t id;      /* local_id */
  uint32_t gtn;     /* 0: empty */
  int32_t slot;     /* pool slot that held gtn */
  int32_t attached; /* the source is in that system track's list now */
  double last_s;    /* latest time of validity seen */
} map_entry;

struct tw_fusion {
  tw_fusion_config cfg;
  double last_sweep_s; /* fusion time of the last full map sweep */
  double gate;      /* chi-square distance of gate_chi2_p on NK dof */
  sys *pool;
  int cap;
  int *free_slot, n_free;
  int *order, n_order;
  map_entry *map;
  size_t map_mask, map_used, map_limit;
  uint32_t next_gtn;
  double now_s;     /* the latest now_s given to tw_fusion_update */
  tw_fusion_input *pend; /* sources expelled in this fuse round, to be placed anew */
  int n_pend;
  sort_key *sorted; /* scratch of the correlation sweep */
  tw_fusion_stats st;
};

/* ---- validation ------------------------------------------------------------------------- */

static int originator_ok(const char o[8])
{
  int n = 0;
  while (n < 8 && o[n]) {
    char c = o[n];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return 0;
    n++;
  }
  return n >= 2 && n <= 7; /* n == 8: no NUL within the 8 bytes */
}

static int all_finite(const double *a, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite(a[i]))
      return 0;
  return 1;
}

/* The rejection reason, or -1 if the input may be fused. now_s is finite. */
static int check(const tw_fusion_input *in, double now_s)
{
  const double *x = in->x, *P = in->P;
  if (!originator_ok(in->originator))
    return TW_FUSION_REJ_ORIGINATOR;
  if (!isfinite(in->t_s) || !all_finite(x, NX) || !all_finite(P, NX2) || !all_finite(in->mu, 3))
    return TW_FUSION_REJ_NONFINITE;
  if (in->t_s > now_s + TW_FUSION_MAX_AHEAD_S)
    return TW_FUSION_REJ_FUTURE;
  if (in->t_s < now_s - TW_FUSION_MAX_AGE_S)
    return TW_FUSION_REJ_STALE;
  /* below the semi-minor axis less 10 km a point is below -10 km anywhere; the finer test
   * (geocentric radius against the ellipsoid) needs a point away from the centre */
  double rn = tw_v3_norm(x);
  if (!(rn <= MAX_RADIUS_M) || !(rn >= TW_WGS84_B + MIN_HEIGHT_M) ||
      !(tw_height_fast(x) >= MIN_HEIGHT_M))
    return TW_FUSION_REJ_POSITION;
  if (!(tw_v3_norm(x + 3) <= MAX_SPEED_MPS))
    return TW_FUSION_REJ_SPEED;
  if (!(fabs(x[6]) <= MAX_ACCEL_MPS2 && fabs(x[7]) <= MAX_ACCEL_MPS2))
    return TW_FUSION_REJ_ACCEL;
  if (!(x[8] >= 0.0 && x[8] <= MAX_KAPPA))
    return TW_FUSION_REJ_KAPPA;
  double mu_sum = 0.0;
  for (int i = 0; i < 3; i++) {
    if (!(in->mu[i] >= 0.0 && in->mu[i] <= 1.0))
      return TW_FUSION_REJ_MU;
    mu_sum += in->mu[i];
  }
  if (!(fabs(mu_sum - 1.0) <= MU_SUM_TOL))
    return TW_FUSION_REJ_MU;
  for (int i = 0; i < NX; i++)
    for (int j = i + 1; j < NX; j++)
      if (!(fabs(P[i * NX + j] - P[j * NX + i]) <=
            SYM_RTOL * sqrt(fabs(P[i * NX + i]) * fabs(P[j * NX + j]))))
        return TW_FUSION_REJ_P_ASYMMETRIC;
  double sd[NX];
  for (int i = 0; i < NX; i++) {
    if (!(P[i * NX + i] > 0.0))
      return TW_FUSION_REJ_P_NOTPD;
    sd[i] = sqrt(P[i * NX + i]);
  }
  for (int i = 0; i < 3; i++)
    if (!(sd[i] >= SD_POS_MIN_M && sd[i] <= SD_POS_MAX_M && sd[3 + i] >= SD_VEL_MIN_MPS &&
          sd[3 + i] <= SD_VEL_MAX_MPS))
      return TW_FUSION_REJ_P_RANGE;
  if (!(sd[6] <= SD_ACC_MAX_MPS2 && sd[7] <= SD_ACC_MAX_MPS2 && sd[8] <= SD_KAPPA_MAX))
    return TW_FUSION_REJ_P_RANGE;
  /* positive definite in its own scale: Cholesky of the correlation matrix, with a margin so
   * the fusion's inversions stay accurate */
  double C[NX2], L[NX2];
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NX; j++)
      C[i * NX + j] = 0.5 * (P[i * NX + j] + P[j * NX + i]) / (sd[i] * sd[j]);
  if (tw_chol(L, C, NX) != 0)
    return TW_FUSION_REJ_P_NOTPD;
  for (int i = 0; i < NX; i++)
    if (!(L[i * NX + i] * L[i * NX + i] >= PD_MIN_PIVOT2))
      return TW_FUSION_REJ_P_NOTPD;
  return -1;
}

static int reject_code(int reason)
{
  switch (reason) {
  case TW_FUSION_REJ_ORIGINATOR:
  case TW_FUSION_REJ_NONFINITE:
  case TW_FUSION_REJ_P_ASYMMETRIC:
    return TW_EINVAL;
  case TW_FUSION_REJ_P_NOTPD:
    return TW_ENOTPD;
  default:
    return TW_ERANGE;
  }
}

int tw_fusion_validate(const tw_fusion_input *in, double now_s, const char **why)
{
  if (why)
    *why = "";
  if (!in || !isfinite(now_s)) {
    if (why)
      *why = in ? "now_s: expected a finite time" : "input: NULL";
    return TW_EINVAL;
  }
  int r = check(in, now_s);
  if (r < 0)
    return 0;
  if (why)
    *why = g_reject_msg[r];
  return reject_code(r);
}

const char *tw_fusion_reject_name(int reason)
{
  return reason >= 0 && reason < TW_FUSION_N_REJECT ? g_reject_name[reason] : "?";
}

/* ---- covariance intersection ------------------------------------------------------------ */

/* Criterion of a fused information matrix Y (n x n, common scale d) for omega by search: the
 * trace or log det of P = D Y^-1 D. +inf when Y is not positive definite. */
static double criterion(const double *Y, const double *d, int n, enum tw_ci_weights w)
{
  if (w == TW_CI_OPT_DET) {
    double ld;
    if (tw_spd_logdet(&ld, Y, n) != 0)
      return INFINITY;
    double s = 0.0;
    for (int k = 0; k < n; k++)
      s += 2.0 * log(d[k]);
    return s - ld;
  }
  double Pi[NX2];
  if (tw_spd_inv(Pi, Y, n) != 0)
    return INFINITY;
  double tr = 0.0;
  for (int k = 0; k < n; k++)
    tr += d[k] * d[k] * Pi[k * n + k];
  return tr;
}

static double criterion2(double om, const double *Y0, const double *Y1, const double *d, int n,
                         enum tw_ci_weights w)
{
  double Y[NX2];
  for (int i = 0; i < n * n; i++)
    Y[i] = om * Y0[i] + (1.0 - om) * Y1[i];
  return criterion(Y, d, n, w);
}

/* The omega in [0, 1] minimising the (convex) criterion of om Y0 + (1 - om) Y1: golden
 * section, then the best of it, both ends and the fast weight, so it never loses to them. */
static double optimal_omega(const double *Y0, const double *Y1, const double *d, int n,
                            enum tw_ci_weights w, double om_fast)
{
  const double g = 0.5 * (sqrt(5.0) - 1.0);
  double a = 0.0, b = 1.0;
  double c = b - g * (b - a), e = a + g * (b - a);
  double fc = criterion2(c, Y0, Y1, d, n, w), fe = criterion2(e, Y0, Y1, d, n, w);
  while (b - a > GOLDEN_TOL) {
    if (fc < fe) {
      b = e;
      e = c;
      fe = fc;
      c = b - g * (b - a);
      fc = criterion2(c, Y0, Y1, d, n, w);
    } else {
      a = c;
      c = e;
      fc = fe;
      e = a + g * (b - a);
      fe = criterion2(e, Y0, Y1, d, n, w);
    }
  }
  double cand[4] = {0.5 * (a + b), om_fast, 0.0, 1.0};
  double best = cand[0], fbest = criterion2(best, Y0, Y1, d, n, w);
  for (int i = 1; i < 4; i++) {
    double fi = criterion2(cand[i], Y0, Y1, d, n, w);
    if (fi < fbest) {
      fbest = fi;
      best = cand[i];
    }
  }
  return best;
}

int tw_fusion_ci(double *x, double *P, double *omega, const double *xs, const double *Ps,
                 int n_src, int n, enum tw_ci_weights w)
{
  if (!x || !P || !xs || !Ps || n < 1 || n > NX || n_src < 1 || n_src > MAXS ||
      (w != TW_CI_OPT_TRACE && w != TW_CI_OPT_DET && w != TW_CI_FAST))
    return TW_EINVAL;
  const int nn = n * n;
  if (n_src == 1) {
    memcpy(x, xs, (size_t)n * sizeof *x);
    memcpy(P, Ps, (size_t)nn * sizeof *P);
    if (omega)
      omega[0] = 1.0;
    return 0;
  }
  /* The common scale d: per component, the geometric mean of the sources' standard deviations.
   * Each P_i is inverted as its correlation matrix C_i (unit diagonal, so its conditioning is
   * that of the correlations alone), then rescaled exactly into d: the information matrix in
   * the common scale is Y_i = S_i C_i^-1 S_i with S_i = diag(d / sd_i). */
  double d[NX], sd[MAXS][NX];
  for (int k = 0; k < n; k++) {
    double prod = 1.0;
    for (int i = 0; i < n_src; i++) {
      double v = Ps[i * nn + k * n + k];
      if (!(v > 0.0) || !isfinite(v))
        return TW_ENOTPD;
      sd[i][k] = sqrt(v);
      prod *= sd[i][k]; /* sd within 1e-30..1e30 in practice: no overflow for 8 sources */
    }
    d[k] = n_src == 2 ? sqrt(prod) : n_src == 3 ? cbrt(prod) : pow(prod, 1.0 / n_src);
  }
  double Y[MAXS][NX2], yv[MAXS][NX], inv_tr[MAXS], sum_inv_tr = 0.0;
  int loaded = 0;
  for (int i = 0; i < n_src; i++) {
    const double *Pi = Ps + i * nn;
    double C[NX2], Ci[NX2];
    for (int r = 0; r < n; r++)
      for (int c = 0; c < n; c++)
        C[r * n + c] = 0.5 * (Pi[r * n + c] + Pi[c * n + r]) / (sd[i][r] * sd[i][c]);
    /* (C^-1)_kk = 1 / (1 - R_k^2), R_k the multiple correlation of component k with all the
     * others: above 1 / CI_MIN_PIVOT2 a component is the others' combination to working
     * precision, and the inverse would be noise */
    int rc = tw_spd_inv(Ci, C, n);
    double max_diag = 0.0;
    for (int k = 0; rc == 0 && k < n; k++)
      if (Ci[k * n + k] > max_diag)
        max_diag = Ci[k * n + k];
    if (rc != 0 || !(max_diag <= 1.0 / CI_MIN_PIVOT2)) {
      for (int k = 0; k < n; k++)
        C[k * n + k] += CI_LOAD;
      if (tw_spd_inv(Ci, C, n) != 0)
        return TW_ENOTPD;
      loaded++;
    }
    double tr = 0.0;
    for (int r = 0; r < n; r++) {
      tr += Pi[r * n + r];
      double sr = d[r] / sd[i][r];
      for (int c = 0; c < n; c++)
        Y[i][r * n + c] = Ci[r * n + c] * sr * (d[c] / sd[i][c]);
    }
    /* y_i = Y_i (x_i - x_0) / d: differences from the first source keep the precision that
     * ECEF coordinates of 6e6 m would lose in Y_i x_i */
    if (i == 0) {
      memset(yv[0], 0, sizeof yv[0]);
    } else {
      double dx[NX];
      for (int k = 0; k < n; k++)
        dx[k] = (xs[i * n + k] - xs[k]) / d[k];
      tw_mat_mul(yv[i], Y[i], dx, n, n, 1);
    }
    inv_tr[i] = 1.0 / tr;
    sum_inv_tr += inv_tr[i];
  }
  double om[MAXS];
  for (int i = 0; i < n_src; i++)
    om[i] = inv_tr[i] / sum_inv_tr;
  if (n_src == 2 && w != TW_CI_FAST) {
    om[0] = optimal_omega(Y[0], Y[1], d, n, w, om[0]);
    om[1] = 1.0 - om[0];
  }
  double Yf[NX2] = {0}, yf[NX] = {0}, Pf[NX2], dxf[NX];
  for (int i = 0; i < n_src; i++) {
    for (int k = 0; k < nn; k++)
      Yf[k] += om[i] * Y[i][k];
    for (int k = 0; k < n; k++)
      yf[k] += om[i] * yv[i][k];
  }
  if (tw_spd_inv(Pf, Yf, n) != 0)
    return TW_ENOTPD;
  tw_mat_mul(dxf, Pf, yf, n, n, 1);
  for (int k = 0; k < n; k++)
    x[k] = xs[k] + d[k] * dxf[k];
  for (int r = 0; r < n; r++)
    for (int c = 0; c < n; c++)
      P[r * n + c] = d[r] * Pf[r * n + c] * d[c];
  tw_mat_symmetrize(P, n); /* the products above round differently on each side */
  if (omega)
    memcpy(omega, om, (size_t)n_src * sizeof *omega);
  return loaded;
}

/* ---- the source map --------------------------------------------------------------------- */

static uint64_t orig_key(const char o[8])
{
  char b[8] = {0};
  for (int i = 0; i < 8 && o[i]; i++)
    b[i] = o[i];
  uint64_t k;
  memcpy(&k, b, sizeof k);
  return k;
}

static size_t map_home(const tw_fusion *f, uint64_t orig, uint32_t id)
{
  uint64_t z = orig ^ ((uint64_t)id * 0x9E3779B97F4A7C15ull); /* splitmix64 finaliser */
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (size_t)(z ^ (z >> 31)) & f->map_mask;
}

static map_entry *map_find(tw_fusion *f, uint64_t orig, uint32_t id)
{
  for (size_t i = map_home(f, orig, id);; i = (i + 1) & f->map_mask) {
    map_entry *e = &f->map[i];
    if (!e->gtn)
      return NULL;
    if (e->orig == orig && e->id == id)
      return e;
  }
}

/* Remove entry i; later entries of its probe chain move back into the hole. */
static void map_remove(tw_fusion *f, size_t i)
{
  size_t j = i;
  for (;;) {
    j = (j + 1) & f->map_mask;
    if (!f->map[j].gtn)
      break;
    size_t k = map_home(f, f->map[j].orig, f->map[j].id);
    /* j's entry may fill the hole at i unless its home lies cyclically in (i, j] */
    int stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      f->map[i] = f->map[j];
      i = j;
    }
  }
  memset(&f->map[i], 0, sizeof f->map[i]);
  f->map_used--;
}

static int slot_holds(const tw_fusion *f, int slot, uint32_t gtn)
{
  return slot >= 0 && slot < f->cap && f->pool[slot].pub.gtn == gtn;
}

/* Forget detached entries last seen before cutoff_s, and those whose GTN is gone. An entry
 * moved back into the current index by a removal is looked at again; one moved (across the
 * wrap) to an index already passed had been kept there already. */
static void map_sweep(tw_fusion *f, double cutoff_s)
{
  for (size_t i = 0; i <= f->map_mask;) {
    map_entry *e = &f->map[i];
    if (e->gtn && !e->attached && (e->last_s < cutoff_s || !slot_holds(f, e->slot, e->gtn)))
      map_remove(f, i);
    else
      i++;
  }
}

static map_entry *map_insert(tw_fusion *f, uint64_t orig, uint32_t id)
{
  if (f->map_used >= f->map_limit)
    map_sweep(f, f->now_s - f->cfg.memory_s);
  if (f->map_used >= f->map_limit)
    map_sweep(f, INFINITY);
  /* attached entries alone fill at most a quarter: there is room now */
  size_t i = map_home(f, orig, id);
  while (f->map[i].gtn)
    i = (i + 1) & f->map_mask;
  f->map_used++;
  map_entry *e = &f->map[i];
  e->orig = orig;
  e->id = id;
  return e;
}

/* ---- system tracks ---------------------------------------------------------------------- */

void tw_fusion_config_default(tw_fusion_config *c)
{
  memset(c, 0, sizeof *c);
  c->gate_chi2_p = 0.99999;
  c->source_timeout_s = 30.0;
  c->exclusive_s = 10.0;
  c->memory_s = 600.0;
  c->max_system_tracks = 2000;
  c->weights = TW_CI_OPT_TRACE;
}

tw_fusion *tw_fusion_new(const tw_fusion_config *c)
{
  tw_fusion_config def;
  if (!c) {
    tw_fusion_config_default(&def);
    c = &def;
  }
  if (!(c->gate_chi2_p > 0.0 && c->gate_chi2_p < 1.0) ||
      !(c->source_timeout_s > 0.0 && c->source_timeout_s <= TW_FUSION_MAX_AGE_S) ||
      !(c->exclusive_s >= 0.0 && c->exclusive_s <= TW_FUSION_MAX_AGE_S) ||
      !(c->memory_s > 0.0 && isfinite(c->memory_s)) || c->max_system_tracks < 1 ||
      c->max_system_tracks > 1000000 ||
      (c->weights != TW_CI_OPT_TRACE && c->weights != TW_CI_OPT_DET &&
       c->weights != TW_CI_FAST))
    return NULL;
  tw_fusion *f = calloc(1, sizeof *f);
  if (!f)
    goto err_self;
  f->cfg = *c;
  f->cap = c->max_system_tracks;
  f->gate = tw_chi2_quantile(c->gate_chi2_p, NK);
  f->next_gtn = 1;
  f->pool = calloc((size_t)f->cap, sizeof *f->pool);
  f->free_slot = malloc((size_t)f->cap * sizeof *f->free_slot);
  f->order = malloc((size_t)f->cap * sizeof *f->order);
  f->pend = malloc((size_t)f->cap * sizeof *f->pend);
  f->sorted = malloc((size_t)f->cap * sizeof *f->sorted);
  if (!f->pool || !f->free_slot || !f->order || !f->pend || !f->sorted)
    goto err_arrays;
  size_t msize = 1;
  while (msize < (size_t)f->cap * MAXS * 4)
    msize <<= 1;
  f->map = calloc(msize, sizeof *f->map);
  if (!f->map)
    goto err_arrays;
  f->map_mask = msize - 1;
  f->map_limit = msize / 4 * 3;
  for (int i = 0; i < f->cap; i++)
    f->free_slot[i] = f->cap - 1 - i; /* slot 0 first */
  f->n_free = f->cap;
  return f;
err_arrays:
  free(f->sorted);
  free(f->pend);
  free(f->order);
  free(f->free_slot);
  free(f->pool);
  free(f);
err_self:
  return NULL;
}

void tw_fusion_free(tw_fusion *f)
{
  if (!f)
    return;
  free(f->map);
  free(f->sorted);
  free(f->pend);
  free(f->order);
  free(f->free_slot);
  free(f->pool);
  free(f);
}

static enum tw_motion_model model_of(const double mu[3])
{
  enum tw_motion_model m = TW_MODEL_BALLISTIC; /* wins ties */
  if (mu[TW_MODEL_BOOST] > mu[m])
    m = TW_MODEL_BOOST;
  if (mu[TW_MODEL_REENTRY] > mu[m])
    m = TW_MODEL_REENTRY;
  return m;
}

static int find_source(const sys *s, uint64_t orig, uint32_t id)
{
  for (int k = 0; k < s->pub.n_sources; k++)
    if (s->pub.src[k].local_id == id && orig_key(s->pub.src[k].originator) == orig)
      return k;
  return -1;
}

/* Two sources of one originator, different tracks of it, both reporting within exclusive_s of
 * each other: that nation sees two objects. */
static int same_nation_conflict(const tw_fusion *f, const tw_fusion_source *a, uint64_t orig_b,
                                uint32_t id_b, double t_b)
{
  return orig_key(a->originator) == orig_b && a->local_id != id_b &&
         fabs(a->t_s - t_b) <= f->cfg.exclusive_s;
}

/* s holds another track of the newcomer's nation that is still reporting as of the newcomer's
 * time, or newer than it: the newcomer is another object (a nation's successor track, one that
 * starts after its predecessor fell silent for exclusive_s, may join). */
static int exclusive_conflict(const tw_fusion *f, const sys *s, const tw_fusion_input *in,
                              uint64_t orig)
{
  for (int k = 0; k < s->pub.n_sources; k++) {
    const tw_fusion_source *q = &s->pub.src[k];
    if (same_nation_conflict(f, q, orig, in->local_id, in->t_s) ||
        (orig_key(q->originator) == orig && q->local_id != in->local_id && q->t_s > in->t_s))
      return 1;
  }
  return 0;
}

/* Chi-square distance (NK dof) of two estimates of one time, or -1 if it cannot be had. */
static double kin_d2(const double *xa, const double *Pa, const double *xb, const double *Pb)
{
  double S[NK * NK], diff[NK], d2;
  for (int r = 0; r < NK; r++) {
    diff[r] = xa[r] - xb[r];
    for (int c = 0; c < NK; c++)
      S[r * NK + c] = Pa[r * NX + c] + Pb[r * NX + c];
  }
  if (tw_spd_mahalanobis2(&d2, S, diff, NK) != 0 || !isfinite(d2))
    return -1.0;
  return d2;
}

/* Inputs propagated (mean only) to the times of the system tracks: after a fuse they all share
 * one time, so one propagation serves every candidate. */
typedef struct prop_cache {
  int n;
  double t[N_PROP_CACHE];
  double x[N_PROP_CACHE][NX];
} prop_cache;

static const double *propagated(prop_cache *pc, const tw_fusion_input *in,
                                enum tw_motion_model m, double t)
{
  for (int i = 0; i < pc->n; i++)
    if (pc->t[i] == t)
      return pc->x[i];
  int i = pc->n < N_PROP_CACHE ? pc->n++ : N_PROP_CACHE - 1;
  pc->t[i] = t;
  memcpy(pc->x[i], in->x, sizeof pc->x[i]);
  tw__motion_predict_mean(pc->x[i], m, t - in->t_s);
  return pc->x[i];
}

/* Chi-square distance (NK dof) between the input and system track s at s's time; -1 when they
 * cannot be compared or are certainly further apart than the gate. The input's mean is
 * propagated by its model; its [r, v] covariance by constant velocity plus white acceleration
 * of that model over the gap (gravity's gradient over a few seconds is far below both). */
static double distance2(const tw_fusion *f, const sys *s, const tw_fusion_input *in,
                        enum tw_motion_model m, prop_cache *pc)
{
  double dt = s->pub.t_s - in->t_s, adt = fabs(dt);
  if (!(adt <= ASSOC_MAX_DT_S))
    return -1.0;
  const double *xp = propagated(pc, in, m, s->pub.t_s);
  const double *Ps = s->pub.P, *Pi = in->P;
  double q = g_noise[m].q_v;
  double diff[NK];
  for (int k = 0; k < NK; k++)
    diff[k] = xp[k] - s->pub.x[k];
  if (!all_finite(diff, NK))
    return -1.0;
  /* coarse: d2 >= |dr|^2 / lambda_max(S_rr) >= |dr|^2 / tr(S_rr) */
  double dr2 = diff[0] * diff[0] + diff[1] * diff[1] + diff[2] * diff[2], tr_rr = 0.0;
  for (int k = 0; k < 3; k++)
    tr_rr += Ps[k * NX + k] + Pi[k * NX + k] + 2.0 * dt * Pi[k * NX + 3 + k] +
             dt * dt * Pi[(3 + k) * NX + 3 + k] + q * adt * adt * adt / 3.0;
  if (dr2 > f->gate * tr_rr)
    return -1.0;
  /* S = F Pi F^T + Q + Ps on [r, v], F = [[I, dt I], [0, I]] */
  double S[NK * NK];
  for (int r = 0; r < NK; r++)
    for (int c = 0; c < NK; c++) {
      double v = Pi[r * NX + c];
      if (r < 3)
        v += dt * Pi[(r + 3) * NX + c];
      if (c < 3)
        v += dt * Pi[r * NX + c + 3];
      if (r < 3 && c < 3)
        v += dt * dt * Pi[(r + 3) * NX + c + 3];
      S[r * NK + c] = v + Ps[r * NX + c];
    }
  for (int k = 0; k < 3; k++) {
    S[k * NK + k] += q * adt * adt * adt / 3.0;
    S[k * NK + 3 + k] += q * adt * adt / 2.0;
    S[(3 + k) * NK + k] += q * adt * adt / 2.0;
    S[(3 + k) * NK + 3 + k] += q * adt;
  }
  double d2;
  if (tw_spd_mahalanobis2(&d2, S, diff, NK) != 0 || !isfinite(d2))
    return -1.0;
  return d2;
}

/* May the input join s: room, no other live source of its originator, inside the gate. */
static int joinable(const tw_fusion *f, const sys *s, const tw_fusion_input *in, uint64_t orig,
                    enum tw_motion_model m, prop_cache *pc, double *d2)
{
  if (s->pub.n_sources >= MAXS || exclusive_conflict(f, s, in, orig))
    return 0;
  *d2 = distance2(f, s, in, m, pc);
  return *d2 >= 0.0 && *d2 <= f->gate;
}

static void attach(tw_fusion *f, int slot, const tw_fusion_input *in, enum tw_motion_model m,
                   map_entry *e)
{
  sys *s = &f->pool[slot];
  int k = s->pub.n_sources++;
  tw_fusion_source *q = &s->pub.src[k];
  memset(q, 0, sizeof *q);
  for (int i = 0; i < 7 && in->originator[i]; i++)
    q->originator[i] = in->originator[i];
  q->local_id = in->local_id;
  q->t_s = in->t_s;
  q->omega = s->pub.n_sources == 1 ? 1.0 : 0.0;
  q->mu_boost = in->mu[TW_MODEL_BOOST];
  memcpy(s->est[k].x, in->x, sizeof s->est[k].x);
  memcpy(s->est[k].P, in->P, sizeof s->est[k].P);
  tw_mat_symmetrize(s->est[k].P, NX);
  s->est[k].model = m;
  s->est[k].miss = 0;
  e->gtn = s->pub.gtn;
  e->slot = slot;
  e->attached = 1;
  if (!(e->last_s >= in->t_s))
    e->last_s = in->t_s;
}

/* Put a source that is in no system track into one: its old GTN if it still fits there (and
 * that is not exclude_slot, the track it was just expelled from), else the system track that
 * fits best, else (if may_create) a new one whose estimate is the input's until the next
 * fuse. e is its map entry, or NULL for a source never seen (one is made). Returns the slot,
 * TW_ENOMEM (no room for a new system track) or TW_ENOENT (none fits, none may be made);
 * nothing changes on error. */
static int place(tw_fusion *f, const tw_fusion_input *in, map_entry *e, int exclude_slot,
                 int may_create)
{
  uint64_t orig = orig_key(in->originator);
  enum tw_motion_model m = model_of(in->mu);
  prop_cache pc = {0};
  double d2, best_d2 = INFINITY;
  int target = -1, back = 0;
  if (e && e->slot != exclude_slot && slot_holds(f, e->slot, e->gtn) &&
      joinable(f, &f->pool[e->slot], in, orig, m, &pc, &d2)) {
    target = e->slot;
    back = 1;
  }
  for (int i = 0; target < 0 && i < f->n_order; i++) {
    const sys *s = &f->pool[f->order[i]];
    if (f->order[i] != exclude_slot && joinable(f, s, in, orig, m, &pc, &d2) && d2 < best_d2) {
      best_d2 = d2;
      target = f->order[i];
    }
  }
  if (target < 0 && !may_create)
    return TW_ENOENT;
  if (target < 0 && (f->n_free == 0 || f->next_gtn == UINT32_MAX)) {
    f->st.capacity_full++;
    return TW_ENOMEM;
  }
  if (!e)
    e = map_insert(f, orig, in->local_id);
  if (target < 0) {
    target = f->free_slot[--f->n_free];
    sys *s = &f->pool[target];
    memset(s, 0, sizeof *s);
    s->pub.gtn = f->next_gtn++;
    f->order[f->n_order++] = target; /* GTNs only grow: the order stays sorted */
    f->st.system_created++;
    s->pub.t_s = s->pub.t_created_s = in->t_s;
    memcpy(s->pub.x, in->x, sizeof s->pub.x);
    memcpy(s->pub.P, in->P, sizeof s->pub.P);
    tw_mat_symmetrize(s->pub.P, NX);
  }
  attach(f, target, in, m, e);
  if (back)
    f->st.reidentified++;
  return target;
}

static void log_reject(tw_fusion *f, const tw_fusion_input *in, int reason)
{
  size_t n = f->st.rejected;
  if (!f->cfg.log || (n > LOG_FIRST && (n - LOG_FIRST) % LOG_EVERY != 0))
    return;
  char orig[8];
  int i = 0;
  for (; i < 7 && in->originator[i]; i++) {
    char c = in->originator[i];
    orig[i] = ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '?';
  }
  orig[i] = '\0';
  char line[320];
  snprintf(line, sizeof line, "fusion: rejected %s/%lu at t=%.3f s (%zu rejected so far): %s",
           orig, (unsigned long)in->local_id, in->t_s, n, g_reject_msg[reason]);
  f->cfg.log(f->cfg.log_ctx, line);
}

int tw_fusion_update(tw_fusion *f, const tw_fusion_input *in, double now_s, uint32_t *gtn)
{
  if (gtn)
    *gtn = 0;
  if (!f || !in || !isfinite(now_s))
    return TW_EINVAL;
  int reason = check(in, now_s);
  if (reason >= 0) {
    f->st.rejected++;
    f->st.reject[reason]++;
    log_reject(f, in, reason);
    return reject_code(reason);
  }
  f->st.accepted++;
  if (now_s > f->now_s)
    f->now_s = now_s;
  uint64_t orig = orig_key(in->originator);
  map_entry *e = map_find(f, orig, in->local_id);

  if (e && e->attached) { /* a known source: it stays */
    sys *s = &f->pool[e->slot];
    int k = find_source(s, orig, in->local_id);
    if (k < 0) /* NEVER: attached entries are in their track's list */
      return TW_EINVAL;
    if (gtn)
      *gtn = e->gtn;
    if (in->t_s < s->pub.src[k].t_s) {
      f->st.out_of_order++;
      return 0;
    }
    s->pub.src[k].t_s = in->t_s;
    memcpy(s->est[k].x, in->x, sizeof s->est[k].x);
    memcpy(s->est[k].P, in->P, sizeof s->est[k].P);
    tw_mat_symmetrize(s->est[k].P, NX);
    s->est[k].model = model_of(in->mu);
    s->pub.src[k].mu_boost = in->mu[TW_MODEL_BOOST];
    if (in->t_s > e->last_s)
      e->last_s = in->t_s;
    return 0;
  }
  /* an estimate the next fuse would drop at once must not start or revive anything */
  if (in->t_s < now_s - f->cfg.source_timeout_s) {
    f->st.stale++;
    return 0;
  }
  int slot = place(f, in, e, -1, 1);
  if (slot < 0)
    return slot;
  if (gtn)
    *gtn = f->pool[slot].pub.gtn;
  return 0;
}

/* Remove source k from s; its map entry is detached and remembers the GTN. */
static void remove_source(tw_fusion *f, sys *s, int k)
{
  map_entry *e = map_find(f, orig_key(s->pub.src[k].originator), s->pub.src[k].local_id);
  if (e)
    e->attached = 0;
  int n = --s->pub.n_sources;
  for (int j = k; j < n; j++) {
    s->pub.src[j] = s->pub.src[j + 1];
    s->est[j] = s->est[j + 1];
  }
}

/* Decorrelation: the anchor is the source that agrees (inside the gate) with most others, the
 * earliest joined on a tie; a source outside the anchor's gate DECORR_ROUNDS rounds in a row
 * is marked to be expelled. xs, Ps: the n propagated estimates; idx: their sources. */
static void decorrelate(tw_fusion *f, sys *s, const double *xs, const double *Ps,
                        const int *idx, int n, int *expel)
{
  unsigned char ok[MAXS][MAXS] = {{0}};
  int agree[MAXS] = {0}, anchor = 0, n_expel = 0;
  for (int a = 0; a < n; a++)
    for (int b = a + 1; b < n; b++) {
      double d2 = kin_d2(xs + a * NX, Ps + a * NX2, xs + b * NX, Ps + b * NX2);
      ok[a][b] = ok[b][a] = d2 >= 0.0 && d2 <= f->gate;
      agree[a] += ok[a][b];
      agree[b] += ok[a][b];
    }
  for (int a = 1; a < n; a++)
    if (agree[a] > agree[anchor])
      anchor = a;
  for (int j = 0; j < n; j++) {
    src_est *e = &s->est[idx[j]];
    if (j == anchor || ok[j][anchor]) {
      e->miss = 0;
      continue;
    }
    if (++e->miss >= DECORR_ROUNDS && f->n_pend + n_expel < f->cap) {
      expel[j] = 1;
      n_expel++;
    }
  }
}

/* Fuse the sources of s at t_s; with decor, count the round for decorrelation too (expelled
 * sources leave s for f->pend). */
static void fuse_one(tw_fusion *f, sys *s, double t_s, int decor)
{
  double xs[MAXS * NX], Ps[MAXS * NX2], om[MAXS];
  int idx[MAXS], expel[MAXS] = {0}, gone[MAXS] = {0}, n = 0;
  for (int k = 0; k < s->pub.n_sources; k++) {
    s->pub.src[k].omega = 0.0;
    double dt = t_s - s->pub.src[k].t_s;
    if (dt < -TW_FUSION_MAX_AHEAD_S)
      continue;
    double *x = xs + n * NX, *P = Ps + n * NX2;
    memcpy(x, s->est[k].x, sizeof s->est[k].x);
    memcpy(P, s->est[k].P, sizeof s->est[k].P);
    enum tw_motion_model m = s->est[k].model;
    tw__motion_predict(x, P, m, &g_noise[m], dt);
    if (!all_finite(x, NX) || !all_finite(P, NX2))
      continue;
    tw_mat_symmetrize(P, NX);
    idx[n++] = k;
  }
  if (decor && n >= 2) {
    decorrelate(f, s, xs, Ps, idx, n, expel);
    int kept = 0; /* the anchor is never expelled: kept >= 1 */
    for (int j = 0; j < n; j++) {
      if (expel[j]) {
        gone[idx[j]] = 1;
        continue;
      }
      if (kept != j) {
        memcpy(xs + kept * NX, xs + j * NX, NX * sizeof *xs);
        memcpy(Ps + kept * NX2, Ps + j * NX2, NX2 * sizeof *Ps);
      }
      idx[kept++] = idx[j];
    }
    n = kept;
  }
  double x[NX], P[NX2];
  int rc = n ? tw_fusion_ci(x, P, om, xs, Ps, n, NX, f->cfg.weights) : TW_ENOTPD;
  if (rc < 0 || !all_finite(x, NX) || !all_finite(P, NX2)) {
    f->st.fuse_failed++;
  } else {
    f->st.conditioned += (size_t)rc;
    for (int i = 0; i < n; i++)
      s->pub.src[idx[i]].omega = om[i];
    memcpy(s->pub.x, x, sizeof x);
    memcpy(s->pub.P, P, sizeof P);
    s->pub.t_s = t_s;
  }
  for (int k = s->pub.n_sources - 1; k >= 0; k--) {
    if (!gone[k])
      continue;
    tw_fusion_input *p = &f->pend[f->n_pend++];
    memset(p, 0, sizeof *p);
    memcpy(p->originator, s->pub.src[k].originator, sizeof p->originator);
    p->local_id = s->pub.src[k].local_id;
    p->t_s = s->pub.src[k].t_s;
    memcpy(p->x, s->est[k].x, sizeof p->x);
    memcpy(p->P, s->est[k].P, sizeof p->P);
    p->mu[s->est[k].model] = 1.0;
    remove_source(f, s, k);
    f->st.decorrelated++;
  }
}

/* Two system tracks may be one: room for both, and no nation with a track in each. */
static int mergeable(const tw_fusion *f, const sys *a, const sys *b)
{
  if (a->pub.n_sources + b->pub.n_sources > MAXS)
    return 0;
  for (int i = 0; i < a->pub.n_sources; i++)
    for (int j = 0; j < b->pub.n_sources; j++)
      if (same_nation_conflict(f, &a->pub.src[i], orig_key(b->pub.src[j].originator),
                               b->pub.src[j].local_id, b->pub.src[j].t_s))
        return 0;
  return 1;
}

static int cmp_key(const void *pa, const void *pb)
{
  const sort_key *a = pa, *b = pb;
  return (a->x0 > b->x0) - (a->x0 < b->x0);
}

static int slot_of(const tw_fusion *f, uint32_t gtn)
{
  int lo = 0, hi = f->n_order - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    uint32_t g = f->pool[f->order[mid]].pub.gtn;
    if (g == gtn)
      return f->order[mid];
    if (g < gtn)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

/* Correlation: system tracks fused at t_s whose estimates agree, MERGE_ROUNDS rounds in a row,
 * become one: the higher GTN's sources move to the lower, and the higher GTN is retired. Pairs
 * are found by sorting on ECEF x and sweeping: d2 >= dx^2 / (P_a,xx + P_b,xx). */
static void correlate(tw_fusion *f, double t_s)
{
  int n = 0;
  double max_pxx = 0.0;
  for (int i = 0; i < f->n_order; i++) {
    sys *s = &f->pool[f->order[i]];
    s->cand_gtn = 0;
    s->cand_d2 = INFINITY;
    if (s->pub.t_s != t_s)
      continue;
    f->sorted[n].x0 = s->pub.x[0];
    f->sorted[n++].slot = f->order[i];
    if (s->pub.P[0] > max_pxx)
      max_pxx = s->pub.P[0];
  }
  qsort(f->sorted, (size_t)n, sizeof *f->sorted, cmp_key);
  for (int i = 0; i < n; i++) {
    sys *a = &f->pool[f->sorted[i].slot];
    double reach2 = f->gate * (a->pub.P[0] + max_pxx);
    for (int j = i + 1; j < n; j++) {
      double dx = f->sorted[j].x0 - f->sorted[i].x0;
      if (dx * dx > reach2)
        break;
      sys *b = &f->pool[f->sorted[j].slot];
      if (!mergeable(f, a, b))
        continue;
      double d2 = kin_d2(a->pub.x, a->pub.P, b->pub.x, b->pub.P);
      if (d2 < 0.0 || d2 > f->gate)
        continue;
      sys *hi = a->pub.gtn > b->pub.gtn ? a : b, *lo = hi == a ? b : a;
      if (d2 < hi->cand_d2) {
        hi->cand_d2 = d2;
        hi->cand_gtn = lo->pub.gtn;
      }
    }
  }
  int merged = 0;
  for (int i = f->n_order - 1; i >= 0; i--) { /* highest GTN first: chains fold downwards */
    sys *h = &f->pool[f->order[i]];
    if (!h->pub.gtn)
      continue;
    if (!h->cand_gtn) {
      h->merge_gtn = 0;
      h->merge_count = 0;
      continue;
    }
    h->merge_count = h->cand_gtn == h->merge_gtn ? h->merge_count + 1 : 1;
    h->merge_gtn = h->cand_gtn;
    /* the lower GTN sits below i, where nothing has been retired yet this round */
    int ls = -1;
    for (int lo = 0, hi = i - 1; lo <= hi && ls < 0;) {
      int mid = lo + (hi - lo) / 2;
      uint32_t g = f->pool[f->order[mid]].pub.gtn;
      if (g == h->merge_gtn)
        ls = f->order[mid];
      else if (g < h->merge_gtn)
        lo = mid + 1;
      else
        hi = mid - 1;
    }
    if (h->merge_count < MERGE_ROUNDS || ls < 0 || !mergeable(f, &f->pool[ls], h))
      continue;
    sys *l = &f->pool[ls];
    for (int k = 0; k < h->pub.n_sources; k++) {
      int j = l->pub.n_sources++;
      l->pub.src[j] = h->pub.src[k];
      l->est[j] = h->est[k];
      l->est[j].miss = 0;
      map_entry *e = map_find(f, orig_key(h->pub.src[k].originator), h->pub.src[k].local_id);
      if (e) {
        e->gtn = l->pub.gtn;
        e->slot = ls;
      }
    }
    h->pub.gtn = 0;
    f->free_slot[f->n_free++] = f->order[i];
    f->st.merged++;
    merged = 1;
    fuse_one(f, l, t_s, 0);
  }
  if (merged) {
    int kept = 0;
    for (int i = 0; i < f->n_order; i++)
      if (f->pool[f->order[i]].pub.gtn)
        f->order[kept++] = f->order[i];
    f->n_order = kept;
  }
}

int tw_fusion_fuse(tw_fusion *f, double t_s)
{
  if (!f || !isfinite(t_s))
    return TW_EINVAL;
  int kept = 0;
  f->n_pend = 0;
  for (int i = 0; i < f->n_order; i++) {
    int slot = f->order[i];
    sys *s = &f->pool[slot];
    for (int k = s->pub.n_sources - 1; k >= 0; k--)
      if (s->pub.src[k].t_s < t_s - f->cfg.source_timeout_s) {
        remove_source(f, s, k);
        f->st.sources_dropped++;
      }
    if (s->pub.n_sources == 0) {
      s->pub.gtn = 0; /* the GTN is retired: next_gtn never comes back to it */
      f->free_slot[f->n_free++] = slot;
      f->st.system_deleted++;
      continue;
    }
    fuse_one(f, s, t_s, 1);
    f->order[kept++] = slot;
  }
  f->n_order = kept;
  correlate(f, t_s);
  /* expelled sources find their object's track, or start one if they still report */
  for (int i = 0; i < f->n_pend; i++) {
    const tw_fusion_input *p = &f->pend[i];
    map_entry *e = map_find(f, orig_key(p->originator), p->local_id);
    int old = e ? e->slot : -1;
    if (place(f, p, e, old, p->t_s >= t_s - f->cfg.exclusive_s) < 0)
      f->st.sources_dropped++;
  }
  f->n_pend = 0;
  /* the sweep walks the whole map (its capacity, not the tracks): at most once a second, and
   * map_insert sweeps anyway when the map fills */
  if (t_s - f->last_sweep_s >= 1.0 || t_s < f->last_sweep_s) {
    map_sweep(f, t_s - f->cfg.memory_s);
    f->last_sweep_s = t_s;
  }
  return f->n_order;
}

int tw_fusion_count(const tw_fusion *f) { return f ? f->n_order : 0; }

const tw_system_track *tw_fusion_get(const tw_fusion *f, int i)
{
  if (!f || i < 0 || i >= f->n_order)
    return NULL;
  return &f->pool[f->order[i]].pub;
}

const tw_system_track *tw_fusion_find(const tw_fusion *f, uint32_t gtn)
{
  int slot = f && gtn ? slot_of(f, gtn) : -1;
  return slot >= 0 ? &f->pool[slot].pub : NULL;
}

void tw_fusion_get_stats(const tw_fusion *f, tw_fusion_stats *s)
{
  if (f && s)
    *s = f->st;
}
