// Scale (trial): y = x · weight, one learnable factor per feature (the last dimension).
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { ones } from "../core/creation.js";
import type { Tensor } from "../core/tensor.js";

export class Scale extends Module<[Tensor], Tensor> {
  weight: Parameter;
  constructor(readonly features: number) {
    super();
    this.weight = new Parameter(ones([features]));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.weight);
  }
}
