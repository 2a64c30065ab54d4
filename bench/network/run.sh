#!/usr/bin/env bash
# 1,000-port TCP connect scan of loopback: secscan's scanner against `nmap -sT -p1-1000 127.0.0.1`.
# Same open ports, wall time with hyperfine. Loopback only; the listeners are started here.
set -euo pipefail
cd "$(dirname "$0")/../.."
make build >/dev/null
cc -O2 -Isrc -D_GNU_SOURCE -o build/portscan_bench bench/network/portscan_bench.c build/libsecscan_core.a -lpthread
out=$(mktemp)
python3 bench/network/listeners.py >"$out" &
listeners=$!
trap 'kill $listeners 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
echo "listening (started here): $(cat "$out")"

ours=$(build/portscan_bench 127.0.0.1 1-1000)
theirs=$(nmap -sT -p1-1000 127.0.0.1 -oG - | grep -o '[0-9]*/open' | cut -d/ -f1 | paste -sd, -)
echo "secscan open ports: $ours"
echo "nmap    open ports: $theirs"
if [ "$ours" = "$theirs" ]; then echo "same open ports: yes"; else echo "same open ports: NO"; fi

hyperfine --warmup 3 --runs "${RUNS:-30}" -N \
  "build/portscan_bench 127.0.0.1 1-1000" \
  "nmap -sT -p1-1000 127.0.0.1"
