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

.PHONY: run test lint setup demo-db test-db pytest bench clean

setup:
	@./scripts/setup.sh >/dev/null

run:
	@PY=$$(./scripts/setup.sh | tail -1)
	if ! psql -d "$(DEMO_DB)" -Atc "select 1 from ir_module_module where name='calendoc_portal' and state='installed'" 2>/dev/null | grep -q 1; then
	  ./scripts/install-db.sh "$$PY" "$(DEMO_DB)"
	fi
	./scripts/logins.sh "$(DEMO_DB)" "$(PORT)"
	exec "$$PY" -m odoo -c $(RUN)/odoo.conf -d "$(DEMO_DB)" --db-filter="^$(DEMO_DB)$$" --http-port=$(PORT)

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
