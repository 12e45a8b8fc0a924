// Collectives on tensors, each synchronous or (with `asyncOp: true`) returning a Work. Ranks named in
// arguments (src, dst) are global ranks, as in PyTorch; tensors must be contiguous and, for Gloo, on
// the CPU. Results go into the tensors given (PyTorch's in-place convention).
import { cat } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import type { Handle } from "../core/native.js";
import { requireDistributed, type WorkHandle } from "./native.js";
import { defaultGroup, explain, worldOrThrow, type ProcessGroup } from "./process-group.js";
import { Work } from "./work.js";

export type ReduceOpName = "sum" | "avg" | "product" | "min" | "max" | "band" | "bor" | "bxor";
/** PyTorch's ReduceOp names (`ReduceOp.SUM`), as strings. */
export const ReduceOp = {
  SUM: "sum", AVG: "avg", PRODUCT: "product", MIN: "min", MAX: "max", BAND: "band", BOR: "bor", BXOR: "bxor",
} as const;

export interface CollectiveOptions {
  group?: ProcessGroup;
  /** Return a Work instead of waiting (PyTorch's async_op). */
  asyncOp?: boolean;
}
type Sync = CollectiveOptions & { asyncOp?: false };
type Async = CollectiveOptions & { asyncOp: true };

function groupOf(opts: CollectiveOptions): ProcessGroup {
  return opts.group ?? defaultGroup();
}

function handles(ts: readonly Tensor[]): Handle[] {
  return ts.map((t) => t._h);
}

// Runs a native collective and waits for it, or hands back a Work; `after` runs once it is done.
function run(what: string, group: ProcessGroup, opts: CollectiveOptions, start: () => WorkHandle | null, after: () => void = () => {}): Work | void {
  let h: WorkHandle | null;
  try {
    h = start();
  } catch (e) {
    throw explain(e, what, group);
  }
  const work = new Work(h, after, (e) => explain(e, what, group));
  if (opts.asyncOp) return work;
  work.waitSync();
}

/**
 * Reduces `tensor` across the group, in place, on every rank. "avg": PyTorch's Gloo backend refuses
 * ReduceOp.AVG ("Cannot use ReduceOp.AVG with Gloo"); tstorch sums and divides by the group size, as
 * DistributedDataParallel does with gradients (floating tensors only).
 */
export function allReduce(tensor: Tensor, opts?: Sync & { op?: ReduceOpName }): void;
export function allReduce(tensor: Tensor, opts: Async & { op?: ReduceOpName }): Work;
export function allReduce(tensor: Tensor, opts: CollectiveOptions & { op?: ReduceOpName } = {}): Work | void {
  const g = groupOf(opts);
  const op = opts.op ?? "sum";
  if (op === "avg" && !/float|half|bfloat/.test(tensor.dtype))
    throw new Error(`tstorch.distributed: allReduce with op 'avg' needs a floating tensor, got ${tensor.dtype}`);
  const native = op === "avg" ? "sum" : op;
  return run("allReduce", g, opts, () => requireDistributed().distAllReduce(g.handle(), tensor._h, native), () => {
    if (op === "avg") noGrad(() => tensor.div_(g.size()));
  });
}

/** Copies `tensor` of global rank `src` into `tensor` on every rank. */
export function broadcast(tensor: Tensor, src: number, opts?: Sync): void;
export function broadcast(tensor: Tensor, src: number, opts: Async): Work;
export function broadcast(tensor: Tensor, src: number, opts: CollectiveOptions = {}): Work | void {
  const g = groupOf(opts);
  const root = g.groupRank(src);
  return run("broadcast", g, opts, () => requireDistributed().distBroadcast(g.handle(), tensor._h, root));
}

function checkListLength(list: readonly Tensor[], g: ProcessGroup, what: string): void {
  if (list.length !== g.size()) throw new Error(`tstorch.distributed: ${what} needs one tensor per rank (${g.size()}), got ${list.length}`);
}

/** Fills `tensorList[i]` with rank i's `tensor` on every rank. */
export function allGather(tensorList: Tensor[], tensor: Tensor, opts?: Sync): void;
export function allGather(tensorList: Tensor[], tensor: Tensor, opts: Async): Work;
export function allGather(tensorList: Tensor[], tensor: Tensor, opts: CollectiveOptions = {}): Work | void {
  const g = groupOf(opts);
  checkListLength(tensorList, g, "allGather's tensorList");
  return run("allGather", g, opts, () => requireDistributed().distAllGather(g.handle(), handles(tensorList), tensor._h));
}

/** Rank `dst` receives every rank's `tensor` into `gatherList` (which only `dst` passes). */
export function gather(tensor: Tensor, opts?: Sync & { gatherList?: Tensor[]; dst?: number }): void;
export function gather(tensor: Tensor, opts: Async & { gatherList?: Tensor[]; dst?: number }): Work;
export function gather(tensor: Tensor, opts: CollectiveOptions & { gatherList?: Tensor[]; dst?: number } = {}): Work | void {
  const g = groupOf(opts);
  const dst = opts.dst ?? 0;
  const root = g.groupRank(dst);
  const me = worldOrThrow().rank;
  const list = opts.gatherList ?? [];
  if (me === dst) checkListLength(list, g, "gather's gatherList (on the destination rank)");
  else if (list.length > 0) throw new Error("tstorch.distributed: gatherList is only given on the destination rank");
  return run("gather", g, opts, () => requireDistributed().distGather(g.handle(), handles(list), tensor._h, root));
}

