/* triwatch/assign.h - global assignment: the minimum-cost matching of rows (tracks) to columns
 * (measurements) in which any row may stay unassigned at a fixed cost.
 *
 * The problem. Given an n_rows x n_cols cost matrix (row-major, entry (i, j) at
 * cost[i * n_cols + j]), give every row either one column or "miss", no column to two rows, so that
 * the sum of the chosen entries plus miss_cost per missed row is least. A column nobody takes
 * costs nothing. An entry that is NaN, infinite or >= TW_ASSIGN_FORBIDDEN is outside the gate and
 * is never chosen; so is any entry above miss_cost, since missing the row is cheaper. Entries may
 * be negative. A cost f for each column left over (a false alarm, a new track) is expressed by
 * subtracting f from that column's entries: the optimum is the same and the total is lower by
 * n_cols * f.
 *
 * The method is Jonker and Volgenant's (1987): augmenting row reduction, then one shortest
 * augmenting path (Dijkstra on reduced costs) per row still free, here over a rectangular problem
 * in which each row's "miss" is a private extra column that is never stored. Time is
 * O(n_rows^2 * n_cols) at worst and much less on gated or random problems (1000 x 1000 dense in
 * tens of milliseconds when optimised). Memory is the caller's workspace only, a few words per row
 * and column: about 28 n_cols + 8 n_rows bytes (tw_assign_workspace). Nothing is allocated.
 *
 * Results are exact for integer-valued costs. With real costs a sum that ties the optimum within
 * rounding may be returned instead of it; keep miss_cost within a few orders of magnitude of the
 * gated costs, since the solver's duals mix the two. */
#ifndef TRIWATCH_ASSIGN_H
#define TRIWATCH_ASSIGN_H

#include <stddef.h>

#include "triwatch/visibility.h"

/* Entries at or above this are outside the gate (as are NaN and infinities). */
#define TW_ASSIGN_FORBIDDEN 1e30

/* Bytes of workspace tw_assign needs for n_rows x n_cols, including slack for alignment (any
 * pointer will do as work). 0 if either size is negative or the size does not fit in size_t. */
TW_API size_t tw_assign_workspace(int n_rows, int n_cols);

/* Solve the problem above. row_to_col (n_rows ints) receives each row's column or -1 for a miss;
 * *total (total may be NULL) the sum of the chosen entries plus miss_cost per miss, summed in
 * row order. cost may be NULL when n_rows * n_cols is 0, row_to_col when n_rows is 0. work is
 * scratch of work_size bytes, at least tw_assign_workspace(n_rows, n_cols), owned by the caller
 * and clobbered; its contents on return mean nothing. Ties between optimal matchings are broken
 * deterministically (a miss wins a tie with an entry equal to miss_cost).
 * Returns 0, or TW_EINVAL for a negative size, a NULL that is not allowed, a workspace too small,
 * or miss_cost negative, NaN or infinite; the outputs are then unchanged. It cannot otherwise fail:
 * missing every row is always possible. */
TW_API int tw_assign(const double *cost, int n_rows, int n_cols, double miss_cost,
                     int *row_to_col, double *total, void *work, size_t work_size);

#endif
