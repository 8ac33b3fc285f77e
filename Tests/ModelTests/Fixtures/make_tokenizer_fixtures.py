#!/usr/bin/env python3
"""Writes tokenizer_cases.json: reference tokenizations for the Swift WordPiece tokenizer.

Reference: the slow, pure-Python HF BERT tokenizer (uncased) on the real vocabulary of
all-MiniLM-L6-v2. In transformers >= 5, `transformers.BertTokenizer` is backed by the Rust
`tokenizers` library; the pure-Python implementation lives on as `BertTokenizerLegacy`
(identical code to the 4.x `BertTokenizer`), so that is the class used here:

    BertTokenizerLegacy(vocab_file=models/all-MiniLM-L6-v2/vocab.txt, do_lower_case=True)
    (tokenize_chinese_chars=True, strip_accents=None -> strip when lower-casing)

Every case is also run through the fast `tokenizers` tokenizer (models/all-MiniLM-L6-v2/
tokenizer.json, padding and truncation switched off) and the outcome is recorded per case in
`fast_agrees`. The slow tokenizer stays the reference. Disagreements seen when this script
was run (transformers 5.24, tokenizers 0.23.3, Python 3.11 whose unicodedata is Unicode 14.0):
  * Greek final sigma ('ΟΔΟΣ', 'ΑΣ.', ...): Python's str.lower() maps a word-final capital
    sigma to 'ς' (U+03C2); the Rust normalizer lower-cases scalar by scalar and yields 'σ'.
  * Unassigned code points and noncharacters (category Cn, e.g. U+0378, U+FDD0, U+FAFF): the
    slow tokenizer removes them as "control"; the fast one keeps them, so the word becomes
    [UNK] (and U+FAFF, inside the CJK compatibility block, is even split off as a CJK char).
  * Characters newer than Unicode 14.0 (U+1FAE8, U+1F6DC, U+0CF3): unassigned for Python 3.11,
    so removed; the fast tokenizer (newer tables) emits [UNK]. Most random-string
    disagreements are these two cases.
  * A special token hidden by a removable character ('[SE\u200bP]'): the slow tokenizer
    removes U+200B and then protects '[SEP]' from punctuation splitting (never_split), so it
    yields id 102; the fast one splits '[', 'sep', ']'.
Agreeing, though checked: 'İ' (lower() gives 'i' + U+0307, the mark is stripped), 'ß',
ligatures, combining-mark-only words (dropped by both), tags and private use (removed by both).
The script prints the exact list of disagreeing cases when run.

Run from the repository root (needs transformers and tokenizers; CI never runs this):
    python3 Tests/ModelTests/Fixtures/make_tokenizer_fixtures.py
"""

import json
import os
import random
import sys
import unicodedata

from tokenizers import Tokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokenizer_cases.json")
DIGESTS_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokenizer_unicode_digests.json")
DIGEST_BLOCK = 4096
# Planes 0-3 hold every assigned scalar below the tag/variation-selector block; plane 14 holds
# those; planes 15-16 are private use (removed like any category C*), sampled by their start.
DIGEST_RANGES = [(0x0, 0x40000), (0xE0000, 0xE1000), (0xF0000, 0xF1000)]
TRUNCATED_LENGTH = 16

