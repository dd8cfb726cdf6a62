import type { ModelConfig } from "../model/config.js";
import { allLinears, baseParameters, linearBiases, type NamedLinear, sum } from "../model/modules.js";
import { type ModelShape, modelShape } from "../model/shape.js";
import { adaptersPerLayer, bottleneckSize } from "../methods/adapter.js";
import { usesDora } from "../methods/lora.js";
import { loraTargets } from "../methods/lora-targets.js";
import { matchTargets } from "../methods/targets.js";
import type {
  AdapterConfig,
  Ia3Config,
  LoraLikeConfig,
  MethodConfig,
  PrefixConfig,
} from "../methods/types.js";

/** What PEFT's print_trainable_parameters() reports, plus where the trainable parameters are. */
export interface ParameterCounts {
  trainable: number;
  /** Base model plus every parameter the method adds (PEFT's "all params"; 4-bit weights count as numbers). */
  total: number;
  /** 100 · trainable / total. */
  trainablePercent: number;
  /** Trainable parameters by kind, e.g. { lora_A, lora_B } or, for full fine-tuning, by base module. */
  byModule: Record<string, number>;
  /** Parameters of the unmodified base model. */
  base: number;
}

/**
 * Counts analytically from the config: every term is a product of config sizes, so an 8B model costs
 * a few dozen multiplications. Both arguments must already be parsed (see `countParameters` in index).
 */
export function countParsedParameters(model: ModelConfig, method: MethodConfig): ParameterCounts {
  const shape = modelShape(model);
  const base = sum(baseParameters(shape));
  const added = addedParameters(model, shape, method);
  const trainable = sum(added.trainable);
  const total = base + added.count;
  return { trainable, total, trainablePercent: (100 * trainable) / total, byModule: added.trainable, base };
}

interface Added {
  /** New parameters the method puts into the model (all trainable unless frozen by the method). */
  count: number;
  /** Trainable parameters by kind (new ones and, for full/bias, base ones). */
  trainable: Record<string, number>;
}

function addedParameters(model: ModelConfig, s: ModelShape, method: MethodConfig): Added {
  switch (method.method) {
    case "full":
      return { count: 0, trainable: baseParameters(s) };
    case "lora":
    case "qlora":
    case "dora":
      return loraParameters(model, method);
    case "prefix":
      return prefixParameters(s, method);
    case "prompt":
      // Embedding(n, d): one virtual token embedding per position, prepended to the input.
      return only("prompt_embeddings", method.num_virtual_tokens * s.hidden);
    case "ia3":
      return ia3Parameters(model, method);
    case "adapter":
      return adapterParameters(s, method);
  }
}

function only(kind: string, n: number): Added {
  return { count: n, trainable: { [kind]: n } };
}

/**
 * Per target: A [r, in] + B [out, r] at that target's rank (rank_pattern); DoRA (use_dora) adds a
 * magnitude [out]; `bias` unfreezes existing biases ("lora_only": those of the wrapped modules).
 */
function loraParameters(model: ModelConfig, m: LoraLikeConfig): Added {
  const targets = loraTargets(model, m);
  const loraA = sumOver(targets, (t) => t.r * t.inFeatures);
  const loraB = sumOver(targets, (t) => t.outFeatures * t.r);
  const trainable: Record<string, number> = { lora_A: loraA, lora_B: loraB };
  let count = loraA + loraB;
  if (usesDora(m)) {
    const magnitude = sumOver(targets, (t) => t.outFeatures);
    trainable.lora_magnitude_vector = magnitude;
    count += magnitude;
  }
  const biasSource = m.bias === "all" ? allLinears(modelShape(model)) : m.bias === "lora_only" ? targets : [];
  const biases = sumOver(biasSource, linearBiases);
  if (biases > 0) trainable.bias = biases;
  return { count, trainable };
}

/**
 * PEFT's PrefixEncoder. Token dim t is the key/value width: head_dim · num_key_value_heads (for plain
 * multi-head attention that is hidden_size). Without projection: Embedding(n, 2·L·t). With projection:
 * Embedding(n, t) → Linear(t, h) → tanh → Linear(h, 2·L·t), h = encoder_hidden_size (default t).
 */
function prefixParameters(s: ModelShape, m: PrefixConfig): Added {
  const n = m.num_virtual_tokens;
  const t = s.headDim * s.kvHeads;
  const kv = 2 * s.layers * t;
  if (!m.prefix_projection) return only("prefix_embedding", n * kv);
  const h = m.encoder_hidden_size ?? t;
  const trainable = {
    prefix_embedding: n * t,
    prefix_transform_0: t * h + h,
    prefix_transform_2: h * kv + kv,
  };
  return { count: sum(trainable), trainable };
}

/** One learned vector per target: output-sized, or input-sized for feed-forward targets. */
function ia3Parameters(model: ModelConfig, m: Ia3Config): Added {
  const targets = matchTargets(model, m.target_modules, "target_modules");
  const feedforward = new Set(matchTargets(model, m.feedforward_modules, "feedforward_modules").map(key));
  const n = sumOver(targets, (t) => (feedforward.has(key(t)) ? t.inFeatures : t.outFeatures));
  return only("ia3_l", n);
}

/** Down Linear(d, m) with bias + up Linear(m, d) with bias = 2·d·m + m + d per adapter. */
function adapterParameters(s: ModelShape, m: AdapterConfig): Added {
  const b = bottleneckSize(m, s.hidden);
  const count = adaptersPerLayer(m) * s.layers;
  return {
    count: count * (2 * s.hidden * b + b + s.hidden),
    trainable: {
      adapter_down: count * (s.hidden * b + b),
      adapter_up: count * (b * s.hidden + s.hidden),
    },
  };
}

function key(m: NamedLinear): string {
  return m.fullName;
}

function sumOver<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}
