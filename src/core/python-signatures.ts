// torch/functional.py's functions with PyTorch's Python-level signatures, where they differ from the
// ATen schema that the generated surface (src/generated/functions.d.ts) types: tensordot with an int
// `dims`, einsum / meshgrid / broadcastTensors / blockDiag / cartesianProd / chainMatmul / atleast*
// with varargs as well as a list, unique's flags, cdist's compute modes, norm's "fro"/p dispatch,
// stft's centre padding, lu's (LU, pivots[, infos]). Each does what torch/functional.py does (1.13
// and 2.x agree here) and calls the linked libtorch's operators; nothing is re-implemented.
import { ops } from "./ops.js";
import { scope } from "./scope.js";
import { Tensor } from "./tensor.js";
import type { UniqueOptions } from "./tensor-indexing.js";
export type { UniqueOptions } from "./tensor-indexing.js";
import type { DType } from "./dtype.js";

// untyped: the schemas differ between libtorch versions (stft's centre arguments, 2.x), so these calls
// go by name through the dispatcher, which picks the linked version's overload
const aten = ops.aten as unknown as Record<string, (...args: unknown[]) => any>;

/** Varargs or one list: PyTorch's `f(a, b, c)` and `f([a, b, c])`. */
function tensorsOf(what: string, args: readonly (Tensor | readonly Tensor[])[]): Tensor[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly Tensor[]) : (args as readonly Tensor[]);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`tstorch: ${what}: argument ${i} must be a Tensor, got ${Array.isArray(t) ? "an array" : typeof t}`);
  });
  return [...list];
}

/**
 * torch.tensordot(a, b, dims=2): `dims` an int (the last dims of a against the first of b), a pair
 * of lists ([dimsA, dimsB]), or — ATen's form — the two lists as separate arguments.
 */
export function tensordot(a: Tensor, b: Tensor, dims?: number | readonly [readonly number[], readonly number[]]): Tensor;
export function tensordot(a: Tensor, b: Tensor, dimsA: readonly number[], dimsB: readonly number[]): Tensor;
export function tensordot(a: Tensor, b: Tensor, dims: number | readonly (readonly number[])[] | readonly number[] = 2, dimsB?: readonly number[]): Tensor {
  let da: number[];
  let db: number[];
  if (dimsB !== undefined) {
    da = [...(dims as readonly number[])];
    db = [...dimsB];
  } else if (typeof dims === "number") {
    if (!Number.isInteger(dims) || dims < 0) throw new Error(`tstorch: tensordot expects dims >= 0, but got dims=${dims}`);
    if (dims > a.ndim || dims > b.ndim) throw new Error(`tstorch: tensordot expects dims <= the tensors' dimensions (${a.ndim}, ${b.ndim}), got dims=${dims}`);
    da = Array.from({ length: dims }, (_, i) => a.ndim - dims + i);
    db = Array.from({ length: dims }, (_, i) => i);
  } else if (Array.isArray(dims) && dims.length === 2 && Array.isArray(dims[0]) && Array.isArray(dims[1])) {
    da = [...(dims[0] as number[])];
    db = [...(dims[1] as number[])];
  } else {
    throw new Error(`tstorch: tensordot expects dims to be an int or a pair of lists of dimensions, got ${JSON.stringify(dims)}`);
  }
  return aten.tensordot(a, b, da, db);
}

/** torch.split(tensor, split_size_or_sections, dim=0): chunks of one size, or of the listed sizes. */
export function split(tensor: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  return tensor.split(splitSizeOrSections, dim);
}

/** torch.einsum(equation, *operands) and torch.einsum(equation, [operands]). */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  if (typeof equation !== "string") throw new Error("tstorch: einsum(): the first argument must be the equation string");
  return aten.einsum(equation, tensorsOf("einsum", operands));
}

export interface MeshgridOptions {
  /** "ij" (matrix indexing, PyTorch's default) or "xy" (Cartesian, NumPy's default). */
  indexing?: "ij" | "xy";
}
/** torch.meshgrid(*tensors, indexing='ij'), also with one list: `meshgrid(x, y, { indexing: "xy" })`. */
export function meshgrid(...args: (Tensor | readonly Tensor[] | MeshgridOptions)[]): Tensor[] {
  let opts: MeshgridOptions = {};
  const last = args[args.length - 1];
  if (last !== undefined && !(last instanceof Tensor) && !Array.isArray(last)) {
    opts = last as MeshgridOptions;
    args = args.slice(0, -1);
  }
  const indexing = opts.indexing ?? "ij";
  if (indexing !== "ij" && indexing !== "xy") throw new Error(`tstorch: meshgrid: indexing must be 'ij' or 'xy', got '${String(indexing)}'`);
  return aten.meshgrid(tensorsOf("meshgrid", args as (Tensor | readonly Tensor[])[]), { indexing });
}

