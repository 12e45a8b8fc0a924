# Dumps PyTorch's OpInfo corpus (torch.testing._internal.common_methods_invocations.op_db) as
# torch.ops.aten calls for test/opinfo.test.ts to replay through tstorch's torch.ops.aten.
#
#   /usr/bin/python3 test/helpers/opinfo_dump.py OUT_DIR
#
# For every OpInfo whose aten_name is an aten operator, and each of float32, complex64, int64 and
# bool the OpInfo supports on the CPU, the sample inputs are made under a fixed seed and called as
# torch.ops.aten.<aten_name>(input, *args, **kwargs). Only samples that call accepts are written:
# OUT_DIR/corpus.json (structure) and OUT_DIR/tensors.bin (every tensor's bytes, little-endian).
#
# Values in corpus.json: JSON numbers are Python ints (an int beyond 2^53 is {"int": "digits"}),
# {"float": x} a Python float (x may be "nan", "inf", "-inf"), true/false bools, null None, strings,
# arrays lists and tuples, {"tensor": {dtype, shape, offset, bytes}}, {"dtype": "float32"},
# {"device": "cpu"}, {"layout": "strided"}, {"memoryFormat": "contiguous"}, {"complex": [re, im]},
# {"sparse": {dtype, shape, offset, bytes}} a sparse COO tensor by its dense values.
# float16/bfloat16 tensors are stored as float32 (exact), complex ones as interleaved (re, im).
# A sample whose values JS cannot hold (a Generator, a sparse tensor, a slice...) is written with
# "unpassable": why, and no arguments.
#
# An aten_name that torch.ops.aten resolves only through TorchScript's own operator registry (no
# entry in libtorch's dispatcher, e.g. 2.x's aten::broadcast_shapes, a JIT builtin over int lists)
# is left out and named in stats.notInDispatcher: tstorch binds the dispatcher's operators, which is
# what PyTorch's eager kernels are, so such a name is not an operator of the linked libtorch there.
import json, math, os, sys, types, unittest, warnings, zlib

warnings.filterwarnings("ignore")
_m = types.ModuleType("expecttest")
_m.TestCase = unittest.TestCase
_m.ACCEPT = False
sys.modules["expecttest"] = _m

import torch
from torch.testing._internal.common_methods_invocations import op_db

DTYPES = [torch.float32, torch.complex64, torch.int64, torch.bool]
NAMES = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16", torch.bfloat16: "bfloat16",
         torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
         torch.bool: "bool", torch.complex64: "complex64", torch.complex128: "complex128"}
MEMORY_FORMATS = {torch.contiguous_format: "contiguous", torch.preserve_format: "preserve",
                  torch.channels_last: "channelsLast"}
# ops whose values are random or uninitialised: compared by shape and dtype only
RANDOM = ("rand", "dropout", "bernoulli", "normal", "multinomial", "uniform", "exponential", "cauchy",
          "geometric", "log_normal", "empty", "rrelu", "poisson")


class Unpassable(Exception):
    pass


class Blob:
    def __init__(self, f):
        self.f = f
        self.offset = 0

    def tensor(self, t):
        if t.layout != torch.strided:
            raise Unpassable(f"a {t.layout} tensor")
        if t.dtype == torch.complex32:
            # stored as complex64 values, as tstorch reads complex32 (through complex64)
            t = t.to(torch.complex64)
            out = self.tensor(t)
            out["tensor"]["dtype"] = "complex32"
            return out
        if t.dtype not in NAMES:
            raise Unpassable(f"a {t.dtype} tensor")
        if t.device.type != "cpu":
            raise Unpassable(f"a {t.device} tensor")
        dtype = NAMES[t.dtype]
        t = t.detach().resolve_conj().resolve_neg()
        if t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
        # numpy's tobytes() is C order whatever the strides (a view of uint8 is not, for odd strides)
        raw = t.numpy().tobytes() if t.numel() else b""
        self.f.write(raw)
        out = {"dtype": dtype, "shape": list(t.shape), "offset": self.offset, "bytes": len(raw)}
        self.offset += len(raw)
        return {"tensor": out}


def enc_float(x):
    if math.isnan(x):
        return {"float": "nan"}
    if math.isinf(x):
        return {"float": "inf" if x > 0 else "-inf"}
    return {"float": x}


def enc(v, blob):
    if isinstance(v, torch.Tensor) and v.layout == torch.sparse_coo:
        # a sparse result is compared through its dense form
        return {"sparse": blob.tensor(v.to_dense())["tensor"]}
    if isinstance(v, torch.Tensor):
        return blob.tensor(v)
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 else {"int": str(v)}
    if isinstance(v, float):
        return enc_float(v)
    if isinstance(v, complex):
        return {"complex": [enc_float(v.real)["float"], enc_float(v.imag)["float"]]}
    if isinstance(v, (list, tuple, torch.Size)):
        return [enc(e, blob) for e in v]
    if isinstance(v, torch.dtype):
        if v not in NAMES:
            raise Unpassable(f"dtype {v}")
        return {"dtype": NAMES[v]}
    if isinstance(v, torch.device):
        return {"device": str(v)}
    if isinstance(v, torch.layout):
        return {"layout": str(v).replace("torch.", "").replace("sparse_coo", "sparse")}
    if isinstance(v, torch.memory_format):
        return {"memoryFormat": MEMORY_FORMATS[v]}
    raise Unpassable(f"a {type(v).__name__}")


