#!/usr/bin/env bash
# Set up a fresh machine for Wenzhou plan map: Debian packages, then the project and its Python deps.
# Idempotent and quick when everything is already there. Used by the README's two commands and CI.
#
#   bash scripts/setup.sh          # what `planmap build` / `planmap serve` need
#   bash scripts/setup.sh --test   # plus what the tests need
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(gdal-bin python3-gdal fonts-noto-cjk poppler-utils)   # python3-gdal: GDAL's validate_gpkg.py for `planmap check`
extras="."
if [[ "${1:-}" == "--test" ]]; then
  extras=".[test]"
  apt_pkgs+=(chromium python3-qgis qgis-providers)   # browser tests (Playwright) and QGIS tests (PyQGIS)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: installing the project ($extras) with pip" >&2
PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check -e "$extras"
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
python3 -c "import layers, app.cli" >/dev/null
echo "setup: done" >&2
