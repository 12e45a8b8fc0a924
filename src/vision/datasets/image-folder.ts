// torchvision.datasets.ImageFolder (DatasetFolder with the image loader): root/<class>/**/<file>,
// classes sorted, one index per class, samples in torchvision's order (classes in order, then
// sorted(os.walk(class_dir)) with sorted file names). Items decode through vision.io (TurboJPEG,
// libpng): without a transform an item is [uint8 [C, H, W] tensor, class index], the image as
// read_image gives it (mode UNCHANGED unless `mode` says otherwise).
//
// Decoding off the JS thread: the dataset offers startItems (see data/dataset.ts), which the
// DataLoader calls for the batches it prefetches; the files are read and decoded on libuv's pool
// while the training step of the previous batch runs, and the transforms run when the batch is
// taken. getItem decodes one image on the calling thread.
import * as fs from "node:fs";
import * as path from "node:path";
import { availableParallelism } from "node:os";
import { Tensor } from "../../core/tensor.js";
import { checkIndex, type Dataset } from "../../data/dataset.js";
import { readImage, startDecodeImages, type ImageReadModeLike } from "../io/image.js";

/** Something that maps a value: a function, or an object with forward (a transform Module). */
export type TransformLike<I, O> = ((x: I) => O) | { forward(x: I): O };

/** The extensions the decoders read (torchvision's IMG_EXTENSIONS less the formats tstorch does not decode). */
export const IMG_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png"];

export interface ImageFolderOptions<T, Y> {
  /** Applied to each decoded image (uint8 [C, H, W]). */
  transform?: TransformLike<Tensor, T>;
  /** Applied to each class index. */
  targetTransform?: TransformLike<number, Y>;
  /** File name endings accepted (case-insensitive); exclusive with isValidFile. Default IMG_EXTENSIONS. */
  extensions?: readonly string[];
  /** Decides which files are samples (given the full path); exclusive with extensions. */
  isValidFile?: (path: string) => boolean;
  /** How the images are decoded (default UNCHANGED, read_image's; "RGB" gives 3 channels always, as PIL's convert("RGB")). */
  mode?: ImageReadModeLike;
  /** Decode work items per batch on libuv's pool (default: the core count). */
  threads?: number;
  /** Also accept class folders with no valid file (torchvision's allow_empty; default false). */
  allowEmpty?: boolean;
}

function apply<I, O>(f: TransformLike<I, O>, x: I): O {
  return typeof f === "function" ? f(x) : f.forward(x);
}

/** torchvision's find_classes: the sorted sub-folder names of root and their indices. */
export function findClasses(root: string): { classes: string[]; classToIdx: Record<string, number> } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    throw new Error(`tstorch: ImageFolder: cannot list ${root}: ${(e as Error).message}`);
  }
  const classes = entries.filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDir(path.join(root, e.name)))).map((e) => e.name).sort(pyCompare);
  if (classes.length === 0) throw new Error(`tstorch: ImageFolder: couldn't find any class folder in ${root}.`);
  const classToIdx: Record<string, number> = {};
  classes.forEach((c, i) => (classToIdx[c] = i));
  return { classes, classToIdx };
}

function isDir(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

// Python's str ordering (by code point); JS's default sort compares UTF-16 units, which differs
// only for characters beyond the BMP.
function pyCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

// os.walk(dir, followlinks=True): [folder, file names] for dir and every folder below it.
function walk(dir: string, out: [string, string[]][], seen: Set<string>): void {
  const real = fs.realpathSync(dir);
  if (seen.has(real)) return; // a symlink cycle
  seen.add(real);
  const files: string[] = [];
  const dirs: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && isDir(p))) dirs.push(p);
    else files.push(e.name);
  }
  out.push([dir, files]);
  for (const d of dirs) walk(d, out, seen);
}

