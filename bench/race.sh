#!/usr/bin/env bash
# The speed race in one command: builds the release binaries (emulator, source-mssql, the
# bench), installs pipelinewise tap-mssql into .venv-tap-mssql (as .ci/run does) and
# ConnectorX into .venv-connectorx if they are missing, then runs target/release/race with
# the arguments given (see its --help; --quick takes a few minutes, no argument runs every
# size).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

cargo build --release -q -p mssql-emulator -p source-mssql -p bench

if [ ! -x .venv-tap-mssql/bin/tap-mssql ]; then
  echo "race.sh: installing tap-mssql into .venv-tap-mssql" >&2
  [ -x .venv-tap-mssql/bin/python ] || "${PYTHON:-python3}" -m venv .venv-tap-mssql
  .venv-tap-mssql/bin/pip install -q -r tests/clients/requirements-tap-mssql.txt
fi

if [ ! -x .venv-connectorx/bin/python ] || ! .venv-connectorx/bin/python -c 'import connectorx' 2>/dev/null; then
  echo "race.sh: installing ConnectorX into .venv-connectorx" >&2
  [ -x .venv-connectorx/bin/python ] || "${PYTHON:-python3}" -m venv .venv-connectorx
  .venv-connectorx/bin/pip install -q -r bench/requirements-connectorx.txt
fi

exec target/release/race "$@"
