#!/usr/bin/env bash
# web.sh TRIWATCH - the nodes' web interfaces with the real daemons (docs/web-api.md): three
# nodes of `triwatch demo` play the Hwasong-12 at 20x with their pictures on 127.0.0.1.
#  - the Atom feed of current alerts is read over HTTP and names Aomori; each entry's CAP
#    message is fetched and validates against cap12.xsd;
#  - /api/state is the documented JSON; the KOR node's state never holds a track whose marking
#    leaves out KOR;
#  - malformed requests get the right 4xx: wrong Host 421, POST 405, traversal 400, unknown 404;
#  - when node and /usr/bin/chromium are there: the end-to-end browser test (tests/web/e2e.mjs,
#    playwright-core) on the JPN page (launch, track, impact ellipse, Aomori and Hokkaido
#    shaded) and on the KOR page (no track not releasable to KOR); screenshots are kept in
#    build/web-shots.
set -u
tw=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
xsd=${TW_SHARED_VECTORS:-$here/../shared/vectors}/cap/cap12.xsd
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
tmp=$(mktemp -d)
base=18461
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [[ -n ${KEEP:-} ]] || rm -rf "$tmp"; }
trap cleanup EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$tw" demo --speed 20 --duration 520 --data "$tmp/demo" --domain 50 --http-port-base $base \
  --hold 40 >"$tmp/demo.out" 2>&1 &
pid=$!
usa=http://127.0.0.1:$base jpn=http://127.0.0.1:$((base + 1)) kor=http://127.0.0.1:$((base + 2))
for i in $(seq 1 100); do
  curl -s -m 2 -o /dev/null "$jpn/api/state" && break
  sleep 0.2
done

# the browser, during the flight (Hokkaido is overflown at T+399 s: 20 s of wall time at 20x)
shots=${TW_WEB_SHOTS:-$here/build/web-shots}
rm -rf "$shots/jpn" "$shots/kor" # this run's screenshots only
e2e_pids=()
if command -v node >/dev/null && [[ -x /usr/bin/chromium && -d $here/web/node_modules/playwright-core ]]; then
  node "$here/tests/web/e2e.mjs" --url "$jpn/" --shots "$shots/jpn" --expect-areas JP-02,JP-01 \
    --timeout 60 >"$tmp/e2e-jpn.out" 2>&1 &
  e2e_pids+=($!)
  node "$here/tests/web/e2e.mjs" --url "$kor/" --shots "$shots/kor" --forbid-marking-without KOR \
    --timeout 60 >"$tmp/e2e-kor.out" 2>&1 &
  e2e_pids+=($!)
else
  echo "note: node, /usr/bin/chromium or web/node_modules/playwright-core missing: browser test not run"
fi

# the API while the scenario plays
for i in $(seq 1 60); do
  curl -s -m 2 "$jpn/api/state" -o "$tmp/state.json"
  jq -e '.tracks | length > 0' "$tmp/state.json" >/dev/null 2>&1 && break
  sleep 0.5
done
jq -e '.node == "JPN" and (.t_s|type) == "number" and (.tracks|type) == "array"
       and (.predictions|type) == "array" and (.alerts|type) == "array"
       and (.partners|type) == "array" and (.timeline|type) == "array"
       and .scenario.exercise == true' "$tmp/state.json" >/dev/null && ok \
  || bad "JPN /api/state is not the documented document: $(head -c 300 "$tmp/state.json")"
jq -e '.tracks[0] | (.id|type) == "string" and (.lat|type) == "number" and (.lon|type) == "number"
       and (.marking|startswith("REL TO ")) and (.history|type) == "array"' "$tmp/state.json" \
  >/dev/null && ok || bad "JPN track lacks id/lat/lon/marking/history"
curl -s -m 5 "$jpn/api/areas" -o "$tmp/areas.json"
jq -e '.type == "FeatureCollection" and any(.features[]; .properties.code == "JP-02")
       and any(.features[]; .properties.kind == "eez")' "$tmp/areas.json" >/dev/null && ok \
  || bad "/api/areas is not the areas' GeoJSON with EEZs"

