#!/usr/bin/env bash
# The API benchmark: wrk against GET /v1/scan/{id} of a completed run with 50 findings (and, for
# comparison, of a running one, whose version is read from the store on every request). See README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10}
PORT=${PORT:-18090}
THREADS=${THREADS:-2}

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSECSCAN_TESTS=OFF >/dev/null
cmake --build build -j 2 >/dev/null
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc bench/api/seed_run.c build/libsecscan_core.a \
   $(pkg-config --libs sqlite3 libcrypto jansson) -lpthread -lm -o build/bench_seed_run

dir=$(mktemp -d /tmp/secscan-bench-api.XXXXXX)
# The per-key rate limit is off: one key drives all the load.
printf '[server]\nthreads = %s\nlog_level = warn\n[limits]\nrate = 0\n' "$THREADS" > "$dir/secscan.conf"
build/secscan serve --listen 127.0.0.1:$PORT --db "$dir/secscan.db" --config "$dir/secscan.conf" \
   > "$dir/stdout" 2> "$dir/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
key=$(sed -n 's/^API key: //p' "$dir/stdout")
read -r done running < <(build/bench_seed_run "$dir/secscan.db" admin)
auth="Authorization: Bearer $key"
bytes=$(curl -fs -H "$auth" http://127.0.0.1:$PORT/v1/scan/$done | wc -c)
echo "completed run $done: $bytes bytes, $(curl -fs -H "$auth" http://127.0.0.1:$PORT/v1/scan/$done | grep -o '"seq"' | wc -l) findings"

echo "== GET /v1/scan/{id}, completed run (wrk -t2 -c64 -d${DURATION}s --latency)"
wrk -t2 -c64 -d${DURATION}s --latency -H "$auth" http://127.0.0.1:$PORT/v1/scan/$done \
   | grep -E "Requests/sec|Latency |50%|99%|Non-2xx|Socket errors"
echo "== GET /v1/scan/{id}, running run (one store query per request checks its version)"
wrk -t2 -c64 -d${DURATION}s --latency -H "$auth" http://127.0.0.1:$PORT/v1/scan/$running \
   | grep -E "Requests/sec|Latency |50%|99%|Non-2xx|Socket errors"
echo "server RSS peak: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
