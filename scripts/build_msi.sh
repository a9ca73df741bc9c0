#!/usr/bin/env bash
# Build the per-machine Windows MSI (installer/windows/cse-toolkit.wxs) from a Windows
# PyInstaller folder, with wixl from Debian's msitools (apt-get install wixl msitools).
#
#   scripts/build_msi.sh --source dist/cse-toolkit [--policy policy.toml] [--output FILE]
#
# --source  the folder a Windows build made (dist\cse-toolkit, copied here): it must hold
#           cse-toolkit.exe and cse-toolkit-cli.exe
# --policy  optional: your organisation's policy.toml, checked with `cse-toolkit policy check`
#           first; the MSI installs it to C:\ProgramData\CSEToolkit\cse-toolkit\policy.toml
# --output  default dist/cse-toolkit-<version>-x64.msi
#
# Exits non-zero, saying why, if anything is missing or the policy has a problem.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source_dir="" policy="" output=""
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_dir=${2:?--source needs a folder}; shift 2 ;;
    --policy) policy=${2:?--policy needs a file}; shift 2 ;;
    --output) output=${2:?--output needs a file name}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$source_dir" ] || { echo "Give the Windows build folder: --source dist/cse-toolkit" >&2; exit 2; }
for tool in wixl wixl-heat; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is not installed: apt-get install wixl msitools" >&2; exit 1; }
done
source_dir=$(cd "$source_dir" && pwd)
for exe in cse-toolkit.exe cse-toolkit-cli.exe; do
  [ -f "$source_dir/$exe" ] || {
    echo "$source_dir has no $exe: give the folder a Windows build made (dist\\cse-toolkit)" >&2
    exit 1; }
done
PY=${PYTHON:-python3}
[ -x "$ROOT/.venv/bin/python" ] && PY="$ROOT/.venv/bin/python"
version=$(cd "$ROOT" && PYTHONPATH="$ROOT" "$PY" -c "import cse_toolkit; print(cse_toolkit.__version__)")
# An MSI version is numbers only (major.minor.build): 0.2.0rc1 is built as 0.2.0.
msi_version=$(echo "$version" | sed -E 's/^([0-9]+(\.[0-9]+){0,2}).*/\1/')
output=${output:-"$ROOT/dist/cse-toolkit-$version-x64.msi"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# wixl takes sources relative to the folder it runs in: the build folder is linked in as app/.
ln -s "$source_dir" "$work/app"
defines=(-D "Version=$msi_version" -D "SourceDir=app" -D "Win64=yes")
if [ -n "$policy" ]; then
  [ -f "$policy" ] || { echo "No policy file at $policy" >&2; exit 1; }
  policy=$(cd "$(dirname "$policy")" && pwd)/$(basename "$policy")
  if ! (cd "$ROOT" && PYTHONPATH="$ROOT" "$PY" -m cse_toolkit policy check "$policy" >/dev/null); then
    echo "The policy has a problem (run: cse-toolkit policy check $policy); no MSI was built." >&2
    exit 1
  fi
  cp "$policy" "$work/policy.toml"
  defines+=(-D "PolicyFile=policy.toml")
fi
# Every file of the build folder, as one component each, under INSTALLDIR.
(cd "$work" && find app/ -type f -o -type l | LC_ALL=C sort) \
  | wixl-heat --var var.SourceDir --prefix app/ --component-group AppFiles \
      --directory-ref INSTALLDIR --win64 \
  > "$work/files.wxs"
mkdir -p "$(dirname "$output")"
(cd "$work" && wixl -a x64 "${defines[@]}" -o out.msi \
  "$ROOT/installer/windows/cse-toolkit.wxs" files.wxs)
mv "$work/out.msi" "$output"
echo "Built $output ($(du -h "$output" | cut -f1)); install silently with: msiexec /i $(basename "$output") /qn"
