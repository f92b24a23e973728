#!/usr/bin/env bash
# dpop vs PyTorch eager on the same model, batch and step, measured in one run (same machine, same
# load), printed as a Markdown table with the ratio. Needs torch (pip) for the PyTorch side.
# Usage: bench/compare.sh [DPOP_BINARY]
set -euo pipefail
DPOP=${1:-.build/release/dpop}
COMMON="--heads 4 --batch 16 --prompt-length 32 --completion-length 32 --steps 20 --warmup 3 --threads 2"
echo "| config | step | dpop tokens/s | PyTorch tokens/s | dpop / PyTorch | dpop effective GFLOP/s | % of sgemm 1024² |"
echo "|---|---|---|---|---|---|---|"
sgemm=$("$DPOP" bench --sgemm --steps 1 --warmup 0 --json | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["sgemm_gflops"])')
for shape in "--embedding 128 --layers 4" "--embedding 256 --layers 6"; do
    for loss in sft dpop; do
        d=$("$DPOP" bench $shape $COMMON --loss $loss --json | tail -1)
        p=$(python3 bench/pytorch_bench.py $shape $COMMON --loss $loss --json | tail -1)
        python3 - "$shape" "$loss" "$d" "$p" "$sgemm" <<'PY'
import json, sys
shape, loss, d, p, sgemm = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), float(sys.argv[5])
print(f"| `{shape}` | {loss} | {d['tokens_per_s']:.0f} | {p['tokens_per_s']:.0f} | {d['tokens_per_s'] / p['tokens_per_s']:.2f}× "
      f"| {d['effective_gflops']:.1f} | {100 * d['effective_gflops'] / sgemm:.0f}% (sgemm {sgemm:.0f} GFLOP/s) |")
PY
    done
done
