// PyTorch parity cases: linear algebra, reductions, elementwise unary (run by test/parity.test.ts).
import * as torch from "../../src/index.js";
import type { ParityCase } from "../helpers/parity.js";
import { F, pos, unary } from "./common.js";

export const mathCases: ParityCase[] = [
  // ------------------------------------------------------------ linear algebra
  {
    op: "matmul", name: "broadcast [2,1,3,4] @ [5,4,6]",
    inputs: { a: { shape: [2, 1, 3, 4] }, b: { shape: [5, 4, 6] } },
    ts: ({ a, b }) => a.matmul(b),
    py: "a @ b",
  },
  {
    op: "matmul", name: "vector @ matrix and matrix @ vector",
    inputs: { v: { shape: [4] }, m: { shape: [4, 3] }, u: { shape: [3] } },
    ts: ({ v, m, u }) => [v.matmul(m), m.matmul(u)],
    py: "(v @ m, m @ u)",
  },
  {
    op: "matmul", name: "batched [3,2,4] @ [4,5]",
    inputs: { a: { shape: [3, 2, 4] }, b: { shape: [4, 5] } },
    ts: ({ a, b }) => a.matmul(b),
    py: "torch.matmul(a, b)",
  },
  {
    op: "mm", name: "[3,4] @ [4,5]",
    inputs: { a: { shape: [3, 4] }, b: { shape: [4, 5] } },
    ts: ({ a, b }) => a.mm(b),
    py: "a.mm(b)",
  },
  {
    op: "bmm", name: "[3,4,5] @ [3,5,2]",
    inputs: { a: { shape: [3, 4, 5] }, b: { shape: [3, 5, 2] } },
    ts: ({ a, b }) => a.bmm(b),
    py: "torch.bmm(a, b)",
  },
  {
    op: "dot", name: "vectors",
    inputs: { a: { shape: [7] }, b: { shape: [7] } },
    ts: ({ a, b }) => a.dot(b),
    py: "a.dot(b)",
  },
  {
    op: "t", name: "2-d transpose",
    inputs: { a: { shape: [3, 5] } },
    ts: ({ a }) => a.t(),
    py: "a.t()",
  },

  // ------------------------------------------------------------ reductions
  {
    op: "sum", name: "all elements",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => x.sum(),
    py: "x.sum()",
  },
  {
    op: "sum", name: "dims [0,2], keepdim",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => x.sum([0, 2], true),
    py: "x.sum(dim=[0, 2], keepdim=True)",
  },
  {
    op: "sum", name: "int64 input stays int64; dtype float64 requested",
    inputs: { n: { shape: [3, 4], dist: { int: [-5, 5] } }, x: { shape: [3, 4] } },
    ts: ({ n, x }) => [n.sum(1), x.sum(-1, false, "float64")],
    py: "(n.sum(1), x.sum(-1, dtype=torch.float64))",
  },
  {
    op: "mean", name: "all and dim 1 keepdim",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => [x.mean(), x.mean(1, true)],
    py: "(x.mean(), x.mean(1, keepdim=True))",
  },
  {
    op: "prod", name: "dim 1",
    inputs: { x: { shape: [3, 4], dist: { uniform: [0.5, 1.5] } } },
    ts: ({ x }) => x.prod(1),
    py: "x.prod(1)",
  },
  {
    op: "max", name: "with dim: values and indices",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => {
      const { values, indices } = x.max(1);
      return [values, indices];
    },
    py: "tuple(x.max(1))",
  },
  {
    op: "max", name: "with dim -1 and keepdim; whole tensor",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => {
      const { values, indices } = x.max(-1, true);
      return [values, indices, x.max()];
    },
    py: "(*x.max(-1, keepdim=True), x.max())",
  },
  {
    op: "min", name: "with dim 0",
    inputs: { x: { shape: [3, 4] } },
    ts: ({ x }) => {
      const { values, indices } = x.min(0);
      return [values, indices];
    },
    py: "tuple(x.min(0))",
  },
  {
    op: "amax", name: "dims [1,2], keepdim",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => x.amax([1, 2], true),
    py: "x.amax(dim=(1, 2), keepdim=True)",
  },
  {
    op: "amin", name: "dim 0",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => x.amin(0),
    py: "x.amin(0)",
  },
  {
    op: "argmax", name: "dim 1 and whole tensor",
    inputs: { x: { shape: [4, 6] } },
    ts: ({ x }) => [x.argmax(1), x.argmax()],
    py: "(x.argmax(1), x.argmax())",
  },
  {
    op: "std", name: "all elements (unbiased)",
    inputs: { x: { shape: [4, 5] } },
    ts: ({ x }) => x.std(),
    py: "x.std()",
  },
  {
    op: "std", name: "dim 1; dims [0,2] with correction 0 and keepdim",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => [x.std(1), x.std([0, 2], { correction: 0, keepdim: true })],
    py: "(x.std(1), torch.std(x, dim=[0, 2], correction=0, keepdim=True))",
  },
  {
    op: "var", name: "dim 0 keepdim; all elements",
    inputs: { x: { shape: [5, 4] } },
    ts: ({ x }) => [x.var(0, { keepdim: true }), x.var()],
    py: "(x.var(0, keepdim=True), x.var())",
  },
  {
    op: "logsumexp", name: "dim 1; dims [0,2] keepdim",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => [x.logsumexp(1), x.logsumexp([0, 2], true)],
    py: "(x.logsumexp(1), x.logsumexp([0, 2], keepdim=True))",
  },
  {
    op: "norm", name: "Frobenius; p=1 dim 1; p=2 dims [1,2] keepdim",
    inputs: { x: { shape: [3, 4, 5] } },
    ts: ({ x }) => [x.norm(), x.norm(1, 1), x.norm(2, [1, 2], true)],
    py: "(x.norm(), x.norm(1, 1), x.norm(2, [1, 2], keepdim=True))",
  },
  {
    op: "cumsum", name: "float dim 1; int64 dim 0",
    inputs: { x: { shape: [3, 5] }, n: { shape: [4, 2], dist: { int: [-9, 9] } } },
    ts: ({ x, n }) => [x.cumsum(1), n.cumsum(0)],
    py: "(x.cumsum(1), n.cumsum(0))",
  },
  {
    op: "topk", name: "k 3 along dim 1",
    inputs: { x: { shape: [4, 6] } },
    ts: ({ x }) => {
      const { values, indices } = x.topk(3, 1);
      return [values, indices];
    },
    py: "tuple(x.topk(3, 1))",
  },
  {
    op: "sort", name: "descending along the last dim",
    inputs: { x: { shape: [3, 5] } },
    ts: ({ x }) => {
      const { values, indices } = x.sort(-1, true);
      return [values, indices];
    },
    py: "tuple(x.sort(-1, descending=True))",
  },

  // ------------------------------------------------------------ elementwise unary
  ...unary("exp", "randn", (x) => x.exp(), "x.exp()"),
  ...unary("log", pos, (x) => x.log(), "x.log()"),
  ...unary("log2", pos, (x) => x.log2(), "x.log2()"),
  ...unary("log1p", pos, (x) => x.log1p(), "x.log1p()"),
  ...unary("expm1", "randn", (x) => x.expm1(), "x.expm1()"),
  ...unary("sqrt", pos, (x) => x.sqrt(), "x.sqrt()"),
  ...unary("rsqrt", pos, (x) => x.rsqrt(), "x.rsqrt()"),
  ...unary("sin", "randn", (x) => x.sin(), "x.sin()"),
  ...unary("cos", "randn", (x) => x.cos(), "x.cos()"),
  ...unary("tanh", "randn", (x) => x.tanh(), "x.tanh()"),
  ...unary("sigmoid", "randn", (x) => x.sigmoid(), "x.sigmoid()"),
  ...unary("relu", "randn", (x) => F.relu(x), "F.relu(x)"),
  ...unary("gelu", "randn", (x) => F.gelu(x), "F.gelu(x)"),
  ...unary("gelu", "randn", (x) => F.gelu(x, "tanh"), "F.gelu(x, approximate='tanh')", "tanh approximation"),
  ...unary("silu", "randn", (x) => x.silu(), "F.silu(x)"),
  ...unary("leakyRelu", "randn", (x) => x.leakyRelu(0.2), "F.leaky_relu(x, 0.2)"),
  ...unary("erf", "randn", (x) => x.erf(), "x.erf()"),
  ...unary("abs", "randn", (x) => x.abs(), "x.abs()"),
  ...unary("neg", "randn", (x) => x.neg(), "x.neg()"),
  ...unary("reciprocal", pos, (x) => x.reciprocal(), "x.reciprocal()"),
  ...unary("square", "randn", (x) => x.square(), "x.square()"),
  ...unary("sign", "randn", (x) => x.sign(), "x.sign()"),
  ...unary("floor", { uniform: [-5, 5] }, (x) => x.floor(), "x.floor()"),
  ...unary("round", { uniform: [-5, 5] }, (x) => x.round(), "x.round()"),

];
