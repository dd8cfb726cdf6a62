import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { estimateMemory, type MemoryEstimate, resolveModel, ValidationError } from "@tunelab/core";
import { useCpu } from "./backend.js";
import {
  type Change,
  checkMemory,
  type HostMemory,
  OutOfMemoryError,
  outOfMemoryFrom,
  type RunShape,
  readHostMemory,
} from "./memory-guard.js";
import { createMethod } from "./methods/registry.js";
import { runTraining } from "./run-training.js";
import { tinyModel, TOY } from "./test-kit.js";
import { TRAIN_DEFAULTS, trainLoop } from "./train.js";
import { byteTokenizer } from "./tokenizer.js";
import { tokenize } from "./data.js";

before(async () => {
  await useCpu();
});

const GiB = 1024 ** 3;
/** WebAssembly.RuntimeError, what a wasm module throws (the lib typings here have no WebAssembly). */
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } })
  .WebAssembly;

/**
 * A made-up model whose figures are easy to follow (GiB): full = 16 (weights, gradients, AdamW), lora 4.1,
 * qlora 1.2, plus activations of 1 per example (0.25 with gradient checkpointing).
 */
function fake(c: RunShape): MemoryEstimate {
  const fixed = { full: 16, lora: 4.1, qlora: 1.2 }[c.method as "full" | "lora" | "qlora"];
  const total = (fixed + c.batchSize * (c.gradientCheckpointing ? 0.25 : 1)) * GiB;
  // float32 weights XNNPACK would pack on wasm: the trainable ones (full) or the frozen ones (lora)
  return {
    total,
    frozenByDtype: c.method === "lora" ? { float32: 4 * GiB } : {},
    trainableWeights: c.method === "full" ? 4 * GiB : 0,
  } as unknown as MemoryEstimate;
}

const FULL8: RunShape = { method: "full", batchSize: 8, seqLen: 512, gradientCheckpointing: false };

function check(run: RunShape, backend: string, availableGiB: number | null, holder = "this host has") {
  const host: HostMemory = {
    backend,
    availableBytes: availableGiB === null ? null : availableGiB * GiB,
    holder,
  };
  return checkMemory({
    run,
    predicted: fake(run),
    host,
    estimate: (change: Change) => fake({ ...run, ...change }),
  });
}

