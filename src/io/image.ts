// Tensors as PNG images: [3,H,W] or [H,W,3] (or [1,H,W] / [H,W] grey) with values in [0,1].
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { scope } from "../core/scope.js";
import { encodePng, writePngAtomic, gridLayout } from "./png.js";

/** The image as interleaved H×W×C bytes (values in [0,1] scaled to 0..255, rounded half up, clamped). */
export function imageBytes(t: Tensor): { data: Uint8Array; width: number; height: number; channels: 1 | 3 } {
  return noGrad(() =>
    scope(() => {
      let x = t.detach().cpu().float();
      if (x.ndim === 2) x = x.unsqueeze(0);
      if (x.ndim !== 3) throw new Error(`tstorch: an image tensor must be [C,H,W] or [H,W,C], got shape [${t.shape}]`);
      // channels first whenever dim 0 can be channels (torchvision's convention: [3,H,3] is CHW)
      const chw = x.shape[0] === 1 || x.shape[0] === 3 || (x.shape[2] !== 1 && x.shape[2] !== 3);
      const hwc = chw ? x.permute(1, 2, 0) : x;
      const [height, width, channels] = hwc.shape;
      if (channels !== 1 && channels !== 3) throw new Error(`tstorch: an image needs 1 or 3 channels, got ${channels}`);
      // torchvision's save_image rounding: x*255 + 0.5, clamped, truncated (round half up)
      const bytes = hwc.mul(255).add(0.5).clamp(0, 255).to("uint8").contiguous();
      return { data: bytes.toTypedArray() as Uint8Array, width, height, channels: channels as 1 | 3 };
    }),
  );
}

/** Writes a [3,H,W] / [H,W,3] tensor in [0,1] as a PNG file (atomically). */
export function saveImage(t: Tensor, path: string, opts: { scale?: number } = {}): void {
  const img = imageBytes(t);
  if (opts.scale && opts.scale > 1) {
    const g = gridLayout([img.data], { height: img.height, width: img.width, channels: img.channels, cols: 1, scale: opts.scale });
    writePngAtomic(path, encodePng(g.data, g.width, g.height, img.channels));
    return;
  }
  writePngAtomic(path, encodePng(img.data, img.width, img.height, img.channels));
}

export interface GridSaveOptions {
  cols?: number;
  padding?: number;
  /** Nearest-neighbour upscale factor so that small images can be seen. */
  scale?: number;
}

/** Writes N images (a list of [3,H,W] tensors or one [N,3,H,W] tensor) as one PNG grid. */
export function saveImageGrid(images: Tensor | readonly Tensor[], path: string, o: GridSaveOptions = {}): void {
  const list = images instanceof Tensor ? images.unbind(0) : images;
  const bytes = list.map((t) => imageBytes(t));
  if (images instanceof Tensor) for (const t of list) t.dispose();
  if (bytes.length === 0) throw new Error("tstorch: saveImageGrid needs at least one image");
  const { width, height, channels } = bytes[0];
  const g = gridLayout(bytes.map((b) => b.data), { width, height, channels, cols: o.cols, padding: o.padding ?? 2, padValue: 255, scale: o.scale ?? 1 });
  writePngAtomic(path, encodePng(g.data, g.width, g.height, channels));
}
