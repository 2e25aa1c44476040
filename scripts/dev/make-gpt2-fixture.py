#!/usr/bin/python3
"""Writes the tiny GPT-2 parity fixtures under packages/test-utils/fixtures/.

Dev-only: CI never runs this; the fixtures it writes are committed. Run it with the
Debian interpreter, which has python3-torch:

    apt-get install -y python3-torch libopenblas0-pthread   # once
    /usr/bin/python3 scripts/dev/make-gpt2-fixture.py

It implements GPT-2's forward pass here, independently of every engine in the repo
(learned positions, pre-LayerNorm, tanh-GELU MLP, tied embeddings, Hugging Face Conv1D
weights laid out [in, out]), runs it in float64, and writes three Hugging Face layout
directories with the same seeded random weights:

- tiny-gpt2/           config.json + model.safetensors (F32, keys with `transformer.`,
                       plus the legacy `transformer.h.N.attn.bias` causal-mask buffers that
                       loaders must ignore; tied, so no lm_head) + expected.json
- tiny-gpt2-noprefix/  the same weights stored as F16 with keys without the prefix
- tiny-gpt2-scalar/    the same trunk stored as BF16 + `score.weight` [1, n_embd] and
                       `score.bias` [1] (a reward/value head) + expected.json

Weights are rounded to values exactly representable in F32, F16 and BF16, so the three
files hold identical numbers and share one set of expected values. Safetensors files are
written by hand (8-byte little-endian header length, JSON header, raw bytes), so the
`safetensors` pip package is not needed.
"""
import json
import math
import struct
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "packages" / "test-utils" / "fixtures"

CONFIG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "vocab_size": 128,
    "n_positions": 32,
    "n_ctx": 32,
    "n_embd": 32,
    "n_layer": 2,
    "n_head": 4,
    "n_inner": None,
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "embd_pdrop": 0.1,
    "attn_pdrop": 0.1,
    "resid_pdrop": 0.1,
    "bos_token_id": 127,
    "eos_token_id": 127,
    "tie_word_embeddings": True,
}
SEED = 20240601
WEIGHT_STD = 0.2  # large enough that next-token distributions are far from flat

# Sequences of different lengths; the last fills the context window.
LM_SEQUENCES = [
    [5, 17],
    [127, 40, 2, 99, 7],
    [12, 64, 3, 3, 101, 88, 0, 45, 126, 9],
    [(7 * index * index + 3 * index + 1) % 128 for index in range(32)],
]
SCALAR_SEQUENCES = [[8, 1, 77], [33, 2, 90, 14, 5, 60, 127], [100, 4, 4, 19, 127]]
PAD_ID = 127


def representable(tensor):
    """Rounds to the bfloat16 grid and flushes values F16 cannot hold exactly."""
    rounded = tensor.to(torch.bfloat16).to(torch.float32)
    rounded[rounded.abs() < 2.0 ** -16] = 0.0
    assert torch.equal(rounded.half().float(), rounded), "weights must be exact in F16"
    return rounded


def make_weights():
    generator = torch.Generator().manual_seed(SEED)
    d, vocab, positions = CONFIG["n_embd"], CONFIG["vocab_size"], CONFIG["n_positions"]
    inner = 4 * d

    def normal(*shape, std=WEIGHT_STD):
        return representable(torch.randn(*shape, generator=generator) * std)

    def norm_weight():
        return representable(1.0 + 0.1 * torch.randn(d, generator=generator))

    weights = {"wte.weight": normal(vocab, d), "wpe.weight": normal(positions, d)}
    for layer in range(CONFIG["n_layer"]):
        prefix = f"h.{layer}."
        weights[prefix + "ln_1.weight"] = norm_weight()
        weights[prefix + "ln_1.bias"] = normal(d, std=0.1)
        # Conv1D layout: [in, out], applied as x @ W + b.
        weights[prefix + "attn.c_attn.weight"] = normal(d, 3 * d)
        weights[prefix + "attn.c_attn.bias"] = normal(3 * d, std=0.1)
        weights[prefix + "attn.c_proj.weight"] = normal(d, d)
        weights[prefix + "attn.c_proj.bias"] = normal(d, std=0.1)
        weights[prefix + "ln_2.weight"] = norm_weight()
        weights[prefix + "ln_2.bias"] = normal(d, std=0.1)
        weights[prefix + "mlp.c_fc.weight"] = normal(d, inner)
        weights[prefix + "mlp.c_fc.bias"] = normal(inner, std=0.1)
        weights[prefix + "mlp.c_proj.weight"] = normal(inner, d)
        weights[prefix + "mlp.c_proj.bias"] = normal(d, std=0.1)
    weights["ln_f.weight"] = norm_weight()
    weights["ln_f.bias"] = normal(d, std=0.1)
    score = {"score.weight": normal(1, d), "score.bias": normal(1, std=0.1)}
    return weights, score


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdim=True)
    variance = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(variance + CONFIG["layer_norm_epsilon"]) * weight + bias


