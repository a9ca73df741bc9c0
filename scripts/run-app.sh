#!/usr/bin/env bash
# Install the toolkit into .venv (first run only) and open the desktop app.
#   scripts/run-app.sh           open the app on your own vault
#   scripts/run-app.sh --demo    open it on a throwaway demo vault filled with synthetic data
set -euo pipefail
cd "$(dirname "$0")/.."
# Qt's X11 platform plugin needs these on Linux (the test suite runs offscreen without them).
if [ "$(uname -s)" = "Linux" ] && command -v ldconfig >/dev/null 2>&1 \
   && ! ldconfig -p | grep -q libxcb-cursor.so.0; then
  libs="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 \
libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $libs >/dev/null
  else
    echo "Qt needs some system libraries to show windows. On Debian/Ubuntu run:" >&2
    echo "  sudo apt-get install $libs" >&2
    exit 1
  fi
fi
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
