#!/usr/bin/env bash
# `make demo`: run the quickstart grid (DPO vs DPOP, low/high edit distance, 2 seeds, SFT included) into
# out/demo, then print its comparison table, the paired DPO-vs-DPOP comparison and the report's path.
# Re-running resumes: finished cells are skipped (delete out/demo to start over).
set -euo pipefail
DPOP=${1:-.build/release/dpop}
RESULTS=${DEMO_RESULTS:-out/demo}
SPEC=experiments/quickstart.yaml
start=$(date +%s)
"$DPOP" run "$SPEC" --results "$RESULTS" --jobs 2
echo "grid finished in $(( $(date +%s) - start )) s"
echo
"$DPOP" table "$RESULTS/quickstart"
echo
"$DPOP" compare "$RESULTS/quickstart" --baseline loss=dpo --treatment loss=dpop
"$DPOP" report "$RESULTS/quickstart" --out "$RESULTS/quickstart/report/report.html"
echo
echo "HTML report: $RESULTS/quickstart/report/report.html (Markdown beside it: report.md)"
