// L-BFGS: torch/optim/lbfgs.py operation for operation (flat vectors as tensors, the scalars as
// PyTorch holds them: see lbfgs-line-search.ts), with the closure API: step(closure) re-evaluates
// the loss as often as the algorithm needs. One parameter group, as in PyTorch. PyTorch 2 bounds
// the line search by the evaluations left (max_ls = max_eval - evals so far), 1.13 by 25: the
// linked version's bound is used.
import { cat, zeros } from "../core/creation.js";
import { isPersistent, persist, scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { PyNum, PyScalars, strongWolfe } from "./lbfgs-line-search.js";
import { Closure, isSparse, Optimizer, OptimizerStateDict, ParamGroup, ParamsInput } from "./optimizer.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { torchVersion } from "../core/runtime.js";
import { isTorchLayout } from "./torch-state-dict.js";
import { fromTorchLayout, toTorchLayout, type LBFGSHyper, type LBFGSState, type LBFGSTorchStateDict } from "./lbfgs-state-dict.js";

export interface LBFGSOptions {
  lr?: number;
  /** Iterations per step() (default 20). */
  maxIter?: number;
  /** Function evaluations per step() (default floor(maxIter · 5 / 4)). */
  maxEval?: number;
  /** Stop when every gradient element is at most this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the loss or the parameters change less (default 1e-9). */
  toleranceChange?: number;
  /** Correction pairs kept (default 100). */
  historySize?: number;
  /** "strong_wolfe", or null for fixed steps of lr (default null). */
  lineSearchFn?: "strong_wolfe" | null;
  maximize?: boolean;
}

/** A group: its parameters and LBFGS's hyper-parameters (one list of them, in lbfgs-state-dict.ts). */
export interface LBFGSGroup extends ParamGroup, LBFGSHyper {}

export class LBFGS extends Optimizer<LBFGSGroup> {
  private lbfgs: LBFGSState = { funcEvals: 0, nIter: 0 };

  /** PyTorch's positional order (lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn), then the options object. */
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number, maxIter: number, maxEval: number | null, toleranceGrad: number, toleranceChange: number, historySize: number, lineSearchFn: "strong_wolfe" | null], LBFGSOptions>) {
    const o = pyArgs<LBFGSOptions>("LBFGS", ["lr", "maxIter", "maxEval", "toleranceGrad", "toleranceChange", "historySize", "lineSearchFn"], args);
    const maxIter = o.maxIter ?? 20;
    super(params, {
      lr: o.lr ?? 1,
      maxIter,
      maxEval: o.maxEval ?? Math.floor((maxIter * 5) / 4),
      toleranceGrad: o.toleranceGrad ?? 1e-7,
      toleranceChange: o.toleranceChange ?? 1e-9,
      historySize: o.historySize ?? 100,
      lineSearchFn: o.lineSearchFn ?? null,
      maximize: o.maximize ?? false,
    });
    if (this.paramGroups.length !== 1) throw new Error("tstorch: LBFGS doesn't support per-parameter options (parameter groups)");
  }

  protected override validateGroup(g: LBFGSGroup): void {
    super.validateGroup(g);
    if (g.lineSearchFn !== null && g.lineSearchFn !== "strong_wolfe") throw new Error("tstorch: only 'strong_wolfe' is supported");
    if (this.paramGroups.length > 0) throw new Error("tstorch: LBFGS doesn't support per-parameter options (parameter groups)");
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  /** _gather_flat_grad: every gradient flattened into one vector (zeros where there is none). */
  private gatherFlatGrad(): Tensor {
    const views = this.params.map((p) => {
      const g = p.grad;
      if (g === null) return zeros([p.numel()], { dtype: p.dtype, device: p.device });
      return isSparse(g) ? g.toDense().view(-1) : g.view(-1);
    });
    const flat = cat(views, 0);
    if (this.paramGroups[0].maximize) flat.neg_();
    return flat;
  }

  /** _add_grad: params += stepSize · update (the flat update split back into the parameters). */
  private addGrad(stepSize: number, update: Tensor): void {
    let offset = 0;
    for (const p of this.params) {
      const numel = p.numel();
      p.add_(update.narrow(0, offset, numel).viewAs(p), stepSize);
      offset += numel;
    }
  }

  /** The loss as a Python float, negated under maximize. */
  private lossValue(loss: Tensor | number): number {
    const v = typeof loss === "number" ? loss : Number(loss.item());
    return this.paramGroups[0].maximize ? -v : v;
  }

  /** One step of up to maxIter iterations; closure() zeroes the gradients, computes the loss, calls backward() and returns the loss. */
  step(closure?: Closure): Tensor | number {
    if (typeof closure !== "function") throw new Error("tstorch: LBFGS.step needs a closure that re-evaluates the model and returns the loss");
    const run = closure;
    const before = this.stateTensors();
    let after = before;
    const result = noGrad(() =>
      scope(() => {
        try {
          return this.iterate(run);
        } finally {
          // the new state outlives the step (also when the closure threw); the state it replaced is freed
          after = this.stateTensors();
          for (const t of after) if (!isPersistent(t)) persist(t);
        }
      }),
    );
    for (const t of before) if (!after.has(t)) t.dispose();
    return result;
  }

  private iterate(closure: Closure): Tensor | number {
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = group;
    const S = new PyScalars(this.params[0].dtype === "float32" ? Math.fround : (x) => x);
    const state = this.lbfgs;
    const evaluate = (): Tensor | number => this.evalClosure(closure)!;
    if (this.params.length === 0) return evaluate();

    const origLoss = evaluate();
    let loss = this.lossValue(origLoss);
    let currentEvals = 1;
    state.funcEvals += 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = (flatGrad.abs().max().item() as number) <= toleranceGrad;
    // the optimal condition
    if (optCond) return origLoss;

    let { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss } = state;
    let nIter = 0;
    while (nIter < maxIter) {
      nIter += 1;
      state.nIter += 1;
      // the descent direction
      if (state.nIter === 1) {
        d = flatGrad.neg();
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = S.n(1);
      } else {
        const y = flatGrad.sub(prevFlatGrad!);
        const s = d!.mul(t!.v);
        const ys = S.tensor(y.dot(s).item() as number);
        if (ys.v > 1e-10) {
          // the memory is full: forget the oldest pair
          if (oldDirs!.length === historySize) {
            oldDirs!.shift();
            oldStps!.shift();
            ro!.shift();
          }
          oldDirs!.push(y);
          oldStps!.push(s);
          ro!.push(S.div(S.n(1), ys));
          // the initial Hessian approximation
          hDiag = S.div(ys, S.tensor(y.dot(y).item() as number));
        }
        // the two-loop recursion: d = -H·g
        const numOld = oldDirs!.length;
        state.al ??= new Array<PyNum | null>(historySize).fill(null);
        const al = state.al;
        const q = flatGrad.neg();
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = S.mul(S.tensor(oldStps![i].dot(q).item() as number), ro![i]);
          q.add_(oldDirs![i], S.neg(al[i]!).v);
        }
        const r = q.mul(hDiag!.v);
        d = r;
        for (let i = 0; i < numOld; i++) {
          const beI = S.mul(S.tensor(oldDirs![i].dot(r).item() as number), ro![i]);
          r.add_(oldStps![i], S.sub(al[i]!, beI).v);
        }
      }
      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
      else prevFlatGrad.copy_(flatGrad);
      prevLoss = loss;

      // the step length
      if (state.nIter === 1) t = S.mul(S.min(S.n(1), S.div(S.n(1), S.tensor(flatGrad.abs().sum().item() as number))), S.n(lr));
      else t = S.n(lr);
      // the directional derivative: below tolerance, stop
      const gtd = S.tensor(flatGrad.dot(d).item() as number);
      if (gtd.v > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearchFn !== null) {
        const xInit = this.params.map((p) => p.clone());
        const dir = d;
        const objFunc = (tt: PyNum): [number, Tensor] => {
          this.addGrad(tt.v, dir);
          const l = this.lossValue(evaluate());
          const fg = this.gatherFlatGrad();
          this.params.forEach((p, i) => p.copy_(xInit[i]));
          return [l, fg];
        };
        const maxLs = torchVersion()[0] >= 2 ? maxEval - currentEvals : 25;
        const ls = strongWolfe(S, objFunc, t, d, loss, flatGrad, gtd, 1e-4, 0.9, 1e-9, maxLs);
        loss = ls.f;
        flatGrad = ls.g;
        t = ls.t;
        lsFuncEvals = ls.evals;
        this.addGrad(t.v, d);
        optCond = (flatGrad.abs().max().item() as number) <= toleranceGrad;
      } else {
        // a fixed step
        this.addGrad(t.v, d);
        if (nIter !== maxIter) {
          // re-evaluate the function only outside the last iteration (there step() returns anyway)
          loss = this.lossValue(evaluate());
          flatGrad = this.gatherFlatGrad();
          optCond = (flatGrad.abs().max().item() as number) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      // the counters
      currentEvals += lsFuncEvals;
      state.funcEvals += lsFuncEvals;
      // the conditions
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break; // the optimal condition
      if ((d.mul(t.v).abs().max().item() as number) <= toleranceChange) break; // lack of progress
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    Object.assign(state, { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss });
    return origLoss;
  }

  /** The tensors the state holds. */
  private stateTensors(): Set<Tensor> {
    const s = this.lbfgs;
    const out = new Set<Tensor>();
    for (const t of [s.d, s.prevFlatGrad, ...(s.oldDirs ?? []), ...(s.oldStps ?? [])]) if (t !== undefined) out.add(t);
    return out;
  }

  /**
   * PyTorch's LBFGS state (one entry, for the first parameter) flattened: tensors "0.d",
   * "0.prev_flat_grad", "0.old_dirs.<i>", "0.old_stps.<i>"; numbers in meta.state["0"]
   * (func_evals, n_iter, t, H_diag, prev_loss, ro.<i>, al.<i>; "<name>.tensor" is 1 for a 0-d tensor).
   */
  override stateDict(opts?: { layout?: "tstorch" }): OptimizerStateDict;
  /**
   * `{ layout: "pytorch" }`: PyTorch's `LBFGS.state_dict()` itself ({ state: Map { 0 => { func_evals,
   * n_iter, d, t, old_dirs, ... } }, param_groups }), for torch.save and PyTorch's load_state_dict.
   * The tensors are new handles (dispose them or use a torch.scope).
   */
  override stateDict(opts: { layout: "pytorch" }): LBFGSTorchStateDict;
  override stateDict(opts: { layout?: "tstorch" | "pytorch" } = {}): OptimizerStateDict | LBFGSTorchStateDict {
    if (opts.layout === "pytorch") return toTorchLayout(this.lbfgs, this.paramGroups[0], this.params.length, this.params[0]);
    const sd = super.stateDict();
    const s = this.lbfgs;
    const tensors = sd.state;
    const nums: Record<string, number> = { func_evals: s.funcEvals, n_iter: s.nIter };
    const num = (name: string, v: PyNum | null | undefined): void => {
      if (v == null) return;
      nums[name] = v.v;
      nums[`${name}.tensor`] = v.tensor ? 1 : 0;
    };
    num("t", s.t);
    num("H_diag", s.hDiag);
    if (s.prevLoss !== undefined) nums.prev_loss = s.prevLoss;
    s.ro?.forEach((v, i) => num(`ro.${i}`, v));
    s.al?.forEach((v, i) => num(`al.${i}`, v));
    if (s.al !== undefined) nums.al_size = s.al.length;
    noGrad(() => {
      if (s.d) tensors.set("0.d", s.d.detach());
      if (s.prevFlatGrad) tensors.set("0.prev_flat_grad", s.prevFlatGrad.detach());
      s.oldDirs?.forEach((t, i) => tensors.set(`0.old_dirs.${i}`, t.detach()));
      s.oldStps?.forEach((t, i) => tensors.set(`0.old_stps.${i}`, t.detach()));
    });
    sd.meta.state["0"] = nums;
    return sd;
  }

  /**
   * Takes tstorch's stateDict(), or PyTorch's layout: stateDict({ layout: "pytorch" }), or what
   * torch.load gives for a file PyTorch's `torch.save(opt.state_dict(), f)` wrote.
   */
  override loadStateDict(sd: { state: Map<string, Tensor> | Record<string, Tensor>; meta: unknown } | LBFGSTorchStateDict | Map<string, unknown>): void {
    if (isTorchLayout(sd)) {
      const { hyper, state } = fromTorchLayout(sd, this.params.length, this.params[0]);
      Object.assign(this.paramGroups[0], hyper);
      for (const t of this.stateTensors()) t.dispose();
      this.lbfgs = state;
      return;
    }
    if (sd instanceof Map || !("meta" in sd)) throw new Error("tstorch: not an optimizer state dict (expected { state, meta } or PyTorch's { state, param_groups })");
    const meta = sd.meta as { paramGroups?: Record<string, unknown>[]; state?: Record<string, Record<string, number>> };
    if (typeof meta !== "object" || meta === null || !Array.isArray(meta.paramGroups)) throw new Error("tstorch: not an optimizer state dict (meta.paramGroups is not an array)");
    if (meta.paramGroups.length !== 1) throw new Error(`tstorch: loaded state dict has ${meta.paramGroups.length} parameter groups, this optimizer has 1`);
    const nums = meta.state?.["0"] ?? {};
    const src = sd.state instanceof Map ? sd.state : new Map(Object.entries(sd.state));
    const copy = (t: Tensor): Tensor => persist(noGrad(() => t.to({ device: this.params[0].device, dtype: this.params[0].dtype, copy: true })));
    const num = (name: string): PyNum | undefined => (nums[name] === undefined ? undefined : new PyNum(nums[name], nums[`${name}.tensor`] === 1));
    const list = (prefix: string): Tensor[] | undefined => {
      const out: Tensor[] = [];
      while (src.has(`0.${prefix}.${out.length}`)) out.push(copy(src.get(`0.${prefix}.${out.length}`)!));
      return out.length > 0 || nums.n_iter > 0 ? out : undefined;
    };
    const next: LBFGSState = { funcEvals: nums.func_evals ?? 0, nIter: nums.n_iter ?? 0 };
    if (src.has("0.d")) next.d = copy(src.get("0.d")!);
    if (src.has("0.prev_flat_grad")) next.prevFlatGrad = copy(src.get("0.prev_flat_grad")!);
    next.oldDirs = list("old_dirs");
    next.oldStps = list("old_stps");
    next.t = num("t");
    next.hDiag = num("H_diag");
    next.prevLoss = nums.prev_loss;
    if (next.oldDirs !== undefined) next.ro = next.oldDirs.map((_, i) => num(`ro.${i}`)!);
    if (nums.al_size !== undefined) next.al = Array.from({ length: nums.al_size }, (_, i) => num(`al.${i}`) ?? null);
    const { params: _ids, ...hyper } = meta.paramGroups[0];
    Object.assign(this.paramGroups[0], hyper);
    for (const t of this.stateTensors()) t.dispose();
    this.lbfgs = next;
  }

  override disposeState(): void {
    for (const t of this.stateTensors()) t.dispose();
    this.lbfgs = { funcEvals: 0, nIter: 0 };
    super.disposeState();
  }
}
