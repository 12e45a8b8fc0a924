# The PyTorch loop that bench/per-op-instructions.ts counts under callgrind: add or chain, N times,
# exactly as bench/worker_torch.py times them (one thread).
import sys

import torch

torch.set_num_threads(1)
kind, n = sys.argv[1], int(sys.argv[2])
if kind == "add":
    x, y = torch.rand(4), torch.rand(4)
    for _ in range(n):
        x + y
elif kind == "chain":
    a, b, c = torch.rand(64, 64), torch.rand(64, 64), torch.rand(64, 64)
    for _ in range(n):
        x = a
        for _k in range(4):
            x = (((x + b) * c) - b).relu() * 0.5
else:
    sys.exit("per_op_loop.py: add|chain N")
