// What the TorchScript examples and bench/jit-serve share: the scripted CNN's file (made by
// PyTorch through examples/jit-make-cnn.py when missing) and image <-> tensor conversions.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from examples/ or dist/examples/). */
export const ROOT = existsSync(resolve(here, "..", "package.json")) ? resolve(here, "..") : resolve(here, "..", "..");
export const PYTHON = process.env.TSTORCH_PYTHON ?? "/usr/bin/python3";
export const BASE_MODEL = resolve(ROOT, ".cache", "jit", "cifar-cnn.pt");
export const FINETUNED_MODEL = resolve(ROOT, ".cache", "jit", "cifar-cnn-finetuned.pt");

/** The scripted CNN from PyTorch, made on first use. */
export function ensureBaseModel(file = BASE_MODEL): string {
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const r = spawnSync(PYTHON, [resolve(ROOT, "examples", "jit-make-cnn.py"), file], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`could not make ${file} with ${PYTHON} (PyTorch needed): exit ${r.status ?? r.signal}`);
  return file;
}

/** A decoded RGBA image as a [1, 3, H, W] float32 tensor in [0, 1] (CIFAR-10's layout). */
export function imageTensor(rgba: Uint8Array, width: number, height: number): torch.Tensor {
  return torch.scope(() => {
    const hw4 = torch.fromTypedArray(rgba, [height, width, 4]);
    return hw4.narrow(2, 0, 3).permute([2, 0, 1]).unsqueeze(0).to("float32").div(255).contiguous();
  });
}

/** A [3, 32, 32] float image in [0, 1] as RGB bytes (to make PNGs of CIFAR-10 images). */
export function rgbBytes(img: torch.Tensor): Uint8Array {
  return torch.scope(() => new Uint8Array(img.mul(255).round().clamp(0, 255).to("uint8").permute([1, 2, 0]).contiguous().toTypedArray() as Uint8Array));
}
