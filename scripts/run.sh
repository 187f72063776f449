#!/usr/bin/env bash
# run.sh - `make run`: demo data in ./data on first run, then serve.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8080}"
DATA="${RAPPORT_DATA:-data}"
if [ ! -f "$DATA/rapport.db" ]; then
  export RAPPORT_ADMIN_PASSWORD="${RAPPORT_ADMIN_PASSWORD:-$(head -c 64 /dev/urandom | tr -dc A-HJ-NP-Za-km-z2-9 | head -c 12)}"
  build/rapport init --data "$DATA" --demo
  echo "$RAPPORT_ADMIN_PASSWORD" > "$DATA/.admin-password"
  chmod 600 "$DATA/.admin-password"
fi
echo
echo "  Rapport: http://127.0.0.1:$PORT"
if [ -f "$DATA/.admin-password" ]; then
  echo "  log in as admin / $(cat "$DATA/.admin-password")"
else
  echo "  log in as admin with the password printed at init"
fi
echo
exec build/rapport serve --data "$DATA" --listen "127.0.0.1:$PORT"
