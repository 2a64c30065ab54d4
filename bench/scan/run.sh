#!/usr/bin/env bash
# Wall time of `secscan scan` (release build) against the local fixture site, with hyperfine.
# Loopback only: the site is started here and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
make build >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 bench/scan/site.py "$port" &
site=$!
trap 'kill $site' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
# -i: the scan exits 1 when it finds something at or above HIGH, which this site is made for.
hyperfine --warmup 2 --runs "${RUNS:-20}" -i \
  "build/secscan scan http://127.0.0.1:$port --allow-private"
build/secscan scan "http://127.0.0.1:$port" --allow-private | sed -n '1,3p'
