// tstorch: `import * as torch from "tstorch"`.
// Node's types (Buffer, Disposable) for the declarations: @types/node is a dependency; kept in index.d.ts.
/// <reference types="node" preserve="true" />
export { Tensor, scalar } from "./core/tensor.js";
import { Tensor as TensorClass } from "./core/tensor.js";
/** Rebuilds a tensor from `t.toTransferable()` (what worker_threads can post); the same as Tensor.fromTransferable. */
export const fromTransferable = TensorClass.fromTransferable;
export type { TransferableTensor, TransferableTensorInput } from "./core/transfer.js";
export type { Scalar, FloatScalar, Shape, ToOptions, MemoryFormat, Reduction, TensorData } from "./core/tensor.js";
export type { DType, TypedArray } from "./core/dtype.js";
export { Device, cuda } from "./core/device.js";
export type { DeviceLike } from "./core/device.js";
export {
  tensor, fromTypedArray, zeros, ones, empty, full, rand, randn, randint, randperm, arange, linspace, eye,
  zerosLike, onesLike, emptyLike, fullLike, randLike, randnLike, cat, stack, where,
} from "./core/creation.js";
export type { TensorOptions, NestedArray } from "./core/creation.js";
export { noGrad, enableGrad, noGradGuard, isGradEnabled, setGradEnabled } from "./core/autograd.js";
export { scope, keep, persist, isPersistent, dispose } from "./core/scope.js";
export { ops, listOps } from "./core/ops.js";
// every ATen operator as a typed function and Tensor method, generated from ATen's declarations
// (scripts/gen/gen-aten.mjs); the hand-written exports above and below take precedence by name
import "./generated/tensor-methods.js";
export * from "./generated/functions.js";
export * as fft from "./generated/fft.js";
export * as linalg from "./generated/linalg.js";
export * as special from "./generated/special.js";
export * as sparse from "./generated/sparse.js";
export * as nested from "./generated/nested.js";
export type { Layout } from "./generated/aten-overloads.js";
export { manualSeed, setNumThreads, getNumThreads, versions, cpuMemoryStats, cpuEmptyCache } from "./core/runtime.js";
export type { CpuMemoryStats } from "./core/native.js";
export { autocast } from "./core/amp.js";
export type { AutocastOptions } from "./core/amp.js";
export * as backends from "./core/backends.js";
export * as amp from "./amp.js";
export * as functional from "./core/functional.js";
export * as vision from "./vision.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as nn from "./torch-nn.js";
export * as optim from "./optim/index.js";
export * as jit from "./jit/index.js";
export * as aoti from "./aoti/index.js";
export * as distributed from "./distributed/index.js";
export { load, save, LoadError } from "./serialization/index.js";
export * as autograd from "./autograd/index.js";
export * as utils from "./utils/index.js";
// PyTorch's Python-level signatures (torch/functional.py) over the generated ATen ones of the same names
export { tensordot, split, einsum, meshgrid, broadcastTensors, blockDiag, cartesianProd, chainMatmul, atleast1d, atleast2d, atleast3d, unique, cdist, norm, stft, istft, lu } from "./core/python-signatures.js";
// libtorch's process-wide state and small torch.* helpers (issue 20)
export { setDefaultDtype, getDefaultDtype, setDefaultDevice, getDefaultDevice } from "./core/defaults.js";
export { getDeviceModule, cpu } from "./core/device-module.js";
export { getRngState, setRngState, initialSeed, seed } from "./core/rng.js";
export { useDeterministicAlgorithms, areDeterministicAlgorithmsEnabled, isDeterministicAlgorithmsWarnOnlyEnabled, setDeterministicDebugMode, getDeterministicDebugMode } from "./core/determinism.js";
export { setFlushDenormal, setFloat32MatmulPrecision, getFloat32MatmulPrecision } from "./core/precision.js";
export { setWarnAlways, isWarnAlwaysEnabled } from "./core/warnings.js";
export { setNumInteropThreads, getNumInteropThreads, initNumThreads, compiledWithCxx11Abi } from "./core/threads.js";
export { toDlpack, fromDlpack } from "./core/dlpack.js";
export type { DLPackCapsule } from "./core/dlpack.js";
export { asTensor, asarray, frombuffer, isTensor, numel, getDevice, broadcastShapes } from "./core/as-tensor.js";
export { isAutocastEnabled, setAutocastEnabled, getAutocastDtype, setAutocastDtype, isAutocastCpuEnabled, setAutocastCpuEnabled, getAutocastGpuDtype, getAutocastCpuDtype, setAutocastGpuDtype, setAutocastCpuDtype, isAutocastCacheEnabled, setAutocastCacheEnabled, clearAutocastCache } from "./core/autocast-state.js";
export { isAnomalyEnabled, isAnomalyCheckNanEnabled, setDetectAnomaly as setAnomalyEnabled } from "./autograd/anomaly.js";
export { isInferenceModeEnabled } from "./autograd/inference-mode.js";
export { svdLowrank, pcaLowrank } from "./core/lowrank.js";
export { lobpcg } from "./core/lobpcg.js";
export { unravelIndex } from "./core/unravel-index.js";
export { vmap } from "./core/vmap.js";
export type { LobpcgOptions } from "./core/lobpcg.js";
export { setPrintoptions, getPrintoptions } from "./core/print-options.js";
export type { PrintOptions, SetPrintOptions } from "./core/print-options.js";
import "./core/tensor-python-methods.js"; // Tensor.lu, resize, resizeAs (PyTorch's Python-defined methods)
