// nn.RNN, nn.LSTM, nn.GRU: multi-layer, optionally bidirectional recurrent layers computed by
// libtorch's fused operators (aten::lstm / gru / rnn_tanh / rnn_relu .input, which use cuDNN on
// CUDA). Parameters carry PyTorch's names and layouts (weight_ih_l0, weight_hh_l0_reverse,
// bias_ih_l1, weight_hr_l0 for LSTM projections, gates stacked i,f,g,o / r,z,n as in PyTorch), so a
// PyTorch state_dict loads as it is.
import { zeros, empty } from "../core/creation.js";
import type { DeviceLike } from "../core/device.js";
import type { DType } from "../core/dtype.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import { sameShape, shapeString } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { uniform_, zeros_ } from "./init.js";
import { Module } from "./module.js";
import { PackedSequence } from "./packed-sequence.js";

const aten = ops.aten;

export type RNNMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

export interface RNNOptions {
  numLayers?: number;
  /** Biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of each layer but the last, in training mode (default 0). */
  dropout?: number;
  bidirectional?: boolean;
  /**
   * "torch": every parameter U(±1/√hiddenSize) (PyTorch's reset_parameters); "tch": weights
   * U(±√(6/fan_in)) and zero biases (tch's RNNConfig defaults).
   */
  init?: "torch" | "tch";
  dtype?: DType;
  device?: DeviceLike;
}
export interface RNNTanhOptions extends RNNOptions {
  nonlinearity?: "tanh" | "relu";
}
export interface LSTMOptions extends RNNOptions {
  /** LSTM with projections: h_t is projected to this size by weight_hr (default 0: none). */
  projSize?: number;
}

/** LSTM's (h, c) state: h [layers·directions, batch, projSize or hiddenSize], c [layers·directions, batch, hiddenSize]. */
export type LSTMState = [h: Tensor, c: Tensor];

/** What follows (inputSize, hiddenSize) in PyTorch's GRU and LSTM: num_layers, bias, batch_first, dropout, bidirectional. */
export type RNNArgs<O> = PyArgs<[numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean], O>;
const RNN_NAMES = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional"];

/** How any recurrent layer can be called without knowing which one it is (a fresh state each call). */
export interface AnyRNNCall {
  (input: Tensor, hx?: null): [Tensor, Tensor | LSTMState];
  (input: PackedSequence, hx?: null): [PackedSequence, Tensor | LSTMState];
}

/**
 * Any of the recurrent layers (PyTorch code that holds "an RNN" calls it as `rnn(x)`). A plain union
 * of the three classes is not callable in TypeScript once their call()s are overloaded (Tensor and
 * PackedSequence inputs): the union's members are kept, call and forward typed as AnyRNNCall.
 */
export type AnyRNN = Omit<RNN | GRU | LSTM, "call" | "forward"> & { call: AnyRNNCall; forward: AnyRNNCall };

function gateCount(mode: RNNMode): number {
  return mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
}


