// How a Tensor prints (tch-rs's src/tensor/display.rs): console.log, util.inspect, String(t).
import { inspect } from "node:util";
import { isComplexDType } from "./dtype.js";
import { native } from "./native.js";
import type { Tensor } from "./tensor.js";

export class TensorDisplay {
  toString(this: Tensor): string {
    if (native.isDisposed(this._h)) return "Tensor(disposed)";
    const n = this.numel();
    const complex = isComplexDType(this.dtype);
    const body = n <= 64 && !complex ? ` ${JSON.stringify(this.toArray(), (_, v) => (typeof v === "bigint" ? Number(v) : v))}` : "";
    return `Tensor(shape=[${this.shape.join(", ")}], dtype=${this.dtype}, device=${native.device(this._h)}${
      this.requiresGrad ? ", requiresGrad" : ""
    })${body}`;
  }
  [inspect.custom](this: Tensor): string {
    return this.toString();
  }
}
