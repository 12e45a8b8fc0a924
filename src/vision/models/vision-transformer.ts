// torchvision.models.VisionTransformer (Dosovitskiy et al., arXiv 2010.11929) and vit_b_16: a
// patchifying conv (conv_proj), a class token, an encoder of pre-norm blocks (ln_1 →
// MultiheadAttention → ln_2 → MLP, LayerNorm eps 1e-6) and a Linear head. Names as torchvision's:
// "class_token", "encoder.pos_embedding", "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
// "encoder.layers.encoder_layer_0.mlp.0.weight", "heads.head.weight"; its initialisation after the
// same seed (except a conv stem, which this port does not build).
import { scope } from "../../core/scope.js";
import type { Tensor } from "../../core/tensor.js";
import { Dropout, GELU, Tanh } from "../../nn/activation.js";
import { MultiheadAttention } from "../../nn/attention.js";
import { Conv2d } from "../../nn/conv.js";
import { normal_, xavierUniform_, zeros_ } from "../../nn/init.js";
import { truncNormal_ } from "../../nn/init-trunc-normal.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { LayerNorm } from "../../nn/normalization.js";
import { Sequential } from "../../nn/sequential.js";
import { cat, empty, zeros } from "../../core/creation.js";
import { ClassifierOptions, loadWeights } from "./weights.js";

/** Builds the norm layer for a width (torchvision's default: LayerNorm with eps 1e-6). */
export type VitNormLayer = (dim: number) => Module;
const defaultNorm: VitNormLayer = (d) => new LayerNorm(d, { eps: 1e-6 });

/** torchvision's MLPBlock (an ops.MLP): Linear → GELU → Dropout → Linear → Dropout, children "0".."4". */
export class MLPBlock extends Sequential {
  constructor(inDim: number, mlpDim: number, dropout: number) {
    super(new Linear(inDim, mlpDim), new GELU(), new Dropout(dropout), new Linear(mlpDim, inDim), new Dropout(dropout));
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        xavierUniform_(m.weight);
        if (m.bias !== null) normal_(m.bias, 0, 1e-6);
      }
    }
  }
}

export class EncoderBlock extends Module {
  readonly ln1: Module;
  readonly selfAttention: MultiheadAttention;
  readonly dropout: Dropout;
  readonly ln2: Module;
  readonly mlp: MLPBlock;
  constructor(readonly numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number, normLayer: VitNormLayer = defaultNorm) {
    super();
    this.ln1 = this.registerModule("ln_1", normLayer(hiddenDim));
    this.selfAttention = this.registerModule("self_attention", new MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout, batchFirst: true }));
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
    this.ln2 = this.registerModule("ln_2", normLayer(hiddenDim));
    this.mlp = this.registerModule("mlp", new MLPBlock(hiddenDim, mlpDim, dropout));
  }
  forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new Error(`tstorch: EncoderBlock: expected (batch_size, seq_length, hidden_dim), got [${input.shape.join(", ")}]`);
    return scope(() => {
      const h = this.ln1.forward(input);
      const [a] = this.selfAttention.forward(h, h, h, { needWeights: false });
      const x = this.dropout.forward(a).add(input);
      return x.add(this.mlp.forward(this.ln2.forward(x)));
    });
  }
}

export class Encoder extends Module {
  readonly posEmbedding: Tensor;
  readonly dropout: Dropout;
  readonly layers: Sequential;
  readonly ln: Module;
  constructor(seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number, normLayer: VitNormLayer = defaultNorm) {
    super();
    // drawn first, as torchvision's empty(...).normal_(std=0.02) ("from BERT")
    const pos = empty([1, seqLength, hiddenDim]);
    normal_(pos, 0, 0.02);
    this.posEmbedding = this.registerParameter("pos_embedding", pos);
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
    // an nn.Sequential of named children, as torchvision's Sequential(OrderedDict(...))
    this.layers = new Sequential();
    for (let i = 0; i < numLayers; i++) {
      this.layers.registerModule(`encoder_layer_${i}`, new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout, normLayer));
    }
    this.registerModule("layers", this.layers);
    this.ln = this.registerModule("ln", normLayer(hiddenDim));
  }
  forward(input: Tensor): Tensor {
    if (input.ndim !== 3) throw new Error(`tstorch: Encoder: expected (batch_size, seq_length, hidden_dim), got [${input.shape.join(", ")}]`);
    return scope(() => this.ln.forward(this.layers.forward(this.dropout.forward(input.add(this.posEmbedding)))));
  }
}

export interface VisionTransformerConfig {
  imageSize: number;
  patchSize: number;
  numLayers: number;
  numHeads: number;
  hiddenDim: number;
  mlpDim: number;
}

export interface VisionTransformerOptions extends ClassifierOptions {
  dropout?: number;
  attentionDropout?: number;
  /** A Linear + Tanh "pre_logits" layer of this width before the head (default none). */
  representationSize?: number | null;
  normLayer?: VitNormLayer;
}

