#!/usr/bin/python3
"""PyTorch side of bench/dataloader.ts (run with /usr/bin/python3; the driver starts it).

One JSON request per line on stdin, one JSON answer per line on stdout. A request names a variant,
"loader" (torch.utils.data.DataLoader over a TensorDataset, batch 128, shuffle, num_workers=0: the
default per-item fetch and default_collate) or "index" (randperm + indexing, as
bench/worker_torch.py's CNN epoch and shared/reference/torch_reference.py do), a number of steps,
and whether to train the seed's CNN ("train") or only draw the batches ("load").
Environment: BENCH_DATA (CIFAR-10 folder), BENCH_THREADS, BENCH_SEED.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worker_torch as w  # noqa: E402  (the same data reader, models and tch initialisation)

torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
SEED = int(os.environ.get("BENCH_SEED", "0"))
tr_x, tr_y, _, _ = w.data()
BATCH = 128
models = {}
gens = {}


def model(variant):
    if variant not in models:
        models[variant] = w.build("cnn")
    return models[variant]


def batches(variant):
    if variant not in gens:
        gens[variant] = torch.Generator().manual_seed(1000 + SEED)
    g = gens[variant]
    if variant == "loader":
        return iter(DataLoader(TensorDataset(tr_x, tr_y), batch_size=BATCH, shuffle=True, num_workers=0, generator=g))
    perm = torch.randperm(len(tr_x), generator=g)
    return ((tr_x[idx], tr_y[idx]) for idx in perm.split(BATCH))


def run(req):
    variant, steps, train = req["variant"], req["steps"], req["what"] == "train"
    net, opt = model(variant)
    tot, cnt = 0.0, 0
    t0 = time.perf_counter()
    for k, (x, y) in enumerate(batches(variant)):
        if k >= steps:
            break
        if train:
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            tot += loss.item() * len(x)
        cnt += len(x)
    return {"seconds": time.perf_counter() - t0, "loss": tot / cnt if train else None, "images": cnt}


print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    if line.strip():
        print(json.dumps(run(json.loads(line))), flush=True)
