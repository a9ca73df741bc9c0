#!/usr/bin/env bash
# Build the frozen app (PyInstaller onedir) from build_installer.spec, then check it.
#
#   scripts/build_installer.sh [--dist DIR] [--work DIR] [--python PY] [--no-check]
#
# Uses .venv with the dev extra (creates or updates it when needed; PYTHON picks the
# interpreter that creates it, default python3), or with --python PY an interpreter that already
# has the app and PyInstaller installed (used as it is: tests/test_installer.py).
# Writes DIR/cse-toolkit/ (default dist/cse-toolkit/), then runs the frozen
# `cse-toolkit-cli --version` and `cse-toolkit-cli self-test` headless (QT_QPA_PLATFORM=offscreen,
# in a throwaway CSE_TOOLKIT_HOME) and prints build time and bundle size.
# Exit 0 only if the build and both checks pass.
#
# Environment: CSE_TOOLKIT_BUILD_CONSOLE=1 builds the desktop program with a console window
# (debugging). VENV=DIR uses another virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

dist="$ROOT/dist"
work="$ROOT/build/pyinstaller"
check=1
use_python=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --python) use_python=$2; shift 2 ;;
    --no-check) check=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build_installer.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dist" "$work"
dist=$(cd "$dist" && pwd)
work=$(cd "$work" && pwd)

if [ -n "$use_python" ]; then
  VPY=$use_python
  "$VPY" -c "import PyInstaller, cse_toolkit" || {
    echo "build_installer.sh: $VPY cannot import PyInstaller and cse_toolkit" >&2; exit 1; }
else
  VENV=${VENV:-$ROOT/.venv}
  PY=${PYTHON:-python3}
  if [ ! -x "$VENV/bin/python" ] && [ ! -x "$VENV/Scripts/python.exe" ]; then
    "$PY" -m venv "$VENV"
  fi
  VPY="$VENV/bin/python"
  [ -x "$VPY" ] || VPY="$VENV/Scripts/python.exe"
  if ! "$VPY" -c "import PyInstaller, cse_toolkit" >/dev/null 2>&1 \
     || [ pyproject.toml -nt "$VENV/.installed-dev" ]; then
    echo "== installing the app and the dev extra (PyInstaller) into $VENV"
    "$VPY" -m pip install --quiet --upgrade pip
    "$VPY" -m pip install --quiet -e '.[dev]'
    touch "$VENV/.installed-dev"
  fi
fi

start=$(date +%s)
echo "== PyInstaller $("$VPY" -c 'import PyInstaller; print(PyInstaller.__version__)') -> $dist/cse-toolkit"
"$VPY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work" build_installer.spec
built=$(date +%s)

app="$dist/cse-toolkit"
cli="$app/cse-toolkit-cli"
[ -x "$cli" ] || cli="$app/cse-toolkit-cli.exe"
size=$(du -sh "$app" | cut -f1)
files=$(find "$app" -type f | wc -l)
echo "== built in $((built - start)) s: $app ($size, $files files)"

if [ "$(uname -s)" = "Linux" ] && command -v ldd >/dev/null; then
  # Every Qt library a bundled plugin or module links to must be in the bundle (the spec drops
  # unused Qt libraries; this catches one dropped too many). System libraries are the OS's job.
  missing=$(find "$app" -name '*.so*' -type f -print0 \
    | xargs -0 -n 50 ldd 2>/dev/null | grep -E 'lib(Qt6|pyside6|shiboken6)[^ ]* => not found' \
    | sort -u || true)
  if [ -n "$missing" ]; then
    echo "build_installer.sh: bundled libraries link to Qt libraries left out:" >&2
    echo "$missing" >&2
    exit 1
  fi
fi

if [ "$check" = "1" ]; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  export CSE_TOOLKIT_HOME="$home/data" CSE_TOOLKIT_LOG_DIR="$home/logs" CSE_TOOLKIT_TMP="$home/tmp"
  export CSE_TOOLKIT_POLICY="$home/no-policy.toml" QT_QPA_PLATFORM=offscreen
  echo "== $cli --version"
  "$cli" --version
  echo "== $cli self-test"
  "$cli" self-test
  echo "== self-test passed in $(($(date +%s) - built)) s"
fi
echo "== total $(($(date +%s) - start)) s; bundle $size"
