// Loss scaling for float16 mixed precision: PyTorch's torch.amp.GradScaler. fp16 gradients of small
// magnitude underflow to zero; multiplying the loss by a large factor before backward() keeps them
// representable, and the gradients are divided by it again before the optimiser step. A step whose
// gradients hold an inf or NaN (the factor was too large) is skipped and the factor halved; after
// `growthInterval` clean steps it doubles. bf16 has float32's range and needs none of this.
//
//   const scaler = new torch.amp.GradScaler();
//   const loss = torch.autocast({ dtype: "float16" }, () => model.forward(x).crossEntropyForLogits(y));
//   opt.zeroGrad();
//   scaler.scale(loss).backward();
//   scaler.step(opt);   // unscales, then steps unless a gradient is not finite
//   scaler.update();
import { noGrad } from "../core/autograd.js";
import { scope } from "../core/scope.js";
import { native } from "../core/native.js";
import { ids as K } from "../core/op-ids.js";
import { Tensor, scalar } from "../core/tensor.js";
import type { Optimizer } from "./optimizer.js";

export interface GradScalerOptions {
  /** default 65536 (2^16) */
  initScale?: number;
  /** default 2 */
  growthFactor?: number;
  /** default 0.5 */
  backoffFactor?: number;
  /** clean steps before the scale grows; default 2000 */
  growthInterval?: number;
  /** false turns every method into a pass-through (so one code path serves fp32 and fp16). Default true. */
  enabled?: boolean;
}

export class GradScaler {
  private scaleValue: number;
  private readonly growthFactor: number;
  private readonly backoffFactor: number;
  private readonly growthInterval: number;
  private growthTracker = 0;
  readonly enabled: boolean;
  /** Optimisers unscaled in this iteration, and whether their gradients held an inf or NaN. */
  private readonly unscaled = new Map<Optimizer, boolean>();

  constructor(opts: GradScalerOptions = {}) {
    this.scaleValue = opts.initScale ?? 2 ** 16;
    this.growthFactor = opts.growthFactor ?? 2;
    this.backoffFactor = opts.backoffFactor ?? 0.5;
    this.growthInterval = opts.growthInterval ?? 2000;
    this.enabled = opts.enabled ?? true;
    if (!(this.scaleValue > 0)) throw new Error(`tstorch: GradScaler initScale must be positive, got ${this.scaleValue}`);
    if (!(this.growthFactor > 1)) throw new Error(`tstorch: GradScaler growthFactor must be > 1, got ${this.growthFactor}`);
    if (!(this.backoffFactor > 0 && this.backoffFactor < 1)) {
      throw new Error(`tstorch: GradScaler backoffFactor must be in (0, 1), got ${this.backoffFactor}`);
    }
  }

  /** The current scale factor. */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }

  /** The loss times the scale (a new tensor), or the loss itself when disabled. */
  scale(loss: Tensor): Tensor {
    return this.enabled ? loss.mul(scalar(this.scaleValue, "float")) : loss;
  }

  /** Divides the optimiser's gradients by the scale, in place (once per iteration; step() calls it if needed). */
  unscale_(opt: Optimizer): void {
    if (!this.enabled) return;
    if (this.unscaled.has(opt)) throw new Error("tstorch: GradScaler.unscale_() was already called on this optimizer since the last update()");
    const total = noGrad(() =>
      scope(() => {
        const grads = opt.paramGroups.flatMap((g) => g.params.map((p) => p.grad)).filter((g): g is Tensor => g !== null);
        if (grads.length === 0) return 0;
        native.callInPlace(K._foreach_mul__Scalar, grads.map((g) => g._h), scalar(1 / this.scaleValue, "float"));
        // one synchronisation: a sum is finite exactly when every gradient element is
        return grads.map((g) => g.sum()).reduce((a, b) => a.add(b)).item();
      }),
    );
    this.unscaled.set(opt, !Number.isFinite(total));
  }

  /** Unscales (if not done yet) and runs opt.step() unless a gradient is inf or NaN. Returns whether it stepped. */
  step(opt: Optimizer): boolean {
    if (!this.enabled) {
      opt.step();
      return true;
    }
    if (!this.unscaled.has(opt)) this.unscale_(opt);
    if (this.unscaled.get(opt)) return false;
    opt.step();
    return true;
  }

  /** Adjusts the scale for the next iteration: halved after a skipped step, doubled after growthInterval clean ones. */
  update(): void {
    if (!this.enabled) return;
    const foundInf = [...this.unscaled.values()].some((x) => x);
    if (foundInf) {
      this.scaleValue *= this.backoffFactor;
      this.growthTracker = 0;
    } else if (this.unscaled.size > 0 && ++this.growthTracker === this.growthInterval) {
      this.scaleValue *= this.growthFactor;
      this.growthTracker = 0;
    }
    this.unscaled.clear();
  }

  /** PyTorch's state_dict keys, camelCased. */
  stateDict(): { scale: number; growthFactor: number; backoffFactor: number; growthInterval: number; growthTracker: number } {
    return {
      scale: this.scaleValue, growthFactor: this.growthFactor, backoffFactor: this.backoffFactor,
      growthInterval: this.growthInterval, growthTracker: this.growthTracker,
    };
  }

  loadStateDict(sd: { scale: number; growthTracker: number }): void {
    this.scaleValue = sd.scale;
    this.growthTracker = sd.growthTracker;
  }
}
