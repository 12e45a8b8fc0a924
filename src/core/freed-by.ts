// Why a tensor is dead, for the "used after dispose()" error. The addon only knows that a handle holds
// no tensor; which of tstorch's paths freed it is told here by the handle itself, at no cost per op:
// - an explicit dispose() (t.dispose(), torch.dispose()) points the tensor at the shared DEAD handle;
// - the end of a torch.scope points the tensors it frees at one of their own freed handles, kept out of
//   the handle pool as that scope's marker, and the marker maps to a record of the scope (its name, or
//   its function: the source shown is read only when the error is made, never per tensor or per op).
// Only the error path (callPooled's catch, and a few accessors' catches) reads this.
import type { Handle } from "./native.js";

/** What the error says about a scope: the name the user gave it, else its function. */
export interface ScopeRecord {
  readonly name: string | undefined;
  readonly fn: () => unknown;
}

// Weak: a marker lives as long as a tensor freed by its scope is still referenced, no longer.
const scopeOf = new WeakMap<object, ScopeRecord>();

/** @internal Records that `marker` (a freed handle, never recycled) stands for the end of `record`'s scope. */
export function markScopeEnd(marker: Handle, record: ScopeRecord): void {
  scopeOf.set(marker as unknown as object, record);
}

/** @internal The scope whose end freed the tensors pointing at `h`, if a scope did. */
export function freedByScope(h: unknown): ScopeRecord | undefined {
  return typeof h === "object" && h !== null ? scopeOf.get(h) : undefined;
}

// the addon's message, after "tstorch: " and the op's name where an op failed ("aten::add.Tensor: ")
const DISPOSED = /^(tstorch: (?:\S+: )?)Tensor used after dispose\(\) \(([^)]*)\)/;

/**
 * The addon's "used after dispose()" error `e` retold with what freed the tensor, found among the
 * handles the failed call was given (`args`, arrays of handles searched one level deep); any other
 * error, or one whose dead handle is not found, unchanged. `dead` is handle-pool's DEAD.
 */
export function explainDisposed(e: unknown, args: readonly unknown[], dead: Handle): unknown {
  if (!(e instanceof Error)) return e;
  const m = DISPOSED.exec(e.message);
  if (m === null) return e;
  const cause = findCause(args, dead);
  if (cause === null) return e;
  const [, prefix, what] = m;
  const message =
    cause === "dispose"
      ? `${prefix}Tensor used after dispose() (${what}): it was freed by an explicit dispose() (t.dispose() or ` +
        "torch.dispose()); dispose a tensor only after its last use, or leave its freeing to a torch.scope"
      : `${prefix}Tensor used after dispose() (${what}): it was freed at the end of ${describeScope(cause)}, the scope ` +
        "it was made in; to use it after that scope, return it from the scope's function or pass it to torch.keep() " +
        "inside the scope, and torch.persist() it to keep it across scopes (state that lives for many steps, such as " +
        "an optimiser's or a model's)";
  const old = e.message;
  e.message = message;
  if (typeof e.stack === "string") e.stack = e.stack.replace(old, message);
  return e;
}

function findCause(args: readonly unknown[], dead: Handle): "dispose" | ScopeRecord | null {
  for (const a of args) {
    if (Array.isArray(a)) {
      const c = findCause(a.length > 0 && Array.isArray(a[0]) ? [] : a, dead);
      if (c !== null) return c;
      continue;
    }
    if (a === dead) return "dispose";
    const s = freedByScope(a);
    if (s !== undefined) return s;
  }
  return null;
}

/** `torch.scope "name"`, or the scope's function (its name, and the start of its source). */
export function describeScope(s: ScopeRecord): string {
  if (s.name !== undefined) return `torch.scope "${s.name}"`;
  const src = Function.prototype.toString.call(s.fn).replace(/\s+/g, " ");
  const head = src.length > 80 ? `${src.slice(0, 80)}...` : src;
  const named = s.fn.name !== "" ? ` ${s.fn.name}` : "";
  return `the unnamed torch.scope of function${named} \`${head}\` (name a scope, torch.scope("name", fn), to see its name here)`;
}
