// Dispatcher ids of the operators behind the typed API, resolved once at load. Each id names one
// overload so that a typed call skips overload resolution (torch.ops.aten does that generically).
import { native } from "./native.js";

/** Operators this libtorch does not have (another version): their methods fail when called, not at load. */
export const missingOps: string[] = [];
const id = (name: string, overload = ""): number => {
  try {
    return native.opId(name, overload);
  } catch {
    missingOps.push(overload ? `${name}.${overload}` : name);
    return 0xffffffff; // not an id: calling it throws "bad op id"
  }
};

export const K = {
  add_Tensor: id("add", "Tensor"), add_Scalar: id("add", "Scalar"),
  sub_Tensor: id("sub", "Tensor"), sub_Scalar: id("sub", "Scalar"), rsub_Scalar: id("rsub", "Scalar"),
  mul_Tensor: id("mul", "Tensor"), mul_Scalar: id("mul", "Scalar"),
  div_Tensor: id("div", "Tensor"), div_Scalar: id("div", "Scalar"),
  div_Tensor_mode: id("div", "Tensor_mode"), div_Scalar_mode: id("div", "Scalar_mode"), remainder_Tensor: id("remainder", "Tensor"), remainder_Scalar: id("remainder", "Scalar"),
  pow_Tensor_Scalar: id("pow", "Tensor_Scalar"), pow_Tensor_Tensor: id("pow", "Tensor_Tensor"),
  maximum: id("maximum"), minimum: id("minimum"),
  add__Tensor: id("add_", "Tensor"), add__Scalar: id("add_", "Scalar"),
  sub__Tensor: id("sub_", "Tensor"), sub__Scalar: id("sub_", "Scalar"),
  mul__Tensor: id("mul_", "Tensor"), mul__Scalar: id("mul_", "Scalar"),
  div__Tensor: id("div_", "Tensor"), div__Scalar: id("div_", "Scalar"),
  addcmul_: id("addcmul_"), addcdiv_: id("addcdiv_"), lerp__Scalar: id("lerp_", "Scalar"),
  zero_: id("zero_"), fill__Scalar: id("fill_", "Scalar"), copy_: id("copy_"),
  uniform_: id("uniform_"), normal_: id("normal_"), clamp_: id("clamp_"), sqrt_: id("sqrt_"), relu_: id("relu_"),
  neg: id("neg"), abs: id("abs"), exp: id("exp"), log: id("log"), log2: id("log2"), log1p: id("log1p"), expm1: id("expm1"),
  sqrt: id("sqrt"), rsqrt: id("rsqrt"), sin: id("sin"), cos: id("cos"), tan: id("tan"), tanh: id("tanh"),
  sigmoid: id("sigmoid"), relu: id("relu"), gelu: id("gelu"), silu: id("silu"), erf: id("erf"),
  floor: id("floor"), ceil: id("ceil"), round: id("round"), sign: id("sign"), reciprocal: id("reciprocal"),
  square: id("square"), clamp: id("clamp"), leaky_relu: id("leaky_relu"), elu: id("elu"),
  eq_Tensor: id("eq", "Tensor"), eq_Scalar: id("eq", "Scalar"), ne_Tensor: id("ne", "Tensor"), ne_Scalar: id("ne", "Scalar"),
  lt_Tensor: id("lt", "Tensor"), lt_Scalar: id("lt", "Scalar"), le_Tensor: id("le", "Tensor"), le_Scalar: id("le", "Scalar"),
  gt_Tensor: id("gt", "Tensor"), gt_Scalar: id("gt", "Scalar"), ge_Tensor: id("ge", "Tensor"), ge_Scalar: id("ge", "Scalar"),
  logical_and: id("logical_and"), logical_or: id("logical_or"), logical_not: id("logical_not"),
  where_self: id("where", "self"), isnan: id("isnan"), allclose: id("allclose"), equal: id("equal"),
  sum: id("sum"), sum_dim: id("sum", "dim_IntList"), mean: id("mean"), mean_dim: id("mean", "dim"),
  prod: id("prod"), prod_dim: id("prod", "dim_int"),
  max: id("max"), max_dim: id("max", "dim"), min: id("min"), min_dim: id("min", "dim"),
  amax: id("amax"), amin: id("amin"), argmax: id("argmax"), argmin: id("argmin"),
  std_correction: id("std", "correction"), var_correction: id("var", "correction"),
  logsumexp: id("logsumexp"), norm_ScalarOpt_dim: id("norm", "ScalarOpt_dim"), norm_Scalar: id("norm", "Scalar"),
  all: id("all"), any: id("any"), all_dim: id("all", "dim"), any_dim: id("any", "dim"),
  cumsum: id("cumsum"), softmax: id("softmax", "int"), log_softmax: id("log_softmax", "int"),
  matmul: id("matmul"), mm: id("mm"), bmm: id("bmm"), dot: id("dot"), t: id("t"),
  reshape: id("reshape"), view: id("view"), permute: id("permute"), transpose: id("transpose", "int"),
  flatten: id("flatten", "using_ints"), squeeze: id("squeeze"), squeeze_dim: id("squeeze", "dim"), unsqueeze: id("unsqueeze"),
  expand: id("expand"), repeat: id("repeat"), narrow: id("narrow"), select: id("select", "int"), slice: id("slice", "Tensor"),
  index_select: id("index_select"), gather: id("gather"), index: id("index", "Tensor"), index_put_: id("index_put_"),
  masked_fill_Scalar: id("masked_fill", "Scalar"), cat: id("cat"), stack: id("stack"),
  split: id("split", "Tensor"), split_with_sizes: id("split_with_sizes"), chunk: id("chunk"), unbind: id("unbind", "int"),
  contiguous: id("contiguous"), clone: id("clone"), detach: id("detach"), to_dtype_layout: id("to", "dtype_layout"),
  to_other: id("to", "other"), topk: id("topk"), sort: id("sort"), one_hot: id("one_hot"),
  zeros: id("zeros"), ones: id("ones"), full: id("full"), empty: id("empty", "memory_format"),
  zeros_like: id("zeros_like"), ones_like: id("ones_like"), full_like: id("full_like"), empty_like: id("empty_like"),
  rand: id("rand"), randn: id("randn"), rand_like: id("rand_like"), randn_like: id("randn_like"),
  randint_low: id("randint", "low"), randint_like_low: id("randint_like", "low_dtype"), randperm: id("randperm"),
  arange_start_step: id("arange", "start_step"), linspace: id("linspace"), eye: id("eye"), eye_m: id("eye", "m"),
  linear: id("linear"), conv2d: id("conv2d"), conv_transpose2d: id("conv_transpose2d", "input"),
  max_pool2d: id("max_pool2d"), avg_pool2d: id("avg_pool2d"), adaptive_avg_pool2d: id("adaptive_avg_pool2d"),
  dropout: id("dropout"), batch_norm: id("batch_norm"), layer_norm: id("layer_norm"),
  cross_entropy_loss: id("cross_entropy_loss"), nll_loss_nd: id("nll_loss_nd"), mse_loss: id("mse_loss"),
  l1_loss: id("l1_loss"), binary_cross_entropy_with_logits: id("binary_cross_entropy_with_logits"),
  constant_pad_nd: id("constant_pad_nd"), resize_: id("resize_"), _unique2: id("_unique2"), unique_dim: id("unique_dim"),
  unique_consecutive: id("unique_consecutive"), retains_grad: id("retains_grad"), flip: id("flip"), maximum_out: id("maximum", "out"),
  // multi-tensor ops of the optimisers (optim/adam.ts)
  _foreach_mul__Scalar: id("_foreach_mul_", "Scalar"), _foreach_add__Scalar: id("_foreach_add_", "Scalar"),
  _foreach_add__List: id("_foreach_add_", "List"), _foreach_add_List: id("_foreach_add", "List"),
  _foreach_addcmul__Scalar: id("_foreach_addcmul_", "Scalar"), _foreach_addcdiv__Scalar: id("_foreach_addcdiv_", "Scalar"),
  _foreach_div__Scalar: id("_foreach_div_", "Scalar"), _foreach_sqrt: id("_foreach_sqrt"),
};
if (missingOps.length > 0) {
  process.emitWarning(`tstorch: this libtorch lacks ${missingOps.join(", ")}; the methods that use them will fail`);
}
