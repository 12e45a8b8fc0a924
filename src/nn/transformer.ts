// nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.TransformerEncoder,
// nn.TransformerDecoder and nn.Transformer as PyTorch composes them (post-norm by default,
// pre-norm with normFirst), with PyTorch's child names so that state_dict keys match
// (self_attn.in_proj_weight, linear1.weight, norm1.bias, layers.0...., encoder.norm.weight).
import { pyArgs, type PyArgs } from "../core/py-args.js";
import { Tensor } from "../core/tensor.js";
import { Dropout } from "./activation.js";
import { generateSquareSubsequentMask, MultiheadAttention } from "./attention.js";
import { ModuleList } from "./container.js";
import { xavierUniform_ } from "./init.js";
import { Linear, ParamOptions } from "./linear.js";
import { AnyModule, Module } from "./module.js";
import { LayerNorm } from "./normalization.js";

export type Activation = "relu" | "gelu" | ((x: Tensor) => Tensor);

export interface TransformerLayerOptions extends Omit<ParamOptions, "init"> {
  dimFeedforward?: number;
  dropout?: number;
  activation?: Activation;
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Layer norm before attention and feed-forward (pre-norm) instead of after (default false). */
  normFirst?: boolean;
}

export interface EncoderMasks {
  /** [L, L] or [N·nhead, L, L] attention mask (bool: true = not allowed; float: added). */
  srcMask?: Tensor | null;
  /** [N, L]: true for padding positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** With no srcMask: a causal mask. */
  isCausal?: boolean;
}

export interface DecoderMasks {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  tgtIsCausal?: boolean;
}

function activate(a: Activation, x: Tensor): Tensor {
  if (typeof a === "function") return a(x);
  if (a === "relu") return x.relu();
  if (a === "gelu") return x.gelu();
  throw new Error(`tstorch: activation should be relu/gelu, not ${String(a)}`);
}

function layerDefaults(o: TransformerLayerOptions) {
  return {
    dimFeedforward: o.dimFeedforward ?? 2048, dropout: o.dropout ?? 0.1, activation: o.activation ?? ("relu" as Activation),
    eps: o.layerNormEps ?? 1e-5, batchFirst: o.batchFirst ?? false, normFirst: o.normFirst ?? false,
    t: { dtype: o.dtype, device: o.device },
  };
}

/** Frees intermediate tensors (never the layer's input or anything a module keeps). */
function chain(x0: Tensor, steps: ((x: Tensor) => Tensor)[]): Tensor {
  let x = x0;
  for (const s of steps) {
    const next = s(x);
    if (x !== x0 && x !== next) x.dispose();
    x = next;
  }
  return x;
}

/** The position-wise feed-forward block of both layers, with PyTorch's names: linear1, dropout, linear2. */
interface FeedForward {
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly activation: Activation;
}

/** linear1, dropout and linear2, registered on `layer` in PyTorch's order (after its attention). */
function feedForwardModules(
  register: <M extends AnyModule>(name: string, m: M) => M, dModel: number, d: ReturnType<typeof layerDefaults>,
): [Linear, Dropout, Linear] {
  return [
    register("linear1", new Linear(dModel, d.dimFeedforward, d.t)),
    register("dropout", new Dropout(d.dropout)),
    register("linear2", new Linear(d.dimFeedforward, dModel, d.t)),
  ];
}

/** PyTorch's _ff_block: linear2(dropout(activation(linear1(x)))), then the layer's last dropout. */
function feedForward(ff: FeedForward, x: Tensor, last: Dropout): Tensor {
  return chain(x, [(h) => ff.linear1.forward(h), (h) => activate(ff.activation, h), (h) => ff.dropout.forward(h),
    (h) => ff.linear2.forward(h), (h) => last.forward(h)]);
}

/** A new layer with the same options and a copy of `layer`'s weights (what PyTorch's deepcopy gives the stacks). */
function cloneLayer<L extends AnyModule>(layer: L, fresh: L): L {
  const sd = layer.stateDict();
  fresh.loadStateDict(sd);
  for (const t of sd.values()) t.dispose();
  fresh.train(layer.training);
  return fresh;
}