test("checkMemory: fits, or refuses naming the field and only the changes core predicts would fit", () => {
  const cases: {
    name: string;
    run: RunShape;
    backend?: string;
    available: number | null;
    field?: string;
    message?: string;
  }[] = [
    { name: "fits", run: FULL8, available: 30 },
    { name: "nothing known of the host", run: FULL8, available: null },
    {
      name: "each single change fits",
      run: FULL8,
      available: 23.5,
      field: "gradientCheckpointing",
      message:
        "full fine-tuning at batch 8 × 512 tokens needs 24.0 GiB (predicted); this host has 23.5 GiB available" +
        " — try gradient checkpointing (18.0 GiB), batch size 4 (20.0 GiB), lora (12.1 GiB) or qlora (9.2 GiB)",
    },
    {
      name: "already checkpointing: the largest batch that fits",
      run: { ...FULL8, gradientCheckpointing: true },
      available: 17.5,
      field: "batchSize",
      message:
        "full fine-tuning at batch 8 × 512 tokens with gradient checkpointing needs 18.0 GiB (predicted); this host" +
        " has 17.5 GiB available — try batch size 4 (17.0 GiB), lora (6.1 GiB) or qlora (3.2 GiB)",
    },
    {
      name: "only qlora fits",
      run: FULL8,
      available: 10,
      field: "method",
      message:
        "full fine-tuning at batch 8 × 512 tokens needs 24.0 GiB (predicted); this host has 10.0 GiB available" +
        " — try qlora (9.2 GiB)",
    },
    {
      name: "only combinations fit",
      run: FULL8,
      available: 5,
      field: "method",
      message:
        "full fine-tuning at batch 8 × 512 tokens needs 24.0 GiB (predicted); this host has 5.0 GiB available" +
        " — try qlora with gradient checkpointing (3.2 GiB) or qlora with batch size 2 (3.2 GiB)",
    },
    {
      name: "nothing fits",
      run: FULL8,
      available: 1,
      field: "base",
      message:
        "full fine-tuning at batch 8 × 512 tokens needs 24.0 GiB (predicted); this host has 1.0 GiB available" +
        " — even qlora with gradient checkpointing and batch size 1 needs 1.4 GiB; it needs a host with more" +
        " memory, a smaller model or shorter sequences",
    },
    {
      name: "lora's cheaper method is qlora",
      run: { method: "lora", batchSize: 1, seqLen: 64, gradientCheckpointing: true },
      available: 2,
      field: "method",
      message:
        "lora at batch 1 × 64 tokens with gradient checkpointing needs 4.3 GiB (predicted); this host has" +
        " 2.0 GiB available — try qlora (1.4 GiB)",
    },
    {
      name: "wasm: the 4 GiB heap less the module's reserve, and XNNPACK's packed weights on top",
      run: { method: "lora", batchSize: 2, seqLen: 64, gradientCheckpointing: true },
      backend: "wasm",
      available: 64,
      field: "method",
      message:
        "lora at batch 2 × 64 tokens with gradient checkpointing needs 8.6 GiB (predicted, with XNNPACK's packed" +
        " weights); the wasm backend holds at most 3.8 GiB (its 4 GiB heap less 256 MiB for the module) — try" +
        " qlora (1.7 GiB)",
    },
    {
      name: "wasm: a host with less than the heap names the host",
      run: { method: "qlora", batchSize: 2, seqLen: 64, gradientCheckpointing: false },
      backend: "wasm",
      available: 3,
      field: "gradientCheckpointing",
      message:
        "qlora at batch 2 × 64 tokens needs 3.2 GiB (predicted, with XNNPACK's packed weights); this host has" +
        " 3.0 GiB available — try gradient checkpointing (1.7 GiB) or batch size 1 (2.2 GiB)",
    },
    {
      name: "equal at one decimal: printed with two",
      run: { ...FULL8, batchSize: 1 },
      available: 16.96,
      field: "gradientCheckpointing",
      message:
        "full fine-tuning at batch 1 × 512 tokens needs 17.00 GiB (predicted); this host has 16.96 GiB available" +
        " — try gradient checkpointing (16.3 GiB), lora (5.1 GiB) or qlora (2.2 GiB)",
    },
    {
      name: "tfjs-node-gpu: the GPU's free memory",
      run: FULL8,
      backend: "tfjs-node-gpu",
      available: 10,
      field: "method",
      message:
        "full fine-tuning at batch 8 × 512 tokens needs 24.0 GiB (predicted); the GPU has 10.0 GiB available" +
        " — try qlora (9.2 GiB)",
    },
  ];
  for (const c of cases) {
    const backend = c.backend ?? "cpu";
    const holder = backend === "tfjs-node-gpu" ? "the GPU has" : "this host has";
    const err = check(c.run, backend, c.available, holder);
    if (c.field === undefined) {
      assert.equal(err, null, c.name);
      continue;
    }
    assert.ok(err instanceof OutOfMemoryError && err instanceof ValidationError, c.name);
    assert.equal(err.field, c.field, c.name);
    assert.equal(err.message, c.message, c.name);
    assert.equal(err.backend, backend, c.name);
    assert.equal(err.step, null, c.name);
  }
});

test("a wasm run that fits by core's total alone is refused once XNNPACK's packed weights are counted", () => {
  // lora, batch 1, checkpointing: 4.35 GiB total … on a host with 64 GiB, cpu runs it, wasm cannot
  const run: RunShape = { method: "lora", batchSize: 1, seqLen: 64, gradientCheckpointing: true };
  assert.equal(check(run, "cpu", 5), null);
  assert.equal(check({ ...run, method: "qlora" }, "wasm", 64), null);
  const refused = check(run, "wasm", 64);
  assert.ok(refused);
  assert.equal(refused.neededBytes, 8.35 * GiB);
  assert.equal(refused.availableBytes, 4 * GiB - 256 * 2 ** 20);
});

const kernelStack = (message: string) =>
  Object.assign(new TypeError(message), {
    stack: `TypeError: ${message}\n    at Engine.runKernelFunc (node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js:4788:39)`,
  });

