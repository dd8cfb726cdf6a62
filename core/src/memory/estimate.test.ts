import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateMemory, nf4Bytes, ValidationError } from "../index.js";

// Hand computation on tunelab-nano (d 32, H 4, KV 2, hd 8, I 88, V 259, L 2, tied), batch 2, seq 16:
// N = B·T = 32 rows, X = N·d = 1024, Q = N·H·hd = 1024, K = N·KV·hd = 512, M = N·I = 2816,
// B·H·T = 128 log-sum-exps, N·V = 8288 logits. Every activation is 4 bytes.
const NANO_LORA = { method: "lora", r: 4, target_modules: ["q_proj", "v_proj"] };
const NANO_OPTS = { batchSize: 2, seqLen: 16, optimizer: "adamw", dtype: "float32" } as const;
const F32 = 4;

// per layer: q 4·(32 + 32) + v 4·(32 + 16) = 448; two layers.
const NANO_LORA_TRAINABLE = 896;
// embeddings 259·32 = 8288; per layer q 32·32, k 32·16, v 32·16, o 32·32, gate/up/down 32·88 each
// (11,520); norms 5·32 = 160.
const NANO_MATRICES = 8288 + 2 * 11_520;
const NANO_NORMS = 160;

test("weights and optimizer state by hand (nano, LoRA r 4, AdamW, float32)", () => {
  const m = estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS);
  assert.equal(m.parameters.trainable, NANO_LORA_TRAINABLE);
  // every base parameter (31,488) is frozen, in float32.
  assert.equal(NANO_MATRICES + NANO_NORMS, 31_488);
  assert.equal(m.frozenWeights, 31_488 * F32);
  assert.deepEqual(m.frozenByDtype, { float32: 31_488 * F32 });
  assert.equal(m.quantConstants, 0);
  assert.equal(m.trainableWeights, 896 * F32);
  // AdamW: first and second moments.
  assert.equal(m.optimizerState, 2 * 896 * F32);
  // gradients at the peak: at most one per trainable parameter
  assert.ok(m.gradients > 0 && m.gradients <= 896 * F32);
});

test("optimizer state: SGD none, SGD with momentum one buffer", () => {
  assert.equal(
    estimateMemory("tunelab-nano", NANO_LORA, { ...NANO_OPTS, optimizer: "sgd" }).optimizerState,
    0,
  );
  assert.equal(
    estimateMemory("tunelab-nano", NANO_LORA, { ...NANO_OPTS, optimizer: "sgd-momentum" }).optimizerState,
    896 * F32,
  );
});

test("bfloat16 packs the frozen matrices in 16 bits; what trains stays float32 (mixed precision)", () => {
  const f32 = estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS);
  const m = estimateMemory("tunelab-nano", NANO_LORA, { ...NANO_OPTS, dtype: "bfloat16" });
  // the embedding and every decoder linear two bytes each; the norm vectors stay float32
  assert.deepEqual(m.frozenByDtype, { bfloat16: NANO_MATRICES * 2, float32: NANO_NORMS * F32 });
  assert.equal(m.frozenWeights, NANO_MATRICES * 2 + NANO_NORMS * F32);
  assert.equal(m.trainableWeights, f32.trainableWeights);
  assert.equal(m.optimizerState, f32.optimizerState);
  // the frozen-linear op keeps no input for its backward: fewer activations than float32 matmuls
  assert.ok(m.activations < f32.activations);
});

test("full fine-tuning trains in float32 only (as the engine refuses 16 bits for full)", () => {
  assert.throws(
    () => estimateMemory("tunelab-nano", { method: "full" }, { ...NANO_OPTS, dtype: "bfloat16" }),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.field === "dtype" &&
      /full fine-tuning trains every weight: use float32/.test(e.message),
  );
});

