# examples/fashion-mnist.ts in PyTorch: the same MLP (784 -> 128 -> relu -> 10), the same initial
# weights (PyTorch's default init from torch.manual_seed(0), which tstorch's Linear reproduces), Adam,
# and the same batches: tstorch's data.Rng (splitmix32-seeded xorshift128) is re-implemented below so
# that epoch e visits the images in the order tstorch's DataLoader(shuffle, seed 1) does.
#   /usr/bin/python3 examples/fashion-mnist.py [--epochs 5 --batch-size 128 --lr 1e-3 --data DIR]
import argparse, gzip, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)

M32 = 0xFFFFFFFF


class Rng:
    """tstorch's src/data/rng.ts, bit for bit."""

    def __init__(self, seed, stream=0):
        x = (seed ^ ((stream + 1) * 0x9E3779B9)) & M32

        def nxt():
            nonlocal x
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.s = [nxt() or 1, nxt(), nxt(), nxt()]

    def below(self, n):
        s0, s1, s2, s3 = self.s
        t = (s0 ^ (s0 << 11)) & M32
        s3n = (s3 ^ (s3 >> 19) ^ (t ^ (t >> 8))) & M32
        self.s = [s1, s2, s3, s3n]
        return int((s3n / 4294967296) * n)

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            p[i], p[j] = p[j], p[i]
        return torch.tensor(p)


def read(name, off):
    with gzip.open(f"{a.data}/{name}.gz", "rb") as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=off).copy())


train_x = read("train-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).float() / 255
train_y = read("train-labels-idx1-ubyte", 8).long()
test_x = read("t10k-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).float() / 255
test_y = read("t10k-labels-idx1-ubyte", 8).long()

torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=a.lr)
n = len(train_x)
start = time.perf_counter()
for epoch in range(1, a.epochs + 1):
    perm = Rng(1, epoch - 1).permutation(n)  # tstorch's loader: pass e uses (seed, e), from 0
    loss_sum = 0.0
    for i in range(0, n, a.batch_size):
        idx = perm[i:i + a.batch_size]
        x, y = train_x[idx], train_y[idx]
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
    with torch.no_grad():
        acc = (net(test_x).argmax(-1) == test_y).float().mean().item()
    secs = time.perf_counter() - start
    print(f"epoch: {epoch:4} train loss: {loss_sum / n:.5f} test acc: {100 * acc:.2f}% ({secs:.1f} s)", flush=True)
