// A "used after dispose()" error says what freed the tensor: the end of which torch.scope (its name,
// else its function), or an explicit dispose(); and how to keep it (core/freed-by.ts). Also: the
// handle a scope keeps as its marker is never recycled, even when a freed tensor is disposed again.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

type Internal = torch.Tensor & { _h: unknown };

const KEEP_HINT =
  "; to use it after that scope, return it from the scope's function or pass it to torch.keep() inside the scope, " +
  "and torch.persist() it to keep it across scopes (state that lives for many steps, such as an optimiser's or a model's)";
const DISPOSE_HINT =
  "): it was freed by an explicit dispose() (t.dispose() or torch.dispose()); dispose a tensor only after its last use, " +
  "or leave its freeing to a torch.scope";

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail("expected an error");
}

/** x, and t = x * 2 made (and so freed) in torch.scope(name); `tail` ends the message a use of t gets. */
function madeInNamedScope(name: string): { x: torch.Tensor; t: torch.Tensor; tail: string } {
  const x = torch.ones([3]);
  let t!: torch.Tensor;
  torch.scope(name, () => {
    t = x.mul(2);
  });
  return { x, t, tail: `): it was freed at the end of torch.scope "${name}", the scope it was made in` + KEEP_HINT };
}

describe("used after dispose(): what freed it", () => {
  test("a named scope is named, for ops, arguments and data reads", () => {
    const { x, t, tail } = madeInNamedScope("train step");
    assert.equal(messageOf(() => t.add(1)), "tstorch: aten::add.Scalar: Tensor used after dispose() (self" + tail);
    assert.equal(messageOf(() => x.add(t)), "tstorch: aten::add.Tensor: Tensor used after dispose() (other" + tail);
    assert.equal(messageOf(() => torch.cat([x, t])), "tstorch: aten::cat: Tensor used after dispose() (tensors" + tail);
    assert.equal(messageOf(() => t.item()), "tstorch: Tensor used after dispose() (item" + tail);
    assert.equal(messageOf(() => t.toArray()), "tstorch: Tensor used after dispose() (dtype" + tail);
    assert.equal(messageOf(() => t.shape), "tstorch: Tensor used after dispose() (shape" + tail);
    assert.equal(messageOf(() => t.add_(1)), "tstorch: aten::add_.Scalar: Tensor used after dispose() (self" + tail);
    assert.equal(t.isDisposed, true);
    x.dispose();
  });

  test("torch.ops.aten calls say it too (the generic path, by overload)", () => {
    const { x, t, tail } = madeInNamedScope("eval");
    assert.equal(messageOf(() => torch.ops.aten.add(x, t)), "tstorch: aten::add.Tensor: Tensor used after dispose() (other" + tail);
    assert.equal(messageOf(() => torch.ops.aten.add.Tensor(t, x)), "tstorch: aten::add.Tensor: Tensor used after dispose() (self" + tail);
    x.dispose();
  });

  test("an unnamed scope is shown by its function", () => {
    let t!: torch.Tensor;
    function forwardPass(): void {
      t = torch.zeros([2]).add(1);
    }
    torch.scope(forwardPass);
    const m = messageOf(() => t.sum());
    assert.match(m, /^tstorch: aten::sum: Tensor used after dispose\(\) \(self\): it was freed at the end of the unnamed torch\.scope of function forwardPass `function forwardPass\(\) \{ t = torch\.zeros\(\[2\]\)\.add\(1\); \}` \(name a scope, torch\.scope\("name", fn\), to see its name here\), the scope it was made in; to use it after/);
    let u!: torch.Tensor;
    torch.scope(() => {
      u = torch.ones([2]).mul(3);
    });
    assert.match(messageOf(() => u.neg()), /the unnamed torch\.scope of function `\(\) => \{ u = torch\.ones\(\[2\]\)\.mul\(3\); \}`/);
  });

  test("the innermost scope that freed it is named, not an enclosing one", () => {
    let inner!: torch.Tensor;
    const kept = torch.scope("outer", () => {
      const k = torch.scope("inner", () => {
        inner = torch.ones([2]).mul(2);
        return torch.ones([2]).mul(5);
      });
      return k.add(0);
    });
    assert.match(messageOf(() => inner.add(1)), /freed at the end of torch\.scope "inner"/);
    assert.deepEqual(kept.toArray(), [5, 5]);
    kept.dispose();
  });

  test("an explicit dispose() says so, the parked (deferred) one too", () => {
    const x = torch.tensor([1, 2, 3, 4]);
    const big = torch.zeros([4096]); // not deferrable: freed at once
    big.dispose();
    assert.equal(messageOf(() => big.add(1)), "tstorch: aten::add.Scalar: Tensor used after dispose() (self" + DISPOSE_HINT);
    const small = x.add(1); // deferrable: its handle is parked and carries the next result
    small.dispose();
    const next = x.mul(2);
    assert.equal(messageOf(() => x.add(small)), "tstorch: aten::add.Tensor: Tensor used after dispose() (other" + DISPOSE_HINT);
    assert.equal(messageOf(() => small.item()), "tstorch: Tensor used after dispose() (item" + DISPOSE_HINT);
    assert.deepEqual(next.toArray(), [2, 4, 6, 8]);
    // disposed explicitly inside a scope: still an explicit dispose(), not the scope's end
    let inScope!: torch.Tensor;
    torch.scope("s", () => {
      inScope = torch.ones([2]).add(1);
      inScope.dispose();
    });
    assert.equal(messageOf(() => inScope.neg()), "tstorch: aten::neg: Tensor used after dispose() (self" + DISPOSE_HINT);
    x.dispose();
    next.dispose();
  });

  test("a scope's marker handle never carries a new tensor, whatever is disposed later", () => {
    const x = torch.tensor([1, 2, 3, 4]);
    let a!: Internal;
    let b!: Internal;
    torch.scope("freed", () => {
      a = x.add(1) as Internal; // small, graph-free: was deferrable
      b = x.add(2) as Internal;
    });
    assert.equal(a._h, b._h, "the tensors a scope frees share its marker");
    const marker = a._h;
    const made: Internal[] = [];
    a.dispose(); // already freed: must neither park nor recycle the marker
    for (let i = 0; i < 20; i++) made.push(x.mul(i) as Internal);
    assert.ok(made.every((m) => m._h !== marker), "the marker was reused for a new tensor");
    assert.equal(b.isDisposed, true);
    assert.match(messageOf(() => b.add(1)), /freed at the end of torch\.scope "freed"/);
    torch.dispose([b]);
    for (let i = 20; i < 40; i++) made.push(x.mul(i) as Internal);
    assert.ok(made.every((m) => m._h !== marker), "the marker was reused for a new tensor");
    // disposed again by hand: from then on it says dispose(), the later cause
    assert.match(messageOf(() => b.add(1)), /freed by an explicit dispose\(\)/);
    assert.deepEqual(made[3].toArray(), [3, 6, 9, 12]);
    for (const m of made) m.dispose();
    x.dispose();
  });

  test("a tensor kept or returned survives; torch.scope(name, notAFunction) is a clear TypeError", () => {
    const r = torch.scope("keeps", () => {
      torch.keep(torch.ones([1]));
      return torch.ones([2]).mul(2);
    });
    assert.deepEqual(r.toArray(), [2, 2]);
    r.dispose();
    assert.throws(() => torch.scope("x", 3 as unknown as () => void), {
      name: "TypeError",
      message: 'tstorch: torch.scope("x", fn): fn must be a function',
    });
  });
});
