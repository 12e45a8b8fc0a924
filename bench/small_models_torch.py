"""The PyTorch side of the small-model workloads (bench/small-models.ts describes them; the same work
is in bench/small-models-tstorch.ts and bench/floor/small_models.cc), written as a PyTorch user writes
them: default Adam (single-tensor on the CPU in 1.13), nn modules, a Python loop over time steps.
Every request starts again from the same deterministic weights (fill), so the checksum agrees with
the other sides up to rounding."""
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def clock():
    return time.perf_counter(), time.process_time()


def since(t0):
    """Wall and CPU seconds since clock() gave t0."""
    w, c = clock()
    return w - t0[0], c - t0[1]


def filled(shape, offset, scale):
    """sin(0.37*k + offset)*scale over the flat index k: the same numbers on every side."""
    n = math.prod(shape)
    return torch.arange(n, dtype=torch.float32).mul(0.37).add(offset).sin().mul(scale).reshape(shape)


def fill_params(params):
    with torch.no_grad():
        for i, p in enumerate(params):
            scale = 1 / math.sqrt(p.numel() / p.shape[0]) if p.dim() >= 2 else 0.05
            p.copy_(filled(list(p.shape), i, scale))


def tokens(shift):
    """(7t + 3b + shift) mod 65 as [100, 16] int64, one [16] row per time step."""
    t = (torch.arange(100).mul(7).unsqueeze(1) + torch.arange(16).mul(3)).add(shift).remainder(65)
    return t.unbind(0)


def policy():
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8))
    x, target = filled([64, 64], 100, 1), filled([64, 8], 200, 1)

    def run(iters):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        t0 = clock()
        for _ in range(iters):
            opt.zero_grad()
            loss = F.mse_loss(model(x), target)
            loss.backward()
            opt.step()
        return since(t0), loss.item()
    return list(model.parameters()), run


def lstm():
    emb, cell, head = nn.Embedding(65, 64), nn.LSTMCell(64, 128), nn.Linear(128, 65)
    params = [*emb.parameters(), *cell.parameters(), *head.parameters()]
    inputs, targets = tokens(0), tokens(7)

    def run(iters):
        opt = torch.optim.SGD(params, lr=0.1)
        t0 = clock()
        for _ in range(iters):
            opt.zero_grad()
            state = None
            total = None
            for t in range(100):
                state = cell(emb(inputs[t]), state)
                l = F.cross_entropy(head(state[0]), targets[t])
                total = l if total is None else total + l
            loss = total / 100
            loss.backward()
            opt.step()
        return since(t0), loss.item()
    return params, run


def small_opt():
    params = [p for _ in range(100) for p in (torch.zeros(32, 32, requires_grad=True), torch.zeros(32, requires_grad=True))]

    def run(iters):
        for i, p in enumerate(params):
            p.grad = filled(list(p.shape), 1000 + i, 0.01)
        opt = torch.optim.Adam(params, lr=1e-3)
        t0 = clock()
        for _ in range(iters):
            opt.step()
        seconds = since(t0)
        return seconds, sum(p.sum().item() for p in params)
    return params, run


def cnn_infer1(make_model):
    model = make_model("cnn")
    x = filled([1, 3, 32, 32], 300, 1)

    def run(iters):
        t0 = clock()
        with torch.inference_mode():
            for _ in range(iters):
                out = model(x)
        return since(t0), out.sum().item()
    return list(model.parameters()), run


_built = {}


def run_small(name, iters, make_model):
    """One request: fresh weights, `iters` timed iterations; seconds and the checksum."""
    if name not in _built:
        build = {"policy": policy, "lstm-step": lstm, "small-opt": small_opt,
                 "cnn-infer1": lambda: cnn_infer1(make_model)}.get(name)
        if build is None:
            raise ValueError(f"unknown small model {name}")
        _built[name] = build()
    params, run = _built[name]
    fill_params(params)
    (seconds, cpu), checksum = run(iters)
    return dict(seconds=seconds, loss=checksum, cpu=cpu)