export abstract class RNNBase<In extends unknown[], Out> extends Module<In, Out> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /** @internal parameter names in libtorch's flat order: per layer, per direction w_ih, w_hh, [b_ih, b_hh], [w_hr]. */
  protected readonly flatWeightNames: string[] = [];
  /**
   * @internal the registered parameters in that order, read at each call, so that a parameter
   * replaced by assignment or registerParameter (weight tying) is the one the operator uses.
   */
  protected get flatWeights(): Tensor[] {
    return this.flatWeightNames.map((n) => {
      const w = this._parameters.get(n);
      if (!(w instanceof Tensor)) throw new Error(`tstorch: ${this.constructor.name}: parameter '${n}' is not set`);
      return w;
    });
  }

  constructor(readonly mode: RNNMode, readonly inputSize: number, readonly hiddenSize: number, opts: LSTMOptions = {}) {
    super();
    this.numLayers = opts.numLayers ?? 1;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.bidirectional = opts.bidirectional ?? false;
    this.projSize = opts.projSize ?? 0;
    for (const [k, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize], ["numLayers", this.numLayers]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`tstorch: ${this.constructor.name} ${k} must be a positive integer, got ${v}`);
    }
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new Error(`tstorch: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${this.dropout}`);
    }
    if (!Number.isInteger(this.projSize) || this.projSize < 0) throw new Error(`tstorch: projSize should be a non-negative integer, got ${this.projSize}`);
    if (this.projSize >= hiddenSize) throw new Error("tstorch: projSize has to be smaller than hiddenSize");
    if (this.projSize > 0 && mode !== "LSTM") throw new Error("tstorch: projSize argument is only supported for LSTM, not RNN or GRU");
    const gate = gateCount(mode) * hiddenSize;
    const realHidden = this.projSize > 0 ? this.projSize : hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < dirs; dir++) {
        const inSize = layer === 0 ? inputSize : realHidden * dirs;
        const sfx = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const reg = (name: string, shape: number[]) => {
          this.registerParameter(name + sfx, empty(shape, t));
          this.flatWeightNames.push(name + sfx);
        };
        reg("weight_ih", [gate, inSize]);
        reg("weight_hh", [gate, realHidden]);
        if (this.bias) {
          reg("bias_ih", [gate]);
          reg("bias_hh", [gate]);
        }
        if (this.projSize > 0) reg("weight_hr", [this.projSize, hiddenSize]);
      }
    }
    this.resetParameters(opts.init ?? "torch");
  }

  /** Redraws every parameter (in state_dict order) with `scheme`. */
  resetParameters(scheme: "torch" | "tch" = "torch"): void {
    if (scheme === "torch") {
      const stdv = this.hiddenSize > 0 ? 1.0 / Math.sqrt(this.hiddenSize) : 0;
      for (const w of this.parameters(false)) uniform_(w, -stdv, stdv);
      return;
    }
    if (scheme !== "tch") throw new Error(`tstorch: unknown init scheme '${scheme}' (expected 'torch' or 'tch')`);
    for (const w of this.parameters(false)) {
      if (w.ndim === 1) zeros_(w);
      else {
        const b = Math.sqrt(6.0 / w.shape[1]);
        uniform_(w, -b, b);
      }
    }
  }

  /** @internal the input's shape checked; returns [batched input, was unbatched]. */
  protected checkInput(input: Tensor): boolean {
    if (!(input instanceof Tensor)) throw new Error(`tstorch: ${this.constructor.name} expects a Tensor input, got ${typeof input}`);
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`tstorch: ${this.constructor.name}: expected input to be 2-D (unbatched) or 3-D (batched), got ${input.ndim}-D input of shape ${shapeString(input.shape)}`);
    }
    const last = input.shape[input.ndim - 1];
    if (last !== this.inputSize) {
      throw new Error(`tstorch: ${this.constructor.name}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${last}`);
    }
    return input.ndim === 2;
  }

  /** @internal the expected hidden shape for a batch of `batch` (unbatched: no batch dimension). */
  protected hiddenShape(batch: number | null, size: number): number[] {
    const first = this.numLayers * (this.bidirectional ? 2 : 1);
    return batch === null ? [first, size] : [first, batch, size];
  }

  /** @internal throws naming both shapes when `h` is not `expected` (PyTorch's check_hidden_size). */
  protected checkHidden(h: Tensor, expected: number[], what: string): void {
    if (!(h instanceof Tensor)) throw new Error(`tstorch: ${this.constructor.name}: ${what} must be a Tensor, got ${typeof h}`);
    const s = h.shape;
    if (!sameShape(s, expected)) {
      throw new Error(`tstorch: ${this.constructor.name}: expected ${what} size ${shapeString(expected)}, got ${shapeString(s)}`);
    }
  }

  protected batchOf(input: Tensor, unbatched: boolean): number | null {
    return unbatched ? null : input.shape[this.batchFirst ? 0 : 1];
  }

  /** @internal runs the fused operator on batched tensors. */
  protected runFused(input: Tensor, hx: Tensor[]): Tensor[] {
    const train = this.training;
    const dirs = this.bidirectional;
    const args = [this.bias, this.numLayers, this.dropout, train, dirs, this.batchFirst] as const;
    switch (this.mode) {
      case "LSTM": return aten.lstm.input(input, hx, this.flatWeights, ...args) as Tensor[];
      case "GRU": return aten.gru.input(input, hx[0], this.flatWeights, ...args) as Tensor[];
      case "RNN_TANH": return aten.rnn_tanh.input(input, hx[0], this.flatWeights, ...args) as Tensor[];
      case "RNN_RELU": return aten.rnn_relu.input(input, hx[0], this.flatWeights, ...args) as Tensor[];
    }
  }

  /**
   * @internal forward over a PackedSequence (PyTorch's RNNBase.forward for packed input): the packed
   * kernels (aten::lstm.data, ...) run on data + batchSizes; a given state is permuted into the
   * sorted batch order and the final state back to the caller's, as PyTorch's permute_hidden does.
   */
  protected forwardPacked(input: PackedSequence, hx: readonly Tensor[] | null): [PackedSequence, Tensor[]] {
    const data = input.data;
    if (data.ndim !== 2 || data.shape[1] !== this.inputSize) {
      throw new Error(`tstorch: ${this.constructor.name}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${data.shape[data.ndim - 1]}`);
    }
    const maxBatch = Number(input.batchSizes.toTypedArray()[0]);
    const realHidden = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const sizes = this.mode === "LSTM" ? [realHidden, this.hiddenSize] : [this.hiddenSize];
    const names = this.mode === "LSTM" ? ["hidden state h0", "cell state c0"] : ["hidden"];
    if (hx !== null) hx.forEach((h, i) => this.checkHidden(h, this.hiddenShape(maxBatch, sizes[i]), names[i]));
    return scope(() => {
      const o = { dtype: data.dtype, device: data.device };
      const sorted = input.sortedIndices;
      const state = hx === null
        ? sizes.map((s) => zeros(this.hiddenShape(maxBatch, s), o))
        : hx.map((h) => (sorted === null ? h : h.indexSelect(1, sorted)));
      const args = [this.flatWeights, this.bias, this.numLayers, this.dropout, this.training, this.bidirectional] as const;
      const bs = input.batchSizes;
      let res: Tensor[];
      switch (this.mode) {
        case "LSTM": res = aten.lstm.data(data, bs, state, ...args) as Tensor[]; break;
        case "GRU": res = aten.gru.data(data, bs, state[0], ...args) as Tensor[]; break;
        case "RNN_TANH": res = aten.rnn_tanh.data(data, bs, state[0], ...args) as Tensor[]; break;
        case "RNN_RELU": res = aten.rnn_relu.data(data, bs, state[0], ...args) as Tensor[]; break;
      }
      const unsorted = input.unsortedIndices;
      const hidden = res.slice(1).map((h) => (unsorted === null ? h : h.indexSelect(1, unsorted)));
      return [new PackedSequence(res[0], bs, sorted, unsorted), hidden];
    }) as [PackedSequence, Tensor[]];
  }

  /** @internal forward of RNN and GRU: one hidden tensor. */
  protected forwardSingle(input: Tensor, hx: Tensor | null | undefined): [Tensor, Tensor] {
    const unbatched = this.checkInput(input);
    const batch = this.batchOf(input, unbatched);
    const expected = this.hiddenShape(batch, this.hiddenSize);
    if (hx !== null && hx !== undefined) this.checkHidden(hx, expected, "hidden");
    return scope(() => {
      const x = unbatched ? input.unsqueeze(this.batchFirst ? 0 : 1) : input;
      const h0 = hx === null || hx === undefined
        ? zeros(this.hiddenShape(batch ?? 1, this.hiddenSize), { dtype: input.dtype, device: input.device })
        : unbatched ? hx.unsqueeze(1) : hx;
      const [out, hn] = this.runFused(x, [h0]);
      return unbatched ? [out.squeeze(this.batchFirst ? 0 : 1), hn.squeeze(1)] : [out, hn];
    }) as [Tensor, Tensor];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ", bias=False";
    if (this.batchFirst) s += ", batch_first=True";
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ", bidirectional=True";
    return s;
  }
}

