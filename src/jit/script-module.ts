// jit.ScriptModule: a TorchScript module (loaded with jit.load or made by jit.trace) that is a
// tstorch nn.Module. Its parameters and buffers are tstorch tensors wrapping the very tensors the
// scripted module holds (the same at::Tensor, not copies), so tstorch optimisers, noGrad, autocast,
// stateDict/loadStateDict and io.saveModule/loadModule act on the scripted module itself.
import { Device, type DeviceLike } from "../core/device.js";
import { dtypeCode, isDTypeName, type DType } from "../core/dtype.js";
import { memoryFormatCode, Tensor, type MemoryFormat } from "../core/tensor.js";
import { writeFileAtomic } from "../io/atomic.js";
import { Module, type ModuleTarget } from "../nn/module.js";
import { jitNative, type ModuleHandle } from "./native.js";
import { fromNative, toNative, type JitValue } from "./values.js";

/** A method of a ScriptModule and its TorchScript schema, e.g. `forward(__torch__.Net self, Tensor x) -> Tensor`. */
export interface MethodInfo {
  name: string;
  schema: string;
}

/**
 * A TorchScript module. `forward(...args)` and `runMethod(name, ...args)` convert arguments by the
 * method's schema (see JitValue); `forwardAsync` runs on a thread-pool thread. Children are
 * ScriptModules too, under the scripted module's attribute names.
 */
// The result type is `any`: a scripted forward may return anything (PyTorch's is untyped too).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class ScriptModule extends Module<any[], any> {
  /** @internal the addon's handle of the torch::jit::Module */
  readonly _m: ModuleHandle;
  /** The TorchScript class name, e.g. `__torch__.Net` (PyTorch's `original_name` is its last part). */
  readonly typeName: string;

  /** @internal use jit.load or jit.trace */
  constructor(handle: ModuleHandle) {
    super();
    this._m = handle;
    const slots = jitNative.jitSlots(handle);
    this.typeName = slots.typeName;
    // `training` reads and writes the scripted module's own flag, so that nn.Module.train()/eval()
    // (which set `training` on every descendant) reach BatchNorm and Dropout inside the script.
    Object.defineProperty(this, "training", {
      get: () => jitNative.jitIsTraining(handle),
      set: (on: boolean) => jitNative.jitSetTraining(handle, Boolean(on)),
      enumerable: true,
      configurable: true,
    });
    for (const [name, h] of slots.parameters) {
      const t = new Tensor(h);
      const frozen = !t.requiresGrad;
      this.registerParameter(name, t);
      if (frozen) t.requiresGrad_(false); // a parameter the script froze stays frozen
    }
    for (const [name, h] of slots.buffers) this.registerBuffer(name, new Tensor(h));
    for (const [name, c] of slots.children) this.registerModule(name, new ScriptModule(c));
  }

  /** Runs the scripted `forward` on this thread (autograd records it unless inside noGrad). */
  forward(...args: JitValue[]): any {
    return this.runMethod("forward", ...args);
  }

  /** Runs any method of the script by name, e.g. `runMethod("encode", x)`. */
  runMethod(name: string, ...args: JitValue[]): any {
    return fromNative(jitNative.jitRun(this._m, name, toNative(args) as unknown[]));
  }

  /**
   * Runs `forward` on a libuv thread-pool thread, without autograd, and resolves with its result:
   * Node's event loop keeps running meanwhile, and several calls run at once (one pool thread each;
   * UV_THREADPOOL_SIZE sets how many, 4 by default). The inputs stay alive until it settles.
   */
  forwardAsync(...args: JitValue[]): Promise<any> {
    return this.runMethodAsync("forward", ...args);
  }

  /** runMethod on a thread-pool thread (see forwardAsync). */
  async runMethodAsync(name: string, ...args: JitValue[]): Promise<any> {
    return fromNative(await jitNative.jitRunAsync(this._m, name, toNative(args) as unknown[]));
  }

  /** The module's methods with their schemas. */
  methods(): MethodInfo[] {
    return jitNative.jitMethods(this._m).map(([name, schema]) => ({ name, schema }));
  }
  hasMethod(name: string): boolean {
    return this.methods().some((m) => m.name === name);
  }
  /** The TorchScript IR of a method (PyTorch's `module.graph`). */
  graph(method = "forward"): string {
    return jitNative.jitGraph(this._m, method);
  }

  /** Writes the module as a TorchScript archive that PyTorch's torch.jit.load reads (atomically: never a torn file). */
  save(path: string): void {
    writeFileAtomic(path, this.saveToBuffer());
  }
  /** The TorchScript archive's bytes. */
  saveToBuffer(): Buffer {
    return jitNative.jitSaveToBuffer(this._m);
  }

  /**
   * Converts the scripted module's parameters and buffers in place (device, floating dtype, memory
   * format of 4-D tensors): the tensors keep their identity, so this module's tstorch tensors and
   * optimisers built before stay valid. Call it on the ScriptModule itself (a tstorch parent's to()
   * would give the tstorch tensors new storage that the script does not see).
   */
  override to(target: ModuleTarget): this {
    let device: DeviceLike | undefined;
    let dtype: DType | undefined;
    let memoryFormat: MemoryFormat | undefined;
    if (typeof target === "string" && isDTypeName(target)) dtype = target as DType;
    else if (typeof target === "string" || target instanceof Device) device = target;
    else ({ device, dtype, memoryFormat } = target);
    jitNative.jitTo(
      this._m,
      device === undefined ? null : String(device),
      dtype === undefined ? null : dtypeCode(dtype),
      memoryFormat === undefined ? null : memoryFormatCode(memoryFormat),
    );
    return this;
  }

  protected override reprName(): string {
    return `RecursiveScriptModule[${this.typeName.split(".").pop() ?? ""}]`;
  }
}
