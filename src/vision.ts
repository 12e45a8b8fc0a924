// tch's `vision` module: data sets.
export * as cifar10 from "./data/cifar10.js";
