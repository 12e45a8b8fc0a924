# The PyTorch side of bench/peak-rss.ts: bench/peak-rss-workloads.ts's two programs, the same models,
# data and steps, one per process.
#   /usr/bin/python3 bench/peak_rss_torch.py mnist-cnn [--train 1600] [--data /usr/share/datasets/fashion-mnist]
#   /usr/bin/python3 bench/peak_rss_torch.py lstm-lbfgs [--steps 1] [--max-iter 3] [--length 500]
# Prints one JSON line: the workload's seconds, a checksum (loss) and the process's VmHWM so far.
import argparse, gzip, json, re, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("workload", choices=["mnist-cnn", "lstm-lbfgs"])
p.add_argument("--train", type=int, default=1600)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--length", type=int, default=500)
p.add_argument("--steps", type=int, default=1)
p.add_argument("--max-iter", type=int, default=3)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)


def peak_mib():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024


def read(name, off):
    with gzip.open(f"{a.data}/{name}.gz", "rb") as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=off).copy())


def mnist_cnn():
    train_x = read("train-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).float() / 255
    train_y = read("train-labels-idx1-ubyte", 8).long()
    test_x = read("t10k-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).float() / 255
    test_y = read("t10k-labels-idx1-ubyte", 8).long()
    torch.manual_seed(1)
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10), nn.LogSoftmax(1),
    )
    opt = torch.optim.Adadelta(net.parameters(), lr=1.0)
    net.train()
    for i in range(0, a.train, 64):
        x, y = train_x[i:min(i + 64, a.train)], train_y[i:min(i + 64, a.train)]
        opt.zero_grad()
        loss = F.nll_loss(net(x), y)
        loss.backward()
        opt.step()
    net.eval()
    loss_sum, correct, n = 0.0, 0, len(test_x)
    with torch.no_grad():
        for i in range(0, n, 1000):
            x, y = test_x[i:i + 1000], test_y[i:i + 1000]
            out = net(x)
            loss_sum += F.nll_loss(out, y, reduction="sum").item()
            correct += out.argmax(1).eq(y).sum().item()
    return loss_sum / n + correct / n


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future=0):
        outputs = []
        h = torch.zeros(input.size(0), 51, dtype=torch.double)
        c = torch.zeros(input.size(0), 51, dtype=torch.double)
        h2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        c2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        output = h2
        for xt in input.split(1, dim=1):
            h, c = self.lstm1(xt, (h, c))
            h2, c2 = self.lstm2(h, (h2, c2))
            output = self.linear(h2)
            outputs += [output]
        for _ in range(future):
            h, c = self.lstm1(output, (h, c))
            h2, c2 = self.lstm2(h, (h2, c2))
            output = self.linear(h2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def lstm_lbfgs():
    T, L, N = 20, a.length, 100
    offsets = [((i * 37) % (8 * T)) - 4 * T for i in range(N)]  # the same formula as the tstorch side
    data = (torch.arange(L, dtype=torch.double).unsqueeze(0) + torch.tensor(offsets, dtype=torch.double).unsqueeze(1)).div(T).sin()
    input = data[3:, :-1].contiguous()
    target = data[3:, 1:].contiguous()
    test_input = data[:3, :-1].contiguous()
    torch.manual_seed(0)
    seq = Sequence()
    seq.double()
    opt = torch.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=a.max_iter)
    last = [0.0]
    for _ in range(a.steps):
        def closure():
            opt.zero_grad()
            loss = F.mse_loss(seq(input), target)
            loss.backward()
            last[0] = loss.item()
            return loss
        opt.step(closure)
        with torch.no_grad():
            seq(test_input, future=L).sum().item()
    return last[0]


t0 = time.perf_counter()
check = mnist_cnn() if a.workload == "mnist-cnn" else lstm_lbfgs()
print(json.dumps({"workload": a.workload, "seconds": time.perf_counter() - t0, "check": check, "peakMiB": peak_mib()}))
