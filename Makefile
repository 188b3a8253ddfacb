# Shortcuts for the commands of dev.py (which needs only Python; make is optional).
.PHONY: run test bench protos check-protos lint

run:
	python3 dev.py run

test:
	python3 dev.py test

bench:
	python3 dev.py bench

protos:
	python3 dev.py protos

check-protos:
	python3 dev.py protos --check

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
