// F.grouped_mm (PyTorch 2.8+): the grouped matrix multiply of Mixture-of-Experts layers, over
// aten::_grouped_mm where the linked libtorch has it (an error naming the missing operator elsewhere).
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import type { Tensor } from "../core/tensor.js";

// only in newer libtorch: looked up untyped (the typed surface is generated from the linked one)
const untyped = ops.aten as unknown as Record<string, (...a: unknown[]) => Tensor>;

export interface GroupedMmOptions {
  /** Cumulative group ends along the jagged dimension (int32). */
  offs?: Tensor | null;
  bias?: Tensor | null;
  outDtype?: DType | null;
}

/** F.grouped_mm(matA, matB, { offs, bias, outDtype }). */
export function groupedMm(matA: Tensor, matB: Tensor, o: GroupedMmOptions = {}): Tensor {
  if (!("_grouped_mm" in untyped)) throw new Error("tstorch: groupedMm needs aten::_grouped_mm, which the linked libtorch lacks (PyTorch 2.8 or newer has it)");
  return untyped._grouped_mm(matA, matB, o.offs ?? null, o.bias ?? null, o.outDtype ?? null);
}
