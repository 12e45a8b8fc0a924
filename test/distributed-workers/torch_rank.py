# One PyTorch rank of the interoperability tests (test/distributed-interop.test.ts): joins the same
# process group as tstorch ranks through env:// (torchrun's variables) and prints its results as JSON.
import json
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
from datetime import timedelta

torch.set_num_threads(1)
scenario = sys.argv[1]
dist.init_process_group("gloo", init_method="env://", timeout=timedelta(seconds=20))
rank, n = dist.get_rank(), dist.get_world_size()
out = {"rank": rank, "n": n}

if scenario == "collectives":
    x = torch.tensor([rank + 1.0, 10.0 * (rank + 1)])
    dist.all_reduce(x)
    out["allReduce"] = x.tolist()
    x = torch.tensor([float(rank + 2)])
    dist.all_reduce(x, op=dist.ReduceOp.PRODUCT)
    out["allReduceProduct"] = x.tolist()
    b = torch.tensor([5.0, 6.0]) if rank == 1 else torch.zeros(2)
    dist.broadcast(b, 1)
    out["broadcast"] = b.tolist()
    parts = [torch.zeros(3, dtype=torch.int64) for _ in range(n)]
    dist.all_gather(parts, torch.tensor([rank, rank * 10, rank * 100]))
    out["allGather"] = [p.tolist() for p in parts]
    g = dist.new_group([0, 1])
    if rank < 2:
        y = torch.tensor([float(rank + 1)])
        dist.all_reduce(y, op=dist.ReduceOp.MAX, group=g)
        out["subgroupMax"] = y.tolist()
    # Gloo's reduce_scatter exists from PyTorch 2.8 (before, it raises)
    if tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 8):
        o = torch.zeros(2)
        dist.reduce_scatter(o, [torch.tensor([(rank + 1.0) * (i + 1), (rank + 1.0) * (i + 1) * 10]) for i in range(n)])
        out["reduceScatter"] = o.tolist()
    dist.barrier()

elif scenario == "ddp-cnn":
    steps = int(sys.argv[2])

    class Reshape512(nn.Module):
        def forward(self, x):
            return x.reshape(-1, 512)

    torch.manual_seed(1234)
    data = [(torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,))) for _ in range(steps)]
    torch.manual_seed(99)  # a different initialisation: DDP broadcasts rank 0's
    net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), Reshape512(), nn.Linear(512, 10))
    ddp = nn.parallel.DistributedDataParallel(net)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-3)
    per = 128 // n
    for x, y in data:
        x, y = x[rank * per:(rank + 1) * per], y[rank * per:(rank + 1) * per]
        opt.zero_grad()
        nn.functional.cross_entropy(ddp(x), y).backward()
        opt.step()
    out["params"] = [p.detach().flatten().tolist() for p in net.parameters()]

dist.destroy_process_group()
print(json.dumps(out))
