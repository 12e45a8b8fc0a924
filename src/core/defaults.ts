// The default floating-point dtype (torch.set_default_dtype / get_default_dtype): libtorch's own
// process-wide setting, which its factories (zeros, ones, rand, arange over floats, ...) and
// torch.tensor over plain numbers follow.
import { DType, dtypeCode, dtypeName } from "./dtype.js";
import { stateNative } from "./state-native.js";

/** Sets the dtype of floating-point tensors made without a dtype: "float32" (the start), "float64", "float16", "bfloat16". */
export function setDefaultDtype(d: DType): void {
  stateNative.setDefaultDtype(dtypeCode(d));
}
export function getDefaultDtype(): DType {
  return dtypeName(stateNative.getDefaultDtype());
}
