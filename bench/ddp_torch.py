# PyTorch side of bench/ddp.ts: one rank (env:// variables from the bench), mode "cnn" (the seed's CNN,
# DDP, STEPS steps of a 128-image global batch) or "allreduce" (sum all-reduce of float32 tensors).
import json, sys, time
from datetime import timedelta
import torch, torch.distributed as dist, torch.nn as nn

torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
mode, steps = sys.argv[1], int(sys.argv[2])
world = int(__import__("os").environ.get("WORLD_SIZE", "1"))
if world > 1:
    dist.init_process_group("gloo", timeout=timedelta(seconds=60))
rank = dist.get_rank() if world > 1 else 0
out = {}
if mode == "cnn":
    class R(nn.Module):
        def forward(self, x): return x.reshape(-1, 512)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), R(), nn.Linear(512, 10))
    model = nn.parallel.DistributedDataParallel(net) if world > 1 else net
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    per = 128 // world
    x, y = torch.randn(per, 3, 32, 32), torch.randint(0, 10, (per,))
    for i in range(steps + 3):
        if i == 3:
            t0 = time.perf_counter()
        opt.zero_grad(); nn.functional.cross_entropy(model(x), y).backward(); opt.step()
    out["ms_per_step"] = (time.perf_counter() - t0) * 1000 / steps
else:
    for n in [256, 16384, 262144, 1048576, 4194304]:
        t = torch.ones(n)
        for _ in range(3): dist.all_reduce(t)
        reps = max(5, min(200, 20_000_000 // (n * 4)))
        dist.barrier(); t0 = time.perf_counter()
        for _ in range(reps): dist.all_reduce(t)
        out[str(n * 4)] = (time.perf_counter() - t0) * 1000 / reps
if world > 1:
    dist.destroy_process_group()
print(json.dumps(out))
