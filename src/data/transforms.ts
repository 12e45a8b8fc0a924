// Batched image augmentation on tensors (torch.data.transforms): every function takes a batch
// [N, C, H, W] on any device and works on the whole batch with libtorch ops, no loop over images.
// The random ones draw from libtorch's default generator with exactly the calls their comments name,
// so after torch.manualSeed(s) the same PyTorch calls give bit-identical batches (airbench's
// batch_flip_lr / batch_crop with reflect padding). There is no generator argument: tstorch's
// factories draw from the default generator only.
import { arange, randint, rand, tensor, where } from "../core/creation.js";
import { isFloatingDType } from "../core/dtype.js";
import { scope } from "../core/scope.js";
import { Tensor } from "../core/tensor.js";
import { reflectionPad2d } from "../generated/nn-functions.js";

function check4d(x: Tensor, fn: string): [number, number, number, number] {
  if (!(x instanceof Tensor)) throw new Error(`tstorch: transforms.${fn}: expected a Tensor batch [N, C, H, W]`);
  const s = x.shape;
  if (s.length !== 4) throw new Error(`tstorch: transforms.${fn}: expected a 4-d batch [N, C, H, W], got shape [${s}]`);
  return s as [number, number, number, number];
}

/** The mirror image of every image of the batch (left ↔ right): x.flip(-1). */
export function flipLr(x: Tensor): Tensor {
  check4d(x, "flipLr");
  return x.flip(-1);
}

/**
 * Mirrors each image with probability 1/2. RNG, in order: one `torch.rand(N, device=x.device)`
 * (float32); image i is mirrored where that value is < 0.5. PyTorch:
 *
 *     mask = (torch.rand(len(x), device=x.device) < 0.5).view(-1, 1, 1, 1)
 *     return torch.where(mask, x.flip(-1), x)
 */
export function randomFlipLr(x: Tensor): Tensor {
  const [n] = check4d(x, "randomFlipLr");
  return scope(() => {
    const mask = rand([n], { device: x.device }).lt(0.5).view(-1, 1, 1, 1);
    return where(mask, x.flip(-1), x);
  });
}

/**
 * Reflect-pads each image by `pad` and crops it back to H × W at a random offset: a translation
 * by up to `pad` pixels each way. RNG, in order: one `torch.randint(-pad, pad + 1, (N, 2))` (int64,
 * on the CPU, whatever x's device); row i is (sy, sx), the vertical then horizontal shift. PyTorch:
 *
 *     padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
 *     shifts = torch.randint(-pad, pad + 1, (len(x), 2))
 *     out[i] = padded[i, :, pad+sy : pad+sy+H, pad+sx : pad+sx+W]    # (sy, sx) = shifts[i]
 *
 * Done for the whole batch with two gathers (rows, then columns); keeps x's dtype.
 */
export function randomCropReflect(x: Tensor, pad: number): Tensor {
  const [n, c, h, w] = check4d(x, "randomCropReflect");
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`tstorch: transforms.randomCropReflect: pad must be a non-negative integer, got ${pad}`);
  if (pad >= h || pad >= w) {
    throw new Error(`tstorch: transforms.randomCropReflect: reflect padding ${pad} must be smaller than the image size ${h}×${w}`);
  }
  return scope(() => {
    const padded = reflectionPad2d(x, [pad, pad, pad, pad]);
    const shifts = randint(-pad, pad + 1, [n, 2]).to(x.device).add(pad);
    const dev = { device: x.device };
    const rows = arange(h, dev).view(1, 1, h, 1).add(shifts.select(1, 0).view(n, 1, 1, 1)).expand(n, c, h, w + 2 * pad);
    const cols = arange(w, dev).view(1, 1, 1, w).add(shifts.select(1, 1).view(n, 1, 1, 1)).expand(n, c, h, w);
    return padded.gather(2, rows).gather(3, cols);
  });
}

/**
 * Translates the whole batch, filling the uncovered border by reflection; same size as x, no
 * randomness (test-time augmentation). Output pixel (r, c) is input pixel (r + dy, c + dx),
 * reflected at the borders, the same convention as randomCropReflect's (sy, sx): equals PyTorch's
 * `F.pad(x, (p, p, p, p), mode="reflect")[:, :, p+dy : p+dy+H, p+dx : p+dx+W]` for any p >= |dx|, |dy|.
 */
export function translate(x: Tensor, dx: number, dy: number, mode: "reflect" = "reflect"): Tensor {
  const [, , h, w] = check4d(x, "translate");
  if (mode !== "reflect") throw new Error(`tstorch: transforms.translate: mode must be "reflect", got ${String(mode)}`);
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new Error(`tstorch: transforms.translate: dx and dy must be integers, got ${dx}, ${dy}`);
  const px = Math.abs(dx);
  const py = Math.abs(dy);
  if (px >= w || py >= h) throw new Error(`tstorch: transforms.translate: shift (${dx}, ${dy}) must be smaller than the image size ${h}×${w}`);
  return scope(() => reflectionPad2d(x, [px, px, py, py]).narrow(2, py + dy, h).narrow(3, px + dx, w).contiguous());
}

/**
 * (x - mean[c]) / std[c] per channel c, with mean and std as tensors of x's dtype on x's device
 * (torchvision's Normalize: `x.sub(mean.view(-1, 1, 1)).div(std.view(-1, 1, 1))`). x must be floating point.
 */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const [, c] = check4d(x, "normalize");
  if (!isFloatingDType(x.dtype)) throw new Error(`tstorch: transforms.normalize: expected a floating-point batch, got ${x.dtype}`);
  if (!Array.isArray(mean) || mean.length !== c) throw new Error(`tstorch: transforms.normalize: expected ${c} means (one per channel), got ${Array.isArray(mean) ? mean.length : typeof mean}`);
  if (!Array.isArray(std) || std.length !== c) throw new Error(`tstorch: transforms.normalize: expected ${c} stds (one per channel), got ${Array.isArray(std) ? std.length : typeof std}`);
  if (std.some((s) => s === 0)) throw new Error(`tstorch: transforms.normalize: std evaluated to zero ([${std}]), leading to division by zero`);
  return scope(() => {
    const o = { dtype: x.dtype, device: x.device };
    return x.sub(tensor([...mean], o).view(1, c, 1, 1)).div(tensor([...std], o).view(1, c, 1, 1));
  });
}
