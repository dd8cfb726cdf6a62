import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateMemory, nf4Bytes, ValidationError } from "../index.js";

// Hand computation on tunelab-nano (d 32, H 4, KV 2, hd 8, I 88, V 259, L 2, tied), batch 2, seq 16,
// LoRA r 4 on q_proj and v_proj, AdamW, float32. B·T = 32, so X = Q = 1024, Kq = Kk = 512,
// R = 2·4·16·8 = 1024, S = 2·4·16·16 = 2048, M = 32·88 = 2816, B·T·V = 8288.
const NANO_LORA = { method: "lora", r: 4, target_modules: ["q_proj", "v_proj"] };
const NANO_OPTS = { batchSize: 2, seqLen: 16, optimizer: "adamw", dtype: "float32" } as const;
const F32 = 4;

// per layer: q 4·(32 + 32) + v 4·(32 + 16) = 448; two layers.
const NANO_LORA_TRAINABLE = 896;

test("weights, gradients and optimizer state by hand (nano, LoRA r 4, AdamW, float32)", () => {
  const m = estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS);
  assert.equal(m.parameters.trainable, NANO_LORA_TRAINABLE);
  // every base parameter (31,488) is frozen, in float32.
  assert.equal(m.frozenWeights, 31_488 * F32);
  assert.deepEqual(m.frozenByDtype, { float32: 31_488 * F32 });
  assert.equal(m.quantConstants, 0);
  assert.equal(m.trainableWeights, 896 * F32);
  assert.equal(m.gradients, 896 * F32);
  // AdamW: first and second moments.
  assert.equal(m.optimizerState, 2 * 896 * F32);
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

test("bfloat16 halves every term that is stored in dtype", () => {
  const m = estimateMemory("tunelab-nano", NANO_LORA, { ...NANO_OPTS, dtype: "bfloat16" });
  assert.equal(m.frozenWeights, 31_488 * 2);
  assert.equal(m.trainableWeights, 896 * 2);
  assert.equal(m.optimizerState, 2 * 896 * 2);
  assert.equal(m.activations, estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS).activations / 2);
});

test("activations per op of one layer by hand (nano, batch 2, seq 16)", () => {
  const { activationDetail: a } = estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS);
  // RMSNorm: x² 2X, mean B·T + X, +eps 2·B·T, rsqrt 2·B·T, x·r 2X + B·T, ·w 2X + d.
  const norm = 2 * 1024 + (32 + 1024) + 64 + 64 + (2048 + 32) + (2048 + 32);
  assert.equal(norm, 7392);
  assert.deepEqual(a.perLayer, {
    input_layernorm: 7392 * F32,
    // matmuls Q + 2Kq + 3 clones of X, then reshape + transpose 3·(Q + 2Kq).
    qkv_proj: (1024 + 1024 + 3 * 1024 + 3 * 2048) * F32,
    // 12.5 elements per element of q (1024) and of k (512).
    rope: 12.5 * 1536 * F32,
    // 7S + Q + R.
    attention_scores: (7 * 2048 + 1024 + 1024) * F32,
    // 4Q + S + R.
    attention_output: (4 * 1024 + 2048 + 1024) * F32,
    // 4X + Q.
    o_proj: 5 * 1024 * F32,
    post_attention_layernorm: 7392 * F32,
    // 10M + 2X.
    mlp: (10 * 2816 + 2048) * F32,
    // 4X + M.
    down_proj: (4 * 1024 + 2816) * F32,
    // 7X + 2Q + 2Kq + M.
    gradient_fanout: (7 * 1024 + 2048 + 1024 + 2816) * F32,
    // k and v to 4 heads: 2·(3Kk + 3R).
    repeat_kv: 2 * (3 * 512 + 3 * 1024) * F32,
  });
  assert.deepEqual(a.head, {
    embed_tokens: (1024 + 259 * 32 + 32) * F32,
    norm: 7392 * F32,
    lm_head: (8288 + 1024 + 259 * 32) * F32,
    loss: 7 * 8288 * F32,
    gradient_fanout: 1024 * F32,
  });
  // LoRA per layer: q (in 32, out 32) 8704 and v (in 32, out 16) 5568 elements:
  // B·T·r + B·T·in + r·in + B·T·out + B·T·r + out·r + 5·B·T·out + B·T·in.
  assert.equal(128 + 1024 + 128 + 1024 + 128 + 128 + 5 * 1024 + 1024, 8704);
  assert.equal(128 + 1024 + 128 + 512 + 128 + 64 + 5 * 512 + 1024, 5568);
  assert.deepEqual(a.methodLayers, { lora: 2 * (8704 + 5568) * F32 });
  // the matmuls' weight clones: q 1024 + k 512 + v 512 + o 1024 + 3 · 2816, in both layers.
  assert.equal(a.weightClones, 2 * 11_520 * F32);
});

