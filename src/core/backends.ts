// torch.backends: process-wide switches of libtorch's GPU libraries, as PyTorch spells them
// (camelCased): `torch.backends.cudnn.benchmark = true`, `torch.backends.cuda.matmul.allowTf32 = true`.
// Without CUDA they can be set and read but change nothing.
import { native } from "./native.js";

function flag(name: string) {
  return {
    get: (): boolean => native.getBackendFlag(name),
    set: (v: boolean): void => {
      if (typeof v !== "boolean") throw new Error(`tstorch: torch.backends ${name} takes a boolean, got ${String(v)}`);
      native.setBackendFlag(name, v);
    },
    enumerable: true,
  };
}

export interface CudnnBackend {
  /** cuDNN times its algorithms on the first call with each shape and keeps the fastest (default false). */
  benchmark: boolean;
  /** TF32 tensor cores for float32 convolutions (default true, as in PyTorch). */
  allowTf32: boolean;
}
export interface CudaBackend {
  matmul: {
    /** TF32 tensor cores for float32 matrix products (default false, as in PyTorch). */
    allowTf32: boolean;
  };
}

export const cudnn: CudnnBackend = Object.defineProperties({} as CudnnBackend, {
  benchmark: flag("cudnn.benchmark"),
  allowTf32: flag("cudnn.allow_tf32"),
});

export const cuda: CudaBackend = {
  matmul: Object.defineProperties({} as CudaBackend["matmul"], { allowTf32: flag("cuda.matmul.allow_tf32") }),
};
