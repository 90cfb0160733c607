#!/usr/bin/env bash
# Installs what dsbot needs on a Debian/Ubuntu machine with Node 20: bubblewrap and Debian's
# Python with pandas (the local sandbox), redis-server (the queue; the demo starts its own),
# then the npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
/usr/bin/python3 -c 'import pandas, numpy' >/dev/null 2>&1 || need+=(python3 python3-pandas python3-numpy)
/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1 || need+=(python3-matplotlib)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v prlimit >/dev/null 2>&1 || need+=(util-linux)

if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
