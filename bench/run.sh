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

# the alert policy's lead time against false warnings over the scenario library (docs/warnings.md)
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ -x $dir/triwatch ]] && command -v jq >/dev/null; then
  echo
  echo "== policy_tradeoff"
  "$here/bench/policy_tradeoff.sh" "$dir/triwatch"
fi
# the web picture's frame time with 1,000 tracks at 1 Hz in headless Chromium (docs/web-page.md)
if command -v node >/dev/null && [[ -x /usr/bin/chromium && -d $here/web/node_modules/playwright-core ]]; then
  echo
  echo "== web_frames"
  WEB_LOAD=$dir/tests/web_load node "$here/bench/web_frames.mjs" --seconds 20 || echo "web_frames failed"
fi
