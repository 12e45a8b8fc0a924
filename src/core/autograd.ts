// Grad mode: noGrad(fn), and the `using` form (`using _ = torch.noGradGuard()`).
import { native } from "./native.js";

/** Runs `fn` with gradient recording off (PyTorch's `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` with gradient recording on (inside a noGrad region). */
export function enableGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** `using _ = noGradGuard();` turns gradient recording off until the end of the block (tch's no_grad_guard). */
export function noGradGuard(): Disposable {
  const prev = native.setGradEnabled(false);
  return {
    [Symbol.dispose]() {
      native.setGradEnabled(prev);
    },
  };
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
export function setGradEnabled(enabled: boolean): void {
  native.setGradEnabled(enabled);
}
