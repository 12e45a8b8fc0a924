// SignSGD (trial): p ← p - lr·sign(grad). Gather in the class, compute in singleTensorSignSgd / multiTensorSignSgd.
import type { Tensor } from "../core/tensor.js";
import { Closure, Optimizer, ParamGroup, ParamsInput } from "./optimizer.js";
import { type PyArgs } from "../core/py-args.js";
import { eachParam, forEachGroupWithGrads, optimizerDefaults } from "./optimizer-options.js";
import { foreachInPlace } from "./foreach-ops.js";

export interface SignSGDOptions {
  lr?: number;
  foreach?: boolean;
}
export type SignSGDGroup = ParamGroup & Required<SignSGDOptions>;
const DEFAULTS: Required<SignSGDOptions> = { lr: 1e-3, foreach: false };

export class SignSGD extends Optimizer<SignSGDGroup> {
  constructor(params: ParamsInput, ...args: PyArgs<[lr: number], SignSGDOptions>) {
    super(params, optimizerDefaults("SignSGD", ["lr"], args, DEFAULTS));
  }
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    forEachGroupWithGrads(this.paramGroups, "SignSGD", (g, params, grads) => (g.foreach ? multiTensorSignSgd : singleTensorSignSgd)(params, grads, g));
    return loss;
  }
}

function singleTensorSignSgd(params: Tensor[], grads: Tensor[], g: SignSGDGroup): void {
  eachParam(params, (i) => params[i].add_(grads[i].sign(), -g.lr));
}
function multiTensorSignSgd(params: Tensor[], grads: Tensor[], g: SignSGDGroup): void {
  foreachInPlace("add", "List", params, grads.map((x) => x.sign()), -g.lr); // no _foreach_sign in 1.13
}
