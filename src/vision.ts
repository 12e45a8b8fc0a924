// tch's `vision` module: data sets.
export * as cifar10 from "./data/cifar10.js";
export * as mnist from "./data/mnist.js";
export * as models from "./vision/models/index.js";
export * as io from "./vision/io/index.js";