test("what one decoder layer keeps for the backward pass, op by op (nano, full, float32)", () => {
  const { activationDetail: a } = estimateMemory("tunelab-nano", { method: "full" }, NANO_OPTS);
  assert.deepEqual(a.perLayer, {
    // the normed input (kept by the q/k/v matmuls) and one rstd per row
    input_layernorm: (1024 + 32) * F32,
    // v in heads (kept by attention; q and k are the rope outputs)
    qkv_proj: 512 * F32,
    rope: (1024 + 512) * F32,
    // the attention output (kept by o_proj's matmul) and one log-sum-exp per query row and head
    attention: (1024 + 128) * F32,
    // the residual sum (kept by the second norm)
    o_proj: 1024 * F32,
    post_attention_layernorm: (1024 + 32) * F32,
    // gate and up (kept by SwiGLU), SwiGLU's output (kept by down_proj's matmul)
    mlp: 3 * 2816 * F32,
    // the layer's output (kept by the next layer's norm)
    down_proj: 1024 * F32,
  });
  assert.deepEqual(a.head, {
    // the token ids and their embeddings (layer 0's input)
    embed_tokens: (32 + 1024) * F32,
    attention_mask: 2 * 16 * 16 * F32,
    rope_tables: 2 * 16 * 8 * F32,
    norm: (1024 + 32) * F32,
    lm_head: 8288 * F32,
    loss: 32 * F32,
  });
  assert.deepEqual(a.methodLayers, {});
  assert.equal(a.layerInputs, 0);
});

test("LoRA's branch keeps two [N, r] tensors per target; 16-bit bases keep nothing", () => {
  const f32 = estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS).activationDetail;
  // x·Aᵀ (kept by ·scaling) and its scaled copy (kept by ·Bᵀ), 32·4 each, for q and v in 2 layers
  assert.deepEqual(f32.methodLayers, { lora: 2 * 2 * 2 * 128 * F32 });
  const bf16 = estimateMemory("tunelab-nano", NANO_LORA, {
    ...NANO_OPTS,
    dtype: "bfloat16",
  }).activationDetail;
  assert.deepEqual(bf16.perLayer, {
    input_layernorm: (1024 + 32) * F32, // still kept: LoRA's A reads it
    qkv_proj: 512 * F32,
    rope: (1024 + 512) * F32,
    attention: 128 * F32, // o_proj is the frozen-linear op
    o_proj: 1024 * F32,
    post_attention_layernorm: 32 * F32, // gate and up are frozen-linear ops
    mlp: 2 * 2816 * F32, // down_proj too
    down_proj: 1024 * F32,
  });
  // the packed embedding is gathered from a transient copy (the ids are not kept); the normed rows
  // stay kept by their reshape for lm_head
  assert.equal(bf16.head.embed_tokens, 1024 * F32);
  assert.equal(bf16.head.norm, (1024 + 32) * F32);
});

test("the activation terms add up; the peak is in the backward pass", () => {
  for (const method of [NANO_LORA, { method: "full" }, { method: "qlora" }, { method: "prompt" }]) {
    const m = estimateMemory("tunelab-tiny", method, { ...NANO_OPTS, batchSize: 4, seqLen: 128 });
    const a = m.activationDetail;
    assert.match(a.peakAt, /^backward: /, method.method);
    assert.equal(m.activations, a.saved + a.backwardGradients + a.forwardOutputs + a.working, method.method);
    assert.equal(a.forwardOutputs, 0);
  }
});

test("total is the sum of the terms", () => {
  for (const method of [
    NANO_LORA,
    { method: "full" },
    { method: "qlora" },
    { method: "prefix", num_virtual_tokens: 4 },
  ]) {
    const m = estimateMemory("tunelab-tiny", method, NANO_OPTS);
    assert.equal(
      m.total,
      m.frozenWeights +
        m.quantConstants +
        m.trainableWeights +
        m.gradients +
        m.optimizerState +
        m.activations,
    );
  }
});

test("full fine-tuning: nothing frozen, 12 bytes per parameter before gradients and activations", () => {
  const m = estimateMemory("tunelab-tiny", { method: "full" }, NANO_OPTS);
  assert.equal(m.frozenWeights, 0);
  assert.equal(m.trainableWeights + m.optimizerState, 12 * 759_296);
  assert.ok(m.gradients <= 2 * 4 * 759_296);
});

