#!/usr/bin/env python3
"""Markdown table of scripts/measure_effect.sh's runs: final eval metrics, mean ± std over seeds."""
import glob, json, os, statistics, sys

root = sys.argv[1] if len(sys.argv) > 1 else "results/effect"
rows = {}
for path in sorted(glob.glob(os.path.join(root, "*-seed*/summary.json"))):
    name = os.path.basename(os.path.dirname(path))
    loss, bucket, _ = name.split("-")
    s = json.load(open(path))
    rows.setdefault((bucket, loss), []).append((s["initial"]["eval"], s["final"]["eval"]))

def fmt(values, digits=2):
    m = statistics.mean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:+.{digits}f} ± {sd:.{digits}f}"

print("| bucket | loss | n seeds | Δw (logps/chosen_delta) | share Δw<0 | Δl | reward accuracy | margin | task acc. (start → end) |")
print("|---|---|---|---|---|---|---|---|---|")
for (bucket, loss) in sorted(rows, key=lambda k: (k[0] != "low", k[1])):
    runs = rows[(bucket, loss)]
    final = [f for _, f in runs]
    start_task = statistics.mean(i["task/accuracy"] for i, _ in runs)
    end_task = statistics.mean(f["task/accuracy"] for f in final)
    print(f"| {bucket} | {loss} | {len(runs)} | {fmt([f['logps/chosen_delta'] for f in final])} "
          f"| {fmt([f['logps/chosen_decreased'] for f in final])} | {fmt([f['logps/rejected_delta'] for f in final])} "
          f"| {fmt([f['rewards/accuracies'] for f in final])} | {fmt([f['rewards/margins'] for f in final])} "
          f"| {start_task:.3f} → {end_task:.3f} |")