/** torchvision's make_dataset: [path, class index] pairs in its order. */
export function makeDataset(
  root: string,
  classToIdx: Record<string, number>,
  o: { extensions?: readonly string[]; isValidFile?: (p: string) => boolean; allowEmpty?: boolean } = {},
): [string, number][] {
  if (o.extensions !== undefined && o.isValidFile !== undefined) {
    throw new Error("tstorch: ImageFolder: extensions and isValidFile cannot both be given");
  }
  const exts = (o.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
  const valid = o.isValidFile ?? ((p: string) => exts.some((e) => p.toLowerCase().endsWith(e)));
  const samples: [string, number][] = [];
  const found = new Set<string>();
  for (const cls of Object.keys(classToIdx).sort(pyCompare)) {
    const folders: [string, string[]][] = [];
    walk(path.join(root, cls), folders, new Set());
    folders.sort((a, b) => pyCompare(a[0], b[0]));
    for (const [folder, names] of folders) {
      for (const name of names.sort(pyCompare)) {
        const p = path.join(folder, name);
        if (valid(p)) {
          samples.push([p, classToIdx[cls]]);
          found.add(cls);
        }
      }
    }
  }
  const empty = Object.keys(classToIdx).filter((c) => !found.has(c)).sort(pyCompare);
  if (empty.length > 0 && !o.allowEmpty) {
    let msg = `tstorch: ImageFolder: found no valid file for the classes ${empty.join(", ")}. `;
    if (o.isValidFile === undefined) msg += `Supported extensions are: ${exts.join(", ")}`;
    throw new Error(msg);
  }
  return samples;
}

/** torchvision.datasets.ImageFolder: item i is [transform(image), targetTransform(class index)]. */
export class ImageFolder<T = Tensor, Y = number> implements Dataset<[T, Y]> {
  readonly root: string;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  /** [path, class index] of every sample, in torchvision's order. */
  readonly samples: [string, number][];
  /** The class index of every sample. */
  readonly targets: number[];
  readonly transform: TransformLike<Tensor, T> | undefined;
  readonly targetTransform: TransformLike<number, Y> | undefined;
  private readonly mode: ImageReadModeLike;
  private readonly threads: number;

  constructor(root: string, o: ImageFolderOptions<T, Y> = {}) {
    this.root = root;
    ({ classes: this.classes, classToIdx: this.classToIdx } = findClasses(root));
    this.samples = makeDataset(root, this.classToIdx, o);
    this.targets = this.samples.map((s) => s[1]);
    this.transform = o.transform;
    this.targetTransform = o.targetTransform;
    this.mode = o.mode ?? "UNCHANGED";
    this.threads = o.threads ?? availableParallelism();
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new Error(`tstorch: ImageFolder: threads must be a positive integer, got ${o.threads}`);
  }

  /** torchvision's alias of samples. */
  get imgs(): [string, number][] {
    return this.samples;
  }

  get length(): number {
    return this.samples.length;
  }

  getItem(index: number): [T, Y] {
    checkIndex(index, this.samples.length, "ImageFolder");
    const [file, target] = this.samples[index];
    return this.finish(readImage(file, { mode: this.mode }), target);
  }

  /** Starts reading and decoding these items on libuv's pool; the function returned completes them. */
  startItems(indices: readonly number[]): () => [T, Y][] {
    for (const i of indices) checkIndex(i, this.samples.length, "ImageFolder");
    const picked = indices.map((i) => this.samples[i]);
    const ticket = startDecodeImages(picked.map((s) => s[0]), { mode: this.mode, threads: Math.min(this.threads, picked.length) });
    return () => {
      let images: Tensor[];
      try {
        images = ticket.wait();
      } catch (e) {
        throw new Error(`tstorch: ImageFolder: ${(e as Error).message.replace(/^tstorch: /, "")}`);
      }
      return images.map((img, k) => this.finish(img, picked[k][1]));
    };
  }

  private finish(img: Tensor, target: number): [T, Y] {
    let x: T = img as unknown as T;
    if (this.transform !== undefined) {
      x = apply(this.transform, img);
      // the decoded image is ours: free it unless the transform handed it back (views keep the storage alive)
      if (x instanceof Tensor && (x as Tensor) !== img) img.dispose();
    }
    const y = this.targetTransform !== undefined ? apply(this.targetTransform, target) : (target as unknown as Y);
    return [x, y];
  }
}
