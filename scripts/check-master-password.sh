#!/usr/bin/env bash
# Warn (on stderr) when the Odoo configuration CONF still has the master password
# of the template odoo.conf: anyone who knows this repository knows it, and with
# list_db = True it opens the database manager (back up, drop, restore) to
# whoever reaches the server.
# usage: check-master-password.sh CONF [TEMPLATE]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
conf=$1
template=${2:-$here/odoo.conf}
value() { sed -n 's/^admin_passwd *= *//p' "$1" | tail -1 | sed 's/ *$//'; }
if [ "$(value "$conf")" = "$(value "$template")" ]; then
  cat >&2 <<MSG

  WARNING: the master password of $conf is the template's ("$(value "$template")").
  Anyone who knows this repository can manage this server's databases
  (http://<this machine>/web/database/manager): change it there
  (Set Master Password), or set admin_passwd in $conf (make keeps it).
  In production use docker/odoo.conf, which has no master password.

MSG
fi
