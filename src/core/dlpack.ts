// DLPack exchange (torch.to_dlpack / torch.from_dlpack), through libtorch's converters: a capsule
// shares the tensor's memory and can be consumed once by fromDlpack (or by another Node addon that
// takes a DLManagedTensor).
import { stateNative, type DLPackCapsule } from "./state-native.js";
import { Tensor, wrap } from "./tensor.js";

export type { DLPackCapsule };

export function toDlpack(t: Tensor): DLPackCapsule {
  if (!(t instanceof Tensor)) throw new Error("tstorch: toDlpack expects a Tensor");
  return stateNative.toDlpack(t._h);
}
/** A tensor over the capsule's memory (no copy); a Tensor passes through, as in PyTorch. */
export function fromDlpack(ext: DLPackCapsule | Tensor): Tensor {
  if (ext instanceof Tensor) return wrap(stateNative.fromDlpack(stateNative.toDlpack(ext._h)));
  return wrap(stateNative.fromDlpack(ext));
}
