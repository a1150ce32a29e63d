#!/usr/bin/env bash
# alerts.sh TRIWATCH - the `triwatch alerts` contract and the warnings issue's "Done when":
#  - Hwasong-12 2022-10-04, ALL: Aomori (JP-02) and Hokkaido (JP-01) warned for overflight at
#    least 120 s before the missile is over them; no area more than 300 km from the true ground
#    track or impact warned; the warnings end after the missile has passed;
#  - Hwasong-18 2023-04-13: no land area the missile never threatens stays warned more than
#    60 s, and a cancel says why;
#  - --nation JPN prints the lead time sharing gains per warned area;
#  - every CAP message written validates against cap12.xsd, updates and cancels reference the
#    message before them; bad arguments exit 2 with one line.
set -u
tw=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
xsd=${TW_SHARED_VECTORS:-$here/../shared/vectors}/cap/cap12.xsd
command -v jq >/dev/null || { echo "SKIP: jq is not installed (scripts/install-deps.sh)"; exit 77; }
command -v xmllint >/dev/null || { echo "SKIP: xmllint is not installed"; exit 77; }
[[ -r $xsd ]] || { echo "SKIP: no $xsd"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- Hwasong-12 over Aomori, everyone's sensors --------------------------------------------
scn=$here/data/scenarios/hwasong12-2022-10-04.yaml
out=$("$tw" alerts "$scn" --out "$tmp/h12" --nation ALL 2>"$tmp/h12.err"); rc=$?
echo "$out"
[[ $rc -eq 0 ]] && ok || { bad "alerts Hwasong-12 exited $rc: $(cat "$tmp/h12.err")"; }
js=$tmp/h12/alerts.json
jq -e 'type == "array" and length > 0' "$js" >/dev/null && ok || bad "alerts.json is not a non-empty list"
# every entry has the documented keys and types
jq -e 'all(.[]; (.area_code|type) == "string" and (.area_name|type) == "string"
      and (.kind == "overflight" or .kind == "impact") and (.first_warned_s|type) == "number"
      and ((.threat_time_s|type) == "number" or .threat_time_s == null)
      and ((.ended_s|type) == "number" or .ended_s == null) and (.cancelled|type) == "boolean")' \
  "$js" >/dev/null && ok || bad "alerts.json entries lack a documented key or type"
for code in JP-02 JP-01; do
  lead=$(jq -r --arg c "$code" '[.[] | select(.area_code == $c and .kind == "overflight"
           and .threat_time_s != null) | .threat_time_s - .first_warned_s] | max // "none"' "$js")
  if [[ $lead != none ]] && awk -v l="$lead" 'BEGIN { exit !(l >= 120) }'; then
    ok; echo "ok: $code warned for overflight $lead s before the missile is over it"
  else
    bad "$code not warned for overflight 120 s ahead (lead: $lead)"
  fi
  # ended after the missile passed
  jq -e --arg c "$code" 'any(.[]; .area_code == $c and .kind == "overflight" and .ended_s != null
        and .ended_s > .threat_time_s and .cancelled == false)' "$js" >/dev/null \
    && ok || bad "$code overflight warning did not end after the missile passed"
done
far=$(jq -r '[.[] | select(.near_truth == false) | .area_code] | join(",")' "$js")
[[ -z $far ]] && ok || bad "areas more than 300 km from the true ground track or impact warned: $far"
open=$(jq -r '[.[] | select(.ended_s == null) | .area_code] | join(",")' "$js")
[[ -z $open ]] && ok || bad "warnings still open at the end of the run: $open"

# every CAP message validates; updates and cancels reference an earlier message
n=$(ls "$tmp/h12"/*.xml 2>/dev/null | wc -l)
[[ $n -gt 0 ]] && ok || bad "no CAP message written"
if xmllint --noout --nonet --schema "$xsd" "$tmp/h12"/*.xml 2>"$tmp/xsd.err"; then ok
else bad "CAP messages do not validate against cap12.xsd: $(head -3 "$tmp/xsd.err")"; fi
grep -l '<msgType>Update</msgType>\|<msgType>Cancel</msgType>' "$tmp/h12"/*.xml >"$tmp/upd" || true
while read -r f; do
  ref=$(sed -n 's:.*<references>\([^<]*\)</references>.*:\1:p' "$f")
  id=$(cut -d, -f2 <<<"$ref")
  [[ -n $id && -f $tmp/h12/$id.xml ]] && ok || bad "$(basename "$f") references '$ref', not a message written"
done <"$tmp/upd"
grep -q '<status>Exercise</status>' "$tmp/h12"/*.xml && ok || bad "simulated alerts are not status Exercise"
grep -q '<valueName>ISO3166-2</valueName>' "$tmp/h12"/*.xml && ok || bad "no ISO 3166-2 geocode"
grep -q '<polygon>' "$tmp/h12"/*.xml && ok || bad "no polygon"

# --- Hwasong-18, the real false alarm -------------------------------------------------------
scn=$here/data/scenarios/hwasong18-2023-04-13.yaml
"$tw" alerts "$scn" --out "$tmp/h18" >"$tmp/h18.out" 2>&1 && ok || bad "alerts Hwasong-18 failed: $(tail -3 "$tmp/h18.out")"
cat "$tmp/h18.out"
wrong=$(jq -r '[.[] | select(.eez_approximate == false and .threat_time_s == null
          and (.cancelled == false or .ended_s - .first_warned_s > 60 or .end_why == ""))
          | .area_code] | join(",")' "$tmp/h18/alerts.json")
[[ -z $wrong ]] && ok || bad "Hwasong-18: land areas warned that the missile never threatens, not cancelled within 60 s with a reason: $wrong"

# --- sharing: JPN alone against everyone ----------------------------------------------------
scn=$here/data/scenarios/hwasong12-2022-10-04.yaml
out=$("$tw" alerts "$scn" --out "$tmp/jpn" --nation JPN 2>/dev/null); rc=$?
echo "$out"
[[ $rc -eq 0 ]] && grep -q "lead time gained by sharing (JPN alone vs all three)" <<<"$out" \
  && grep -Eq '^  JP-02 +Aomori +overflight +T\+[0-9]+ +T\+[0-9]+ +-?[0-9]+$' <<<"$out" \
  && ok || bad "--nation JPN does not print the lead time gained for Aomori (rc $rc)"

# --- deterministic: the same seed gives the same files ---------------------------------------
"$tw" alerts "$scn" --out "$tmp/again" --nation ALL >/dev/null 2>&1
diff -r -q "$tmp/h12" "$tmp/again" >/dev/null && ok || bad "two runs with the same seed differ"

# --- bad arguments --------------------------------------------------------------------------
expect_usage() { # WORD ARGS...
  local word=$1; shift
  local err rc
  err=$("$tw" alerts "$@" 2>&1 >/dev/null); rc=$?
  [[ $rc -eq 2 && $(wc -l <<<"$err") -eq 1 ]] && grep -q -- "$word" <<<"$err" && ok \
    || bad "alerts $*: rc $rc, message '$err' (want 2, one line naming '$word')"
}
expect_usage --out "$scn"
expect_usage XYZ "$scn" --out "$tmp/x" --nation XYZ
expect_usage --seed "$scn" --out "$tmp/x" --seed -1
expect_usage --p-impact "$scn" --out "$tmp/x" --p-impact 2
expect_usage SCENARIO --out "$tmp/x"
expect_usage lat-123 "$here/tests/data/scenarios-bad/lat-123.yaml" --out "$tmp/x"

echo "$passes passed, $fails failed"
[[ $fails -eq 0 ]]
