#!/usr/bin/env python3
"""Reads a `dpop export --format tensorboard` folder with the tensorboard package's own event reader
and checks it against the results folder it came from: every metric of every metrics.jsonl line is a
scalar at its step (float32-equal), and the HParams plugin data lists the varying axes, each run's
values and its status. Exits non-zero with a message on the first mismatch.

    pip install tensorboard
    python3 scripts/check_tensorboard_export.py RESULTS/<name> EXPORT_DIR
"""
import json
import os
import sys

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

SKIP = {"n"}


def fail(message):
    print(f"check_tensorboard_export: {message}", file=sys.stderr)
    sys.exit(1)


def expected_scalars(metrics_file):
    out = {}
    with open(metrics_file) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            step = r["step"]
            if r.get("train/loss") is not None:
                out[("train/loss", step)] = r["train/loss"]
            scopes = [("eval", r["eval"])] + [(f"eval_{b}", m) for b, m in sorted(r.get("buckets", {}).items())]
            for scope, metrics in scopes:
                for name, value in metrics.items():
                    if name not in SKIP and value is not None:
                        out[(f"{scope}/{name}", step)] = value
    return out


def hparams_content(accumulator, tag):
    content = accumulator.PluginTagToContent("hparams")
    if tag not in content:
        return None
    data = plugin_data_pb2.HParamsPluginData.FromString(content[tag])
    return data


def main(results, export):
    runs_dir = os.path.join(results, "runs")
    cells = {}
    for cell in sorted(os.listdir(runs_dir)):
        metrics = os.path.join(runs_dir, cell, "metrics.jsonl")
        record = os.path.join(runs_dir, cell, "run.json")
        if os.path.exists(metrics) and os.path.getsize(metrics) > 0:
            cells[cell] = (expected_scalars(metrics), json.load(open(record)) if os.path.exists(record) else {})
    folders = {d.rsplit("-", 1)[-1]: d for d in os.listdir(export) if os.path.isdir(os.path.join(export, d))}
    if set(folders) != set(cells):
        fail(f"run folders {sorted(folders)} do not match the cells with metrics {sorted(cells)}")

    root = EventAccumulator(export, size_guidance={"tensors": 0})
    root.Reload()
    experiment = hparams_content(root, "_hparams_/experiment")
    if experiment is None:
        fail("no HParams experiment summary in the export's root")
    axes = [h.name for h in experiment.experiment.hparam_infos]
    metric_tags = {m.name.tag for m in experiment.experiment.metric_infos}

    checked = 0
    for cell, (expected, record) in cells.items():
        acc = EventAccumulator(os.path.join(export, folders[cell]), size_guidance={"scalars": 0, "tensors": 0})
        acc.Reload()
        tags = set(acc.Tags()["scalars"])
        for (tag, step), value in expected.items():
            if tag not in tags:
                fail(f"{cell}: no scalar {tag}")
            events = [e for e in acc.Scalars(tag) if e.step == step]
            if len(events) != 1:
                fail(f"{cell}: {tag} has {len(events)} values at step {step}")
            if np.float32(events[0].value) != np.float32(value):
                fail(f"{cell}: {tag} at step {step} is {events[0].value}, metrics.jsonl says {value}")
            checked += 1
        written = sum(len(acc.Scalars(t)) for t in tags)
        if written != len([k for k in expected if k[0] in tags]):
            fail(f"{cell}: {written} scalars written, {len(expected)} expected")
        start = hparams_content(acc, "_hparams_/session_start_info")
        if start is None:
            fail(f"{cell}: no session_start_info")
        values = record.get("values", {})
        for axis in axes:
            if axis not in values:
                continue
            if values[axis] == "-":  # does not apply to this cell: no value in its session
                if axis in start.session_start_info.hparams:
                    fail(f"{cell}: hparam {axis} is set for a cell it does not apply to")
                continue
            v = start.session_start_info.hparams[axis]
            got = v.string_value if v.HasField("string_value") else v.number_value
            want = values[axis] if v.HasField("string_value") else float(values[axis])
            if got != want:
                fail(f"{cell}: hparam {axis} = {got!r}, run.json says {want!r}")
        end = hparams_content(acc, "_hparams_/session_end_info")
        status = {"completed": 1, "failed": 2, "running": 3}.get(record.get("status"), 0)
        if end is None or end.session_end_info.status != status:
            fail(f"{cell}: session end status {end and end.session_end_info.status} != {status}")
        missing = metric_tags - tags
        if missing:
            fail(f"{cell}: HParams metrics {sorted(missing)} have no scalars")
    print(f"check_tensorboard_export: {len(cells)} runs, {checked} scalars and the HParams data match {results}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
