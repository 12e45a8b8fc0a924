// Recycled tensor handles. Creating a napi External with its finalizer costs about 0.25 µs, a
// quarter of a tiny op's whole cost; a disposed handle can carry the next op's result instead
// (native callInto). A disposed Tensor object gets the shared DEAD handle, so any later use of it
// still fails with "used after dispose", and its own handle goes to the pool.
import { Handle, native } from "./native.js";
import { MISSING_BASE, missingOverload } from "./op-ids.js";

const pool: Handle[] = [];
/** More than a training step's worth of temporaries is not needed: the rest go to the collector. */
const POOL_MAX = 1024;

/** A handle that holds no tensor: what every disposed Tensor points at. */
export const DEAD: Handle = (() => {
  const h = native.fromBuffer(new Float32Array(0), 6 /* float32 */, [0]);
  native.dispose(h);
  return h;
})();

/** native.call, with a recycled handle for a single-tensor result when one is free. */
export function callPooled(id: number, ...args: unknown[]): any {
  if (id >= MISSING_BASE) throw missingOverload(id);
  const h = pool.pop();
  if (h === undefined) return native.call(id, ...args);
  const r = native.callInto(h, id, ...args);
  if (r !== h) pool.push(h); // not a single tensor: the handle stays free
  return r;
}

/** native.callInPlace (the op writes its first argument; no handle is made), naming an overload this libtorch lacks. */
export function callInPlace(id: number, ...args: unknown[]): void {
  if (id >= MISSING_BASE) throw missingOverload(id);
  native.callInPlace(id, ...args);
}

function recycle(h: Handle): void {
  if (pool.length < POOL_MAX && h !== DEAD) pool.push(h);
}

/** Frees a handle's tensor and keeps the handle for reuse. The caller must drop every reference to it. */
export function releaseHandle(h: Handle): void {
  native.dispose(h);
  recycle(h);
}

/** Disposes tensors in one native call; each points at DEAD afterwards and its handle is recycled. */
export function releaseAll(ts: { _h: Handle }[]): void {
  const hs: Handle[] = [];
  for (const t of ts) {
    if (t._h !== DEAD) {
      hs.push(t._h);
      t._h = DEAD;
    }
  }
  if (hs.length === 0) return;
  native.disposeMany(...hs);
  for (const h of hs) recycle(h);
}
