// Loss modules (nn.MSELoss, nn.CrossEntropyLoss, ...): PyTorch's constructor options, forward(input,
// target). Class weights are registered as a buffer named "weight" (and BCEWithLogitsLoss's
// "pos_weight"), as in PyTorch's state_dict.
import { crossEntropy, l1Loss, mseLoss, nllLoss } from "../core/functional.js";
import type { Reduction, Tensor } from "../core/tensor.js";
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, ctcLoss, CTCLossOptions, huberLoss, klDiv, KLDivOptions, smoothL1Loss,
} from "./losses-functional.js";
import { Module } from "./module.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";

const REDUCTIONS = ["mean", "sum", "none"];

abstract class Loss<In extends unknown[] = [Tensor, Tensor]> extends Module<In, Tensor> {
  readonly reduction: Reduction;
  constructor(reduction: Reduction | undefined, extra: string[] = []) {
    super();
    const r = reduction ?? "mean";
    if (!REDUCTIONS.includes(r) && !extra.includes(r)) throw new Error(`tstorch: ${this.constructor.name}: ${r} is not a valid value for reduction`);
    this.reduction = r;
  }
}

export class MSELoss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) { super(o.reduction); }
  forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

export class L1Loss extends Loss {
  constructor(o: { reduction?: Reduction } = {}) { super(o.reduction); }
  forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

export interface ClassLossOptions {
  /** A manual rescaling weight per class [C]. */
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  /** `new nn.CrossEntropyLoss(weight)` or `new nn.CrossEntropyLoss({ weight, ignoreIndex, labelSmoothing })`. */
  constructor(...args: PyArgs<[weight: Tensor | null], ClassLossOptions & { labelSmoothing?: number }>) {
    const o = pyArgs<ClassLossOptions & { labelSmoothing?: number }>("CrossEntropyLoss", ["weight"], args);
    super(o.reduction);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) throw new Error(`tstorch: labelSmoothing must be between 0.0 and 1.0, got ${this.labelSmoothing}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing, reduction: this.reduction });
  }
}

export class NLLLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  /** `new nn.NLLLoss(weight)` or `new nn.NLLLoss({ weight, ignoreIndex })`. */
  constructor(...args: PyArgs<[weight: Tensor | null], ClassLossOptions>) {
    const o = pyArgs<ClassLossOptions>("NLLLoss", ["weight"], args);
    super(o.reduction);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

export class BCELoss extends Loss {
  declare weight: Tensor | null;
  /** `new nn.BCELoss(weight)` or `new nn.BCELoss({ weight, reduction })`. */
  constructor(...args: PyArgs<[weight: Tensor | null], { weight?: Tensor | null; reduction?: Reduction }>) {
    const o = pyArgs<{ weight?: Tensor | null; reduction?: Reduction }>("BCELoss", ["weight"], args);
    super(o.reduction);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor { return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}

export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare posWeight: Tensor | null;
  /** `new nn.BCEWithLogitsLoss(weight)` or `new nn.BCEWithLogitsLoss({ weight, posWeight, reduction })`. */
  constructor(...args: PyArgs<[weight: Tensor | null], { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }>) {
    const o = pyArgs<{ weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }>("BCEWithLogitsLoss", ["weight"], args);
    super(o.reduction);
    this.weight = this.registerBuffer("weight", o.weight ?? null);
    this.posWeight = this.registerBuffer("pos_weight", o.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

export class KLDivLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: KLDivOptions["reduction"] & string;
  readonly logTarget: boolean;
  constructor(o: KLDivOptions = {}) {
    super();
    const r = o.reduction ?? "mean";
    if (![...REDUCTIONS, "batchmean"].includes(r)) throw new Error(`tstorch: KLDivLoss: ${r} is not a valid value for reduction`);
    this.reduction = r;
    this.logTarget = o.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor { return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget }); }
}

export class HuberLoss extends Loss {
  readonly delta: number;
  /** PyTorch's HuberLoss(reduction='mean', delta=1.0). */
  constructor(...args: PyArgs<[reduction: Reduction, delta: number], { reduction?: Reduction; delta?: number }>) {
    const o = pyArgs<{ reduction?: Reduction; delta?: number }>("HuberLoss", ["reduction", "delta"], args);
    super(o.reduction);
    this.delta = o.delta ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor { return huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(o: { reduction?: Reduction; beta?: number } = {}) {
    super(o.reduction);
    this.beta = o.beta ?? 1.0;
  }
  forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** forward(logProbs [T, N, C], targets, inputLengths, targetLengths). */
export class CTCLoss extends Loss<[Tensor, Tensor, Tensor | readonly number[], Tensor | readonly number[]]> {
  readonly blank: number;
  readonly zeroInfinity: boolean;
  /** PyTorch's CTCLoss(blank=0, reduction='mean', zero_infinity=False). */
  constructor(...args: PyArgs<[blank: number, reduction: Reduction, zeroInfinity: boolean], CTCLossOptions>) {
    const o = pyArgs<CTCLossOptions>("CTCLoss", ["blank", "reduction", "zeroInfinity"], args);
    super(o.reduction);
    this.blank = o.blank ?? 0;
    this.zeroInfinity = o.zeroInfinity ?? false;
  }
  forward(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[]): Tensor {
    return ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity });
  }
}
