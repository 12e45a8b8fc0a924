#!/usr/bin/python3
"""The PyTorch side of tstorch's benchmark (bench/run.ts drives it; run with /usr/bin/python3).

A long-lived process: one JSON request per line on stdin, one `@@BENCH {json}` line per answer on
stdout (bench/protocol.ts). Environment: BENCH_THREADS, BENCH_DATA (CIFAR-10 folder), BENCH_SEED,
BENCH_TORCH_REFERENCE (shared/reference/torch_reference.py: its load_dir, make_model and tch_init_
are used when it exists; otherwise the verbatim copies below).

Each workload is written as the reference (and a PyTorch user) writes it: the seed's models with
tch's initialisation, Adam at the seed's learning rates, randperm + indexing for mini-batches,
evaluation under no_grad on the whole test set at once.
"""
import importlib.util
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from small_models_torch import run_small

MARK = "@@BENCH "
DEFAULT_LR = {"mlp": 1e-2, "cnn": 1e-3, "ae": 1e-2}


# ---------------------------------------------------------------- the reference's definitions
def _load_reference():
    path = os.environ.get("BENCH_TORCH_REFERENCE", "")
    if path and os.path.exists(path):
        spec = importlib.util.spec_from_file_location("torch_reference", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.load_dir, mod.make_model, mod.tch_init_, path
    return load_dir_copy, make_model_copy, tch_init_copy, None


def read_batch(path):
    raw = np.fromfile(path, dtype=np.uint8)
    assert raw.size == 10000 * 3073, (path, raw.size)
    raw = raw.reshape(10000, 3073)
    labels = torch.from_numpy(raw[:, 0].astype(np.int64))
    images = torch.from_numpy(raw[:, 1:].astype(np.float32)).div_(255.0).view(10000, 3, 32, 32)
    return images, labels


def load_dir_copy(root):
    d = os.path.join(root, "cifar-10-batches-bin") if os.path.isdir(
        os.path.join(root, "cifar-10-batches-bin")) else root
    te_x, te_y = read_batch(os.path.join(d, "test_batch.bin"))
    parts = [read_batch(os.path.join(d, f"data_batch_{i}.bin")) for i in range(1, 6)]
    tr_x = torch.cat([p[0] for p in parts]).contiguous()
    tr_y = torch.cat([p[1] for p in parts]).contiguous()
    return tr_x, tr_y, te_x, te_y


class Reshape512(nn.Module):
    def forward(self, x):
        return x.reshape(-1, 512)


def make_model_copy(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(3072, 3072), nn.ReLU(), nn.Linear(3072, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            Reshape512(), nn.Linear(512, 10))
    if name == "ae":
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.ConvTranspose2d(8, 16, 2, stride=2),
            nn.ConvTranspose2d(16, 3, 2, stride=2))
    raise ValueError(name)


def tch_init_copy(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                w = m.weight
                fan_in = w.shape[1] * (w[0][0].numel() if w.dim() > 2 else 1)
                b = math.sqrt(6.0 / fan_in)
                w.uniform_(-b, b)
                if m.bias is not None:
                    if isinstance(m, nn.Linear):
                        bb = 1.0 / math.sqrt(fan_in)
                        m.bias.uniform_(-bb, bb)
                    else:
                        m.bias.zero_()
    return model


load_dir, make_model, tch_init_, REFERENCE = _load_reference()
SEED = int(os.environ.get("BENCH_SEED", "0"))
DEVICE = os.environ.get("BENCH_DEVICE", "cpu")


def sync():
    """GPU work is queued: wait for it before reading the clock."""
    if DEVICE != "cpu":
        torch.cuda.synchronize()

THREADS = int(os.environ.get("BENCH_THREADS", "0"))
if THREADS > 0:
    torch.set_num_threads(THREADS)


def build(name):
    torch.manual_seed(SEED)
    model = tch_init_(make_model(name)).to(DEVICE)
    return model, torch.optim.Adam(model.parameters(), lr=DEFAULT_LR[name])


# ---------------------------------------------------------------- state kept between requests
_data = None


def data():
    """The reference's load_dir; with BENCH_SUBSET=1 (--quick) only data_batch_1 and test_batch."""
    global _data
    if _data is None:
        root = os.environ["BENCH_DATA"]
        if os.environ.get("BENCH_SUBSET") == "1":
            d = os.path.join(root, "cifar-10-batches-bin") if os.path.isdir(
                os.path.join(root, "cifar-10-batches-bin")) else root
            tr_x, tr_y = read_batch(os.path.join(d, "data_batch_1.bin"))
            te_x, te_y = read_batch(os.path.join(d, "test_batch.bin"))
            _data = (tr_x, tr_y, te_x, te_y)
        else:
            _data = load_dir(root)
        _data = tuple(t.to(DEVICE) for t in _data)
    return _data


def head(t, n):
    if n > len(t):
        raise ValueError(f"asked for {n} rows of {len(t)}")
    return t if n == len(t) else t[:n].contiguous()


_trainers = {}


def trainer(name, n):
    key = (name, n)
    if key not in _trainers:
        tr_x, tr_y, te_x, te_y = data()
        model, opt = build(name)
        if name == "ae":  # the seed trains the autoencoder on the 10,000 test images
            _trainers[key] = (model, opt, head(te_x, n), None)
        else:
            _trainers[key] = (model, opt, head(tr_x, n), head(tr_y, n))
    return _trainers[key]


_state = {"small": None, "mm": None, "epochs": 0, "gen": None}


def run(b):
    kind = b["kind"]
    if kind == "add":
        x, y = torch.rand(4, device=DEVICE), torch.rand(4, device=DEVICE)
        sync()
        t0 = time.perf_counter()
        for _ in range(b["iters"]):
            x + y
        sync()
        return dict(seconds=time.perf_counter() - t0)
    if kind == "chain":
        if _state["small"] is None:
            _state["small"] = tuple(torch.rand(64, 64, device=DEVICE) for _ in range(3))
        a, bb, c = _state["small"]
        sync()
        t0 = time.perf_counter()
        for _ in range(b["iters"]):
            x = a
            for _k in range(4):
                x = (((x + bb) * c) - bb).relu() * 0.5
        sync()
        return dict(seconds=time.perf_counter() - t0)
    if kind == "matmul":
        n = b["n"]
        if _state["mm"] is None or _state["mm"][0] != n:
            _state["mm"] = (n, torch.rand(n, n, device=DEVICE), torch.rand(n, n, device=DEVICE))
        _, x, y = _state["mm"]
        sync()
        t0 = time.perf_counter()
        for _ in range(b["iters"]):
            x @ y
        sync()
        return dict(seconds=time.perf_counter() - t0)
    if kind == "step":
        name = b["model"]
        model, opt, x, y = trainer(name, b["n"])
        iters = b.get("iters", 1)
        fwd = bwd = opt_s = 0.0
        first_loss = None
        t0 = time.perf_counter()
        for i in range(iters):
            ts = time.perf_counter()
            opt.zero_grad()
            o = model(x)
            loss = F.mse_loss(o, x) if y is None else F.cross_entropy(o, y)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            t3 = time.perf_counter()
            del o
            fwd, bwd, opt_s = fwd + t1 - ts, bwd + t2 - t1, opt_s + t3 - t2
            if i == 0:
                first_loss = loss
        sync()
        t4 = time.perf_counter()
        return dict(seconds=(t4 - t0) / iters, fwd=fwd / iters, bwd=bwd / iters, opt=opt_s / iters,
                    loss=first_loss.item())
    if kind == "epoch":
        model, opt, tr_x, tr_y = trainer("cnn", b["n"])
        if _state["gen"] is None:
            _state["gen"] = torch.Generator().manual_seed(1000 + SEED)
        bs, limit, n = b["batchSize"], b.get("limit"), len(tr_x)
        tot, cnt = 0.0, 0
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=_state["gen"]).to(DEVICE)
        for k, i in enumerate(range(0, n, bs)):
            if limit is not None and k >= limit:
                break
            idx = perm[i:i + bs]
            xb, yb = tr_x[idx], tr_y[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
            cnt += len(idx)
        return dict(seconds=time.perf_counter() - t0, loss=tot / cnt)
    if kind == "eval":
        cnn = [v for k, v in _trainers.items() if k[0] == "cnn"]
        model = cnn[0][0] if cnn else trainer("cnn", 1)[0]
        _, _, te_x, te_y = data()
        x, y = head(te_x, b["n"]), head(te_y, b["n"])
        sync()
        t0 = time.perf_counter()
        with torch.no_grad():
            acc = (model(x).argmax(-1) == y).float().mean().item()
        return dict(seconds=time.perf_counter() - t0, acc=acc)
    if kind == "small":
        return run_small(b["model"], b["iters"], lambda name: tch_init_(make_model(name)))
    raise ValueError(f"unknown bench {kind}")


def proc_memory():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmHWM:", "VmRSS:")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) / 1024.0
    return dict(peakRssMiB=out.get("VmHWM"), rssMiB=out.get("VmRSS"))


def info():
    backend = [l.split(":", 1)[1].strip() for l in torch.__config__.parallel_info().splitlines()
               if l.startswith("ATen parallel backend")]
    return dict(impl="pytorch", version=torch.__version__, threads=torch.get_num_threads(),
                detail=dict(device=DEVICE, executable=sys.executable,
                            gpu=torch.cuda.get_device_name() if DEVICE != "cpu" else None,python=sys.version.split()[0], numpy=np.__version__,
                            parallel=backend[0] if backend else "?",
                            interop_threads=torch.get_num_interop_threads(),
                            reference=REFERENCE or "embedded copy"))


def reply(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            reply(dict(ok=False, error=f"bad request: {e}"))
            continue
        op = req.get("op")
        if op == "exit":
            reply(dict(ok=True, value=None))
            break
        try:
            if op == "info":
                value = info()
            elif op == "memory":
                value = proc_memory()
            elif op == "run":
                value = run(req["bench"])
            else:
                raise ValueError(f"unknown op {op}")
            reply(dict(ok=True, value=value))
        except Exception as e:  # noqa: BLE001 - every failure goes back to the driver
            import traceback
            reply(dict(ok=False, error=f"{e}\n{traceback.format_exc()}"))


if __name__ == "__main__":
    main()
