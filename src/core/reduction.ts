// The reduction codes and the class-target check that losses share (core/functional.ts, nn/loss*.ts,
// nn/tensor-losses.ts): below nn, so core's functional losses can use them too.
import { Tensor } from "./tensor.js";
import { sameShape, shapeString } from "./shape.js";

export type Reduction = "mean" | "sum" | "none";
export function reductionCode(r: Reduction): number {
  switch (r) {
    case "none": return 0;
    case "mean": return 1;
    case "sum": return 2;
  }
  throw new Error(`tstorch: unknown reduction '${r}' (expected 'mean', 'sum' or 'none')`);
}

/**
 * @internal Losses over classes take int64 class indices (or, where `probabilities` allows, float
 * class probabilities of the input's shape). libtorch alone only says "expected scalar type Long
 * but found Float": say what is wrong with the target and how to fix it.
 */
export function checkClassTargets(fn: string, input: Tensor, target: Tensor, probabilities: boolean): void {
  if (!(target instanceof Tensor)) {
    throw new Error(`tstorch: ${fn}: the target must be a Tensor of class indices (int64)${probabilities ? " or class probabilities" : ""}, got ${target === undefined ? "nothing" : typeof target}`);
  }
  const dt = target.dtype;
  if (dt === "int64") return;
  const floating = dt === "float32" || dt === "float64" || dt === "float16" || dt === "bfloat16";
  const ts = target.shape;
  const is = input.shape;
  if (probabilities && floating && sameShape(ts, is)) return;
  throw new Error(
    `tstorch: ${fn}: target has dtype ${dt} and shape ${shapeString(ts)} for input of shape ${shapeString(is)}; ` +
      `class-index targets must be int64 (use target.long())` +
      (probabilities ? `, class-probability targets must be floating point with the input's shape` : ""),
  );
}
