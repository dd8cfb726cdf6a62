import type { ModelShape } from "./shape.js";

export const LINEAR_NAMES = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

/** One nn.Linear of a decoder layer (weights stored [out, in], as in PyTorch). */
export interface LinearModule {
  name: LinearName;
  /** Path inside a layer, e.g. `self_attn.q_proj`. */
  path: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/** The seven linears every layer has, in the order HF registers them. */
export function layerLinears(s: ModelShape): LinearModule[] {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const attn = (name: LinearName, inF: number, outF: number, bias: boolean): LinearModule => ({
    name,
    path: `self_attn.${name}`,
    inFeatures: inF,
    outFeatures: outF,
    bias,
  });
  const mlp = (name: LinearName, inF: number, outF: number): LinearModule => ({
    name,
    path: `mlp.${name}`,
    inFeatures: inF,
    outFeatures: outF,
    bias: s.bias.mlp,
  });
  return [
    attn("q_proj", s.hidden, q, s.bias.qkv),
    attn("k_proj", s.hidden, kv, s.bias.qkv),
    attn("v_proj", s.hidden, kv, s.bias.qkv),
    attn("o_proj", q, s.hidden, s.bias.o),
    mlp("gate_proj", s.hidden, s.intermediate),
    mlp("up_proj", s.hidden, s.intermediate),
    mlp("down_proj", s.intermediate, s.hidden),
  ];
}

/** A linear with its full module name as PEFT sees it, e.g. `model.layers.3.self_attn.q_proj`. */
export interface NamedLinear extends Omit<LinearModule, "name"> {
  name: LinearName | "lm_head";
  fullName: string;
  /** Decoder layer index; null for lm_head. */
  layer: number | null;
}

/** Every linear of the model, lm_head last (its weight is the embedding matrix when tied). */
export function allLinears(s: ModelShape): NamedLinear[] {
  const perLayer = layerLinears(s);
  const out: NamedLinear[] = [];
  for (let layer = 0; layer < s.layers; layer++) {
    for (const m of perLayer) out.push({ ...m, fullName: `model.layers.${layer}.${m.path}`, layer });
  }
  out.push({
    name: "lm_head",
    path: "lm_head",
    fullName: "lm_head",
    layer: null,
    inFeatures: s.hidden,
    outFeatures: s.vocab,
    bias: false,
  });
  return out;
}

export function linearWeights(m: { inFeatures: number; outFeatures: number }): number {
  return m.inFeatures * m.outFeatures;
}

export function linearBiases(m: { outFeatures: number; bias: boolean }): number {
  return m.bias ? m.outFeatures : 0;
}

/**
 * Base parameters by module kind, as `model.named_parameters()` would sum them (a tied lm_head shares
 * the embedding tensor and is not counted twice).
 */
export function baseParameters(s: ModelShape): Record<string, number> {
  const out: Record<string, number> = { embed_tokens: s.vocab * s.hidden };
  for (const m of layerLinears(s)) {
    out[m.name] = s.layers * linearWeights(m);
    if (m.bias) out[`${m.name}.bias`] = s.layers * linearBiases(m);
  }
  // input_layernorm + post_attention_layernorm per layer, then the final norm.
  out.norm = s.layers * 2 * s.hidden + s.hidden;
  if (!s.tiedEmbeddings) out.lm_head = s.vocab * s.hidden;
  return out;
}

export function sum(values: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(values)) total += v;
  return total;
}
