#!/usr/bin/env python3
"""TRL baseline for `dpop bench --pairs arith`: TRL's own DPOTrainer on the same token ids as dpop and PyTorch eager.

transformers' GPT2LMHeadModel of dpop's shape (vocabulary 257, --embedding/--layers/--heads, position table = the
longest sequence unless --context, tanh GELU, SDPA attention, no dropout, float32, random weights, seed 0) trained
by trl.DPOTrainer on the pairs `dpop bench --write-pairs FILE` wrote (one pair a line: prompt, chosen, rejected ids;
completions end in end-of-text 256). Batch = the file's pairs (one optimiser step per batch), β as --beta, AdamW
3e-4 with weight decay 0.1, gradient clipping 1.0 (Trainer's default), `precompute_ref_log_probs=True` (its fastest
CPU setting: no reference forward in the step), gradient checkpointing off and bf16 off (TRL's defaults turn both on;
on CPU they only make the step slower or change the arithmetic), torch.set_num_threads(--threads).

TRL 1.x always tokenises text datasets itself (there is no pre-tokenised input path), so the ids go in through a
byte-identity tokenizer: bytes 0-255 as latin-1 characters are ids 0-255, its end-of-text token is id 256, and TRL
appends it to the completions as dpop's do. The script checks that TRL's tokenised rows equal the file's ids exactly
before it trains.

Timing: the reference precompute runs in DPOTrainer's constructor, outside the timed steps; each of the
--warmup + --steps optimiser steps is timed from Trainer's step-begin to step-end callback (forward, backward, clip,
AdamW, TRL's metrics) and the median of the last --steps counts. Tokens per step are counted as dpop and
bench/pytorch_bench.py count them, 2 · pairs · (prompt + completion) at the real lengths, never the padding.
The last line of output is a JSON summary in pytorch_bench.py's format.

TRL has no DPOP loss (`loss_type` has sigmoid, hinge, ipo, …, not Smaug's DPO-Positive), so --loss dpop is timed as
TRL's sigmoid (DPO) loss and the JSON says `"loss": "dpo"` with `"requested_loss": "dpop"`; the penalty is one
relu per pair, nothing next to the step.

  python bench/trl_bench.py --pairs-file /tmp/pairs.jsonl --embedding 128 --layers 4 --heads 4 \
      --steps 20 --warmup 3 --threads 2 --json
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_bench import read_pairs  # noqa: E402  (the same token counting as the PyTorch side)

EOT = 256
EOT_TEXT = "<|endoftext|>"


def byte_tokenizer():
    """A PreTrainedTokenizerFast that maps each latin-1 character to its byte value and EOT_TEXT to 256."""
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders
    from transformers import PreTrainedTokenizerFast
    vocab = {chr(b): b for b in range(256)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))  # no merges: every character is its own token
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")  # nothing merges across characters
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens([EOT_TEXT])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOT_TEXT, pad_token=EOT_TEXT)
    assert fast.convert_tokens_to_ids(EOT_TEXT) == EOT, "end-of-text must be id 256"
    return fast


def text(ids):
    """Ids 0-255 as latin-1 text (the tokenizer's inverse); a trailing end-of-text is left for TRL to append."""
    if ids and ids[-1] == EOT:
        ids = ids[:-1]
    assert all(0 <= i < 256 for i in ids), "only byte ids and a final end-of-text are expected"
    return "".join(chr(i) for i in ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs-file", required=True, help="token ids from `dpop bench --write-pairs` (JSONL)")
    ap.add_argument("--embedding", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=257)
    ap.add_argument("--context", type=int, default=None, help="position table (default: the longest sequence)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--loss", choices=["dpo", "dpop"], default="dpo", help="dpop is timed as dpo (TRL has no DPOP)")
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lambda", dest="lam", type=float, default=50.0, help="accepted for parity; unused")
    ap.add_argument("--gradient-checkpointing", action="store_true", help="TRL's default; off unless given")
    ap.add_argument("--json", action="store_true", help="accepted for parity; the JSON line is always printed")
    # Flags compare.sh passes to every side; the pairs file fixes batch and lengths.
    for ignored in ("--batch", "--prompt-length", "--completion-length"):
        ap.add_argument(ignored, type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    import transformers
    import trl
    from datasets import Dataset
    from transformers import GPT2Config, GPT2LMHeadModel, TrainerCallback
    from trl import DPOConfig, DPOTrainer
    transformers.logging.set_verbosity_error()

    with open(a.pairs_file) as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    _, _, _, tokens_per_step = read_pairs(a.pairs_file)
    longest = max(len(p["prompt"]) + max(len(p["chosen"]), len(p["rejected"])) for p in pairs)
    context = a.context or longest
    for p in pairs:
        assert p["chosen"][-1] == EOT and p["rejected"][-1] == EOT, "completions must end in end-of-text 256"
    data = Dataset.from_list([{"prompt": text(p["prompt"]), "chosen": text(p["chosen"]),
                               "rejected": text(p["rejected"])} for p in pairs])

    model = GPT2LMHeadModel(GPT2Config(vocab_size=a.vocab, n_positions=context, n_embd=a.embedding, n_layer=a.layers,
                                       n_head=a.heads, activation_function="gelu_new", resid_pdrop=0.0,
                                       embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=EOT, eos_token_id=EOT,
                                       attn_implementation="sdpa"))
    n_params = sum(p.numel() for p in model.parameters())  # tied head counted once, as pytorch_bench counts

    times, starts = [], []

    class StepTimer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            starts.append(time.perf_counter())

        def on_step_end(self, args, state, control, **kw):
            times.append(time.perf_counter() - starts[-1])

    with tempfile.TemporaryDirectory() as out:
        config = DPOConfig(
            output_dir=out, per_device_train_batch_size=len(pairs), gradient_accumulation_steps=1,
            max_steps=a.warmup + a.steps, learning_rate=3e-4, weight_decay=0.1, lr_scheduler_type="constant",
            warmup_steps=0, max_grad_norm=1.0, beta=a.beta, loss_type=["sigmoid"], precompute_ref_log_probs=True,
            precompute_ref_batch_size=len(pairs), gradient_checkpointing=a.gradient_checkpointing, bf16=False,
            fp16=False, use_cpu=True, max_length=None, report_to="none", save_strategy="no",
            logging_steps=10 ** 9, disable_tqdm=True, dataloader_num_workers=0, seed=0, data_seed=0,
            dataset_num_proc=None,
        )
        t0 = time.perf_counter()
        trainer = DPOTrainer(model=model, args=config, train_dataset=data, processing_class=byte_tokenizer(),
                             callbacks=[StepTimer()])
        print(f"activation checkpointing: {getattr(trainer.model, 'is_activation_checkpointing', None)}")
        setup = time.perf_counter() - t0
        for p, row in zip(pairs, trainer.train_dataset):  # TRL's tokenised rows are the file's ids, exactly
            assert (row["prompt_ids"], row["chosen_ids"], row["rejected_ids"]) == \
                (p["prompt"], p["chosen"], p["rejected"]), f"TRL tokenised a pair differently: {row}"
        result = trainer.train()
    timed = times[a.warmup:]
    assert len(timed) == a.steps, f"expected {a.steps} timed steps, got {len(timed)}"
    med = statistics.median(timed)
    batch = len(pairs)
    flops = 6 * n_params * tokens_per_step + 12 * a.layers * a.embedding * (tokens_per_step / (2 * batch)) * tokens_per_step  # as dpop bench
    final = float(result.training_loss)
    print(f"trl {trl.__version__} (transformers {transformers.__version__}, torch {torch.__version__}) DPO step: "
          f"{med * 1000:.2f} ms median, {tokens_per_step / med:.0f} tokens/s, {flops / med / 1e9:.2f} GFLOP/s "
          f"effective, {n_params} parameters, {a.threads} threads, setup with reference precompute {setup:.2f} s")
    print(json.dumps({
        "impl": "trl", "loss": "dpo", "requested_loss": a.loss, "final_loss": final,
        "tokens_per_s": tokens_per_step / med, "tokens_per_step": tokens_per_step, "pairs_per_s": batch / med,
        "sec_per_step_median": med, "sec_per_step_min": min(timed), "pairs": a.pairs_file,
        "parameters": n_params, "flops_per_step": flops, "effective_gflops": flops / med / 1e9,
        "setup_sec_with_ref_precompute": setup,
        "config": {"embedding": a.embedding, "layers": a.layers, "heads": a.heads, "batch": batch,
                   "context": context, "steps": a.steps, "warmup": a.warmup, "threads": a.threads, "seed": 0,
                   "gradient_checkpointing": a.gradient_checkpointing},
        "beta": a.beta, "threads": a.threads, "torch_version": torch.__version__, "trl_version": trl.__version__,
        "transformers_version": transformers.__version__,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
