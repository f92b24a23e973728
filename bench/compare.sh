#!/usr/bin/env bash
# dpop vs PyTorch eager on the same model, batch and step, measured in one run (same machine, same
# load), printed as a Markdown table with the ratio. The two sides alternate, ROUNDS times each, and
# the best median of each side counts, so a burst of load on a shared machine hurts neither side alone.
# Needs torch (pip) for the PyTorch side.   Usage: bench/compare.sh [DPOP_BINARY] [ROUNDS]
set -euo pipefail
DPOP=${1:-.build/release/dpop}
ROUNDS=${2:-2}
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
            best_d=$(python3 -c "import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(json.dumps(a if a['tokens_per_s']>=b['tokens_per_s'] else b))" "$best_d" "$d")
            best_p=$(python3 -c "import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(json.dumps(a if a['tokens_per_s']>=b['tokens_per_s'] else b))" "$best_p" "$p")
        done
        python3 - "$shape" "$loss" "$best_d" "$best_p" "$sgemm" <<'PY'
import json, sys
shape, loss, d, p, sgemm = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), float(sys.argv[5])
print(f"| `{shape}` | {loss} | {d['tokens_per_s']:.0f} | {p['tokens_per_s']:.0f} | {d['tokens_per_s'] / p['tokens_per_s']:.2f}× "
      f"| {d['effective_gflops']:.1f} | {100 * d['effective_gflops'] / sgemm:.0f}% |")
PY
    done
done