def trunk(weights, ids, mask):
    """GPT-2 trunk in float64. ids, mask: [batch, length]. Returns final hidden states."""
    w = {name: value.double() for name, value in weights.items()}
    batch, length = ids.shape
    d, heads = CONFIG["n_embd"], CONFIG["n_head"]
    head_size = d // heads
    # Hugging Face convention: positions count real tokens only, so padding side does not matter.
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    hidden = w["wte.weight"][ids] + w["wpe.weight"][positions]
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
    allowed = causal[None, None, :, :] & mask.bool()[:, None, None, :]
    for layer in range(CONFIG["n_layer"]):
        p = f"h.{layer}."
        x = layer_norm(hidden, w[p + "ln_1.weight"], w[p + "ln_1.bias"])
        qkv = x @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(d, dim=-1)
        split = lambda t: t.view(batch, length, heads, head_size).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(head_size)
        # Rows that are padding may see no key at all; a finite fill keeps them NaN-free.
        scores = scores.masked_fill(~allowed, torch.finfo(torch.float64).min)
        attention = torch.softmax(scores, dim=-1) @ v
        attention = attention.transpose(1, 2).reshape(batch, length, d)
        hidden = hidden + attention @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        x = layer_norm(hidden, w[p + "ln_2.weight"], w[p + "ln_2.bias"])
        x = gelu_tanh(x @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        hidden = hidden + x @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    return layer_norm(hidden, w["ln_f.weight"], w["ln_f.bias"])


def trunk_with_torch_modules(weights, ids):
    """A second trunk built from torch.nn modules (LayerNorm, MultiheadAttention, Linear,
    tanh GELU) for unpadded input: checks the hand-written formulas above."""
    w = {name: value.double() for name, value in weights.items()}
    d, heads, length = CONFIG["n_embd"], CONFIG["n_head"], ids.shape[1]
    eps = CONFIG["layer_norm_epsilon"]

    def norm(prefix):
        module = torch.nn.LayerNorm(d, eps=eps).double()
        module.weight.data, module.bias.data = w[prefix + ".weight"], w[prefix + ".bias"]
        return module

    def linear(prefix):
        weight = w[prefix + ".weight"]  # Conv1D [in, out] is Linear's weight transposed
        module = torch.nn.Linear(weight.shape[0], weight.shape[1]).double()
        module.weight.data, module.bias.data = weight.T.contiguous(), w[prefix + ".bias"]
        return module

    hidden = torch.nn.functional.embedding(ids, w["wte.weight"]) + w["wpe.weight"][:length]
    causal_mask = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
    with torch.no_grad():
        for layer in range(CONFIG["n_layer"]):
            p = f"h.{layer}."
            attention = torch.nn.MultiheadAttention(d, heads, batch_first=True).double()
            attention.in_proj_weight.data = w[p + "attn.c_attn.weight"].T.contiguous()
            attention.in_proj_bias.data = w[p + "attn.c_attn.bias"]
            attention.out_proj.weight.data = w[p + "attn.c_proj.weight"].T.contiguous()
            attention.out_proj.bias.data = w[p + "attn.c_proj.bias"]
            x = norm(p + "ln_1")(hidden)
            hidden = hidden + attention(x, x, x, attn_mask=causal_mask, need_weights=False)[0]
            x = torch.nn.functional.gelu(linear(p + "mlp.c_fc")(norm(p + "ln_2")(hidden)), approximate="tanh")
            hidden = hidden + linear(p + "mlp.c_proj")(x)
        return norm("ln_f")(hidden)


def lm_case(weights, sequence):
    ids = torch.tensor([sequence])
    hidden = trunk(weights, ids, torch.ones_like(ids))
    difference = (hidden - trunk_with_torch_modules(weights, ids)).abs().max().item()
    assert difference < 1e-9, f"hand-written trunk and torch.nn trunk differ by {difference}"
    log_probs = torch.log_softmax(hidden @ weights["wte.weight"].double().T, dim=-1)[0]
    targets = ids[0, 1:]
    return {
        "ids": sequence,
        "logprobs": [float(log_probs[t, targets[t]]) for t in range(len(sequence) - 1)],
        "lastLogSoftmax": [float(value) for value in log_probs[-1]],
    }


def padded(sequences, side):
    length = max(len(sequence) for sequence in sequences)
    ids, mask = [], []
    for sequence in sequences:
        pad = length - len(sequence)
        if side == "left":
            ids.append([PAD_ID] * pad + sequence)
            mask.append([0] * pad + [1] * len(sequence))
        else:
            ids.append(sequence + [PAD_ID] * pad)
            mask.append([1] * len(sequence) + [0] * pad)
    return torch.tensor(ids), torch.tensor(mask)


def scalar_case(weights, score, side):
    ids, mask = padded(SCALAR_SEQUENCES, side)
    hidden = trunk(weights, ids, mask)
    values = (hidden @ score["score.weight"].double().T)[..., 0] + score["score.bias"].double()[0]
    values = values * mask
    # Last real token: the final column when padded left, count - 1 when padded right.
    last = torch.full((len(ids),), mask.shape[1] - 1) if side == "left" else mask.sum(-1) - 1
    scores = values[torch.arange(len(ids)), last]
    return {
        "paddingSide": side,
        "batchSize": len(ids),
        "length": ids.shape[1],
        "ids": ids.flatten().tolist(),
        "attentionMask": mask.flatten().tolist(),
        "lastScores": [float(value) for value in scores],
        "values": [float(value) for value in values.flatten()],
    }


def write_safetensors(path, tensors, dtype):
    """Hand-written safetensors: u64 LE header length, JSON header padded with spaces, data."""
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        if name.endswith(".attn.bias"):
            raw, code = tensor.numpy().astype("<f4").tobytes(), "F32"  # buffers stay F32, as in HF files
        elif dtype == "F32":
            raw, code = tensor.numpy().astype("<f4").tobytes(), "F32"
        elif dtype == "F16":
            raw, code = tensor.half().numpy().astype("<f2").tobytes(), "F16"
        else:
            raw, code = tensor.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes(), "BF16"
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def with_buffers(weights, prefix):
    out = {}
    length = CONFIG["n_positions"]
    for name, value in weights.items():
        out[prefix + name] = value
        if name.endswith("ln_1.bias"):
            layer = name.split(".")[1]
            out[f"{prefix}h.{layer}.attn.bias"] = torch.tril(torch.ones(length, length)).view(1, 1, length, length)
    return out


def write_dir(name, config, tensors, dtype, expected):
    directory = FIXTURES / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    write_safetensors(directory / "model.safetensors", tensors, dtype)
    (directory / "expected.json").write_text(json.dumps(expected) + "\n")


def main():
    torch.set_num_threads(1)
    weights, score = make_weights()
    lm_expected = {
        "description": "Float64 PyTorch reference (scripts/dev/make-gpt2-fixture.py). cases[i].logprobs[t] = log p(ids[t+1] | ids[0..t]); lastLogSoftmax = log_softmax of the last position's logits.",
        "seed": SEED,
        "cases": [lm_case(weights, sequence) for sequence in LM_SEQUENCES],
    }
    write_dir("tiny-gpt2", CONFIG, with_buffers(weights, "transformer."), "F32", lm_expected)
    write_dir("tiny-gpt2-noprefix", CONFIG, with_buffers(weights, ""), "F16", lm_expected)

    left, right = scalar_case(weights, score, "left"), scalar_case(weights, score, "right")
    assert max(abs(a - b) for a, b in zip(left["lastScores"], right["lastScores"])) < 1e-9, "padding side changed the scores"
    scalar_config = dict(CONFIG, architectures=["GPT2ForSequenceClassification"], num_labels=1, pad_token_id=PAD_ID)
    scalar_expected = {
        "description": "Float64 PyTorch reference. lastScores: score head at each row's last non-pad token; values: [batchSize, length] head output at every token, 0 at padding. The same sequences padded left and right.",
        "seed": SEED,
        "batches": [left, right],
    }
    scalar_tensors = dict(with_buffers(weights, "transformer."), **score)
    write_dir("tiny-gpt2-scalar", scalar_config, scalar_tensors, "BF16", scalar_expected)
    total = sum(path.stat().st_size for path in FIXTURES.rglob("*") if path.is_file())
    print(f"wrote {FIXTURES} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