HANDWRITTEN = [
    # plain English, casing, contractions
    "Hello, world!", "The quick brown fox jumps over the lazy dog.", "HELLO WORLD", "hello world",
    "I can't believe it's not butter.", "Don't stop me now", "unaffable", "Transformers are neat",
    "StreamLoRA learns online from Kafka", "a", "A", "I", ".", "x y z",
    "supercalifragilisticexpialidocious", "antidisestablishmentarianism", "pneumonoultramicroscopic",
    # accents
    "café", "naïve", "Ångström", "Zürich", "façade", "crème brûlée", "São Paulo", "Ærøskøbing",
    "résumé", "coöperate", "piñata", "Dvořák", "Łódź", "Kraków", "Ørsted", "Ðakovo", "þorn",
    "cafe\u0301 (combining acute)", "A\u030angstro\u0308m decomposed",
    # CJK and other East Asian scripts
    "中文", "日本語", "한국어", "我爱北京天安门", "東京タワーに行きました。", "ひらがな カタカナ",
    "漢字かな交じり文", "中文English混合", "안녕하세요 세계", "\u2e80\u2f00\u3005\u3007",
    "\uf900\ufa0e compatibility ideographs", "\U00020000\U0002a700 extension B/C",
    "\u3400\u4dbf extension A", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ", "半角ｶﾀｶﾅ",
    # emoji
    "😀", "I ❤️ NY", "👨\u200d👩\u200d👧\u200d👦 family", "🇫🇷🇩🇪🇯🇵 flags", "👍🏽 👍🏿 thumbs",
    "🏳️\u200d🌈", "emoji😀inside", "❤", "☃ snowman ★ star", "🤖🚀✨",
    # punctuation runs
    "!!!???...", "--", "«»", "“quotes”", "‘single’", "—em dash—", "…", "(parentheses)",
    "[brackets] {braces} <angles>", "a.b.c", "e.g., i.e.;", "¿Qué?", "¡Hola!", "「括弧」",
    "'apostrophe'", "\"double\"", "#hashtag @mention", "$100 ^caret `backtick` ~tilde |pipe",
    "100% of 50%", "a+b=c", "¶ § † ‡ • ‰ ′ ″", "・中黒", "\u00b7middle dot",
    # long words
    "a" * 100, "a" * 101, "b" * 150, "x" * 99 + " short", "word" * 30,
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "é" * 101, "e\u0301" * 60,
    # control characters, whitespace, NUL, U+FFFD, zero-width
    "tab\tseparated\tvalues", "line\nbreak", "carriage\r\nreturn", "nul\x00byte", "\x00",
    "replacement\ufffdchar", "\ufffd", "bell\x07char", "esc\x1b[0m", "del\x7fchar",
    "zero\u200bwidth\u200bspace", "zero\u200cwidth\u200dnon-joiner", "soft\u00adhyphen",
    "bom\ufeffin", "lrm\u200emark\u200f", "no\u00a0break\u00a0space", "thin\u2009space",
    "ideographic\u3000space", "line\u2028separator", "para\u2029separator", "vt\x0bff\x0c",
    "nel\x85x", "unit\x1fsep", "ogham\u1680space", "narrow\u202fnbsp", "math\u205fspace",
    "mongolian\u180evs", "word\u2060joiner", "interlinear\ufff9a\ufffbb", "tag\U000e0041chars",
    "private\ue000use", "private\U000f0000plane", "unassigned\u0378x", "noncharacter\ufdd0x",
    "", " ", "   ", "\t\n\r", "\u3000", "\u00a0\u2009", "\x00\x00", "\u200b",
    # Turkish, German, Greek, Lithuanian, ligatures
    "İstanbul", "İ", "ISTANBUL ıi", "DİYARBAKIR", "Straße", "STRASSE", "ß", "ẞ capital sharp s",
    "ΟΔΟΣ", "ΣΟΦΟΣ ΣΟΦΟΣ.", "Σ", "ΑΣ", "ΑΣ.", "ΑΣ\u0301", "ΑΣ\u0301Β", "'Σ'", "ὈΔΥΣΣΕΎΣ",
    "Ο Σ", "ΑΣ-ΒΣ", "ΑΣ'Β", "ΑΣ\u00adΒ", "σς", "ﬁ ﬂ ﬀ ligatures", "ǅ ǈ ǋ titlecase", "Ǆ",
    "İ\u0307", "i\u0307", "Ⅻ roman", "Ω ohm Ω omega", "Å angstrom Å", "K kelvin",
    # combining marks
    "e\u0301\u0302\u0303", "a\u0300\u0316", "\u0301 leading mark", "q\u0323\u0307",
    "ǘ", "ṩ", "\u1e9b\u0323", "Z\u0351\u0352\u0353algo", "n\u0303o\u0308",
    "\u0915\u094d\u0937", "\u0e01\u0e34\u0e4a", "\u05e9\u05c1\u05b8",
    # math and symbols
    "∑ ∫ √ ∞ ≈ ≠ ≤ ≥", "x² + y² = z²", "½ ¼ ¾", "① ② ③", "α β γ δ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝐁𝐨𝐥𝐝",
    "f(x) = 3x^2 + 2x - 1", "π ≈ 3.14159", "°C °F", "€ £ ¥ ₹ ₿", "™ © ®", "←↑→↓ ⇒",
    # urls, emails, numbers, hashtags
    "https://example.com/path?query=1&b=2#frag", "http://www.google.com", "ftp://files.example.org/a_b",
    "user@example.com", "first.last+tag@sub.domain.co.uk", "1,000,000", "3.14", "-42", "1e10",
    "$1,234.56", "12:30pm", "2024-01-31", "+1 (555) 123-4567", "#MachineLearning #AI",
    "@user_name", "v1.2.3-beta", "192.168.0.1", "0x1F", "50/50", "1st 2nd 3rd 4th",
    # code
    "def foo(x): return x**2", "int main() { return 0; }", "if (a && b || !c) {}",
    "let x: [Int] = []", "<div class=\"a\">hi</div>", "SELECT * FROM t WHERE id = 1;",
    "print(\"hello\\n\")", "a->b; c::d; e=>f", "snake_case camelCase PascalCase kebab-case",
    "#include <stdio.h>", "x += 1 // comment", "/* block */", "`code`", "$HOME/.bashrc",
    # mixed scripts and RTL/Indic/Thai
    "Русский текст", "Ελληνικά", "עברית", "العربية", "مرحبا بالعالم", "हिन्दी", "नमस्ते दुनिया",
    "ภาษาไทย", "สวัสดีครับ", "ქართული", "Հայերեն", "ᚠᚢᚦ runes", "ગુજરાતી", "தமிழ்", "বাংলা",
    "English русский 中文 العربية mixed", "Café Zürich 東京 😀 مرحبا", "ሰላም", "ᏣᎳᎩ", "ꦗꦮ",
    "\u202eright-to-left override", "abc\u202cdef", "\u061c arabic letter mark",
    # special tokens written in the text
    "hello [SEP] world", "[CLS]", "[CLS] [SEP] [PAD] [UNK] [MASK]", "[cls] lower", "[SEP][SEP]",
    "x[MASK]y", "[[SEP]]", "[SE\u200bP]", "\x00[CLS]", "[UNK]", "unknown [UNK] token",
    "[unused0]", "##ing", "## hash", "###",
    # newer than Unicode 14 (Python 3.11 treats as unassigned)
    "\U0001fae8 shaking face (15.0)", "\U0001f6dc wireless (15.0)", "\u0cf3 kannada (15.0)",
]