/** What follows (dModel, nhead) in PyTorch's TransformerEncoderLayer / TransformerDecoderLayer, in its order. */
export type TransformerLayerArgs = PyArgs<[
  dimFeedforward: number, dropout: number, activation: Activation, layerNormEps: number, batchFirst: boolean, normFirst: boolean,
], TransformerLayerOptions>;
const LAYER_NAMES = ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"];

/**
 * The modules both layer kinds share, registered in PyTorch's order (state_dict keys): self_attn,
 * [multihead_attn], linear1, dropout, linear2, norm1, norm2, [norm3], dropout1, dropout2, [dropout3];
 * the bracketed ones only in a decoder layer (`cross`).
 */
abstract class TransformerLayerBase<In extends unknown[]> extends Module<In, Tensor> {
  readonly options: TransformerLayerOptions;
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly normFirst: boolean;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly activation: Activation;
  protected readonly crossAttn: MultiheadAttention | null = null;
  protected readonly lastNorm: LayerNorm | null = null;
  protected readonly lastDropout: Dropout | null = null;

  constructor(readonly dModel: number, readonly nhead: number, args: readonly unknown[], cross: boolean) {
    super();
    this.options = pyArgs<TransformerLayerOptions>(new.target.name, LAYER_NAMES, args);
    const d = layerDefaults(this.options);
    const mha = () => new MultiheadAttention(dModel, nhead, { dropout: d.dropout, batchFirst: d.batchFirst, ...d.t });
    this.selfAttn = this.registerModule("self_attn", mha());
    if (cross) this.crossAttn = this.registerModule("multihead_attn", mha());
    [this.linear1, this.dropout, this.linear2] = feedForwardModules((n, m) => this.registerModule(n, m), dModel, d);
    this.normFirst = d.normFirst;
    const norm = (name: string) => this.registerModule(name, new LayerNorm(dModel, { eps: d.eps, ...d.t }));
    this.norm1 = norm("norm1");
    this.norm2 = norm("norm2");
    if (cross) this.lastNorm = norm("norm3");
    this.dropout1 = this.registerModule("dropout1", new Dropout(d.dropout));
    this.dropout2 = this.registerModule("dropout2", new Dropout(d.dropout));
    if (cross) this.lastDropout = this.registerModule("dropout3", new Dropout(d.dropout));
    this.activation = d.activation;
  }
}

export class TransformerEncoderLayer extends TransformerLayerBase<[Tensor, EncoderMasks?]> {
  /** PyTorch's TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first). */
  constructor(dModel: number, nhead: number, ...args: TransformerLayerArgs) {
    super(dModel, nhead, args, false);
  }

  /** A new layer with the same options and a copy of this one's weights (what PyTorch's deepcopy gives TransformerEncoder). */
  clone(): TransformerEncoderLayer {
    return cloneLayer(this, new TransformerEncoderLayer(this.dModel, this.nhead, this.options));
  }

  forward(src: Tensor, m: EncoderMasks = {}): Tensor {
    const attnMask = m.srcMask ?? null;
    const kpm = m.srcKeyPaddingMask ?? null;
    const causal = attnMask === null && m.isCausal === true;
    const sa = (x: Tensor) => {
      const [y] = this.selfAttn.forward(x, x, x, { attnMask, keyPaddingMask: kpm, needWeights: false, isCausal: causal });
      return this.dropout1.forward(y);
    };
    const ff = (x: Tensor) => feedForward(this, x, this.dropout2);
    if (this.normFirst) {
      return chain(src, [(x) => x.add(sa(this.norm1.forward(x))), (x) => x.add(ff(this.norm2.forward(x)))]);
    }
    return chain(src, [(x) => x.add(sa(x)), (x) => this.norm1.forward(x), (x) => x.add(ff(x)), (x) => this.norm2.forward(x)]);
  }
}

export class TransformerDecoderLayer extends TransformerLayerBase<[Tensor, Tensor, DecoderMasks?]> {
  /** PyTorch's TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first). */
  constructor(dModel: number, nhead: number, ...args: TransformerLayerArgs) {
    super(dModel, nhead, args, true);
  }
  get multiheadAttn(): MultiheadAttention { return this.crossAttn!; }
  get norm3(): LayerNorm { return this.lastNorm!; }
  get dropout3(): Dropout { return this.lastDropout!; }

