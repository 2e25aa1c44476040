#!/usr/bin/python3
"""Writes dtypes.safetensors + dtypes.json: one tensor per supported dtype, encoded by
PyTorch/NumPy (an implementation independent of core's reader), and the values they
decode to. Dev-only; run with /usr/bin/python3 (python3-torch). The outputs are committed."""
import json
import struct
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
# Values chosen to hit rounding ties, subnormals, the largest finite half and infinities.
FLOATS = [0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0, 65504.0, 70000.0, 6e-8, 1e-5, 3.0e38, float("inf"), float("-inf"), 1.00048828125, 1.0009765625, 2049.0]


def main():
    source = torch.tensor(FLOATS, dtype=torch.float32)
    tensors = {
        "f32": ("F32", [4, 4], source.numpy().astype("<f4").tobytes()),
        "f16": ("F16", [16], source.half().numpy().astype("<f2").tobytes()),
        "bf16": ("BF16", [2, 8], source.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()),
        "i32": ("I32", [3], torch.tensor([-2147483648, 0, 2147483647], dtype=torch.int32).numpy().astype("<i4").tobytes()),
        "i64": ("I64", [3], torch.tensor([-(2 ** 40), 7, 2 ** 53], dtype=torch.int64).numpy().astype("<i8").tobytes()),
        "u8": ("U8", [2, 2], bytes([0, 1, 128, 255])),
        "flag": ("BOOL", [3], bytes([1, 0, 1])),
        "empty": ("F32", [0, 3], b""),
    }
    header, chunks, offset = {"__metadata__": {"format": "pt", "note": "dtype fixture"}}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    (HERE / "dtypes.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))

    def as_json(values):
        return [v if v == v and abs(v) != float("inf") else str(v) for v in values]

    expected = {
        "inputs": as_json([float(v) for v in source]),
        "f16": as_json([float(v) for v in source.half().float()]),
        "f16Bits": [int(v) & 0xFFFF for v in source.half().view(torch.int16)],
        "bf16": as_json([float(v) for v in source.bfloat16().float()]),
        "bf16Bits": [int(v) & 0xFFFF for v in source.bfloat16().view(torch.int16)],
        "i32": [-2147483648, 0, 2147483647],
        "i64": [str(-(2 ** 40)), "7", str(2 ** 53)],
        "u8": [0, 1, 128, 255],
        "flag": [1, 0, 1],
    }
    (HERE / "dtypes.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
