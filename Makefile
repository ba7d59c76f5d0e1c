# Wikimedia partner intake. `make help` lists the targets.
SHELL := /bin/bash
PY_VERSION := 3.10
VENV := .venv
PY := $(VENV)/bin/python
SPACY_MODEL := models/spacy/intake_xx
WEB := integrations/webchat
CONSOLE_LOCALE := integrations/console/locale
CONSOLE_MO := $(patsubst %.po,%.mo,$(wildcard $(CONSOLE_LOCALE)/*/LC_MESSAGES/console.po))
export SQLALCHEMY_WARN_20 := 0
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export RASA_TELEMETRY_ENABLED := false
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: help install web messages messages-extract domain spacy train run run-cluster test test-cluster test-unit validate rasa-test lint eval simulate fuzz bench bench-cluster bench-widget bench-console bench-delivery clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v python$(PY_VERSION) >/dev/null || { echo "python$(PY_VERSION) is needed (pyenv: .python-version)"; exit 1; }
	test -x $(PY) || python$(PY_VERSION) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check 'pip>=24' 'setuptools==70.3.0' 'wheel'
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed ## create .venv with the locked dependencies

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install the widget's socket.io client"; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web: $(WEB)/node_modules/.installed ## install the widget's browser packages from the npm registry (npm ci)

$(CONSOLE_LOCALE)/%/LC_MESSAGES/console.mo: $(CONSOLE_LOCALE)/%/LC_MESSAGES/console.po | $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -D console -i $< -o $@

messages: $(CONSOLE_MO) ## compile the console's message catalogues (.po -> .mo) when they changed

messages-extract: install ## extract the console's texts (its own and the core's, bot/i18n/wording.py) into console.pot and merge them into each language's .po
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k translate:2 -k translate_plural:2,3 -k Wording -k Refusal --no-location --sort-output -o $(CONSOLE_LOCALE)/console.pot integrations/console bot
	$(VENV)/bin/pybabel -q update -D console -i $(CONSOLE_LOCALE)/console.pot -d $(CONSOLE_LOCALE) --no-fuzzy-matching --ignore-obsolete

domain: install ## merge the per-language replies into the Rasa domain
	@$(PY) -m bot.i18n

spacy: install ## build the project's spaCy pipeline (skipped when its inputs are unchanged)
	@$(PY) -m bot.nlp.spacy_builder --out $(SPACY_MODEL) --data data

train: domain spacy ## train the Rasa model when its inputs changed
	@$(PY) -m bot.nlp.train

run: train web messages ## start Rasa, the action server, the console and the delivery worker under supervisord; Ctrl-C stops them
	@$(PY) -m integrations.stack.run

run-cluster: train web messages ## INTAKE_RASA_SERVERS (2) Rasa servers, 2 action servers, 2 workers behind HAProxy on PostgreSQL, Redis and RabbitMQ (analytics)
	@command -v haproxy >/dev/null || { echo "make run-cluster needs HAProxy: apt-get install -y haproxy"; exit 1; }
	INTAKE_DATABASE_URL=$${INTAKE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} INTAKE_REDIS_URL=$${INTAKE_REDIS_URL:-redis://127.0.0.1:6379/0} INTAKE_RABBITMQ_URL=$${INTAKE_RABBITMQ_URL-amqp://guest:guest@127.0.0.1:5672/%2F} $(PY) -m integrations.stack.run --cluster

validate: domain ## rasa data validate --fail-on-warnings
	$(PY) -m rasa data validate --fail-on-warnings --config config.yml --domain bot/domain --data data/nlu data/rules data/stories

rasa-test: train ## Rasa test stories with --fail-on-prediction-errors
	$(PY) -m rasa test core --model $$($(PY) -m bot.nlp.train --print-path) --stories tests/stories --fail-on-prediction-errors --out var/rasa-test-results

test-unit: install domain messages ## pure unit tests
	$(PY) -m pytest tests/unit -q

test: train web messages ## the full suite: lint, units, integration (SQLite + PostgreSQL if configured), Rasa checks, end-to-end
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory validate
	$(MAKE) --no-print-directory rasa-test
	$(PY) -m pytest -q -p no:cacheprovider tests --ignore=tests/e2e/test_cluster.py

test-cluster: train web messages ## the cluster (make run-cluster) under load and faults (kill -9, Redis restart, PostgreSQL outage): HAProxy, PostgreSQL, Redis
	@command -v haproxy >/dev/null || { echo "needs HAProxy: apt-get install -y haproxy"; exit 1; }
	@command -v redis-server >/dev/null || { echo "needs redis-server: apt-get install -y redis-server"; exit 1; }
	INTAKE_TEST_REQUIRE_CLUSTER=1 INTAKE_TEST_POSTGRES_URL=$${INTAKE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest -q -s -p no:cacheprovider tests/e2e/test_cluster.py

lint: install ## ruff and mypy
	$(PY) -m ruff check bot actions integrations tests
	$(PY) -m mypy bot actions integrations

eval: spacy domain ## cross-validated intent F1 per language and intent (5 folds; EVAL_ARGS=--per-language compares one model per language)
	$(PY) -m bot.nlp.evaluate $(EVAL_ARGS)

simulate: train messages ## seeded partners in six languages and held-out everyday requests against the real stack (SIMULATE_ARGS="--partners 600 --seed 7")
	$(PY) -m tests.simulation $(SIMULATE_ARGS)

fuzz: train web messages ## 10,000 hostile requests (5,000 per database) against the real stack on SQLite and PostgreSQL; `make test` sends 1,000 per database
	INTAKE_TEST_FUZZ_REQUESTS=$${INTAKE_TEST_FUZZ_REQUESTS:-5000} INTAKE_TEST_POSTGRES_URL=$${INTAKE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest -q -s -p no:cacheprovider tests/e2e/test_fuzz.py

bench: train ## intakes vs the stock `rasa init` bot over REST: latency, throughput, CPU, memory (PROFILE=1: py-spy)
	$(PY) -m tests.bench.intake_bench $(if $(PROFILE),--profile)

bench-cluster: train ## make run-cluster with 1, 2 and 4 Rasa servers through HAProxy at 10 and 20 partners: msg/s, p50/p95, CPU per message
	@command -v haproxy >/dev/null || { echo "needs HAProxy: apt-get install -y haproxy"; exit 1; }
	INTAKE_TEST_POSTGRES_URL=$${INTAKE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m tests.bench.cluster_bench

bench-widget: train web messages ## the widget's transferred size, time to interactive and time to greeting in Chromium
	$(PY) tests/bench/widget_bench.py

bench-console: install messages ## console pages with 50,000 inquiries and 500,000 events in PostgreSQL (p50/p95 ms)
	INTAKE_TEST_POSTGRES_URL=$${INTAKE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) tests/bench/console_bench.py

bench-delivery: install ## deliveries per second to a local receiver; time to drain 10,000 pending
	INTAKE_TEST_POSTGRES_URL=$${INTAKE_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) tests/bench/delivery_bench.py

clean: ## remove trained models, built pipeline and local database
	rm -rf models var
