import assert from "node:assert/strict";
import { test } from "node:test";
import { countParameters, formatTrainable, type MethodInput } from "../index.js";

interface Case {
  model: string;
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
    `${c.model} ${JSON.stringify(c.method)} (${c.source})`,
  );
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
    source: "Llama-3-8B LoRA r 16 all linears, printed in the Unsloth/TRL Llama-3 notebooks",
  },
  {
    model: "Mistral-7B-v0.1",
    method: { method: "lora", r: 8, target_modules: "all-linear" },
    trainable: 20_971_520,
    total: 7_262_703_616,
    source:
      "Mistral-7B-v0.1 LoRA r 8 on every linear but lm_head ('trainable%: 0.2888'), PEFT/TRL Mistral examples",
  },
  {
    model: "Llama-2-7B",
    method: { method: "qlora", r: 64, lora_alpha: 16, target_modules: "all-linear" },
    trainable: 159_907_840,
    total: 6_898_323_456,
    source: "QLoRA recipe (qlora.py: r 64, all linears) on Llama-2-7B; 4-bit weights counted unpacked",
  },
  {
    model: "Llama-2-7B",
    method: { method: "lora", r: 16, target_modules: ALL_LINEAR },
    trainable: 39_976_960,
    total: 6_778_392_576,
    source: "Llama-2-7B LoRA r 16 all linears ('trainable%: 0.5898'), HF fine-tuning blog notebooks",
  },
  {
    model: "TinyLlama-1.1B",
    method: { method: "lora", r: 8, target_modules: ["q_proj", "v_proj"] },
    trainable: 1_126_400,
    total: 1_101_174_784,
    source: "TinyLlama-1.1B-Chat-v1.0 config (KV heads 4 → v_proj out 256): 22·8·(4096 + 2048 + 256)",
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
  test(`PEFT count: ${c.model} ${JSON.stringify(c.method)}`, () => check(c));
}

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
