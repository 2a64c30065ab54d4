#!/usr/bin/env bash
# The secrets benchmark: generates the corpus under /tmp (never committed), builds secscan, installs
# the secretlint peer into bench/secrets/node_modules (npm ci from the committed lock file), and
# measures secscan, ripgrep and secretlint on one core. Writes /tmp/secscan-bench-results.md (the
# tables of README.md).
# usage: bench/secrets/run.sh [CORPUS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-/tmp/secscan-bench}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSECSCAN_TESTS=OFF >/dev/null
cmake --build build -j2 >/dev/null
[ -f "$corpus/manifest.json" ] || python3 bench/secrets/gen_corpus.py "$corpus"
[ -x bench/secrets/node_modules/.bin/secretlint ] || (cd bench/secrets && npm ci --no-audit --no-fund >/dev/null)
python3 bench/secrets/evaluate.py --corpus "$corpus" --secscan build/secscan \
	--secretlint "$PWD/bench/secrets/node_modules/.bin/secretlint" --out /tmp/secscan-bench-results.md
