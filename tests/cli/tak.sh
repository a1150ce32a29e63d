#!/usr/bin/env bash
# tak.sh TRIWATCH - CoT over the network in TAK protocol: for UDP and TCP, versions 0 and 1,
# tak_send sends one launch's events (launch point, track, impact ellipse) through tw_takout to
# tak_client, our TAK client stand-in on 127.0.0.1, which must print all three with their types
# and releasability. A malformed message sent first must give an error line and not stop it. Then
# triwatchd --tak: the node sends its own tracks to the stand-in.
# Tools from $TW_TAK_CLIENT and $TW_TAK_SEND (set by ctest); exit 77 when they are missing.
set -u
client=${TW_TAK_CLIENT:-}
sender=${TW_TAK_SEND:-}
[[ -x $client && -x $sender ]] || { echo "skipped: TW_TAK_CLIENT / TW_TAK_SEND not built"; exit 77; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
access='REL TO USA, JPN, KOR'

for proto in udp tcp; do
  for v in 0 1; do
    tag="$proto v$v"
    out=$tmp/$proto$v.out err=$tmp/$proto$v.err
    "$client" --$proto 0 --version $v --count 3 --timeout 20 >"$out" 2>"$err" &
    pid=$!
    port=
    for _ in $(seq 100); do
      port=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$err")
      [[ -n $port ]] && break
      sleep 0.05
    done
    [[ -n $port ]] || { bad "$tag: tak_client never said ready"; kill $pid; wait $pid; continue; }

    # one malformed message first: the client says so and goes on
    case "$proto$v" in
      udp0) printf 'not CoT at all' >/dev/udp/127.0.0.1/$port ;;
      udp1) printf '\xbf\x02\xbf\x12\x01x' >/dev/udp/127.0.0.1/$port ;;  # protocol version 2
      tcp0) printf "<?xml version='1.0'?><event version='2.0'>no point</event>" >/dev/tcp/127.0.0.1/$port ;;
      tcp1) printf '\xbf\x03\x12\x05x' >/dev/tcp/127.0.0.1/$port ;;       # cotEvent longer than the frame
    esac
    for _ in $(seq 100); do grep -q '^tak_client: ' "$err" && break; sleep 0.05; done
    grep -q '^tak_client: ' "$err" && ok || bad "$tag: no error line for the malformed message"

    "$sender" --$proto $port --version $v --access "$access" 2>"$tmp/send$proto$v.err" \
      && ok || bad "$tag: tak_send failed: $(cat "$tmp/send$proto$v.err")"
    wait $pid && ok || bad "$tag: tak_client exit $?: $(tail -3 "$err")"

    [[ $(wc -l <"$out") -eq 3 ]] && ok || bad "$tag: expected 3 events, got $(wc -l <"$out")"
    for want in '"uid":"triwatch.JPN.launch.2022-0001","type":"b-d-l-b"' \
                '"uid":"triwatch.JPN.track.2022-0001","type":"a-h-A-M-B"' \
                '"uid":"triwatch.JPN.impact.2022-0001","type":"b-d-i-b"'; do
      line=$(grep -F "$want" "$out")
      [[ -n $line ]] && ok || { bad "$tag: no event with $want"; continue; }
      grep -qF "\"access\":\"$access\",\"how\":\"m-g\"" <<<"$line" && ok || bad "$tag: access/how wrong: $line"
    done
    grep -qF '"time":"2022-10-03T22:23:40.000Z","lat":40.6129,"lon":126.4319' "$out" && ok \
      || bad "$tag: launch time or place wrong: $(head -1 "$out")"
  done
done

# the node itself: triwatchd --tak sends its tracks' CoT to the stand-in (one JPN node alone, no
# security, the Hwasong-12 at 100x: JPN's own radars track it from T+130 s)
daemon=$(dirname "${1:-}")/triwatchd
here=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -x $daemon ]]; then
  cat >"$tmp/jpn.yaml" <<EOC
nation: JPN
domain: 51
group: [USA, JPN]
topology: hub
hub: USA
insecure: true
data: $tmp
address: 127.0.0.1
peers: [127.0.0.1]
sensors:
  source: simulate
  scenario: $here/data/scenarios/hwasong12-2022-10-04.yaml
  speed: 100
EOC
  "$client" --udp 0 --version 1 --count 2 --timeout 30 >"$tmp/node.out" 2>"$tmp/node.err" &
  pid=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$tmp/node.err")
    [[ -n $port ]] && break
    sleep 0.05
  done
  "$daemon" --config "$tmp/jpn.yaml" --duration 300 --areas none --tak udp:$port:v1 \
    >"$tmp/node.tl" 2>"$tmp/node.log"
  [[ $? -eq 0 ]] && ok || bad "triwatchd --tak failed: $(tail -3 "$tmp/node.log")"
  wait $pid && ok || bad "the stand-in did not get two events from triwatchd: $(cat "$tmp/node.err")"
  grep -q '"uid":"triwatch.JPN.track.[0-9]*","type":"a-h-A-M-B"' "$tmp/node.out" && ok \
    || bad "no track event from the node: $(head -2 "$tmp/node.out")"
  grep -q '"access":"REL TO JPN' "$tmp/node.out" && ok || bad "node's CoT access lacks its marking"
else
  echo "note: no triwatchd beside $1: the node's own CoT not tested"
fi

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
