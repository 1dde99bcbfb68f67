# Caseflow — the two commands: `make run` and `make test`. Both install whatever is missing.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Debian packages: HarfBuzz subsetting and CJK fonts for PDF documents, poppler for PDF tests,
# Chromium for the end-to-end browser tests, python3-venv to build the virtualenv.
DEBS := python3-venv libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium
HOST ?= 127.0.0.1
PORT ?= 5000
# the suite runs in parallel on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= auto

.PHONY: run test setup debs migrate demo serve lint clean

run: setup migrate demo serve

test: setup
	$(BIN)/pytest -n $(TEST_WORKERS)

setup: debs $(VENV)/.installed

debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "正在安装缺少的系统软件包：$$missing"; \
		if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

migrate:
	$(FLASK) db upgrade

demo:
	$(FLASK) caseflow demo

serve:
	@echo "Caseflow 已启动： http://$(HOST):$(PORT)/   （Ctrl-C 停止）"
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --threads 8 wsgi:app

clean:
	rm -rf $(VENV) instance test-artifacts
