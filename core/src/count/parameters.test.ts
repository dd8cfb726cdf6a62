import assert from "node:assert/strict";
import { test } from "node:test";
import {
  countParameters,
  formatTrainable,
  MODEL_PRESETS,
  type MethodInput,
  type ModelInput,
} from "../index.js";

interface Case {
  model: ModelInput;
  method: MethodInput;
  trainable: number;
  total: number;
  /** Where PEFT printed these numbers, or the config the arithmetic comes from. */
  source: string;
}

function check(c: Case): void {
  const counts = countParameters(c.model, c.method);
  assert.deepEqual(
    { trainable: counts.trainable, total: counts.total },
    { trainable: c.trainable, total: c.total },
    `${name(c.model)} ${JSON.stringify(c.method)} (${c.source})`,
  );
}

function name(model: ModelInput): string {
  return typeof model === "string" ? model : String(model._name_or_path ?? "custom config");
}

/** A Llama-architecture config with other sizes (for checks whose public numbers come from other shapes). */
function llamaShaped(sizes: Record<string, number>, nameOrPath: string): Record<string, unknown> {
  return {
    model_type: "llama",
    _name_or_path: nameOrPath,
    intermediate_size: 4 * sizes.hidden_size!,
    ...sizes,
  };
}

const ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

// Each line is PEFT's print_trainable_parameters() output for that (config.json, method).
const PEFT_PRINTED: Case[] = [
  {
    model: "Llama-3.2-1B",
    method: { method: "lora", r: 8, target_modules: ["q_proj"] },
    trainable: 524_288,
    total: 1_236_338_688,
    source: "shared/reference/peft.md public cases (PEFT docs, Llama-3.2-1B, GQA + tied embeddings)",
  },
  {
    model: "Llama-2-7B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"] },
    trainable: 4_194_304,
    total: 6_742_609_920,
    source: "shared/reference/peft.md; PEFT README-era Llama-2 examples print 'trainable%: 0.0622'",
  },
  {
    model: "Llama-2-7B",
    method: { method: "lora", r: 16, target_modules: ["q_proj", "v_proj"] },
    trainable: 8_388_608,
    total: 6_746_804_224,
    source: "shared/reference/peft.md public cases",
  },
  {
    model: "Llama-2-7B",
    method: { method: "lora" },
    trainable: 4_194_304,
    total: 6_742_609_920,
    source: "PEFT defaults (r 8, q_proj/v_proj for llama) give the same line as the explicit r 8 q,v case",
  },
  {
    model: "Llama-2-7B",
    method: { method: "ia3" },
    trainable: 614_400,
    total: 6_739_030_016,
    source: "shared/reference/peft.md: IA3 defaults k_proj, v_proj, down_proj(feed-forward)",
  },
  {
    model: "Llama-3-8B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"] },
    trainable: 3_407_872,
    total: 8_033_669_120,
    source:
      "issue 3's example line 'trainable params: 3,407,872 … trainable%: 0.0424' (Meta-Llama-3-8B, GQA v_proj 4096→1024)",
  },
  {
    model: "Llama-3-8B",
    method: { method: "lora", r: 16, target_modules: ALL_LINEAR },
    trainable: 41_943_040,
    total: 8_072_204_288,
    source:
      "Llama-3-8B LoRA r 16 on all seven linears ('trainable%: 0.5196'), printed in several public Llama-3 fine-tuning notebooks",
  },
  {
    model: "Llama-2-7B",
    method: { method: "qlora", r: 64, lora_alpha: 16, target_modules: "all-linear" },
    trainable: 159_907_840,
    total: 6_898_323_456,
    source:
      "QLoRA recipe (qlora.py: r 64, all linears) on Llama-2-7B ('trainable%: 2.32'), printed in a public QLoRA tutorial; 4-bit weights counted unpacked",
  },
  {
    model: "Llama-2-7B",
    method: { method: "lora", r: 16, target_modules: ALL_LINEAR },
    trainable: 39_976_960,
    total: 6_778_392_576,
    source:
      "Llama-2-7B LoRA r 16 on all seven linears ('trainable%: 0.5898'), printed in public Llama-2 LoRA tutorials",
  },
  {
    model: "TinyLlama-1.1B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"] },
    trainable: 1_126_400,
    total: 1_101_174_784,
    source:
      "TinyLlama-1.1B-Chat-v1.0 LoRA r 8 q,v ('trainable%: 0.1023'), printed in public TinyLlama LoRA tutorials; KV heads 4 → v_proj out 256",
  },
  {
    model: "Qwen2-0.5B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"] },
    trainable: 540_672,
    total: 494_573_440,
    source:
      "Qwen2-0.5B LoRA r 8 q,v ('trainable%: 0.1093'), printed in several public Qwen2/Qwen2.5-0.5B notebooks; base includes the q/k/v biases",
  },
  {
    model: "SmolLM-135M",
    method: { method: "lora", r: 16, target_modules: ["q_proj", "v_proj"] },
    trainable: 921_600,
    total: 135_436_608,
    source:
      "SmolLM-135M (GQA 9/3 heads, tied) LoRA r 16 q,v ('trainable%: 0.6805'), public SmolLM notebook output",
  },
  {
    model: "SmolLM-135M",
    method: { method: "lora", r: 4, target_modules: "all-linear" },
    trainable: 1_221_120,
    total: 135_736_128,
    source: "same SmolLM-135M sweep: r 4 all-linear ('trainable%: 0.8996')",
  },
  {
    model: {
      ...MODEL_PRESETS["Mistral-7B-v0.1"],
      _name_or_path: "mistralai/Mistral-7B-v0.3",
      vocab_size: 32768,
    },
    method: { method: "qlora", r: 8, target_modules: ALL_LINEAR },
    trainable: 20_971_520,
    total: 7_268_995_072,
    source:
      "unsloth/mistral-7b-v0.3-bnb-4bit run log ('trainable%: 0.2885'); v0.3 = v0.1's config with vocab 32768; 4-bit weights counted unpacked",
  },
  {
    model: "Llama-2-7B",
    method: { method: "prefix", num_virtual_tokens: 10 },
    trainable: 2_621_440,
    total: 6_741_037_056,
    source:
      "stanfordnlp/pyreft issue #67: LLM-Adapters prefix tuning, 10 virtual tokens, LLaMA-7B (same shapes as Llama-2-7B): 10·2·32·4096",
  },
  {
    model: "Llama-3-8B",
    method: { method: "prompt", num_virtual_tokens: 20 },
    trainable: 81_920,
    total: 8_030_343_168,
    source:
      "prompt tuning, 20 tokens, Llama-3.1-8B (same shapes as Llama-3-8B), printed in public course notes: 20·4096",
  },
  {
    model: llamaShaped(
      { vocab_size: 250880, hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16 },
      "bloomz-560m-shaped",
    ),
    method: { method: "prefix", num_virtual_tokens: 20 },
    trainable: 983_040,
    // Bloom's own base (559,214,592) has biases and LayerNorms; only the trainable part carries over.
    total: 983_040 + 24 * (4 * 1024 * 1024 + 3 * 1024 * 4096 + 2 * 1024) + 2 * 250880 * 1024 + 1024,
    source:
      "shared/reference/peft.md: bigscience/bloomz-560m prefix n 20 → 983,040 trainable (PEFT prefix-tuning guide)",
  },
  {
    model: llamaShaped(
      { vocab_size: 250880, hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16 },
      "bloomz-560m-shaped",
    ),
    method: { method: "prompt", num_virtual_tokens: 8 },
    trainable: 8_192,
    total: 8_192 + 24 * (4 * 1024 * 1024 + 3 * 1024 * 4096 + 2 * 1024) + 2 * 250880 * 1024 + 1024,
    source:
      "shared/reference/peft.md: bloomz-560m prompt tuning n 8 → 8,192 trainable (PEFT prompt-tuning guide)",
  },
  {
    model: "Llama-2-7B",
    method: { method: "full" },
    trainable: 6_738_415_616,
    total: 6_738_415_616,
    source: "full fine-tuning trains every parameter; Llama-2-7B base total from shared/reference/peft.md",
  },
];