def snapshot(v):
    """A copy of the sample's arguments made before the call (in-place ops change them)."""
    if isinstance(v, torch.Tensor):
        return v.detach().clone()
    if isinstance(v, (list, tuple)):
        return type(v)(snapshot(e) for e in v)
    if isinstance(v, dict):
        return {k: snapshot(e) for k, e in v.items()}
    return v


def aten_op(aten_name):
    """The aten operator an OpInfo names: its aten_name, or for those whose aten_name is a Python
    path under nn.functional (nn.functional.pdist, nn.functional.margin_ranking_loss) the operator
    of its last part (masked.mean is not aten::mean: it stays out)."""
    cands = [aten_name]
    if aten_name.startswith("nn.functional."):
        cands.append(aten_name[len("nn.functional."):])
    for cand in cands:
        try:
            getattr(torch.ops.aten, cand)
            return cand
        except (AttributeError, RuntimeError):
            pass
    return None


def in_dispatcher(name):
    """Does libtorch's dispatcher register some overload of aten::name (not only TorchScript's
    operator registry, through which torch.ops.aten also resolves names)? _dispatch_dump is the
    dispatcher's own entry, empty for an operator it does not have (1.13 and 2.x alike)."""
    for ov in getattr(torch.ops.aten, name).overloads():
        if torch._C._dispatch_dump(f"aten::{name}" + ("" if ov == "default" else f".{ov}")):
            return True
    return False


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    groups = []
    stats = {"opinfos": len(op_db), "aten": 0, "samples": 0, "accepted": 0, "rejected": 0, "unpassable": 0,
             "sampleErrors": 0, "notInDispatcher": []}
    with open(os.path.join(out_dir, "tensors.bin.tmp"), "wb") as f:
        blob = Blob(f)
        for o in op_db:
            name = o.name + ("." + o.variant_test_name if o.variant_test_name else "")
            aten = aten_op(o.aten_name)
            if aten is None:
                continue
            if not in_dispatcher(aten):
                if aten not in stats["notInDispatcher"]:
                    stats["notInDispatcher"].append(aten)
                continue
            fn = getattr(torch.ops.aten, aten)
            stats["aten"] += 1
            supported = o.supported_dtypes("cpu")
            for dt in DTYPES:
                if dt not in supported:
                    continue
                torch.manual_seed(zlib.crc32(f"{name}/{dt}".encode()))
                try:
                    samples = list(o.sample_inputs("cpu", dt))
                except Exception as e:
                    stats["sampleErrors"] += 1
                    continue
                entries, rejected = [], []
                for i, s in enumerate(samples):
                    stats["samples"] += 1
                    inp, args, kwargs = snapshot(s.input), snapshot(list(s.args)), snapshot(dict(s.kwargs))
                    # dropout inside an op (attention's dropout_p) makes its values random too
                    random = any(r in aten for r in RANDOM) or bool(s.kwargs.get("dropout_p", 0))
                    if random:
                        torch.manual_seed(i)
                    try:
                        with torch.no_grad():
                            res = fn(s.input, *s.args, **s.kwargs)
                    except Exception as e:
                        stats["rejected"] += 1
                        rejected.append(f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200]}" if str(e).strip() else type(e).__name__)
                        continue
                    stats["accepted"] += 1
                    entry = {"index": i, "random": random}
                    try:
                        entry["args"] = [enc(inp, blob)] + [enc(a, blob) for a in args]
                        entry["kwargs"] = {k: enc(v, blob) for k, v in kwargs.items()}
                        entry["result"] = enc(res, blob)
                    except Unpassable as e:
                        stats["unpassable"] += 1
                        entry = {"index": i, "unpassable": str(e)}
                    except Exception as e:  # a value we do not know how to store
                        stats["unpassable"] += 1
                        entry = {"index": i, "unpassable": f"{type(e).__name__}: {e}"}
                    entries.append(entry)
                groups.append({"opinfo": name, "aten": aten, "dtype": NAMES[dt], "samples": entries,
                               "rejected": len(rejected), "rejectedExample": rejected[0] if rejected else None})
    stats["torch"] = torch.__version__
    with open(os.path.join(out_dir, "corpus.json.tmp"), "w") as f:
        json.dump({"stats": stats, "groups": groups}, f, allow_nan=False)
    os.replace(os.path.join(out_dir, "tensors.bin.tmp"), os.path.join(out_dir, "tensors.bin"))
    os.replace(os.path.join(out_dir, "corpus.json.tmp"), os.path.join(out_dir, "corpus.json"))
    print(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1])
