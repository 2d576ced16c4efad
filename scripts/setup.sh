#!/usr/bin/env bash
# Installs imbgen's dependencies from Debian's packages (idempotent, non-interactive) and builds the
# release preset. Usage: scripts/setup.sh [--deps-only] [--preset release|debug|asan]
set -euo pipefail
cd "$(dirname "$0")/.."

preset=release
deps_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only) deps_only=1 ;;
    --preset) preset="$2"; shift ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# Build, run and test dependencies. python3-sklearn/scipy/pandas are for the tests that recompute
# imbgen's metrics with scikit-learn, chromium for the test that opens the HTML report; neither is
# needed to run imbgen. Node.js 20+ with npm must be present (plotly.js comes from npm).
packages=(g++ make cmake ninja-build pkg-config zlib1g-dev
  libtorch-dev libopenblas-dev libxgboost-dev liblinear-dev libsvm-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libgtest-dev libbenchmark-dev libboost-dev
  python3 python3-sklearn python3-scipy python3-pandas chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all dependencies present"
fi
# plotly.js (inlined into the HTML report at build time) and the browser-test tools, from npm.
scripts/fetch_js.sh
[ "$deps_only" -eq 1 ] && exit 0

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
echo "setup: built build/$preset/imbgen"
