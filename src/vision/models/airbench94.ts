// The airbench94 network (Keller Jordan's fast CIFAR-10 recipe, arXiv 2404.00498), as tch's
// `vision` module ships its models: a frozen 2×2 whitening convolution, three conv groups, a linear
// head. Module names and state-dict keys are those of bench/airbench94_torch.py ("0.weight",
// "2.conv1.weight", "2.norm1.bias", ...), so weights move between the two with no renaming, and after
// the same seed the default initialisation draws the same numbers as PyTorch's.
import { noGrad } from "../../core/autograd.js";
import { cat } from "../../core/creation.js";
import type { Tensor } from "../../core/tensor.js";
import { Conv2d } from "../../nn/conv.js";
import { GELU, Flatten } from "../../nn/activation.js";
import { dirac_ } from "../../nn/init.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { BatchNorm2d } from "../../nn/normalization.js";
import { MaxPool2d } from "../../nn/pooling.js";
import { Sequential } from "../../nn/sequential.js";
import { translate } from "../../data/transforms.js";
import { eigh as linalgEigh } from "../../generated/linalg.js";

export interface Airbench94Options {
  /** Widths of the three conv groups (the recipe's 64, 256, 256). */
  widths?: readonly [number, number, number];
  /** BatchNorm eps and momentum (PyTorch's convention): 1e-12 and 0.4. */
  bnEps?: number;
  bnMomentum?: number;
}

/** conv3×3 → MaxPool2d(2) → BatchNorm → GELU → conv3×3 → BatchNorm → GELU; convs without bias. */
export class ConvGroup extends Module {
  readonly conv1: Conv2d;
  readonly pool = new MaxPool2d(2);
  readonly norm1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly norm2: BatchNorm2d;
  readonly act = new GELU();
  constructor(cin: number, cout: number, eps: number, momentum: number) {
    super();
    this.conv1 = new Conv2d(cin, cout, 3, { padding: 1, bias: false });
    this.norm1 = new BatchNorm2d(cout, { eps, momentum });
    this.conv2 = new Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.norm2 = new BatchNorm2d(cout, { eps, momentum });
    this.registerModule("conv1", this.conv1);
    this.registerModule("pool", this.pool);
    this.registerModule("norm1", this.norm1);
    this.registerModule("conv2", this.conv2);
    this.registerModule("norm2", this.norm2);
    this.registerModule("act", this.act);
  }
  forward(x: Tensor): Tensor {
    // each intermediate is dropped as soon as the next exists (autograd keeps what backward needs)
    let h = x;
    for (const m of [this.conv1, this.pool, this.norm1, this.act, this.conv2, this.norm2, this.act]) {
      const next = m.forward(h);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}

/**
 * The network: whitening conv 3→24 (2×2, no padding; call initWhitening_ before training) → GELU →
 * three ConvGroups → MaxPool2d(3) → flatten → Linear(→10, no bias) → × 1/9. Parameters that the
 * recipe freezes (the whitening filters, every BatchNorm weight, fixed at 1) do not require grad;
 * each group conv's first in-channels filters are Dirac (identity) filters.
 */
export function airbench94(o: Airbench94Options = {}): Sequential {
  const [w1, w2, w3] = o.widths ?? [64, 256, 256];
  const eps = o.bnEps ?? 1e-12;
  const momentum = o.bnMomentum ?? 0.4;
  const net = new Sequential(
    new Conv2d(3, 24, 2),
    new GELU(),
    new ConvGroup(24, w1, eps, momentum),
    new ConvGroup(w1, w2, eps, momentum),
    new ConvGroup(w2, w3, eps, momentum),
    new MaxPool2d(3),
    new Flatten(),
    new Linear(w3, 10, { bias: false }),
  );
  net.addFn((x) => x.mul(1 / 9));
  noGrad(() => {
    for (const m of net.modules()) {
      if (m instanceof BatchNorm2d) m.weight?.requiresGrad_(false);
      if (m instanceof Conv2d && m !== net.at(0)) {
        const first = m.weight.narrow(0, 0, m.weight.shape[1]);
        dirac_(first);
        first.dispose();
      }
    }
  });
  (net.at(0) as Conv2d).weight.requiresGrad_(false);
  return net;
}

/**
 * Sets the whitening conv's filters from `images` (normalised, [N, C, H, W]): the eigenvectors of
 * the covariance of their kH×kW patches, largest eigenvalue first, each divided by
 * sqrt(eigenvalue + eps), followed by their negatives (so out_channels = 2·C·kH·kW).
 */
export function initWhitening_(conv: Conv2d, images: Tensor, eps = 5e-4): void {
  const [kh, kw] = conv.kernelSize;
  const c = images.shape[1];
  const d = c * kh * kw;
  if (conv.outChannels !== 2 * d) {
    throw new Error(`tstorch: initWhitening_: the conv has ${conv.outChannels} filters; whitening ${c}-channel ${kh}×${kw} patches needs ${2 * d}`);
  }
  noGrad(() => {
    const u1 = images.unfold(2, kh, 1);
    const u2 = u1.unfold(3, kw, 1);
    const patches = u2.transpose(1, 3).reshape([-1, c, kh, kw]).to("float32");
    const flat = patches.view([patches.shape[0], -1]);
    const cov = flat.T.matmul(flat).div(flat.shape[0]);
    const { eigenvalues, eigenvectors } = linalgEigh(cov, "U");
    const evals = eigenvalues.flip([0]).view([-1, 1, 1, 1]);
    const evecs = eigenvectors.T.reshape([-1, c, kh, kw]).flip([0]);
    const scaled = evecs.div(evals.add(eps).sqrt());
    const filters = cat([scaled, scaled.neg()]);
    conv.weight.copy_(filters);
    for (const t of [u1, u2, patches, flat, cov, eigenvalues, eigenvectors, evals, evecs, scaled, filters]) t.dispose();
  });
}

/**
 * Test-time augmentation, six views: 0.5 × the mean of the plain and mirrored predictions plus
 * 0.5 × the mean over the 1-px reflect translations up-left and down-right, each with its mirror.
 */
export function predictTta(net: Module, x: Tensor): Tensor {
  const mirrored = (v: Tensor): Tensor => {
    const flipped = v.flip([-1]);
    const a = net.forward(v) as Tensor;
    const b = net.forward(flipped) as Tensor;
    const out = a.add(b).mul_(0.5);
    for (const t of [flipped, a, b]) t.dispose();
    return out;
  };
  const upLeft = translate(x, -1, -1, "reflect");
  const downRight = translate(x, 1, 1, "reflect");
  const plain = mirrored(x);
  const ul = mirrored(upLeft);
  const dr = mirrored(downRight);
  const out = plain.mul(0.5).add_(ul, 0.25).add_(dr, 0.25);
  for (const t of [upLeft, downRight, plain, ul, dr]) t.dispose();
  return out;
}
