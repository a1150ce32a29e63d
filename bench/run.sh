#!/usr/bin/env bash
# run.sh BUILD_DIR - run every benchmark built in BUILD_DIR/bench, in name order.
set -euo pipefail
dir=${1:-build-bench}
shopt -s nullglob
benches=("$dir"/bench/bench_*)
((${#benches[@]})) || { echo "run.sh: no benchmarks in $dir/bench (configure with -DTW_BENCH=ON)" >&2; exit 1; }
echo "triwatch benchmarks - $(date -u +%FT%TZ) - $(nproc) cores - $(uname -m)"
echo "Figures are ratios to a peer measured in the same run; absolute times drift on shared machines."
for b in "${benches[@]}"; do
  [[ -x $b ]] || continue
  echo
  echo "== $(basename "$b")"
  "$b"
done