test("outOfMemoryFrom: each backend's words for running out become an OutOfMemoryError; other errors pass", () => {
  const MAP = "Cannot read properties of undefined (reading 'map')";
  const cases: [Error, string, boolean][] = [
    [new RuntimeError("memory access out of bounds"), "wasm", true],
    [new RuntimeError("Aborted(). Build with -sASSERTIONS for more info."), "wasm", true],
    [new RangeError("offset is out of bounds"), "wasm", true],
    [new RuntimeError("table index is out of bounds"), "wasm", true],
    [
      new Error("XNN status for xnn_create_fully_connected_nc_f32 is not successful. Got status 6"),
      "wasm",
      true,
    ],
    [kernelStack(MAP), "wasm", true], // what a profiled step on wasm throws after the kernel aborted
    [new TypeError(MAP), "wasm", false], // the same words from our own code are a bug, not memory
    [kernelStack(MAP), "cpu", false],
    [new RuntimeError("memory access out of bounds"), "cpu", false],
    [new RangeError("Array buffer allocation failed"), "cpu", true],
    [new RangeError("Invalid typed array length: 1099511627776"), "native", true],
    [
      new Error(
        "OOM when allocating tensor with shape[8,512,32000] and type float on /job:localhost/device:GPU:0",
      ),
      "tfjs-node-gpu",
      true,
    ],
    [new Error("method must be one of …"), "wasm", false],
    [new RangeError("Maximum call stack size exceeded"), "wasm", false],
  ];
  const predicted = fake(FULL8);
  for (const [err, backend, oom] of cases) {
    const out = outOfMemoryFrom(err, {
      backend,
      step: 3,
      predicted,
      run: FULL8,
      host: { backend, availableBytes: 30 * GiB, holder: "this host has" },
      estimate: (change) => fake({ ...FULL8, ...change }),
    });
    if (!oom) {
      assert.equal(out, null, `${backend}: ${err.message}`);
      continue;
    }
    assert.ok(out instanceof OutOfMemoryError, `${backend}: ${err.message}`);
    assert.equal(out.step, 3);
    assert.equal(out.backend, backend);
    assert.equal(out.cause, err);
    assert.equal(out.neededBytes, backend === "wasm" ? 28 * GiB : 24 * GiB);
    assert.ok(
      out.message.startsWith(`ran out of memory at step 3 on ${backend}: core predicted`),
      out.message,
    );
    assert.ok(out.message.endsWith(`The backend said: ${err.message.split("\n")[0]}`), out.message);
  }
});

test("outOfMemoryFrom: after a crash only changes that cut the prediction by a third are named", () => {
  const err = new RuntimeError("memory access out of bounds");
  const run: RunShape = { method: "full", batchSize: 1, seqLen: 32, gradientCheckpointing: false };
  const host: HostMemory = { backend: "cpu", availableBytes: 20 * GiB, holder: "this host has" };
  const estimate = (change: Change) => fake({ ...run, ...change });
  const out = outOfMemoryFrom(new RangeError("Array buffer allocation failed"), {
    backend: "cpu",
    step: 1,
    predicted: fake(run),
    run,
    host,
    estimate,
  });
  assert.ok(out);
  // 17 GiB predicted under 20 available: checkpointing (16.25) is too little of a cut, lora and qlora are enough
  assert.equal(
    out.message,
    "ran out of memory at step 1 on cpu: core predicted 17.0 GiB and this host has 20.0 GiB available, so the" +
      " run took more than predicted — try lora (5.1 GiB) or qlora (2.2 GiB). The backend said: Array buffer" +
      " allocation failed",
  );
  assert.equal(out.field, "method");
  // without figures, still an OutOfMemoryError with general advice
  const bare = outOfMemoryFrom(err, { backend: "wasm" });
  assert.ok(bare);
  assert.equal(bare.field, "base");
  assert.equal(
    bare.message,
    "ran out of memory on wasm — try a smaller batch, gradient checkpointing or a lighter method. The backend" +
      " said: memory access out of bounds",
  );
  assert.equal(outOfMemoryFrom(bare, { backend: "wasm", step: 9 }), bare, "translated once");
});

test("readHostMemory: TUNELAB_HOST_MEMORY_BYTES replaces the host's figure; a bad one names the variable", async () => {
  const wasm = { name: "wasm", source: "@tensorflow/tfjs-backend-wasm" };
  const gpu = { name: "tensorflow", source: "@tensorflow/tfjs-node-gpu" };
  assert.deepEqual(await readHostMemory(wasm, { TUNELAB_HOST_MEMORY_BYTES: "1000" }), {
    backend: "wasm",
    availableBytes: 1000,
    holder: "this host has",
  });
  assert.deepEqual(await readHostMemory(gpu, { TUNELAB_HOST_MEMORY_BYTES: "1000" }), {
    backend: "tfjs-node-gpu",
    availableBytes: 1000,
    holder: "the GPU has",
  });
  const native = await readHostMemory(
    { name: "native", source: "@tunelab/native (openblas, 2 threads)" },
    {},
  );
  assert.equal(native.backend, "native");
  assert.ok(native.availableBytes !== null && native.availableBytes > 0, "the host's own figure");
  assert.equal((await readHostMemory(wasm, { TUNELAB_MEMORY_GUARD: "off" })).availableBytes, null);
  for (const bad of ["12GB", "-1", "0", "1.5"]) {
    await assert.rejects(
      readHostMemory(wasm, { TUNELAB_HOST_MEMORY_BYTES: bad }),
      (e: unknown) => e instanceof ValidationError && e.field === "TUNELAB_HOST_MEMORY_BYTES",
    );
  }
});

