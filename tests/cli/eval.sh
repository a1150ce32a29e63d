#!/usr/bin/env bash
# eval.sh TRIWATCH - the `triwatch eval` contract: one JSON object with the documented keys,
# --compare prints what sharing gains, bad arguments exit 2 with one line.
set -u
tw=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
scn=$here/data/scenarios/two-together-one-site.yaml
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$("$tw" eval "$scn" --nation ALL --seed 16 --json); rc=$?
[[ $rc -eq 0 ]] && ok || bad "eval --json exited $rc"
[[ $(wc -l <<<"$out") -eq 1 ]] && ok || bad "eval --json is not one line"
for k in '"scenario":' '"nation":"ALL"' '"launches":' '"id":"M1"' '"first_detection_s":' \
         '"first_track_s":' '"ipp":' '"t_s":' '"error_km":' '"ellipse95_major_km":' \
         '"ellipse95_minor_km":' '"truth_inside_95":' '"impact_time_error_s":' \
         '"lpe_error_km":' '"gospa_mean":' '"nees_mean":' '"rmse_pos_m":' '"pcrlb_pos_m":'; do
  grep -q "$k" <<<"$out" && ok || bad "eval --json lacks $k"
done
for n in USA JPN KOR; do
  "$tw" eval "$scn" --nation $n --json >/dev/null 2>&1 && ok || bad "--nation $n failed"
done
out=$("$tw" eval "$scn" --compare JPN); rc=$?
[[ $rc -eq 0 ]] && grep -q "What sharing gains JPN" <<<"$out" && grep -q "first track" <<<"$out" \
  && ok || bad "--compare JPN: rc $rc"

expect_usage() { # WORD ARGS...
  local word=$1; shift
  local err rc
  err=$("$tw" eval "$@" 2>&1 >/dev/null); rc=$?
  [[ $rc -eq 2 && $(wc -l <<<"$err") -eq 1 ]] && grep -q -- "$word" <<<"$err" && ok \
    || bad "eval $*: rc $rc, message '$err' (want 2, one line naming '$word')"
}
expect_usage XYZ "$scn" --nation XYZ
expect_usage --nation "$scn" --nation
expect_usage --seed "$scn" --seed abc
expect_usage SCENARIO
expect_usage nonexistent /nonexistent.yaml
expect_usage lat-123 "$here/tests/data/scenarios-bad/lat-123.yaml"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
