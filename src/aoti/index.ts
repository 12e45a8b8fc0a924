// torch.aoti: .pt2 packages made by PyTorch's torch._inductor.aoti_compile_and_package (a
// torch.export-ed model compiled ahead of time by AOTInductor), loaded and run (libtorch >= 2.6).
export { loadPackage, AOTIPackage, type LoadPackageOptions } from "./package.js";
export type { PyTree } from "./call-spec.js";
