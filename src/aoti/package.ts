// torch.aoti.loadPackage: PyTorch's torch._inductor.aoti_load_package. A package runs on flat lists
// of tensors, in the order its call spec (getCallSpec) flattens the exported model's inputs and
// outputs: for `forward(x, y)` returning `(a, b)` that is run([x, y]) -> [a, b]. call() takes the
// arguments and returns the outputs structured as the exported model's (PyTorch's `compiled(*args)`).
import { existsSync } from "node:fs";
import type { Handle } from "../core/native.js";
import { Tensor } from "../core/tensor.js";
import { flattenBySpec, parseSpec, unflattenBySpec, type PyTree } from "./call-spec.js";
import { aotiNative, type PackageHandle } from "./native.js";

export interface LoadPackageOptions {
  /** Which model of the package (PyTorch's model_name); aoti_compile_and_package names its one model "model". */
  modelName?: string;
  /** Run the model without the model container's threads (PyTorch's run_single_threaded; libtorch > 2.6). */
  runSingleThreaded?: boolean;
}

/**
 * Loads a .pt2 package made by `torch._inductor.aoti_compile_and_package` (libtorch >= 2.6). The
 * package's library is unpacked and loaded until dispose() (or garbage collection).
 * Throws an Error naming the problem for a missing file, a file that is not such a package, or a
 * model name the package does not hold.
 */
export function loadPackage(path: string, opts: LoadPackageOptions = {}): AOTIPackage {
  const addon = aotiNative();
  if (typeof path !== "string") throw new Error(`torch.aoti.loadPackage expects a path, got ${path === null ? "null" : typeof path}`);
  if (!existsSync(path)) throw new Error(`torch.aoti.loadPackage: no such file '${path}'`);
  const handle = addon.aotiLoad(path, opts.modelName ?? "model", opts.runSingleThreaded ?? false);
  return new AOTIPackage(handle);
}

function handlesOf(inputs: readonly Tensor[], method: string): Handle[] {
  if (!Array.isArray(inputs)) throw new Error(`torch.aoti: AOTIPackage.${method} expects an array of tensors (the flattened inputs)`);
  return inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`torch.aoti: AOTIPackage.${method}: inputs[${i}] is not a Tensor`);
    return t._h;
  });
}

/** A loaded AOTInductor model. Its outputs are new tensors, never tracked by autograd. */
export class AOTIPackage {
  /** @internal use loadPackage */
  constructor(private readonly handle: PackageHandle) {}

  /** Runs the model on this thread: flat inputs in, flat outputs out (see getCallSpec). */
  run(inputs: readonly Tensor[]): Tensor[] {
    return aotiNative().aotiRun(this.handle, handlesOf(inputs, "run")).map((h) => new Tensor(h));
  }

  /**
   * run() on a libuv thread-pool thread: Node's event loop keeps running meanwhile, and several
   * calls may be in flight (each waits for a free model instance). The inputs stay alive until it settles.
   */
  async runAsync(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const out = await aotiNative().aotiRunAsync(this.handle, handlesOf(inputs, "runAsync"));
    return out.map((h) => new Tensor(h));
  }

  /**
   * Python's `compiled_model(*args, **kwargs)`: the arguments as the model was exported with them
   * (arrays for tuples and lists, objects for dicts), flattened by the call spec; the outputs
   * rebuilt the same way (a tuple output is an array, a dict output an object).
   */
  call(args: readonly PyTree[], kwargs: Record<string, PyTree> = {}): PyTree {
    return unflattenBySpec(this.run(this.flatten(args, kwargs)), this.specs()[1]);
  }
  /** call() on a thread-pool thread (see runAsync). */
  async callAsync(args: readonly PyTree[], kwargs: Record<string, PyTree> = {}): Promise<PyTree> {
    return unflattenBySpec(await this.runAsync(this.flatten(args, kwargs)), this.specs()[1]);
  }

  private parsed: ReturnType<typeof parseSpec>[] | undefined;
  private specs(): ReturnType<typeof parseSpec>[] {
    return (this.parsed ??= this.getCallSpec().map(parseSpec));
  }
  private flatten(args: readonly PyTree[], kwargs: Record<string, PyTree>): Tensor[] {
    const [argsSpec, kwargsSpec] = this.specs()[0]!.children_spec;
    if (argsSpec === undefined || kwargsSpec === undefined) throw new Error("torch.aoti: this package's input spec is not (args, kwargs); use run() with the flat tensors");
    return [...flattenBySpec(args, argsSpec, "args"), ...flattenBySpec(kwargs, kwargsSpec, "kwargs")];
  }

  /** The metadata compiled into the package (AOTI_DEVICE_KEY, and aot_inductor.metadata's entries). */
  getMetadata(): Record<string, string> {
    return aotiNative().aotiMetadata(this.handle);
  }

  /** [inSpec, outSpec]: the serialized pytree specs (PyTorch's treespec_dumps) of the inputs and outputs. */
  getCallSpec(): [string, string] {
    const [inSpec, outSpec] = aotiNative().aotiCallSpec(this.handle);
    return [inSpec!, outSpec!];
  }

  /** The fully qualified names of the model's constants (its parameters and buffers, e.g. "fc.weight"). */
  getConstantFqns(): string[] {
    return aotiNative().aotiConstantFqns(this.handle);
  }

  /** Unloads the model now (a runAsync in flight finishes first); later calls throw. */
  dispose(): void {
    aotiNative().aotiDispose(this.handle);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
