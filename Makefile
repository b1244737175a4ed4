# `make demo` and `make test` are the README's two commands; both set up first.
.PHONY: setup demo test bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/nianbao demo

test: setup
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python benchmarks/parse.py
	.venv/bin/python benchmarks/crawl.py
	.venv/bin/python benchmarks/monitor.py
