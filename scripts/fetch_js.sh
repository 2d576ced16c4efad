#!/usr/bin/env bash
# Installs the report's JavaScript packages (plotly.js, inlined into report.html at build time, and
# the headless-browser test tools) from the pinned lock file in third_party/plotly. Idempotent:
# runs `npm ci` only when node_modules is missing or was installed from another lock file.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/third_party/plotly"
stamp="$dir/node_modules/.imbgen-lock.sha256"

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch_js.sh: npm not found; install Node.js 20 or newer (with npm) first" >&2
  exit 1
fi
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -d "$dir/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "fetch_js.sh: third_party/plotly/node_modules is up to date"
  exit 0
fi
echo "fetch_js.sh: installing JavaScript packages into third_party/plotly/node_modules"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
