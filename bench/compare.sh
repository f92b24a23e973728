#!/usr/bin/env bash
# dpop vs PyTorch eager on the same model, batch and step, measured in one run (same machine, same
# load), printed as a Markdown table with the ratio. The two sides alternate, ROUNDS times each, and
# the best median of each side counts, so a burst of load on a shared machine hurts neither side alone.
# Needs torch (pip) for the PyTorch side, transformers for the scoring row of `gpt2`.
# Needs trl and transformers too for `arith` (pip install torch trl transformers).
# Usage: bench/compare.sh [DPOP_BINARY] [ROUNDS] [small|gpt2|arith]
#   small (default): the two small configs, SFT and DPOP steps, as before;
#   arith: a DPOP step (TRL: DPO, it has no DPOP) of dpop (dense, and shared-trunk when `dpop bench` has
#         --share-trunk), PyTorch eager and TRL's DPOTrainer (precompute_ref_log_probs) on the SAME token ids:
#         the dense random pairs (prompt 32 + completion 32) and the arith `step` and `resample` pairs, 16 of
#         each, both small configs (shared on random pairs shares the prompt only); dpop writes each batch's ids once (--write-pairs) and every side reads them.
#         STEPS (default 10) timed steps after 2 warm-up ones, TRL_STEPS (default 5) for TRL, whose step is slow.
#   gpt2: a GPT-2-small shape (768 wide, 12 layers, 12 heads, vocabulary 50257; 4 pairs, prompt 128 +
#         completion 128): a DPO step against PyTorch eager, then forward-only scoring against PyTorch
#         and transformers' GPT2LMHeadModel, and dpop's peak RSS for the step (/usr/bin/time -v).
set -euo pipefail
DPOP=${1:-.build/release/dpop}
ROUNDS=${2:-2}
MODE=${3:-small}
side() { python3 -c "import json,sys; print(json.dumps(json.loads(sys.argv[2])[sys.argv[1]]))" "$1" "$2"; }
best() { python3 -c "import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(json.dumps(a if a['tokens_per_s']>=b['tokens_per_s'] else b))" "$1" "$2"; }
if [ "$MODE" = gpt2 ]; then
    SHAPE="--embedding 768 --layers 12 --heads 12 --vocab 50257 --batch 4 --prompt-length 128 --completion-length 128 --threads 2"
    STEPS=${STEPS:-3}
    rss=$( { /usr/bin/time -v "$DPOP" bench $SHAPE --loss dpo --steps 1 --warmup 0 > /dev/null; } 2>&1 | awk '/Maximum resident/ {print $NF}')
    echo "dpop DPO step, GPT-2 small shape: peak RSS $((rss / 1024)) MiB"
    echo "| step | dpop | PyTorch eager | transformers | dpop / PyTorch | dpop / transformers |"
    echo "|---|---|---|---|---|---|"
    for what in train score; do
        best_d='{"tokens_per_s": 0}'; best_p='{"tokens_per_s": 0}'; best_t='{"tokens_per_s": 0}'
        flags="--loss dpo"; [ $what = score ] && flags="--score"
        for _ in $(seq "$ROUNDS"); do
            best_d=$(best "$best_d" "$("$DPOP" bench $SHAPE $flags --steps "$STEPS" --warmup 1 --json | tail -1)")
            best_p=$(best "$best_p" "$(python3 bench/pytorch_bench.py $SHAPE $flags --steps "$STEPS" --warmup 1 --json | tail -1)")
            if [ $what = score ]; then
                best_t=$(best "$best_t" "$(python3 bench/pytorch_bench.py $SHAPE $flags --transformers --steps "$STEPS" --warmup 1 --json | tail -1)")
            fi
        done
        python3 - "$what" "$best_d" "$best_p" "$best_t" <<'PY'
import json, sys
what, d, p, t = sys.argv[1], *(json.loads(x) for x in sys.argv[2:])
unit = (lambda r: f"{r['pairs_per_s']:.2f} pairs/s") if what == "score" else (lambda r: f"{r['tokens_per_s']:.0f} tokens/s")
tr = f"{unit(t)}" if t["tokens_per_s"] else "—"
vs_t = f"{d['tokens_per_s'] / t['tokens_per_s']:.2f}×" if t["tokens_per_s"] else "—"
print(f"| {'DPO step' if what == 'train' else 'scoring (forward only)'} | {unit(d)} | {unit(p)} | {tr} "
      f"| {d['tokens_per_s'] / p['tokens_per_s']:.2f}× | {vs_t} |")
PY
    done
    exit 0
