#!/usr/bin/env python3
"""Writes Tests/DPOPTrainerTests/Fixtures/trl_losses.json: every preference loss dpop has, evaluated on fixed
sequence log-probs, with the gradient of the batch-mean loss with respect to the policy log-probs.

`option_cases` are TRL's own code too: its `f_divergence_type` on every loss TRL allows it for, `ld_alpha`
(the per-token log-probs split evenly over a completion, the last token taking the rest, so dpop's test can
form the same shared and tail sums), and weighted combinations (MPO). Losses TRL has are computed by TRL's own code: `DPOTrainer._compute_loss` (TRL 1.x) runs on an object made
with `DPOTrainer.__new__` that carries only the attributes the method reads, and on a stand-in model whose
per-token log-probs are a leaf tensor (zero outside the completion), so autograd through TRL's code gives
d loss / d (sequence log-prob). Losses TRL does not have (dpop, cdpo — TRL 1.x's sigmoid ignores
label_smoothing —, simpo, orpo, kto_pair, cal_dpo, dpo_shift, simper, and rpo/sft in dpop's per-pair convention) are PyTorch implementations of the paper's formula in
this file, differentiated by autograd. Everything is float64.

    pip install trl torch      # CPU is enough; written with trl 1.16.0, torch 2.x
    python3 scripts/make_trl_loss_fixture.py

The output depends only on the batches and settings below and on TRL's code: running it twice writes the
same file.
"""

import json
import math
import os
from collections import defaultdict
from types import SimpleNamespace

import torch
import torch.nn.functional as F
import trl
from trl import DPOTrainer

torch.set_default_dtype(torch.float64)

# (pc, pr, rc, rr, nc, nr): summed completion log-probs, lengths counting end-of-text.
BATCHES = {
    # Moderate log-ratios: some chosen log-probs fell (Δw < 0), lengths differ, no two policy-side log-ratios
    # (pc − pr, Δw, Δl) tie, so the sort permutation of aot / aot_unpaired is unique and differentiable.
    "moderate": [
        (-10.0, -12.0, -11.0, -11.5, 5, 4),
        (-13.0, -16.5, -11.0, -11.5, 5, 6),
        (-3.2, -2.1, -3.0, -2.6, 3, 7),
        (-40.5, -38.0, -41.0, -39.5, 20, 18),
        (-0.3, -9.0, -0.9, -8.0, 2, 9),
        (-25.3, -24.1, -24.0, -27.7, 11, 12),
    ],
    # Large margins (|h| up to ~90): the stable forms must agree with TRL's direct ones here.
    "wide": [
        (-20.0, -95.0, -30.0, -40.0, 12, 30),
        (-80.0, -10.0, -40.0, -35.0, 25, 6),
        (-5.0, -60.0, -6.0, -15.0, 4, 22),
        (-55.0, -50.0, -30.0, -70.0, 18, 17),
    ],
}


# For the options that change the log-ratios and for combinations (`option_cases`): a batch whose chosen
# completions all have one length, so TRL's batch token mean of the chosen NLL (its `sft`) equals dpop's mean of
# per-pair token means and MPO's [sigmoid, bco_pair, sft] can be compared whole.
OPTION_BATCHES = {
    "equal_chosen_lengths": [
        (-10.0, -12.0, -11.0, -11.5, 6, 4),
        (-13.0, -16.5, -11.0, -11.5, 6, 9),
        (-3.2, -2.1, -3.0, -2.6, 6, 7),
        (-25.3, -24.1, -24.0, -27.7, 6, 12),
    ],
}


def seq_tensors(batch):
    pc = torch.tensor([p[0] for p in batch])
    pr = torch.tensor([p[1] for p in batch])
    rc = torch.tensor([p[2] for p in batch])
    rr = torch.tensor([p[3] for p in batch])
    nc = torch.tensor([float(p[4]) for p in batch])
    nr = torch.tensor([float(p[5]) for p in batch])
    return pc, pr, rc, rr, nc, nr


