// nn.parallel.DistributedDataParallel: PyTorch's data-parallel wrapper on the native reducer
// (native/src/distributed.cc). It follows PyTorch 1.13's protocol step by step, so that a tstorch rank
// and a PyTorch DDP rank can train one model together:
//   construction: verify_params_across_processes (an all-gather of shapes), then the parameters and
//     buffers broadcast from rank 0 (broadcast_coalesced, 250 MB buckets);
//   buckets: without findUnusedParameters the first iteration has one bucket per dtype/device;
//     after it, the buckets are rebuilt (bucketCapMB, a 1 MB first bucket) in the order gradients became
//     ready, rank 0's order broadcast to all (sync_bucket_indices); with findUnusedParameters the
//     buckets are [1 MB, bucketCapMB] in reverse parameter order from the start and never rebuilt;
//   backward: each bucket's all-reduce (sum of gradient / world size) starts as soon as it is full.
// The state dict is the wrapped module's, without PyTorch's "module." prefix (loadStateDict accepts
// either form), so a checkpoint saved under DDP loads into the bare model and vice versa.
import { isGradEnabled } from "../core/autograd.js";
import type { Tensor } from "../core/tensor.js";
import { Module, type AnyModule, type LoadStateDictOptions, type LoadStateDictResult, type ModuleTarget, type StateDict } from "../nn/module.js";
import { requireDistributed, type ReducerHandle } from "./native.js";
import { defaultGroup, explain, type ProcessGroup } from "./process-group.js";

export interface DistributedDataParallelOptions {
  processGroup?: ProcessGroup;
  /** Bucket size in MiB (PyTorch's default 25). */
  bucketCapMB?: number;
  /** The first bucket's size after the rebuild, in MiB (PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES: 1 MiB). */
  firstBucketCapMB?: number;
  /** Broadcast rank 0's buffers before each synchronised forward (default true). */
  broadcastBuffers?: boolean;
  /** Allow parameters that get no gradient in a backward pass (their bucket is reduced with zeros). */
  findUnusedParameters?: boolean;
  /** Gradients become views into the flat buckets (saves one copy and the memory of the gradients). */
  gradientAsBucketView?: boolean;
  /** Accepted for PyTorch compatibility: one device per process, the module's own. */
  deviceIds?: number[];
}

const MiB = 1024 * 1024;
const broadcastBucketBytes = 250 * MiB;
const noLimit = 2 ** 63; // sys.maxsize (size_t)

export class DistributedDataParallel<In extends unknown[] = [Tensor], Out = Tensor> extends Module<In, Out> {
  readonly processGroup: ProcessGroup;
  readonly bucketBytes: number;
  readonly firstBucketBytes: number;
  readonly broadcastBuffers: boolean;
  readonly findUnusedParameters: boolean;
  readonly gradientAsBucketView: boolean;
  /** false inside noSync(): gradients accumulate locally. */
  requireBackwardGradSync = true;
  private requireForwardParamSync = true;
  private readonly _wrapped: Module<In, Out>;
  private _reducer: ReducerHandle | null;
  private readonly _params: Tensor[];

