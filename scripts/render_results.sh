#!/usr/bin/env bash
# Regenerates the tables, comparisons and reports committed under results/ from the runs there.
# Usage: scripts/render_results.sh [DPOP_BINARY]
set -euo pipefail
DPOP=${1:-.build/release/dpop}
for dir in results/*/; do
    name=$(basename "$dir")
    [ -d "$dir/runs" ] || continue
    "$DPOP" table "$dir" > "$dir/table.md"
    "$DPOP" table "$dir" --format csv > "$dir/table.csv"
    if grep -q '"kind" : "dpo"' "$dir"/runs/*/run.json 2>/dev/null && grep -q '"kind" : "dpop"' "$dir"/runs/*/run.json 2>/dev/null; then
        "$DPOP" compare "$dir" --baseline loss=dpo --treatment loss=dpop > "$dir/compare.md"
        "$DPOP" compare "$dir" --baseline loss=dpo --treatment loss=dpop --format csv > "$dir/compare.csv"
    fi
    if [ "$name" = "downstream" ]; then
        # Continued SFT against DPO: what preference learning adds to (or takes from) further training alone.
        "$DPOP" compare "$dir" --baseline loss=sft --treatment loss=dpo > "$dir/compare-sft.md"
        "$DPOP" compare "$dir" --baseline loss=sft --treatment loss=dpo --format csv > "$dir/compare-sft.csv"
    fi
    if [ "$name" = "lambda-placement" ]; then
        "$DPOP" compare "$dir" --baseline placement=inside --treatment placement=outside > "$dir/compare.md"
        "$DPOP" compare "$dir" --baseline placement=inside --treatment placement=outside --format csv > "$dir/compare.csv"
    fi
    if ls "$dir"/runs/*/pairs.jsonl > /dev/null 2>&1; then
        # Which pair statistic predicts Δw (edit distance vs CHES), from the cells' pairs.jsonl.
        "$DPOP" predictors "$dir" > "$dir/predictors.md"
        "$DPOP" predictors "$dir" --format csv > "$dir/predictors.csv"
    fi
    rm -rf "$dir/report" && mkdir -p "$dir/report"
    "$DPOP" report "$dir" --out "$dir/report/report.html"
    echo "rendered $dir"
done
