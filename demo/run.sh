#!/usr/bin/env bash
# A real sync with no SQL Server installed: builds source-mssql and mssql-emulator
# (release) if needed, serves the sample database of demo/sample.sql on a free
# local port, then runs `source-mssql discover` and `source-mssql read` against it
# (full refresh and incremental streams), and a second read from the first one's
# state. Prints every protocol line as the connector writes it.
#
#   demo/run.sh            # needs a Rust toolchain (cargo) the first time
#
# The emulator is stopped on exit, however the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

EMULATOR=target/release/mssql-emulator
SOURCE=target/release/source-mssql
DATABASE=shop
USER_NAME=demo
# Any password will do; a fresh one shows that nothing prints it.
PASSWORD="Demo-$RANDOM-$RANDOM"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

build() {
  if command -v cargo >/dev/null 2>&1; then
    say "cargo build --release -p source-mssql -p mssql-emulator (quick when up to date)"
    cargo build --release -q -p source-mssql -p mssql-emulator
  elif [ ! -x "$EMULATOR" ] || [ ! -x "$SOURCE" ]; then
    echo "demo: $EMULATOR and $SOURCE are missing and cargo is not installed (https://rustup.rs)" >&2
    exit 1
  fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/source-mssql-demo.XXXXXX")
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the emulator and sets `port` from its first line, `listening 127.0.0.1:PORT`.
start_emulator() {
  say "mssql-emulator: database \`$DATABASE\` from demo/sample.sql"
  "$EMULATOR" --listen 127.0.0.1:0 --login "$USER_NAME:$PASSWORD" --database "$DATABASE" \
    --init demo/sample.sql >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
  emulator_pid=$!
  for _ in $(seq 1 300); do
    port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/emulator.out")
    if [ -n "$port" ]; then
      echo "listening on 127.0.0.1:$port"
      return
    fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "demo: the emulator did not start:" >&2
  cat "$tmp/emulator.err" >&2
  exit 1
}

write_config() {
  cat >"$tmp/config.json" <<EOF
{"host": "127.0.0.1", "port": $port, "database": "$DATABASE",
 "username": "$USER_NAME", "password": "$PASSWORD", "schemas": ["dbo"],
 "ssl_mode": {"mode": "unencrypted"}}
EOF
}

# What Airbyte's platform hands `read`: the streams chosen, and how. A schema
# without `properties` selects every column; `products` selects three.
write_catalog() {
  cat >"$tmp/catalog.json" <<'EOF'
{"streams": [
  {"stream": {"name": "orders", "namespace": "dbo", "json_schema": {"type": "object"},
              "supported_sync_modes": ["full_refresh", "incremental"]},
   "sync_mode": "incremental", "cursor_field": ["updated_at"],
   "destination_sync_mode": "append_dedup", "primary_key": [["id"]]},
  {"stream": {"name": "order_lines", "namespace": "dbo", "json_schema": {"type": "object"},
              "supported_sync_modes": ["full_refresh", "incremental"]},
   "sync_mode": "full_refresh", "destination_sync_mode": "overwrite",
   "primary_key": [["order_id"], ["line_no"]]},
  {"stream": {"name": "customers", "namespace": "dbo", "json_schema": {"type": "object"},
              "supported_sync_modes": ["full_refresh", "incremental"]},
   "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"},
  {"stream": {"name": "products", "namespace": "dbo",
              "json_schema": {"type": "object", "properties": {
                "sku": {"type": "string"}, "title": {"type": "string"}, "price": {"type": "number"}}},
              "supported_sync_modes": ["full_refresh", "incremental"]},
   "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"},
  {"stream": {"name": "order_totals", "namespace": "dbo", "json_schema": {"type": "object"},
              "supported_sync_modes": ["full_refresh"]},
   "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
]}
EOF
}

# Runs source-mssql with its arguments, prints its stdout, and keeps it in $tmp/$name.out.
run_source() {
  local name=$1; shift
  say "source-mssql $*"
  "$SOURCE" "$@" | tee "$tmp/$name.out"
}

# The last STATE of `orders` from the first read, as the state file of the next
# (a list of the STATE messages' `state`).
write_state() {
  local last
  last=$(grep '^{"type":"STATE"' "$tmp/read.out" | grep '"name":"orders"' | tail -n 1)
  last=${last#\{\"type\":\"STATE\",\"state\":}
  printf '[%s]\n' "${last%\}}" >"$tmp/state.json"
}

summary() {
  say "records per stream"
  for stream in orders order_lines customers products order_totals; do
    printf '%-14s %s\n' "$stream" \
      "$(grep -c "^{\"type\":\"RECORD\",\"record\":{\"stream\":\"$stream\"" "$1" || true)"
  done
}

build
start_emulator
write_config
write_catalog
run_source discover discover --config "$tmp/config.json"
run_source read read --config "$tmp/config.json" --catalog "$tmp/catalog.json"
summary "$tmp/read.out"
write_state
say "state for the next sync: $(cat "$tmp/state.json")"
run_source read-again read --config "$tmp/config.json" --catalog "$tmp/catalog.json" \
  --state "$tmp/state.json"
summary "$tmp/read-again.out"
say "done: orders 1005 and 1006 have the saved cursor value, so the second sync reads them again (a row committed later with that value is not lost); full-refresh streams are read in full each time"
