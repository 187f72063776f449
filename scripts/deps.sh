#!/usr/bin/env bash
# deps.sh - installs what Rapport needs to build and test, or says what is missing.
# Debian packages: installed when run as root, otherwise the apt-get line is printed.
# npm packages: `npm ci` from the committed lock file, only when it changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential pkg-config clang libmicrohttpd-dev libjansson-dev libsqlite3-dev
  libsodium-dev libpq-dev libxlsxwriter-dev libcriterion-dev chromium fonts-noto-cjk postgresql wrk
  libzip-dev libexpat1-dev
  libpango1.0-dev libcairo2-dev poppler-utils
  libcurl4-openssl-dev python3-aiosmtpd)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "deps: missing Debian packages; run:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# Vite 8 needs Node.js 20.19 or newer (Debian 12's nodejs is 18.19).
if ! command -v node >/dev/null; then
  echo "deps: Node.js 20.19 or newer is required (https://nodejs.org or Debian 13's nodejs)"; exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "deps: Node.js $(node --version) is too old: 20.19 or newer is required"; exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi
