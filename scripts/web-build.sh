#!/bin/sh
# scripts/web-build.sh OUTDIR - assemble the node's web page (web/) into OUTDIR
# (index.html, app.js, style.css, vendor/*.js) for triwatchd's web root (docs/web-api.md).
# Runs `npm ci --prefix web` only when web/node_modules is missing or older than the lock.
# Idempotent: files are only rewritten when their content changed.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
OUT=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WEB="$ROOT/web"
NM="$WEB/node_modules"

if ! command -v node >/dev/null 2>&1; then
    echo "web-build: node is not installed (Debian: apt-get install nodejs npm); cannot build the page" >&2
    exit 1
fi

if [ ! -d "$NM" ] || [ "$WEB/package-lock.json" -nt "$NM/.package-lock.json" ] || [ ! -f "$NM/.package-lock.json" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "web-build: npm is not installed and web/node_modules is missing or stale (Debian: apt-get install npm)" >&2
        exit 1
    fi
    if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$WEB" --no-audit --no-fund --loglevel=error >/dev/null 2>"$WEB/.npm-ci.log"; then
        echo "web-build: 'npm ci --prefix web' failed (offline? see web/.npm-ci.log); the npm registry is needed once to fetch d3-geo, d3-array, world-atlas" >&2
        if [ ! -f "$NM/d3-geo/dist/d3-geo.min.js" ]; then
            exit 1
        fi
        echo "web-build: continuing with the existing web/node_modules" >&2
    else
        rm -f "$WEB/.npm-ci.log"
        touch "$NM/.package-lock.json"
    fi
fi

mkdir -p "$OUT/vendor"

# put SRC DST: copy when different (keeps mtimes, and so the server's caches, stable)
put() {
    if ! cmp -s "$1" "$2"; then
        cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
    fi
}
for f in index.html app.js style.css; do
    put "$WEB/$f" "$OUT/$f"
done
put "$NM/d3-array/dist/d3-array.min.js" "$OUT/vendor/d3-array.min.js"
put "$NM/d3-geo/dist/d3-geo.min.js" "$OUT/vendor/d3-geo.min.js"

# Coastlines of the map window, generated from world-atlas (only when its inputs changed).
LAND="$OUT/vendor/land.js"
if [ ! -f "$LAND" ] || [ "$WEB/tools/make-land.mjs" -nt "$LAND" ] || [ "$NM/world-atlas/land-50m.json" -nt "$LAND" ]; then
    node "$WEB/tools/make-land.mjs" "$LAND.tmp.$$"
    mv -f "$LAND.tmp.$$" "$LAND"
fi
