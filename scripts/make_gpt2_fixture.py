#!/usr/bin/env python3
"""Reference fixture for the Swift GPT-2 trainer (PyTorch + transformers).

Writes, under OUT (default: Tests/DPOPTrainerTests/Fixtures/ in the repo):
  gpt2_tiny_checkpoint/   model.safetensors + config.json from GPT2LMHeadModel.save_pretrained
  gpt2_tiny_fixture.json  batch, logits, masked sequence log-probs, mean CE loss, gradients of the mean
                          CE loss and of a weighted sum of sequence log-probs, and 5 clipped AdamW steps.

Everything is float32 (as on the Swift side); gradients are cross-checked against float64.
Usage: python scripts/make_gpt2_fixture.py [OUT]
"""
import copy
import json
import sys
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel

REPO = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "Tests" / "DPOPTrainerTests" / "Fixtures"

CONFIG = dict(vocab_size=257, n_positions=16, n_embd=16, n_layer=2, n_head=2)
B, T = 3, 8
SEQ_WEIGHTS = [0.7, -1.3, 0.25]
ADAMW = dict(lr=0.01, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, max_grad_norm=1.0, steps=5)


def fl(x):
    """Round to 8 significant digits; returns a Python float (or list of them)."""
    if isinstance(x, torch.Tensor):
        return [float(f"{v:.8g}") for v in x.detach().double().reshape(-1).tolist()]
    return float(f"{float(x):.8g}")


def build_model():
    cfg = GPT2Config(
        **CONFIG,
        activation_function="gelu_new",
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        summary_first_dropout=0.0,
        layer_norm_epsilon=1e-5,
        tie_word_embeddings=True,
        bos_token_id=256,
        eos_token_id=256,
        attn_implementation="eager",
    )
    torch.manual_seed(0)
    model = GPT2LMHeadModel(cfg).float()
    assert model.config._attn_implementation == "eager"
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied lm_head/wte appears once
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if ".ln_" in name:
                p.copy_(1.0 + 0.1 * noise if name.endswith(".weight") else 0.05 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            else:
                p.copy_(0.1 * noise)
    model.eval()  # no dropout anyway (all p = 0)
    assert model.lm_head.weight is model.transformer.wte.weight
    return model


def make_batch():
    g = torch.Generator().manual_seed(42)
    tokens = torch.randint(0, 257, (B, T), generator=g)
    targets = torch.randint(0, 257, (B, T), generator=g)
    tokens[1, 3] = 256  # end-of-text somewhere in the inputs
    targets[2, 6] = 256  # and in the targets
    mask = torch.ones(B, T)
    mask[0, :2] = 0  # row 0: prompt of 2
    mask[2, :5] = 0  # row 2: prompt of 5
    mask[1, 4] = 0  # row 1: full row, one hole in the middle
    return tokens, targets, mask


def seq_logps_of(model, tokens, targets, mask):
    logits = model(input_ids=tokens).logits
    logp = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return logits, (logp * mask).sum(-1), -(logp * mask).sum() / mask.sum()


def named_params(model):
    return [(n, p) for n, p in model.named_parameters()]  # transformer.* names, lm_head excluded (tied)


def grads(model, loss):
    model.zero_grad(set_to_none=True)
    loss.backward()
    return {n: p.grad.detach().clone() for n, p in named_params(model)}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    model = build_model()
    tokens, targets, mask = make_batch()
    w = torch.tensor(SEQ_WEIGHTS)

    ckpt = OUT / "gpt2_tiny_checkpoint"
    model.save_pretrained(ckpt, safe_serialization=True)

    logits, seq_logps, ce = seq_logps_of(model, tokens, targets, mask)
    g_ce = grads(model, ce)
    _, seq_logps2, _ = seq_logps_of(model, tokens, targets, mask)
    g_seq = grads(model, (w * seq_logps2).sum())

    # float64 cross-check of the float32 reference values
    m64 = copy.deepcopy(model).double()
    l64, s64, ce64 = seq_logps_of(m64, tokens, targets, mask.double())
    g64_ce = grads(m64, ce64)
    _, s64b, _ = seq_logps_of(m64, tokens, targets, mask.double())
    g64_seq = grads(m64, (w.double() * s64b).sum())
    print(f"f32 vs f64: logits {(logits.double() - l64).abs().max():.2e}, seq_logps "
          f"{(seq_logps.double() - s64).abs().max():.2e}, ce {abs(ce.item() - ce64.item()):.2e}")
    for name, a, b in [("ce", g_ce, g64_ce), ("seq", g_seq, g64_seq)]:
        rel = max(((a[k].double() - b[k]).abs().max() / b[k].abs().max()).item() for k in a)
        print(f"f32 vs f64 grads_{name}: max rel-to-max error {rel:.2e}")
    for k, v in g_ce.items():
        assert v.abs().max() > 0, f"zero gradient for {k}"

    # reload check
    reloaded = GPT2LMHeadModel.from_pretrained(ckpt, attn_implementation="eager")
    with torch.no_grad():
        d = (reloaded(input_ids=tokens).logits - logits).abs().max().item()
    print(f"reloaded checkpoint: max |Δlogits| = {d}")
    assert d == 0.0, d

    # AdamW: decay only on 2-D params, clip total grad norm, constant lr
    opt_model = copy.deepcopy(model)
    params = named_params(opt_model)
    decay = [p for _, p in params if p.dim() == 2]
    no_decay = [p for _, p in params if p.dim() != 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": ADAMW["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=ADAMW["lr"], betas=(ADAMW["beta1"], ADAMW["beta2"]), eps=ADAMW["eps"],
    )
    losses, norms = [], []
    for _ in range(ADAMW["steps"]):
        opt.zero_grad(set_to_none=True)
        _, _, loss = seq_logps_of(opt_model, tokens, targets, mask)
        losses.append(loss.item())
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_([p for _, p in params], ADAMW["max_grad_norm"]).item())
        opt.step()
    sd = dict(params)
    print("adamw losses", losses, "grad norms", norms)

    fixture = {
        "config": CONFIG,
        "B": B,
        "T": T,
        "tokens": tokens.reshape(-1).tolist(),
        "targets": targets.reshape(-1).tolist(),
        "mask": fl(mask),
        "logits": fl(logits),
        "seq_logps": fl(seq_logps),
        "mean_ce_loss": fl(ce),
        "grads_mean_ce": {k: fl(v) for k, v in g_ce.items()},
        "seq_weights": SEQ_WEIGHTS,
        "grads_seq_weighted": {k: fl(v) for k, v in g_seq.items()},
        "adamw": {
            **ADAMW,
            "losses": [fl(x) for x in losses],
            "grad_norms": [fl(x) for x in norms],
            "final_param_sample": {
                k: fl(sd[k].reshape(-1)[:8]) for k in ["transformer.wte.weight", "transformer.h.1.mlp.c_fc.weight"]
            },
        },
    }
    path = OUT / "gpt2_tiny_fixture.json"
    path.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    size = path.stat().st_size
    print(f"wrote {path} ({size} bytes), keys: {list(fixture)}")
    assert size < 1_000_000
    for f in sorted(ckpt.iterdir()):
        print(f"  {f.name}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