for (const c of PEFT_PRINTED) {
  test(`PEFT count: ${name(c.model)} ${JSON.stringify(c.method)}`, () => check(c));
}

// No public printout for these: the numbers follow from the PEFT source named in each source line,
// computed by hand from the config here so a change in the counting code cannot move both sides.
const DERIVED: Case[] = [
  {
    model: "Mistral-7B-v0.1",
    method: { method: "lora", r: 8, target_modules: "all-linear" },
    trainable: 20_971_520,
    total: 7_262_703_616,
    // 32 · 8 · (2·(4096 + 4096) + 2·(4096 + 1024) + 3·(4096 + 14336)); base 7,241,732,096.
    source:
      "the Mistral-7B-v0.3 run log above with v0.1's vocabulary (32000); all-linear = every linear but lm_head",
  },
  {
    model: "Llama-3.2-1B",
    method: { method: "prefix", num_virtual_tokens: 20 },
    // GQA: t = head_dim · KV heads = 64 · 8 = 512 (PEFT PR #1901/#2883), 20 · 2 · 16 · 512.
    trainable: 327_680,
    total: 1_235_814_400 + 327_680,
    source: "PEFT _prepare_prompt_learning_config: token_dim for prefix tuning on GQA models",
  },
  {
    model: "Llama-2-7B",
    method: { method: "prefix", num_virtual_tokens: 20, prefix_projection: true },
    // Embedding(20, 4096) + Linear(4096, 4096) + Linear(4096, 2·32·4096), both with bias.
    trainable: 20 * 4096 + (4096 * 4096 + 4096) + (4096 * 262_144 + 262_144),
    total: 6_738_415_616 + 20 * 4096 + (4096 * 4096 + 4096) + (4096 * 262_144 + 262_144),
    source: "PEFT PrefixEncoder with prefix_projection (encoder_hidden_size defaults to token_dim)",
  },
  {
    model: "Llama-3.2-1B",
    method: { method: "prefix", num_virtual_tokens: 10, prefix_projection: true, encoder_hidden_size: 256 },
    // t = 512, h = 256: Embedding(10, 512) + Linear(512, 256) + Linear(256, 2·16·512).
    trainable: 10 * 512 + (512 * 256 + 256) + (256 * 16_384 + 16_384),
    total: 1_235_814_400 + 10 * 512 + (512 * 256 + 256) + (256 * 16_384 + 16_384),
    source: "PEFT PrefixEncoder with an explicit encoder_hidden_size on a GQA model",
  },
  {
    model: "Llama-3-8B",
    method: { method: "ia3" },
    // k_proj, v_proj output 1024 (8 KV heads · 128); down_proj is feed-forward → its input, 14336.
    trainable: 32 * (1024 + 1024 + 14_336),
    total: 8_030_261_248 + 32 * (1024 + 1024 + 14_336),
    source: "PEFT IA3 defaults for llama on a GQA model",
  },
  {
    model: "Qwen2-0.5B",
    method: { method: "ia3" },
    // qwen2 defaults q_proj (896), v_proj (128), down_proj (feed-forward, input 4864).
    trainable: 24 * (896 + 128 + 4864),
    total: 494_032_768 + 24 * (896 + 128 + 4864),
    source: "PEFT TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING['qwen2']",
  },
  {
    model: "Llama-2-7B",
    method: { method: "dora", r: 8, target_modules: ["q_proj", "v_proj"] },
    // LoRA's 4,194,304 plus one magnitude per output row: 32 · (4096 + 4096).
    trainable: 4_194_304 + 262_144,
    total: 6_738_415_616 + 4_194_304 + 262_144,
    source: "PEFT DoRA: lora_magnitude_vector of size out_features per target",
  },
  {
    model: "Qwen2-0.5B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"], bias: "all" },
    // bias "all" unfreezes every existing bias: 24 · (896 + 128 + 128) q/k/v biases; total unchanged.
    trainable: 540_672 + 27_648,
    total: 494_573_440,
    source: "PEFT mark_only_lora_as_trainable(bias='all')",
  },
  {
    model: "Qwen2-0.5B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"], bias: "lora_only" },
    // only the targeted layers' biases: 24 · (896 + 128).
    trainable: 540_672 + 24_576,
    total: 494_573_440,
    source: "PEFT mark_only_lora_as_trainable(bias='lora_only')",
  },
  {
    model: "Llama-2-7B",
    method: { method: "lora", r: 4, target_modules: "model\\.layers\\.(0|1)\\.self_attn\\.(q|k)_proj" },
    // a regex selects only q,k of layers 0 and 1: 2 · 2 · 4 · (4096 + 4096).
    trainable: 131_072,
    total: 6_738_415_616 + 131_072,
    source: "PEFT: a string target_modules is re.fullmatch'ed against each module name",
  },
];

