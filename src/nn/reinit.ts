// Re-initialising a whole model with one scheme, module by module in modules() order (what the
// reference script's tch_init_ does after PyTorch built the model).
import { ConvBase } from "./conv.js";
import type { InitScheme } from "./init.js";
import { Linear } from "./linear.js";
import type { AnyModule } from "./module.js";

/**
 * Redraws every Linear and convolution (Conv1d/2d/3d, ConvTranspose1d/2d/3d) in `model` (pre-order, weight then bias) with
 * `scheme`. `reinit(model, "tch")` after `manualSeed(s)` and a default-initialised build equals
 * torch_reference.py's `build()` with `--init tch`.
 */
export function reinit<M extends AnyModule>(model: M, scheme: InitScheme): M {
  for (const m of model.modules()) {
    if (m instanceof Linear || m instanceof ConvBase) m.resetParameters(scheme);
  }
  return model;
}
