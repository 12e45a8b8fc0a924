// nn.Conv1d, nn.Conv3d, nn.ConvTranspose1d and nn.ConvTranspose3d: PyTorch's layers over 1 and 3
// spatial dimensions, on the shared base of conv.ts (options, checks, parameters, paddingMode and
// extra_repr are Conv2d's), through aten::conv1d / conv3d / conv_transpose1d / conv_transpose3d.
import {
  ConvArgs, ConvBase, ConvNdOptions, convOptions, ConvTransposeArgs, ConvTransposeBase, ConvTransposeNdOptions, convTransposeOptions, IntN,
} from "./conv.js";

export type { ConvNdOptions, ConvTransposeNdOptions, IntN };
export type ConvTranspose1dOptions = ConvTransposeNdOptions;
export type ConvTranspose3dOptions = ConvTransposeNdOptions;

/** Over [N, C, L] (or unbatched [C, L]) inputs. */
export class Conv1d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, ...args: ConvArgs) { super(1, false, inChannels, outChannels, kernelSize, convOptions("Conv1d", args)); }
}

/** Over [N, C, D, H, W] (or unbatched [C, D, H, W]) inputs. */
export class Conv3d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, ...args: ConvArgs) { super(3, false, inChannels, outChannels, kernelSize, convOptions("Conv3d", args)); }
}

/** The gradient of Conv1d with respect to its input, as a layer ([N, C, L] inputs). */
export class ConvTranspose1d extends ConvTransposeBase {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, ...args: ConvTransposeArgs) { super(1, true, inChannels, outChannels, kernelSize, convTransposeOptions("ConvTranspose1d", args)); }
}

/** The gradient of Conv3d with respect to its input, as a layer ([N, C, D, H, W] inputs). */
export class ConvTranspose3d extends ConvTransposeBase {
  constructor(inChannels: number, outChannels: number, kernelSize: IntN, ...args: ConvTransposeArgs) { super(3, true, inChannels, outChannels, kernelSize, convTransposeOptions("ConvTranspose3d", args)); }
}
