#!/usr/bin/env bash
# traj.sh TRIWATCH - the `triwatch traj` contract: JSON keys, readable timeline, and bad arguments
# answered by one line naming the argument, exit code 2, never a crash.
set -u
tw=$1
fails=0; passes=0
ok()   { passes=$((passes + 1)); }
bad()  { echo "FAIL: $*"; fails=$((fails + 1)); }

# JSON with the contract's keys, and achieved values near those asked
out=$("$tw" traj --site 40.6112,126.4257 --bearing 80 --apogee 970 --range 4500 --class IRBM --json)
rc=$?
[[ $rc -eq 0 ]] && ok || bad "json run exited $rc"
for k in flight_time_s burnout_time_s apogee_km range_km impact_lat impact_lon max_speed_mps; do
  grep -q "\"$k\":" <<<"$out" && ok || bad "json lacks $k: $out"
done
apo=$(grep -o '"apogee_km":[0-9.e+-]*' <<<"$out" | cut -d: -f2)
awk -v a="$apo" 'BEGIN { exit !(a > 960 && a < 980) }' && ok || bad "apogee_km $apo not ~970"
[[ $(wc -l <<<"$out") -eq 1 ]] && ok || bad "json is not one line"

# class defaults when omitted; the readable timeline names its events
out=$("$tw" traj --site 39.2,125.67 --bearing 62 --apogee 100 --range 350)
[[ $? -eq 0 ]] && ok || bad "timeline run failed"
for w in launch burnout apogee impact SRBM; do
  grep -q "$w" <<<"$out" && ok || bad "timeline lacks '$w'"
done

# bad input: exit 2, one line, naming the argument
expect_usage() { # WORD ARGS...
  local word=$1; shift
  local err rc
  err=$("$tw" traj "$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc -ne 2 ]]; then bad "traj $* exited $rc (want 2): $err"; return; fi
  [[ $(wc -l <<<"$err") -eq 1 ]] || { bad "traj $*: message is not one line: $err"; return; }
  grep -q -- "$word" <<<"$err" && ok || bad "traj $*: message does not name '$word': $err"
}
base=(--bearing 80 --apogee 970 --range 4500)
expect_usage --site  --site 123,126 "${base[@]}"
expect_usage --site  --site 40.6 "${base[@]}"
expect_usage --site  --site abc,def "${base[@]}"
expect_usage --site  --bearing 80 --apogee 970 --range 4500
expect_usage --bearing --site 40,126 --bearing north --apogee 970 --range 4500
expect_usage --bearing --site 40,126 --bearing 400 --apogee 970 --range 4500
expect_usage --apogee --site 40,126 --bearing 80 --apogee -5 --range 4500
expect_usage --apogee --site 40,126 --bearing 80 --apogee nan --range 4500
expect_usage --range --site 40,126 --bearing 80 --apogee 970 --range -1
expect_usage --range --site 40,126 --bearing 80 --apogee 970 --range 1e999
expect_usage --class --site 40,126 "${base[@]}" --class XYZ
expect_usage --wat   --site 40,126 "${base[@]}" --wat 1
expect_usage --range --site 40,126 --bearing 80 --apogee 970 --range
# unreachable: says why
expect_usage SRBM  --site 40,126 --bearing 80 --apogee 3000 --range 500 --class SRBM

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
