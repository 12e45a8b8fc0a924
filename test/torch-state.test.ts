// libtorch's process-wide state under torch.*: default dtype, the default generator's state and
// seeds, deterministic algorithms, float32 matmul precision, flush-denormal, warn-always, inter-op
// threads, autocast's switches, anomaly and inference mode; against PyTorch of the same libtorch.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { runPython } from "./helpers/python.js";

const py = runPython(`
import torch
torch.manual_seed(42)
s42 = torch.get_rng_state()
torch.manual_seed(123); torch.rand(3)
saved = torch.get_rng_state()
nxt = torch.rand(5)
torch.set_default_dtype(torch.float64)
dt = {k: str(v.dtype).replace("torch.", "") for k, v in {"zeros": torch.zeros(2), "ones": torch.ones(2), "rand": torch.rand(2),
      "tensor": torch.tensor([1.5]), "arange": torch.arange(0.5, 2), "full": torch.full([2], 1.5), "linspace": torch.linspace(0, 1, 3),
      "randn": torch.randn(2)}.items()}
tenth = torch.tensor([0.1]).item()
torch.set_default_dtype(torch.float32)
modes = []
for m in [0, 1, 2, "default", "warn", "error"]:
    torch.set_deterministic_debug_mode(m)
    modes.append([torch.get_deterministic_debug_mode(), torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()])
torch.set_deterministic_debug_mode(0)
OUTPUT = {"s42": s42, "saved": saved, "next": nxt, "dtypes": dt, "tenth": tenth, "modes": modes,
          "cxx11": torch.compiled_with_cxx11_abi(), "cpuDtype": str(torch.get_autocast_cpu_dtype()), "gpuDtype": str(torch.get_autocast_gpu_dtype())}
`) as { s42: number[]; saved: number[]; next: number[]; dtypes: Record<string, string>; tenth: number; modes: [number, boolean, boolean][]; cxx11: boolean; cpuDtype: string; gpuDtype: string };

test("getRngState equals PyTorch's after the same seed, and PyTorch's state loaded with setRngState gives PyTorch's next numbers", () => {
  torch.manualSeed(42);
  const s = torch.getRngState();
  assert.equal(s.dtype, "uint8");
  assert.deepEqual([...(s.toTypedArray() as Uint8Array)], py.s42);
  assert.equal(torch.initialSeed(), 42);
  torch.manualSeed(5);
  torch.setRngState(torch.tensor(Uint8Array.from(py.saved)));
  assert.deepEqual(torch.rand(5).toArray(), py.next);
  // and back to a state of our own: the same numbers again
  torch.setRngState(torch.tensor(Uint8Array.from(py.saved)));
  assert.deepEqual(torch.rand(5).toArray(), py.next);
  assert.throws(() => torch.setRngState(torch.zeros(3)), /RNG state must be a uint8 tensor on the CPU \(got Float\)/);
  assert.throws(() => torch.setRngState(torch.zeros(3, { dtype: "uint8" })), /CPUGeneratorImplState of size 5056 but found the input RNG state size to be 3/);
  const fresh = torch.seed();
  assert.equal(torch.initialSeed(), fresh);
  assert.notDeepEqual([...(torch.getRngState().toTypedArray() as Uint8Array)], py.s42);
});

test("setDefaultDtype: factories and tensor() over numbers follow it, as in PyTorch", () => {
  assert.equal(torch.getDefaultDtype(), "float32");
  torch.setDefaultDtype("float64");
  try {
    assert.equal(torch.getDefaultDtype(), "float64");
    const ours: Record<string, string> = {
      zeros: torch.zeros(2).dtype, ones: torch.ones(2).dtype, rand: torch.rand(2).dtype, tensor: torch.tensor([1.5]).dtype,
      arange: torch.arange(0.5, 2).dtype, full: torch.full([2], 1.5).dtype, linspace: torch.linspace(0, 1, 3).dtype, randn: torch.randn(2).dtype,
    };
    assert.deepEqual(ours, py.dtypes);
    assert.equal(torch.tensor([0.1]).item(), py.tenth); // exactly 0.1, not float32's 0.10000000149
    assert.equal(torch.tensor([1]).dtype, "float64");
    torch.setDefaultDtype("bfloat16");
    assert.equal(torch.tensor([1.5]).dtype, "bfloat16");
    assert.throws(() => torch.setDefaultDtype("int64"), /only floating-point types are supported as the default type/);
  } finally {
    torch.setDefaultDtype("float32");
  }
  assert.equal(torch.tensor([1.5]).dtype, "float32");
  assert.equal(torch.zeros(1).dtype, "float32");
});

test("deterministic algorithms and the debug mode map as PyTorch's do", () => {
  const modes = [0, 1, 2, "default", "warn", "error"] as const;
  const ours = modes.map((m) => {
    torch.setDeterministicDebugMode(m);
    return [torch.getDeterministicDebugMode(), torch.areDeterministicAlgorithmsEnabled(), torch.isDeterministicAlgorithmsWarnOnlyEnabled()];
  });
  torch.setDeterministicDebugMode(0);
  assert.deepEqual(ours, py.modes);
  torch.useDeterministicAlgorithms(true, { warnOnly: true });
  assert.equal(torch.getDeterministicDebugMode(), 1);
  torch.useDeterministicAlgorithms(false);
  assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
  assert.throws(() => torch.setDeterministicDebugMode("loud" as never), /expected one of 'default', 'warn', 'error', but got 'loud'/);
  assert.throws(() => torch.setDeterministicDebugMode(3 as never), /expected 0, 1, or 2, but got 3/);
});

