// nn.Parameter: a tensor that a module owns as a trainable weight. Assigning one to a module field
// registers it under the field's name (PyTorch's Module.__setattr__), where a plain tensor field,
// even one that requires grad, stays a plain attribute.
import { DEAD } from "../core/handle-pool.js";
import type { Handle } from "../core/native.js";
import { persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";

/** Takes the native handle of a fresh detached alias of `data` (the alias' JS wrapper is emptied). */
function aliasHandle(data: Tensor): Handle {
  if (!(data instanceof Tensor)) throw new Error(`tstorch: nn.Parameter expects a Tensor, got ${typeof data}`);
  const alias = data.detach();
  const h = alias._h;
  alias._h = DEAD;
  return h;
}

export class Parameter extends Tensor {
  /**
   * A new leaf sharing `data`'s storage (PyTorch's Parameter(data)), requiring grad unless told
   * otherwise. It outlives every torch.scope: its module's dispose() frees it.
   */
  constructor(data: Tensor, requiresGrad = true) {
    super(aliasHandle(data));
    if (requiresGrad) this.requiresGrad_(true);
    persist(this);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
