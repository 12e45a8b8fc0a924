#!/usr/bin/python3
"""PyTorch side of bench/jpeg-decode.ts (run with /usr/bin/python3; the driver starts it).

usage: jpeg_decode_torch.py decode LIST_FILE      -> {"torchvision": s, "pil": s, "n": n}
       jpeg_decode_torch.py epoch ROOT WORKERS     -> {"seconds": s, "batches": b, "n": n}

decode: the files named in LIST_FILE (one path a line) are read into memory first; then every one is
decoded with torchvision.io.decode_jpeg (ImageReadMode.RGB) and with PIL (Image.open(...).convert("RGB")
and np.asarray, the pixels in memory), one thread each, timed separately.
epoch: one pass of DataLoader(ImageFolder(ROOT, transform=ToTensor()), batch_size=128, shuffle=True,
num_workers=WORKERS): PyTorch's standard image-folder pipeline.
"""
import io
import json
import sys
import time

import numpy as np
import torch
import torchvision
import torchvision.io as tio
from PIL import Image

torch.set_num_threads(1)


def decode(list_file):
    paths = open(list_file).read().split("\n")
    paths = [p for p in paths if p]
    blobs = [open(p, "rb").read() for p in paths]
    tensors = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in blobs]
    t = time.perf_counter()
    for x in tensors:
        tio.decode_jpeg(x, tio.ImageReadMode.RGB)
    tv = time.perf_counter() - t
    t = time.perf_counter()
    for b in blobs:
        np.asarray(Image.open(io.BytesIO(b)).convert("RGB"))
    pil = time.perf_counter() - t
    return {"torchvision": tv, "pil": pil, "n": len(blobs)}


def epoch(root, workers):
    import torchvision.transforms as T
    ds = torchvision.datasets.ImageFolder(root, transform=T.ToTensor())
    dl = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=True, num_workers=workers)
    t = time.perf_counter()
    n = 0
    b = 0
    for x, y in dl:
        n += x.shape[0]
        b += 1
    return {"seconds": time.perf_counter() - t, "batches": b, "n": n}


if __name__ == "__main__":
    if sys.argv[1] == "decode":
        print(json.dumps(decode(sys.argv[2])))
    else:
        print(json.dumps(epoch(sys.argv[2], int(sys.argv[3]))))
