// The names a PyTorch checkpoint's pickle may use, and what each means here: PyTorch's own
// weights_only allowlist (torch/_weights_only_unpickler.py, 1.13 and 2.x) less what tstorch cannot
// hold, and nothing that runs code. Anything else is refused by name.
import type { DType } from "../core/dtype.js";

/** Legacy storage classes (torch.FloatStorage, ...), the element type of each (torch/storage.py). */
export const STORAGE_DTYPE: Record<string, DType> = {
  DoubleStorage: "float64", FloatStorage: "float32", HalfStorage: "float16", LongStorage: "int64",
  IntStorage: "int32", ShortStorage: "int16", CharStorage: "int8", ByteStorage: "uint8", BoolStorage: "bool",
  BFloat16Storage: "bfloat16", ComplexDoubleStorage: "complex128", ComplexFloatStorage: "complex64",
  UntypedStorage: "uint8",
};
export const DTYPE_STORAGE: Partial<Record<DType, string>> = Object.fromEntries(
  Object.entries(STORAGE_DTYPE).filter(([k]) => k !== "UntypedStorage").map(([k, v]) => [v, k]),
);
/** Storage classes PyTorch has and tstorch cannot hold (named in the error). */
export const UNSUPPORTED_STORAGES = new Set(["QInt8Storage", "QInt32Storage", "QUInt8Storage", "QUInt4x2Storage", "QUInt2x4Storage"]);

/** torch.<dtype> globals (pickled dtype objects) -> tstorch dtype names. */
export const TORCH_DTYPES: Record<string, DType> = {
  float32: "float32", float: "float32", float64: "float64", double: "float64", float16: "float16", half: "float16",
  bfloat16: "bfloat16", int64: "int64", long: "int64", int32: "int32", int: "int32", int16: "int16", short: "int16",
  int8: "int8", uint8: "uint8", bool: "bool", complex32: "complex32", chalf: "complex32", complex64: "complex64",
  cfloat: "complex64", complex128: "complex128", cdouble: "complex128",
};

export const ELEMENT_SIZE: Record<DType, number> = {
  uint8: 1, int8: 1, bool: 1, int16: 2, float16: 2, bfloat16: 2, int32: 4, float32: 4, int64: 8, float64: 8,
  complex32: 4, complex64: 8, complex128: 16,
};

/** Functions and classes the unpickler may name and call (REDUCE / NEWOBJ). */
export const CALLABLES = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch._tensor._rebuild_from_type_v2",
  "torch.Size",
  "torch.device",
  "torch.Tensor",
  "torch.nn.parameter.Parameter",
  "_codecs.encode",
  "builtins.set",
  "builtins.frozenset",
  "builtins.bytearray",
]);

/**
 * Names PyTorch's weights_only unpickler allows but tstorch cannot build: accepted by name, and
 * refused with their reason when called.
 */
export const NOT_SUPPORTED: Record<string, string> = {
  "torch._utils._rebuild_sparse_tensor": "sparse tensors are not supported by tstorch's torch.load",
  "torch._utils._rebuild_sparse_csr_tensor": "sparse CSR tensors are not supported by tstorch's torch.load",
  "torch._utils._rebuild_meta_tensor_no_storage": "meta tensors are not supported by tstorch's torch.load",
  "torch._utils._rebuild_wrapper_subclass": "tensor subclasses are not supported by tstorch's torch.load",
  "torch._utils._rebuild_qtensor": "quantized tensors are not supported by tstorch's torch.load",
  "torch.serialization._get_layout": "non-strided tensor layouts are not supported by tstorch's torch.load",
  "builtins.complex": "Python complex numbers are not supported by tstorch's torch.load",
};
