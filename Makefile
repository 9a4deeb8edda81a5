# The two commands of the README:
#   make demo   set up (virtual environment, install) and run the helpdesk story, offline
#   make test   set up and run the test suite (what CI runs)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export NUMBA_CACHE_DIR ?= $(CURDIR)/.rerank-bench/numba

.PHONY: setup demo test test-fast lint bench bench-peers clean

$(BIN)/rerank-bench: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/rerank-bench

# The helpdesk story (experiments/helpdesk_story): BM25 and pre-trained rankers against the
# bi-encoder and log memory learned from the search log, and the bi-encoder fine-tuned on the
# judgments; prints the table, the trap subset and Sarah's top-3.
# Results go to .rerank-bench/demo/ (the committed RESULTS.md is left alone); --no-gate: a
# number outside its tolerance is printed as FAIL but does not fail the demo.
demo: setup
	$(BIN)/rerank-bench reproduce helpdesk_story --results .rerank-bench/demo/RESULTS.md --show --no-gate

# Everything, slow tests included: the same command runs in CI.
test: setup
	$(BIN)/python -m pytest -m "not gpu and not network" -q

# The quick loop while developing: slow tests deselected.
test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not gpu and not network" -q

# sentence-transformers' ONNX and OpenVINO backends, for benchmarks/bench_cross_encoder.py: each in
# its own virtual environment, since optimum-onnx and optimum-intel pin transformers versions that
# ours cannot sit beside. Installed --no-deps from the complete pinned lists of benchmarks/peers/.
PEER_VENVS := .venv-onnx .venv-openvino

bench-peers: $(addsuffix /bin/python,$(PEER_VENVS))

.venv-%/bin/python: benchmarks/peers/%.txt
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --no-deps -r $<
	touch $@

lint: setup
	$(BIN)/ruff check rerank_bench tests benchmarks scripts
	$(BIN)/mypy rerank_bench

bench: setup
	$(BIN)/python benchmarks/bench_bm25.py

clean:
	rm -rf $(VENV) .rerank-bench .pytest_cache .mypy_cache .ruff_cache
