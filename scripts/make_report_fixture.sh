#!/usr/bin/env bash
# Writes the DPOPReports test fixture Tests/DPOPReportsTests/Fixtures/edit-distance by running its spec
# (Tests/DPOPReportsTests/Fixtures/edit-distance.yaml) with dpop itself: a real results folder, as `dpop run`
# leaves it. Run from a clean, committed tree (the records' provenance names the commit):
#
#     bash scripts/make_report_fixture.sh          (DPOP=path/to/dpop to use a binary built already)
#
# Kept: spec.yaml, spec-<sha>.yaml and runs/ (run.json, metrics.jsonl). Left out: logs/ (progress lines
# with timings), the empty locks/ and the reference cache, which the reports do not read.
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=Tests/DPOPReportsTests/Fixtures
spec=$fixtures/edit-distance.yaml
dpop=${DPOP:-}
if [ -z "$dpop" ]; then swift build --product dpop; dpop=.build/debug/dpop; fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$dpop" run "$spec" --results "$scratch" --require-clean --jobs 2
rm -rf "$fixtures/edit-distance"
mkdir -p "$fixtures/edit-distance"
cp "$scratch"/edit-distance/spec*.yaml "$fixtures/edit-distance/"
cp -R "$scratch/edit-distance/runs" "$fixtures/edit-distance/runs"
du -sh "$fixtures/edit-distance"
