#!/usr/bin/env bash
# Installs every Debian package that secscan's build, tests and benchmarks need.
# Idempotent: installs only what is missing and prints nothing when all is present.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev
  libpcre2-dev libvectorscan-dev libunbound-dev libevent-dev libcmocka-dev zlib1g-dev
  # tests: fixture servers and protocol peers
  python3 python3-yaml curl openssl sqlite3 redis-server memcached knot dnsutils
  # benchmarks and their peers
  wrk sslscan testssl.sh nmap ripgrep hyperfine
)

# SARIF schema validation in the tests runs on node; a node already installed is used as it is.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

# Node packages of the tests (tests/tools/package-lock.json), reinstalled only when the lock changes.
install_test_tools() {
  local dir stamp sum
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/tools"
  stamp="$dir/node_modules/.secscan-lock-sha256"
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
  echo "install-deps: installing node test tools (tests/tools)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
  echo "$sum" > "$stamp"
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then install_test_tools; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Services that packages would start (redis, memcached, knot) are not wanted: tests start their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "$created_policy" -eq 1 ] && rm -f "$policy"
install_test_tools
exit 0
