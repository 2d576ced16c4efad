#!/usr/bin/env bash
# Installs the report's JavaScript packages (plotly.js, inlined into report.html at build time, and
# the headless-browser test tools) from the pinned lock file in third_party/plotly. Idempotent:
# runs `npm ci` only when node_modules is missing or was installed from another lock file.
# Needs Node.js 18 or newer with npm: Debian 12's `nodejs` and `npm` packages, or any other Node
# (scripts/setup.sh installs Debian's when no node is present and leaves an existing one alone).
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/third_party/plotly"
stamp="$dir/node_modules/.imbgen-lock.sha256"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch_js.sh: $tool not found; install Node.js 18 or newer with npm" \
      "(on Debian 12: apt-get install nodejs npm, or run scripts/setup.sh)" >&2
    exit 1
  fi
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "fetch_js.sh: $(command -v node) is Node.js $(node --version); 18 or newer is needed" >&2
  exit 1
fi
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -d "$dir/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "fetch_js.sh: third_party/plotly/node_modules is up to date"
  exit 0
fi
echo "fetch_js.sh: installing JavaScript packages into third_party/plotly/node_modules" \
  "(node $(node --version), npm $(npm --version))"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
