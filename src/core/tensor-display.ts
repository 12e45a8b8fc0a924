// How a Tensor prints: console.log, util.inspect and String(t) give PyTorch's repr
// (`tensor([1., 2.], requires_grad=True)`, tensor-format.ts), under torch.setPrintoptions.
import { inspect } from "node:util";
import { native } from "./native.js";
import { formatTensor } from "./tensor-format.js";
import type { Tensor } from "./tensor.js";

export class TensorDisplay {
  toString(this: Tensor): string {
    if (native.isDisposed(this._h)) return "Tensor(disposed)";
    return formatTensor(this);
  }
  [inspect.custom](this: Tensor): string {
    return this.toString();
  }
}
