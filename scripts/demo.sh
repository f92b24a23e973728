#!/usr/bin/env bash
# `make demo`: built-in arith pairs (half low, half high edit distance), an SFT reference, then a DPOP and
# a DPO policy from that same reference; prints each run's final metrics per edit-distance bucket.
set -euo pipefail
DPOP=${1:-.build/release/dpop}
OUT=${DEMO_OUT:-out/demo}
MODEL="--embedding 96 --layers 3 --heads 3 --context 128"
TRAIN="--steps 150 --lr 1e-4 --beta 0.1 --eval-every 50 --bucket low=1..3 --bucket high=4..inf --seed 0"
mkdir -p "$OUT"
"$DPOP" data generate arith --pairs 2000 --corruption step:0.5,resample:0.5 --seed 0 --out "$OUT/pairs.jsonl"
"$DPOP" data stats "$OUT/pairs.jsonl" --bucket low=1..3 --bucket high=4..inf
echo
echo "== DPOP (λ = 50), SFT reference trained first"
"$DPOP" train --data "$OUT/pairs.jsonl" $MODEL --sft-steps 800 --sft-lr 2e-3 --loss dpop --lambda 50 $TRAIN --out "$OUT/dpop"
echo
echo "== DPO from the same reference"
"$DPOP" train --data "$OUT/pairs.jsonl" $MODEL --reference "$OUT/dpop/reference" --loss dpo $TRAIN --out "$OUT/dpo"
echo
echo "logps/chosen_delta is mean Δw = log π(y_w) − log π_ref(y_w): below 0 means training made the preferred"
echo "answer less likely (DPO's failure mode); logps/chosen_decreased is the share of pairs where it fell."
echo "Runs: $OUT/dpop and $OUT/dpo (metrics.jsonl, summary.json, policy/, reference/)"
