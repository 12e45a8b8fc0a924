// The Tensor members PyTorch has beside ATen's operators (issue #20's coverage: byte ... unique,
// retainsGrad as a property, registerHook), against PyTorch on the same inputs; and the split of
// the class into concern files (issue #23) leaving the hand-written hot path in place.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "../src/index.js";
import { pyTorchSkipReason } from "./helpers/parity.js";
import { dedent, runPython } from "./helpers/python.js";

const skip = pyTorchSkipReason();
const X = [[1.5, -2.25, 3], [0, 7.75, -1]];
const U = [3, 1, 2, 3, 1, 5, 3, 3];
const R = [[1, 2], [1, 2], [3, 4], [1, 2]];

test("conversions, sizes, type() and unique/uniqueConsecutive equal PyTorch's", { skip }, () => {
  const py = runPython(dedent(`
    import torch
    x = torch.tensor(INPUT["X"])
    u = torch.tensor(INPUT["U"]); r = torch.tensor(INPUT["R"])
    out = {}
    for name in ["byte", "short", "char", "int", "long", "double", "half", "bool"]:
        t = getattr(x, name)(); out[name] = [str(t.dtype)[6:], t.tolist()]
    cf = x.cfloat(); cd = x.cdouble()
    out["cfloat"] = [str(cf.dtype)[6:], torch.view_as_real(cf).tolist()]
    out["cdouble"] = [str(cd.dtype)[6:], torch.view_as_real(cd).tolist()]
    out["tolist"] = x.tolist()
    out["sizes"] = [x.element_size(), x.double().element_size(), x.byte().element_size(), x.cdouble().element_size(),
                    x.nelement(), x.ndimension(), x.get_device(), x[1].storage_offset(), x[:, 1:].storage_offset()]
    out["type"] = [x.type(), x.long().type(), x.bool().type(), x.cfloat().type(), x.type(torch.float64).type(), x.type("torch.IntTensor").type()]
    out["unique"] = [u.unique().tolist(), [t.tolist() for t in u.unique(return_inverse=True)],
                     [t.tolist() for t in u.unique(return_counts=True)], [t.tolist() for t in u.unique(sorted=True, return_inverse=True, return_counts=True)],
                     [t.tolist() for t in r.unique(dim=0, return_counts=True)]]
    out["consecutive"] = [u.unique_consecutive().tolist(), [t.tolist() for t in u.unique_consecutive(return_inverse=True, return_counts=True)],
                          [t.tolist() for t in r.unique_consecutive(dim=0, return_counts=True)]]
    n = x.new_tensor([[1, 2]]); m = x.long().new_tensor([4.0])
    out["new"] = [str(n.dtype)[6:], n.tolist(), str(m.dtype)[6:], m.tolist()]
    z = torch.zeros(2, 3); z.resize_(3, 4); w = torch.zeros(5); w.resize_as_(torch.zeros(2, 2))
    out["resize"] = [list(z.shape), list(w.shape)]
    OUTPUT = out
  `), { X, U, R }) as Record<string, unknown>;

  torch.scope(() => {
    const x = torch.tensor(X);
    for (const name of ["byte", "short", "char", "int", "long", "double", "half", "bool"] as const) {
      const t = x[name]();
      assert.deepEqual([t.dtype, t.toArray()], py[name], name);
    }
    assert.deepEqual(["complex64", torch.viewAsReal(x.cfloat()).toArray()], py.cfloat);
    assert.deepEqual(["complex128", torch.viewAsReal(x.cdouble()).toArray()], py.cdouble);
    assert.deepEqual(x.tolist(), py.tolist);
    const narrow = x.slice(1, 1);
    assert.deepEqual([x.elementSize(), x.double().elementSize(), x.byte().elementSize(), x.cdouble().elementSize(),
      x.nelement(), x.ndimension(), x.getDevice(), x.get(1).storageOffset(), narrow.storageOffset()], py.sizes);
    assert.deepEqual([x.type(), x.long().type(), x.bool().type(), x.cfloat().type(), x.type("float64").type(), x.type("torch.IntTensor").type()], py.type);

    const u = torch.tensor(U).long();
    const r = torch.tensor(R).long();
    const lists = (ts: torch.Tensor | torch.Tensor[]) => (Array.isArray(ts) ? ts.map((t) => t.toArray()) : ts.toArray());
    assert.deepEqual([
      lists(u.unique()), lists(u.unique({ returnInverse: true })), lists(u.unique({ returnCounts: true })),
      lists(u.unique({ sorted: true, returnInverse: true, returnCounts: true })), lists(r.unique({ dim: 0, returnCounts: true })),
    ], py.unique);
    assert.deepEqual([
      lists(u.uniqueConsecutive()), lists(u.uniqueConsecutive({ returnInverse: true, returnCounts: true })),
      lists(r.uniqueConsecutive({ dim: 0, returnCounts: true })),
    ], py.consecutive);
    // torch.unique is the method
    assert.deepEqual(lists(torch.unique(u, { returnCounts: true })), py.unique && (py.unique as unknown[])[2]);

    const n = x.newTensor([[1, 2]]);
    const m = x.long().newTensor([4.0]);
    assert.deepEqual([n.dtype, n.toArray(), m.dtype, m.toArray()], py.new);
    const z = torch.zeros(2, 3).resize_(3, 4);
    const w = torch.zeros(5).resizeAs_(torch.zeros(2, 2));
    assert.deepEqual([z.shape, w.shape], py.resize);
  });
});

