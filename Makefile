# The two commands of the quick start: `make run` and `make test`. Both need only python3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCAL_ENV := var/local.env
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install messages demo lint bench clean audit-key

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# A secret key, a key for the roll's ID hashes and one for the audit log, generated once and kept out
# of git. A var/local.env written before the audit key existed gets one added, the others kept.
$(LOCAL_ENV):
	mkdir -p var
	$(PYTHON) -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50)); print('PORTAL_ROLL_HASH_KEY=' + secrets.token_urlsafe(50))" > $(LOCAL_ENV)
	chmod 600 $(LOCAL_ENV)

audit-key: $(LOCAL_ENV)
	grep -q '^PORTAL_AUDIT_KEY=' $(LOCAL_ENV) || $(PYTHON) -c "import secrets; print('PORTAL_AUDIT_KEY=' + secrets.token_urlsafe(50))" >> $(LOCAL_ENV)

# Compiling catalogs reads no secret: the settings' debug mode spares it one.
messages: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py compile_catalogs

# Serves the demo the way a laptop at the venue would: DEBUG off, plain HTTP on this machine only;
# `make run HOST=0.0.0.0` serves the laptop's Wi-Fi too, for villagers' phones (docs/phones.md).
run: $(STAMP) audit-key messages
	set -a && . ./$(LOCAL_ENV) && set +a && export DJANGO_SECURE=0 DJANGO_SERVE_MEDIA=1 && \
	if [ "$(HOST)" != "127.0.0.1" ] && [ -z "$$DJANGO_ALLOWED_HOSTS" ]; then \
		export DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1,[::1],$$($(BIN)/python manage.py phone_addresses --hosts)"; fi && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	$(BIN)/python manage.py seed_demo && \
	$(BIN)/python manage.py phone_addresses --host $(HOST) --port $(PORT) && \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

test: $(STAMP) messages
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks print figures measured side by side in one run; they are not part of `make test`.
bench: $(STAMP) messages
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff format --quiet .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/static
