# The PyTorch side of bench/pt2-speed.ts: makes the two models (the seed's CIFAR-10 CNN and a small
# transformer encoder), writes what tstorch loads (their state dicts, TorchScript traces, one .pt2
# package holding both, inputs and PyTorch's outputs) into OUT_DIR, then times PyTorch itself on the
# same inputs: eager, TorchScript and the .pt2 package. Prints one JSON line of milliseconds per call.
#   /usr/bin/python3 bench/pt2_speed_torch.py OUT_DIR --threads 1 --iters 50
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
from torch._inductor.package import load_package, package_aoti


ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--iters", type=int, default=50)
args = ap.parse_args()
torch.set_num_threads(args.threads)


class Reshape512(nn.Module):
    def forward(self, x):
        return x.reshape(-1, 512)


def seed_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        Reshape512(), nn.Linear(512, 10))


class SmallTransformer(nn.Module):
    """Two post-norm encoder layers (d_model 64, 4 heads, feed-forward 128) and a linear head over the mean."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.encoder(x).mean(1))


torch.manual_seed(0)
models = {"cnn": seed_cnn().eval(), "transformer": SmallTransformer().eval()}
inputs = {"cnn": torch.rand(64, 3, 32, 32), "transformer": torch.randn(16, 32, 64)}
os.makedirs(args.out, exist_ok=True)
t0 = time.time()
files = {}
with torch.no_grad():
    for name, m in models.items():
        x = inputs[name]
        torch.save(m.state_dict(), os.path.join(args.out, f"{name}.state.pt"))
        torch.jit.save(torch.jit.trace(m, (x,)), os.path.join(args.out, f"{name}.ts.pt"))
        ep = torch.export.export(m, (x,))
        files[name] = torch._inductor.aot_compile(ep.module(), (x,), options={"aot_inductor.package": True})
    package_aoti(os.path.join(args.out, "models.pt2"), files)
    torch.save({n: inputs[n] for n in models} | {f"{n}.out": models[n](inputs[n]) for n in models}, os.path.join(args.out, "io.pt"))
compile_s = time.time() - t0


def ms_per_call(fn, x):
    with torch.no_grad():
        for _ in range(5):
            fn(x)
        rounds = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(args.iters):
                fn(x)
            rounds.append((time.perf_counter() - t) * 1000 / args.iters)
    return statistics.median(rounds)


times = {}
for name, m in models.items():
    ts = torch.jit.load(os.path.join(args.out, f"{name}.ts.pt")).eval()
    pt2 = load_package(os.path.join(args.out, "models.pt2"), name)
    times[name] = {
        "eager": ms_per_call(m, inputs[name]),
        "torchscript": ms_per_call(ts, inputs[name]),
        "pt2": ms_per_call(pt2, inputs[name]),
    }
print(json.dumps({"torch": torch.__version__, "compile_s": compile_s, "ms": times}))
