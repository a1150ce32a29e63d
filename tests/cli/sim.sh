#!/usr/bin/env bash
# sim.sh TRIWATCH - `triwatch sim`: every scenario of the library runs; the same seed gives
# byte-identical files, another seed other ones; broken scenarios get one line naming
# file:line:key and exit code 2; the printout shows who saw each launch first.
set -u
tw=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

for scn in "$here"/data/scenarios/*.yaml; do
  name=$(basename "$scn" .yaml)
  if ! "$tw" sim "$scn" --out "$tmp/$name.a" >"$tmp/$name.out" 2>&1; then
    bad "$name: sim failed: $(tail -3 "$tmp/$name.out")"; continue
  fi
  ok
  "$tw" sim "$scn" --out "$tmp/$name.b" >/dev/null 2>&1
  for f in truth.jsonl measurements.jsonl; do
    [[ -s $tmp/$name.a/$f ]] && ok || bad "$name: $f empty"
    cmp -s "$tmp/$name.a/$f" "$tmp/$name.b/$f" && ok || bad "$name: $f differs between two runs"
  done
  grep -q "first detection after launch" "$tmp/$name.out" && ok || bad "$name: no detection table"
done

# another seed: the same truth, other noise
scn=$here/data/scenarios/hwasong12-2022-10-04.yaml
"$tw" sim "$scn" --out "$tmp/s8" --seed 8 >/dev/null 2>&1
cmp -s "$tmp/hwasong12-2022-10-04.a/measurements.jsonl" "$tmp/s8/measurements.jsonl" \
  && bad "--seed 8 gave the same measurements as seed 7" || ok
cmp -s "$tmp/hwasong12-2022-10-04.a/truth.jsonl" "$tmp/s8/truth.jsonl" && ok \
  || bad "--seed changed the truth"

# Korea first: the table lists a KOR radar before any JPN radar for the Aomori flight
first_kor=$(grep -n ' KOR radar' "$tmp/hwasong12-2022-10-04.out" | head -1 | cut -d: -f1)
first_jpn=$(grep -n ' JPN radar' "$tmp/hwasong12-2022-10-04.out" | head -1 | cut -d: -f1)
[[ -n $first_kor && -n $first_jpn && $first_kor -lt $first_jpn ]] && ok \
  || bad "KOR radar not listed before JPN radar"

# broken scenarios: exit 2, one line, file:line:
for b in "$here"/tests/data/scenarios-bad/lat-123.yaml "$here"/tests/data/scenarios-bad/class-xrbm.yaml; do
  err=$("$tw" sim "$b" --out "$tmp/bad" 2>&1 >/dev/null); rc=$?
  [[ $rc -eq 2 ]] && ok || bad "$(basename "$b"): exit $rc, want 2"
  [[ $(wc -l <<<"$err") -eq 1 ]] && ok || bad "$(basename "$b"): message is not one line: $err"
  grep -qE "$(basename "$b"):[0-9]+: " <<<"$err" && ok || bad "$(basename "$b"): no file:line: in '$err'"
done
err=$("$tw" sim /nonexistent.yaml --out "$tmp/x" 2>&1); rc=$?
[[ $rc -eq 2 ]] && grep -q nonexistent <<<"$err" && ok || bad "missing file: rc $rc '$err'"
err=$("$tw" sim "$scn" 2>&1); rc=$?
[[ $rc -eq 2 ]] && grep -q -- --out <<<"$err" && ok || bad "missing --out: rc $rc '$err'"
err=$("$tw" sim "$scn" --out "$tmp/y" --seed -3 2>&1); rc=$?
[[ $rc -eq 2 ]] && grep -q -- --seed <<<"$err" && ok || bad "bad --seed: rc $rc '$err'"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
