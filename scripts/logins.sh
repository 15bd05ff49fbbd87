#!/usr/bin/env bash
# Print how to reach the demo database and which logins to use.
db=$1
port=$2
cat <<MSG

  CalenDoc for Odoo is starting on http://localhost:$port  (database: $db)

  Logins (user / password)
    admin        / admin          administrator, secretariat manager
    gestionnaire / gestionnaire   secretariat manager (Isabelle Fontaine)
    secretaire   / secretaire     secretary of both client accounts (Sophie Durand)
    secretaire2  / secretaire2    secretary of Centre médical Val de Loire, lent the Lices agenda (delegation)
    dr.martin    / dr.martin      practitioner: sees her own agenda (Dr Claire Martin)

  Online booking of the demo practice (patients, no login):
    http://localhost:$port/rdv/cabinet-des-lices

  Client users (permanence code / user id / password), on the same page
    LICES49 / direction / direction-lices   client account administrator (portal)
    LICES49 / dr.girard / dr.girard-lices   practitioner (portal): his own agenda

  The staff then type the code e-mailed to them: the e-mails are printed here,
  "[mail] to ...". Client users (permanence code) may turn two-factor on in
  their portal (Security).

  Stop with Ctrl+C. 'make test' runs every test on a separate database.

MSG
