// The custom autograd Function of the acceptance test (issue 20), shared by the main thread and the
// worker threads of test/autograd-function.test.ts; MIX_PY is the same Function in PyTorch.
import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

type Ctx = torch.autograd.FunctionCtx;

/**
 * Two tensor inputs, two non-tensor ones, two outputs:
 *   a = alpha·x·y + s(x),  b = y²·x,  with s = sin or cos (mode).
 * backward is written with differentiable ops, so double backward works.
 */
export class Mix extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor, y: Tensor, alpha: number, mode: "sin" | "cos"): Tensor[] {
    ctx.alpha = alpha;
    ctx.mode = mode;
    ctx.saveForBackward(x, y);
    const s = mode === "sin" ? x.sin() : x.cos();
    return [x.mul(y).mul(alpha).add(s), y.pow(2).mul(x)];
  }
  static override backward(ctx: Ctx, ga: Tensor, gb: Tensor): (Tensor | null)[] {
    const [x, y] = ctx.savedTensors as Tensor[];
    const alpha = ctx.alpha as number;
    const ds = ctx.mode === "sin" ? x.cos() : x.sin().neg();
    const gx = ga.mul(y.mul(alpha).add(ds)).add(gb.mul(y.pow(2)));
    const gy = ga.mul(x).mul(alpha).add(gb.mul(y).mul(x).mul(2));
    return [ctx.needsInputGrad[0] ? gx : null, ctx.needsInputGrad[1] ? gy : null, null, null];
  }
}

export const MIX_PY = `
import torch
class Mix(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y, alpha, mode):
        ctx.alpha, ctx.mode = alpha, mode
        ctx.save_for_backward(x, y)
        s = x.sin() if mode == "sin" else x.cos()
        return x * y * alpha + s, y.pow(2) * x
    @staticmethod
    def backward(ctx, ga, gb):
        x, y = ctx.saved_tensors
        ds = x.cos() if ctx.mode == "sin" else -x.sin()
        gx = ga * (y * ctx.alpha + ds) + gb * y.pow(2)
        gy = ga * x * ctx.alpha + gb * y * x * 2
        return gx, gy, None, None
`;

export const XS = [0.3, -1.1, 0.8];
export const YS = [1.2, 0.5, -0.7];

/** First and second derivatives of L = sum(a·w) + sum(b²) through Mix, via grad(createGraph). */
export function mixDerivatives(alpha: number, mode: "sin" | "cos"): Record<string, number[]> {
  return torch.scope(() => {
    const f64 = { dtype: "float64" as const };
    const x = torch.tensor(XS, f64).requiresGrad_();
    const y = torch.tensor(YS, f64).requiresGrad_();
    const w = torch.tensor([1, -2, 0.5], f64);
    const [a, b] = Mix.apply(x, y, alpha, mode);
    const loss = a.mul(w).sum().add(b.pow(2).sum());
    const [gx, gy] = torch.autograd.grad(loss, [x, y], { createGraph: true });
    const [gxx, gxy] = torch.autograd.grad(gx.sum(), [x, y], { retainGraph: true });
    const [gyx, gyy] = torch.autograd.grad(gy.sum(), [x, y]);
    const arr = (t: Tensor): number[] => t.toArray() as number[];
    return { a: arr(a), b: arr(b), gx: arr(gx), gy: arr(gy), gxx: arr(gxx), gxy: arr(gxy), gyx: arr(gyx), gyy: arr(gyy) };
  });
}

export const MIX_DERIVATIVES_PY = `
def mix_derivatives(alpha, mode):
    x = torch.tensor(INPUT["xs"], dtype=torch.float64, requires_grad=True)
    y = torch.tensor(INPUT["ys"], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1, -2, 0.5], dtype=torch.float64)
    a, b = Mix.apply(x, y, alpha, mode)
    loss = (a * w).sum() + (b ** 2).sum()
    gx, gy = torch.autograd.grad(loss, [x, y], create_graph=True)
    gxx, gxy = torch.autograd.grad(gx.sum(), [x, y], retain_graph=True)
    gyx, gyy = torch.autograd.grad(gy.sum(), [x, y])
    return {"a": a, "b": b, "gx": gx, "gy": gy, "gxx": gxx, "gxy": gxy, "gyx": gyx, "gyy": gyy}
`;