class StandInModel:
    """Returns fixed per-token log-probs (a leaf tensor) in the shape TRL's fused LM head gives them."""

    training = True

    def __init__(self, per_token_logps):
        self.per_token_logps = per_token_logps

    def __call__(self, **kwargs):
        shape = self.per_token_logps.shape
        return SimpleNamespace(
            log_probs=self.per_token_logps,
            entropy=torch.zeros(shape),
            mean_logits=torch.zeros(shape),
            is_top1=torch.zeros(shape, dtype=torch.bool),
        )


class Identity:
    device = torch.device("cpu")

    def gather_for_metrics(self, x):
        return x

    def gather(self, x):
        return x


def trl_loss(batch, loss_types, loss_weights, beta, label_smoothing=0.0, discopop_tau=0.05,
             f_divergence="reverse_kl", f_alpha=1.0, dtype=torch.float64, ld_alpha=None, with_tail_grads=False):
    """TRL's DPOTrainer._compute_loss on `batch`; returns (mean loss, d/dpc, d/dpr).

    `dtype` float32 is for TRL's alpha_divergence, whose exponent clamp has no float64 entry. With `ld_alpha`,
    the precomputed reference log-probs passed in are LD-weighted with the same even token split (TRL weighs them
    when it precomputes them); `with_tail_grads` also returns the gradient at each row's last completion token."""
    b = len(batch)
    longest = max(max(p[4], p[5]) for p in batch)
    width = 1 + longest  # position 0 is the prompt, then the completion
    # Rows are [chosen..., rejected...], as TRL concatenates them.
    lengths = [p[4] for p in batch] + [p[5] for p in batch]
    totals = [p[0] for p in batch] + [p[1] for p in batch]
    completion_mask = torch.zeros(2 * b, width, dtype=torch.long)
    values = torch.zeros(2 * b, width - 1, dtype=torch.float64)
    for row, (n, total) in enumerate(zip(lengths, totals)):
        completion_mask[row, 1 : 1 + n] = 1
        # Token t + 1 is scored at shifted position t; split the total evenly, the last token takes the rest.
        share = total / n
        values[row, : n - 1] = share
        values[row, n - 1] = total - share * (n - 1)
    per_token = values.clone().to(dtype).requires_grad_(True)

    trainer = DPOTrainer.__new__(DPOTrainer)
    model = StandInModel(per_token)
    attributes = dict(
        model=model, accelerator=Identity(), aux_loss_enabled=False, ld_alpha=ld_alpha, precompute_ref_logps=True,
        f_divergence_type=f_divergence, f_alpha_divergence_coef=f_alpha, loss_types=loss_types,
        loss_weights=loss_weights, beta=beta, label_smoothing=label_smoothing, use_weighting=False,
        args=SimpleNamespace(discopop_tau=discopop_tau), _metrics=defaultdict(lambda: defaultdict(list)),
        _total_train_tokens=0, _tp_size=1,
    )
    for name, value in attributes.items():
        object.__setattr__(trainer, name, value)
    inputs = {
        "input_ids": torch.ones(2 * b, width, dtype=torch.long),
        "attention_mask": torch.ones(2 * b, width, dtype=torch.long),
        "completion_mask": completion_mask,
        "ref_chosen_logps": torch.tensor([ld_weighted(p[2], p[4], min(p[4], p[5]), ld_alpha) for p in batch], dtype=dtype),
        "ref_rejected_logps": torch.tensor([ld_weighted(p[3], p[5], min(p[4], p[5]), ld_alpha) for p in batch], dtype=dtype),
    }
    loss = trainer._compute_loss(model, inputs, return_outputs=False)
    loss.backward()
    # Every completion token of a row has the row's gradient; the first one stands for the sequence.
    grad = per_token.grad[:, 0]
    if with_tail_grads:
        last = torch.stack([per_token.grad[row, n - 1] for row, n in enumerate(lengths)])
        return loss.item(), grad[:b].tolist(), grad[b:].tolist(), last[:b].tolist(), last[b:].tolist()
    return loss.item(), grad[:b].tolist(), grad[b:].tolist()


