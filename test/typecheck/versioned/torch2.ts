// Operators that libtorch 2.x added, called through the surface generated from the linked libtorch:
// test/generated-surface.test.ts type-checks this file against it. Linked to libtorch 2.x, the file
// compiles and its values equal PyTorch's (TORCH2_PY, run by /usr/bin/python3 of the same version);
// linked to 1.13, every line marked `// 2.x` is a compile error (the operator is not there) and no
// other line is. Left out of tsconfig.json (it cannot compile on 1.13); the test compiles it.
import * as torch from "../../../src/index.js";

export function torch2Ops(): Record<string, torch.Tensor> {
  const x = torch.arange(24, { dtype: "float32" }).sin().reshape(2, 3, 4); // deterministic data
  const w = torch.arange(4, { dtype: "float32" }).cos();
  const q = torch.arange(48, { dtype: "float32" }).mul(0.37).sin().reshape(2, 3, 8);
  const k = torch.arange(48, { dtype: "float32" }).mul(0.11).cos().reshape(2, 3, 8);
  const v = torch.arange(48, { dtype: "float32" }).mul(0.23).sin().reshape(2, 3, 8);
  const out: Record<string, torch.Tensor> = {};
  out.rmsNorm = torch.rmsNorm(x, [4], w, 1e-6); // 2.x
  out.rmsNormDefaults = torch.rmsNorm(x, [3, 4]); // 2.x
  out.atenRmsNorm = torch.ops.aten.rms_norm(x, [4], null, 1e-6); // 2.x
  out.sdpa = torch.functional.scaledDotProductAttention(q, k, v); // 2.x
  out.sdpaCausal = torch.functional.scaledDotProductAttention(q, k, v, null, 0, true); // 2.x
  out.sdpaScaled = torch.functional.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.5 }); // 2.x
  out.nonzeroStatic = torch.nonzeroStatic(x.gt(0.5), { size: 8 }); // 2.x
  out.nonzeroStaticMethod = x.lt(-0.5).nonzeroStatic({ size: 4, fillValue: -7 }); // 2.x
  const scaledMm: (...args: never) => unknown = torch.ops.aten._scaled_mm; // 2.x
  void scaledMm;
  return out;
}

/** The same program in PyTorch. */
export const TORCH2_PY = `
import torch
import torch.nn.functional as F
x = torch.arange(24, dtype=torch.float32).sin().reshape(2, 3, 4)
w = torch.arange(4, dtype=torch.float32).cos()
q = (torch.arange(48, dtype=torch.float32) * 0.37).sin().reshape(2, 3, 8)
k = (torch.arange(48, dtype=torch.float32) * 0.11).cos().reshape(2, 3, 8)
v = (torch.arange(48, dtype=torch.float32) * 0.23).sin().reshape(2, 3, 8)
out = {}
out["rmsNorm"] = torch.rms_norm(x, [4], w, 1e-6)
out["rmsNormDefaults"] = torch.rms_norm(x, [3, 4])
out["atenRmsNorm"] = torch.ops.aten.rms_norm(x, [4], None, 1e-6)
out["sdpa"] = F.scaled_dot_product_attention(q, k, v)
out["sdpaCausal"] = F.scaled_dot_product_attention(q, k, v, None, 0.0, True)
out["sdpaScaled"] = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5)
out["nonzeroStatic"] = torch.nonzero_static(x > 0.5, size=8)
out["nonzeroStaticMethod"] = (x < -0.5).nonzero_static(size=4, fill_value=-7)
`;
