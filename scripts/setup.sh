#!/usr/bin/env bash
# Install what is missing to run or test CalenDoc, then write .run/odoo.conf.
#
#  * Debian packages: PostgreSQL, Chromium (browser tests), wkhtmltopdf (PDF
#    reports) and poppler-utils (pdftotext, the reports' tests), SIPp, build
#    headers for Odoo's Python requirements (only those not installed yet, via
#    apt-get).
#  * Odoo 18.0: used as is when `python3 -c "import odoo"` already works;
#    otherwise cloned from Odoo's official repository into $CALENDOC_ODOO_SRC
#    and installed, with its requirements, into a virtualenv in .run/venv.
#  * The Python requirements of requirements.txt.
#  * The OCA addons of requirements-oca.txt, as wheels installed with
#    `pip --target` into .run/oca-addons (reinstalled when the file changes).
#  * A running PostgreSQL with a superuser role for the current user.
#
# Prints the Python interpreter to use on its last line (Makefile reads it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
run="$here/.run"
mkdir -p "$run"
log() { printf '[setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  # sip-tester: SIPp, the trunk of the telephony tests; wkhtmltopdf: the PDF
  # engine of Odoo's reports (Debian's, the one Odoo supports on Debian 12);
  # poppler-utils: pdftotext, with which the tests read the PDFs back;
  # kamailio*: the SIP server of the phones and the trunk (calendoc_voip's
  # kamailio/), with PostgreSQL (credentials, location), TLS, http_client and
  # jansson (Odoo's routing), python3 (signs its requests to Odoo as the
  # bridge does); baresip: a real softphone in the tests
  for p in postgresql postgresql-contrib chromium libldap2-dev libsasl2-dev libpq-dev git sip-tester wkhtmltopdf poppler-utils \
      kamailio kamailio-postgres-modules kamailio-tls-modules kamailio-utils-modules kamailio-extra-modules \
      kamailio-python3-modules baresip; do
    need_pkg "$p"
  done
  if [ ${#apt_missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${apt_missing[*]}"
    $SUDO apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${apt_missing[@]}" >&2
  fi
fi

# --- Odoo 18.0 -------------------------------------------------------------
PYTHON=${PYTHON:-python3}
odoo_ok() { "$1" -c 'import odoo.release as r, sys; sys.exit(r.series != "18.0")' >/dev/null 2>&1; }
if ! odoo_ok "$PYTHON"; then
  if [ -x "$run/venv/bin/python" ] && odoo_ok "$run/venv/bin/python"; then
    PYTHON="$run/venv/bin/python"
  else
    src=${CALENDOC_ODOO_SRC:-$HOME/.cache/calendoc/odoo-18.0}
    if [ ! -f "$src/odoo/release.py" ]; then
      log "Odoo 18.0 is not importable: cloning Odoo's official 18.0 branch into $src"
      mkdir -p "$(dirname "$src")"
      git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$src" >&2
    fi
    log "installing Odoo 18.0 and its requirements into $run/venv"
    "$PYTHON" -m venv "$run/venv" >&2
    PYTHON="$run/venv/bin/python"
    "$PYTHON" -m pip install -q --upgrade pip wheel setuptools >&2
    # The pinned cbor2 of Odoo's requirements does not build on recent toolchains:
    # any newer cbor2 is API compatible.
    sed -e 's/^cbor2==5\.4\.2.*/cbor2/' "$src/requirements.txt" > "$run/odoo-requirements.txt"
    "$PYTHON" -m pip install -q -r "$run/odoo-requirements.txt" >&2
    "$PYTHON" -m pip install -q --no-deps -e "$src" >&2
  fi
fi

if ! "$PYTHON" - <<'PY' >/dev/null 2>&1
import importlib, sys
for name in ("phonenumbers", "stdnum", "num2words", "ovh", "google.auth", "pytest",
             "pytest_odoo", "websocket", "freezegun", "ruff", "pylint_odoo"):
    importlib.import_module(name)
PY
then
  log "installing requirements.txt"
  "$PYTHON" -m pip install -q -r "$here/requirements.txt" >&2
fi

# --- OCA addons --------------------------------------------------------------
# Installed beside, never into, the interpreter's site-packages: an odoo-addon-*
# wheel there would shadow a source-installed `odoo` package.
oca="$run/oca-addons"
oca_stamp="$oca/.requirements-oca.txt"
if ! cmp -s "$here/requirements-oca.txt" "$oca_stamp"; then
  log "installing the OCA addons of requirements-oca.txt into $oca"
  rm -rf "$oca"
  "$PYTHON" -m pip install -q --no-deps --target "$oca" -r "$here/requirements-oca.txt" >&2
  cp "$here/requirements-oca.txt" "$oca_stamp"
fi

# --- PostgreSQL --------------------------------------------------------------
if ! pg_isready -q 2>/dev/null; then
  log "starting the local PostgreSQL"
  if command -v pg_lsclusters >/dev/null 2>&1; then
    if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
      ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
      $SUDO pg_createcluster "$ver" main >&2
    fi
    pg_lsclusters -h | while read -r ver name _; do
      $SUDO pg_ctlcluster "$ver" "$name" start >&2 || true
    done
  else
    $SUDO service postgresql start >&2
  fi
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
fi
if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  log "creating the PostgreSQL role $(id -un)"
  if [ "$(id -u)" = 0 ]; then
    su postgres -c "createuser --superuser $(id -un)" >&2
  else
    sudo -u postgres createuser --superuser "$(id -un)" >&2
  fi
fi

# --- Configuration ---------------------------------------------------------
odoo_addons=$("$PYTHON" - <<'PY'
import os, odoo
root = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(root, "addons")]
outer = os.path.normpath(os.path.join(root, "..", "addons"))
if os.path.isdir(os.path.join(outer, "web")):
    paths.append(outer)
print(",".join(paths))
PY
)
# A master password changed since (the database manager writes it, hashed, into
# .run/odoo.conf) is kept.
keep=()
if [ -f "$run/odoo.conf" ]; then
  master=$(sed -n 's/^admin_passwd *= *//p' "$run/odoo.conf" | tail -1 | sed -e 's/[\\&#]/\\&/g')
  [ -n "$master" ] && keep=(-e "s#^admin_passwd *=.*#admin_passwd = $master#")
fi
sed -e "s#^addons_path *=.*#addons_path = $here/addons,$oca/odoo/addons,$odoo_addons#" \
    -e "s#^data_dir *=.*#data_dir = $run/data#" \
    ${keep[@]+"${keep[@]}"} \
    "$here/odoo.conf" > "$run/odoo.conf"
echo "$PYTHON"
