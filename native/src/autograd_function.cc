// Custom autograd Functions whose backward is JavaScript (autograd.Function): a Node subclass whose
// apply calls the JS runner on the thread that made it, as the C++ frontend's CppNode calls
// T::backward. How nodes are owned and outputs wrapped differs between libtorch versions (compat.h).
#include "common.h"
#define TSTORCH_AUTOGRAD_COMPAT 1
#include "compat.h"
#include "autograd.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/saved_variable.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace tstorch::autograd {
namespace {

// The node of one Function.apply: its backward calls the JS runner
//   runner(gradHandles: (handle|null)[], savedHandles: (handle|null)[]) -> (handle|null)[]
// with one gradient per forward output and one result per forward argument (null for non-tensors).
struct JsNode : torch::autograd::Node {
  std::shared_ptr<JsFn> runner;
  std::string fnName = "FunctionBackward";
  std::vector<bool> isTensorInput;  // per forward argument
  std::vector<torch::autograd::VariableInfo> outputInfo;
  std::vector<torch::autograd::SavedVariable> saved;  // savedMutex
  bool hadSaved = false;
  bool freed = false;  // savedMutex
  bool materializeGrads = true;
  std::mutex savedMutex;

  std::string name() const override { return fnName; }

  void release_variables() override {
    std::lock_guard<std::mutex> lk(savedMutex);
    saved.clear();
    freed = true;
  }

