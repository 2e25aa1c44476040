"""Optional PyTorch reference for `npm run bench` (issue 9): the same GPT-2-shaped presets,
random tokens, AdamW (decay 0.01) with clipping at 1, dropout 0.1, one warm-up step, then
N timed steps; prints one JSON line with the median tokens/s. Run the best way for 2 cores:
one torch thread, OpenBLAS with 2 (Debian's torch ignores set_num_threads for BLAS):
    OPENBLAS_NUM_THREADS=2 python3 pytorch_reference.py 4m 5
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "4m": dict(vocab=4096, ctx=128, d=256, layers=4, heads=4, batch=8, length=128),
    "30m": dict(vocab=8192, ctx=128, d=512, layers=8, heads=8, batch=8, length=128),
    "124m": dict(vocab=50257, ctx=1024, d=768, layers=12, heads=12, batch=4, length=256),
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

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads) + mask
        attn = F.dropout(F.softmax(scores, dim=-1), 0.1, self.training)
        y = (attn @ v).transpose(1, 2).reshape(b, t, d)
        x = x + F.dropout(self.c_proj(y), 0.1, self.training)
        return x + F.dropout(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")), 0.1, self.training)


class Gpt2(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.wte = nn.Embedding(p["vocab"], p["d"])
        self.wpe = nn.Embedding(p["ctx"], p["d"])
        self.blocks = nn.ModuleList(Block(p["d"], p["heads"]) for _ in range(p["layers"]))
        self.ln_f = nn.LayerNorm(p["d"])

    def forward(self, ids):
        t = ids.shape[1]
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = F.dropout(self.wte(ids) + self.wpe(torch.arange(t)), 0.1, self.training)
        for block in self.blocks:
            x = block(x, mask)
        return self.ln_f(x) @ self.wte.weight.T


def main():
    preset, steps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(1)
    torch.manual_seed(0)
    p = PRESETS[preset]
    model = Gpt2(p)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    times = []
    for step in range(steps + 1):
        ids = torch.randint(0, p["vocab"], (p["batch"], p["length"]))
        start = time.perf_counter()
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, p["vocab"]), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step > 0:
            times.append(time.perf_counter() - start)
    tokens = p["batch"] * p["length"]
    print(json.dumps({"engine": "pytorch", "preset": preset, "torch": torch.__version__, "tokensPerSecond": tokens / statistics.median(times)}))


if __name__ == "__main__":
    main()
