import { ADAPTER_NON_LINEARITIES, ADAPTER_PLACEMENTS, DEFAULT_REDUCTION_FACTOR } from "./adapter.js";
import { COMPUTE_DTYPES, LORA_BIAS_VALUES } from "./lora.js";
import { DEFAULT_NUM_VIRTUAL_TOKENS } from "./prompt-learning.js";
import { DEFAULT_IA3_FEEDFORWARD, DEFAULT_IA3_TARGETS, DEFAULT_LORA_TARGETS } from "./targets.js";
import { type MethodName, NF4_BLOCK_SIZE, NF4_DOUBLE_QUANT_BLOCK_SIZE } from "./types.js";

/** One field of a method config, described well enough for a form to be built from it. */
export interface MethodField {
  /** The key in the method object (PEFT's or the adapters library's name). */
  name: string;
  /** "target_modules": a list of module names, or one regex string, or "all-linear". */
  type: "integer" | "number" | "boolean" | "enum" | "string" | "target_modules";
  /** The value used when the field is absent; null: derived (see description). */
  default: number | boolean | string | string[] | null;
  min?: number;
  /** When true, `min` itself is not allowed (> min). */
  exclusiveMin?: boolean;
  max?: number;
  allowed?: readonly string[];
  description: string;
}

export interface MethodInfo {
  method: MethodName;
  name: string;
  description: string;
  fields: MethodField[];
  /** Fixed numbers of the method that are not configurable but worth showing. */
  constants?: Record<string, number>;
}

const LORA_FIELDS: MethodField[] = [
  { name: "r", type: "integer", default: 8, min: 1, description: "Rank of the update B·A." },
  {
    name: "lora_alpha",
    type: "number",
    default: 8,
    min: 0,
    exclusiveMin: true,
    description: "Scale: the update is multiplied by lora_alpha / r (or / √r with use_rslora).",
  },
  {
    name: "lora_dropout",
    type: "number",
    default: 0,
    min: 0,
    max: 0.99,
    description: "Dropout on the LoRA branch's input only.",
  },
  {
    name: "target_modules",
    type: "target_modules",
    default: [...DEFAULT_LORA_TARGETS],
    description:
      'Linears to adapt: names (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head), a full-match regex, or "all-linear" (all but lm_head).',
  },
  {
    name: "bias",
    type: "enum",
    default: "none",
    allowed: LORA_BIAS_VALUES,
    description: "Which existing biases train: none, all, or lora_only (those of targeted layers).",
  },
  {
    name: "use_rslora",
    type: "boolean",
    default: false,
    description: "Rank-stabilised scaling lora_alpha / √r.",
  },
];

/** PEFT's LoraConfig(use_dora=True) on LoRA and QLoRA (QDoRA: DoRA over the NF4 base). */
const USE_DORA: MethodField = {
  name: "use_dora",
  type: "boolean",
  default: false,
  description: "DoRA: also train a magnitude per output row (over NF4 weights under QLoRA).",
};

const VIRTUAL_TOKENS: MethodField = {
  name: "num_virtual_tokens",
  type: "integer",
  default: DEFAULT_NUM_VIRTUAL_TOKENS,
  min: 1,
  description: "Number of virtual tokens; must be below max_position_embeddings.",
};

