// nn.RNNCell, nn.LSTMCell, nn.GRUCell: one time step, through aten::rnn_tanh_cell / rnn_relu_cell /
// lstm_cell / gru_cell, with PyTorch's parameter names (weight_ih, weight_hh, bias_ih, bias_hh).
import { empty, zeros } from "../core/creation.js";
import { ops } from "../core/ops.js";
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { scope } from "../core/scope.js";
import { sameShape, shapeString } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { uniform_, zeros_ } from "./init.js";
import { Module } from "./module.js";
import type { LSTMState, RNNOptions } from "./rnn.js";

const aten = ops.aten;

export type CellOptions = Pick<RNNOptions, "bias" | "init" | "dtype" | "device">;

export abstract class RNNCellBase<In extends unknown[], Out> extends Module<In, Out> {
  declare weightIh: Tensor;
  declare weightHh: Tensor;
  declare biasIh: Tensor | null;
  declare biasHh: Tensor | null;
  readonly bias: boolean;

  constructor(readonly inputSize: number, readonly hiddenSize: number, gates: number, opts: CellOptions) {
    super();
    for (const [k, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`tstorch: ${this.constructor.name} ${k} must be a positive integer, got ${v}`);
    }
    this.bias = opts.bias ?? true;
    const t = { dtype: opts.dtype ?? "float32", device: opts.device };
    this.weightIh = this.registerParameter("weight_ih", empty([gates * hiddenSize, inputSize], t));
    this.weightHh = this.registerParameter("weight_hh", empty([gates * hiddenSize, hiddenSize], t));
    this.biasIh = this.registerParameter("bias_ih", this.bias ? empty([gates * hiddenSize], t) : null);
    this.biasHh = this.registerParameter("bias_hh", this.bias ? empty([gates * hiddenSize], t) : null);
    this.resetParameters(opts.init ?? "torch");
  }

  /** "torch": all U(±1/√hiddenSize); "tch": weights U(±√(6/fan_in)), biases 0. */
  resetParameters(scheme: "torch" | "tch" = "torch"): void {
    const stdv = 1.0 / Math.sqrt(this.hiddenSize);
    for (const w of this.parameters(false)) {
      if (scheme === "torch") uniform_(w, -stdv, stdv);
      else if (w.ndim === 1) zeros_(w);
      else uniform_(w, -Math.sqrt(6.0 / w.shape[1]), Math.sqrt(6.0 / w.shape[1]));
    }
  }

  /** @internal checks input [batch, inputSize] or [inputSize]; returns whether it is unbatched. */
  protected checkInput(input: Tensor): boolean {
    if (!(input instanceof Tensor)) throw new Error(`tstorch: ${this.constructor.name} expects a Tensor input, got ${typeof input}`);
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new Error(`tstorch: ${this.constructor.name}: expected input to be 1-D or 2-D, got ${input.ndim}-D input of shape [${input.shape.join(", ")}]`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`tstorch: ${this.constructor.name}: input has inconsistent input size: got ${input.shape[input.ndim - 1]}, expected ${this.inputSize}`);
    }
    return input.ndim === 1;
  }

  protected checkHidden(h: Tensor, input: Tensor, what: string): void {
    if (!(h instanceof Tensor)) throw new Error(`tstorch: ${this.constructor.name}: ${what} must be a Tensor, got ${typeof h}`);
    const expected = input.ndim === 1 ? [this.hiddenSize] : [input.shape[0], this.hiddenSize];
    if (!sameShape(h.shape, expected)) {
      throw new Error(`tstorch: ${this.constructor.name}: expected ${what} size ${shapeString(expected)}, got ${shapeString(h.shape)}`);
    }
  }

  /** One step of a cell whose state is one tensor (RNNCell, GRUCell): an unbatched input and state get a batch dimension for `op`. */
  protected stepOneState(input: Tensor, hx: Tensor | null, op: typeof aten.gru_cell): Tensor {
    const unbatched = this.checkInput(input);
    if (hx !== null) this.checkHidden(hx, input, "hidden");
    return scope(() => {
      const x = unbatched ? input.unsqueeze(0) : input;
      const h = hx === null ? this.zeroState(input) : unbatched ? hx.unsqueeze(0) : hx;
      const out = op(x, h, this.weightIh, this.weightHh, this.biasIh, this.biasHh) as Tensor;
      return unbatched ? out.squeeze(0) : out;
    });
  }

  protected zeroState(input: Tensor): Tensor {
    return zeros([input.ndim === 1 ? 1 : input.shape[0], this.hiddenSize], { dtype: input.dtype, device: input.device });
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? "" : ", bias=False"}`;
  }
}

/** h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or ReLU). */
export class RNNCell extends RNNCellBase<[Tensor, (Tensor | null)?], Tensor> {
  readonly nonlinearity: "tanh" | "relu";
  /** PyTorch's RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh'). */
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...args: PyArgs<[bias: boolean, nonlinearity: "tanh" | "relu"], CellOptions & { nonlinearity?: "tanh" | "relu" }>
  ) {
    const opts = pyArgs<CellOptions & { nonlinearity?: "tanh" | "relu" }>("RNNCell", ["bias", "nonlinearity"], args);
    super(inputSize, hiddenSize, 1, opts);
    this.nonlinearity = opts.nonlinearity ?? "tanh";
    if (this.nonlinearity !== "tanh" && this.nonlinearity !== "relu") throw new Error(`tstorch: RNNCell unknown nonlinearity '${this.nonlinearity}'`);
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const op = this.nonlinearity === "tanh" ? aten.rnn_tanh_cell : aten.rnn_relu_cell;
    return this.stepOneState(input, hx, op);
  }
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "tanh" ? "" : ", nonlinearity=relu");
  }
}

/** One LSTM step: forward(x, [h, c]?) returns [h', c']. */
export class LSTMCell extends RNNCellBase<[Tensor, (LSTMState | null)?], LSTMState> {
  /** PyTorch's LSTMCell(input_size, hidden_size, bias=True). */
  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<[bias: boolean], CellOptions>) {
    super(inputSize, hiddenSize, 4, pyArgs<CellOptions>("LSTMCell", ["bias"], args));
  }
  forward(input: Tensor, hx: LSTMState | null = null): LSTMState {
    const unbatched = this.checkInput(input);
    if (hx !== null) {
      if (!Array.isArray(hx) || hx.length !== 2) throw new Error("tstorch: LSTMCell: the state must be a pair [h, c] of Tensors");
      this.checkHidden(hx[0], input, "hidden state h");
      this.checkHidden(hx[1], input, "cell state c");
    }
    return scope(() => {
      const x = unbatched ? input.unsqueeze(0) : input;
      const state = hx === null ? [this.zeroState(input), this.zeroState(input)] : unbatched ? [hx[0].unsqueeze(0), hx[1].unsqueeze(0)] : [hx[0], hx[1]];
      const [h, c] = aten.lstm_cell(x, state, this.weightIh, this.weightHh, this.biasIh, this.biasHh) as Tensor[];
      return (unbatched ? [h.squeeze(0), c.squeeze(0)] : [h, c]) as LSTMState;
    });
  }
}

/** One GRU step: forward(x, h?) returns h'. */
export class GRUCell extends RNNCellBase<[Tensor, (Tensor | null)?], Tensor> {
  /** PyTorch's GRUCell(input_size, hidden_size, bias=True). */
  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<[bias: boolean], CellOptions>) {
    super(inputSize, hiddenSize, 3, pyArgs<CellOptions>("GRUCell", ["bias"], args));
  }
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.stepOneState(input, hx, aten.gru_cell);
  }
}
