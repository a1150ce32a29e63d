#!/usr/bin/env bash
# hostile.sh TRIWATCH - an authenticated but hostile partner: the KOR identity of the PKI writes
# malformed local tracks onto the bus with raw DDS calls (a NaN state, a covariance that is not
# positive definite, a time 1,000 s ahead, 1,000 km/s, a negative kappa) beside one honest track.
# The USA node must reject each (counted, logged, recorded with its reason) and fuse only the
# honest one; its picture never holds the hostile tracks.
set -u
tw=$1
bin=$(dirname "$tw")
here=$(cd "$(dirname "$0")/../.." && pwd)
hostile=${TW_HOSTILE:-$bin/tests/hostile_partner}
[[ -x $hostile ]] || { echo "hostile_partner tool not built ($hostile)"; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$tw" pki init --partners USA,JPN,KOR --hub USA --domain 45 --out "$tmp/pki" >/dev/null || { echo "pki init failed"; exit 1; }
cat > "$tmp/usa.yaml" <<CFG
nation: USA
domain: 45
group: [USA, JPN, KOR]
topology: hub
hub: USA
keys: $tmp/pki
data: $tmp
sensors:
  source: simulate
  scenario: $here/data/scenarios/hwasong12-2022-10-04.yaml
  speed: 20
CFG
epoch=$(( $(date -u -d 2022-10-03T22:22:00Z +%s) * 1000000000 ))
start=$(( $(date +%s%N) + 4000000000 ))
"$bin/triwatchd" --config "$tmp/usa.yaml" --start-at $start --duration 200 >"$tmp/usa.out" 2>"$tmp/usa.err" &
"$hostile" "$tmp/pki" 45 $epoch $start 20 190 >"$tmp/hostile.out" 2>&1 &
wait

grep -q "wrote [1-9]" "$tmp/hostile.out" && ok || bad "the hostile partner wrote nothing: $(cat "$tmp/hostile.out")"
down=$(grep "node down" "$tmp/usa.out")
[[ -n $down ]] && ok || bad "USA did not run to the end: $(tail -3 "$tmp/usa.err")"
nval=$(sed 's/.* \([0-9]*\) rejected by validation.*/\1/' <<<"$down")
nbus=$(sed 's/.* \([0-9]*\) rejected by the bus.*/\1/' <<<"$down")
echo "USA: $nval rejected by validation, $nbus by the bus"
[[ ${nval:-0} -ge 4 ]] && ok || bad "fewer than 4 validation rejections ($nval)"
[[ ${nbus:-0} -ge 1 ]] && ok || bad "the NaN was not rejected by the bus ($nbus)"
grep -q "rejected KOR#60" "$tmp/usa.err" && ok || bad "rejections were not logged"
"$tw" records "$tmp/USA.db" --json >"$tmp/usa.jsonl"
for why in "positive definite" "after now" "speed" "kappa"; do
  grep '"kind":"decision"' "$tmp/usa.jsonl" | grep -q "$why" && ok || bad "no recorded rejection for '$why'"
done
grep -q "received KOR#700" "$tmp/usa.out" && ok || bad "the honest KOR#700 was not taken"
if grep -E "fuses|received|from partner data" "$tmp/usa.out" | grep -qE "KOR#60[1-5]"; then
  bad "a hostile track entered the picture: $(grep -E 'KOR#60[1-5]' "$tmp/usa.out" | head -2)"
else ok; fi

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