def random_cases(count, seed=20261129):
    """Random strings from a fixed seed, drawn from a mix of Unicode ranges."""
    rng = random.Random(seed)
    ranges = [
        (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), (0x00, 0x1F), (0x80, 0xFF), (0x100, 0x24F),
        (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x5FF), (0x600, 0x6FF),
        (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x1E00, 0x1FFF), (0x2000, 0x206F),
        (0x2070, 0x22FF), (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
        (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFB00, 0xFDFF), (0xFE00, 0xFFFF),
        (0x1D400, 0x1D7FF), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0xE0000, 0xE007F),
    ]
    cases = []
    for _ in range(count):
        n = rng.randint(1, 24)
        chars = []
        for _ in range(n):
            lo, hi = rng.choice(ranges)
            cp = rng.randint(lo, hi)
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0x20
            chars.append(chr(cp))
            if rng.random() < 0.15:
                chars.append(" ")
        cases.append("".join(chars))
    return cases


def words_and_unknowns(slow, text):
    """Counts the basic-tokenizer words and how many of them became exactly [UNK].

    Special tokens written in the text (split out by the added-token trie) are not words.
    """
    specials = set(slow.all_special_tokens)
    words = unknown = 0
    for segment in slow.tokens_trie.split(text):
        if not segment or segment in specials:
            continue
        for word in slow.basic_tokenizer.tokenize(segment, never_split=slow.all_special_tokens):
            words += 1
            if slow.wordpiece_tokenizer.tokenize(word) == [slow.unk_token]:
                unknown += 1
    return words, unknown


