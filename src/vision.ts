// tch's `vision` module: data sets.
export * as cifar10 from "./data/cifar10.js";
export * as mnist from "./data/mnist.js";
export * as models from "./vision/models/index.js";
export * as io from "./vision/io/index.js";
export * as datasets from "./vision/datasets/index.js";
export * as utils from "./vision/utils/index.js";
export * as transforms from "./vision/transforms/index.js";
