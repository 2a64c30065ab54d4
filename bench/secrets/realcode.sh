#!/usr/bin/env bash
# Precision on real code: the installed code of popular npm packages (bench/secrets/realcode/,
# locked), scanned by secscan three ways and by secretlint. Results: /tmp/secscan-realcode-results.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-/tmp/secscan-realcode}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSECSCAN_TESTS=OFF >/dev/null
cmake --build build -j2 >/dev/null
mkdir -p "$dir"
cp bench/secrets/realcode/package.json bench/secrets/realcode/package-lock.json "$dir/"
# the packages are only read: their install scripts never run
[ -d "$dir/node_modules" ] || (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
ln -sfn node_modules "$dir/packages"
[ -x bench/secrets/node_modules/.bin/secretlint ] || (cd bench/secrets && npm ci --no-audit --no-fund >/dev/null)
python3 bench/secrets/realcode.py --dir "$dir" --secscan build/secscan \
	--secretlint "$PWD/bench/secrets/node_modules/.bin/secretlint" --out /tmp/secscan-realcode-results.md
