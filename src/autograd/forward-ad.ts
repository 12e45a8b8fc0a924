// Forward-mode AD (torch.autograd.forward_ad): dual tensors carry a tangent through forward ops.
// Levels are libtorch's (torch::autograd::forward_ad::enter_dual_level / exit_dual_level); makeDual and
// unpackDual are ATen's _make_dual / _unpack_dual.
import { Tensor } from "../core/tensor.js";
import { _makeDual, _unpackDual } from "../generated/functions.js";
import { ag } from "./native.js";

let currentLevel = -1;

/** Enters a new dual level and returns its index (PyTorch's enter_dual_level). */
export function enterDualLevel(): number {
  const level = ag.autogradEnterDualLevel();
  if (level !== currentLevel + 1) throw new Error("tstorch: forwardAd: entering a new dual level out of order");
  currentLevel = level;
  return level;
}
/** Exits a dual level: its dual tensors become plain tensors (PyTorch's exit_dual_level). */
export function exitDualLevel(opts: { level?: number } = {}): void {
  const level = opts.level ?? currentLevel;
  if (level !== currentLevel) throw new Error("tstorch: forwardAd: trying to exit a forward AD level that was not the last one created");
  ag.autogradExitDualLevel(level);
  currentLevel = level - 1;
}
/** Runs `fn` inside a new dual level (PyTorch's `with fwAD.dual_level():`). */
export function dualLevel<T>(fn: () => T): T {
  enterDualLevel();
  try {
    return fn();
  } finally {
    exitDualLevel();
  }
}

function levelOf(opts: { level?: number }, what: string): number {
  const level = opts.level ?? currentLevel;
  if (level < 0) throw new Error(`tstorch: forwardAd.${what}: no dual level is active; use forwardAd.dualLevel(() => ...) (PyTorch's \`with fwAD.dual_level()\`)`);
  return level;
}

/** A dual tensor: `tensor` as primal with `tangent` as its forward gradient at the current level. */
export function makeDual(tensor: Tensor, tangent: Tensor, opts: { level?: number } = {}): Tensor {
  return _makeDual(tensor, tangent, levelOf(opts, "makeDual"));
}

/** The primal and the tangent (null when none) of a dual tensor. */
export function unpackDual(tensor: Tensor, opts: { level?: number } = {}): { primal: Tensor; tangent: Tensor | null } {
  if (opts.level === undefined && currentLevel < 0) return { primal: tensor, tangent: null };
  const [primal, tangent] = _unpackDual(tensor, levelOf(opts, "unpackDual"));
  return { primal, tangent: tangent ?? null };
}
