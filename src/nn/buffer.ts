// nn.Buffer (PyTorch 2.5+): a tensor marked as module state that is not trained. Assigning one to a
// module field registers it as a buffer under the field's name (with its `persistent` flag), as
// assigning an nn.Parameter registers a parameter; a plain tensor field stays a plain attribute.
import { DEAD } from "../core/handle-pool.js";
import type { Handle } from "../core/native.js";
import { empty } from "../core/creation.js";
import { persist } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";

export interface BufferOptions {
  /** Whether the buffer is part of the module's stateDict (default true). */
  persistent?: boolean;
}

/** Takes the native handle of a fresh detached alias of `data` (the alias' JS wrapper is emptied). */
function aliasHandle(data: Tensor): Handle {
  if (!(data instanceof Tensor)) throw new Error(`tstorch: nn.Buffer expects a Tensor, got ${data === null ? "null" : typeof data}`);
  const alias = data.detach();
  const h = alias._h;
  alias._h = DEAD;
  return h;
}

export class Buffer extends Tensor {
  /** Whether a module that registers this buffer puts it in its stateDict. */
  readonly persistent: boolean;
  /**
   * A detached alias of `data` (an empty tensor when omitted), keeping `data`'s requiresGrad, as
   * PyTorch's Buffer(data, persistent=...) does. It outlives every torch.scope: its module's
   * dispose() frees it.
   */
  constructor(data?: Tensor, opts: BufferOptions = {}) {
    const src = data ?? empty(0);
    super(aliasHandle(src));
    if (src.requiresGrad) this.requiresGrad_(true);
    if (data === undefined) src.dispose();
    this.persistent = opts.persistent ?? true;
    persist(this);
  }
}
