#!/usr/bin/env bash
# netns.sh TRIWATCH - faults on three hosts made here with `ip netns` + veth around a bridge
# (addresses 10.203.<pid>.x exist only inside these namespaces; nothing leaves them). Three
# triwatchd nodes, DDS Security on, hub topology, the Hwasong-12 scenario at 4x:
#  1. the JPN-USA link is cut (JPN's veth down) for 30 s across the moment the partners raise
#     their launch alerts, then restored: JPN must still get every alert (transient-local) and
#     partner tracks must flow again;
#  2. JPN is SIGKILLed and restarted 20 s later on the same clock: it takes back active partner tracks and
#     the alerts from its recording, gets the alerts again from its partners, and its recording
#     has no gap beyond the outage.
# Skipped (exit 77) where namespaces cannot be made (not root, no iproute2, no permission).
set -u
tw=$1
bin=$(dirname "$tw")
here=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "skipped: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
tag="tw$$"
sub=$(( $$ % 250 + 1 ))
ns_ok=0
ip netns add "$tag-sw" 2>/dev/null && ns_ok=1
[[ $ns_ok -eq 1 ]] || skip "ip netns add is not permitted here"
tmp=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null; sleep 0.5; kill -9 $(jobs -p) 2>/dev/null
  for n in sw usa jpn kor; do ip netns del "$tag-$n" 2>/dev/null; done
  [[ -n ${KEEP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# the hosts: one bridge namespace, three node namespaces with one veth each
ip -n "$tag-sw" link add br0 type bridge && ip -n "$tag-sw" link set br0 up || skip "cannot make a bridge"
ip -n "$tag-sw" link set lo up
i=1
declare -A addr
for n in usa jpn kor; do
  ip netns add "$tag-$n"
  ip link add "$tag-$n-h" type veth peer name "$tag-$n-s" || skip "cannot make veth pairs"
  ip link set "$tag-$n-h" netns "$tag-$n"
  ip link set "$tag-$n-s" netns "$tag-sw"
  ip -n "$tag-sw" link set "$tag-$n-s" master br0 up
  ip -n "$tag-$n" link set lo up
  ip -n "$tag-$n" addr add "10.203.$sub.$i/24" dev "$tag-$n-h"
  ip -n "$tag-$n" link set "$tag-$n-h" up
  addr[$n]="10.203.$sub.$i"
  i=$((i + 1))
done

"$tw" pki init --partners USA,JPN,KOR --hub USA --domain 44 --out "$tmp/pki" >/dev/null || { echo "pki init failed"; exit 1; }
peers="[${addr[usa]}, ${addr[jpn]}, ${addr[kor]}]"
for n in usa jpn kor; do
  N=${n^^}
  cat > "$tmp/$n.yaml" <<CFG
nation: $N
domain: 44
group: [USA, JPN, KOR]
topology: hub
hub: USA
keys: $tmp/pki
data: $tmp
allow_non_loopback: true
address: ${addr[$n]}
peers: $peers
sensors:
  source: simulate
  scenario: $here/data/scenarios/hwasong12-2022-10-04.yaml
  speed: 4
CFG
done
start=$(( $(date +%s%N) + 5000000000 ))
run() { ip netns exec "$tag-$1" "$bin/triwatchd" --config "$tmp/$1.yaml" --start-at $start --duration 340 >>"$tmp/$1.out" 2>>"$tmp/$1.err"; }
run usa & run kor & run jpn & jpn_pid=$!

at() { # wait until scenario second $1 (speed 4)
  local target=$(( start + $1 * 250000000 ))
  while (( $(date +%s%N) < target )); do sleep 0.2; done
}
# 1. cut JPN from T+40 s to T+160 s (30 s of wall time), across the partners' launch alerts
at 40;  ip -n "$tag-jpn" link set "$tag-jpn-h" down; echo "cut JPN at T+40"
at 160; ip -n "$tag-jpn" link set "$tag-jpn-h" up;   echo "restored JPN at T+160"
# 2. SIGKILL JPN at T+220, restart at T+240
at 220
pkill -KILL -f "triwatchd --config $tmp/jpn.yaml"; echo "killed JPN at T+220"
at 240
run jpn & echo "restarted JPN at T+240"
wait

for n in usa jpn kor; do
  grep -q "node down" "$tmp/$n.out" && ok || bad "$n did not finish: $(tail -2 "$tmp/$n.err")"
done
# the partners' alerts were raised while JPN was cut off, and JPN has them all
"$tw" records "$tmp/JPN.db" --json > "$tmp/jpn.jsonl" || bad "records JPN.db failed"
for who in USA KOR; do
  raised=$(grep -o "alert $who-launch-[0-9]* raised" "$tmp/${who,,}.out" | head -1 | awk '{print $2}')
  t_raise=$(grep -m1 "alert $who-launch" "$tmp/${who,,}.out" | cut -f1)
  [[ -n $raised ]] && ok || { bad "$who raised no alert"; continue; }
  awk -v t="$t_raise" 'BEGIN { exit !(t > 40 && t < 160) }' && ok || bad "$who's alert at T+$t_raise was not during the cut"
  grep '"kind":"alert"' "$tmp/jpn.jsonl" | grep -q "\"alert_id\":\"$raised\"" && ok || bad "JPN never got $raised"
done
# tracks flow again after the link comes back
awk -F'\t' '$3 ~ /^received (USA|KOR)#/ && $1 > 160 && $1 < 220 { found = 1 } END { exit !found }' "$tmp/jpn.out" \
  && ok || bad "no partner track reached JPN between the restore (T+160) and T+220"
# after the restart: it took back its recording, and the alerts came again
grep -q "restarted: took back" "$tmp/jpn.out" && ok || bad "JPN did not restore from its recording"
n_back=$(grep "restarted: took back" "$tmp/jpn.out" | sed 's/.*took back \([0-9]*\) active.* and \([0-9]*\) alerts.*/\1 \2/')
echo "JPN after restart took back (tracks alerts): $n_back"
[[ ${n_back#* } -ge 2 ]] && ok || bad "JPN took back fewer than 2 alerts: $n_back"
[[ ${n_back% *} -ge 1 ]] && ok || bad "JPN took back no active partner track: $n_back"
# no gap beyond the outage (20 s of scenario time) in JPN's recording
worst=$(grep -o '"t_ns":[0-9]*' "$tmp/jpn.jsonl" | cut -d: -f2 | sort -n |
        awk 'NR > 1 { g = ($1 - p) / 1e9; if (g > w) w = g } { p = $1 } END { printf "%.1f", w }')
echo "JPN recording: largest gap ${worst} s of scenario time (outage 20 s)"
awk -v w="$worst" 'BEGIN { exit !(w > 0 && w <= 30) }' && ok || bad "JPN's recording has a gap of $worst s, beyond the outage"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
