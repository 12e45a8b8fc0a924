// Deterministic memory: scopes free every tensor created inside them when they end, except the
// ones returned or kept. Tensors register themselves here when created (see Tensor's constructor).
// The collector backstop (finalizers + external-memory accounting) lives in the addon. Tensors made
// inside a scope do not report their bytes to V8 (the scope frees them; gigabytes of activations
// reported and un-reported every step made V8 run a full collection per step): only those that
// outlive every scope, and persisted ones, are reported.

import { releaseAll } from "./handle-pool.js";
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
  visit(value, (t) => {
    t._kept = true;
  });
  return value;
}

/**
 * Makes tensors long-lived: no enclosing or later scope disposes them (module parameters, optimiser
 * state). Their owner frees them with dispose(); the collector backstop covers the rest.
 */
export function persist<T>(value: T): T {
  const hs: Handle[] = [];
  visit(value, (t) => {
    t._persistent = true;
    hs.push(t._h);
  });
  if (hs.length > 0) native.reportHandles(...hs);
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
 */
export function scope<T>(fn: () => T): T {
  const outer = current;
  const mine: Tracked[] = [];
  current = mine;
  if (outer === null) native.setScopeActive(true);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new Error("tstorch: scope() takes a synchronous function; dispose tensors explicitly in async code");
    }
  } catch (e) {
    current = outer;
    if (outer === null) native.setScopeActive(false);
    release(mine, new Set(), outer);
    throw e;
  }
  current = outer;
  if (outer === null) native.setScopeActive(false);
  const survivors = new Set<Tracked>();
  visit(result, (t) => survivors.add(t));
  release(mine, survivors, outer);
  return result;
}

function release(mine: Tracked[], survivors: Set<Tracked>, outer: Tracked[] | null): void {
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
  releaseAll(free); // one native call
  if (escaped.length > 0) native.reportHandles(...escaped);
}

function visit(value: unknown, f: (t: Tracked) => void, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  if (typeof (value as Tracked).dispose === "function" && "_h" in (value as object)) {
    f(value as Tracked);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) visit(v, f, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) visit(v, f, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) visit(v, f, depth + 1);
  }
}

/** Disposes every tensor found in `value` (arrays, plain objects and Maps are searched). */
export function dispose(value: unknown): void {
  visit(value, (t) => t.dispose());
}