def fnv1a64(data, state=0xCBF29CE484222325):
    for byte in data:
        state = ((state ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return state


def unicode_digests(slow):
    """Every scalar through BasicTokenizer, alone and between 'a' and 'b', hashed per block.

    For each code point c (surrogates skipped) the basic-tokenizer words of `c` and of
    `"a" + c + "b"` are UTF-8 encoded, each word followed by 0x01 and each of the two texts
    by 0x02, and fed to one FNV-1a-64 per block of 4096 code points. This pins cleaning,
    whitespace, CJK, lower-casing, accent stripping and punctuation for every scalar at once,
    including their Unicode-version dependence.
    """
    basic = slow.basic_tokenizer
    digests = {}
    for lo, hi in DIGEST_RANGES:
        for block in range(lo, hi, DIGEST_BLOCK):
            state = 0xCBF29CE484222325
            for cp in range(block, block + DIGEST_BLOCK):
                if 0xD800 <= cp <= 0xDFFF:
                    continue
                for text in (chr(cp), "a" + chr(cp) + "b"):
                    for word in basic.tokenize(text):
                        state = fnv1a64(word.encode("utf-8") + b"\x01", state)
                    state = fnv1a64(b"\x02", state)
            digests[f"{block:x}"] = f"{state:016x}"
    return digests


def main():
    # The Swift tokenizer mirrors the Unicode 14.0 tables of Python 3.11 (BertCharacterClass);
    # another Python would silently move the reference.
    if unicodedata.unidata_version != "14.0.0":
        sys.exit(f"needs Python 3.11 (unicodedata 14.0.0), this is {unicodedata.unidata_version}")
    vocab = os.path.join(MODEL, "vocab.txt")
    if not os.path.isfile(vocab):
        sys.exit(f"missing {vocab}: run ops/setup")
    slow = BertTokenizerLegacy(vocab_file=vocab, do_lower_case=True)
    fast = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    fast.no_padding()
    fast.no_truncation()

    texts = HANDWRITTEN + random_cases(160)
    seen, cases, disagreements = set(), [], []
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        tokens = slow.tokenize(text)
        ids = slow(text)["input_ids"]
        truncated = slow(text, max_length=TRUNCATED_LENGTH, truncation=True)["input_ids"]
        assert ids == [slow.cls_token_id] + slow.convert_tokens_to_ids(tokens) + [slow.sep_token_id]
        fast_ids = fast.encode(text).ids
        if fast_ids != ids:
            disagreements.append((text, ids, fast_ids))
        words, unknown = words_and_unknowns(slow, text)
        cases.append({
            "text": text,
            "tokens": tokens,
            "ids": ids,
            "ids_max16": truncated,
            "words": words,
            "unknown_words": unknown,
            "fast_agrees": fast_ids == ids,
        })

    # Batches: padded to the longest row, as `tokenizer(texts, padding=True, truncation=True, ...)`.
    batches = []
    batch_rng = random.Random(7)
    for size, max_length in [(1, 128), (2, 128), (4, 16), (8, 16), (8, 128), (16, 32), (3, 2)]:
        texts_in_batch = batch_rng.sample(HANDWRITTEN, size)
        encoded = slow(texts_in_batch, padding=True, truncation=True, max_length=max_length)
        batches.append({
            "texts": texts_in_batch,
            "max_length": max_length,
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
        })

    # Cased mode (do_lower_case=False: no lower-casing, no accent stripping, NFC) on the same
    # vocabulary: checks the switch, not a model anyone should use.
    cased = BertTokenizerLegacy(vocab_file=vocab, do_lower_case=False)
    cased_cases = [{"text": t, "ids": cased(t)["input_ids"]} for t in HANDWRITTEN[:200]]

    doc = {
        "reference": "transformers BertTokenizerLegacy (slow BertTokenizer), do_lower_case=True",
        "transformers_unicode_version": unicodedata.unidata_version,
        "vocab": "models/all-MiniLM-L6-v2/vocab.txt",
        "truncated_max_length": TRUNCATED_LENGTH,
        "cases": cases,
        "batches": batches,
        "cased_cases": cased_cases,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=0)
        f.write("\n")
    digests = unicode_digests(slow)
    with open(DIGESTS_OUT, "w", encoding="utf-8") as f:
        json.dump({"block_size": DIGEST_BLOCK, "blocks": digests}, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(digests)} block digests to {DIGESTS_OUT}")
    print(f"wrote {len(cases)} cases to {OUT}; fast tokenizer disagrees on {len(disagreements)}:")
    for text, ids, fast_ids in disagreements:
        print(f"  {text!r}: slow {ids} fast {fast_ids}")


if __name__ == "__main__":
    main()
