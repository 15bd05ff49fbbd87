#!/usr/bin/env bash
# Create database $2 from scratch with every CalenDoc addon installed (demo data
# included, French loaded) and fail if the installation logs a warning or an error.
# usage: install-db.sh PYTHON DBNAME [EXTRA_MODULES]
# (make run and the test database add payment_demo: Odoo's demo payment provider, which the
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
rm -f "$logf"
# A French firm: its company is in France, in euros, BEFORE `account` installs,
# so that Odoo gives it the French chart of accounts and taxes (l10n_fr_account,
# TVA 20 %) instead of the generic one (TVA 15 %, dollars). Step 1 makes the
# database (base only); step 2 installs CalenDoc on it.
echo "[install] $db: creating the database (log: $logf)"
"$PYTHON" -m odoo -c "$here/.run/odoo.conf" -d "$db" -i base \
  --stop-after-init --log-level=info --logfile="$logf" \
  --without-demo= --http-port=0 || { tail -50 "$logf"; exit 1; }
# The main company in France and in euros. l10n_fr (Odoo's French localisation)
# and l10n_fr_account are queued without their demo data: it would add a second
# company, "FR Company", to the demo (the firm's own demo data is CalenDoc's).
# They are not in any CalenDoc manifest: a firm elsewhere installs the addons
# with its own localisation.
psql -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
UPDATE res_currency SET active = true WHERE name = 'EUR';
UPDATE res_company SET currency_id = (SELECT id FROM res_currency WHERE name = 'EUR')
 WHERE id = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'main_company');
UPDATE res_partner SET country_id = (SELECT id FROM res_country WHERE code = 'FR'), state_id = NULL
 WHERE id = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'main_partner');
UPDATE ir_module_module SET state = 'to install', demo = false
 WHERE name IN ('l10n_fr', 'l10n_fr_account', 'base_iban') AND state = 'uninstalled';
SQL
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