  variable_list apply(variable_list&& grads) override {
    at::OptionalDeviceGuard deviceGuard;
    variable_list in;
    in.reserve(grads.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      if (grads[i].defined() || !materializeGrads || i >= outputInfo.size()) in.push_back(grads[i]);
      else in.push_back(outputInfo[i].zeros(deviceGuard));
    }
    variable_list savedNow;
    {
      std::lock_guard<std::mutex> lk(savedMutex);
      if (freed && hadSaved)
        throw std::runtime_error(
            "Trying to backward through the graph a second time (or directly access saved tensors after they have "
            "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
            "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
            "you need to access saved tensors after calling backward.");
      auto self = compat::selfPtr(this);
      for (auto& s : saved) savedNow.push_back(s.unpack(self));
    }
    if (!runner) throw std::runtime_error("tstorch: " + fnName + ": its backward function was released");
    variable_list outs;
    bool wrongType = false;
    runner->call(
        [&](napi_env env) { return std::vector<napi_value>{handleList(env, in), handleList(env, savedNow)}; },
        [&](napi_env env, napi_value r) {
          if (!isArray(env, r)) {
            wrongType = true;
            return;
          }
          uint32_t n = arrayLength(env, r);
          for (uint32_t i = 0; i < n; ++i) {
            napi_value v = arrayGet(env, r, i);
            if (isNullish(env, v)) {
              outs.emplace_back();
            } else {
              outs.push_back(unwrapTensor(env, v, "a gradient returned by backward"));
              disposeHandle(env, v);  // a fresh handle the runner made for this call
            }
          }
        });
    if (wrongType) throw std::runtime_error("tstorch: " + fnName + ": internal: the backward runner returned no array");
    size_t nIn = isTensorInput.size();
    // as CppNode/PyNode: extra results are fine when they are all None
    if (outs.size() > nIn) {
      bool allUndef = true;
      for (size_t i = nIn; i < outs.size(); ++i) allUndef &= !outs[i].defined();
      if (allUndef) outs.resize(nIn);
    }
    if (outs.size() != nIn)
      throw std::runtime_error("function " + fnName + " returned an incorrect number of gradients (expected " +
                               std::to_string(nIn) + ", got " + std::to_string(outs.size()) + ")");
    variable_list results;
    for (size_t i = 0; i < nIn; ++i) {
      if (!isTensorInput[i]) {
        if (outs[i].defined())
          throw std::runtime_error("function " + fnName + " returned a gradient different than None at position " +
                                   std::to_string(i + 1) + ", but the corresponding forward input was not a Variable");
        continue;
      }
      results.push_back(outs[i]);
    }
    return results;
  }
};

std::unordered_set<at::TensorImpl*> implSet(const variable_list& ts) {
  std::unordered_set<at::TensorImpl*> s;
  for (const auto& t : ts)
    if (t.defined()) s.insert(t.unsafeGetTensorImpl());
  return s;
}

// autogradFunctionApply(runner, name, args: (handle|null)[], outputs: handle[], dirty: handle[],
//   nonDifferentiable: handle[], toSave: (handle|null)[], materializeGrads: boolean)
//   -> [handle|null per output: null when the output is the very tensor passed in, else a new handle]
// Called after JS ran forward (under no_grad): wires the outputs to a JsNode as Function<T>::apply does.
napi_value autogradFunctionApply(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args<8> a(env, info);
    if (typeOf(env, a[0]) != napi_function) throw JsError("tstorch: Function.apply: internal: no backward runner");
    std::string name = getString(env, a[1], "name");
    variable_list args = tensorList(env, a[2], "args", true);
    variable_list rawOutputs = tensorList(env, a[3], "outputs");
    variable_list dirty = tensorList(env, a[4], "markDirty");
    variable_list nonDiff = tensorList(env, a[5], "markNonDifferentiable");
    variable_list toSave = tensorList(env, a[6], "saveForBackward", true);
    bool materialize = getBool(env, a[7], "materializeGrads");

    variable_list inputVars;
    std::vector<bool> isTensor;
    for (const auto& t : args) {
      isTensor.push_back(t.defined());
      if (t.defined()) inputVars.push_back(t);
    }
    auto dirtySet = implSet(dirty);
    auto argSet = implSet(inputVars);
    for (auto* impl : dirtySet)
      if (!argSet.count(impl)) throw JsError("tstorch: " + name + ": markDirty() takes only tensors passed to forward");
    auto outSet = implSet(rawOutputs);
    for (auto* impl : dirtySet)
      if (!outSet.count(impl))
        throw JsError("tstorch: " + name + ": a tensor marked dirty (modified in place) must be returned by forward");
    for (const auto& t : dirty) torch::autograd::impl::bump_version(t);

    bool executable = at::GradMode::is_enabled() && torch::autograd::any_variable_requires_grad(inputVars);
    compat::NodePtr nodePtr;
    JsNode* node = nullptr;
    if (executable) {
      nodePtr = compat::makeNode<JsNode>();
      node = static_cast<JsNode*>(nodePtr.get());
      node->runner = std::make_shared<JsFn>(env, a[0]);
      node->fnName = name;
      node->isTensorInput = isTensor;
      node->materializeGrads = materialize;
      node->set_next_edges(torch::autograd::collect_next_edges(inputVars));
      node->clear_input_metadata();
    }
    std::vector<compat::Optional<at::Tensor>> raw(rawOutputs.begin(), rawOutputs.end());
    auto wrapped = compat::wrapOutputs(inputVars, implSet(nonDiff), dirtySet, raw, executable ? nodePtr : compat::NodePtr());
    if (executable) {
      for (auto& o : wrapped) {
        if (o.has_value()) node->outputInfo.emplace_back(o.value());
        else node->outputInfo.emplace_back();
      }
      for (const auto& t : toSave) {
        if (!t.defined()) {
          node->saved.emplace_back();
          continue;
        }
        bool isOutput = t.grad_fn().get() == node;
        node->saved.emplace_back(t, isOutput);
      }
      node->hadSaved = !toSave.empty();
    }
    napi_value arr;
    check(napi_create_array_with_length(env, wrapped.size(), &arr), "create_array");
    for (size_t i = 0; i < wrapped.size(); ++i) {
      const at::Tensor& w = wrapped[i].value();
      napi_value v = w.unsafeGetTensorImpl() == rawOutputs[i].unsafeGetTensorImpl() ? makeNull(env) : wrapTensor(env, w);
      check(napi_set_element(env, arr, i, v), "set_element");
    }
    return arr;
  });
}

}  // namespace
}  // namespace tstorch::autograd

namespace tstorch {
std::vector<Export> autogradFunctionExports() { return {{"autogradFunctionApply", autograd::autogradFunctionApply}}; }
}  // namespace tstorch