def even_split(total, n):
    """The per-token log-probs `trl_loss` gives a completion: total/n each, the last token takes the rest."""
    share = total / n
    return [share] * (n - 1) + [total - share * (n - 1)]


def ld_weighted(total, n, shared, ld_alpha):
    """LD-DPO's shared + α·tail of a completion split evenly; the total itself without `ld_alpha`."""
    if ld_alpha is None:
        return total
    tokens = even_split(total, n)
    return sum(tokens[:shared]) + ld_alpha * sum(tokens[shared:])


def autograd_loss(batch, per_pair):
    """Mean over the batch of `per_pair(pc, pr, rc, rr, nc, nr)` and its gradients in pc and pr."""
    pc, pr, rc, rr, nc, nr = seq_tensors(batch)
    pc.requires_grad_(True)
    pr.requires_grad_(True)
    loss = per_pair(pc, pr, rc, rr, nc, nr).mean()
    dpc, dpr = torch.autograd.grad(loss, (pc, pr), allow_unused=True, materialize_grads=True)
    return loss.item(), dpc.tolist(), dpr.tolist()


# Paper formulas for what TRL does not have. Δw = pc − rc, Δl = pr − rr, h = Δw − Δl, ℓ̄ = per-token mean.
def dpop(beta, lam, placement):
    def f(pc, pr, rc, rr, nc, nr):
        dw, dl = pc - rc, pr - rr
        penalty = torch.clamp(-dw, min=0)
        if placement == "inside":
            return -F.logsigmoid(beta * (dw - dl - lam * penalty))
        return -F.logsigmoid(beta * (dw - dl)) + lam * penalty
    return f


def cdpo(beta, eps):
    def f(pc, pr, rc, rr, nc, nr):
        h = (pc - rc) - (pr - rr)
        return -(1 - eps) * F.logsigmoid(beta * h) - eps * F.logsigmoid(-beta * h)
    return f


def simpo(beta, gamma):
    return lambda pc, pr, rc, rr, nc, nr: -F.logsigmoid(beta * (pc / nc - pr / nr) - gamma)


def orpo(alpha):
    def f(pc, pr, rc, rr, nc, nr):
        lw, ll = pc / nc, pr / nr
        log_odds = lambda l: l - torch.log(-torch.expm1(l))
        return -lw - alpha * F.logsigmoid(log_odds(lw) - log_odds(ll))
    return f


def kto_pair_detached(beta):
    """dpop's kto_pair: both brackets summed per pair, z = max(0, batch mean Δ) treated as constants."""
    def f(pc, pr, rc, rr, nc, nr):
        dw, dl = pc - rc, pr - rr
        zw = dw.mean().clamp(min=0).detach()
        zl = dl.mean().clamp(min=0).detach()
        return (1 - torch.sigmoid(beta * (dw - zl))) + (1 - torch.sigmoid(beta * (zw - dl)))
    return f


def kto_pair_trl_0_11(batch, beta):
    """TRL ≤ 0.11's removed kto_pair, as it was: the 2N brackets averaged, z not detached."""
    pc, pr, rc, rr, nc, nr = seq_tensors(batch)
    pc.requires_grad_(True)
    pr.requires_grad_(True)
    dw, dl = pc - rc, pr - rr
    chosen_kl = dw.mean().clamp(min=0)
    rejected_kl = dl.mean().clamp(min=0)
    losses = torch.cat((1 - torch.sigmoid(beta * (dw - rejected_kl)), 1 - torch.sigmoid(beta * (chosen_kl - dl))), 0)
    loss = losses.mean()
    loss.backward()
    return loss.item(), pc.grad.tolist(), pr.grad.tolist()


