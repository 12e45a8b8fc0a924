# The airbench94 recipe in PyTorch, written for tstorch's benchmark from the recipe's description
# (issue #15; Keller Jordan's airbench94, arXiv 2404.00498). It is the reference that
# examples/airbench94.ts must match: the same modules, state-dict names and, after the same seed,
# the same calls to the default random generator in the same order, so that on the CPU both give
# the same losses step for step. The RNG calls, in order:
#   1. the network's default initialisation (module order), 2. one torch.rand(N) for the per-image
#   flip, 3. each epoch: torch.randint(-2, 3, (N, 2)) for the translations, then torch.randperm(N).
#
#   /usr/bin/python3 bench/airbench94_torch.py --data .cache/cifar10 [--steps 50] [--lockstep] [--threads 2]
#
# Output: one JSON object per line on stdout ({"event": "step"|"epoch"|"done", ...}).
# --lockstep: waits for a line on stdin before each step (the bench interleaves two processes).
import argparse, json, math, os, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)

# ---------------------------------------------------------------- hyper-parameters (the recipe's)
BATCH = 1024
EPOCHS = 9.9
MOMENTUM = 0.85
KILOSTEP = 1024 * (1 + 1 / (1 - MOMENTUM))  # the recipe's lr unit
LR = 11.5 / KILOSTEP  # ≈ 1.465e-3
WD = 0.0153 * BATCH / KILOSTEP  # ≈ 2.0e-3, the absolute decay per step at full lr
BIAS_SCALER = 64
LABEL_SMOOTHING = 0.2
WHITEN_BIAS_EPOCHS = 3
WIDTHS = (64, 256, 256)
BN_EPS, BN_MOMENTUM = 1e-12, 0.4
TTA_BATCH = 2000


def emit(**o):
    print(json.dumps(o), flush=True)


# ---------------------------------------------------------------- data
def read_batch(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return torch.from_numpy(raw[:, 1:].copy()).view(-1, 3, 32, 32), torch.from_numpy(raw[:, 0].astype(np.int64))


def load_cifar10(root):
    d = os.path.join(root, "cifar-10-batches-bin")
    d = d if os.path.isdir(d) else root
    parts = [read_batch(os.path.join(d, f"data_batch_{i}.bin")) for i in range(1, 6)]
    te = read_batch(os.path.join(d, "test_batch.bin"))
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]), te[0], te[1]


def normalize(u8):
    mean = torch.tensor(CIFAR_MEAN, device=u8.device).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD, device=u8.device).view(1, 3, 1, 1)
    return ((u8.float() / 255) - mean) / std


def flip_lr(x):
    mask = (torch.rand(len(x), device=x.device) < 0.5).view(-1, 1, 1, 1)
    return torch.where(mask, x.flip(-1), x)


def crop_reflect(padded, pad):
    """Each image translated by (sy, sx) in [-pad, pad]: a crop of its reflect-padded copy."""
    n, c, hp, wp = padded.shape
    h, w = hp - 2 * pad, wp - 2 * pad
    shifts = torch.randint(-pad, pad + 1, (n, 2), device=padded.device)
    out = torch.empty(n, c, h, w, dtype=padded.dtype, device=padded.device)
    for sy in range(-pad, pad + 1):
        for sx in range(-pad, pad + 1):
            m = (shifts[:, 0] == sy) & (shifts[:, 1] == sx)
            out[m] = padded[m, :, pad + sy:pad + sy + h, pad + sx:pad + sx + w]
    return out


