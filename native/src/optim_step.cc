// Whole optimiser steps of SGD and Adam/AdamW in one native call per parameter group (src/optim/
// sgd.ts and adam.ts gather the tensors; these run PyTorch's update on them).
//
// Why: the update of a model with hundreds of small tensors is bound by per-operation overhead,
// not by arithmetic. From JavaScript each ATen call is an N-API crossing, a boxed dispatch and a
// handle for every temporary; here the same ATen operations are called unboxed from C++, the
// gradients are read without making handles, and temporaries never reach JavaScript. The
// operations, their order and their scalar arguments are those of torch/optim/sgd.py and adam.py
// (_single_tensor_* and _multi_tensor_*), so results are PyTorch's to the bit: no kernel is
// re-implemented here, only the sequence of ATen calls is.
#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <vector>

#include "common.h"

namespace tstorch {
namespace {

std::vector<at::Tensor> tensorArray(napi_env env, napi_value arr, const char* what) {
  if (!isArray(env, arr)) throw JsError(std::string("tstorch: optimiser step: expected an array of tensors for ") + what);
  uint32_t n = arrayLength(env, arr);
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(unwrapTensor(env, arrayGet(env, arr, i), what));
  return out;
}

// Entries may be null (a momentum buffer not made yet): undefined tensors.
std::vector<at::Tensor> optionalTensorArray(napi_env env, napi_value arr, const char* what) {
  if (!isArray(env, arr)) throw JsError(std::string("tstorch: optimiser step: expected an array for ") + what);
  uint32_t n = arrayLength(env, arr);
  std::vector<at::Tensor> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    napi_value e = arrayGet(env, arr, i);
    if (!isNullish(env, e)) out[i] = unwrapTensor(env, e, what);
  }
  return out;
}

// The gradients of the parameters (each must have one: the caller gathered those that do).
std::vector<at::Tensor> gradsOf(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  grads.reserve(params.size());
  for (const auto& p : params) {
    const at::Tensor& g = p.grad();
    if (!g.defined()) throw JsError("tstorch: optimiser step: a parameter without a gradient was gathered");
    grads.push_back(g);
  }
  return grads;
}

// optimGradKinds(params) -> Uint8Array: per parameter 0 without a gradient, 1 dense, 2 sparse. One
// crossing instead of a handle per gradient; the optimisers gather the parameters that have one.
napi_value gradKinds(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<1> a(env, info);
    std::vector<at::Tensor> params = tensorArray(env, a[0], "params");
    void* data = nullptr;
    napi_value buf, out;
    check(napi_create_arraybuffer(env, params.size(), &data, &buf), "create_arraybuffer");
    auto* kinds = static_cast<uint8_t*>(data);
    for (size_t i = 0; i < params.size(); ++i) {
      const at::Tensor& g = params[i].grad();
      kinds[i] = !g.defined() ? 0 : g.is_sparse() ? 2 : 1;
    }
    check(napi_create_typedarray(env, napi_uint8_array, params.size(), buf, 0, &out), "create_typedarray");
    return out;
  });
}

// The first momentum buffer: a private copy of d_p (a temporary of the step already is one).
at::Tensor newBuffer(const at::Tensor& dp, const at::Tensor& grad) {
  return dp.is_same(grad) ? dp.clone() : dp;
}

