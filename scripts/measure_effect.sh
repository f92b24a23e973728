#!/usr/bin/env bash
# Issue 3's measurement: DPO vs DPOP on low-edit-distance (`step`) and high-edit-distance (`resample`)
# arith pairs, 3 seeds, each seed with its own SFT reference shared by all its runs.
# Usage: scripts/measure_effect.sh [DPOP_BINARY] [OUT_DIR]
set -euo pipefail
DPOP=${1:-.build/release/dpop}
OUT=${2:-results/effect}
MODEL="--embedding 96 --layers 3 --heads 3 --context 128"
TRAIN="--steps 200 --lr 1e-4 --beta 0.1 --lambda 50 --eval-every 25 --bucket low=1..3 --bucket high=4..inf"
mkdir -p "$OUT"
"$DPOP" data generate arith --pairs 3000 --corruption step:0.5,resample:0.5 --seed 0 --out "$OUT/pairs.jsonl"
for seed in 0 1 2; do
    ref="$OUT/ref-$seed"
    if [ ! -f "$ref/reference/model.safetensors" ]; then
        "$DPOP" train --data "$OUT/pairs.jsonl" $MODEL --sft-steps 800 --sft-lr 2e-3 --steps 0 --seed "$seed" \
            --bucket low=1..3 --bucket high=4..inf --out "$ref" > "$OUT/ref-$seed.log"
        rm -rf "$ref/policy"
    fi
    for bucket in low high; do
        for loss in dpo dpop; do
            run="$OUT/$loss-$bucket-seed$seed"
            [ -f "$run/summary.json" ] && continue
            "$DPOP" train --data "$OUT/pairs.jsonl" $MODEL --reference "$ref/reference" --loss "$loss" $TRAIN \
                --only-bucket "$bucket" --seed "$seed" --threads 1 --no-checkpoints --out "$run" > "$run.log" &
        done
        wait
    done
done
echo "done: $OUT"
