#!/usr/bin/env bash
# Rebuilds static/vendor/plotly-polar.min.js: Plotly.js with only the core and the scatterpolar
# trace (what the spider diagram needs), instead of the 4.8 MB full bundle.
# Reproducible: exact versions in tools/plotly-bundle/package-lock.json, installed with `npm ci`.
# Usage: bash tools/build-plotly.sh   (needs node + npm; the result is committed)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$here/plotly-bundle"
npm ci --no-audit --no-fund --ignore-scripts
version="$(node -p "require('plotly.js/package.json').version")"
npx --no-install esbuild index.js --bundle --minify --format=iife --global-name=Plotly \
  --define:global=window --define:define.amd=false --target=es2016 \
  --loader:.css=empty --legal-comments=none --log-level=warning \
  --outfile="$root/static/vendor/plotly-polar.min.js"
{ echo "plotly.js $version (core + scatterpolar), built by tools/build-plotly.sh"; echo; cat node_modules/plotly.js/LICENSE; } \
  > "$root/static/vendor/plotly-polar.LICENSE.txt"
sha256sum "$root/static/vendor/plotly-polar.min.js"
