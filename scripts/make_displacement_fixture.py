#!/usr/bin/env python3
"""Displacement-diagnostics fixture for the Swift tests (transformers + PyTorch; not needed by the tests).

CHES (Razin et al., "Unintentional Unalignment", ICLR 2025) of a pair under a model: with h_t the
final-layer hidden states (after ln_f, what the unembedding reads) at the positions that predict each
completion token, from the last prompt token up to the position that predicts end-of-text,
  ches            = <sum h_w, sum h_l> - ||sum h_w||^2
  ches_normalised = <mean h_w, mean h_l> - ||mean h_w||^2
These are the positions of the authors' `compute_ches_scores` (the hidden state of the final
end-of-text token itself predicts nothing and is left out). Computed here in float64 from transformers'
float32 hidden states of the committed tiny byte-level checkpoint (gpt2_tiny_checkpoint, context 16).

Gradient entanglement (arXiv 2410.13828): the cosine between the parameter gradients of
log pi(y_w|x) and log pi(y_l|x), each the sum over completion tokens and end-of-text, computed by
autograd over every parameter (the tied embedding once).

Writes Tests/DPOPTrainerTests/Fixtures/displacement_fixture.json.
Usage: python scripts/make_displacement_fixture.py
"""
import json
from pathlib import Path

import torch
from transformers import GPT2LMHeadModel

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "Tests" / "DPOPTrainerTests" / "Fixtures"
END_OF_TEXT = 256

PAIRS = [  # (prompt, chosen, rejected); prompt + completion + end-of-text fit 17 tokens
    ("2+3=", "5", "6"),
    ("7*6=", "42", "24"),
    ("a b", " c d", " c e"),
    ("Q:", "yes", "no way"),
    ("x", "abcdef", "abcxyz"),
    ("héllo", " ok", " ok"),
]


def hidden_sum(model, prompt, completion):
    ids = list(prompt.encode()) + list(completion.encode()) + [END_OF_TEXT]
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True)
    h = out.hidden_states[-1][0].double()  # (T, C), ln_f applied by GPT2Model
    first = len(prompt.encode()) - 1  # the last prompt token predicts the first completion token
    rows = h[first:len(ids) - 1]  # through the position that predicts end-of-text
    return rows.sum(dim=0), rows.shape[0]


def completion_gradient(model, prompt, completion):
    ids = list(prompt.encode()) + list(completion.encode()) + [END_OF_TEXT]
    model.zero_grad()
    logits = model(torch.tensor([ids])).logits[0]  # (T, V)
    first = len(prompt.encode())
    logp = torch.log_softmax(logits[first - 1:len(ids) - 1], dim=-1)
    logp.gather(1, torch.tensor(ids[first:]).unsqueeze(1)).sum().backward()
    return torch.cat([p.grad.reshape(-1).double() for p in model.parameters()])


def main():
    model = GPT2LMHeadModel.from_pretrained(FIXTURES / "gpt2_tiny_checkpoint", attn_implementation="eager").float().eval()
    records = []
    for prompt, chosen, rejected in PAIRS:
        sw, nw = hidden_sum(model, prompt, chosen)
        sl, nl = hidden_sum(model, prompt, rejected)
        ches = float(sw @ sl - sw @ sw)
        normalised = float((sw / nw) @ (sl / nl) - (sw / nw) @ (sw / nw))
        gw = completion_gradient(model, prompt, chosen)
        gl = completion_gradient(model, prompt, rejected)
        cosine = float(gw @ gl / (gw.norm() * gl.norm()))
        records.append(dict(prompt=prompt, chosen=chosen, rejected=rejected, chosen_positions=nw,
                            rejected_positions=nl, ches=ches, ches_normalised=normalised,
                            gradient_cosine=cosine))
    (FIXTURES / "displacement_fixture.json").write_text(json.dumps(dict(pairs=records), indent=1) + "\n")
    for r in records:
        print(r)


if __name__ == "__main__":
    main()
