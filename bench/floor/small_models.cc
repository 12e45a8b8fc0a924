// The C++ floor of the small-model workloads (bench/small-models.ts describes them; the same work is
// in bench/small-models-tstorch.ts and bench/small_models_torch.py), written as a libtorch C++ user
// writes them: torch::nn modules, torch::optim (whose Adam is the single-tensor form). Every
// request starts again from the same deterministic weights (filled), so the checksum agrees with the
// other sides up to rounding. worker_floor.cc answers the "small" requests with smallModel().
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace nn = torch::nn;

// sin(0.37·k + offset)·scale over the flat index k: the same numbers on every side.
torch::Tensor filled(at::IntArrayRef shape, double offset, double scale) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return torch::arange(n, torch::kFloat32).mul(0.37).add(offset).sin().mul(scale).reshape(shape);
}

void fillParams(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard g;
  for (size_t i = 0; i < params.size(); i++) {
    const auto& p = params[i];
    double scale = p.dim() >= 2 ? 1 / std::sqrt(double(p.numel()) / double(p.size(0))) : 0.05;
    p.copy_(filled(p.sizes(), double(i), scale));
  }
}

// (7t + 3b + shift) mod 65 as [100, 16] int64, one [16] row per time step.
std::vector<torch::Tensor> tokens(int64_t shift) {
  auto t = torch::arange(100, torch::kInt64).mul(7).unsqueeze(1).add(torch::arange(16, torch::kInt64).mul(3)).add(shift).remainder(65);
  return t.unbind(0);
}

struct Workload {
  std::vector<torch::Tensor> params;
  // iters timed iterations from fresh weights: {seconds, checksum}
  std::function<std::pair<double, double>(long)> run;
};

double cpuNow() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}
// CPU seconds of the last timed part (since() sets it): the work without the waiting on a loaded machine.
double cpuSeconds = 0;
struct Stamp {
  Clock::time_point wall = Clock::now();
  double cpu = cpuNow();
};
double since(const Stamp& t0) {
  cpuSeconds = cpuNow() - t0.cpu;
  return std::chrono::duration<double>(Clock::now() - t0.wall).count();
}

Workload policy() {
  nn::Sequential model(nn::Linear(64, 64), nn::ReLU(), nn::Linear(64, 64), nn::ReLU(), nn::Linear(64, 8));
  auto x = filled({64, 64}, 100, 1), target = filled({64, 8}, 200, 1);
  auto params = model->parameters();
  return {params, [=](long iters) mutable {
    torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-3));
    torch::Tensor loss;
    Stamp t0;
    for (long i = 0; i < iters; i++) {
      opt.zero_grad();
      loss = torch::mse_loss(model->forward(x), target);
      loss.backward();
      opt.step();
    }
    double s = since(t0);
    return std::make_pair(s, loss.item<double>());
  }};
}

Workload lstm() {
  nn::Embedding emb(65, 64);
  nn::LSTMCell cell(64, 128);
  nn::Linear head(128, 65);
  std::vector<torch::Tensor> params;
  for (auto* m : std::vector<nn::Module*>{emb.get(), cell.get(), head.get()})
    for (auto& p : m->parameters()) params.push_back(p);
  auto inputs = tokens(0), targets = tokens(7);
  return {params, [=](long iters) mutable {
    torch::optim::SGD opt(params, torch::optim::SGDOptions(0.1));
    torch::Tensor loss;
    Stamp t0;
    for (long i = 0; i < iters; i++) {
      opt.zero_grad();
      std::tuple<torch::Tensor, torch::Tensor> state;
      torch::Tensor total;
      for (int t = 0; t < 100; t++) {
        state = t == 0 ? cell->forward(emb->forward(inputs[t])) : cell->forward(emb->forward(inputs[t]), state);
        auto l = torch::nn::functional::cross_entropy(head->forward(std::get<0>(state)), targets[t]);
        total = t == 0 ? l : total + l;
      }
      loss = total / 100;
      loss.backward();
      opt.step();
    }
    double s = since(t0);
    return std::make_pair(s, loss.item<double>());
  }};
}

Workload smallOpt() {
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 100; i++) {
    params.push_back(torch::zeros({32, 32}).requires_grad_());
    params.push_back(torch::zeros({32}).requires_grad_());
  }
  return {params, [=](long iters) {
    for (size_t i = 0; i < params.size(); i++) params[i].mutable_grad() = filled(params[i].sizes(), 1000.0 + double(i), 0.01);
    torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-3));
    Stamp t0;
    for (long i = 0; i < iters; i++) opt.step();
    double s = since(t0), sum = 0;
    for (auto& p : params) sum += p.sum().item<double>();
    return std::make_pair(s, sum);
  }};
}

Workload cnnInfer1() {
  nn::Sequential model(
      nn::Conv2d(nn::Conv2dOptions(3, 16, 3).padding(1)), nn::Functional(torch::relu), nn::Functional(torch::max_pool2d, 2, 2, 0, 1, false),
      nn::Conv2d(nn::Conv2dOptions(16, 8, 3).padding(1)), nn::Functional(torch::relu), nn::Functional(torch::max_pool2d, 2, 2, 0, 1, false),
      nn::Functional([](const torch::Tensor& x) { return x.reshape({-1, 512}); }), nn::Linear(512, 10));
  auto x = filled({1, 3, 32, 32}, 300, 1);
  return {model->parameters(), [=](long iters) mutable {
    torch::Tensor out;
    Stamp t0;
    {
      c10::InferenceMode guard;
      for (long i = 0; i < iters; i++) out = model->forward(x);
    }
    double s = since(t0);
    return std::make_pair(s, out.sum().item<double>());
  }};
}

std::map<std::string, Workload> built;

}  // namespace

// One "small" request: fresh weights, `iters` timed iterations; {seconds, checksum, CPU seconds}.
std::tuple<double, double, double> smallModel(const std::string& name, long iters) {
  auto it = built.find(name);
  if (it == built.end()) {
    if (name == "policy") it = built.emplace(name, policy()).first;
    else if (name == "lstm-step") it = built.emplace(name, lstm()).first;
    else if (name == "small-opt") it = built.emplace(name, smallOpt()).first;
    else if (name == "cnn-infer1") it = built.emplace(name, cnnInfer1()).first;
    else throw std::runtime_error("the C++ floor has no small model '" + name + "'");
  }
  fillParams(it->second.params);
  auto [seconds, checksum] = it->second.run(iters);
  return {seconds, checksum, cpuSeconds};
}