def cal_dpo(beta):
    """Cal-DPO as the authors' code has it (tengxiao1/Cal-DPO, scripts/dpo_trainer.py): DPO at β = 1 plus
    half the mean squared distance of Δw from 1/(2β) and of Δl from −1/(2β)."""
    def f(pc, pr, rc, rr, nc, nr):
        dw, dl = pc - rc, pr - rr
        c = 1 / (2 * beta)
        return -F.logsigmoid(dw - dl) + 0.5 * ((dw - c) ** 2 + (dl + c) ** 2)
    return f


def dpo_shift(beta, shift):
    return lambda pc, pr, rc, rr, nc, nr: -F.logsigmoid(beta * ((pc - rc) - shift * (pr - rr)))


def simper():
    return lambda pc, pr, rc, rr, nc, nr: torch.exp(pr / nr) - torch.exp(pc / nc)


def rpo_per_pair(beta, alpha):
    """dpop's rpo: DPO plus α times each pair's length-normalised chosen NLL, averaged over pairs."""
    return lambda pc, pr, rc, rr, nc, nr: -F.logsigmoid(beta * ((pc - rc) - (pr - rr))) - alpha * pc / nc


def sft_per_pair():
    return lambda pc, pr, rc, rr, nc, nr: -pc / nc


def cases():
    out = []

    def add(name, loss, params, source, batch, result):
        value, dpc, dpr = result
        out.append({"name": name, "loss": loss, "params": params, "source": source, "batch": batch,
                    "value": value, "dpc": dpc, "dpr": dpr})

    trl_source = f"trl {trl.__version__} DPOTrainer._compute_loss"
    for batch_name, batch in BATCHES.items():
        for beta in (0.1, 0.5):
            tag = f"{batch_name}/beta={beta}"
            # TRL's own losses under dpop's names.
            same = ["sigmoid", "hinge", "ipo", "nca_pair", "bco_pair", "sppo_hard", "aot", "aot_unpaired",
                    "apo_zero", "apo_down", "sigmoid_norm"]
            for loss_type in same:
                name = "dpo" if loss_type == "sigmoid" else loss_type
                add(f"{name} {tag}", name, {"beta": beta}, f"{trl_source} loss_type=['{loss_type}']", batch_name,
                    trl_loss(batch, [loss_type], [1.0], beta))
            # TRL 1.x's sigmoid ignores label_smoothing, so cDPO is a paper formula below.
            add(f"robust {tag}", "robust", {"beta": beta, "epsilon": 0.2},
                f"{trl_source} loss_type=['robust'] label_smoothing=0.2", batch_name,
                trl_loss(batch, ["robust"], [1.0], beta, label_smoothing=0.2))
            for eps in (1e-3, 0.2):
                add(f"exo_pair {tag} epsilon={eps}", "exo_pair", {"beta": beta, "epsilon": eps},
                    f"{trl_source} loss_type=['exo_pair'] label_smoothing={eps}", batch_name,
                    trl_loss(batch, ["exo_pair"], [1.0], beta, label_smoothing=eps))
            for tau in (0.05, 0.3):
                add(f"discopop {tag} tau={tau}", "discopop", {"beta": beta, "tau": tau},
                    f"{trl_source} loss_type=['discopop'] discopop_tau={tau}", batch_name,
                    trl_loss(batch, ["discopop"], [1.0], beta, discopop_tau=tau))
            # Paper formulas in PyTorch for what TRL lacks.
            for lam in (5.0, 50.0):
                for placement in ("inside", "outside"):
                    add(f"dpop {tag} lambda={lam} {placement}", "dpop",
                        {"beta": beta, "lambda": lam, "placement": placement},
                        "paper formula (DPOP, Pal et al. 2024, eq. 3), torch autograd", batch_name,
                        autograd_loss(batch, dpop(beta, lam, placement)))
            add(f"cdpo {tag}", "cdpo", {"beta": beta, "epsilon": 0.2},
                "paper formula (cDPO, Mitchell 2023), torch autograd", batch_name,
                autograd_loss(batch, cdpo(beta, 0.2)))
            add(f"simpo {tag}", "simpo", {"beta": beta, "gamma": 0.5},
                "paper formula (SimPO, Meng et al. 2024), torch autograd", batch_name,
                autograd_loss(batch, simpo(beta, 0.5)))
            add(f"kto_pair {tag}", "kto_pair", {"beta": beta},
                "dpop's kto_pair (KTO, Ethayarajh et al. 2024; z detached), torch autograd", batch_name,
                autograd_loss(batch, kto_pair_detached(beta)))
            add(f"cal_dpo {tag}", "cal_dpo", {"beta": beta},
                "Cal-DPO authors' code (Xiao et al. 2024), torch autograd", batch_name,
                autograd_loss(batch, cal_dpo(beta)))
            add(f"dpo_shift {tag}", "dpo_shift", {"beta": beta, "shift": 0.75},
                "paper formula (DPO-Shift, Yang et al. 2025, fixed λ), torch autograd", batch_name,
                autograd_loss(batch, dpo_shift(beta, 0.75)))
            add(f"rpo {tag}", "rpo", {"beta": beta, "alpha": 0.7},
                "dpop's rpo (per-pair length-normalised NLL), torch autograd", batch_name,
                autograd_loss(batch, rpo_per_pair(beta, 0.7)))
        # β-free losses once per batch.
        add(f"orpo {batch_name}", "orpo", {"alpha": 0.7}, "paper formula (ORPO, Hong et al. 2024), torch autograd",
            batch_name, autograd_loss(batch, orpo(0.7)))
        add(f"simper {batch_name}", "simper", {}, "paper formula (SimPER, Xiao et al. 2025), torch autograd",
            batch_name, autograd_loss(batch, simper()))
        add(f"sft {batch_name}", "sft", {}, "dpop's sft (per-pair length-normalised NLL), torch autograd",
            batch_name, autograd_loss(batch, sft_per_pair()))
    return out


