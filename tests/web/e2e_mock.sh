#!/bin/sh
# tests/web/e2e_mock.sh [SHOTS_DIR] - build the page, start tests/web/mock_server.mjs on a free
# port and run tests/web/e2e.mjs against it:
#   1. a KOR node: the flight must show launch, track, ellipse, JP-02 and JP-01 shaded, and no
#      track whose marking is not releasable to KOR;
#   2. a JPN node (whose picture holds a "REL TO JPN, USA" track): the marking check must FAIL
#      there (the test catches what it is meant to catch).
# Exit 77 (skipped) when node or /usr/bin/chromium is missing.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHOTS=${1:-$ROOT/out/web-shots}

if ! command -v node >/dev/null 2>&1; then echo "SKIP: node is not installed"; exit 77; fi
if [ ! -x /usr/bin/chromium ]; then echo "SKIP: /usr/bin/chromium is not installed"; exit 77; fi

WORK=$(mktemp -d /tmp/tw-e2e.XXXXXX)
MOCK_PID=
cleanup() { [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

"$ROOT/scripts/web-build.sh" "$WORK/www" || { echo "FAIL: scripts/web-build.sh"; exit 1; }
if [ ! -d "$ROOT/web/node_modules/playwright-core" ]; then echo "SKIP: web/node_modules/playwright-core missing"; exit 77; fi

start_mock() { # NODE
    node "$ROOT/tests/web/mock_server.mjs" --root "$WORK/www" --port 0 --node "$1" --speed 10 >"$WORK/mock.out" 2>&1 &
    MOCK_PID=$!
    i=0
    while [ $i -lt 50 ]; do
        URL=$(sed -n 's/^listening //p' "$WORK/mock.out")
        [ -n "$URL" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    echo "FAIL: mock server did not start"; cat "$WORK/mock.out"; exit 1
}
stop_mock() { kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; MOCK_PID=; }

rc=0
echo "# 1: KOR node, $SHOTS/kor"
start_mock KOR
node "$ROOT/tests/web/e2e.mjs" --url "$URL" --shots "$SHOTS/kor" --expect-areas JP-02,JP-01 \
    --forbid-marking-without KOR --timeout 90 || rc=1
stop_mock

echo "# 2: JPN node, the marking check must catch the JPN-only track, $SHOTS/jpn"
start_mock JPN
out=$(node "$ROOT/tests/web/e2e.mjs" --url "$URL" --shots "$SHOTS/jpn" --expect-areas JP-02,JP-01 \
    --forbid-marking-without KOR --timeout 90)
echo "$out" | sed 's/^/#   /'
if echo "$out" | grep -q '^not ok - every track shown is marked releasable to KOR: JPN-2'; then
    echo "ok - marking check catches a track not releasable to KOR"
else
    echo "not ok - marking check did not catch the JPN-only track"; rc=1
fi
if [ "$(echo "$out" | grep -c '^not ok')" -ne 1 ]; then echo "not ok - JPN node: other checks failed"; rc=1; else echo "ok - JPN node: every other check passes"; fi
stop_mock
exit $rc