test("activation total: L layers + LoRA + head + weight clones; with recomputation: one layer", () => {
  const perLayer = 133_312;
  const head = 93_376;
  const plain = estimateMemory("tunelab-nano", NANO_LORA, NANO_OPTS);
  assert.equal(plain.activations, (2 * perLayer + 2 * 14_272 + head + 2 * 11_520) * F32);
  assert.equal(plain.activations, 1_646_336);
  const ckpt = estimateMemory("tunelab-nano", NANO_LORA, { ...NANO_OPTS, gradientCheckpointing: true });
  // 2·L·X layer inputs and their gradients + one layer with its LoRA + head + one layer's weight clones.
  assert.equal(ckpt.activations, (2 * 2 * 1024 + perLayer + 14_272 + head + 11_520) * F32);
  assert.equal(ckpt.activationDetail.layerInputs, 4096 * F32);
  assert.ok(ckpt.activations < plain.activations);
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

test("full fine-tuning: nothing frozen, 16 bytes per parameter before activations (fp32 AdamW)", () => {
  const m = estimateMemory("tunelab-tiny", { method: "full" }, NANO_OPTS);
  assert.equal(m.frozenWeights, 0);
  assert.equal(m.trainableWeights + m.gradients + m.optimizerState, 16 * 759_296);
});

test("prefix tuning lengthens the keys by the virtual tokens", () => {
  // nano, 4 virtual tokens: Tk = 20. Per layer, for k and v: prefix broadcast B·n·t (2·4·16 = 128),
  // its tile clone n·t (64), concat out Kk (2·20·16 = 640) and its clones 128 + Kq (512).
  const m = estimateMemory("tunelab-nano", { method: "prefix", num_virtual_tokens: 4 }, NANO_OPTS);
  assert.equal(m.activationDetail.methodLayers.prefix_kv, 2 * 2 * (128 + 64 + 640 + 128 + 512) * F32);
  // scores are [B, H, T, Tk] = 2·4·16·20.
  const S = 2 * 4 * 16 * 20;
  const R = 2 * 4 * 20 * 8;
  assert.equal(m.activationDetail.perLayer.attention_scores, (7 * S + 1024 + R) * F32);
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
  // embeddings, lm_head and norms stay in bfloat16: 2·32000·4096 + 65·4096 parameters.
  assert.equal(m.frozenByDtype.bfloat16, (2 * 32000 * 4096 + 65 * 4096) * 2);
});

test("NF4 bytes of one matrix by hand, with and without double quantisation", () => {
  const n = 4096 * 4096;
  // 16,777,216 codes at 4 bits; 262,144 blocks of 64; 1,024 blocks of 256 absmax codes.
  assert.deepEqual(nf4Bytes(n, true), { codes: 8_388_608, constants: 262_144 + 1024 * 4 + 4 });
  assert.deepEqual(nf4Bytes(n, false), { codes: 8_388_608, constants: 262_144 * 4 });
  const bits = (b: { codes: number; constants: number }) => ((b.codes + b.constants) * 8) / n;
  assert.equal(bits(nf4Bytes(n, false)), 4.5);
});

test("QLoRA on the engine: dequantised weights are held in the compute dtype", () => {
  const f32 = estimateMemory("tunelab-tiny", { method: "qlora" }, NANO_OPTS);
  const bf16 = estimateMemory(
    "tunelab-tiny",
    { method: "qlora", bnb_4bit_compute_dtype: "bfloat16" },
    NANO_OPTS,
  );
  // tiny: 4 layers · (2·128² + 2·128·64 + 3·128·344) = 4 · 181,248 weights, dequantised copy + its clone.
  assert.equal(f32.activationDetail.weightClones, 2 * 4 * 181_248 * 4);
  assert.equal(bf16.activationDetail.weightClones, 2 * 4 * 181_248 * 2);
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

test("memory options: dtype is required", () => {
  const { dtype: _, ...rest } = NANO_OPTS;
  rejects(rest, "dtype", /dtype is required \(one of "float32", "bfloat16", "float16"\)/);
});
