#!/usr/bin/env bash
# Create database $2 from scratch with every CalenDoc addon installed (demo data
# included, French loaded) and fail if the installation logs a warning or an error.
# usage: install-db.sh PYTHON DBNAME [EXTRA_MODULES]
# (the test database adds payment_demo: Odoo's demo payment provider, which the
# purchase tests pay with)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=$1
db=$2
addons=$(cd "$here/addons" && ls -d calendoc_* | paste -sd, -)
[ -n "${3:-}" ] && addons="$addons,$3"
logf="$here/.run/install-$db.log"
dropdb --if-exists "$db"
rm -rf "$here/.run/data/filestore/$db"
echo "[install] $db: installing $addons (log: $logf)"
"$PYTHON" -m odoo -c "$here/.run/odoo.conf" -d "$db" -i "$addons" \
  --load-language=fr_FR --stop-after-init --log-level=info --logfile="$logf" \
  --without-demo= --http-port=0 || { tail -50 "$logf"; exit 1; }
# "Running as user 'root'" comes from Odoo's launcher, about the machine, not the addons.
if grep -E ' (WARNING|ERROR|CRITICAL) ' "$logf" | grep -v "Running as user 'root'" ; then
  echo "[install] the installation of $db logged the warnings or errors above" >&2
  exit 1
fi
echo "[install] $db ready"
