// nn.Sequential and tch's builder `seq().add(layer).addFn(f)`. Every entry, function or layer, takes
// the next index, so the parameter names ("0.weight", "3.bias", ...) are those PyTorch's
// nn.Sequential gives the same list.
import { Tensor } from "../core/tensor.js";
import { Lambda } from "./activation.js";
import { Module } from "./module.js";
import { isPersistent } from "./persist.js";

export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.add(m);
  }

  /** Appends a module (tch's `add`). */
  add(m: Module): this {
    this.registerModule(String(this._modules.size), m);
    return this;
  }
  /** Appends a function as a parameter-free child (tch's `add_fn`). */
  addFn(fn: (x: Tensor) => Tensor): this {
    return this.add(new Lambda((x) => fn(x)));
  }
  /** Appends a function that also receives the training flag (tch's `add_fn_t`). */
  addFnT(fn: (x: Tensor, train: boolean) => Tensor): this {
    return this.add(new Lambda(fn));
  }

  get length(): number {
    return this._modules.size;
  }
  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const list = [...this._modules.values()];
    const m = list[i < 0 ? i + list.length : i];
    if (m === undefined) throw new Error(`tstorch: index ${i} is out of range for a Sequential of ${list.length}`);
    return m;
  }

  /**
   * Runs the children in order. Each intermediate activation is disposed as soon as the next one
   * exists: disposing a handle only drops the JS reference, the autograd graph keeps what backward
   * needs. The input and anything a child keeps (persistent tensors such as parameters, or values
   * passed to torch.keep) are never disposed.
   */
  forward(x: Tensor): Tensor {
    let cur = x;
    for (const m of this._modules.values()) {
      const next = m.call(cur); // call, not forward: the child's hooks fire, as in PyTorch
      if (cur !== x && cur !== next && !isPersistent(cur)) cur.dispose();
      cur = next;
    }
    return cur;
  }
}

/** tch's `nn::seq()`: an empty Sequential to fill with add / addFn. */
export function seq(): Sequential {
  return new Sequential();
}