test("float32 matmul precision, flush-denormal, warn-always, inter-op threads, the C++11 ABI", () => {
  assert.equal(torch.getFloat32MatmulPrecision(), "highest");
  torch.setFloat32MatmulPrecision("medium");
  assert.equal(torch.getFloat32MatmulPrecision(), "medium");
  torch.setFloat32MatmulPrecision("highest");
  assert.throws(() => torch.setFloat32MatmulPrecision("low" as never), /'low' is not one of 'highest', 'high', or 'medium'/);
  // the smallest float64 denormal: kept by arithmetic normally, read as zero once denormals are flushed
  const tiny = torch.tensor([5e-324], { dtype: "float64" });
  assert.equal(tiny.mul(1).item(), 5e-324);
  assert.equal(torch.setFlushDenormal(true), true); // x86-64 has SSE3
  try {
    assert.equal(tiny.mul(1).item(), 0);
  } finally {
    torch.setFlushDenormal(false);
  }
  assert.equal(tiny.mul(1).item(), 5e-324);
  assert.equal(torch.isWarnAlwaysEnabled(), false);
  torch.setWarnAlways(true);
  assert.equal(torch.isWarnAlwaysEnabled(), true);
  torch.setWarnAlways(false);
  assert.ok(torch.getNumInteropThreads() >= 1);
  assert.throws(() => torch.setNumInteropThreads(0), /setNumInteropThreads needs a positive number, got 0/);
  torch.initNumThreads();
  assert.equal(torch.compiledWithCxx11Abi(), py.cxx11);
});

test("autocast's switches: dtypes, enabled flags, the cast cache; set outside a region they act on the ops", () => {
  assert.equal(`torch.${torch.getAutocastCpuDtype()}`, py.cpuDtype);
  assert.equal(`torch.${torch.getAutocastGpuDtype()}`, py.gpuDtype);
  assert.equal(torch.isAutocastCpuEnabled(), false);
  assert.equal(torch.isAutocastEnabled(), false);
  const a = torch.ones(2, 2);
  torch.setAutocastCpuEnabled(true);
  try {
    assert.equal(torch.isAutocastCpuEnabled(), true);
    assert.equal(a.matmul(a).dtype, "bfloat16"); // libtorch's CPU autocast casts matmul to its dtype
  } finally {
    torch.setAutocastCpuEnabled(false);
  }
  assert.equal(a.matmul(a).dtype, "float32");
  torch.setAutocastCpuDtype("bfloat16"); // libtorch 1.13 refuses float16 on the CPU ("AutocastCPU only support Bfloat16"); 2.x takes it
  assert.equal(torch.getAutocastDtype("cpu"), "bfloat16");
  torch.setAutocastGpuDtype("bfloat16");
  assert.equal(torch.getAutocastGpuDtype(), "bfloat16");
  torch.setAutocastGpuDtype("float16");
  torch.autocast({ deviceType: "cpu" }, () => assert.equal(torch.isAutocastCpuEnabled(), true));
  assert.equal(torch.isAutocastCacheEnabled(), true);
  torch.setAutocastCacheEnabled(false);
  assert.equal(torch.isAutocastCacheEnabled(), false);
  torch.setAutocastCacheEnabled(true);
  torch.clearAutocastCache();
  assert.throws(() => torch.setAutocastCpuDtype("int8" as never), /autocast dtype must be float16, bfloat16 or float32/);
});

test("anomaly switches under torch.*, and inference mode", () => {
  assert.equal(torch.isAnomalyEnabled(), false);
  torch.setAnomalyEnabled(true, false);
  assert.deepEqual([torch.isAnomalyEnabled(), torch.isAnomalyCheckNanEnabled()], [true, false]);
  torch.setAnomalyEnabled(false);
  assert.equal(torch.isAnomalyEnabled(), false);

  const x = torch.ones(2).requiresGrad_();
  assert.equal(torch.isInferenceModeEnabled(), false);
  const y = torch.autograd.inferenceMode(() => {
    assert.equal(torch.isInferenceModeEnabled(), true);
    assert.equal(torch.isGradEnabled(), false);
    // nested with mode false: off inside, back on after
    torch.autograd.inferenceMode(() => assert.equal(torch.isInferenceModeEnabled(), false), false);
    assert.equal(torch.isInferenceModeEnabled(), true);
    return x.mul(2);
  });
  assert.equal(torch.isInferenceModeEnabled(), false);
  assert.equal(torch.isGradEnabled(), true);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.isInference(), true);
  assert.throws(() => y.add_(1), /Inplace update to inference tensor outside InferenceMode is not allowed/);
  assert.throws(() => torch.autograd.inferenceMode(() => { throw new Error("inside"); }), /inside/);
  assert.equal(torch.isInferenceModeEnabled(), false);
  {
    using _ = torch.autograd.inferenceModeGuard();
    assert.equal(torch.isInferenceModeEnabled(), true);
  }
  assert.equal(torch.isInferenceModeEnabled(), false);
});
