#!/usr/bin/env bash
# Installs imbgen's dependencies from Debian 12's packages and builds the release preset.
# Idempotent (installs only what is missing, rebuilds only what changed) and non-interactive; uses
# sudo only when not run as root. Every step prints its time; a failing step is named, with what
# to do. apt's own output goes to build/setup-apt.log.
# Last, it installs the Python package into .venv (python3 -m venv --system-site-packages, so that
# numpy, pandas, scikit-learn and imbalanced-learn come from Debian), reusing the build.
# Usage: scripts/setup.sh [--deps-only] [--dev] [--preset release|debug|asan]
#   --deps-only  install the dependencies (Debian packages, npm packages) without configuring or
#                building
#   --dev        also install what the sanitizer and fuzzing checks need (clang and libFuzzer for
#                scripts/fuzz.sh; CI uses it)
set -eEuo pipefail
cd "$(dirname "$0")/.."

preset=release
deps_only=0
dev=0
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only) deps_only=1 ;;
    --dev) dev=1 ;;
    --preset) preset="${2:?--preset needs a name}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# ---- Debian packages, one group per user; CMakeLists.txt and tests/CMakeLists.txt declare the
# ---- same dependencies where they are used. A new dependency goes into the group of its user.
# Compiler and build tools (the presets use Ninja).
build_tools=(g++ cmake ninja-build pkg-config)
# Libraries the code includes or links (CMakeLists.txt). libopenblas-dev: not linked by imbgen, it
# makes OpenBLAS the system BLAS that LibTorch calls; without it LibTorch runs on the slow reference
# BLAS.
libraries=(libtorch-dev libopenblas-dev libxgboost-dev liblinear-dev libsvm-dev libcli11-dev
  nlohmann-json3-dev zlib1g-dev libboost-dev libcpp-httplib-dev)
# MPI for `mpirun -n N imbgen benchmark` (CMakeLists.txt: IMBGEN_MPI; the build works without it):
# Open MPI's library and headers, and mpirun, which tests/cli runs on loopback.
mpi=(libopenmpi-dev openmpi-bin)
# The Python package (python/CMakeLists.txt, python/setup.py): pybind11 and Python's headers to
# build it; venv, pip and setuptools to install it into .venv; the packages it imports at run time.
python_package=(python3-dev pybind11-dev python3-venv python3-pip python3-setuptools python3-wheel
  python3-numpy python3-pandas python3-scipy python3-sklearn python3-imblearn)
# Test and benchmark frameworks (CMakeLists.txt: GoogleTest for tests/, Google Benchmark for bench/).
test_libraries=(libgtest-dev libbenchmark-dev)
# Tools the tests run (tests/CMakeLists.txt checks them): Debian's /usr/bin/python3 with numpy,
# pandas and scikit-learn for tests/cli/check_predictions.py, pytest and imbalanced-learn for the
# Python package's and the server's tests, Chromium for tests/report/browser_test.mjs.
test_tools=(python3 python3-numpy python3-pandas python3-sklearn python3-imblearn python3-pytest
  chromium)
# With --dev: clang and its libFuzzer and sanitizer runtimes for the `fuzz` preset
# (scripts/fuzz.sh, fuzz/CMakeLists.txt; the `asan` preset builds with g++), and ccache, which
# scripts/sanitize_check.sh uses for both builds when it is there.
dev_tools=(clang libclang-rt-14-dev ccache)
# Node.js 18+ with npm: npm fetches plotly.js (inlined into the report at build time) and the
# browser-test tools (scripts/fetch_js.sh). An existing node is left alone; Debian's nodejs (18,
# which brings ca-certificates for npm's HTTPS) and npm are added only when there is no node at all.

log=build/setup-apt.log
step_name="start"
step_hint=""
step_start=$SECONDS
step() {  # step NAME WHAT-TO-DO-IF-IT-FAILS
  step_name="$1"
  step_hint="$2"
  step_start=$SECONDS
  echo "setup: [$step_name]"
}
step_done() { echo "setup: [$step_name] done in $((SECONDS - step_start)) s${1:+ ($1)}"; }
failed() {
  local rc=$?
  {
    echo
    echo "setup: FAILED at step [$step_name] (exit code $rc) after $((SECONDS - step_start)) s"
    echo "setup: what to do: $step_hint"
  } >&2
  exit "$rc"
}
trap failed ERR

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  step "sudo" "run scripts/setup.sh as root, or install sudo and allow this user to use it"
  command -v sudo >/dev/null
  sudo="sudo"
fi

