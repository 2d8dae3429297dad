"""Reference fixtures for TapestryTextTests. Run from the repository root:

    ~/.refenv/bin/python Tests/TapestryTextTests/Fixtures/make_fixtures.py

Needs the `regex` package (pip install regex). Writes, beside this script:

pretokenize.json  GPT-4's pre-tokenization regex, run by the `regex` package, on hand-picked
                  strings (contractions, digits, Unicode letters, emoji, runs of spaces), on
                  random strings mixed from the same kinds of characters, and on random code
                  points from all of Unicode:
                  [{"text": ..., "chunks": [...]}, ...]
bpe_reference.json  A deliberately plain byte-level BPE (recount every pair for every merge)
                  trained on the first 50,000 characters of datasets/shakespeare.txt with GPT-4
                  pre-tokenization and Tapestry's tie-break (highest count, then the smallest
                  (left, right)), plus the encoding of a few sample strings with minbpe's
                  encode loop: {"corpus_characters", "vocab_size", "merges", "samples"}.
"""
import collections, json, os, random, unicodedata

import regex

HERE = os.path.dirname(os.path.abspath(__file__))
GPT4 = regex.compile(r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+""")

HAND_PICKED = [
    "", "a", " ", "hello world", "Hello, World!", "I'll pay  $1234!\n\n",
    "don't", "DON'T", "we're they've I'd you'LL He'S", "'s 'ld 'tis 'twas", " 'll", "''s", "'ſ 'ſx",
    "1", "12", "123", "1234", "1234567", "3.14159", "x2 2x", "  42", " 1 2 3 ", "٣٤٥٦", "ⅫⅢ", "x²³ ½",
    "naïve café", "Straße", "Привет мир", "中文字符测试", "مرحبا بالعالم", "こんにちは", "한국어", "ǅemal ʰa",
    "e\u0301e\u0301", "👍", "👍🏽 ok", "❤️❤️", "👨\u200d👩\u200d👧 family", " 🎉🎉 yes", "©2024 €5",
    "a  b", "a   b", "a    b", "   ", "x   ", "   x", "a \n b", "a\n\n\nb", "a \t\n\tb", "\r\n\r\n", " \r\n x",
    "tab\there", "\t\tx", "\u00a0nbsp\u00a0", "ideographic\u3000space", "line\u2028sep", "nel\u0085x", "\x0b\x0cv",
    "...", "!!!\n", " ...\n\n", "--x", "a--b", "(a)", "\"quoted\"", " \"q\"", "'", "' ", "x'", "x' y",
    "\x00\x01\x1f", "\x1b[31mred\x1b[0m", "<|endoftext|>", "a<|endoftext|>b", "\ufeffbom",
]

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " ", " ", "  ", "\n", "\r", "\t", "\r\n",
    "'", "'s", "'ll", "'VE", "'Re", "'t", "'D", "ſ",
    ".,;:!?-()[]{}\"/\\@#$%^&*_+=<>|~`",
    "éßÆøñçşłĳ", "ЖжЯяйщ", "中文字符测试", "مرحبا", "あいうえおカタカナ", "한국어", "ǅʰʼ", "αβγΩ",
    "\u0301\u0308\u20dd", "٣٤५६", "ⅫⅣ", "²³½¾", "\u00a0\u3000\u2028\u2029\u0085\x0b\x0c\u2003",
    "👍🏽❤️🎉🚀😀", "\u200d\ufe0f", "©®€£¥™", "\x00\x01\x1b\x7f",
]


def random_text(rng):
    pieces = []
    for _ in range(rng.randint(0, 24)):
        pool = rng.choice(POOLS)
        if len(pool) > 3 and rng.random() < 0.7:
            pieces.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 6))))
        else:
            pieces.append(pool)
    return "".join(pieces)


def random_scalars(rng):
    """Assigned scalars drawn uniformly from the Basic Multilingual Plane and from all of
    Unicode, mixed with spaces and ASCII letters, to compare the Unicode tables themselves."""
    out = []
    for _ in range(rng.randint(1, 12)):
        r = rng.random()
        if r < 0.2:
            out.append(rng.choice(" \n'a1."))
        else:
            top = 0x10000 if r < 0.7 else 0x110000
            while True:
                c = rng.randrange(top - 0x800)
                c = chr(c + 0x800 if c >= 0xD800 else c)
                # Unassigned code points (Cn) are left out: their treatment depends on each
                # library's Unicode version (`regex` calls parts of plane 3 letters).
                if unicodedata.category(c) != "Cn":
                    break
            out.append(c)
    return "".join(out)


def pretokenize_fixture():
    rng = random.Random(1337)
    texts = HAND_PICKED + [random_text(rng) for _ in range(1000)] + [random_scalars(rng) for _ in range(500)]
    return [{"text": t, "chunks": GPT4.findall(t)} for t in texts]


def train_reference(text, vocab_size):
    """minbpe's training loop on pre-tokenized chunks, with counts of repeated chunks."""
    words = collections.Counter(GPT4.findall(text))
    ids = {w: list(w.encode("utf-8")) for w in words}
    merges = []
    while 256 + len(merges) < vocab_size:
        stats = collections.Counter()
        for w, count in words.items():
            seq = ids[w]
            for pair in zip(seq, seq[1:]):
                stats[pair] += count
        if not stats:
            break
        pair = max(stats, key=lambda p: (stats[p], -p[0], -p[1]))
        new = 256 + len(merges)
        merges.append(pair)
        for w in words:
            ids[w] = merge(ids[w], pair, new)
    return merges


def merge(seq, pair, new):
    out, i = [], 0
    while i < len(seq):
        if i + 1 < len(seq) and (seq[i], seq[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def encode_reference(text, merges):
    rank = {pair: 256 + i for i, pair in enumerate(merges)}
    tokens = []
    for chunk in GPT4.findall(text):
        seq = list(chunk.encode("utf-8"))
        while len(seq) >= 2:
            pair = min(zip(seq, seq[1:]), key=lambda p: rank.get(p, float("inf")))
            if pair not in rank:
                break
            seq = merge(seq, pair, rank[pair])
        tokens += seq
    return tokens


def bpe_fixture():
    root = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
    corpus = open(os.path.join(root, "datasets", "shakespeare.txt"), encoding="utf-8").read()
    characters, vocab_size = 50_000, 256 + 400
    merges = train_reference(corpus[:characters], vocab_size)
    samples = [corpus[60_000:61_000], "The quick brown fox, naïve café 👍🏽!\n\n  indentation  ", "aaabdaaabac"]
    return {"corpus_characters": characters, "vocab_size": vocab_size, "merges": merges,
            "samples": [{"text": s, "ids": encode_reference(s, merges)} for s in samples]}


if __name__ == "__main__":
    with open(os.path.join(HERE, "pretokenize.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(case, ensure_ascii=True) for case in pretokenize_fixture()) + "\n]\n")
    with open(os.path.join(HERE, "bpe_reference.json"), "w") as f:
        json.dump(bpe_fixture(), f, ensure_ascii=True)
    print("wrote pretokenize.json and bpe_reference.json")
