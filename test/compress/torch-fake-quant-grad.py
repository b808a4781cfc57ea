"""Known answers for fakeQuantize's straight-through gradient: torch.fake_quantize_per_tensor_affine's forward and its
gradient (ones through x.sum()) on float32 values around both ends of the range, on the ends themselves and on the half
steps just outside them, where a mask taken on the real interval and PyTorch's mask on the rounded code differ.

Run once (Debian: apt-get install python3-torch) and commit the JSON; the test (qat.test.ts) reads it, no Python runs:
    /usr/bin/python3 test/compress/torch-fake-quant-grad.py
Every x and y is a float32 written as the float64 that holds it exactly.
"""
import json
import os

import torch

g = torch.Generator().manual_seed(7)
out = {"source": "test/compress/torch-fake-quant-grad.py", "torch": torch.__version__, "cases": []}
for scale, zero_point, qmin, qmax in [(0.1, 3, -128, 127), (0.02604, -5, -128, 127), (0.0180681, -3, -128, 127), (1.0, 0, -128, 127), (0.37, 0, -10, 10), (0.05, 128, 0, 255)]:
    s = torch.tensor(scale, dtype=torch.float32).item()
    lo, hi = (qmin - zero_point) * s, (qmax - zero_point) * s
    xs = []
    for end in (lo, hi):
        # the end, the half steps beside it and values between, in float32
        for k in range(-12, 13):
            xs.append(end + k * s / 8)
        xs.append(end)
    xs += (torch.rand(200, generator=g) * (hi - lo + 4 * s) + lo - 2 * s).tolist()
    x = torch.tensor(xs, dtype=torch.float32, requires_grad=True)
    y = torch.fake_quantize_per_tensor_affine(x, s, zero_point, qmin, qmax)
    y.sum().backward()
    out["cases"].append({"scale": s, "zeroPoint": zero_point, "qmin": qmin, "qmax": qmax, "x": x.detach().tolist(), "y": y.detach().tolist(), "grad": x.grad.tolist()})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-fake-quant-grad.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path} ({os.path.getsize(path)} bytes)")
