// nn.NLLLoss2d: PyTorch's deprecated name for NLLLoss, kept for code that still uses it (same module).
import { NLLLoss } from "./loss-modules.js";

export class NLLLoss2d extends NLLLoss {}