export class VisionTransformer extends Module {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;
  readonly seqLength: number;
  readonly convProj: Conv2d;
  readonly classToken: Tensor;
  readonly encoder: Encoder;
  /** Replaceable, as in PyTorch (assigning a new module re-registers it under "heads"). */
  heads: Sequential;
  constructor(c: VisionTransformerConfig, o: Omit<VisionTransformerOptions, "weights"> = {}) {
    super();
    if (c.imageSize % c.patchSize !== 0) throw new Error(`tstorch: VisionTransformer: input shape indivisible by patch size (imageSize ${c.imageSize}, patchSize ${c.patchSize})`);
    this.imageSize = c.imageSize;
    this.patchSize = c.patchSize;
    this.hiddenDim = c.hiddenDim;
    const normLayer = o.normLayer ?? defaultNorm;
    const numClasses = o.numClasses ?? 1000;
    this.convProj = this.registerModule("conv_proj", new Conv2d(3, c.hiddenDim, c.patchSize, { stride: c.patchSize }));
    this.classToken = this.registerParameter("class_token", zeros([1, 1, c.hiddenDim]));
    this.seqLength = (c.imageSize / c.patchSize) ** 2 + 1;
    this.encoder = this.registerModule("encoder", new Encoder(this.seqLength, c.numLayers, c.numHeads, c.hiddenDim, c.mlpDim, o.dropout ?? 0, o.attentionDropout ?? 0, normLayer));
    this.heads = new Sequential();
    const rep = o.representationSize ?? null;
    let preLogits: Linear | null = null;
    if (rep === null) {
      this.heads.registerModule("head", new Linear(c.hiddenDim, numClasses));
    } else {
      preLogits = this.heads.registerModule("pre_logits", new Linear(c.hiddenDim, rep));
      this.heads.registerModule("act", new Tanh());
      this.heads.registerModule("head", new Linear(rep, numClasses));
    }
    this.registerModule("heads", this.heads);

    const fanIn = 3 * c.patchSize * c.patchSize;
    truncNormal_(this.convProj.weight, 0, Math.sqrt(1 / fanIn));
    if (this.convProj.bias !== null) zeros_(this.convProj.bias);
    if (preLogits !== null) {
      truncNormal_(preLogits.weight, 0, Math.sqrt(1 / c.hiddenDim));
      zeros_(preLogits.bias!);
    }
    const head = this.heads._modules.get("head") as Linear;
    zeros_(head.weight);
    zeros_(head.bias!);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new Error(`tstorch: VisionTransformer expected a [N, 3, H, W] input, got [${x.shape.join(", ")}]`);
    const [n, , h, w] = x.shape;
    if (h !== this.imageSize) throw new Error(`tstorch: VisionTransformer: wrong image height! Expected ${this.imageSize} but got ${h}!`);
    if (w !== this.imageSize) throw new Error(`tstorch: VisionTransformer: wrong image width! Expected ${this.imageSize} but got ${w}!`);
    const p = this.patchSize;
    return scope(() => {
      // [n, hidden, h/p, w/p] → [n, patches, hidden], the class token in front
      const patches = this.convProj.forward(x).reshape([n, this.hiddenDim, (h / p) * (w / p)]).permute(0, 2, 1);
      const seq = cat([this.classToken.expand(n, -1, -1), patches], 1);
      return this.heads.forward(this.encoder.forward(seq).select(1, 0));
    });
  }
}

/**
 * torchvision's MLPBlock names before version 2 ("mlp.linear_1.weight", "mlp.linear_2.bias", as in
 * checkpoints written before torchvision 0.13, such as its published ViT weights) to today's
 * ("mlp.0.weight", "mlp.3.bias"), as MLPBlock._load_from_state_dict renames them.
 */
export function vitLegacyKey(key: string): string {
  return key.replace(/(^|\.)mlp\.linear_([12])\.(weight|bias)$/, (_m, pre: string, i: string, kind: string) => `${pre}mlp.${3 * (Number(i) - 1)}.${kind}`);
}

/** A VisionTransformer of any configuration, with weights from a file (old MLP key names accepted). */
export function visionTransformer(c: VisionTransformerConfig, o: VisionTransformerOptions = {}): VisionTransformer {
  const { weights, ...rest } = o;
  const m = new VisionTransformer(c, rest);
  if (weights !== undefined) loadWeights(m, weights, vitLegacyKey);
  return m;
}

/** torchvision.models.vit_b_16: patch 16, 12 layers, 12 heads, width 768, MLP 3072 (86.6 M parameters); imageSize default 224. */
export function vitB16(o: VisionTransformerOptions & { imageSize?: number } = {}): VisionTransformer {
  const { imageSize, ...rest } = o;
  return visionTransformer({ imageSize: imageSize ?? 224, patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072 }, rest);
}
