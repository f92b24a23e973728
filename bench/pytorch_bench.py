#!/usr/bin/env python3
"""PyTorch baseline for `dpop bench`: same model size, batch shape, loss and optimiser step.

Lean nanoGPT-style GPT-2 (pre-LN, fused qkv, SDPA causal attention, tanh GELU, tied lm_head), vocab 257
unless --vocab, float32, eager mode. Full step = zero_grad, forward, backward, clip_grad_norm_(1.0),
AdamW(3e-4, wd 0.1). --score times forward-only scoring of the 2·batch sequences (torch.no_grad, log_softmax,
gather), as the reference log-probs are scored; --transformers runs that with transformers' GPT2LMHeadModel
(random weights, same shape) instead of the lean model. The last line of output is a JSON summary.

--pairs-file FILE trains on the token ids `dpop bench --write-pairs FILE` wrote (one pair a line: prompt, chosen,
rejected ids, completions ending in end-of-text 256) instead of random bytes: rows are every pair's prompt + chosen,
then every pair's prompt + rejected, right-padded to the longest, loss on the completion tokens (end-of-text
included), batch = the file's pairs. Tokens per step are counted as dpop counts them: each sequence's prompt +
completion positions at its real length, 2 · pairs · (prompt + completion), never the padding.

  python bench/pytorch_bench.py --embedding 128 --layers 4 --heads 4 --batch 16 \
      --prompt-length 32 --completion-length 32 --steps 20 --warmup 3 --threads 2 [--loss dpop] --json
"""
import argparse
import copy
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, d, layers, heads, context, vocab):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(context, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for b in self.h:
            x = b(x)
        return self.lm_head(self.ln_f(x))


def seq_logps(model, tokens, targets, mask):
    logp = torch.log_softmax(model(tokens), dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (logp * mask).sum(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedding", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=257)
    ap.add_argument("--context", type=int, default=None, help="position table (default: prompt + completion)")
    ap.add_argument("--score", action="store_true", help="time forward-only scoring instead of a training step")
    ap.add_argument("--transformers", action="store_true", help="with --score: transformers' GPT2LMHeadModel")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--prompt-length", type=int, default=32)
    ap.add_argument("--completion-length", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--loss", choices=["sft", "dpo", "dpop"], default="sft")
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lambda", dest="lam", type=float, default=50.0)
    ap.add_argument("--pairs-file", help="token ids from `dpop bench --write-pairs` (JSONL prompt/chosen/rejected)")
    ap.add_argument("--json", action="store_true", help="accepted for parity; the JSON line is always printed")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    P, L = a.prompt_length, a.completion_length
    T = P + L
    context = a.context or T
    if a.pairs_file:
        tokens, targets, mask, tokens_per_step = read_pairs(a.pairs_file)
        a.batch = tokens.shape[0] // 2
        T = tokens.shape[1]
        context = a.context or T
    else:
        seqs = torch.randint(0, 256, (2 * a.batch, T + 1))  # byte tokens, as dpop bench
        tokens, targets = seqs[:, :-1].contiguous(), seqs[:, 1:].contiguous()
        mask = torch.zeros(2 * a.batch, T)
        mask[:, P - 1:] = 1.0  # as dpop's randomBatch: targets at t + 1 >= prompt (the T + 1 - P tokens after the prompt)
        tokens_per_step = 2 * a.batch * T
    if a.transformers:
        from transformers import GPT2Config, GPT2LMHeadModel
        hf = GPT2LMHeadModel(GPT2Config(vocab_size=a.vocab, n_positions=context, n_embd=a.embedding, n_layer=a.layers,
                                        n_head=a.heads, activation_function="gelu_new", attn_implementation="sdpa")).eval()
        model = lambda idx: hf(idx).logits  # noqa: E731
        n_params = sum(p.numel() for p in hf.parameters())
    else:
        model = GPT(a.embedding, a.layers, a.heads, context, a.vocab)
        n_params = sum(p.numel() for p in model.parameters())  # tied weight counted once

    if a.score:
        return score(a, model, tokens, targets, mask, n_params, T, tokens_per_step)
    ref_c = ref_r = None
    if a.loss in ("dpo", "dpop"):
        ref = copy.deepcopy(model).eval()
        with torch.no_grad():
            r = seq_logps(ref, tokens, targets, mask)
        ref_c, ref_r = r[:a.batch], r[a.batch:]

    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        if a.loss == "sft":
            lp = torch.log_softmax(model(tokens), dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            loss = -(lp * mask).sum() / mask.sum()
        else:
            s = seq_logps(model, tokens, targets, mask)
            pc, pr = s[:a.batch], s[a.batch:]
            lam = a.lam if a.loss == "dpop" else 0.0  # dpo: no penalty
            z = a.beta * ((pc - ref_c) - (pr - ref_r) - lam * F.relu(ref_c - pc))
            loss = -F.logsigmoid(z).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for i in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
        print(f"step {i + 1}/{a.steps} loss {loss:.4f} {times[-1] * 1000:.1f} ms", flush=True)
    med = statistics.median(times)
    flops = 6 * n_params * tokens_per_step + 12 * a.layers * a.embedding * (tokens_per_step / (2 * a.batch)) * tokens_per_step  # as dpop bench
    print(f"pytorch {torch.__version__}, {a.loss} step: {med * 1000:.2f} ms median, {tokens_per_step / med:.0f} tokens/s, "
          f"{flops / med / 1e9:.2f} GFLOP/s effective, {n_params} parameters, {a.threads} threads, final loss {loss:.4f}")
    print(json.dumps({
        "impl": "pytorch", "loss": a.loss, "final_loss": loss,
        "tokens_per_s": tokens_per_step / med, "tokens_per_step": tokens_per_step, "pairs_per_s": a.batch / med,
        "sec_per_step_median": med, "sec_per_step_min": min(times), "pairs": a.pairs_file or "random",
        "parameters": n_params, "flops_per_step": flops, "effective_gflops": flops / med / 1e9,
        "config": {"embedding": a.embedding, "layers": a.layers, "heads": a.heads, "batch": a.batch,
                   "promptLength": P, "completionLength": L, "steps": a.steps, "warmup": a.warmup,
                   "threads": a.threads, "seed": 0},
        "beta": a.beta, "lambda": a.lam, "threads": a.threads, "torch_version": torch.__version__,
    }, sort_keys=True))

def read_pairs(path):
    """(inputs, targets, mask, tokens per step) of a `dpop bench --write-pairs` file: chosen rows, then rejected rows."""
    with open(path) as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    seqs = [p["prompt"] + p["chosen"] for p in pairs] + [p["prompt"] + p["rejected"] for p in pairs]
    first = [max(1, len(p["prompt"])) for p in pairs] * 2  # index of the first scored token, as dpop's TrainingSequence
    T = max(len(s) - 1 for s in seqs)
    tokens = torch.zeros(len(seqs), T, dtype=torch.long)
    targets = torch.zeros(len(seqs), T, dtype=torch.long)
    mask = torch.zeros(len(seqs), T)
    for b, (s, f) in enumerate(zip(seqs, first)):
        n = len(s) - 1
        tokens[b, :n] = torch.tensor(s[:-1])
        targets[b, :n] = torch.tensor(s[1:])
        mask[b, f - 1:n] = 1.0
    return tokens, targets, mask, sum(len(s) - 1 for s in seqs)


def score(a, model, tokens, targets, mask, n_params, T, tokens_per_step):
    """Forward-only sequence log-probs of the batch's 2·batch sequences, timed per call."""
    times = []
    with torch.no_grad():
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            s = seq_logps(model, tokens, targets, mask)
            if i >= a.warmup:
                times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    flops = (6 * n_params * tokens_per_step + 12 * a.layers * a.embedding * (tokens_per_step / (2 * a.batch)) * tokens_per_step) / 3  # as dpop bench --score
    impl = "transformers" if a.transformers else "pytorch"
    print(f"{impl} {torch.__version__} score: {med * 1000:.2f} ms median, {a.batch / med:.2f} pairs/s, "
          f"{tokens_per_step / med:.0f} tokens/s, {n_params} parameters, sum {float(s.sum()):.3f}")
    print(json.dumps({
        "impl": impl, "loss": "score", "tokens_per_s": tokens_per_step / med, "pairs_per_s": a.batch / med,
        "tokens_per_step": tokens_per_step, "pairs": a.pairs_file or "random",
        "sec_per_step_median": med, "sec_per_step_min": min(times), "parameters": n_params,
        "flops_per_step": flops, "effective_gflops": flops / med / 1e9, "threads": a.threads,
        "torch_version": torch.__version__,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