test("runTraining refuses a run the host cannot hold before the first step, naming the field; nothing trained", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tunelab-oom-"));
  const data = [{ text: "a long line of text that is cut to the maximum sequence length ".repeat(4) }];
  const seqLen = tokenize(data[0]!, byteTokenizer(), 32).ids.length;
  const options = { batchSize: 4, seqLen, optimizer: "adamw", dtype: "float32" } as const;
  const base = resolveModel("tunelab-tiny");
  const predicted = estimateMemory(base, { method: "full" }, options).total;
  const checkpointed = estimateMemory(
    base,
    { method: "full" },
    { ...options, gradientCheckpointing: true },
  ).total;
  assert.ok(checkpointed < predicted);
  const saved = process.env.TUNELAB_HOST_MEMORY_BYTES;
  process.env.TUNELAB_HOST_MEMORY_BYTES = String(checkpointed); // the run does not fit, checkpointing does
  const tensors = tf.memory().numTensors;
  let steps = 0;
  try {
    await assert.rejects(
      runTraining(
        {
          base: "tunelab-tiny",
          data,
          method: { method: "full" },
          steps: 3,
          maxSeqLen: 32,
          outputDir: join(dir, "out"),
          samplePrompts: [],
          options: { batchSize: 4 },
        },
        { onMetrics: () => steps++ },
      ),
      (e: unknown) => {
        assert.ok(e instanceof OutOfMemoryError, String(e));
        assert.equal(e.field, "gradientCheckpointing");
        assert.equal(e.neededBytes, predicted);
        assert.equal(e.availableBytes, checkpointed);
        assert.match(
          e.message,
          /^full fine-tuning at batch 4 × 32 tokens needs \d+ MiB \(predicted\); this host/,
        );
        assert.match(e.message, / — try gradient checkpointing \(\d+ MiB\)/);
        return true;
      },
    );
  } finally {
    if (saved === undefined) delete process.env.TUNELAB_HOST_MEMORY_BYTES;
    else process.env.TUNELAB_HOST_MEMORY_BYTES = saved;
  }
  assert.equal(steps, 0, "no step ran");
  assert.equal(existsSync(join(dir, "out")), false, "nothing written");
  assert.equal(tf.memory().numTensors, tensors, "the model and method were freed");
  await rm(dir, { recursive: true });
});

test("a genuine V8 allocation failure inside a step becomes an OutOfMemoryError naming that step", async () => {
  const model = tinyModel();
  const method = createMethod(model, { method: "lora", r: 2 }, { seed: 1 });
  const setTraining = method.setTraining.bind(method);
  let micro = 0;
  method.setTraining = (on: boolean, seed?: number) => {
    // the second step's forward asks for 1 TiB, as a too-large activation would
    if (on && ++micro === 2) assert.ok(new ArrayBuffer(2 ** 40));
    setTraining(on, seed);
  };
  const train = TOY.map((e) => tokenize(e, byteTokenizer(), 64));
  let translated: unknown;
  try {
    await assert.rejects(
      trainLoop({
        model,
        method,
        train,
        eval: [],
        options: { ...TRAIN_DEFAULTS, steps: 3, batchSize: 2, pad: byteTokenizer().pad },
        stepFailed: (err, step) => {
          translated = outOfMemoryFrom(err, { backend: "cpu", step });
          return translated ?? err;
        },
      }),
      (e: unknown) => {
        assert.ok(e instanceof OutOfMemoryError);
        assert.equal(e.step, 2);
        assert.ok(e.cause instanceof RangeError);
        assert.equal((e.cause as Error).message, "Array buffer allocation failed");
        assert.match(
          e.message,
          /^ran out of memory at step 2 on cpu — .*The backend said: Array buffer allocation failed$/,
        );
        return true;
      },
    );
    assert.ok(translated);
  } finally {
    method.dispose();
    tf.dispose([...model.weights.values()]);
  }
});
