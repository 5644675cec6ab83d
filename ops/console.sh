#!/usr/bin/env bash
# The staff console (console/): `make console` builds it, `make console-test` tests it.
#
#   ops/console.sh build   npm ci (when package-lock.json changed) + vite build into console/dist
#   ops/console.sh test    the same dependencies, then vue-tsc (types) and Vitest (unit tests)
#
# Needs Node.js 20.19+ with npm (Vite 8). Without them it says what to install and fails; with
# PINGJIAN_CONSOLE_OPTIONAL=1 (`make run`) it only warns: the platform starts without the console
# and the gateway's / says in zh-CN how to build it.
set -euo pipefail
cd "$(dirname "$0")/../console"

NEED="Node.js 20.19 or newer with npm (node --version must say v20.19+; Debian 12's own nodejs package is 18, too old: install a Node.js 20 build of nodejs and npm)"

missing() {
  if [[ "${PINGJIAN_CONSOLE_OPTIONAL:-}" == 1 ]]; then
    echo "⚠ console not built: $1. Install $NEED, then run make again; the API works without it." >&2
    exit 0
  fi
  echo "✗ the console needs $NEED: $1" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || missing "node is not installed"
command -v npm >/dev/null 2>&1 || missing "npm is not installed"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
  || missing "node $(node --version) is too old"

# Dependencies exactly as package-lock.json pins them, again only when it changed since the last
# install (npm keeps its own copy of the lock in node_modules/.package-lock.json).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "console: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

case "${1:-build}" in
  build)
    echo "console: vite build"
    npx --no-install vite build --logLevel warn
    ;;
  test)
    echo "console: vue-tsc (types) and vitest (unit tests)"
    npx --no-install vue-tsc --noEmit -p tsconfig.json
    npx --no-install vitest run
    ;;
  *)
    echo "usage: ops/console.sh build|test" >&2
    exit 2
    ;;
esac
