// CUDA graphs: PyTorch's torch.cuda.CUDAGraph. A capture records the kernels that a function
// launches (forward, backward and optimiser step of a training step, say) without running them;
// replay() launches them all again at once, on the same memory. Tensors made during the capture
// are "static": each replay rewrites them in place, and new inputs go in by copy_() into the tensors
// the capture read.
//
//   torch.cuda.warmup(() => { for (let i = 0; i < 3; i++) step(); }); // lazy init, optimiser state
//   const g = new torch.cuda.CUDAGraph();
//   const loss = g.capture(() => step());  // step() returns the loss; nothing may call item() inside
//   for (...) { g.replay(); }              // loss holds each replay's value
//
// Rules (as in PyTorch): no host synchronisation inside the capture (item(), printing a tensor,
// CPU copies), same shapes every replay, and an optimiser that keeps its step count on the device
// (optim.Adam with `capturable: true`).
import { native } from "./native.js";
import { keep, scope } from "./scope.js";

function graphsAvailable(): boolean {
  return typeof native.cudaGraphCreate === "function";
}

function need(): void {
  if (!graphsAvailable()) {
    throw new Error(
      "tstorch: CUDA graphs are not available: the addon was built without CUDA (or without CUDA's headers); " +
        "rebuild it against a CUDA PyTorch with CUDA_HOME set",
    );
  }
}

/** Runs `fn` on a side stream and waits for it (warm-up before a capture, as PyTorch's docs ask). */
export function warmup<T>(fn: () => T): T {
  need();
  native.cudaSideStreamBegin!();
  try {
    return fn();
  } finally {
    native.cudaSideStreamEnd!();
  }
}

export class CUDAGraph {
  private handle: unknown = null;

  constructor() {
    need();
    this.handle = native.cudaGraphCreate!();
  }

  /**
   * Captures the kernels `fn` launches. Its return value (tensors, arrays or objects of them) is
   * kept and returned: the static outputs that each replay() refreshes. Other tensors made inside
   * are freed (their memory stays in the graph's private pool). Like any returned tensor, the
   * outputs belong to the enclosing scope: persist() them to use them beyond it.
   */
  capture<T>(fn: () => T): T {
    native.cudaSideStreamBegin!();
    try {
      native.cudaGraphCaptureBegin!(this.handle);
      let out: T;
      try {
        out = scope(() => keep(fn()));
      } catch (e) {
        try {
          native.cudaGraphCaptureEnd!(this.handle); // ends the broken capture; the first error is the one to report
        } catch {
          /* secondary */
        }
        throw e;
      }
      native.cudaGraphCaptureEnd!(this.handle);
      return out;
    } finally {
      native.cudaSideStreamEnd!();
    }
  }

  /** Launches the captured kernels (asynchronously; item() or cuda.synchronize() waits). */
  replay(): void {
    native.cudaGraphReplay!(this.handle);
  }

  /** Frees the captured graph and its memory pool; the object can capture again. */
  reset(): void {
    native.cudaGraphReset!(this.handle);
  }
}

export { graphsAvailable };
