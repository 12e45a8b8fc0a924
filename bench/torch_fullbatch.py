#!/usr/bin/python3
"""The seed's full-batch loop in PyTorch, on any device: the yardstick for `tstorch cifar10 cnn|mlp`.

Same model, tch initialisation (same seed: the same initial weights as tstorch's), Adam at the seed's
learning rate, one step over the whole training set, then the test evaluation under no_grad; prints the
seed's CSV on stdout and writes metrics.csv in the CLI's columns (so scripts/fit-curve.mjs reads both).
The reference's torch_reference.py is CPU-only; this runs where the GPU is (scripts/gpu-check.sh,
stage torchref), reusing bench/worker_torch.py's definitions.

  torch_fullbatch.py --data DIR --model cnn [--device cuda] [--seed 0] [--max-seconds S] [--max-steps N]
                     [--metrics FILE] [--channels-last] [--cudnn-benchmark]
"""
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder holding cifar-10-batches-bin/")
    ap.add_argument("--model", choices=["mlp", "cnn"], default="cnn")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--max-steps", type=int, default=10 ** 9)
    ap.add_argument("--metrics", default=None, help="metrics.csv to write (epoch,time,train_loss,test_loss,test_acc)")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--cudnn-benchmark", action="store_true")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        sys.exit(f"torch_fullbatch: --data {args.data}: no such folder")

    # worker_torch reads these at import
    os.environ["BENCH_DEVICE"] = args.device
    os.environ["BENCH_SEED"] = str(args.seed)
    os.environ["BENCH_DATA"] = args.data
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch
    import torch.nn.functional as F
    import worker_torch as w

    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    tr_x, tr_y, te_x, te_y = w.data()
    model, opt = w.build(args.model)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        tr_x = tr_x.contiguous(memory_format=torch.channels_last)
        te_x = te_x.contiguous(memory_format=torch.channels_last)

    out = open(args.metrics, "w") if args.metrics else None
    if out:
        out.write("epoch,time,train_loss,test_loss,test_acc\n")
    print("epoch,time,acc", flush=True)
    start = time.perf_counter()
    step = 0
    try:
        while step < args.max_steps and time.perf_counter() - start < args.max_seconds:
            model.train()
            loss = F.cross_entropy(model(tr_x), tr_y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                model.eval()
                logits = model(te_x)
                test_loss = F.cross_entropy(logits, te_y).item()
                acc = (logits.argmax(-1) == te_y).float().mean().item()
            step += 1
            t = time.perf_counter() - start
            print(f"{step},{t:.3f},{acc:.5f}", flush=True)
            if out:
                out.write(f"{step},{t:.3f},{loss.item():.6f},{test_loss:.6f},{acc:.5f}\n")
                out.flush()  # a time-boxed run may be interrupted: every finished step stays on disk
    except KeyboardInterrupt:
        print(f"torch_fullbatch: interrupted after {step} steps", file=sys.stderr)
    finally:
        if out:
            out.close()


if __name__ == "__main__":
    main()