  constructor(module: Module<In, Out>, opts: DistributedDataParallelOptions = {}) {
    super();
    const d = requireDistributed();
    this._wrapped = module;
    this.processGroup = opts.processGroup ?? defaultGroup();
    this.bucketBytes = Math.floor((opts.bucketCapMB ?? 25) * MiB);
    if (!(this.bucketBytes > 0)) throw new Error(`DistributedDataParallel: bucketCapMB must be positive, got ${opts.bucketCapMB}`);
    this.firstBucketBytes = Math.floor((opts.firstBucketCapMB ?? 1) * MiB);
    if (!(this.firstBucketBytes > 0)) throw new Error(`DistributedDataParallel: firstBucketCapMB must be positive, got ${opts.firstBucketCapMB}`);
    this.broadcastBuffers = opts.broadcastBuffers ?? true;
    this.findUnusedParameters = opts.findUnusedParameters ?? false;
    this.gradientAsBucketView = opts.gradientAsBucketView ?? false;
    this._params = [...new Set(module.parameters())].filter((p) => p.requiresGrad);
    if (this._params.length === 0) throw new Error("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    const g = this.processGroup.handle();
    const handles = this._params.map((p) => p._h);
    try {
      d.distVerifyParams(g, handles);
      const states = [...this._params, ...module.buffers()].map((t) => t._h);
      d.distBroadcastCoalesced(g, states, broadcastBucketBytes, 0);
    } catch (e) {
      throw explain(e, "DistributedDataParallel's construction", this.processGroup);
    }
    const limits = this.findUnusedParameters ? [this.firstBucketBytes, this.bucketBytes] : [noLimit];
    const [buckets] = d.distBucketAssignment(handles, limits, []);
    this._reducer = d.distReducerCreate(g, handles, buckets.reverse(), this.gradientAsBucketView, this.findUnusedParameters);
  }

  /** The wrapped module. */
  get module(): Module<In, Out> {
    return this._wrapped;
  }

  /** The current buckets, as parameter indices (diagnostics and tests). */
  bucketIndices(): number[][] {
    return requireDistributed().distReducerBuckets(this.reducer());
  }

  /**
   * For each bucket of the last backward pass: how many gradients were ready when its all-reduce
   * started. Below the parameter count, that all-reduce overlapped the rest of backward.
   */
  bucketLaunchPoints(): number[] {
    return requireDistributed().distReducerLaunchedAt(this.reducer());
  }

  forward(...args: In): Out {
    const d = requireDistributed();
    const r = this.reducer();
    const grad = isGradEnabled();
    try {
      if (grad && !this.findUnusedParameters) d.distReducerRebuild(r, this.firstBucketBytes, this.bucketBytes);
      const buffers = this._wrapped.buffers();
      if (this.requireForwardParamSync && this.broadcastBuffers && buffers.length > 0)
        d.distBroadcastCoalesced(this.processGroup.handle(), buffers.map((b) => b._h), broadcastBucketBytes, 0);
    } catch (e) {
      throw explain(e, "DistributedDataParallel's forward", this.processGroup);
    }
    const out = this._wrapped.forward(...args);
    if (grad && this.requireBackwardGradSync) {
      this.requireForwardParamSync = true;
      d.distReducerPrepare(r);
    } else {
      this.requireForwardParamSync = false;
      d.distReducerCancel(r);
    }
    return out;
  }

  /** Runs `fn` without gradient synchronisation (accumulation steps); the next synchronised backward averages the sum. */
  noSync<T>(fn: () => T): T {
    const prev = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    try {
      return fn();
    } finally {
      this.requireBackwardGradSync = prev;
    }
  }

  /** `using _ = ddp.noSyncGuard()`: noSync until the end of the block. */
  noSyncGuard(): Disposable {
    const prev = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    return { [Symbol.dispose]: () => void (this.requireBackwardGradSync = prev) };
  }

  // The wrapper has the wrapped module's parameters, buffers and state under the same names.
  override namedParameters(recurse = true): Map<string, Tensor> {
    return this._wrapped.namedParameters(recurse);
  }
  override parameters(recurse = true): Tensor[] {
    return this._wrapped.parameters(recurse);
  }
  override namedBuffers(recurse = true): Map<string, Tensor> {
    return this._wrapped.namedBuffers(recurse);
  }
  override buffers(recurse = true): Tensor[] {
    return this._wrapped.buffers(recurse);
  }
  override namedChildren(): Map<string, AnyModule> {
    return new Map([["module", this._wrapped as unknown as AnyModule]]);
  }
  override stateDict(): Map<string, Tensor> {
    return this._wrapped.stateDict();
  }
  override loadStateDict(sd: StateDict, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const entries = sd instanceof Map ? [...sd] : Object.entries(sd);
    const prefixed = entries.length > 0 && entries.every(([k]) => k.startsWith("module."));
    return this._wrapped.loadStateDict(prefixed ? new Map(entries.map(([k, v]) => [k.slice(7), v])) : sd, opts);
  }
  override train(mode = true): this {
    this.training = mode;
    this._wrapped.train(mode);
    return this;
  }
  override to(target: ModuleTarget): this {
    this._wrapped.to(target);
    return this;
  }
  override zeroGrad(): void {
    this._wrapped.zeroGrad();
  }

  /** Frees the reducer (its buckets); the wrapped module stays usable. */
  override dispose(): void {
    if (this._reducer) requireDistributed().distReducerDispose(this._reducer);
    this._reducer = null;
  }

  private reducer(): ReducerHandle {
    if (!this._reducer) throw new Error("DistributedDataParallel: used after dispose()");
    return this._reducer;
  }
}