test("gradient checkpointing keeps only the layer inputs", () => {
  const plain = estimateMemory("tunelab-tiny", NANO_LORA, NANO_OPTS);
  const ckpt = estimateMemory("tunelab-tiny", NANO_LORA, { ...NANO_OPTS, gradientCheckpointing: true });
  const a = ckpt.activationDetail;
  // tiny: 4 layers; each checkpointed layer's [B·T, d] = 32·128 output is kept (the next layer's input,
  // or the final norm's; layer 0's input is the embedding's output, under embed_tokens); nothing else
  assert.equal(a.layerInputs, 4 * 32 * 128 * F32);
  assert.deepEqual(a.perLayer, {});
  assert.deepEqual(a.methodLayers, {});
  assert.match(a.peakAt, /checkpoint$/);
  assert.ok(ckpt.activations < plain.activations);
});

test("prefix tuning: keys and values grow by the virtual tokens", () => {
  // nano, 4 virtual tokens: the table transposed to [2L, KV, n, hd] (4 · 2·2·16 = 256, kept by the
  // slices); per layer, for keys and values, the layer's slice (n·t = 64, kept by tile) and it tiled to
  // the batch (128, kept by concat); the layer's own k or v before the concat (K = 512, under rope and
  // qkv_proj); the concatenated keys/values [B, KV, 20, hd] = 640 each, kept by attention
  const m = estimateMemory("tunelab-nano", { method: "prefix", num_virtual_tokens: 4 }, NANO_OPTS);
  const a = m.activationDetail;
  assert.equal(a.global.prefix_encoder, (256 + 2 * 2 * (64 + 128)) * F32);
  assert.equal(a.methodLayers.prefix_kv, 2 * 2 * 640 * F32);
  assert.equal(a.perLayer.rope, (1024 + 512) * F32);
  // the prefix table (4 · 2·2·16 = 256 parameters) is the only trainable tensor.
  assert.equal(m.trainableWeights, 256 * F32);
});

test("QLoRA: quantised matrices take 4 + 8/64 + 32/(64·256) ≈ 4.127 bits per parameter", () => {
  const m = estimateMemory(
    "Llama-2-7B",
    {
      method: "qlora",
      r: 64,
      lora_alpha: 16,
      target_modules: "all-linear",
      bnb_4bit_compute_dtype: "bfloat16",
    },
    { batchSize: 1, seqLen: 512, optimizer: "adamw", dtype: "bfloat16", gradientCheckpointing: true },
  );
  // 32 layers · (4·4096² + 3·4096·11008) quantised parameters.
  assert.equal(m.parameters.quantized, 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008));
  const bits = ((m.frozenByDtype.nf4! + m.quantConstants) * 8) / m.parameters.quantized;
  assert.ok(Math.abs(bits - 4.126953125) < 1e-4, `bits per parameter ${bits}`);
  assert.ok(Math.abs(bits - 4.13) < 0.01);
  // embeddings and lm_head packed in bfloat16: 2·32000·4096 parameters; the 65 norms stay float32.
  assert.equal(m.frozenByDtype.bfloat16, 2 * 32000 * 4096 * 2);
  assert.equal(m.frozenByDtype.float32, 65 * 4096 * F32);
});

test("NF4 bytes of one matrix by hand, with and without double quantisation", () => {
  const n = 4096 * 4096;
  // 16,777,216 codes at 4 bits; 262,144 blocks of 64; 1,024 blocks of 256 absmax codes.
  assert.deepEqual(nf4Bytes(n, true), { codes: 8_388_608, constants: 262_144 + 1024 * 4 + 4 });
  assert.deepEqual(nf4Bytes(n, false), { codes: 8_388_608, constants: 262_144 * 4 });
  const bits = (b: { codes: number; constants: number }) => ((b.codes + b.constants) * 8) / n;
  assert.equal(bits(nf4Bytes(n, false)), 4.5);
  // the 8-bit absmax codes are packed four per int32 word: 65 blocks take 68 bytes
  assert.equal(nf4Bytes(65 * 64, true).constants, 68 + 4 + 4);
});

