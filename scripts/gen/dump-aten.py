#!/usr/bin/env python3
# Dumps what the operator generator (gen-aten.mjs) needs from the PyTorch that /usr/bin/python3
# imports: every entry of ATen's native_functions.yaml (schema, variants, Python module), the same
# file tch-rs generates from, and for each operator name the order in which its overloads are
# registered, which is the order PyTorch's torch.ops.aten tries them.
#
#   /usr/bin/python3 scripts/gen/dump-aten.py > scripts/gen/aten-schemas.json
import json
import os
import sys

import torch
import torchgen
import yaml

path = os.path.join(os.path.dirname(torchgen.__file__), "packaged", "ATen", "native", "native_functions.yaml")
with open(path) as f:
    entries = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

ops = []
names = []
for e in entries:
    func = e["func"]
    variants = [v.strip() for v in str(e.get("variants", "function")).split(",")]
    ops.append({"func": func, "variants": variants, "module": e.get("python_module")})
    name = func.split("(", 1)[0].split(".", 1)[0]
    if name not in names:
        names.append(name)

order = {}
for name in names:
    overloads = [s.overload_name for s in torch._C._jit_get_schemas_for_operator("aten::" + name)]
    order[name] = overloads

# one operator a line, so that a libtorch upgrade reads as a diff
out = sys.stdout
out.write('{"torch": %s, "source": "native_functions.yaml",\n"ops": [\n' % json.dumps(torch.__version__))
out.write(",\n".join(json.dumps(o) for o in ops))
out.write('\n],\n"order": {\n')
out.write(",\n".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in order.items()))
out.write("\n}}\n")
