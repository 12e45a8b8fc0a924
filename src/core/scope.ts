// Deterministic memory: scopes free every tensor created inside them when they end, except the
// ones returned or kept. Tensors register themselves here when created (see Tensor's constructor).
// The collector backstop (finalizers + external-memory accounting) lives in the addon. Tensors made
// inside a scope do not report their bytes to V8 (the scope frees them; gigabytes of activations
// reported and un-reported every step made V8 run a full collection per step): only those that
// outlive every scope, and persisted ones, are reported.

import { releaseAll, setScopeFlag } from "./handle-pool.js";
import type { ScopeRecord } from "./freed-by.js";
import { native, type Handle } from "./native.js";

/** What scopes track: tensors (their handle, and flags set by keep() and persist()). */
export interface Tracked {
  _h: Handle;
  dispose(): void;
  /** @internal set by keep(): the tensor outlives the scope it was made in. */
  _kept?: boolean;
  /** @internal set by persist(): no scope ever disposes the tensor; its owner does. */
  _persistent?: boolean;
}

let current: Tracked[] | null = null;

/** @internal called by every new Tensor. */
export function track(t: Tracked): void {
  if (current !== null) current.push(t);
}

/** Marks tensors to survive the scope they were created in (they move to the enclosing scope). */
export function keep<T>(value: T): T {
  mapTensors(value, (t) => {
    t._kept = true;
    return t;
  });
  return value;
}

/**
 * Makes tensors long-lived: no enclosing or later scope disposes them (module parameters, optimiser
 * state). Their owner frees them with dispose(); the collector backstop covers the rest.
 */
export function persist<T>(value: T): T {
  const hs: Handle[] = [];
  mapTensors(value, (t) => {
    t._persistent = true;
    hs.push(t._h);
    return t;
  });
  if (hs.length > 0) native.reportHandles(...hs);
  return value;
}

/**
 * Undoes persist() for the tensors in `value`: from here scopes treat them as tensors made outside
 * every scope. Their bytes stay reported to V8, as for a tensor that escaped every scope.
 */
export function unpersist<T>(value: T): T {
  mapTensors(value, (t) => {
    t._persistent = false;
    return t;
  });
  return value;
}

/** True for tensors made long-lived by persist(). */
export function isPersistent(t: Tracked): boolean {
  return t._persistent === true;
}

/**
 * Runs `fn`; every tensor created inside is disposed when it returns, except tensors in its return
 * value (arrays and plain objects are searched) and those passed to keep(). Survivors belong to the
 * enclosing scope, if any. `fn` must be synchronous: use tidyAsync-free code or explicit dispose().
 * `name` (optional) is what a later use of a tensor this scope freed names in its error.
 */
export function scope<T>(fn: () => T): T;
export function scope<T>(name: string, fn: () => T): T;
export function scope<T>(nameOrFn: string | (() => T), maybeFn?: () => T): T {
  let name: string | undefined;
  let fn: () => T;
  if (typeof nameOrFn === "string") {
    if (typeof maybeFn !== "function") throw new TypeError(`tstorch: torch.scope("${nameOrFn}", fn): fn must be a function`);
    name = nameOrFn;
    fn = maybeFn;
  } else {
    fn = nameOrFn;
  }
  const record: ScopeRecord = { name, fn };
  const outer = current;
  const mine: Tracked[] = [];
  current = mine;
  if (outer === null) setScopeFlag(true);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new Error("tstorch: scope() takes a synchronous function; dispose tensors explicitly in async code");
    }
  } catch (e) {
    current = outer;
    if (outer === null) setScopeFlag(false);
    release(mine, new Set(), outer, record);
    throw e;
  }
  current = outer;
  if (outer === null) setScopeFlag(false);
  const survivors = new Set<Tracked>();
  mapTensors(result, (t) => {
    survivors.add(t);
    return t;
  });
  release(mine, survivors, outer, record);
  return result;
}

function release(mine: Tracked[], survivors: Set<Tracked>, outer: Tracked[] | null, record: ScopeRecord): void {
  const free: Tracked[] = [];
  const escaped: Handle[] = [];
  for (const t of mine) {
    if (t._persistent) continue; // owned elsewhere: not this scope's to free or hand on
    if (survivors.has(t) || t._kept) {
      t._kept = false;
      if (outer !== null) outer.push(t);
      else escaped.push(t._h); // out of every scope: the collector backstop's now
    } else {
      free.push(t);
    }
  }
  releaseAll(free, record); // one native call; a later use of a freed tensor names this scope
  if (escaped.length > 0) native.reportHandles(...escaped);
}

/**
 * The one walk over the tensors in a value (arrays, plain objects and Maps, 8 levels deep): f(t) for
 * each, the value rebuilt where f gave another tensor for one (the same value where none changed).
 * Scopes, keep/persist/dispose and the data loader's batches use it.
 */
export function mapTensors<T>(value: T, f: (t: Tracked) => Tracked): T {
  return walk(value, f, 0) as T;
}

function walk(value: unknown, f: (t: Tracked) => Tracked, depth: number): unknown {
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (typeof (value as Tracked).dispose === "function" && "_h" in value) return f(value as Tracked);
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const m = walk(v, f, depth + 1);
      if (m !== v && out === null) out = value.slice(0, i);
      if (out !== null) out.push(m);
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    let changed = false;
    const entries = [...value].map(([k, v]) => {
      const m = walk(v, f, depth + 1);
      changed ||= m !== v;
      return [k, m] as const;
    });
    return changed ? new Map(entries) : value;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    let out: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(value)) {
      const m = walk(v, f, depth + 1);
      if (m !== v) out ??= { ...value };
      if (out !== null) out[k] = m;
    }
    return out ?? value;
  }
  return value;
}

/** Disposes every tensor found in `value` (arrays, plain objects and Maps are searched). */
export function dispose(value: unknown): void {
  mapTensors(value, (t) => {
    t.dispose();
    return t;
  });
}
