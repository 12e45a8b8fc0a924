// SGD with momentum, dampening, Nesterov, weight decay and maximize: torch/optim/sgd.py
// (_single_tensor_sgd and _multi_tensor_sgd, PyTorch 1.13) operation for operation, in place, under
// noGrad.
import { noGrad } from "../core/autograd.js";
import { Handle, native } from "../core/native.js";
import { ids as K } from "../core/op-ids.js";
import { persist, scope } from "../core/scope.js";
import { Tensor, wrap } from "../core/tensor.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Closure, isSparse, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { optimNative } from "./native.js";


export interface SGDOptions {
  /** Required: here or positionally, new SGD(params, lr, { momentum }) as PyTorch's SGD(params, lr, momentum=...). */
  lr?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  maximize?: boolean;
  /**
   * Update all of a group's parameters with one multi-tensor (`_foreach_*`) op per step of the
   * algorithm (PyTorch's `foreach=True`): the same kernels and results, far fewer calls. Default true.
   */
  foreach?: boolean;
}

export interface SGDGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  maximize: boolean;
  foreach: boolean;
}

export class SGD extends Optimizer<SGDGroup> {
  /** PyTorch's SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean], SGDOptions>) {
    const opts = pyArgs<SGDOptions>("SGD", ["lr", "momentum", "dampening", "weightDecay", "nesterov"], args);
    if (typeof opts.lr !== "number") throw new Error("tstorch: SGD needs a learning rate ({ lr })");
    super(params, {
      lr: opts.lr,
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      nesterov: opts.nesterov ?? false,
      weightDecay: opts.weightDecay ?? 0,
      maximize: opts.maximize ?? false,
      foreach: opts.foreach ?? true,
    });
  }

  protected override validateGroup(g: SGDGroup): void {
    super.validateGroup(g);
    if (!(g.momentum >= 0)) throw new Error(`tstorch: invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new Error("tstorch: Nesterov momentum requires a momentum and zero dampening");
  }

  /** Gathers each group's tensors and momentum buffers, then updates them with the group's form (PyTorch's SGD.step). */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    noGrad(() =>
      scope(() => {
        for (const g of this.paramGroups) if (!this.stepNative(g)) this.stepInTypeScript(g);
      }),
    );
    return loss;
  }

  /**
   * The whole update of a group in one native call (native/src/optim_step.cc: the same ATen
   * operations as singleTensorSgd / multiTensorSgd below, without a crossing per operation; it
   * skips parameters without a gradient). false, having done nothing, when a gradient is sparse.
   */
  private stepNative(g: SGDGroup): boolean {
    const params = g.params.map((p) => p._h);
    const bufs = g.momentum === 0 ? [] : g.params.map((p) => (this.state.get(p)?.momentum_buffer as Tensor | null | undefined)?._h ?? null);
    const made = optimNative.optimSgd(params, bufs, g.lr, g.momentum, g.dampening, g.nesterov, g.weightDecay, g.maximize, g.foreach);
    if (made === false) return false;
    // new buffers (the first step) go to the state, which owns them
    made?.forEach((h, i) => void (h != null && (this.stateOf(g.params[i]).momentum_buffer = persist(wrap(h)))));
    return true;
  }

  /** A group with a sparse gradient (an embedding's): the per-operation form, which takes them. */
  private stepInTypeScript(g: SGDGroup): void {
    const t: SGDTensors = { params: [], grads: [], momentumBuffers: [] };
    for (const p of g.params) {
      const grad = p.grad;
      if (grad === null) continue;
      t.params.push(p);
      t.grads.push(grad);
      if (g.momentum !== 0) t.momentumBuffers.push((this.stateOf(p).momentum_buffer as Tensor | null | undefined) ?? null);
    }
    if (g.foreach) multiTensorSgd(t, g);
    else singleTensorSgd(t, g);
    // new buffers (the first step) go to the state, which owns them
    if (g.momentum !== 0) t.params.forEach((p, i) => (this.stateOf(p).momentum_buffer = t.momentumBuffers[i]));
  }
}

/** What the update functions take: one group's parameters with a gradient, their gradients and momentum buffers (null before the first step). */
interface SGDTensors {
  params: Tensor[];
  grads: Tensor[];
  momentumBuffers: (Tensor | null)[];
}

/** The first momentum buffer: a private copy of d_p (a temporary of the step already is one). */
function newBuffer(dp: Tensor, grad: Tensor): Tensor {
  return persist(dp === grad ? dp.clone() : dp);
}

/** PyTorch's _single_tensor_sgd: one parameter at a time, its temporaries freed after it. */
function singleTensorSgd(t: SGDTensors, g: SGDGroup): void {
  t.params.forEach((p, i) =>
    scope(() => {
      const grad = t.grads[i];
      let dp = g.maximize ? grad.neg() : grad;
      if (g.weightDecay !== 0) dp = dp.add(p, g.weightDecay);
      if (g.momentum !== 0) {
        let buf = t.momentumBuffers[i];
        if (buf === null) buf = t.momentumBuffers[i] = newBuffer(dp, grad);
        else buf.mul_(g.momentum).add_(dp, 1 - g.dampening);
        dp = g.nesterov ? dp.add(buf, g.momentum) : buf;
      }
      p.add_(dp, -g.lr);
    }),
  );
}

let foreachNegId: number | undefined;

const hs = (ts: Tensor[]): Handle[] => ts.map((x) => x._h);
/** A multi-tensor op's results as tensors of the enclosing torch.scope. */
const foreach = (op: number, ...args: unknown[]): Tensor[] => (native.call(op, ...args) as Handle[]).map(wrap);

/** PyTorch's _multi_tensor_sgd: one multi-tensor (_foreach_*) op per step of the algorithm for the whole group. */
function multiTensorSgd(t: SGDTensors, g: SGDGroup): void {
  if (t.params.length === 0) return;
  // sparse gradients (an embedding's) take the per-parameter form, as PyTorch's has_sparse_grad
  if (t.grads.some(isSparse)) return singleTensorSgd(t, g);
  const P = hs(t.params);
  let G = t.grads;
  if (g.maximize) G = foreach((foreachNegId ??= native.opId("_foreach_neg", "")), hs(G));
  if (g.weightDecay !== 0) G = foreach(K._foreach_add_List, hs(G), P, g.weightDecay);
  if (g.momentum !== 0) {
    const bufs = t.momentumBuffers;
    const old = bufs.flatMap((b, i) => (b === null ? [] : [i]));
    if (old.length > 0) {
      native.callInPlace(K._foreach_mul__Scalar, old.map((i) => bufs[i]!._h), g.momentum);
      native.callInPlace(K._foreach_add__List, old.map((i) => bufs[i]!._h), old.map((i) => G[i]._h), 1 - g.dampening);
    }
    bufs.forEach((b, i) => void (b === null && (bufs[i] = newBuffer(G[i], t.grads[i]))));
    const B = bufs as Tensor[];
    G = g.nesterov ? foreach(K._foreach_add_List, hs(G), hs(B), g.momentum) : B;
  }
  native.callInPlace(K._foreach_add__List, P, hs(G), -g.lr);
}