/** torch.broadcast_tensors(*tensors). */
export function broadcastTensors(...tensors: (Tensor | readonly Tensor[])[]): Tensor[] {
  return aten.broadcast_tensors(tensorsOf("broadcastTensors", tensors));
}

/** torch.block_diag(*tensors). */
export function blockDiag(...tensors: (Tensor | readonly Tensor[])[]): Tensor {
  return aten.block_diag(tensorsOf("blockDiag", tensors));
}

/** torch.cartesian_prod(*tensors). */
export function cartesianProd(...tensors: (Tensor | readonly Tensor[])[]): Tensor {
  return aten.cartesian_prod(tensorsOf("cartesianProd", tensors));
}

/** torch.chain_matmul(*matrices) (deprecated in PyTorch for linalg.multi_dot, which takes a list). */
export function chainMatmul(...matrices: (Tensor | readonly Tensor[])[]): Tensor {
  return aten.chain_matmul(tensorsOf("chainMatmul", matrices));
}

/** torch.atleast_1d(t) → a tensor; atleast_1d(a, b, ...) or ([a, b]) → a list, as in PyTorch. */
export function atleast1d(t: Tensor): Tensor;
export function atleast1d(...ts: (Tensor | readonly Tensor[])[]): Tensor[];
export function atleast1d(...ts: (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  return atleast("atleast_1d", ts);
}
/** torch.atleast_2d, as atleast1d. */
export function atleast2d(t: Tensor): Tensor;
export function atleast2d(...ts: (Tensor | readonly Tensor[])[]): Tensor[];
export function atleast2d(...ts: (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  return atleast("atleast_2d", ts);
}
/** torch.atleast_3d, as atleast1d. */
export function atleast3d(t: Tensor): Tensor;
export function atleast3d(...ts: (Tensor | readonly Tensor[])[]): Tensor[];
export function atleast3d(...ts: (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  return atleast("atleast_3d", ts);
}
function atleast(op: string, ts: readonly (Tensor | readonly Tensor[])[]): Tensor | Tensor[] {
  if (ts.length === 1 && ts[0] instanceof Tensor) return aten[op](ts[0]);
  return aten[op](tensorsOf(op, ts));
}

/**
 * torch.unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None): the unique
 * tensor alone, or [output, inverse?, counts?] (those asked for, in that order) as PyTorch's tuple.
 * Tensor.unique (core/tensor-indexing.ts) is where it is written.
 */
export function unique(input: Tensor, opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(input: Tensor, opts: UniqueOptions & { returnInverse: true; returnCounts?: false }): [output: Tensor, inverse: Tensor];
export function unique(input: Tensor, opts: UniqueOptions & { returnInverse?: false; returnCounts: true }): [output: Tensor, counts: Tensor];
export function unique(input: Tensor, opts: UniqueOptions & { returnInverse: true; returnCounts: true }): [output: Tensor, inverse: Tensor, counts: Tensor];
export function unique(input: Tensor, opts?: UniqueOptions): Tensor | Tensor[];
export function unique(input: Tensor, opts: UniqueOptions = {}): Tensor | Tensor[] {
  if (!(input instanceof Tensor)) throw new Error(`tstorch: unique(): argument 'input' must be a Tensor, got ${typeof input}`);
  return input.unique(opts);
}

export type CdistComputeMode = "use_mm_for_euclid_dist_if_necessary" | "use_mm_for_euclid_dist" | "donot_use_mm_for_euclid_dist";
const CDIST_MODES: Record<CdistComputeMode, number | null> = {
  use_mm_for_euclid_dist_if_necessary: null,
  use_mm_for_euclid_dist: 1,
  donot_use_mm_for_euclid_dist: 2,
};
/** torch.cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary'). */
export function cdist(x1: Tensor, x2: Tensor, p = 2.0, computeMode: CdistComputeMode = "use_mm_for_euclid_dist_if_necessary"): Tensor {
  if (!Object.prototype.hasOwnProperty.call(CDIST_MODES, computeMode)) {
    throw new Error(`tstorch: ${String(computeMode)} is not a valid value for compute_mode (one of ${Object.keys(CDIST_MODES).join(", ")})`);
  }
  return aten.cdist(x1, x2, p, CDIST_MODES[computeMode]);
}

export interface NormOptions {
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
  dtype?: DType;
}
/**
 * torch.norm(input, p='fro', dim=None, keepdim=False, dtype=None): "fro" (over at most 2 dims) and
 * numbers are vector norms (torch.linalg.vector_norm), "nuc" a matrix norm, as torch/functional.py
 * dispatches them.
 */
export function norm(input: Tensor, p: number | "fro" | "nuc" | null = "fro", opts: NormOptions = {}): Tensor {
  const dim = opts.dim === undefined || opts.dim === null ? null : typeof opts.dim === "number" ? [opts.dim] : [...opts.dim];
  const keepdim = opts.keepdim ?? false;
  const kw = opts.dtype === undefined ? {} : { dtype: opts.dtype };
  if (typeof p === "string") {
    if (p === "fro" && (dim === null || dim.length <= 2)) return aten.linalg_vector_norm(input, 2, dim, keepdim, kw);
    const d = dim ?? Array.from({ length: input.ndim }, (_, i) => i);
    return aten.linalg_matrix_norm(input, p, d, keepdim, kw);
  }
  return aten.linalg_vector_norm(input, p ?? 2, dim, keepdim, kw);
}

export interface StftOptions {
  hopLength?: number | null;
  winLength?: number | null;
  window?: Tensor | null;
  /** Pad the input on both sides by nFft/2 so frame t is centred at t·hopLength (default true). */
  center?: boolean;
  /** How the centring pads: "reflect" (default), "constant", "replicate" or "circular". */
  padMode?: "reflect" | "constant" | "replicate" | "circular";
  normalized?: boolean;
  onesided?: boolean | null;
  /** Required for real input by PyTorch 2 (true: a complex result). */
  returnComplex?: boolean | null;
}
/** torch.stft(input, n_fft, hop_length, win_length, window, center=True, pad_mode='reflect', normalized, onesided, return_complex). */
export function stft(input: Tensor, nFft: number, opts: StftOptions = {}): Tensor {
  const center = opts.center ?? true;
  const args = [opts.hopLength ?? null, opts.winLength ?? null, opts.window ?? null, opts.normalized ?? false, opts.onesided ?? null, opts.returnComplex ?? null];
  if (!center) return aten.stft(input, nFft, ...args);
  // torch/functional.py: view as 3-D, pad the last dimension by n_fft // 2 each side, view back
  return scope(() => {
    const dim = input.ndim;
    const ext = [...new Array<number>(3 - dim).fill(1), ...input.shape];
    const pad = Math.floor(nFft / 2);
    const padded = aten.pad(input.view(ext), [pad, pad], opts.padMode ?? "reflect") as Tensor;
    return aten.stft(padded.view(padded.shape.slice(-dim)), nFft, ...args) as Tensor;
  });
}

export interface IstftOptions {
  hopLength?: number | null;
  winLength?: number | null;
  window?: Tensor | null;
  center?: boolean;
  normalized?: boolean;
  onesided?: boolean | null;
  length?: number | null;
  returnComplex?: boolean;
}
/** torch.istft(input, n_fft, hop_length, win_length, window, center=True, normalized, onesided, length, return_complex). */
export function istft(input: Tensor, nFft: number, opts: IstftOptions = {}): Tensor {
  return aten.istft(input, nFft, opts.hopLength ?? null, opts.winLength ?? null, opts.window ?? null, opts.center ?? true,
    opts.normalized ?? false, opts.onesided ?? null, opts.length ?? null, opts.returnComplex ?? false);
}

export interface LuOptions {
  pivot?: boolean;
  /** Return the infos tensor too, instead of throwing on a singular input (PyTorch's get_infos). */
  getInfos?: boolean;
}
/** torch.lu(A, pivot=True, get_infos=False): [LU, pivots] or [LU, pivots, infos]. */
export function lu(A: Tensor, opts?: LuOptions & { getInfos?: false }): [LU: Tensor, pivots: Tensor];
export function lu(A: Tensor, opts: LuOptions & { getInfos: true }): [LU: Tensor, pivots: Tensor, infos: Tensor];
export function lu(A: Tensor, opts: LuOptions = {}): Tensor[] {
  const getInfos = opts.getInfos ?? false;
  const [LU, pivots, infos] = aten.linalg_lu_factor_ex(A, { pivot: opts.pivot ?? true, check_errors: !getInfos }) as Tensor[];
  if (getInfos) return [LU, pivots, infos];
  infos.dispose();
  return [LU, pivots];
}
