#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages triwatch needs, only those missing.
# Runs apt-get as root, or through sudo. Prints what it installs; silent when nothing is missing.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libcmocka-dev            # unit tests
  libproj-dev proj-bin     # geodesics (geodesic.h) and the `geod` tool the tests compare with
  libjansson-dev           # JSON
  libgeos-dev              # threatened areas (polygon intersection)
  liblapacke-dev libgsl-dev # peers measured beside our own code in `make bench`
  libyaml-dev              # scenario files
  libxml2-dev              # CAP and CoT (XML)
  libxml2-utils jq curl    # the CLI tests: xmllint (CAP vs cap12.xsd), jq (JSON), curl (HTTP)
  cyclonedds-dev cyclonedds-tools  # the bus (idlc at build time, ddsperf in make bench)
  libsqlite3-dev           # the recorder
  libssl-dev openssl       # the development PKI (the tests check it with the openssl tool)
  iproute2                 # network-namespace fault tests
  libmicrohttpd-dev        # the node's web picture, JSON API and Atom feed
  chromium                 # the browser the web picture's end-to-end test drives
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
