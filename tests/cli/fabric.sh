#!/usr/bin/env bash
# fabric.sh TRIWATCH - three triwatchd nodes on 127.0.0.1 with DDS Security (hub topology, USA
# relays) play the Hwasong-12 scenario at 50x for 300 scenario seconds. Japan marks its tracks
# REL TO JPN+USA: they must reach the USA recording and never Korea's, and USA must record that it
# withheld them from KOR. Japan's picture must show the launch from partner data before its own
# sensors track it.
set -u
tw=$1
bin=$(dirname "$tw")
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$tw" pki init --partners USA,JPN,KOR --hub USA --domain 43 --out "$tmp/pki" >/dev/null || { echo "pki init failed"; exit 1; }
for n in USA JPN KOR; do
  rel="[USA, JPN, KOR]"; [[ $n == JPN ]] && rel="[JPN, USA]"
  cat > "$tmp/$n.yaml" <<CFG
nation: $n
domain: 43
group: [USA, JPN, KOR]
topology: hub
hub: USA
releasable_to: $rel
keys: $tmp/pki
data: $tmp
address: 127.0.0.1
peers: [127.0.0.1]
sensors:
  source: simulate
  scenario: $here/data/scenarios/hwasong12-2022-10-04.yaml
  speed: 50
CFG
done
start=$(( $(date +%s%N) + 4000000000 ))
for n in USA JPN KOR; do
  "$bin/triwatchd" --config "$tmp/$n.yaml" --start-at $start --duration 300 >"$tmp/$n.out" 2>"$tmp/$n.err" &
done
wait
for n in USA JPN KOR; do
  grep -q "node down" "$tmp/$n.out" && ok || bad "$n did not run to the end: $(tail -3 "$tmp/$n.err")"
  [[ -s $tmp/$n.db ]] && ok || bad "$n.db missing"
done

# Japan saw the launch through its partners first
grep -q "before any JPN sensor has tracked it" "$tmp/JPN.out" && ok || bad "JPN timeline lacks the partner-first line"
# Japan's tracks (REL TO JPN+USA) reached the USA, never Korea
"$tw" records "$tmp/USA.db" --json >"$tmp/usa.jsonl" || bad "records USA.db failed"
"$tw" records "$tmp/KOR.db" --json >"$tmp/kor.jsonl" || bad "records KOR.db failed"
grep -q '"originator":"JPN"' "$tmp/usa.jsonl" && ok || bad "no JPN sample in USA's recording"
grep -q '"releasable_to":"JPN+USA"' "$tmp/usa.jsonl" && ok || bad "USA's recording lacks the JPN+USA marking"
if grep '"direction":"in"' "$tmp/kor.jsonl" | grep -q '"originator":"JPN"'; then
  bad "KOR received a sample from JPN marked REL TO JPN+USA"
else ok; fi
grep -q 'withheld' "$tmp/USA.out" && ok || bad "USA's timeline does not say it withheld JPN's tracks from KOR"
# every recorded row carries the fields the issue names
for f in t_ns topic direction originator releasable_to; do
  grep -q "\"$f\":" "$tmp/kor.jsonl" && ok || bad "records lack $f"
done
# Korea's and the USA's tracks did reach Japan through the hub
"$tw" records "$tmp/JPN.db" --json >"$tmp/jpn.jsonl"
grep '"direction":"in"' "$tmp/jpn.jsonl" | grep -q '"originator":"KOR"' && ok || bad "JPN never received a KOR track via USA"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