fi
if [ "$MODE" = arith ]; then
    STEPS=${STEPS:-10}; TRL_STEPS=${TRL_STEPS:-5}
    COMMON="--heads 4 --batch 16 --threads 2 --warmup 2"
    share=""
    "$DPOP" bench --help 2>&1 | grep -q -- '--share-trunk' && share=yes
    dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
    echo "dpop $(git rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$share" ] || echo ', no --share-trunk in this build: shared column empty'); ROUNDS=$ROUNDS, STEPS=$STEPS, TRL_STEPS=$TRL_STEPS; $(python3 -c 'import torch, trl, transformers; print(f"torch {torch.__version__}, trl {trl.__version__}, transformers {transformers.__version__}")')"
    echo
    echo "| config | pairs | tokens/step | trunk_saved_share | dpop dense | dpop shared | PyTorch eager | TRL DPOTrainer | dense / PyTorch | dense / TRL | shared / PyTorch | shared / TRL |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for shape in "--embedding 128 --layers 4" "--embedding 256 --layers 6"; do
        for pairs in random step resample; do
            file="$dir/pairs-$pairs.jsonl"
            if [ $pairs = random ]; then
                select="--pairs random --prompt-length 32 --completion-length 32"
                torch_pairs=""  # pytorch_bench's own random batch, as the small mode's DPOP row
            else
                select="--pairs arith --corruption $pairs"
                torch_pairs="--pairs-file $file"
            fi
            "$DPOP" bench $shape $COMMON $select --loss dpop --steps 1 --warmup 0 --write-pairs "$file" > /dev/null
            best_d='{"tokens_per_s": 0}'; best_s='{"tokens_per_s": 0}'; best_p='{"tokens_per_s": 0}'; best_t='{"tokens_per_s": 0}'
            for _ in $(seq "$ROUNDS"); do
                if [ -n "$share" ]; then
                    # One run times the separate and the shared step alternately: {"separate": …, "shared": …}.
                    both=$("$DPOP" bench $shape $COMMON $select --share-trunk --loss dpop --steps "$STEPS" --json | tail -1)
                    best_d=$(best "$best_d" "$(side separate "$both")")
                    best_s=$(best "$best_s" "$(side shared "$both")")
                else
                    best_d=$(best "$best_d" "$("$DPOP" bench $shape $COMMON $select --loss dpop --steps "$STEPS" --json | tail -1)")
                fi
                best_p=$(best "$best_p" "$(python3 bench/pytorch_bench.py $shape $COMMON --prompt-length 32 --completion-length 32 $torch_pairs --loss dpop --steps "$STEPS" --json | tail -1)")
                best_t=$(best "$best_t" "$(python3 bench/trl_bench.py $shape $COMMON --pairs-file "$file" --loss dpop --steps "$TRL_STEPS" --json 2>/dev/null | tail -1)")
            done
            python3 - "$shape" "$pairs" "$best_d" "$best_s" "$best_p" "$best_t" <<'PY'
import json, sys
shape, pairs, d, s, p, t = sys.argv[1], sys.argv[2], *(json.loads(x) for x in sys.argv[3:])
rate = lambda r: f"{r['tokens_per_s']:.0f}" if r["tokens_per_s"] else "—"  # noqa: E731
ratio = lambda a, b: f"{a['tokens_per_s'] / b['tokens_per_s']:.2f}×" if a["tokens_per_s"] and b["tokens_per_s"] else "—"  # noqa: E731
name = {"random": "random (32 + 32)", "step": "arith `step`", "resample": "arith `resample`"}[pairs]
print(f"| `{shape}` | {name} | {d['tokens_per_step']} | {d.get('trunk_saved_share', 0):.3f} | {rate(d)} | {rate(s)} | {rate(p)} "
      f"| {rate(t)} | {ratio(d, p)} | {ratio(d, t)} | {ratio(s, p)} | {ratio(s, t)} |")
PY
        done
    done
    exit 0
fi
COMMON="--heads 4 --batch 16 --prompt-length 32 --completion-length 32 --steps 20 --warmup 3 --threads 2"
json_field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
sgemm=0
for _ in 1 2 3; do
    s=$("$DPOP" bench --sgemm --steps 1 --warmup 0 --json | json_field sgemm_gflops)
    sgemm=$(python3 -c "print(max($sgemm, $s))")
done
echo "| config | step | dpop tokens/s | PyTorch tokens/s | dpop / PyTorch | dpop effective GFLOP/s | % of sgemm 1024² ($(printf '%.0f' "$sgemm") GFLOP/s) |"
echo "|---|---|---|---|---|---|---|"
for shape in "--embedding 128 --layers 4" "--embedding 256 --layers 6"; do
    for loss in sft dpop; do
        best_d='{"tokens_per_s": 0}'; best_p='{"tokens_per_s": 0}'
        for _ in $(seq "$ROUNDS"); do
            d=$("$DPOP" bench $shape $COMMON --loss $loss --json | tail -1)
            p=$(python3 bench/pytorch_bench.py $shape $COMMON --loss $loss --json | tail -1)
            best_d=$(best "$best_d" "$d")
            best_p=$(best "$best_p" "$p")
        done
        python3 - "$shape" "$loss" "$best_d" "$best_p" "$sgemm" <<'PY'
import json, sys
shape, loss, d, p, sgemm = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), float(sys.argv[5])
print(f"| `{shape}` | {loss} | {d['tokens_per_s']:.0f} | {p['tokens_per_s']:.0f} | {d['tokens_per_s'] / p['tokens_per_s']:.2f}× "
      f"| {d['effective_gflops']:.1f} | {100 * d['effective_gflops'] / sgemm:.0f}% |")
PY
    done
done