/** The recurrent layers whose state is one tensor h (RNN, GRU): forward(input, h0?) returns [output, h_n]. */
export abstract class SingleStateRNNBase extends RNNBase<[Tensor, (Tensor | null)?], [Tensor, Tensor]> {
  /** A PackedSequence in gives a PackedSequence out (nn.utils.rnn.packPaddedSequence). */
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    if (input instanceof PackedSequence) {
      const [out, [h]] = this.forwardPacked(input, hx === null || hx === undefined ? null : [hx]);
      return [out, h];
    }
    return this.forwardSingle(input, hx);
  }
  override call(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override call(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override call(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    return this.forward(input as Tensor, hx);
  }
}

/** Elman RNN (tanh or ReLU). forward(input, h0?) returns [output, h_n]. */
export class RNN extends SingleStateRNNBase {
  readonly nonlinearity: "tanh" | "relu";
  /** PyTorch's RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0, bidirectional=False). */
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...args: PyArgs<[numLayers: number, nonlinearity: "tanh" | "relu", bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean], RNNTanhOptions>
  ) {
    const opts = pyArgs<RNNTanhOptions>("RNN", ["numLayers", "nonlinearity", "bias", "batchFirst", "dropout", "bidirectional"], args);
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`tstorch: RNN unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
}

/** Gated recurrent unit. forward(input, h0?) returns [output, h_n]. */
export class GRU extends SingleStateRNNBase {
  /** PyTorch's GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False). */
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs<RNNOptions>) {
    super("GRU", inputSize, hiddenSize, pyArgs<RNNOptions>("GRU", RNN_NAMES, args));
  }
}

/** Long short-term memory, optionally with projections. forward(input, [h0, c0]?) returns [output, [h_n, c_n]]. */
export class LSTM extends RNNBase<[Tensor, (LSTMState | null)?], [Tensor, LSTMState]> {
  /** PyTorch's LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0). */
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...args: PyArgs<[numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean, projSize: number], LSTMOptions>
  ) {
    super("LSTM", inputSize, hiddenSize, pyArgs<LSTMOptions>("LSTM", [...RNN_NAMES, "projSize"], args));
  }

  /** A PackedSequence in gives a PackedSequence out (nn.utils.rnn.packPaddedSequence). */
  forward(input: Tensor, hx?: LSTMState | null): [Tensor, LSTMState];
  forward(input: PackedSequence, hx?: LSTMState | null): [PackedSequence, LSTMState];
  forward(input: Tensor | PackedSequence, hx: LSTMState | null = null): [Tensor | PackedSequence, LSTMState] {
    if (input instanceof PackedSequence) {
      if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw new Error("tstorch: LSTM: the state must be a pair [h0, c0] of Tensors");
      const [out, [h, c]] = this.forwardPacked(input, hx ?? null);
      return [out, [h, c]];
    }
    return this.forwardTensor(input, hx);
  }
  override call(input: Tensor, hx?: LSTMState | null): [Tensor, LSTMState];
  override call(input: PackedSequence, hx?: LSTMState | null): [PackedSequence, LSTMState];
  override call(input: Tensor | PackedSequence, hx: LSTMState | null = null): [Tensor | PackedSequence, LSTMState] {
    return this.forward(input as Tensor, hx);
  }

  private forwardTensor(input: Tensor, hx: LSTMState | null): [Tensor, LSTMState] {
    const unbatched = this.checkInput(input);
    const batch = this.batchOf(input, unbatched);
    const realHidden = this.projSize > 0 ? this.projSize : this.hiddenSize;
    if (hx !== null && hx !== undefined) {
      if (!Array.isArray(hx) || hx.length !== 2) throw new Error("tstorch: LSTM: the state must be a pair [h0, c0] of Tensors");
      this.checkHidden(hx[0], this.hiddenShape(batch, realHidden), "hidden state h0");
      this.checkHidden(hx[1], this.hiddenShape(batch, this.hiddenSize), "cell state c0");
    }
    return scope(() => {
      const x = unbatched ? input.unsqueeze(this.batchFirst ? 0 : 1) : input;
      const o = { dtype: input.dtype, device: input.device };
      const state = hx === null || hx === undefined
        ? [zeros(this.hiddenShape(batch ?? 1, realHidden), o), zeros(this.hiddenShape(batch ?? 1, this.hiddenSize), o)]
        : unbatched ? [hx[0].unsqueeze(1), hx[1].unsqueeze(1)] : [hx[0], hx[1]];
      const [out, hn, cn] = this.runFused(x, state);
      if (unbatched) return [out.squeeze(this.batchFirst ? 0 : 1), [hn.squeeze(1), cn.squeeze(1)]];
      return [out, [hn, cn]];
    }) as [Tensor, LSTMState];
  }
}