test("QLoRA holds less than LoRA where weights dominate (no float32 copy of a frozen weight waits)", () => {
  for (const [model, opts] of [
    ["SmolLM-135M", { batchSize: 1, seqLen: 128, optimizer: "adamw", dtype: "float32" }],
    ["Llama-3-8B", { batchSize: 1, seqLen: 512, optimizer: "adamw", dtype: "bfloat16" }],
  ] as const) {
    const lora = estimateMemory(model, { method: "lora" }, opts);
    const qlora = estimateMemory(model, { method: "qlora" }, opts);
    assert.ok(qlora.total < lora.total, `${model}: qlora ${qlora.total} < lora ${lora.total}`);
    assert.ok(qlora.activations <= lora.activations, model);
  }
});

test("tfjs's kernels (cpu, wasm): cross-entropy holds two [N, V] tensors, AdamW runs as ops", () => {
  const opts = { batchSize: 2, seqLen: 32, optimizer: "adamw", dtype: "float32" } as const;
  const native = estimateMemory("SmolLM-135M", { method: "lora" }, opts);
  const tfjs = estimateMemory("SmolLM-135M", { method: "lora" }, { ...opts, kernels: "tfjs" });
  assert.ok(tfjs.total >= native.total);
  // full fine-tuning: the AdamW step of the embedding (49,152 · 576) holds 13 tensors of its size
  const full = estimateMemory("SmolLM-135M", { method: "full" }, { ...opts, kernels: "tfjs" });
  const embedding = 49_152 * 576;
  assert.equal(full.activationDetail.peakAt, "optimizer: AdamW");
  assert.equal(full.activations, 13 * embedding * F32);
  assert.equal(full.gradients, full.trainableWeights);
});

test("wasm: every tensor the tape keeps is a copy of its own (clone copies there)", () => {
  const opts = { ...NANO_OPTS, kernels: "wasm" } as const;
  const m = estimateMemory("tunelab-nano", { method: "full" }, opts);
  const cpu = estimateMemory("tunelab-nano", { method: "full" }, { ...opts, kernels: "tfjs" });
  // e.g. one layer's q, k and v matmuls each keep a copy of the normed input (3 · 1024) and of their
  // weight (1024 + 512 + 512), where cpu keeps the input once and the weights not at all
  assert.equal(m.activationDetail.perLayer.qkv_proj, (3 * 1024 + 2048) * F32);
  assert.ok(m.activationDetail.saved > cpu.activationDetail.saved);
  assert.ok(m.total > cpu.total);
});

function rejects(options: Record<string, unknown>, field: string, message: RegExp): void {
  assert.throws(
    () => estimateMemory("tunelab-nano", { method: "lora" }, options),
    (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message),
  );
}

test("memory options: batchSize must be a positive integer", () => {
  rejects({ ...NANO_OPTS, batchSize: 0 }, "batchSize", /^batchSize must be > 0, got 0$/);
});

test("memory options: seqLen must fit the context", () => {
  rejects(
    { ...NANO_OPTS, seqLen: 129 },
    "seqLen",
    /^seqLen must be <= max_position_embeddings \(128\), got 129$/,
  );
});

test("memory options: prompt tuning's virtual tokens count against the context", () => {
  assert.throws(
    () =>
      estimateMemory(
        "tunelab-nano",
        { method: "prompt", num_virtual_tokens: 20 },
        { ...NANO_OPTS, seqLen: 120 },
      ),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.field === "seqLen" &&
      /seqLen \+ num_virtual_tokens must be <= max_position_embeddings \(128\), got 120 \+ 20/.test(
        e.message,
      ),
  );
});

test("memory options: unknown optimizer", () => {
  rejects(
    { ...NANO_OPTS, optimizer: "adam" },
    "optimizer",
    /optimizer must be one of "adamw", "sgd", "sgd-momentum", got "adam"/,
  );
});

test("memory options: unknown kernels", () => {
  rejects(
    { ...NANO_OPTS, kernels: "gpu" },
    "kernels",
    /kernels must be one of "native", "tfjs", "wasm", got "gpu"/,
  );
});

test("memory options: dtype is required", () => {
  const { dtype: _, ...rest } = NANO_OPTS;
  rejects(rest, "dtype", /dtype is required \(one of "float32", "bfloat16", "float16"\)/);
});
