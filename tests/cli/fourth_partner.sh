#!/usr/bin/env bash
# fourth_partner.sh TRIWATCH - partners and groups are configuration: a fourth partner (AUS, on
# a link to the USA hub, with no sensors of its own in the default set) joins with no code
# change, and receives the Korean and US tracks through the hub, with DDS Security on.
set -u
tw=$1
bin=$(dirname "$tw")
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$tw" pki init --partners USA,JPN,KOR,AUS --hub USA --domain 47 --out "$tmp/pki" >/dev/null || { echo "pki init failed"; exit 1; }
for n in USA JPN KOR AUS; do
  cat > "$tmp/$n.yaml" <<CFG
nation: $n
domain: 47
group: [USA, JPN, KOR, AUS]
topology: hub
hub: USA
keys: $tmp/pki
data: $tmp
sensors:
  source: simulate
  scenario: $here/data/scenarios/hwasong12-2022-10-04.yaml
  speed: 50
CFG
done
start=$(( $(date +%s%N) + 4000000000 ))
for n in USA JPN KOR AUS; do
  "$bin/triwatchd" --config "$tmp/$n.yaml" --start-at $start --duration 120 >"$tmp/$n.out" 2>"$tmp/$n.err" &
done
wait
grep -q "links AUS-USA" "$tmp/AUS.out" && ok || bad "AUS did not come up: $(tail -2 "$tmp/AUS.err")"
grep -q "received USA#" "$tmp/AUS.out" && ok || bad "AUS received no USA track"
grep -q "received KOR#" "$tmp/AUS.out" && ok || bad "AUS received no KOR track (relayed by USA)"
grep -q "relayed KOR#[0-9]* to AUS" "$tmp/USA.out" && ok || bad "USA did not relay to AUS"
grep -q "fused picture shows" "$tmp/AUS.out" && ok || bad "AUS has no fused picture"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
