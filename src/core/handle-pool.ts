// Recycled tensor handles. Creating a napi External with its finalizer costs about 0.25 µs, a
// quarter of a tiny op's whole cost; a disposed handle can carry the next op's result instead
// (native callInto). A disposed Tensor object gets the shared DEAD handle, so any later use of it
// still fails with "used after dispose", and its own handle goes to the pool.
import { Handle, native } from "./native.js";
import { MISSING_BASE, missingOverload } from "./op-ids.js";
import { explainDisposed, freedByScope, markScopeEnd, type ScopeRecord } from "./freed-by.js";

const pool: Handle[] = [];
/** More than a training step's worth of temporaries is not needed: the rest go to the collector. */
const POOL_MAX = 1024;

/** A handle that holds no tensor: what every disposed Tensor points at. */
export const DEAD: Handle = (() => {
  const h = native.fromBuffer(new Float32Array(0), 6 /* float32 */, [0]);
  native.dispose(h);
  return h;
})();

// Deferred dispose. A tiny op followed by dispose() is two crossings into the addon, and the second
// (freeing a few bytes) costs as much as the op itself. So dispose() of a small result that holds no
// autograd graph (the addon says which: resultFlags, handles.cc) only parks its handle here, and the
// next pooled call reuses that handle, freeing the old tensor inside the same crossing. At most one
// tensor of at most 4 KiB is ever parked; a second dispose() before the next call frees the first.
const resultFlags: Int32Array = native.resultFlags();
/** @internal The Tensor field saying its dispose() may be parked: a symbol, so that it stays out of JSON and key lists. */
export const DEFERRABLE: unique symbol = Symbol("tstorch.deferrable");
let parked: Handle | null = null;
let lastResultDeferrable = false;

/**
 * Tells the addon whether a torch.scope is running (it then leaves new handles' bytes unreported, see
 * scope.ts): a write into the word shared with it (resultFlags[1]), not a call into the addon.
 */
export function setScopeFlag(on: boolean): void {
  resultFlags[1] = on ? 1 : 0;
}

/** native.call, with a recycled handle for a single-tensor result when one is free. */
export function callPooled(id: number, ...args: unknown[]): any {
  if (id >= MISSING_BASE) throw missingOverload(id);
  const wasParked = parked;
  const h = wasParked ?? pool.pop();
  if (h === undefined) {
    try {
      return native.call(id, ...args);
    } catch (e) {
      throw explainDisposed(e, args, DEAD);
    }
  }
  parked = null;
  let r: any;
  try {
    r = native.callInto(h, id, ...args);
  } catch (e) {
    throw explainDisposed(e, args, DEAD); // names what freed a dead argument (freed-by.ts)
  }
  if (r !== h) {
    // not a single tensor: the handle stays free (a parked one still holds its tensor: freed now)
    if (h === wasParked) releaseHandle(h);
    else pool.push(h);
    return r;
  }
  lastResultDeferrable = resultFlags[0] === 1;
  return r;
}

/** Whether the tensor wrapped last came from callPooled and may have its dispose() deferred; reading resets it. */
export function takeDeferrable(): boolean {
  const d = lastResultDeferrable;
  lastResultDeferrable = false;
  return d;
}

/** dispose() of a deferrable tensor: parks its handle (see above); frees the one parked before, if any. */
export function parkHandle(h: Handle): void {
  if (parked !== null) releaseHandle(parked);
  parked = h;
}

/** native.callInPlace (the op writes its first argument; no handle is made), naming an overload this libtorch lacks. */
export function callInPlace(id: number, ...args: unknown[]): void {
  if (id >= MISSING_BASE) throw missingOverload(id);
  try {
    native.callInPlace(id, ...args);
  } catch (e) {
    throw explainDisposed(e, args, DEAD);
  }
}

function recycle(h: Handle): void {
  if (pool.length < POOL_MAX && h !== DEAD) pool.push(h);
}

/** Frees a handle's tensor and keeps the handle for reuse. The caller must drop every reference to it. */
export function releaseHandle(h: Handle): void {
  // a scope's marker (freed-by.ts) holds no tensor and must never carry one: the scope's dead tensors point at it
  if (freedByScope(h) !== undefined) return;
  native.dispose(h);
  recycle(h);
}

/**
 * Disposes the tensors a scope frees, in one native call. One of their handles becomes the scope's
 * marker (freed-by.ts): every tensor points at it afterwards, so that a later use names the scope; the
 * other handles are recycled. No longer deferrable: a dispose() of one must not park the marker.
 */
export function releaseAll(ts: { _h: Handle; [DEFERRABLE]?: boolean }[], scope: ScopeRecord): void {
  const hs: Handle[] = [];
  for (const t of ts) {
    if (t._h !== DEAD) hs.push(t._h);
  }
  if (hs.length === 0) return;
  native.disposeMany(...hs);
  const marker = hs.pop() as Handle;
  markScopeEnd(marker, scope);
  for (const t of ts) {
    if (t._h === DEAD) continue; // disposed explicitly before the scope ended: says so when used
    t._h = marker;
    t[DEFERRABLE] = false;
  }
  for (const h of hs) recycle(h);
}
