#!/usr/bin/env bash
# What the tests need beyond Python packages: system packages, the databases, npm modules.
# Idempotent; CI runs it on a fresh clone, developers get it from `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# PostgreSQL and Redis: this machine kind starts them; start (or install) them if they are not up.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

# Browsers for the extension and web-page tests: Debian's builds (never `playwright install`).
apt_install chromium firefox-esr

# npm modules for the extension's unit and end-to-end tests.
if [ -f extension/package.json ]; then
  (cd extension && npm ci --no-audit --no-fund --loglevel=error)
fi
