/* bench_linalg.c - 6x6 Cholesky and SPD inverse throughput of triwatch/linalg.h against LAPACKE on
 * the same matrices in the same run.
 *
 * The estimator factors 6x6 covariances, so that is the size measured. Every call, ours and
 * LAPACKE's, starts by copying a fresh matrix into a work buffer: LAPACK factors in place, and
 * copying for both keeps the work identical. Each figure is the best of 5 timed runs, since the
 * machines are shared and the best run is the one least disturbed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lapacke.h>

#include "benchutil.h"
#include "triwatch/linalg.h"

#define N 6
#define NMAT 256 /* cycled through; 72 KiB, so they stay in cache as they would in a filter */
#define REPEATS 5
#define RUN_S 0.12 /* per timed run: 6 kernels x (sizing + 5 runs) is about 4 s */

static double g_a[NMAT][N * N];

static uint64_t g_rng = 0x2545f4914f6cdd1du;

static double rng_uniform(void) /* [-1, 1), splitmix64 */
{
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

/* A = B B^T + N I: a covariance-like SPD matrix with modest condition number. */
static void make_matrices(void)
{
  for (int m = 0; m < NMAT; m++) {
    double b[N * N];
    for (int i = 0; i < N * N; i++)
      b[i] = rng_uniform();
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double s = i == j ? N : 0.0;
        for (int k = 0; k < N; k++)
          s += b[i * N + k] * b[j * N + k];
        g_a[m][i * N + j] = s;
      }
  }
}

enum kernel {
  K_TW_CHOL,
  K_LAPACKE_POTRF_ROW,
  K_LAPACKE_POTRF_COL,
  K_TW_SPD_INV,
  K_LAPACKE_POTRI_ROW,
  K_LAPACKE_POTRI_COL,
};

/* One timed run of `calls` operations; a switch outside the loop rather than a function pointer
 * inside it, so no indirect call is timed. A symmetric matrix stored row-major is its own
 * column-major image, and LAPACK's column-major upper factor U = L^T lands exactly where the
 * row-major lower L goes: the _COL kernels do the same job without LAPACKE's layout transposes. */
static double run(enum kernel k, long calls)
{
  double w[N * N], acc = 0.0;
  int bad = 0;
  double t0 = bench_now();
  switch (k) {
  case K_TW_CHOL:
    for (long c = 0; c < calls; c++) {
      memcpy(w, g_a[c % NMAT], sizeof w);
      bad |= tw_chol(w, w, N);
      acc += w[N * N - 1];
    }
    break;
  case K_LAPACKE_POTRF_ROW:
    for (long c = 0; c < calls; c++) {
      memcpy(w, g_a[c % NMAT], sizeof w);
      bad |= LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', N, w, N);
      acc += w[N * N - 1];
    }
    break;
  case K_LAPACKE_POTRF_COL:
    for (long c = 0; c < calls; c++) {
      memcpy(w, g_a[c % NMAT], sizeof w);
      bad |= LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', N, w, N);
      acc += w[N * N - 1];
    }
    break;
  case K_TW_SPD_INV:
    for (long c = 0; c < calls; c++) {
      memcpy(w, g_a[c % NMAT], sizeof w);
      bad |= tw_spd_inv(w, w, N);
      acc += w[N * N - 1];
    }
    break;
  case K_LAPACKE_POTRI_ROW:
    for (long c = 0; c < calls; c++) {
      memcpy(w, g_a[c % NMAT], sizeof w);
      bad |= LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', N, w, N);
      bad |= LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', N, w, N);
      acc += w[N * N - 1];
    }
    break;
  case K_LAPACKE_POTRI_COL:
    for (long c = 0; c < calls; c++) {
      memcpy(w, g_a[c % NMAT], sizeof w);
      bad |= LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', N, w, N);
      bad |= LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', N, w, N);
      acc += w[N * N - 1];
    }
    break;
  }
  double dt = bench_now() - t0;
  bench_sink(acc);
  if (bad) {
    fprintf(stderr, "bench_linalg: kernel %d failed on an SPD matrix\n", (int)k);
    return -1.0;
  }
  return dt;
}

