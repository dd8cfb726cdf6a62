import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestServer, startTestServer } from "../testing/test-server.js";

const estimateQuery = `query Estimate($model: JSON!, $method: JSONObject!, $batchSize: Int, $seqLen: Int, $optimizer: String, $dtype: String, $gradientCheckpointing: Boolean) {
  estimate(model: $model, method: $method, batchSize: $batchSize, seqLen: $seqLen, optimizer: $optimizer, dtype: $dtype, gradientCheckpointing: $gradientCheckpointing) {
    method targetModules
    parameters { trainable total trainablePercent base peftLine byModule { name amount } }
    memory { frozenWeights quantConstants trainableWeights gradients optimizerState activations total
             frozenByDtype { name amount } activationDetail }
  }
}`;

interface EstimateData {
  estimate: {
    method: Record<string, unknown>;
    targetModules: string[];
    parameters: {
      trainable: number;
      total: number;
      base: number;
      peftLine: string;
      byModule: { name: string; amount: number }[];
    };
    memory: Record<string, number> & { frozenByDtype: { name: string; amount: number }[] };
  };
}

// The estimate needs no stored data; one driver is enough to prove the GraphQL layer.
describe("estimate, modelPresets, methods over GraphQL", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer("pglite");
  });
  after(() => server.close());

  test("LoRA r=8 on q_proj,v_proj of Llama-2-7B: PEFT's printed line", async () => {
    // PEFT docs (LoRA conceptual guide / print_trainable_parameters on meta-llama/Llama-2-7b-hf, r=8, q/v):
    // trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622
    const res = await server.gql<EstimateData>(estimateQuery, {
      model: "Llama-2-7B",
      method: { method: "lora", r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] },
      batchSize: 1,
      seqLen: 512,
      dtype: "bfloat16",
    });
    assert.equal(res.errors, undefined);
    const e = res.data!.estimate;
    assert.equal(
      e.parameters.peftLine,
      "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622",
    );
    assert.deepEqual(e.targetModules, ["q_proj", "v_proj"]);
    assert.equal(e.method.lora_dropout, 0, "PEFT's default filled in");
    const byModule = Object.fromEntries(e.parameters.byModule.map((m) => [m.name, m.amount]));
    assert.equal(byModule.lora_A! + byModule.lora_B!, 4_194_304);
    // bfloat16 is mixed precision: the frozen matrices in 16 bits (the 65 norm vectors stay float32),
    // what trains in float32 with float32 AdamW moments and at most one float32 gradient per parameter.
    const frozenByDtype = Object.fromEntries(e.memory.frozenByDtype.map((d) => [d.name, d.amount]));
    assert.deepEqual(frozenByDtype, {
      bfloat16: (6_738_415_616 - 65 * 4096) * 2,
      float32: 65 * 4096 * 4,
    });
    assert.equal(e.memory.trainableWeights, 4_194_304 * 4);
    assert.equal(e.memory.optimizerState, 4_194_304 * 2 * 4);
    assert.ok(e.memory.gradients > 0 && e.memory.gradients <= 4_194_304 * 4);
    const parts = [
      "frozenWeights",
      "quantConstants",
      "trainableWeights",
      "gradients",
      "optimizerState",
      "activations",
    ];
    assert.equal(
      e.memory.total,
      parts.reduce((s, k) => s + e.memory[k]!, 0),
    );
  });

  test("a config.json object works as the model, and QLoRA reports NF4 bytes and quantisation constants", async () => {
    const presets = await server.gql<{ modelPresets: { name: string; config: Record<string, unknown> }[] }>(
      "{ modelPresets { name config } }",
    );
    const tiny = presets.data!.modelPresets.find((p) => p.name === "TinyLlama-1.1B")!;
    const res = await server.gql<EstimateData>(estimateQuery, {
      model: tiny.config,
      method: { method: "qlora", r: 16, target_modules: "all-linear" },
      seqLen: 256,
      dtype: "bfloat16",
    });
    assert.equal(res.errors, undefined);
    const m = res.data!.estimate.memory;
    assert.ok(m.frozenByDtype.some((d) => d.name === "nf4" && d.amount > 0));
    assert.ok(m.quantConstants > 0);
    assert.equal(res.data!.estimate.targetModules.length, 7, "all-linear: every linear but lm_head");
  });

  test("bad inputs are BAD_USER_INPUT naming the field", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ model: "tunelab-nano", method: { method: "lora", r: 0 } }, "method.r", /r must be > 0/],
      [
        { model: "tunelab-nano", method: { method: "lora", target_modules: ["x_proj"] } },
        "method.target_modules",
        /x_proj/,
      ],
      [{ model: "no-such-model", method: { method: "full" } }, "model", /unknown model preset/],
      [
        { model: "tunelab-nano", method: { method: "full" }, seqLen: 100_000 },
        "seqLen",
        /max_position_embeddings/,
      ],
      [{ model: "tunelab-nano", method: { method: "fancy" } }, "method", /fancy/],
      [{ model: "tunelab-nano", method: { method: "full" }, optimizer: "lion" }, "optimizer", /adamw/],
    ];
    for (const [variables, field, message] of cases) {
      const res = await server.gql(estimateQuery, variables);
      const error = res.errors?.[0];
      assert.equal(error?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(variables));
      assert.equal(error?.extensions?.field, field, JSON.stringify(res.errors));
      assert.match(error!.message, message);
    }
  });

  test("modelPresets and methods list what exists with their defaults", async () => {
    const res = await server.gql<{
      modelPresets: { name: string; parameters: number; local: boolean }[];
      methods: {
        method: string;
        fields: { name: string; default: unknown }[];
        constants: { name: string }[];
      }[];
    }>(
      "{ modelPresets { name parameters local } methods { method fields { name default } constants { name } } }",
    );
    assert.equal(res.errors, undefined);
    const presets = Object.fromEntries(res.data!.modelPresets.map((p) => [p.name, p]));
    // Qwen2-0.5B with q/k/v biases: 494,032,768 parameters (transformers' num_parameters()).
    assert.equal(presets["Qwen2-0.5B"]!.parameters, 494_032_768);
    assert.equal(presets["tunelab-nano"]!.local, true);
    assert.equal(presets["Llama-3-8B"]!.local, false);
    const methods = Object.fromEntries(res.data!.methods.map((m) => [m.method, m]));
    assert.deepEqual(Object.keys(methods).sort(), [
      "adapter",
      "dora",
      "full",
      "ia3",
      "lora",
      "prefix",
      "prompt",
      "qlora",
    ]);
    const r = methods.lora!.fields.find((f) => f.name === "r");
    assert.equal(r?.default, 8, "PEFT's LoraConfig default r");
  });
});