test("dataPtr is the storage's address: views share it, moved by the offset", () => {
  torch.scope(() => {
    const x = torch.arange(0, 12).reshape(3, 4).float();
    const p = x.dataPtr();
    assert.equal(typeof p, "bigint");
    assert.ok(p > 0n);
    assert.equal(x.view(12).dataPtr(), p);
    assert.equal(x.get(1).dataPtr(), p + 4n * 4n);
    assert.notEqual(x.clone().dataPtr(), p);
  });
});

test("type(): the CUDA names, and a name that is neither a dtype nor a tensor type fails naming it", () => {
  torch.scope(() => {
    const x = torch.zeros(2);
    assert.throws(() => x.type("torch.FooTensor"), /type\('torch\.FooTensor'\): neither a dtype nor a tensor type name such as 'torch\.FloatTensor'/);
    assert.throws(() => x.type("floaty"), /type\('floaty'\): neither a dtype/);
    if (!torch.cuda.isAvailable()) {
      assert.throws(() => x.type("torch.cuda.FloatTensor"), /CUDA is not available/);
    } else {
      assert.equal(x.cuda().type(), "torch.cuda.FloatTensor");
    }
  });
});

test("retainsGrad is a property, as in PyTorch; registerHook is a Tensor method", () => {
  torch.scope(() => {
    const a = torch.tensor([1, 2, 3]).requiresGrad_();
    const h = a.mul(2);
    assert.equal(h.retainsGrad, false);
    h.retainGrad();
    assert.equal(h.retainsGrad, true);
    let seen: number[] = [];
    const handle = h.registerHook((g) => {
      seen = g.toArray() as number[];
      return g.mul(10);
    });
    h.sum().backward();
    assert.deepEqual(seen, [1, 1, 1]);
    assert.deepEqual(a.grad?.toArray(), [20, 20, 20]);
    handle.remove();
  });
});

test("the hand-written methods are the class's own: one overload each, not the generated dispatch", () => {
  const proto = torch.Tensor.prototype as unknown as Record<string, { toString(): string }>;
  // hand-written (tensor-math.ts ...): called by dispatcher id, no overload resolution
  assert.match(proto.add.toString(), /callPooled\(aten\.add_Tensor/);
  assert.match(proto.sum.toString(), /callPooled\(aten\.sum/);
  assert.match(proto.reshape.toString(), /callPooled\(aten\.reshape/);
  assert.match(proto.crossEntropyForLogits.toString(), /aten\.cross_entropy_loss/);
  // generated with a fast path (scripts/gen/fast-methods.mjs): by id when the arguments are plain, else by name
  for (const m of ["neg", "relu", "mm", "where", "cumsum", "softmax"]) {
    assert.match(proto[m].toString(), /callPooled\(\(i\d+ >= 0/, m);
    assert.match(proto[m].toString(), /callAten\(/, m);
  }
  // generated without one (two results): resolved by name
  assert.doesNotMatch(proto.sort.toString(), /callPooled/);
  torch.scope(() => {
    const x = torch.tensor([[1, 2], [3, 4]]);
    assert.equal(String(x), "tensor([[1., 2.],\n        [3., 4.]])");
    assert.deepEqual(x.T.toArray(), [[1, 3], [2, 4]]);
    assert.deepEqual(x.div(torch.scalar(2.5), "floor").toArray(), [[0, 0], [1, 1]]);
    assert.deepEqual(x.long().div(2.5, "floor").toArray(), [[0, 0], [1, 1]]);
  });
});
