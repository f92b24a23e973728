#!/usr/bin/env python3
"""Writes the DPOPReports test fixture: a results folder as `dpop run` leaves it.

    python3 scripts/make_report_fixture.py [OUT]   (default Tests/DPOPReportsTests/Fixtures/edit-distance)

Grid: loss {dpo, dpop} x bucket {low, high} x seed {0, 1, 2} (dpop at lambda 50), plus dpop at
lambda 5 and 500 on the low bucket (seed 0 only: n = 1 rows; lambda 500 seed 1 failed), and a lock
for a cell still running (the rest of the lambda sweep has not run yet). run.json is shaped like
DPOPExperiments' RunRecord (values "-" where a setting does not apply). Eval records at steps 0, 25, ..., 100. The final numbers imitate the
README's measured effect (DPO: delta_w falls to about -15 / -28 nats; DPOP: about +0.1).
Deterministic: the same script always writes the same bytes.
"""
import hashlib, json, math, os, random, shutil, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "Tests/DPOPReportsTests/Fixtures/edit-distance"
BETA = 0.1
STEPS = [0, 25, 50, 75, 100]
COMMIT_A = "3f2a9c1e5b7d8f0a1c2e3d4b5a6978c0d1e2f3a4"
COMMIT_B = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"

SPEC = """\
# Fixture for the DPOPReports tests (scripts/make_report_fixture.py); shaped like experiments/*.yaml.
name: edit-distance
description: DPO vs DPOP on low and high edit-distance arith pairs; does DPOP stop the chosen answer's likelihood from falling?
seeds: [0, 1, 2]                 # three seeds for a mean, a spread and a 95% CI
model: {layers: 3, heads: 3, embedding: 96, context: 128}
data:
  task: arith
  pairs: 3000
  corruption: {step: 0.5, resample: 0.5}
  buckets: {low: [1, 3], high: [6, 20]}
sft: {steps: 800, lr: 2e-3, batch: 32}
train: {steps: 100, lr: 1e-4, batch: 16, eval_every: 25, warmup: 10}
loss: {beta: 0.1, lambda: 50}
grid:
  loss: [dpo, dpop]
  lambda: {values: [5, 50, 500], when: {loss: dpop}}
  bucket: [low, high]
exclude:
  - {lambda: [5, 500], bucket: high}
"""

# (loss, bucket) -> final (delta_w, delta_l, reward accuracy, share delta_w < 0, task accuracy), seed spread
TARGETS = {
    ("dpo", "low"): (-15.0, -22.8, 0.81, 1.00, 0.000, 2.9),
    ("dpo", "high"): (-28.0, -81.5, 0.98, 1.00, 0.010, 6.5),
    ("dpop", "low"): (0.11, -0.73, 0.80, 0.41, 0.031, 0.06),
    ("dpop", "high"): (0.04, -11.0, 0.96, 0.42, 0.021, 0.09),
}
# Where delta_w sits: shares of the shared prefix, the differing span and the shared suffix.
SPLIT = {"low": (0.13, 0.05, 0.82), "high": (0.05, 0.90, 0.05)}
REFERENCE = {"low": (-21.4, -24.9), "high": (-22.0, -58.3)}  # reference log-probs (chosen, rejected)


def r4(x):
    return round(x, 4) + 0.0  # no "-0.0" in the files


def metrics(n, bucket, loss, lam, dw, dl, acc, dec, task):
    penalty = lam * max(0.0, -dw) if loss == "dpop" else 0.0
    chosen = BETA * (dw - penalty)
    rejected = BETA * dl
    h = BETA * (dw - dl - penalty)
    pre, mid, suf = SPLIT[bucket]
    return {
        "n": n, "loss": r4(math.log1p(math.exp(-h))),
        "rewards/chosen": r4(chosen), "rewards/rejected": r4(rejected), "rewards/margins": r4(chosen - rejected),
        "rewards/accuracies": r4(acc),
        "logps/chosen": r4(REFERENCE[bucket][0] + dw), "logps/rejected": r4(REFERENCE[bucket][1] + dl),
        "logps/chosen_delta": r4(dw), "logps/rejected_delta": r4(dl), "logps/chosen_decreased": r4(dec),
        "logps/chosen_delta_prefix": r4(dw * pre), "logps/chosen_delta_differing": r4(dw * mid),
        "logps/chosen_delta_suffix": r4(dw * suf), "task/accuracy": r4(task),
    }


