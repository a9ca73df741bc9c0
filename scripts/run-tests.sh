#!/usr/bin/env bash
# Install everything the tests need (system packages too, when run as root) and run them all.
# This is the README's test command and what .ci/run runs on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=""
# System packages are installed here on Linux (as root); on Windows and macOS CI installs them
# first (.github/workflows/ci.yml).
is_linux=""; [ "$(uname -s)" = "Linux" ] && is_linux=1
for tool in pdftotext:poppler-utils pdftoppm:poppler-utils qpdf:qpdf Xvfb:xvfb \
            wixl:wixl wixl-heat:wixl msiinfo:msitools msiextract:msitools dbus-daemon:dbus-daemon; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt="$need_apt ${tool##*:}"
done
# docs/INTEGRATION.md's PostgreSQL example is run against a throwaway server (unix socket only);
# Debian keeps the server binaries off PATH, in /usr/lib/postgresql/N/bin.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
  || need_apt="$need_apt postgresql"
# Qt's offscreen platform still loads these shared libraries; the installer test bundles the X11
# platform plugin, whose libraries PyInstaller analyses, so those are installed too.
for lib in libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3 libGL.so.1 \
           libxcb-cursor.so.0 libxkbcommon-x11.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || need_apt="$need_apt libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libgl1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0"
done
[ -n "$is_linux" ] || need_apt=""
need_apt=$(echo $need_apt | tr ' ' '\n' | sort -u | xargs)
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" = "0" ]; then
    if [[ " $need_apt " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
      # The tests start their own throwaway cluster; do not leave Debian's default one running.
      mkdir -p /etc/postgresql-common
      echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confdef \
      -o Dpkg::Options::=--force-confold $need_apt >/dev/null
  else
    echo "Please install:$need_apt (sudo apt-get install ...)" >&2
    exit 1
  fi
fi
PY=${PYTHON:-python3}
VPY=.venv/bin/python
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) VPY=.venv/Scripts/python.exe ;; esac
if [ ! -x "$VPY" ] || [ pyproject.toml -nt .venv/.installed-test ]; then
  "$PY" -m venv .venv
  "$VPY" -m pip install --quiet --upgrade pip
  "$VPY" -m pip install --quiet -e '.[test]'
  touch .venv/.installed-test
fi
export QT_QPA_PLATFORM=offscreen
set +e
"$VPY" -m pytest "$@"
rc=$?
set -e
if [ "$rc" = "5" ]; then
  echo "No tests were collected: treating that as a failure." >&2
  exit 1
fi
exit "$rc"