// optimSgd(params, buffers, lr, momentum, dampening, nesterov, weightDecay, maximize, foreach)
//   -> null | false | (handle | null)[]. params: all of a group's (those without a gradient are
// skipped); buffers: their momentum buffers (null where none yet; ignored when momentum is 0).
// Returns false, having done nothing, when a gradient is sparse (the caller's per-operation form
// takes those); else the momentum buffers this step made, index-aligned with params (null where
// none was made), or null when it made none. torch/optim/sgd.py's _single_tensor_sgd (foreach
// false) or _multi_tensor_sgd.
napi_value sgd(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<9> a(env, info);
    std::vector<at::Tensor> all = tensorArray(env, a[0], "params");
    const double lr = getNumber(env, a[2], "lr"), momentum = getNumber(env, a[3], "momentum");
    const double dampening = getNumber(env, a[4], "dampening");
    const bool nesterov = getBool(env, a[5], "nesterov");
    const double weightDecay = getNumber(env, a[6], "weightDecay");
    const bool maximize = getBool(env, a[7], "maximize"), foreach = getBool(env, a[8], "foreach");
    std::vector<at::Tensor> allBufs = momentum != 0 ? optionalTensorArray(env, a[1], "momentum buffers") : std::vector<at::Tensor>();
    if (momentum != 0 && allBufs.size() != all.size()) throw JsError("tstorch: optimSgd: one momentum buffer (or null) per parameter");
    std::vector<at::Tensor> P, grads, bufs;
    std::vector<uint32_t> index;  // P[k] is all[index[k]]
    for (uint32_t i = 0; i < all.size(); ++i) {
      const at::Tensor& g = all[i].grad();
      if (!g.defined()) continue;
      if (g.is_sparse()) return makeBool(env, false);
      P.push_back(all[i]);
      grads.push_back(g);
      index.push_back(i);
      if (momentum != 0) bufs.push_back(allBufs[i]);
    }
    std::vector<bool> made(P.size(), false);
    bool madeAny = false;
    {
      at::NoGradGuard noGrad;
      if (!foreach) {
        for (size_t i = 0; i < P.size(); ++i) {
          at::Tensor dp = maximize ? grads[i].neg() : grads[i];
          if (weightDecay != 0) dp = dp.add(P[i], weightDecay);
          if (momentum != 0) {
            if (!bufs[i].defined()) {
              bufs[i] = newBuffer(dp, grads[i]);
              made[i] = madeAny = true;
            } else {
              bufs[i].mul_(momentum).add_(dp, 1 - dampening);
            }
            dp = nesterov ? dp.add(bufs[i], momentum) : bufs[i];
          }
          P[i].add_(dp, -lr);
        }
      } else if (!P.empty()) {
        std::vector<at::Tensor> G = maximize ? at::_foreach_neg(grads) : grads;
        if (weightDecay != 0) G = at::_foreach_add(G, P, weightDecay);
        if (momentum != 0) {
          std::vector<at::Tensor> oldB, oldG;
          for (size_t i = 0; i < P.size(); ++i)
            if (bufs[i].defined()) oldB.push_back(bufs[i]), oldG.push_back(G[i]);
          if (!oldB.empty()) {
            at::_foreach_mul_(oldB, momentum);
            at::_foreach_add_(oldB, oldG, 1 - dampening);
          }
          for (size_t i = 0; i < P.size(); ++i)
            if (!bufs[i].defined()) bufs[i] = newBuffer(G[i], grads[i]), made[i] = madeAny = true;
          G = nesterov ? at::_foreach_add(G, bufs, momentum) : bufs;
        }
        at::_foreach_add_(P, G, -lr);
      }
    }
    if (!madeAny) return makeNull(env);
    napi_value out;
    check(napi_create_array_with_length(env, all.size(), &out), "create_array");
    for (size_t k = 0; k < P.size(); ++k)
      if (made[k]) check(napi_set_element(env, out, index[k], wrapTensor(env, bufs[k])), "set_element");
    return out;
  });
}

// aten::_foreach_lerp_.Scalar (PyTorch 2's first moment), looked up when first used: libtorch 1.13
// has no such operator, and there the optimisers never ask for it.
void foreachLerp(at::TensorList self, at::TensorList end, double weight) {
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("aten::_foreach_lerp_", "Scalar")
                             .typed<void(at::TensorList, at::TensorList, const at::Scalar&)>();
  op.call(self, end, weight);
}

struct AdamHyper {
  double lr, beta1, beta2, eps, weightDecay, stepSize, bc2Sqrt;
  bool decoupled, amsgrad, maximize, lerp;
};

// torch/optim/adam.py's and adamw.py's _single_tensor_adam(w): one parameter at a time.
void singleTensorAdam(const std::vector<at::Tensor>& P, const std::vector<at::Tensor>& grads, const std::vector<at::Tensor>& M,
                      const std::vector<at::Tensor>& V, const std::vector<at::Tensor>& maxV, const AdamHyper& h) {
  for (size_t i = 0; i < P.size(); ++i) {
    at::Tensor grad = h.maximize ? grads[i].neg() : grads[i];
    if (h.weightDecay != 0) {
      if (h.decoupled) P[i].mul_(1 - h.lr * h.weightDecay);
      else grad = grad.add(P[i], h.weightDecay);
    }
    if (h.lerp) M[i].lerp_(grad, 1 - h.beta1);
    else M[i].mul_(h.beta1).add_(grad, 1 - h.beta1);
    V[i].mul_(h.beta2).addcmul_(grad, grad, 1 - h.beta2);
    at::Tensor denom;
    if (h.amsgrad) {
      at::Tensor out = maxV[i];  // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
      at::maximum_out(out, maxV[i], V[i]);
      denom = maxV[i].sqrt();
    } else {
      denom = V[i].sqrt();
    }
    denom.div_(h.bc2Sqrt).add_(h.eps);
    P[i].addcdiv_(M[i], denom, -h.stepSize);
  }
}

