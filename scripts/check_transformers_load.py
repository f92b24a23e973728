#!/usr/bin/env python3
"""Check a dpop checkpoint against Hugging Face transformers.

Usage: python scripts/check_transformers_load.py CHECKPOINT_DIR LOGPROBS_JSON [--tol 1e-4]

CHECKPOINT_DIR holds model.safetensors + config.json written by dpop. LOGPROBS_JSON is a JSON object, or a
JSON-lines file of objects, {"text": ..., "tokens": [ints], "logprobs": [floats]} with
logprobs[i] = log p(tokens[i+1] | tokens[..i]). Exits 1 if any |difference| exceeds the tolerance.
"""
import argparse
import json
import sys

import torch
from transformers import GPT2LMHeadModel


def load_records(path):
    text = open(path).read().strip()
    try:
        obj = json.loads(text)
        return obj if isinstance(obj, list) else [obj]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("logprobs")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()

    model = GPT2LMHeadModel.from_pretrained(args.checkpoint, attn_implementation="eager", dtype=torch.float32).eval()
    worst = 0.0
    for i, rec in enumerate(load_records(args.logprobs)):
        tokens = torch.tensor([rec["tokens"]])
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=tokens).logits[0, :-1].double(), dim=-1)
        ours = logp.gather(-1, tokens[0, 1:, None]).squeeze(-1)
        theirs = torch.tensor(rec["logprobs"], dtype=torch.float64)
        if ours.shape != theirs.shape:
            sys.exit(f"record {i}: {len(rec['tokens'])} tokens but {len(rec['logprobs'])} logprobs (want n-1)")
        diff = (ours - theirs).abs().max().item() if len(theirs) else 0.0
        worst = max(worst, diff)
        print(f"record {i}: {len(rec['tokens'])} tokens, sum logp transformers {ours.sum():.6f} "
              f"dpop {theirs.sum():.6f}, max |diff| {diff:.3e}")
    print(f"max abs difference: {worst:.3e} (tolerance {args.tol:g})")
    sys.exit(0 if worst <= args.tol else 1)


if __name__ == "__main__":
    main()
