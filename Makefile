# CalenDoc for Odoo: two commands to run it and to test it.
#   make run    install what is missing, create the demo database, serve Odoo on :8069
#   make test   install what is missing, lint, fresh test database, every test
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c
DEMO_DB ?= calendoc_demo
TEST_DB ?= calendoc_test
PORT ?= 8069
RUN := .run
CONF ?= $(RUN)/odoo.conf
# The telephony bridge make run starts: SIP (trunk and phones), its HTTP API
# (Odoo's click-to-call orders) and the SIP trunk it sends outgoing calls to.
BRIDGE_SIP ?= 127.0.0.1:5060
BRIDGE_HTTP ?= 127.0.0.1:5080
TRUNK ?= 127.0.0.1:5070
# PBX=<name or id of a PBX connection in Odoo>: the bridge drives that one
# (Asterisk through ARI) instead of its own SIP side.
PBX ?=
# KAMAILIO=1: Kamailio beside Odoo as the SIP server of the phones and the
# trunk (calendoc_voip/readme/CONFIGURE.md), on KAMAILIO_SIP (UDP and TCP) and
# KAMAILIO_TLS (self-signed certificate); the bridge keeps BRIDGE_SIP for
# click-to-call.
KAMAILIO ?=
KAMAILIO_SIP ?= 127.0.0.1:5066
KAMAILIO_TLS ?= 127.0.0.1:5067
# The local SMTP server make run sends Odoo's e-mails to, and prints them (the
# staff's sign-in codes among them): the demo has no mail server.
MAIL_SINK ?= 127.0.0.1:2525

.PHONY: run test lint setup demo-db test-db pytest bench clean

setup:
	@./scripts/setup.sh >/dev/null

run:
	@PY=$${PY:-$$(./scripts/setup.sh | tail -1)}
	if ! psql -d "$(DEMO_DB)" -Atc "select 1 from ir_module_module where name='calendoc_portal' and state='installed'" 2>/dev/null | grep -q 1; then
	  ./scripts/install-db.sh "$$PY" "$(DEMO_DB)" payment_demo
	fi
	./scripts/logins.sh "$(DEMO_DB)" "$(PORT)"
	./scripts/check-master-password.sh "$(CONF)"
	# The telephony bridge beside Odoo (calendoc_voip/readme/CONFIGURE.md): its
	# secret and URL are Odoo's system parameters, made once; the secret
	# reaches the bridge through its environment, never its command line.
	psql -q -d "$(DEMO_DB)" -v secret="$$("$$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	  -v url="http://$(BRIDGE_HTTP)" <<-'SQL'
	INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
	VALUES ('calendoc_voip.secret', :'secret', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'),
	       ('calendoc_voip.bridge_url', :'url', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC')
	ON CONFLICT (key) DO NOTHING;
	SQL
	SECRET=$$(psql -d "$(DEMO_DB)" -Atc "select value from ir_config_parameter where key='calendoc_voip.secret'")
	CALENDOC_VOIP_SECRET=$$SECRET \
	  "$$PY" addons/calendoc_voip/bridge --odoo-url "http://127.0.0.1:$(PORT)" \
	  --http "$(BRIDGE_HTTP)" --state-file "$(RUN)/bridge-$(DEMO_DB).json" \
	  $(if $(PBX),--pbx "$(PBX)",--sip "$(BRIDGE_SIP)" --trunk "$(TRUNK)") &
	BRIDGE=$$!
	"$$PY" addons/calendoc_agenda/tests/smtp_sink.py "$(MAIL_SINK)" &
	SINK=$$!
	KAM=
	if [ -n "$(KAMAILIO)" ]; then
	  # the secret and the database (local socket, this OS user) through
	  # the environment; the rendered files are readable by their owner only
	  CALENDOC_VOIP_SECRET=$$SECRET CALENDOC_KAMAILIO_DB_URL="postgres://$$(id -un)@/$(DEMO_DB)" \
	    "$$PY" addons/calendoc_voip/kamailio --out "$(RUN)/kamailio-$(DEMO_DB)" \
	    --listen "udp:$(KAMAILIO_SIP)" --listen "tcp:$(KAMAILIO_SIP)" --listen "tls:$(KAMAILIO_TLS)" \
	    --odoo-url "http://127.0.0.1:$(PORT)" --log-stderr >/dev/null
	  kamailio -f "$(RUN)/kamailio-$(DEMO_DB)/kamailio.cfg" -DD -E &
	  KAM=$$!
	fi
	# stopped with Odoo, whichever way Odoo ends (Ctrl-C, crash, kill)
	trap 'kill $$BRIDGE $$SINK $$KAM 2>/dev/null; wait $$BRIDGE $$SINK $$KAM 2>/dev/null || true' EXIT
	# -d alone serves that database only (no --db-filter): Odoo then does not
	# list the server's databases, on a new connection, for each request that
	# has no session (every event of the bridge)
	"$$PY" -m odoo -c $(CONF) -d "$(DEMO_DB)" --http-port=$(PORT) \
	  --smtp="$(firstword $(subst :, ,$(MAIL_SINK)))" \
	  --smtp-port="$(lastword $(subst :, ,$(MAIL_SINK)))"

test:
	@PY=$$(./scripts/setup.sh | tail -1)
	$(MAKE) --no-print-directory lint PY="$$PY"
	./scripts/install-db.sh "$$PY" "$(TEST_DB)" payment_demo
	$(MAKE) --no-print-directory pytest PY="$$PY"

# Runs the tests on an existing $(TEST_DB) (make test builds it first).
pytest:
	@PY=$${PY:-$$(./scripts/setup.sh | tail -1)}
	"$$PY" -m pytest -p no:cacheprovider --odoo-config=$(RUN)/odoo.conf \
	  --odoo-database="$(TEST_DB)" --odoo-http --odoo-log-level=warn \
	  addons tests $(PYTEST_ARGS)

lint:
	@PY=$${PY:-$$(./scripts/setup.sh | tail -1)}
	"$$PY" -m ruff check .
	"$$PY" -m ruff format --check .
	"$$PY" -m pylint --rcfile=.pylintrc addons/calendoc_*

bench:
	@PY=$$(./scripts/setup.sh | tail -1)
	"$$PY" bench/run_all.py --config $(RUN)/odoo.conf

clean:
	@dropdb --if-exists "$(TEST_DB)"
	rm -rf $(RUN)/data/filestore/$(TEST_DB)