# KOR's picture: only what is releasable to KOR, sampled through the flight
leak=0
for i in $(seq 1 20); do
  curl -s -m 2 "$kor/api/state" -o "$tmp/kor.json" || continue
  if jq -e 'any(.tracks[]; (.marking | test("\\bKOR\\b")) | not)' "$tmp/kor.json" >/dev/null 2>&1; then
    leak=1; bad "KOR's state shows a track not releasable to KOR"; break
  fi
  sleep 1
done
[[ $leak -eq 0 ]] && ok

# the Atom feed, once Aomori is warned
got=0
for i in $(seq 1 60); do
  curl -s -m 2 "$jpn/alerts.atom" -o "$tmp/feed.atom"
  grep -q 'Aomori' "$tmp/feed.atom" 2>/dev/null && { got=1; break; }
  sleep 0.5
done
[[ $got -eq 1 ]] && ok || bad "the Atom feed never named Aomori: $(head -c 400 "$tmp/feed.atom")"
if command -v xmllint >/dev/null && [[ -r $xsd ]]; then
  xmllint --noout --nonet "$tmp/feed.atom" 2>/dev/null && ok || bad "the Atom feed is not well-formed XML"
  n_cap=0
  for href in $(sed -n 's:.*href="\(/cap/[^"]*\.xml\)".*:\1:p' "$tmp/feed.atom" | sort -u); do
    curl -s -m 2 "$jpn$href" -o "$tmp/one.cap"
    xmllint --noout --nonet --schema "$xsd" "$tmp/one.cap" 2>/dev/null && n_cap=$((n_cap + 1)) \
      || bad "$href does not validate against cap12.xsd"
  done
  [[ $n_cap -gt 0 ]] && ok || bad "no CAP message linked from the Atom feed"
else
  echo "note: xmllint or $xsd missing: the feed's CAP messages are not validated"
fi

# malformed requests
code() { curl -s -m 3 -o /dev/null -w '%{http_code}' "$@"; }
[[ $(code -H 'Host: evil.example' "$jpn/api/state") == 421 ]] && ok || bad "wrong Host not 421"
[[ $(code -X POST "$jpn/api/state") == 405 ]] && ok || bad "POST not 405"
[[ $(code --path-as-is "$jpn/../../etc/passwd") == 400 ]] && ok || bad "traversal not 400"
[[ $(code --path-as-is "$jpn/%2e%2e/%2e%2e/etc/passwd") == 400 ]] && ok || bad "encoded traversal not 400"
[[ $(code "$jpn/nosuch") == 404 ]] && ok || bad "unknown path not 404"
[[ $(code "$jpn/cap/nosuch.xml") == 404 ]] && ok || bad "unknown CAP message not 404"
big=$(head -c 20000 /dev/zero | tr '\0' a)
c=$(code -H "X-Big: $big" "$jpn/api/state")
[[ $c == 431 || $c == 400 || $c == 414 ]] && ok || bad "20 KB header got $c, not 431"
[[ $(code "$jpn/api/state") == 200 ]] && ok || bad "the node stopped answering after bad requests"

for p in "${e2e_pids[@]}"; do
  if wait "$p"; then ok; else bad "browser test failed (pid $p)"; fi
done
for f in "$tmp"/e2e-*.out; do [[ -f $f ]] && { echo "--- $(basename "$f")"; cat "$f"; }; done

wait "$pid"; rc=$?; pid=
[[ $rc -eq 0 ]] && ok || bad "demo exited $rc: $(tail -5 "$tmp/demo.out")"
grep -q "live pictures (open one in a browser): USA http://127.0.0.1:$base/" "$tmp/demo.out" && ok \
  || bad "the demo does not print the nodes' URLs"
grep 'warning' "$tmp/demo.out" | head -5

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
