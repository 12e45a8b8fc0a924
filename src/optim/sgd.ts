// SGD with momentum, dampening, Nesterov, weight decay and maximize: torch/optim/sgd.py
// (_single_tensor_sgd, PyTorch 1.13) operation for operation, in place, under noGrad.
import { noGrad } from "../core/autograd.js";
import { Tensor } from "../core/tensor.js";
import { persist } from "../nn/persist.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";

export interface SGDOptions {
  /** Required: here or positionally, new SGD(params, lr, { momentum }) as PyTorch's SGD(params, lr, momentum=...). */
  lr?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  maximize?: boolean;
}

export interface SGDGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  maximize: boolean;
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
    });
  }

  protected override validateGroup(g: SGDGroup): void {
    super.validateGroup(g);
    if (!(g.momentum >= 0)) throw new Error(`tstorch: invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new Error(`tstorch: invalid weight_decay value: ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new Error("tstorch: Nesterov momentum requires a momentum and zero dampening");
  }

  step(): void {
    noGrad(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          const grad = p.grad;
          if (grad === null) continue;
          // temporaries this update made (the grad handle included), freed at the end
          const temps: Tensor[] = [grad];
          try {
            let dp = grad;
            if (g.maximize) temps.push((dp = dp.neg()));
            if (g.weightDecay !== 0) temps.push((dp = dp.add(p, g.weightDecay)));
            if (g.momentum !== 0) {
              const state = this.stateOf(p);
              let buf = state.momentum_buffer as Tensor | null | undefined;
              if (buf == null) {
                // PyTorch clones d_p; a temporary of ours already is a private copy, so it is adopted
                if (dp !== grad) temps.splice(temps.indexOf(dp), 1);
                else dp = dp.clone();
                buf = persist(dp);
                state.momentum_buffer = buf;
              } else {
                buf.mul_(g.momentum).add_(dp, 1 - g.dampening);
              }
              if (g.nesterov) temps.push((dp = dp.add(buf, g.momentum)));
              else dp = buf;
            }
            p.add_(dp, -g.lr);
          } finally {
            for (const t of temps) t.dispose();
          }
        }
      }
    });
  }
}
