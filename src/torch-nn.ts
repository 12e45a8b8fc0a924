// torch.nn as the package exports it: the nn layer (src/nn) and, as PyTorch's torch.nn.parallel,
// the data-parallel wrapper, which lives in src/distributed (a layer above nn: it wraps modules). Built
// here, above both, so that nn never imports distributed (docs/architecture.md).
export * from "./nn/index.js";
export * as parallel from "./distributed/parallel.js";
