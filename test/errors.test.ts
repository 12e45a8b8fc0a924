// Bad input gives a JS Error with a useful message, and the process keeps running: after each
// failure the test does another operation and checks its result.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";

const F = torch.functional;

/** Asserts `fn` throws an Error whose message matches every pattern, then that torch still works. */
function expectError(fn: () => unknown, ...patterns: RegExp[]): Error {
  let caught: unknown = undefined;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, "expected an error, none was thrown");
  assert.ok(caught instanceof Error, `expected an Error, got ${typeof caught}: ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  stillWorks();
  return caught;
}

/** The process and the library are still usable. */
function stillWorks(): void {
  torch.scope(() => {
    const a = torch.tensor([[1, 2], [3, 4]], { dtype: "float32" });
    assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
  });
}

describe("shape mismatch", () => {
  test("matmul of [2,3] and [4,5]", () => {
    const a = torch.ones([2, 3]);
    const b = torch.ones([4, 5]);
    expectError(() => a.matmul(b), /shapes cannot be multiplied/, /2x3 and 4x5/);
    a.dispose();
    b.dispose();
  });
  test("matmul with non-broadcastable batch dims", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2, 3, 4]).matmul(torch.ones([3, 4, 6])), /size of tensor a \(2\) must match the size of tensor b \(3\)/);
    });
  });
  test("bmm and mm", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2, 3, 4]).bmm(torch.ones([2, 5, 6])), /batch2/, /\[2, 4\]/);
      expectError(() => torch.ones([2, 3]).mm(torch.ones([2, 3])), /cannot be multiplied/);
    });
  });
  test("elementwise broadcasting", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2, 3]).add(torch.ones([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
    });
  });
  test("reshape to an incompatible shape", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2, 3]).reshape(4, 2), /shape '\[4, 2\]' is invalid for input of size 6/);
    });
  });
  test("conv2d weight channels", () => {
    torch.scope(() => {
      expectError(() => F.conv2d(torch.ones([1, 3, 5, 5]), torch.ones([4, 2, 3, 3])), /expected input\[1, 3, 5, 5\] to have 2 channels/);
    });
  });
});

describe("wrong dtype", () => {
  test("crossEntropy with float targets of shape [N] for logits [N,C]", () => {
    torch.scope(() => {
      const logits = torch.randn([4, 3]);
      const e = expectError(() => F.crossEntropy(logits, torch.randn([4])), /crossEntropy/, /int64/, /float32/, /shape \[4\]/);
      assert.match(e.message, /class-probability targets/);
      // the tch-style method says the same
      expectError(() => logits.crossEntropyForLogits(torch.tensor([0.5, 1, 2, 0.25])), /crossEntropyForLogits/, /int64/);
      // and the right targets work
      assert.equal(F.crossEntropy(logits, torch.tensor([0n, 1n, 2n, 0n])).shape.length, 0);
    });
  });
  test("nllLoss with int32 or float targets", () => {
    torch.scope(() => {
      const lp = torch.randn([4, 3]).logSoftmax(1);
      expectError(() => F.nllLoss(lp, torch.tensor([0, 1, 2, 0], { dtype: "int32" })), /nllLoss/, /int32/, /must be int64/);
      expectError(() => F.nllLoss(lp, torch.randn([4])), /nllLoss/, /float32/);
    });
  });
  test("crossEntropy class index out of range", () => {
    torch.scope(() => {
      expectError(() => F.crossEntropy(torch.randn([4, 3]), torch.tensor([0n, 1n, 5n, 0n])), /Target 5 is out of bounds/);
    });
  });
  test("requiresGrad on an integer tensor", () => {
    torch.scope(() => {
      expectError(() => torch.tensor([1n, 2n]).requiresGrad_(), /floating point and complex dtype can require gradients/);
      expectError(() => torch.tensor([1, 2], { dtype: "int64", requiresGrad: true }), /floating point/);
    });
  });
  test("unknown dtype name", () => {
    torch.scope(() => {
      expectError(() => torch.zeros([2], { dtype: "float128" as torch.DType }), /unknown dtype 'float128'/);
    });
  });
});

describe("index out of range", () => {
  test("select", () => {
    torch.scope(() => {
      const x = torch.ones([2, 3]);
      expectError(() => x.select(0, 5), /index 5 out of range/, /size \[2, 3\]/, /dimension 0/);
      expectError(() => x.get(-3), /index -3 out of range/);
      expectError(() => x.select(2, 0), /[Dd]imension out of range/);
    });
  });
  test("indexSelect", () => {
    torch.scope(() => {
      const x = torch.ones([2, 3]);
      expectError(() => x.indexSelect(0, torch.tensor([0n, 7n])), /index out of range/);
      expectError(() => x.indexSelect(1, torch.tensor([0.5])), /index_select\(\)/, /int32 or int64/);
    });
  });
  test("gather", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2, 3]).gather(1, torch.tensor([[0n, 7n], [1n, 1n]])), /index 7 is out of bounds for dimension 1 with size 3/);
    });
  });
  test("advanced index and narrow", () => {
    torch.scope(() => {
      const x = torch.ones([2, 3]);
      expectError(() => x.index([torch.tensor([0n, 9n])]), /index 9 is out of bounds for dimension 0 with size 2/);
      expectError(() => x.narrow(1, 2, 3), /start \(2\) \+ length \(3\) exceeds dimension size \(3\)/);
      expectError(() => x.size(5), /dimension 5 out of range for a 2-d tensor/);
    });
  });
});

describe("use after dispose", () => {
  test("any use of a disposed tensor throws; dispose twice is fine", () => {
    const t = torch.ones([2, 2]);
    t.dispose();
    t.dispose(); // no-op
    assert.equal(t.isDisposed, true);
    expectError(() => t.add(1), /Tensor used after dispose\(\)/);
    expectError(() => t.shape, /used after dispose/);
    expectError(() => t.toArray(), /used after dispose/);
    expectError(() => t.item(), /used after dispose/);
    expectError(() => t.grad, /used after dispose/);
    expectError(() => t.backward(), /used after dispose/);
    assert.equal(String(t), "Tensor(disposed)");
  });
  test("a disposed tensor as an argument names the argument", () => {
    torch.scope(() => {
      const a = torch.ones([2]);
      const b = torch.ones([2]);
      b.dispose();
      expectError(() => a.add(b), /used after dispose\(\) \(other\)/);
      expectError(() => torch.cat([a, b]), /used after dispose\(\) \(tensors\)/);
      expectError(() => torch.ops.aten.mul(a, b), /used after dispose/);
      assert.deepEqual(a.add(1).toArray(), [2, 2]); // the live one is unaffected
    });
  });
  test("using-declared and scoped tensors are disposed, disposing again is fine", () => {
    let leaked: torch.Tensor;
    {
      using t = torch.ones([3]);
      leaked = t;
      assert.equal(t.isDisposed, false);
    }
    assert.equal(leaked.isDisposed, true);
    leaked.dispose();
    expectError(() => leaked.sum(), /used after dispose/);
  });
});

describe("devices", () => {
  const hasCuda = torch.cuda.isAvailable();
  test("CUDA requested on a machine without CUDA", { skip: hasCuda ? "this machine has CUDA" : undefined }, () => {
    expectError(() => torch.zeros([2], { device: "cuda" }), /device 'cuda' requested but CUDA is not available/);
    const t = torch.zeros([2]);
    expectError(() => t.to("cuda"), /CUDA is not available/);
    expectError(() => t.to({ device: "cuda:0", dtype: "float64" }), /'cuda:0' requested but CUDA is not available/);
    expectError(() => t.cuda(), /CUDA is not available/);
    expectError(() => torch.tensor([1, 2], { device: "cuda" }), /CUDA is not available/);
    expectError(() => torch.randn([2], { device: "cuda:1" }), /CUDA is not available/);
    assert.deepEqual(t.add(1).toArray(), [1, 1]);
    t.dispose();
  });
  test("a CUDA index beyond the devices there are", { skip: hasCuda ? undefined : "no CUDA here" }, () => {
    expectError(() => torch.zeros([2], { device: `cuda:${torch.cuda.deviceCount()}` }), /only \d+ CUDA device\(s\) exist/);
  });
  test("invalid device strings", () => {
    expectError(() => torch.zeros([2], { device: "tpu" }), /unknown device 'tpu'/, /'cpu', 'cuda' or 'cuda:N'/);
    expectError(() => torch.ones([2], { device: "cuda:x" }), /unknown device 'cuda:x'/);
    const t = torch.zeros([2]);
    expectError(() => t.to("gpu0"), /to\('gpu0'\): neither a dtype .* nor a device/);
    expectError(() => t.to("float128"), /to\('float128'\): neither a dtype/);
    expectError(() => torch.Device.parse(""), /unknown device ''/);
    t.dispose();
  });
});

describe("torch.tensor data", () => {
  test("ragged nested arrays", () => {
    expectError(() => torch.tensor([[1, 2], [3]]), /ragged nested array/, /expected length 2 at depth 1, got 1/);
    expectError(() => torch.tensor([[1, 2], 3] as never), /ragged nested array/);
    expectError(() => torch.tensor([1, [2, 3]] as never), /ragged nested array \(an array where a number was expected\)/);
    expectError(() => torch.tensor([[[1], [2]], [[3], [4, 5]]]), /expected length 1 at depth 2, got 2/);
    expectError(() => torch.tensor([[], [1]]), /expected length 0 at depth 1, got 1/);
  });
  test("non-numeric data", () => {
    expectError(() => torch.tensor(["a"] as never), /must hold numbers, bigints or booleans, found string/);
    expectError(() => torch.tensor([1, null] as never), /must hold numbers, bigints or booleans, found null/);
  });
  test("cyclic and too deeply nested arrays", () => {
    const a: unknown[] = [];
    a.push(a);
    expectError(() => torch.tensor(a as never), /contains itself \(a cycle\)/);
    const b: unknown[] = [1];
    const c: unknown[] = [[1], b];
    b[0] = c; // the cycle is not on the first-element path
    expectError(() => torch.tensor(c as never), /ragged nested array/);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expectError(() => torch.tensor(deep as never), /nested deeper than 64 levels/);
  });
  test("bigints outside int64 and fractions for an integer dtype", () => {
    expectError(() => torch.tensor([2n ** 63n]), /element 0 \(9223372036854775808\) is outside int64's range/);
    expectError(() => torch.tensor([1, NaN], { dtype: "int64" }), /element 1 \(NaN\) cannot be stored in an integer dtype/);
  });
  test("fromTypedArray with a shape that does not match the data", () => {
    expectError(() => torch.fromTypedArray(new Float32Array(5), [2, 3]), /20 bytes but shape and dtype need 24/);
  });
});

describe("autograd and values", () => {
  test("item() of a tensor with several elements", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2, 3]).item(), /item\(\) needs a tensor with one element, this one has 6/);
    });
  });
  test("backward() of a non-scalar without a gradient, and of a tensor without grad", () => {
    torch.scope(() => {
      const x = torch.ones([2, 3], { requiresGrad: true });
      expectError(() => x.mul(2).backward(), /needs a scalar/, /\[2, 3\]/);
      expectError(() => torch.ones([2]).sum().backward(), /does not require grad/);
      // a second backward through a freed graph
      const y = x.mul(x).sum();
      y.backward();
      expectError(() => y.backward(), /backward through the graph a second time/);
    });
  });
  test("scalar argument of the wrong type", () => {
    torch.scope(() => {
      expectError(() => torch.ones([2]).add("1" as never), /add|Scalar|number/);
      expectError(() => torch.ones([2]).reshape(1.5 as never), /expected an integer/);
    });
  });
});
