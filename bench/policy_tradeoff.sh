#!/usr/bin/env bash
# policy_tradeoff.sh TRIWATCH - the alert policy's lead time against its false warnings over the
# scenario library (docs/warnings.md): for each setting, every scenario with everyone's sensors;
# a warning is true when the object is really over / in the area (threat_time_s set), false
# otherwise; a false one "cancelled in time" was cancelled within 60 s.
set -u
tw=${1:-build/triwatch}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf "%-34s %6s %6s %9s %8s %8s\n" setting true false "false>60s" lead_min lead_med
while read -r name args; do
  all=$tmp/all.json; echo '[]' >"$all"
  for f in "$here"/data/scenarios/*.yaml; do
    "$tw" alerts "$f" --out "$tmp/o" $args >/dev/null 2>&1 || { echo "failed: $f $args"; continue; }
    jq -s '.[0] + .[1]' "$all" "$tmp/o/alerts.json" >"$tmp/x" && mv "$tmp/x" "$all"
    rm -rf "$tmp/o"
  done
  jq -r --arg n "$name" '
    [.[] | select(.threat_time_s != null)] as $t | [.[] | select(.threat_time_s == null)] as $f |
    ($t | map(.threat_time_s - .first_warned_s) | sort) as $l |
    "\($n)\t\($t|length)\t\($f|length)\t\([$f[] | select(.cancelled == false or .ended_s - .first_warned_s > 60)] | length)\t\(if ($l|length) > 0 then $l[0] else "-" end)\t\(if ($l|length) > 0 then $l[($l|length)/2|floor] else "-" end)"' "$all" |
    awk -F'\t' '{ printf "%-34s %6s %6s %9s %8s %8s\n", $1, $2, $3, $4, $5, $6 }'
done <<'LIST'
default(p_ovf=0.05,corridor=50) 
narrow(corridor=20) --corridor-km 20
wide(corridor=100) --corridor-km 100
strict(p_ovf=0.3,p_imp=0.1) --p-overflight 0.3 --p-impact 0.1
LIST
