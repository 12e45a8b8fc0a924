#!/usr/bin/python3
"""PyTorch side of bench/optim-step.ts (the driver starts it with /usr/bin/python3).

Argument: a JSON object {threads, steps, reps, sizes: [shape, ...], cases: [name, ...]}.
For each repetition and case: fresh parameters and fixed gradients (normal, seed 0), 3 warm-up
steps, then `steps` timed optimiser steps; prints one JSON line per measurement:
{"case": name, "rep": r, "ms_per_step": t, "cpu_ms_per_step": c} (c: the process's CPU time,
user + system, all threads). Optimisers are built with PyTorch's defaults for the
device ("X single": foreach=False, PyTorch's CPU default; "X foreach": foreach=True).
"""
import json
import sys
import time

import torch

cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
BASE = {
    "Adam": lambda P, fe: torch.optim.Adam(P, lr=1e-3, foreach=fe),
    "AdamW": lambda P, fe: torch.optim.AdamW(P, lr=1e-3, foreach=fe),
    "SGD momentum": lambda P, fe: torch.optim.SGD(P, lr=1e-2, momentum=0.9, foreach=fe),
}
# "<optimiser> single" (foreach=False, the CPU default) and "<optimiser> foreach" (foreach=True)
MAKERS = {}
for _name, _make in BASE.items():
    MAKERS[_name + " single"] = lambda P, m=_make: m(P, False)
    MAKERS[_name + " foreach"] = lambda P, m=_make: m(P, True)
for rep in range(cfg["reps"]):
    for name in cfg["cases"]:
        if name not in MAKERS:
            continue
        g = torch.Generator().manual_seed(0)
        P = [torch.randn(*s, generator=g).requires_grad_(True) for s in cfg["sizes"]]
        for p in P:
            p.grad = torch.randn(p.shape, generator=g)
        opt = MAKERS[name](P)
        for _ in range(3):
            opt.step()
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(cfg["steps"]):
            opt.step()
        dt = (time.perf_counter() - t0) / cfg["steps"] * 1e3
        dc = (time.process_time() - c0) / cfg["steps"] * 1e3
        print(json.dumps({"case": name, "rep": rep, "ms_per_step": dt, "cpu_ms_per_step": dc}), flush=True)