/** Rank `src` sends `scatterList[i]` to rank i, received into `tensor`. */
export function scatter(tensor: Tensor, opts?: Sync & { scatterList?: Tensor[]; src?: number }): void;
export function scatter(tensor: Tensor, opts: Async & { scatterList?: Tensor[]; src?: number }): Work;
export function scatter(tensor: Tensor, opts: CollectiveOptions & { scatterList?: Tensor[]; src?: number } = {}): Work | void {
  const g = groupOf(opts);
  const src = opts.src ?? 0;
  const root = g.groupRank(src);
  const me = worldOrThrow().rank;
  const list = opts.scatterList ?? [];
  if (me === src) checkListLength(list, g, "scatter's scatterList (on the source rank)");
  else if (list.length > 0) throw new Error("tstorch.distributed: scatterList is only given on the source rank");
  return run("scatter", g, opts, () => requireDistributed().distScatter(g.handle(), tensor._h, handles(list), root));
}

/**
 * Reduces `inputList` element-wise across ranks and leaves the i-th result on rank i, in `output`.
 * Gloo (in libtorch 1.13, as in PyTorch 1.13) has no reduce-scatter; there it is an all-reduce of the
 * concatenated inputs of which each rank keeps its part ("avg" as in allReduce).
 */
export function reduceScatter(output: Tensor, inputList: Tensor[], opts?: Sync & { op?: ReduceOpName }): void;
export function reduceScatter(output: Tensor, inputList: Tensor[], opts: Async & { op?: ReduceOpName }): Work;
export function reduceScatter(output: Tensor, inputList: Tensor[], opts: CollectiveOptions & { op?: ReduceOpName } = {}): Work | void {
  const g = groupOf(opts);
  checkListLength(inputList, g, "reduceScatter's inputList");
  const op = opts.op ?? "sum";
  for (const t of inputList)
    if (t.numel() !== output.numel()) throw new Error(`tstorch.distributed: reduceScatter's inputs must each have the output's ${output.numel()} elements, got ${t.numel()}`);
  // Gloo has reduce_scatter from PyTorch 2.8 (its protocol, which PyTorch ranks of a mixed group use);
  // before, tstorch all-reduces the concatenated inputs and keeps its part.
  if (g.backend !== "gloo" || requireDistributed().distGlooHasReduceScatter()) {
    const native = op === "avg" ? "sum" : op;
    return run("reduceScatter", g, opts, () => requireDistributed().distReduceScatter(g.handle(), output._h, handles(inputList), native), () => {
      if (op === "avg") noGrad(() => output.div_(g.size()));
    });
  }
  const flat = noGrad(() => cat(inputList.map((t) => t.reshape([-1]))));
  const me = g.ranks.indexOf(worldOrThrow().rank);
  const n = output.numel();
  const work = allReduce(flat, { group: g, op, asyncOp: true });
  const finish = () =>
    noGrad(() => {
      const part = flat.narrow(0, me * n, n);
      output.copy_(part.view(output.shape));
      part.dispose();
      flat.dispose();
    });
  if (opts.asyncOp) return chain(work, finish);
  work.waitSync();
  finish();
}

function chain(work: Work, then: () => void): Work {
  return new ChainedWork(work, then);
}

class ChainedWork extends Work {
  constructor(private readonly inner: Work, private readonly then: () => void) {
    super(null, () => {}, (e) => e as Error);
  }
  override async wait(): Promise<void> {
    await this.inner.wait();
    this.runThen();
  }
  override waitSync(): void {
    this.inner.waitSync();
    this.runThen();
  }
  override isCompleted(): boolean {
    return this.inner.isCompleted();
  }
  private ran = false;
  private runThen(): void {
    if (!this.ran) {
      this.ran = true;
      this.then();
    }
  }
}

/** Sends `tensor` to global rank `dst` (blocking until it is sent). */
export function send(tensor: Tensor, dst: number, opts: { group?: ProcessGroup; tag?: number } = {}): void {
  isend(tensor, dst, opts).waitSync();
}
/** Receives into `tensor` from global rank `src`. */
export function recv(tensor: Tensor, src: number, opts: { group?: ProcessGroup; tag?: number } = {}): void {
  irecv(tensor, src, opts).waitSync();
}
export function isend(tensor: Tensor, dst: number, opts: { group?: ProcessGroup; tag?: number } = {}): Work {
  const g = groupOf(opts);
  const peer = g.groupRank(dst);
  return run("send", g, { asyncOp: true }, () => requireDistributed().distSend(g.handle(), tensor._h, peer, opts.tag ?? 0)) as Work;
}
export function irecv(tensor: Tensor, src: number, opts: { group?: ProcessGroup; tag?: number } = {}): Work {
  const g = groupOf(opts);
  const peer = g.groupRank(src);
  return run("recv", g, { asyncOp: true }, () => requireDistributed().distRecv(g.handle(), tensor._h, peer, opts.tag ?? 0)) as Work;
}

/** Waits until every rank of the group has reached it. */
export function barrier(opts?: Sync): void;
export function barrier(opts: Async): Work;
export function barrier(opts: CollectiveOptions = {}): Work | void {
  const g = groupOf(opts);
  return run("barrier", g, opts, () => requireDistributed().distBarrier(g.handle()));
}
