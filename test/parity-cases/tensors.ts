// PyTorch parity cases: binary ops (broadcasting and promotion); joining, shape and indexing (run by test/parity.test.ts).
import * as torch from "../../src/index.js";
import type { ParityCase } from "../helpers/parity.js";
import { F, s, pos } from "./common.js";

export const tensorsCases: ParityCase[] = [
  // ------------------------------------------------------------ binary: broadcasting and promotion
  {
    op: "add", name: "broadcast [3,1,4] + [2,4] with alpha 2",
    inputs: { a: { shape: [3, 1, 4] }, b: { shape: [2, 4] } },
    ts: ({ a, b }) => a.add(b, 2),
    py: "torch.add(a, b, alpha=2)",
  },
  {
    op: "add", name: "float scalar; float32 + float64 tensor promotes to float64",
    inputs: { a: { shape: [2, 3] }, b: { shape: [3], dtype: "float64" } },
    ts: ({ a, b }) => [a.add(0.5), a.add(b)],
    py: "(a + 0.5, a + b)",
  },
  {
    op: "add", name: "int64 tensor + float32 tensor -> float32; int32 + int64 -> int64",
    inputs: {
      n: { shape: [2, 3], dist: { int: [-4, 4] } },
      x: { shape: [3] },
      i: { shape: [3], dist: { int: [0, 9] }, dtype: "int32" },
    },
    ts: ({ n, x, i }) => [n.add(x), i.add(n)],
    py: "(n + x, i + n)",
  },
  {
    op: "sub", name: "broadcast [4,1] - [3]; rsub 1 - x",
    inputs: { a: { shape: [4, 1] }, b: { shape: [3] } },
    ts: ({ a, b }) => [a.sub(b), b.rsub(1)],
    py: "(a - b, 1 - b)",
  },
  {
    op: "mul", name: "broadcast [2,3,1] * [1,4]",
    inputs: { a: { shape: [2, 3, 1] }, b: { shape: [1, 4] } },
    ts: ({ a, b }) => a.mul(b),
    py: "a * b",
  },
  {
    op: "mul", name: "int64 tensor * 2.5 -> float32; * 2 stays int64; * scalar(2) -> float32",
    inputs: { n: { shape: [2, 3], dist: { int: [-5, 5] } } },
    ts: ({ n }) => [n.mul(2.5), n.mul(2), n.mul(s(2))],
    py: "(n * 2.5, n * 2, n * 2.0)",
  },
  {
    op: "mul", name: "bool mask * float tensor",
    inputs: { m: { shape: [3, 4], dist: "bool" }, x: { shape: [3, 4] } },
    ts: ({ m, x }) => m.mul(x),
    py: "m * x",
  },
  {
    op: "div", name: "broadcast [3,4] / [4]; int64 / int64 -> float32",
    inputs: {
      a: { shape: [3, 4] },
      b: { shape: [4], dist: { uniform: [0.5, 2] } },
      n: { shape: [5], dist: { int: [-9, 9] } },
      d: { shape: [5], dist: { int: [1, 4] } },
    },
    ts: ({ a, b, n, d }) => [a.div(b), n.div(d)],
    py: "(a / b, n / d)",
  },
  {
    op: "div", name: "rounding modes floor and trunc",
    inputs: { a: { shape: [3, 4], dist: { uniform: [-5, 5] } }, b: { shape: [4], dist: { uniform: [0.5, 2] } } },
    ts: ({ a, b }) => [a.div(b, "floor"), a.div(b, "trunc"), a.div(2, "floor")],
    py: "(torch.div(a, b, rounding_mode='floor'), torch.div(a, b, rounding_mode='trunc'), torch.div(a, 2, rounding_mode='floor'))",
  },
  {
    op: "pow", name: "tensor ** tensor with broadcasting",
    inputs: { a: { shape: [3, 4], dist: pos }, b: { shape: [4] } },
    ts: ({ a, b }) => a.pow(b),
    py: "a ** b",
  },
  {
    op: "pow", name: "** 3 and ** 2.5; int64 ** 2 stays int64",
    inputs: { a: { shape: [3, 4], dist: pos }, n: { shape: [4], dist: { int: [-5, 5] } } },
    ts: ({ a, n }) => [a.pow(3), a.pow(2.5), n.pow(2)],
    py: "(a ** 3, a ** 2.5, n ** 2)",
  },
  {
    op: "maximum", name: "broadcast [3,1] vs [4]",
    inputs: { a: { shape: [3, 1] }, b: { shape: [4] } },
    ts: ({ a, b }) => a.maximum(b),
    py: "torch.maximum(a, b)",
  },
  {
    op: "minimum", name: "same shape",
    inputs: { a: { shape: [3, 4] }, b: { shape: [3, 4] } },
    ts: ({ a, b }) => a.minimum(b),
    py: "torch.minimum(a, b)",
  },
  {
    op: "remainder", name: "tensor and scalar",
    inputs: { a: { shape: [3, 4], dist: { uniform: [-5, 5] } }, b: { shape: [4], dist: { uniform: [0.5, 2] } } },
    ts: ({ a, b }) => [a.remainder(b), a.remainder(1.5)],
    py: "(torch.remainder(a, b), torch.remainder(a, 1.5))",
  },
  {
    op: "where", name: "bool condition broadcast over [2,3,4]",
    inputs: { c: { shape: [3, 4], dist: "bool" }, a: { shape: [2, 3, 4] }, b: { shape: [4] } },
    ts: ({ c, a, b }) => torch.where(c, a, b),
    py: "torch.where(c, a, b)",
  },
  {
    op: "where", name: "Tensor.where method with a comparison mask",
    inputs: { a: { shape: [3, 4] }, b: { shape: [3, 4] } },
    ts: ({ a, b }) => a.where(a.gt(b), b),
    py: "torch.where(a > b, a, b)",
  },
  {
    op: "clamp", name: "min and max",
    inputs: { x: { shape: [4, 5] } },
    ts: ({ x }) => x.clamp(-0.5, 0.5),
    py: "x.clamp(-0.5, 0.5)",
  },
  {
    op: "clamp", name: "min only, max only",
    inputs: { x: { shape: [4, 5] } },
    ts: ({ x }) => [x.clamp(0), x.clamp(null, 0.25)],
    py: "(x.clamp(min=0), x.clamp(max=0.25))",
  },
  {
    op: "comparison", name: "eq/ne/lt/le/gt/ge against a tensor and a scalar",
    inputs: { a: { shape: [3, 4], dist: { int: [0, 3] } }, b: { shape: [4], dist: { int: [0, 3] } } },
    ts: ({ a, b }) => [a.eq(b), a.ne(1), a.lt(b), a.le(1), a.gt(b), a.ge(1.5)],
    py: "(a == b, a != 1, a < b, a <= 1, a > b, a >= 1.5)",
  },
  {
    op: "maskedFill", name: "float fill under a bool mask",
    inputs: { x: { shape: [3, 4] }, m: { shape: [4], dist: "bool" } },
    ts: ({ x, m }) => x.maskedFill(m, -1.5),
    py: "x.masked_fill(m, -1.5)",
  },

  // ------------------------------------------------------------ joining, shape and indexing
  {
    op: "cat", name: "dim 1 of [2,3] and [2,5]; dim 0 of three",
    inputs: { a: { shape: [2, 3] }, b: { shape: [2, 5] }, c: { shape: [1, 3] } },
    ts: ({ a, b, c }) => [torch.cat([a, b], 1), torch.cat([a, c, a], 0)],
    py: "(torch.cat([a, b], 1), torch.cat([a, c, a], 0))",
  },
  {
    op: "stack", name: "dim 0 and dim -1",
    inputs: { a: { shape: [2, 3] }, b: { shape: [2, 3] } },
    ts: ({ a, b }) => [torch.stack([a, b]), torch.stack([a, b, a], -1)],
    py: "(torch.stack([a, b]), torch.stack([a, b, a], -1))",
  },
  {
    op: "reshape", name: "[2,3,4] -> [4,-1] and a list argument",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => [x.reshape(4, -1), x.reshape([6, 4])],
    py: "(x.reshape(4, -1), x.reshape([6, 4]))",
  },
  {
    op: "view", name: "[2,3,4] -> [3,8]",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => x.view(3, 8),
    py: "x.view(3, 8)",
  },
  {
    op: "permute", name: "[2,0,1]",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => x.permute(2, 0, 1),
    py: "x.permute(2, 0, 1)",
  },
  {
    op: "transpose", name: "dims 0 and 2",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => x.transpose(0, 2),
    py: "x.transpose(0, 2)",
  },
  {
    op: "flatten", name: "all dims; from dim 1",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => [x.flatten(), x.flatten(1)],
    py: "(x.flatten(), x.flatten(1))",
  },
  {
    op: "squeeze", name: "all size-1 dims; one dim",
    inputs: { x: { shape: [1, 3, 1, 4] } },
    ts: ({ x }) => [x.squeeze(), x.squeeze(2)],
    py: "(x.squeeze(), x.squeeze(2))",
  },
  {
    op: "unsqueeze", name: "dims 1 and -1",
    inputs: { x: { shape: [3, 4] } },
    ts: ({ x }) => [x.unsqueeze(1), x.unsqueeze(-1)],
    py: "(x.unsqueeze(1), x.unsqueeze(-1))",
  },
  {
    op: "narrow", name: "dim 1, start 1, length 2",
    inputs: { x: { shape: [3, 5] } },
    ts: ({ x }) => x.narrow(1, 1, 2),
    py: "x.narrow(1, 1, 2)",
  },
  {
    op: "slice", name: "x[:, 1:5:2], x[-2:], x[:, :-1]",
    inputs: { x: { shape: [4, 6] } },
    ts: ({ x }) => [x.slice(1, 1, 5, 2), x.slice(0, -2), x.slice(1, null, -1)],
    py: "(x[:, 1:5:2], x[-2:], x[:, :-1])",
  },
  {
    op: "select", name: "dim 1 index -1; get(0)",
    inputs: { x: { shape: [3, 4] } },
    ts: ({ x }) => [x.select(1, -1), x.get(0)],
    py: "(x[:, -1], x[0])",
  },
  {
    op: "indexSelect", name: "dim 1 with repeated indices",
    inputs: { x: { shape: [3, 5] }, i: { shape: [4], dist: { values: [4, 0, 4, 2] }, dtype: "int64" } },
    ts: ({ x, i }) => x.indexSelect(1, i),
    py: "x.index_select(1, i)",
  },
  {
    op: "gather", name: "dim 1",
    inputs: { x: { shape: [3, 5] }, i: { shape: [3, 4], dist: { int: [0, 5] } } },
    ts: ({ x, i }) => x.gather(1, i),
    py: "x.gather(1, i)",
  },
  {
    op: "index", name: "x[i] , x[:, j] and x[i, j] with index tensors",
    inputs: {
      x: { shape: [4, 5] },
      i: { shape: [3], dist: { values: [3, 0, 3] }, dtype: "int64" },
      j: { shape: [3], dist: { values: [1, 4, 2] }, dtype: "int64" },
    },
    ts: ({ x, i, j }) => [x.index([i]), x.index([null, j]), x.index([i, j])],
    py: "(x[i], x[:, j], x[i, j])",
  },
  {
    op: "index", name: "bool mask",
    inputs: { x: { shape: [3, 4] }, m: { shape: [3, 4], dist: "bool" } },
    ts: ({ x, m }) => x.index([m]),
    py: "x[m]",
  },
  {
    op: "expand", name: "[3,1] -> [2,3,4]",
    inputs: { x: { shape: [3, 1] } },
    ts: ({ x }) => x.expand(2, 3, 4),
    py: "x.expand(2, 3, 4)",
  },
  {
    op: "repeat", name: "[2,3] repeated [2,1,2]",
    inputs: { x: { shape: [2, 3] } },
    ts: ({ x }) => x.repeat(2, 1, 2),
    py: "x.repeat(2, 1, 2)",
  },
  {
    op: "flip", name: "dims [0,1]",
    inputs: { x: { shape: [3, 4] } },
    ts: ({ x }) => x.flip([0, 1]),
    py: "x.flip([0, 1])",
  },
  {
    op: "pad", name: "constant padding of the last two dims",
    inputs: { x: { shape: [2, 3, 4] } },
    ts: ({ x }) => x.pad([1, 2, 0, 1], 0.5),
    py: "F.pad(x, (1, 2, 0, 1), value=0.5)",
  },
  {
    op: "split", name: "split sizes 2 and [1,3]; chunk 2; unbind",
    inputs: { x: { shape: [4, 3] } },
    ts: ({ x }) => [...x.split(2), ...x.split([1, 3]), ...x.chunk(2, 1), ...x.unbind(1)],
    py: "(*x.split(2), *x.split([1, 3]), *x.chunk(2, 1), *x.unbind(1))",
  },
  {
    op: "oneHot", name: "5 classes",
    inputs: { t: { shape: [6], dist: { int: [0, 5] } } },
    ts: ({ t }) => t.oneHot(5),
    py: "F.one_hot(t, 5)",
  },
  {
    op: "to", name: "float32 -> float64 keeps the graph; float -> int64 truncates",
    inputs: { x: { shape: [3, 4], dist: { uniform: [-5, 5] } } },
    ts: ({ x }) => [x.to("float64").mul(2), x.to("int64")],
    py: "(x.to(torch.float64) * 2, x.to(torch.int64))",
  },
];
