// The floor of the per-operation benchmarks: the same workloads as bench/worker-tstorch.ts and
// bench/worker_torch.py written in plain C++ against the same libtorch, with nothing between the
// loop and ATen. run.ts drives it over the JSON-lines protocol of bench/protocol.ts (one request a
// line on stdin, one `@@BENCH {json}` line back); it answers info, memory, run (add, chain, matmul,
// and the small models of small_models.cc) and exit. Built by bench/floor/build.mjs; also run alone for instruction counts:
//   worker_floor --count add|chain N   (N iterations, then exit; see bench/per-op-instructions.ts)
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>

// bench/floor/small_models.cc: one "small" request, {seconds, checksum, CPU seconds}.
std::tuple<double, double, double> smallModel(const std::string& name, long iters);

namespace {

using Clock = std::chrono::steady_clock;

// The requests are a handful of flat shapes, written by run.ts: a field's value is found by name
// rather than by a JSON parser this program would otherwise need.
std::optional<std::string> field(const std::string& line, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  auto at = line.find(key);
  if (at == std::string::npos) return std::nullopt;
  at += key.size();
  while (at < line.size() && line[at] == ' ') at++;
  if (at < line.size() && line[at] == '"') {
    auto end = line.find('"', at + 1);
    return line.substr(at + 1, end - at - 1);
  }
  auto end = line.find_first_of(",}", at);
  return line.substr(at, end - at);
}

long number(const std::string& line, const std::string& name) {
  auto v = field(line, name);
  if (!v) throw std::runtime_error("request has no " + name);
  return std::stol(*v);
}

void reply(const std::string& json) { std::cout << "@@BENCH " << json << std::endl; }

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

double add(long iters) {
  auto x = torch::rand({4}), y = torch::rand({4});
  auto t0 = Clock::now();
  for (long i = 0; i < iters; i++) (void)x.add(y);
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The 20-op chain of the other sides: (((x + b) * c) - b).relu() * 0.5, four times.
torch::Tensor a64, b64, c64;
double chain(long iters) {
  if (!a64.defined()) a64 = torch::rand({64, 64}), b64 = torch::rand({64, 64}), c64 = torch::rand({64, 64});
  auto t0 = Clock::now();
  for (long i = 0; i < iters; i++) {
    torch::Tensor x = a64;
    for (int k = 0; k < 4; k++) x = x.add(b64).mul(c64).sub(b64).relu().mul(0.5);
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double matmul(long n, long iters) {
  auto x = torch::rand({n, n}), y = torch::rand({n, n});
  auto t0 = Clock::now();
  for (long i = 0; i < iters; i++) (void)x.matmul(y);
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The RunResult's JSON: seconds, and a small model's checksum as "loss".
std::string run(const std::string& line) {
  auto kind = field(line, "kind").value_or("");
  std::ostringstream o;
  o.precision(17);
  if (kind == "small") {
    auto [seconds, checksum, cpu] = smallModel(field(line, "model").value_or(""), number(line, "iters"));
    o << "{\"seconds\":" << seconds << ",\"loss\":" << checksum << ",\"cpu\":" << cpu << "}";
    return o.str();
  }
  double seconds;
  if (kind == "add") seconds = add(number(line, "iters"));
  else if (kind == "chain") seconds = chain(number(line, "iters"));
  else if (kind == "matmul") seconds = matmul(number(line, "n"), number(line, "iters"));
  else throw std::runtime_error("the C++ floor measures add, chain, matmul and the small models only, not '" + kind + "'");
  o << "{\"seconds\":" << seconds << "}";
  return o.str();
}

std::string memory() {
  std::ifstream status("/proc/self/status");
  std::string l;
  double peak = 0, rss = 0;
  while (std::getline(status, l)) {
    if (l.rfind("VmHWM:", 0) == 0) peak = std::atof(l.c_str() + 6) / 1024;
    if (l.rfind("VmRSS:", 0) == 0) rss = std::atof(l.c_str() + 6) / 1024;
  }
  std::ostringstream o;
  o << "{\"peakRssMiB\":" << peak << ",\"rssMiB\":" << rss << "}";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* t = std::getenv("BENCH_THREADS"); t && std::atoi(t) > 0) at::set_num_threads(std::atoi(t));
  if (argc == 4 && std::string(argv[1]) == "--count") {
    const std::string kind = argv[2];
    const long n = std::atol(argv[3]);
    if (kind == "add") add(n);
    else if (kind == "chain") chain(n);
    else { std::cerr << "worker_floor: --count add|chain N\n"; return 2; }
    return 0;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto op = field(line, "op").value_or("");
    try {
      if (op == "exit") { reply("{\"ok\":true,\"value\":null}"); break; }
      if (op == "info") {
        std::ostringstream o;
        o << "{\"ok\":true,\"value\":{\"impl\":\"C++ libtorch\",\"version\":\"" << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR
          << "." << TORCH_VERSION_PATCH << "\",\"threads\":" << at::get_num_threads() << ",\"detail\":{\"compiler\":\"g++ " << __VERSION__ << " -O2\"}}}";
        reply(o.str());
      } else if (op == "memory") {
        reply("{\"ok\":true,\"value\":" + memory() + "}");
      } else if (op == "run") {
        reply("{\"ok\":true,\"value\":" + run(line) + "}");
      } else {
        throw std::runtime_error("unknown op '" + op + "'");
      }
    } catch (const std::exception& e) {
      reply(std::string("{\"ok\":false,\"error\":\"") + escape(e.what()) + "\"}");
    }
  }
  return 0;
}