def history(loss, bucket, lam, seed, last_step=100):
    rng = random.Random(f"{loss}-{bucket}-{lam}-{seed}")
    dw_t, dl_t, acc_t, dec_t, task_t, spread = TARGETS[(loss, bucket)]
    if loss == "dpop" and lam != 50:
        # Weak lambda lets delta_w slip; strong lambda holds it slightly above zero.
        dw_t, dec_t = (-3.2, 0.78) if lam == 5 else (0.18, 0.30)
        dl_t = dl_t * (1.6 if lam == 5 else 0.7)
    z = rng.gauss(0, 1)
    dw_end, dl_end = dw_t + spread * z, dl_t + abs(dl_t) * 0.12 * rng.gauss(0, 1)
    acc_end = min(1.0, acc_t + 0.04 * rng.gauss(0, 1))
    records, start_task = [], 0.026 if bucket == "low" else 0.021
    for step in STEPS:
        if step > last_step:
            break
        f = (step / 100) ** 1.3
        wobble = 0.0 if step in (0, 100) else rng.gauss(0, 0.05)
        dw = dw_end * (f + wobble)
        dl = dl_end * (f + wobble / 2)
        m = metrics(150, bucket, loss, lam, dw, dl, acc_end * min(1.0, 2.2 * f), dec_t * min(1.0, 1.5 * f) if step else 0.0,
                    start_task + (task_t - start_task) * f)
        records.append({"step": step, "train/loss": None if step == 0 else r4(m["loss"] + 0.02 * rng.random()),
                        "elapsed": r4(step * 0.41 + rng.random()), "eval": m, "buckets": {bucket: m}})
    return records


def cell_id(config):
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    write(os.path.join(OUT, "spec.yaml"), SPEC)
    cells = [(l, b, 50 if l == "dpop" else None, s) for l in ("dpo", "dpop") for b in ("low", "high") for s in (0, 1, 2)]
    cells += [("dpop", "low", 5, 0), ("dpop", "low", 500, 0), ("dpop", "low", 500, 1)]
    for i, (loss, bucket, lam, seed) in enumerate(cells):
        # The resolved config keeps the default lambda (50) even where the loss ignores it, as the runner's does.
        config = {"seed": seed, "bucket": bucket, "loss": {"kind": loss, "beta": BETA, "lambda": lam or 50}}
        # As the grid labels cells: "-" where a setting does not apply (lambda of a dpo cell).
        values = {"loss": loss, "lambda": str(lam) if lam is not None else "-", "bucket": bucket, "seed": str(seed)}
        cid = cell_id(config)
        failed = (lam == 500 and seed == 1)
        late = lam in (5, 500)  # the lambda sweep ran later, from a dirty tree
        hist = history(loss, bucket, lam, seed, last_step=50 if failed else 100)
        start = f"2025-11-{20 if not late else 22}T{9 + i // 6:02d}:{(i * 7) % 60:02d}:00Z"
        # "done" is what earlier dpop versions wrote for "completed": the fixture keeps it, so the reports
        # tests read a folder written by an earlier version (the loader maps it to completed).
        run = {
            "id": cid, "experiment": "edit-distance", "status": "failed" if failed else "done",
            "values": values, "config": config,
            "provenance": {
                "commit": COMMIT_B if late else COMMIT_A, "branch": "main", "dirty": late,
                "changedFiles": ["Sources/DPOPTrainer/Losses/PreferenceLoss.swift"] if late else [],
                "host": "lab-node-1", "date": start, "libgit2": "1.5.1",
            },
            "specSHA256": hashlib.sha256(SPEC.encode()).hexdigest(), "attempt": 2 if failed else 1, "host": "lab-node-1",
            "started": start, "finished": start.replace(":00Z", ":41Z"), "seconds": 41.0 + i,
        }
        if failed:
            run["error"] = "loss is not finite at step 60 (lambda 500): lower the learning rate or lambda"
        else:
            run["final"] = hist[-1]
        d = os.path.join(OUT, "runs", cid)
        write(os.path.join(d, "run.json"), json.dumps(run, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        write(os.path.join(d, "metrics.jsonl"), "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in hist))
    running = cell_id({"seed": 2, "bucket": "low", "loss": {"kind": "dpop", "beta": BETA, "lambda": 5}})
    write(os.path.join(OUT, "locks", running + ".lock"),
          json.dumps({"pid": 4242, "host": "lab-node-2", "started": "2025-11-22T10:15:00Z"}) + "\n")


main()
