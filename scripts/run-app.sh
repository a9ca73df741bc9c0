#!/usr/bin/env bash
# Install the toolkit into .venv (first run only) and open the desktop app.
#   scripts/run-app.sh           open the app on your own vault
#   scripts/run-app.sh --demo    open it on a throwaway demo vault filled with synthetic data
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/cse-toolkit ] || [ pyproject.toml -nt .venv/.installed ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  touch .venv/.installed
fi
if [ "${1:-}" = "--demo" ]; then
  demo_dir=$(mktemp -d)
  export CSE_TOOLKIT_HOME="$demo_dir/vault"
  echo "Demo vault in $CSE_TOOLKIT_HOME; user 'demo', passphrase 'demo river lamp otter'"
  echo "demo river lamp otter" | .venv/bin/cse-toolkit demo --children 40 --user demo >/dev/null
fi
exec .venv/bin/cse-toolkit