class Loader:
    """Batches of augmented training images: flipped at random once, then the whole set mirrored
    every other epoch; a new random 2-px translation each epoch; reshuffled each epoch; drop-last."""

    def __init__(self, images_u8, labels, batch, dtype=torch.float):
        self.labels, self.batch, self.epoch = labels, batch, 0
        self.padded = F.pad(flip_lr(normalize(images_u8).to(dtype)), (2,) * 4, mode="reflect")

    def __len__(self):
        return len(self.labels) // self.batch

    def __iter__(self):
        images = crop_reflect(self.padded, 2)
        if self.epoch % 2 == 1:
            images = images.flip(-1)
        self.epoch += 1
        order = torch.randperm(len(images), device=images.device)
        for i in range(len(self)):
            idx = order[i * self.batch:(i + 1) * self.batch]
            yield images[idx].contiguous(memory_format=torch.channels_last), self.labels[idx]


# ---------------------------------------------------------------- network
class ConvGroup(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = nn.GELU()

    def forward(self, x):
        x = self.act(self.norm1(self.pool(self.conv1(x))))
        return self.act(self.norm2(self.conv2(x)))


class Mul(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s

    def forward(self, x):
        return x * self.s


def make_net():
    net = nn.Sequential(
        nn.Conv2d(3, 24, 2), nn.GELU(),
        ConvGroup(24, WIDTHS[0]), ConvGroup(WIDTHS[0], WIDTHS[1]), ConvGroup(WIDTHS[1], WIDTHS[2]),
        nn.MaxPool2d(3), nn.Flatten(), nn.Linear(WIDTHS[2], 10, bias=False), Mul(1 / 9))
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.requires_grad_(False)  # frozen at 1
            if isinstance(m, nn.Conv2d) and m is not net[0]:
                nn.init.dirac_(m.weight[:m.weight.size(1)])
    net[0].weight.requires_grad_(False)  # the whitening filters are fixed
    return net.to(memory_format=torch.channels_last)


def init_whitening(conv, images, eps=5e-4):
    """Filters: the eigenvectors of the covariance of the images' 2×2 patches, scaled by
    1/sqrt(eigenvalue + eps), largest first, and their negatives."""
    c, (h, w) = images.shape[1], conv.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c, h, w).float()
    flat = patches.view(len(patches), -1)
    cov = (flat.T @ flat) / len(flat)
    evals, evecs = torch.linalg.eigh(cov, UPLO="U")
    evals, evecs = evals.flip(0).view(-1, 1, 1, 1), evecs.T.reshape(-1, c, h, w).flip(0)
    scaled = evecs / torch.sqrt(evals + eps)
    with torch.no_grad():
        conv.weight.copy_(torch.cat((scaled, -scaled)))


class Lookahead:
    def __init__(self, net):
        self.ema = {k: v.clone() for k, v in net.state_dict().items()}

    def update(self, net, decay):
        with torch.no_grad():
            for k, v in net.state_dict().items():
                if v.dtype.is_floating_point:
                    self.ema[k].lerp_(v, 1 - decay)
                    v.copy_(self.ema[k])


# ---------------------------------------------------------------- evaluation
def predict_tta(net, x):
    """0.5 × mean(plain, mirrored) + 0.5 × mean of the 1-px translations up-left and down-right,
    each with its mirror: six views."""
    def mirror(v):
        return 0.5 * (net(v) + net(v.flip(-1)))
    p = F.pad(x, (1,) * 4, mode="reflect")
    h, w = x.shape[2:]
    up_left, down_right = p[:, :, 0:h, 0:w], p[:, :, 2:h + 2, 2:w + 2]
    return 0.5 * mirror(x) + 0.25 * (mirror(up_left) + mirror(down_right))


def evaluate(net, x, y, tta):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), TTA_BATCH):
            xb = x[i:i + TTA_BATCH].contiguous(memory_format=torch.channels_last)
            out = predict_tta(net, xb) if tta else net(xb)
            correct += (out.argmax(1) == y[i:i + TTA_BATCH]).sum().item()
    net.train()
    return correct / len(x)