def conventions():
    """TRL's numbers for the losses where dpop's convention differs, for the README's factors."""
    out = []
    for batch_name, batch in BATCHES.items():
        beta = 0.1
        out.append({"name": f"kto_pair {batch_name}", "loss": "kto_pair", "params": {"beta": beta},
                    "source": "TRL <= 0.11 kto_pair (removed since), torch", "batch": batch_name,
                    **dict(zip(("value", "dpc", "dpr"), kto_pair_trl_0_11(batch, beta)))})
        out.append({"name": f"sft {batch_name}", "loss": "sft", "params": {},
                    "source": f"trl {trl.__version__} DPOTrainer._compute_loss loss_type=['sft']", "batch": batch_name,
                    **dict(zip(("value", "dpc", "dpr"), trl_loss(batch, ["sft"], [1.0], beta)))})
        out.append({"name": f"rpo {batch_name}", "loss": "rpo", "params": {"beta": beta, "alpha": 0.7},
                    "source": f"trl {trl.__version__} DPOTrainer._compute_loss loss_type=['sigmoid', 'sft'] "
                              "loss_weights=[1.0, 0.7]", "batch": batch_name,
                    **dict(zip(("value", "dpc", "dpr"), trl_loss(batch, ["sigmoid", "sft"], [1.0, 0.7], beta)))})
    return out