# ---- 1: what is missing ----
step "check" "this script needs Debian 12 (or a system with dpkg and apt-get)"
command -v dpkg-query >/dev/null
command -v apt-get >/dev/null
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
check_group() {  # check_group LABEL PACKAGE...: adds the missing ones to $missing and names them
  local label="$1" p absent=()
  shift
  for p in "$@"; do
    # a package two groups need is listed once
    if ! installed "$p" && [[ " ${missing[*]} " != *" $p "* ]]; then absent+=("$p"); fi
  done
  if [ ${#absent[@]} -gt 0 ]; then
    echo "setup:   to install for $label: ${absent[*]}"
    missing+=("${absent[@]}")
  fi
}
check_group "the build" "${build_tools[@]}"
check_group "the libraries" "${libraries[@]}"
check_group "MPI" "${mpi[@]}"
check_group "the Python package" "${python_package[@]}"
check_group "the tests and benchmarks" "${test_libraries[@]}"
check_group "the tools the tests run" "${test_tools[@]}"
if [ "$dev" -eq 1 ]; then check_group "fuzzing (--dev)" "${dev_tools[@]}"; fi
if ! command -v node >/dev/null 2>&1; then
  echo "setup:   to install for fetch_js.sh (no node found): nodejs npm"
  missing+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  # A node without npm: Debian's nodejs gets Debian's npm; another node (nodesource, nvm, a
  # tarball) brings its own npm, and Debian's npm would conflict with it.
  node_path="$(readlink -f "$(command -v node)")"
  node_owner="$(dpkg -S "$node_path" 2>/dev/null | cut -d: -f1 || true)"
  node_version="$(dpkg-query -W -f='${Version}' nodejs 2>/dev/null || true)"
  if [ "$node_owner" = nodejs ] && [[ "$node_version" != *nodesource* ]]; then
    echo "setup:   to install for fetch_js.sh (Debian's nodejs has no npm): npm"
    missing+=(npm)
  else
    step_hint="$(command -v node) has no npm beside it: install the npm that belongs to that Node.js, or remove that node so that scripts/setup.sh installs Debian's nodejs and npm"
    false
  fi
else
  echo "setup: using the installed node $(node --version) ($(command -v node)) and npm $(npm --version)"
fi
if [ ${#missing[@]} -eq 0 ]; then
  step_done "all Debian packages present"
else
  step_done "${#missing[@]} packages to install"
  mkdir -p build
  : > "$log"
  export DEBIAN_FRONTEND=noninteractive

  # ---- 2: apt ----
  step "apt-get update" "check the network and the apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/); apt's messages are in $log. Then run scripts/setup.sh again"
  $sudo apt-get update >>"$log" 2>&1 || { tail -n 20 "$log" >&2; false; }
  step_done

  step "apt-get install" "read $log: a package may be missing from the apt sources (Debian 12 'bookworm', component main), another apt or dpkg may be running, or apt would have to remove installed packages (it is told not to; install the listed packages by hand then). Then run scripts/setup.sh again: it installs only what is still missing"
  echo "setup: installing ${missing[*]} (apt-get install --no-install-recommends; on a bare Debian 12 that is about 840 packages, a 530 MB download)"
  $sudo apt-get install -y -q --no-install-recommends --no-remove -o Dpkg::Use-Pty=0 \
    "${missing[@]}" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; false; }
  step_done
fi

# ---- 3: Node.js (the one found above, or Debian's just installed) ----
step "node" "install Node.js 18 or newer (Debian 12's nodejs is 18), or remove the older node so that scripts/setup.sh installs Debian's nodejs and npm"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ]
step_done "node $(node --version), npm $(npm --version)"

# ---- 4: npm packages ----
step "npm packages" "scripts/fetch_js.sh could not install third_party/plotly's packages: check that the npm registry is reachable (npm config get registry; proxy and certificate settings: npm config get proxy, cafile), then run scripts/setup.sh again"
scripts/fetch_js.sh
step_done

if [ "$deps_only" -eq 1 ]; then
  echo "setup: dependencies installed in $SECONDS s (--deps-only: not built)"
  exit 0
fi

# ---- 5, 6: configure and build ----
step "configure" "read the CMake error above: a missing dependency is named with its Debian package. If build/$preset was configured on another machine or path, remove it and run scripts/setup.sh again"
cmake --preset "$preset" >/dev/null
step_done

step "build" "read the compiler error above. If the compiler was killed (out of memory), build with fewer jobs: cmake --build --preset $preset -j1"
cmake --build --preset "$preset" -j"$(nproc)"
step_done

# ---- 7: the Python package, into .venv (reusing the build above; nothing from PyPI) ----
step "python package" "read pip's error above. To start the environment again: rm -rf .venv and run scripts/setup.sh again"
if [ ! -x .venv/bin/python ]; then
  # Debian's interpreter, whose site packages hold numpy, pandas, scikit-learn and
  # imbalanced-learn (a pyenv python may come first on PATH).
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
IMBGEN_BUILD_DIR="build/$preset" .venv/bin/python -m pip install --quiet --no-index \
  --no-build-isolation --no-deps --force-reinstall ./python
(cd / && "$OLDPWD/.venv/bin/python" -c "import imbgen")
step_done "$(.venv/bin/python -c 'import imbgen; print("imbgen", imbgen.__version__)') in .venv"

echo "setup: built build/$preset/imbgen and the Python package in .venv; setup finished in $SECONDS s"
