#!/usr/bin/env python3
# Keeps scripts/gen/placement.txt, the table that says where each ATen operator goes in tstorch's
# typed surface (a function of torch, torch.functional, torch.fft/linalg/special/sparse/nested, a
# Tensor method, or both), the one thing the linked libtorch cannot tell (scripts/gen/gen-aten.mjs
# reads the schemas and the overload order from the addon itself). It comes from ATen's
# native_functions.yaml (its `variants` and `python_module`), merged over every PyTorch version
# tstorch supports: an overload placed by any version is placed.
#
#   /usr/bin/python3 scripts/gen/placement.py                  merge the yaml of the PyTorch it imports
#   /usr/bin/python3 scripts/gen/placement.py --yaml PATH [--version V]   merge another copy of the yaml
#   ... --check                                                 exit 1 if merging would change the table
import argparse
import os
import re
import sys

import yaml

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "placement.txt")
HEADER = """\
# Where each ATen operator goes in tstorch's typed surface (made by scripts/gen/placement.py from
# native_functions.yaml; read by scripts/gen/gen-aten.mjs). One operator name a line:
#   NAME VARIANTS [@MODULE] [OVERLOAD=VARIANTS ...]
# VARIANTS: f (a function), m (a Tensor method), fm (both), - (neither); @MODULE: the Python module
# of the function (torch.fft.*, ...; @nn is torch.functional.*); OVERLOAD=VARIANTS: the overloads
# placed otherwise than the name's first VARIANTS ("default" is the overload with no name);
# named=OVERLOAD,...: the overloads whose `str` arguments are Dimnames (named tensors, which JS cannot
# pass; the registry prints a Dimname as `str`).
# Out= overloads are never placed (torch.ops.aten.NAME.out has them). The union of the versions:
"""
CODES = {frozenset(): "-", frozenset({"function"}): "f", frozenset({"method"}): "m", frozenset({"function", "method"}): "fm"}
DECODE = {v: k for k, v in CODES.items()}


def is_out(func):
    """An out= overload: a keyword-only argument that it writes (`*, Tensor(a!) out`)."""
    args = func[func.index("(") + 1 : func.rindex(") ->")]
    star = re.search(r"(^|,)\s*\*\s*(,|$)", args)
    return star is not None and "!)" in args[star.end() :]


def read_table():
    versions, table = [], {}
    if not os.path.exists(TABLE):
        return versions, table
    with open(TABLE) as f:
        for line in f:
            m = re.match(r"#\s+PyTorch (\S+)", line)
            if m:
                versions.append(m.group(1))
            if line.startswith("#") or not line.strip():
                continue
            name, codes, *rest = line.split()
            module = rest.pop(0)[1:] if rest and rest[0].startswith("@") else None
            table[name] = {"default": DECODE[codes], "module": module, "overloads": {}}
            table[name]["named"] = set()
            for r in rest:
                o, c = r.split("=")
                if o == "named":
                    table[name]["named"] = {"" if x == "default" else x for x in c.split(",")}
                else:
                    table[name]["overloads"]["" if o == "default" else o] = DECODE[c]
    return versions, table


def read_yaml(path):
    with open(path) as f:
        entries = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    ops = {}
    for e in entries:
        func = e["func"]
        qualified = func.split("(", 1)[0]
        name, _, overload = qualified.partition(".")
        if "Dimname" in func.split(") ->")[0]:
            ops.setdefault(name, {"module": e.get("python_module"), "overloads": {}, "named": set()})["named"].add(overload)
        if is_out(func):
            continue
        variants = frozenset(v.strip() for v in str(e.get("variants", "function")).split(",") if v.strip())
        op = ops.setdefault(name, {"module": e.get("python_module"), "overloads": {}, "named": set()})
        op["overloads"][overload] = variants
    return ops


def merge(table, ops):
    out = {}
    for name in sorted(set(table) | set(ops)):
        old, new = table.get(name), ops.get(name)
        if old is not None and new is not None and old["module"] != new["module"]:
            sys.exit(f"placement: aten::{name} moved from module {old['module']} to {new['module']}: decide by hand")
        module = (old or new)["module"]
        placed = dict(old["overloads"]) if old else {}
        if new:
            for o, v in new["overloads"].items():
                placed[o] = v | placed.get(o, old["default"] if old else frozenset())
        if old:
            default = old["default"]
        else:
            counts = {}
            for v in placed.values():
                counts[v] = counts.get(v, 0) + 1
            default = max(counts, key=lambda v: (counts[v], len(v))) if counts else frozenset()
        named = (old["named"] if old else set()) | (new["named"] if new else set())
        out[name] = {"default": default, "module": module, "overloads": {o: v for o, v in placed.items() if v != default}, "named": named}
    return out


def write_table(versions, table):
    lines = [HEADER] + [f"#   PyTorch {v}\n" for v in versions]
    for name, e in table.items():
        parts = [name, CODES[e["default"]]]
        if e["module"]:
            parts.append("@" + e["module"])
        parts += [f"{o or 'default'}={CODES[v]}" for o, v in sorted(e["overloads"].items())]
        if e["named"]:
            parts.append("named=" + ",".join(o or "default" for o in sorted(e["named"])))
        lines.append(" ".join(parts) + "\n")
    return "".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--yaml")
    p.add_argument("--version")
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    path, version = a.yaml, a.version
    if path is None:
        import torch
        import torchgen

        path = os.path.join(os.path.dirname(torchgen.__file__), "packaged", "ATen", "native", "native_functions.yaml")
        version = version or torch.__version__.split("+")[0]
    if version is None:
        sys.exit("placement: --version is needed with --yaml")
    versions, table = read_table()
    merged = merge(table, read_yaml(path))
    if version not in versions:
        versions = sorted(versions + [version], key=lambda v: [int(x) for x in re.findall(r"\d+", v)])
    text = write_table(versions, merged)
    old = open(TABLE).read() if os.path.exists(TABLE) else ""
    if a.check:
        if text != old:
            sys.exit(f"placement: {TABLE} does not cover native_functions.yaml of PyTorch {version} ({path}): run scripts/gen/placement.py")
        print(f"placement: up to date with PyTorch {version}")
        return
    with open(TABLE, "w") as f:
        f.write(text)
    print(f"placement: {len(merged)} operator names, versions {', '.join(versions)}", file=sys.stderr)


main()