/** Every method with its fields and defaults, in the order a form should offer them. */
export const METHOD_CATALOG: readonly MethodInfo[] = [
  {
    method: "full",
    name: "Full fine-tuning",
    description: "Every weight of the model trains.",
    fields: [],
  },
  {
    method: "lora",
    name: "LoRA",
    description: "Frozen base; each targeted linear gets a trainable low-rank update B·A (B starts at zero).",
    fields: [...LORA_FIELDS, USE_DORA],
  },
  {
    method: "qlora",
    name: "QLoRA",
    description:
      "LoRA over a frozen base whose decoder linears are stored in 4-bit NF4 (block 64), with the block scales double-quantised to 8 bits (block 256).",
    fields: [
      ...LORA_FIELDS,
      USE_DORA,
      {
        name: "bnb_4bit_quant_type",
        type: "enum",
        default: "nf4",
        allowed: ["nf4"],
        description: "4-bit data type of the frozen weights.",
      },
      {
        name: "bnb_4bit_use_double_quant",
        type: "boolean",
        default: true,
        description: "Quantise the per-block scales again (≈4.13 instead of 4.5 bits per weight).",
      },
      {
        name: "bnb_4bit_compute_dtype",
        type: "enum",
        default: "float32",
        allowed: COMPUTE_DTYPES,
        description: "Dtype the weights are dequantised to for the matmuls.",
      },
    ],
    constants: { quant_block_size: NF4_BLOCK_SIZE, double_quant_block_size: NF4_DOUBLE_QUANT_BLOCK_SIZE },
  },
  {
    method: "dora",
    name: "DoRA",
    description:
      "LoRA plus a trainable magnitude per output row: the update is split into magnitude and direction.",
    fields: LORA_FIELDS,
  },
  {
    method: "prefix",
    name: "Prefix tuning",
    description: "Trainable keys and values prepended in every layer's attention.",
    fields: [
      VIRTUAL_TOKENS,
      {
        name: "prefix_projection",
        type: "boolean",
        default: false,
        description: "Produce the prefixes through a two-layer tanh MLP instead of training them directly.",
      },
      {
        name: "encoder_hidden_size",
        type: "integer",
        default: null,
        min: 1,
        description: "Hidden size of that MLP (only with prefix_projection); default: the key/value width.",
      },
    ],
  },
  {
    method: "prompt",
    name: "Prompt tuning",
    description: "Trainable virtual-token embeddings prepended to the input.",
    fields: [
      VIRTUAL_TOKENS,
      {
        name: "prompt_tuning_init",
        type: "enum",
        default: "RANDOM",
        allowed: ["RANDOM", "TEXT"],
        description: "Start from random embeddings or from the embeddings of a text.",
      },
      {
        name: "prompt_tuning_init_text",
        type: "string",
        default: null,
        description: 'The text for prompt_tuning_init "TEXT".',
      },
    ],
  },
  {
    method: "ia3",
    name: "IA3",
    description:
      "Trainable vectors (initialised to ones) that rescale the targeted linears' outputs, or inputs for feed-forward ones.",
    fields: [
      {
        name: "target_modules",
        type: "target_modules",
        default: [...DEFAULT_IA3_TARGETS.llama],
        description: "Linears to rescale (default for llama and mistral; qwen2: q_proj, v_proj, down_proj).",
      },
      {
        name: "feedforward_modules",
        type: "target_modules",
        default: [...DEFAULT_IA3_FEEDFORWARD],
        description:
          "Targets whose input is rescaled; a subset of target_modules (none when targets are given).",
      },
      {
        name: "init_ia3_weights",
        type: "boolean",
        default: true,
        description: "Initialise the vectors to ones (the model starts unchanged).",
      },
    ],
  },
  {
    method: "adapter",
    name: "Bottleneck adapters",
    description:
      "Small down-projection, non-linearity, up-projection blocks with a residual, inserted after sublayers.",
    fields: [
      {
        name: "placement",
        type: "enum",
        default: "pfeiffer",
        allowed: ADAPTER_PLACEMENTS,
        description: "pfeiffer: one adapter after each MLP; houlsby: after attention and after the MLP.",
      },
      {
        name: "reduction_factor",
        type: "number",
        default: DEFAULT_REDUCTION_FACTOR,
        min: 0,
        exclusiveMin: true,
        description: "Bottleneck = floor(hidden_size / reduction_factor). Give this or bottleneck_size.",
      },
      {
        name: "bottleneck_size",
        type: "integer",
        default: null,
        min: 1,
        description: "Bottleneck width; overrides reduction_factor.",
      },
      {
        name: "non_linearity",
        type: "enum",
        default: null,
        allowed: ADAPTER_NON_LINEARITIES,
        description: "Activation in the bottleneck; default relu (pfeiffer) or swish (houlsby).",
      },
    ],
  },
];