// _multi_tensor_adam(w): one multi-tensor op per step of the algorithm.
void multiTensorAdam(const std::vector<at::Tensor>& P, const std::vector<at::Tensor>& grads, const std::vector<at::Tensor>& M,
                     const std::vector<at::Tensor>& V, const std::vector<at::Tensor>& maxV, const AdamHyper& h) {
  std::vector<at::Tensor> G = h.maximize ? at::_foreach_neg(grads) : grads;
  if (h.weightDecay != 0) {
    if (h.decoupled) at::_foreach_mul_(P, 1 - h.lr * h.weightDecay);
    else G = at::_foreach_add(G, P, h.weightDecay);
  }
  if (h.lerp) {
    foreachLerp(M, G, 1 - h.beta1);
  } else {
    at::_foreach_mul_(M, h.beta1);
    at::_foreach_add_(M, G, 1 - h.beta1);
  }
  at::_foreach_mul_(V, h.beta2);
  at::_foreach_addcmul_(V, G, G, 1 - h.beta2);
  if (h.amsgrad) at::_foreach_maximum_(maxV, V);
  std::vector<at::Tensor> D = at::_foreach_sqrt(h.amsgrad ? maxV : V);
  at::_foreach_div_(D, h.bc2Sqrt);
  at::_foreach_add_(D, h.eps);
  at::_foreach_addcdiv_(P, M, D, -h.stepSize);
}

// optimAdam(params, expAvgs, expAvgSqs, maxExpAvgSqs | null, hyper, foreach) -> undefined, where
// hyper = [lr, beta1, beta2, eps, weightDecay, stepSize, bc2Sqrt, decoupled, amsgrad, maximize, lerp]
// (stepSize = lr / bias_correction1 and bc2Sqrt = sqrt(bias_correction2) as the caller computes
// them, the same for every parameter given: one call per step count). Dense gradients.
napi_value adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<6> a(env, info);
    std::vector<at::Tensor> P = tensorArray(env, a[0], "params");
    std::vector<at::Tensor> M = tensorArray(env, a[1], "exp_avgs");
    std::vector<at::Tensor> V = tensorArray(env, a[2], "exp_avg_sqs");
    std::vector<at::Tensor> maxV = isNullish(env, a[3]) ? std::vector<at::Tensor>() : tensorArray(env, a[3], "max_exp_avg_sqs");
    if (!isArray(env, a[4]) || arrayLength(env, a[4]) != 11) throw JsError("tstorch: optimAdam: hyper must be an array of 11 values");
    auto num = [&](uint32_t i, const char* what) { return getNumber(env, arrayGet(env, a[4], i), what); };
    auto flag = [&](uint32_t i, const char* what) { return getBool(env, arrayGet(env, a[4], i), what); };
    AdamHyper h{num(0, "lr"), num(1, "beta1"), num(2, "beta2"), num(3, "eps"), num(4, "weightDecay"), num(5, "stepSize"),
                num(6, "bc2Sqrt"), flag(7, "decoupled"), flag(8, "amsgrad"), flag(9, "maximize"), flag(10, "lerp")};
    const bool foreach = getBool(env, a[5], "foreach");
    if (M.size() != P.size() || V.size() != P.size() || (h.amsgrad && maxV.size() != P.size()))
      throw JsError("tstorch: optimAdam: one state tensor of each kind per parameter");
    const std::vector<at::Tensor> grads = gradsOf(P);
    at::NoGradGuard noGrad;
    if (P.empty()) return makeUndefined(env);
    if (foreach) multiTensorAdam(P, grads, M, V, maxV, h);
    else singleTensorAdam(P, grads, M, V, maxV, h);
    return makeUndefined(env);
  });
}

}  // namespace

std::vector<Export> optimStepExports() {
  return {{"optimGradKinds", gradKinds}, {"optimSgd", sgd}, {"optimAdam", adam}};
}

}  // namespace tstorch
