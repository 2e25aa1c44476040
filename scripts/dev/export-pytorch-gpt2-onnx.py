#!/usr/bin/python3
"""Exports a GPT-2-shaped decoder with a KV cache from PyTorch to ONNX: the reference the onnx
package's generation benchmark compares our own exporter against ("ORT on a PyTorch export").

Dev-only: CI never runs this. Run it with the Debian interpreter, which has python3-torch:

    /usr/bin/python3 scripts/dev/export-pytorch-gpt2-onnx.py --out /tmp/pytorch-4m.onnx
    node packages/onnx/bench/generate.mjs --presets 4m --reference /tmp/pytorch-4m.onnx

With `--bench` it also times greedy generation in PyTorch itself (eager, KV cache, no_grad,
prompt 64 -> 64 new tokens, batch 1 and 8, median of 5) and prints one JSON line: the issue's
"vs PyTorch" column (`generate.mjs --pytorch /usr/bin/python3` runs it).

The model is written here in plain PyTorch modules (the Hugging Face GPT-2 layout: learned
positions, pre-LayerNorm, tanh-GELU MLP, tied embeddings) with seeded random weights, and
exported by `torch.onnx.export` (opset 17) in the Hugging Face Optimum decoder layout:
`input_ids`, `attention_mask` ([batch, past + seq]), `position_ids`,
`past_key_values.{i}.key|value` ([batch, heads, past, head_dim]) -> `logits`,
`present.{i}.key|value`. Nothing of ours takes part in building the graph.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
from torch import nn

PRESETS = {
    "4m": dict(vocab=4096, context=128, d=256, layers=4, heads=4),
    "124m": dict(vocab=50257, context=1024, d=768, layers=12, heads=12),
}


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x, bias, past_key, past_value):
        b, s, d = x.shape
        h = self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (t.view(b, s, h, d // h).transpose(1, 2) for t in (q, k, v))
        k = torch.cat([past_key, k], dim=2)
        v = torch.cat([past_value, v], dim=2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h) + bias
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.c_proj(context)
        y = self.c_fc(self.ln_2(x))
        y = 0.5 * y * (1 + torch.tanh(math.sqrt(2 / math.pi) * (y + 0.044715 * y.pow(3))))
        return x + self.mlp_proj(y), k, v


class Gpt2(nn.Module):
    def __init__(self, vocab, context, d, layers, heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(context, d)
        self.h = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        s = input_ids.shape[1]
        total = attention_mask.shape[1]
        x = self.wte(input_ids) + self.wpe(position_ids)
        # 0 where query i (absolute position total - s + i) may see key j and j is not padding.
        query = torch.arange(total - s, total, device=x.device).unsqueeze(1)
        key = torch.arange(total, device=x.device).unsqueeze(0)
        allowed = (key <= query).unsqueeze(0).unsqueeze(0) & attention_mask.bool().unsqueeze(1).unsqueeze(2)
        bias = torch.where(allowed, torch.zeros((), dtype=x.dtype), torch.full((), torch.finfo(x.dtype).min, dtype=x.dtype))
        presents = []
        for index, block in enumerate(self.h):
            x, k, v = block(x, bias, past[2 * index], past[2 * index + 1])
            presents += [k, v]
        logits = self.ln_f(x) @ self.wte.weight.t()
        return (logits, *presents)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--preset", default="4m", choices=sorted(PRESETS))
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bench", action="store_true")
    args = parser.parse_args()
    p = PRESETS[args.preset]
    torch.manual_seed(args.seed)
    model = Gpt2(p["vocab"], p["context"], p["d"], p["layers"], p["heads"]).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.normal_(0, 0.02)
            elif "ln" in name:
                param.normal_(1, 0.02)
            else:
                param.normal_(0, 0.02)
    b, s, past_len, hd = 2, 3, 5, p["d"] // p["heads"]
    ids = torch.randint(0, p["vocab"], (b, s))
    mask = torch.ones(b, past_len + s, dtype=torch.int64)
    positions = torch.arange(past_len, past_len + s).unsqueeze(0).expand(b, s)
    past = [torch.randn(b, p["heads"], past_len, hd) for _ in range(2 * p["layers"])]
    past_names = [f"past_key_values.{i // 2}.{'key' if i % 2 == 0 else 'value'}" for i in range(2 * p["layers"])]
    present_names = [name.replace("past_key_values", "present") for name in past_names]
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size", 1: "sequence_length"}}
    dynamic.update({name: {0: "batch_size", 2: "past_sequence_length"} for name in past_names})
    dynamic.update({name: {0: "batch_size", 2: "total_sequence_length"} for name in present_names})
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask, positions, *past), args.out, opset_version=17,
                          input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                          output_names=["logits", *present_names], dynamic_axes=dynamic, do_constant_folding=True)
    print(f"wrote {args.out} ({args.preset}, torch {torch.__version__})", file=sys.stderr)
    if args.bench:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rates": {str(b): bench(model, p, b) for b in (1, 8)}}))


def bench(model, p, batch, prompt=64, new=64, repeats=5):
    """Greedy generation tokens/s: one prompt pass, then one step per new token on the cache."""
    hd = p["d"] // p["heads"]
    rates = []
    ids = (torch.arange(batch * prompt) * 7919 % p["vocab"]).view(batch, prompt)
    with torch.no_grad():
        for repeat in range(repeats + 1):
            start = time.perf_counter()
            past = [torch.zeros(batch, p["heads"], 0, hd) for _ in range(2 * p["layers"])]
            mask = torch.ones(batch, prompt, dtype=torch.int64)
            positions = torch.arange(prompt).unsqueeze(0).expand(batch, prompt)
            logits, *past = model(ids, mask, positions, *past)
            for step in range(new - 1):
                token = logits[:, -1].argmax(-1, keepdim=True)
                mask = torch.ones(batch, prompt + step + 1, dtype=torch.int64)
                positions = torch.full((batch, 1), prompt + step)
                logits, *past = model(token, mask, positions, *past)
            if repeat > 0:
                rates.append(batch * new / (time.perf_counter() - start))
    return statistics.median(rates)


if __name__ == "__main__":
    main()
