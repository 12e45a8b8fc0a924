// Module.to(): parameters and buffers change device and/or dtype in place. Each tensor object keeps its
// identity and receives the converted storage (its native handle is swapped), so optimisers and
// references taken before stay valid; gradients move along.
import { noGrad } from "../core/autograd.js";
import { Device, type DeviceLike } from "../core/device.js";
import { type DType, isDTypeName, isFloatingDType } from "../core/dtype.js";
import { native } from "../core/native.js";
import type { MemoryFormat, Tensor } from "../core/tensor.js";
import type { AnyModule } from "./module.js";

/**
 * What Module.to() accepts: a device, a floating dtype, or an object with either and/or a memory
 * format for the 4-D parameters (PyTorch's `model.to(memory_format=torch.channels_last)`).
 */
export type ModuleTarget = DeviceLike | DType | { device?: DeviceLike; dtype?: DType; memoryFormat?: MemoryFormat };

/** Moves `root`'s tree; `baseTo` is Module.prototype.to: a child with its own to() (a TorchScript module) moves itself. */
export function moveModule(root: AnyModule, target: ModuleTarget, baseTo: AnyModule["to"]): void {
  let device: Device | undefined;
  let dtype: DType | undefined;
  let memoryFormat: MemoryFormat | undefined;
  if (typeof target === "string" && isDTypeName(target)) dtype = target as DType;
  else if (typeof target === "string" || target instanceof Device) device = Device.parse(target);
  else {
    device = target.device === undefined ? undefined : Device.parse(target.device);
    dtype = target.dtype;
    memoryFormat = target.memoryFormat;
  }
  const seen = new Set<Tensor>();
  const visit = (m: AnyModule): void => {
    // a child with its own to() (a TorchScript module, whose tensors the script holds) moves itself
    if (m !== root && m.to !== baseTo) {
      m.to(target);
      return;
    }
    for (const slots of [m._parameters, m._buffers]) {
      for (const t of slots.values()) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        moveInPlace(t, device, isFloatingDType(t.dtype) ? dtype : undefined, t.dim() === 4 ? memoryFormat : undefined);
      }
    }
    for (const c of m.children()) visit(c);
  };
  noGrad(() => visit(root));
}

/** Converts t in place by giving its JS object the converted tensor's native handle. */
function moveInPlace(t: Tensor, device: Device | undefined, dtype: DType | undefined, memoryFormat?: MemoryFormat): void {
  const cur = t.device;
  const needDevice = device !== undefined && (device.type !== cur.type || (device.index !== null && device.index !== (cur.index ?? 0)));
  const needDtype = dtype !== undefined && dtype !== t.dtype;
  if (!needDevice && !needDtype && memoryFormat === undefined) return;
  const opts = { device: needDevice ? device : undefined, dtype: needDtype ? dtype : undefined, memoryFormat };
  const requiresGrad = t.requiresGrad;
  const grad = t.grad;
  const moved = t.to(opts);
  // swap: t takes the new storage, `moved` takes the old handle and frees it
  const old = t._h;
  t._h = moved._h;
  moved._h = old;
  moved.dispose();
  if (requiresGrad) native.setRequiresGrad(t._h, true);
  if (grad !== null) {
    const g = grad.to(opts);
    t.grad = g;
    g.dispose();
    grad.dispose();
  }
}