for (const c of DERIVED) {
  test(`derived count: ${name(c.model)} ${JSON.stringify(c.method)}`, () => check(c));
}

// Bottleneck adapters: the adapters library reports 894,528 (Pfeiffer) and 1,789,056 (Houlsby) for
// roberta-base (shared/reference/peft.md); the formula must reproduce them from d 768, L 12.
const ROBERTA_SHAPED = llamaShaped(
  { vocab_size: 50265, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12 },
  "roberta-base-shaped",
);
for (const [placement, trainable] of [
  ["pfeiffer", 894_528],
  ["houlsby", 1_789_056],
] as const) {
  test(`adapters library count: roberta-base ${placement}`, () => {
    const counts = countParameters(ROBERTA_SHAPED, { method: "adapter", placement });
    assert.equal(counts.trainable, trainable);
    assert.equal(counts.total, counts.base + trainable);
  });
}

test("adapter bottleneck_size overrides the reduction factor", () => {
  // tunelab-tiny, Houlsby, m = 8: 2 adapters · 4 layers · (2·128·8 + 8 + 128).
  const counts = countParameters("tunelab-tiny", {
    method: "adapter",
    placement: "houlsby",
    bottleneck_size: 8,
  });
  assert.equal(counts.trainable, 2 * 4 * (2 * 128 * 8 + 8 + 128));
  assert.deepEqual(counts.byModule, { adapter_down: 8 * (128 * 8 + 8), adapter_up: 8 * (8 * 128 + 128) });
});