/* Operations per second: size a run to about RUN_S, then keep the best of REPEATS. */
static double best_rate(enum kernel k)
{
  long calls = 1000;
  double dt;
  while ((dt = run(k, calls)) >= 0.0 && dt < 0.02)
    calls *= 4;
  if (dt < 0.0)
    return NAN;
  calls = (long)((double)calls * (RUN_S / dt)) + 1;
  double best = 0.0;
  for (int r = 0; r < REPEATS; r++) {
    dt = run(k, calls);
    if (dt <= 0.0)
      return NAN;
    best = fmax(best, (double)calls / dt);
  }
  return best;
}

/* Largest difference between our results and LAPACKE's over every matrix, relative to the
 * largest entry; only the lower triangle, the part LAPACKE writes. */
static void check_agreement(double *chol_diff, double *inv_diff)
{
  *chol_diff = *inv_diff = 0.0;
  for (int m = 0; m < NMAT; m++) {
    double ours[N * N], ref[N * N], ours_inv[N * N], ref_inv[N * N];
    memcpy(ref, g_a[m], sizeof ref);
    memcpy(ref_inv, g_a[m], sizeof ref_inv);
    if (tw_chol(ours, g_a[m], N) || tw_spd_inv(ours_inv, g_a[m], N) ||
        LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', N, ref, N) ||
        LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', N, ref_inv, N) ||
        LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', N, ref_inv, N)) {
      *chol_diff = *inv_diff = NAN;
      return;
    }
    double lmax = 0.0, imax = 0.0, ld = 0.0, id = 0.0;
    for (int i = 0; i < N; i++)
      for (int j = 0; j <= i; j++) {
        lmax = fmax(lmax, fabs(ref[i * N + j]));
        imax = fmax(imax, fabs(ref_inv[i * N + j]));
        ld = fmax(ld, fabs(ours[i * N + j] - ref[i * N + j]));
        id = fmax(id, fabs(ours_inv[i * N + j] - ref_inv[i * N + j]));
      }
    *chol_diff = fmax(*chol_diff, ld / lmax);
    *inv_diff = fmax(*inv_diff, id / imax);
  }
}

static void row(const char *what, double ours, double peer)
{
  printf("%-40s %14.3e %14.3e %8.2f\n", what, ours, peer, ours / peer);
}

int main(void)
{
  make_matrices();

  double chol_diff, inv_diff;
  check_agreement(&chol_diff, &inv_diff);
  printf("%dx%d SPD (B B^T + %d I), %d matrices cycled; each call copies its matrix first.\n", N,
         N, N, NMAT);
  printf("Agreement with LAPACKE (max |ours - theirs| / max |theirs|): chol %.2e, spd_inv %.2e\n",
         chol_diff, inv_diff);

  double tw_chol_rate = best_rate(K_TW_CHOL);
  double potrf_row = best_rate(K_LAPACKE_POTRF_ROW);
  double potrf_col = best_rate(K_LAPACKE_POTRF_COL);
  double tw_inv_rate = best_rate(K_TW_SPD_INV);
  double potri_row = best_rate(K_LAPACKE_POTRI_ROW);
  double potri_col = best_rate(K_LAPACKE_POTRI_COL);

  printf("\n%-40s %14s %14s %8s\n", "operation (best of 5, per second)", "triwatch", "LAPACKE",
         "ratio");
  row("tw_chol vs dpotrf (row-major 'L')", tw_chol_rate, potrf_row);
  row("tw_chol vs dpotrf (col-major 'U')", tw_chol_rate, potrf_col);
  row("tw_spd_inv vs dpotrf+dpotri (row-major)", tw_inv_rate, potri_row);
  row("tw_spd_inv vs dpotrf+dpotri (col-major)", tw_inv_rate, potri_col);
  printf("\ncol-major 'U' on the row-major array is the same factorization without LAPACKE's\n"
         "row-major transposition (a malloc, two copies and a free per call).\n"
         "dpotri fills one triangle; tw_spd_inv fills both.\n");
  printf("peak RSS %ld KiB\n", bench_peak_rss_kib());
  return 0;
}