# ---------------------------------------------------------------- training
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/cifar10")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=EPOCHS)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: the whole run)")
    ap.add_argument("--batch-size", type=int, default=BATCH)
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--limit-test", type=int, default=0)
    ap.add_argument("--eval", choices=["tta", "plain", "none"], default="tta")
    ap.add_argument("--lockstep", action="store_true")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--half", action="store_true", help="the GPU recipe: half-precision network and data, BatchNorm in float32")
    ap.add_argument("--no-step-log", action="store_true", help="no per-step loss (no device sync per step)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    tr_x, tr_y, te_x, te_y = load_cifar10(a.data)
    if a.limit_train:
        tr_x, tr_y = tr_x[:a.limit_train], tr_y[:a.limit_train]
    if a.limit_test:
        te_x, te_y = te_x[:a.limit_test], te_y[:a.limit_test]
    dev = torch.device(a.device)
    dt = torch.half if a.half else torch.float
    torch.backends.cudnn.benchmark = True
    tr_x, tr_y, te_x, te_y = tr_x.to(dev), tr_y.to(dev), te_x.to(dev), te_y.to(dev)
    te_x = normalize(te_x).to(dt)

    torch.manual_seed(a.seed)
    net = make_net().to(dev)
    if a.half:
        net.half()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.float()
    loader = Loader(tr_x, tr_y, a.batch_size, dt)
    total = math.ceil(a.epochs * len(loader))
    stop_at = min(total, a.steps) if a.steps > 0 else total
    whiten_bias_steps = math.ceil(WHITEN_BIAS_EPOCHS * len(loader))

    norm_biases = [p for k, p in net.named_parameters() if "norm" in k and p.requires_grad]
    others = [p for k, p in net.named_parameters() if "norm" not in k and p.requires_grad]
    lr_biases = LR * BIAS_SCALER
    opt = torch.optim.SGD([dict(params=norm_biases, lr=lr_biases, weight_decay=WD / lr_biases),
                           dict(params=others, lr=LR, weight_decay=WD / LR)],
                          momentum=MOMENTUM, nesterov=True)
    schedule = np.interp(np.arange(1 + total), [0, int(0.23 * total), total], [0.2, 1, 0.07])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: schedule[i])
    alpha = 0.95 ** 5 * (torch.arange(total + 1) / total) ** 3

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()
    sync()
    t_start = time.perf_counter()
    init_whitening(net[0], normalize(tr_x[:5000]).to(dt))
    lookahead = Lookahead(net)
    sync()
    emit(event="init", ms=(time.perf_counter() - t_start) * 1000,
         weights={k: float(v.double().abs().sum()) for k, v in net.state_dict().items()})
    train_s = time.perf_counter() - t_start

    step, it, step_ms = 0, None, []
    while step < stop_at:
        if a.lockstep:
            sys.stdin.readline()
        t0 = time.perf_counter()
        if step % len(loader) == 0:
            it = iter(loader)  # the epoch's augmentation and order are drawn on its first batch
        x, y = next(it)
        net[0].bias.requires_grad = step < whiten_bias_steps
        out = net(x)
        loss = F.cross_entropy(out, y, label_smoothing=LABEL_SMOOTHING, reduction="sum")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        if step % 5 == 0:
            lookahead.update(net, float(alpha[step]))
        ms = (time.perf_counter() - t0) * 1000
        step_ms.append(ms)
        train_s += ms / 1000
        if not a.no_step_log:
            lv = loss.item()  # (a device sync, outside the step's time)
            emit(event="step", step=step, loss=lv, ms=ms)
        if step % len(loader) == 0:
            emit(event="epoch", epoch=step // len(loader), time=train_s)
    t0 = time.perf_counter()
    if step == total:
        lookahead.update(net, 1.0)  # the final weights are the average
    acc = evaluate(net, te_x, te_y, a.eval == "tta") if a.eval != "none" else None
    sync()
    total_s = train_s + time.perf_counter() - t0
    emit(event="done", steps=step, epochs=step / len(loader), acc=acc, eval=a.eval, time=total_s, train_time=train_s,
         host_ms_per_step=sorted(step_ms)[len(step_ms) // 2] if step_ms else None)


if __name__ == "__main__":
    main()
