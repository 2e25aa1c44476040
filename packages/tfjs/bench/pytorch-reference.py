#!/usr/bin/env python3
"""Dev-only: trains the benchmark's ~4M GPT-2 in PyTorch on one CPU thread and prints tokens/s,
the reference the tfjs numbers are compared with. Not needed by CI or users.

Run with Debian's torch: /usr/bin/python3 bench/pytorch-reference.py [--steps 5] [--tfjs-rate 600]
(install libopenblas0-pthread first, or torch uses a much slower BLAS).
"""
import argparse
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--dropout", type=float, default=0.1)
parser.add_argument("--tfjs-rate", type=float, default=None, help="tfjs tokens/s to print a ratio against")
args = parser.parse_args()
torch.set_num_threads(1)
torch.manual_seed(0)

VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, BATCH = 4096, 128, 256, 4, 4, 8


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.c_attn, self.c_proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
        self.c_fc, self.mlp_proj = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)
        self.drop = nn.Dropout(args.dropout)
        self.register_buffer("mask", torch.tril(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool)))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, HEADS, d // HEADS).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d // HEADS)
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        context = self.drop(scores.softmax(-1)) @ v
        x = x + self.drop(self.c_proj(context.transpose(1, 2).reshape(b, t, d)))
        return x + self.drop(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")))


class Gpt2(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f, self.drop = nn.LayerNorm(WIDTH), nn.Dropout(args.dropout)

    def forward(self, ids):
        x = self.drop(self.wte(ids) + self.wpe(torch.arange(ids.shape[1])))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.T


model = Gpt2()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
ids = torch.randint(0, VOCAB, (BATCH, CONTEXT))
tokens = BATCH * CONTEXT


def step():
    logits = model(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


step()
wall_rates, cpu_rates = [], []
for _ in range(args.steps):
    started, cpu_started = time.perf_counter(), cpu_seconds()
    step()
    wall_rates.append(tokens / (time.perf_counter() - started))
    cpu_rates.append(tokens / (cpu_seconds() - cpu_started))
parameters = sum(p.numel() for p in model.parameters())
cpu_rate = statistics.median(cpu_rates)
print(f"PyTorch {torch.__version__}, 1 thread, {parameters / 1e6:.2f}M parameters, batch {BATCH}x{CONTEXT}, dropout {args.dropout}")
print(f"train tokens/CPU-s {cpu_rate:.0f} (wall {statistics.median(wall_rates):.0f}); load average {os.getloadavg()[0]:.1f}")
if args.tfjs_rate:
    print(f"tfjs / PyTorch = {args.tfjs_rate / cpu_rate:.2f}")