def option_cases():
    """TRL's f_divergence_type on every loss TRL allows it for, and MPO-style combinations, from TRL's code."""
    out = []
    trl_source = f"trl {trl.__version__} DPOTrainer._compute_loss"
    allowed = {"sigmoid": {}, "sigmoid_norm": {}, "hinge": {}, "ipo": {}, "exo_pair": {"epsilon": 0.2},
               "robust": {"epsilon": 0.2}, "discopop": {"tau": 0.05}}
    for beta in (0.1, 0.5):
        for loss_type, extra in allowed.items():
            name = "dpo" if loss_type == "sigmoid" else loss_type
            for divergence, coef in (("forward_kl", None), ("js_divergence", None), ("alpha_divergence", 0.3),
                                     ("alpha_divergence", 0.7)):
                params = {"beta": beta, "f_divergence": divergence, **extra}
                kwargs = dict(label_smoothing=extra.get("epsilon", 0.0), discopop_tau=extra.get("tau", 0.05),
                              f_divergence=divergence)
                # TRL's alpha_divergence clamps in float32 only, so it runs in float32 (compared to 1e-5).
                tolerance = 1e-6
                if coef is not None:
                    params["f_alpha_divergence_coef"] = coef
                    kwargs.update(f_alpha=coef, dtype=torch.float32)
                    tolerance = 1e-5
                value, dpc, dpr = trl_loss(BATCHES["moderate"], [loss_type], [1.0], beta, **kwargs)
                label = divergence + (f" coef={coef}" if coef is not None else "")
                out.append({"name": f"{name} moderate/beta={beta} {label}", "loss": name, "params": params,
                            "source": f"{trl_source} loss_type=['{loss_type}'] f_divergence_type='{divergence}'"
                                      + (f" f_alpha_divergence_coef={coef}" if coef is not None else ""),
                            "batch": "moderate", "value": value, "dpc": dpc, "dpr": dpr, "tolerance": tolerance})
        # LD-DPO's ld_alpha (per-token split at the shared length), through TRL's own code path.
        for loss_type in ("sigmoid", "ipo", "bco_pair", "sigmoid_norm"):
            name = "dpo" if loss_type == "sigmoid" else loss_type
            for ld in (0.0, 0.5):
                value, dpc, dpr, dpc_tail, dpr_tail = trl_loss(BATCHES["moderate"], [loss_type], [1.0], beta, ld_alpha=ld,
                                                               with_tail_grads=True)
                out.append({"name": f"{name} moderate/beta={beta} ld_alpha={ld}", "loss": name,
                            "params": {"beta": beta, "ld_alpha": ld},
                            "source": f"{trl_source} loss_type=['{loss_type}'] ld_alpha={ld}", "batch": "moderate",
                            "value": value, "dpc": dpc, "dpr": dpr, "dpc_last_token": dpc_tail, "dpr_last_token": dpr_tail,
                            "tolerance": 1e-6})
        # MPO (TRL's docs: sigmoid + bco_pair + sft with weights 0.8, 0.2, 1.0) and without its sft part.
        for batch_name, batch, types, weights in (
                ("equal_chosen_lengths", OPTION_BATCHES["equal_chosen_lengths"], ["sigmoid", "bco_pair", "sft"], [0.8, 0.2, 1.0]),
                ("moderate", BATCHES["moderate"], ["sigmoid", "bco_pair"], [0.8, 0.2])):
            value, dpc, dpr = trl_loss(batch, types, weights, beta)
            loss = "+".join(f"{w}*{'dpo' if t == 'sigmoid' else t}" for t, w in zip(types, weights))
            out.append({"name": f"{loss} {batch_name}/beta={beta}", "loss": loss, "params": {"beta": beta},
                        "source": f"{trl_source} loss_type={types} loss_weights={weights}", "batch": batch_name,
                        "value": value, "dpc": dpc, "dpr": dpr, "tolerance": 1e-6})
    return out


def main():
    fixture = {
        "trl_version": trl.__version__,
        "torch_version": torch.__version__.split("+")[0],
        "batches": {name: [dict(zip(("pc", "pr", "rc", "rr", "nc", "nr"), p)) for p in batch]
                    for name, batch in {**BATCHES, **OPTION_BATCHES}.items()},
        "cases": cases(),
        "trl_conventions": conventions(),
        "option_cases": option_cases(),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "Tests", "DPOPTrainerTests", "Fixtures", "trl_losses.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(fixture['cases'])} cases, {len(fixture['trl_conventions'])} convention cases and "
          f"{len(fixture['option_cases'])} option cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
