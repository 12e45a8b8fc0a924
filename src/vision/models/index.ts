// tch's `vision` models: networks with PyTorch's module names, so weights move both ways, and the
// training recipes that go with them.
export { airbench94, ConvGroup, initWhitening_, predictTta } from "./airbench94.js";
export type { Airbench94Options } from "./airbench94.js";
export {
  AIRBENCH94, CIFAR10_MEAN, CIFAR10_STD, AirbenchLoader, airbench94LrFactor, airbench94Optimizer, airbench94Schedule, evaluateAirbench, interp,
  lookaheadDecays, normalizeCifar10,
} from "./airbench94-recipe.js";
