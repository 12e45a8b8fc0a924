// Python (standard library + torch) that reads and writes safetensors files, for tests that check
// files against PyTorch: the `safetensors` Python package is not installed here.
// Defines st_load(path) -> (dict of tensors, metadata) and st_save(tensors, path, meta=None).
export const PY_ST = `
import json, struct, torch
DT = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8,
      "BOOL": torch.bool, "F16": torch.float16, "BF16": torch.bfloat16, "I8": torch.int8, "I16": torch.int16}
def st_load(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    meta = h.pop("__metadata__", {})
    out = {}
    for k, v in h.items():
        s, e = v["data_offsets"]
        raw = bytearray(b[8 + n + s: 8 + n + e])
        t = torch.frombuffer(raw, dtype=DT[v["dtype"]]) if len(raw) else torch.empty(0, dtype=DT[v["dtype"]])
        out[k] = t.reshape(v["shape"]).clone()
    return out, meta
def st_save(tensors, path, meta=None):
    inv = {v: k for k, v in DT.items()}
    header, blobs, off = {}, [], 0
    if meta: header["__metadata__"] = meta
    for k, t in tensors.items():
        raw = t.contiguous().view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[k] = {"dtype": inv[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw); off += len(raw)
    hb = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(hb)) + hb + b"".join(blobs))
`;