  clone(): TransformerDecoderLayer {
    return cloneLayer(this, new TransformerDecoderLayer(this.dModel, this.nhead, this.options));
  }

  forward(tgt: Tensor, memory: Tensor, m: DecoderMasks = {}): Tensor {
    const tgtMask = m.tgtMask ?? null;
    const causal = tgtMask === null && m.tgtIsCausal === true;
    const sa = (x: Tensor) => {
      const [y] = this.selfAttn.forward(x, x, x, { attnMask: tgtMask, keyPaddingMask: m.tgtKeyPaddingMask ?? null, needWeights: false, isCausal: causal });
      return this.dropout1.forward(y);
    };
    const mha = (x: Tensor) => {
      const [y] = this.multiheadAttn.forward(x, memory, memory, { attnMask: m.memoryMask ?? null, keyPaddingMask: m.memoryKeyPaddingMask ?? null, needWeights: false });
      return this.dropout2.forward(y);
    };
    const ff = (x: Tensor) => feedForward(this, x, this.dropout3);
    if (this.normFirst) {
      return chain(tgt, [(x) => x.add(sa(this.norm1.forward(x))), (x) => x.add(mha(this.norm2.forward(x))), (x) => x.add(ff(this.norm3.forward(x)))]);
    }
    return chain(tgt, [(x) => x.add(sa(x)), (x) => this.norm1.forward(x), (x) => x.add(mha(x)), (x) => this.norm2.forward(x),
      (x) => x.add(ff(x)), (x) => this.norm3.forward(x)]);
  }
}

type Layer<L> = L | (() => L);
function stackLayers<L extends TransformerEncoderLayer | TransformerDecoderLayer>(layer: Layer<L>, n: number): L[] {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`tstorch: numLayers must be a positive integer, got ${n}`);
  if (typeof layer === "function") return Array.from({ length: n }, () => layer());
  return Array.from({ length: n }, () => layer.clone() as L);
}

type StackArgs = PyArgs<[norm: LayerNorm | null], { norm?: LayerNorm | null }>;

/** numLayers copies of a layer (each with its own weights, as PyTorch's deepcopy) and an optional final norm: PyTorch's "layers" and "norm". */
abstract class TransformerStack<L extends TransformerEncoderLayer | TransformerDecoderLayer, In extends unknown[]> extends Module<In, Tensor> {
  // `& AnyModule`: a type parameter L cannot be checked against Module's hook signatures by itself.
  readonly layers: ModuleList<L & AnyModule>;
  readonly norm: LayerNorm | null;
  constructor(layer: Layer<L>, readonly numLayers: number, args: readonly unknown[]) {
    super();
    const opts = pyArgs<{ norm?: LayerNorm | null }>(new.target.name, ["norm"], args);
    this.layers = this.registerModule("layers", new ModuleList(stackLayers(layer, numLayers) as (L & AnyModule)[]));
    this.norm = opts.norm ?? null;
    if (this.norm !== null) this.registerModule("norm", this.norm);
  }
  /** x through every layer (`step`), then the norm. */
  protected run(x: Tensor, step: (l: L, x: Tensor) => Tensor): Tensor {
    const steps = [...this.layers].map((l) => (h: Tensor) => step(l, h));
    if (this.norm !== null) steps.push((h) => this.norm!.forward(h));
    return chain(x, steps);
  }
}

export class TransformerEncoder extends TransformerStack<TransformerEncoderLayer, [Tensor, EncoderMasks?]> {
  /** PyTorch's TransformerEncoder(encoder_layer, num_layers, norm). */
  constructor(encoderLayer: Layer<TransformerEncoderLayer>, numLayers: number, ...args: StackArgs) { super(encoderLayer, numLayers, args); }
  forward(src: Tensor, m: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    const masks: EncoderMasks = { srcMask: m.mask ?? null, srcKeyPaddingMask: m.srcKeyPaddingMask ?? null, isCausal: m.isCausal };
    return this.run(src, (l, x) => l.forward(x, masks));
  }
}

