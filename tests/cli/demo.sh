#!/usr/bin/env bash
# demo.sh TRIWATCH - `triwatch demo` (what `make demo` runs), short: three nodes on loopback with
# DDS Security, the Hwasong-12 at 100x for 200 scenario seconds. Japan's fused picture must show
# the launch from Korean and US data before any Japanese sensor tracks it, and the timeline must
# say so; each node leaves its recording.
set -u
tw=$1
tmp=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

out=$("$tw" demo --speed 100 --duration 200 --data "$tmp/demo" --domain 46 --headless 2>&1); rc=$?
[[ $rc -eq 0 ]] && ok || bad "demo exited $rc: $(tail -5 <<<"$out")"
grep -q '^>> .* JPN  fused picture shows .* before any JPN sensor has tracked it' <<<"$out" && ok \
  || bad "no '>>' line for JPN's partner-first picture"
first_partner=$(grep -m1 '^>> .* JPN ' <<<"$out" | sed 's/^>> T+ *\([0-9.]*\) s.*/\1/')
first_own=$(grep -m1 ' JPN  our track JPN#' <<<"$out" | sed 's/^ *T+ *\([0-9.]*\) s.*/\1/')
echo "JPN: partner picture T+$first_partner s, own first track T+${first_own:-never} s"
[[ -z $first_own ]] || awk -v a="$first_partner" -v b="$first_own" 'BEGIN { exit !(a < b) }' && ok \
  || bad "JPN's own track (T+$first_own) came before the partner picture (T+$first_partner)"
grep -q "Japan's fused picture showed the launch at T+" <<<"$out" && ok || bad "no summary line"
for n in USA JPN KOR; do
  [[ -s $tmp/demo/$n.db ]] && ok || bad "$n.db missing"
done
for arg in "--speed 0" "--speed abc" "--domain 999" "--scenario nosuch" "--bogus 1"; do
  err=$("$tw" demo $arg 2>&1 >/dev/null); rc=$?
  [[ $rc -eq 2 && $(wc -l <<<"$err") -eq 1 ]] && ok || bad "demo $arg: rc $rc '$err'"
done

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
