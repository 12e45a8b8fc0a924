// torch.nn.utils.skip_init and convert_conv2d_weight_memory_format: module-level helpers PyTorch
// keeps in torch.nn.utils.
import { noGrad } from "../core/autograd.js";
import type { MemoryFormat } from "../core/tensor.js";
import { ConvBase } from "./conv.js";
import { Module, type AnyModule } from "./module.js";

/**
 * PyTorch's skip_init(module_cls, *args): a module whose parameters the caller will overwrite.
 * PyTorch builds it on the meta device and allocates empty storage; tstorch has no meta-device
 * construction, so the constructor's initialisation runs and its values stand until overwritten.
 */
export function skipInit<A extends unknown[], M extends AnyModule>(moduleCls: new (...args: A) => M, ...args: A): M {
  if (typeof moduleCls !== "function") throw new Error("tstorch: skipInit expects a module class as its first argument");
  const m = new moduleCls(...args);
  if (!(m instanceof Module)) throw new Error(`tstorch: skipInit: ${moduleCls.name} is not a Module class`);
  return m;
}

/**
 * Stores the weight of every 2-d convolution (Conv2d, ConvTranspose2d) in `module` and its
 * descendants in `memoryFormat` ("channelsLast" or "contiguous"), in place; returns the module.
 */
export function convertConv2dWeightMemoryFormat<M extends AnyModule>(module: M, memoryFormat: MemoryFormat): M {
  return convertWeights(module, memoryFormat, 4);
}

/**
 * The same for every 3-d convolution (Conv3d, ConvTranspose3d). tstorch's memory formats have no
 * channels_last_3d yet, so only "contiguous" and "preserve" apply to their 5-D weights.
 */
export function convertConv3dWeightMemoryFormat<M extends AnyModule>(module: M, memoryFormat: MemoryFormat): M {
  if (memoryFormat === "channelsLast") throw new Error("tstorch: convertConv3dWeightMemoryFormat: 5-D weights need PyTorch's channels_last_3d, which tstorch's memory formats do not offer yet");
  return convertWeights(module, memoryFormat, 5);
}

function convertWeights<M extends AnyModule>(module: M, memoryFormat: MemoryFormat, rank: number): M {
  for (const m of module.modules()) {
    if (!(m instanceof ConvBase) || m.weight.ndim !== rank) continue;
    const w = m.weight;
    noGrad(() => {
      const c = w.clone(memoryFormat);
      w.set_(c);
      c.dispose();
    });
  }
  return module;
}
