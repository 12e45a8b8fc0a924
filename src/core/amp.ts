// Automatic mixed precision: PyTorch's `with torch.autocast(device_type="cuda", dtype=torch.bfloat16):`.
//
//   const loss = torch.autocast({ deviceType: "cuda", dtype: "bfloat16" }, () =>
//     model.forward(x).crossEntropyForLogits(y));
//   loss.backward(); // outside the region, as PyTorch recommends
//
// Inside the region libtorch runs convolutions and matrix products in the lower precision and keeps
// losses, softmax and reductions in float32 (libtorch's own op lists, the same as PyTorch's).
import { dtypeCode } from "./dtype.js";
import { native } from "./native.js";

export interface AutocastOptions {
  /** "cuda" (default) or "cpu". */
  deviceType?: "cuda" | "cpu";
  /** default: float16 on CUDA, bfloat16 on the CPU (PyTorch's defaults) */
  dtype?: "float16" | "bfloat16" | "float32";
  /** false runs `fn` with autocast off (to leave a region for a part of the model). Default true. */
  enabled?: boolean;
}

/** Runs `fn` under autocast and restores the previous state after it, also when it throws. */
export function autocast<T>(opts: AutocastOptions, fn: () => T): T {
  const deviceType = opts.deviceType ?? "cuda";
  const dtype = opts.dtype ?? (deviceType === "cuda" ? "float16" : "bfloat16");
  const [prevOn, prevDtype] = native.autocastEnter(deviceType, opts.enabled ?? true, dtypeCode(dtype));
  try {
    return fn();
  } finally {
    native.autocastExit(deviceType, prevOn, prevDtype);
  }
}