test("formatTrainable prints PEFT's line", () => {
  assert.equal(
    formatTrainable(
      countParameters("Llama-3-8B", { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"] }),
    ),
    "trainable params: 3,407,872 || all params: 8,033,669,120 || trainable%: 0.0424",
  );
  assert.equal(
    formatTrainable({ trainable: 3_407_872, total: 6_741_823_488 }),
    "trainable params: 3,407,872 || all params: 6,741,823,488 || trainable%: 0.0505",
  );
});

test("LoRA byModule splits A [r, in] from B [out, r]", () => {
  // Llama-3-8B r 8 q,v: A = 32·8·(4096 + 4096), B = 32·8·(4096 + 1024).
  const counts = countParameters("Llama-3-8B", {
    method: "lora",
    r: 8,
    target_modules: ["q_proj", "v_proj"],
  });
  assert.deepEqual(counts.byModule, { lora_A: 2_097_152, lora_B: 1_310_720 });
});

test("an 8B model is counted from its config alone", () => {
  const before = process.memoryUsage().heapUsed;
  const counts = countParameters("Llama-3-8B", { method: "full" });
  assert.equal(counts.total, 8_030_261_248);
  // 8e9 float32s would be 32 GB; counting must stay within a few MB of heap.
  assert.ok(process.memoryUsage().heapUsed - before < 50e6);
});