export class TransformerDecoder extends TransformerStack<TransformerDecoderLayer, [Tensor, Tensor, DecoderMasks?]> {
  /** PyTorch's TransformerDecoder(decoder_layer, num_layers, norm). */
  constructor(decoderLayer: Layer<TransformerDecoderLayer>, numLayers: number, ...args: StackArgs) { super(decoderLayer, numLayers, args); }
  forward(tgt: Tensor, memory: Tensor, m: DecoderMasks = {}): Tensor {
    return this.run(tgt, (l, x) => l.forward(x, memory, m));
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of the default encoder stack (PyTorch's custom_encoder). */
  customEncoder?: TransformerEncoder | null;
  customDecoder?: TransformerDecoder | null;
}
type TransformerArgs = PyArgs<[
  dModel: number, nhead: number, numEncoderLayers: number, numDecoderLayers: number, dimFeedforward: number, dropout: number,
  activation: Activation, customEncoder: TransformerEncoder | null, customDecoder: TransformerDecoder | null, layerNormEps: number,
  batchFirst: boolean, normFirst: boolean,
], TransformerOptions>;
const TRANSFORMER_NAMES = [
  "dModel", "nhead", "numEncoderLayers", "numDecoderLayers", "dimFeedforward", "dropout", "activation", "customEncoder", "customDecoder",
  "layerNormEps", "batchFirst", "normFirst",
];

export interface TransformerMasks {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** The encoder-decoder model of "Attention Is All You Need" (PyTorch's nn.Transformer). forward(src, tgt, masks?). */
export class Transformer extends Module<[Tensor, Tensor, TransformerMasks?], Tensor> {
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  /**
   * PyTorch's Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward,
   * dropout, activation, custom_encoder, custom_decoder, layer_norm_eps, batch_first, norm_first).
   */
  constructor(...args: TransformerArgs) {
    super();
    const opts = pyArgs<TransformerOptions>("Transformer", TRANSFORMER_NAMES, args);
    this.dModel = opts.dModel ?? 512;
    this.nhead = opts.nhead ?? 8;
    this.batchFirst = opts.batchFirst ?? false;
    const eps = opts.layerNormEps ?? 1e-5;
    const t = { dtype: opts.dtype, device: opts.device };
    const { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, dtype, device } = opts;
    const layerOpts: TransformerLayerOptions = { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, dtype, device };
    this.encoder = this.registerModule("encoder", opts.customEncoder ?? new TransformerEncoder(() => new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts),
      opts.numEncoderLayers ?? 6, { norm: new LayerNorm(this.dModel, { eps, ...t }) }));
    this.decoder = this.registerModule("decoder", opts.customDecoder ?? new TransformerDecoder(() => new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts),
      opts.numDecoderLayers ?? 6, { norm: new LayerNorm(this.dModel, { eps, ...t }) }));
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  static generateSquareSubsequentMask(sz: number): Tensor {
    return generateSquareSubsequentMask(sz);
  }

  forward(src: Tensor, tgt: Tensor, m: TransformerMasks = {}): Tensor {
    const isBatched = src.ndim === 3;
    if (isBatched && src.shape[this.batchFirst ? 0 : 1] !== tgt.shape[this.batchFirst ? 0 : 1]) {
      throw new Error("tstorch: Transformer: the batch number of src and tgt must be equal");
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new Error(`tstorch: Transformer: the feature number of src and tgt must be equal to dModel (${this.dModel})`);
    }
    const memory = this.encoder.forward(src, { mask: m.srcMask ?? null, srcKeyPaddingMask: m.srcKeyPaddingMask ?? null });
    try {
      return this.decoder.forward(tgt, memory, {
        tgtMask: m.tgtMask ?? null, memoryMask: m.memoryMask ?? null,
        tgtKeyPaddingMask: m.tgtKeyPaddingMask ?? null, memoryKeyPaddingMask: m.memoryKeyPaddingMask ?? null,
      });
    } finally {
      memory.dispose();
    }
  }
}
