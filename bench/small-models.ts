// The small-model workloads of `npm run bench` (--only policy,lstm-step,small-opt,cnn-infer1): models
// so small that the per-operation cost of the library, not the kernels, sets their speed. Each runs
// in tstorch (bench/small-models-tstorch.ts), PyTorch (bench/small_models_torch.py) and plain C++ on
// the same libtorch (bench/floor/small_models.cc), interleaved rep by rep like the per-op items.
// Every request restarts from the same deterministic weights (sin of the flat index, computed by
// ATen on each side), so the checksum shown as "loss" must agree between the sides up to rounding.
import type { ItemSpec, Side } from "./report.js";
import type { SmallModel } from "./protocol.js";

const SIDES: Side[] = ["tstorch", "pytorch", "cpp"];

export const SMALL_MODEL_NAMES: SmallModel[] = ["policy", "lstm-step", "small-opt", "cnn-infer1"];

export function smallModelItems(quick: boolean, reps: number | null): ItemSpec[] {
  const item = (model: SmallModel, iters: number, title: string, unit: string, perIter: number, note: string): ItemSpec => {
    const n = quick ? Math.max(1, Math.ceil(iters / 10)) : iters;
    return {
      name: model, title, unit, value: (r) => (r.seconds / n) * perIter,
      bench: { kind: "small", model, iters: n }, sides: SIDES, reps: reps ?? (quick ? 2 : 5), mode: "shared",
      note: `${note}; ${n} iterations per repetition, from the same deterministic weights on every side (checksum = "loss")`,
    };
  };
  return [
    item("policy", 300, "policy MLP training step", "µs/step", 1e6,
      "an MLP policy step, batch 64: Linear(64,64) ReLU Linear(64,64) ReLU Linear(64,8), MSE against a fixed target, " +
      "zero_grad, forward, backward, Adam 1e-3 (each side's default Adam: tstorch multi-tensor, PyTorch and C++ single-tensor)"),
    item("lstm-step", 3, "char-LSTM, 100 steps + backward", "ms/seq", 1e3,
      "a character LSTM, batch 16: Embedding(65,64), LSTMCell(64,128) and Linear(128,65) stepped one time step at a time " +
      "for 100 steps, cross-entropy per step summed, /100, backward through the 100 steps, SGD 0.1"),
    item("small-opt", 50, "Adam step, 200 small tensors", "µs/step", 1e6,
      "one Adam step (lr 1e-3) over 100 [32,32] and 100 [32] parameters with fixed gradients: each side's default form " +
      "(tstorch multi-tensor `_foreach_*`, PyTorch 1.13 single-tensor on the CPU, C++ torch::optim::Adam)"),
    item("cnn-infer1", 500, "CNN inference, batch 1", "µs/image", 1e6,
      "the seed's CNN (`tstorch cifar10 cnn`: conv 3→16, ReLU, max-pool, conv 16→8, ReLU, max-pool, Linear 512→10) " +
      "on one [1,3,32,32] image under inference mode"),
  ];
}
