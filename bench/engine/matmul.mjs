// The matmul-dominated share of a training step (issue 12): for every linear of a model at a batch × seq,
// the three matmuls tfjs's autodiff runs — forward x·Wᵀ (transposeB), input gradient dy·W, weight
// gradient dyᵀ·x (transposeA) — timed as tf.matMul on the engine's backend (initBackend: TUNELAB_BACKEND
// or the first that loads; dataSync after each call where the backend is asynchronous) beside OpenBLAS sgemm through numpy on the same shapes
// and transposes (bench/engine/pytorch/sgemm.py, same thread count, OPENBLAS_CORETYPE/L2_SIZE unset), and
// the time one step's linear matmuls take at those rates (full: all three; PEFT methods: no weight gradient).
// Usage: npx tsc -b runner && node bench/engine/matmul.mjs [--model SmolLM-135M] [--batch 4] [--seq 128]
//        [--threads N] [--seconds 1] [--backend native|wasm|cpu] [--python /usr/bin/python3] [--json]
//        [--engine DIR]   (a compiled engine folder; default runner/dist/engine)
// Prints a table (or, with --json, one JSON object: what bench/engine/scale.mjs reads). Writes nothing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const PRESET = arg("model", "SmolLM-135M");
const BATCH = Number(arg("batch", 4));
const SEQ = Number(arg("seq", 128));
const THREADS = Number(arg("threads", availableParallelism()));
const SECONDS = Number(arg("seconds", 1));
const PYTHON = arg("python", existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const ENGINE = resolve(arg("engine", join(root, "runner/dist/engine")));
if (arg("backend")) process.env.TUNELAB_BACKEND = arg("backend");

/**
 * The environment both sides run under: the OpenBLAS presets of this machine removed, threads set, and
 * OpenMP's idle threads asleep instead of spinning (PyTorch's default spin made its steps 5–15× slower
 * whenever another process held a core of this 2-core machine; measured).
 */
export function benchEnv(threads) {
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: "PASSIVE",
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Each linear's (in, out) and how many the model has; lm_head is the tied embedding where tied. */
function linears(c) {
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const layer = [
    ["q_proj", c.hidden_size, q],
    ["k_proj", c.hidden_size, kv],
    ["v_proj", c.hidden_size, kv],
    ["o_proj", q, c.hidden_size],
    ["gate_proj", c.hidden_size, c.intermediate_size],
    ["up_proj", c.hidden_size, c.intermediate_size],
    ["down_proj", c.intermediate_size, c.hidden_size],
  ];
  return [
    ...layer.map(([name, inF, out]) => ({ name, in: inF, out, count: c.num_hidden_layers })),
    { name: "lm_head", in: c.hidden_size, out: c.vocab_size, count: 1 },
  ];
}

/** The distinct matmuls of one step, [m, k] × [k, n] after the transposes, with their uses per step. */
export function stepMatmuls(c, tokens) {
  const ops = new Map();
  const add = (kind, l, m, k, n, transposeA, transposeB) => {
    const key = [m, k, n, transposeA, transposeB].join();
    const op = ops.get(key) ?? { m, k, n, transposeA, transposeB, uses: [], full: 0, peft: 0 };
    op.uses.push(`${l.name} ${kind}`);
    op.full += l.count;
    if (kind !== "dW") op.peft += l.count; // frozen weights get no gradient
    ops.set(key, op);
  };
  for (const l of linears(c)) {
    add("fwd", l, tokens, l.in, l.out, false, true); // x [N, in] · W [out, in]ᵀ
    add("dx", l, tokens, l.out, l.in, false, false); // dy [N, out] · W [out, in]
    add("dW", l, l.out, tokens, l.in, true, false); // dy [N, out]ᵀ · x [N, in]
  }
  return [...ops.values()];
}

async function tfjsRates(ops) {
  const tf = require("@tensorflow/tfjs");
  const { initBackend } = require(join(ENGINE, "backend.js"));
  const choice = await initBackend();
  const out = [];
  for (const op of ops) {
    const a = tf.randomNormal(op.transposeA ? [op.k, op.m] : [op.m, op.k], 0, 1, "float32", 1);
    const b = tf.randomNormal(op.transposeB ? [op.n, op.k] : [op.k, op.n], 0, 1, "float32", 2);
    // host backends compute synchronously; reading the result there would also hand its buffer to the
    // caller, so the native backend could not reuse it as it does in training: sync only elsewhere
    const hostBackend = ["native", "wasm", "cpu"].includes(choice.name);
    const once = () => {
      const started = performance.now();
      const c = tf.matMul(a, b, op.transposeA, op.transposeB);
      if (!hostBackend) c.dataSync();
      c.dispose();
      return (performance.now() - started) / 1000;
    };
    once(); // warm-up
    const times = [];
    for (let total = 0; total < SECONDS || times.length < 3; ) {
      times.push(once());
      total += times.at(-1);
    }
    tf.dispose([a, b]);
    times.sort((p, q) => p - q);
    const seconds = times[Math.floor(times.length / 2)];
    out.push({ seconds, gflops: (2 * op.m * op.k * op.n) / seconds / 1e9, repeats: times.length });
  }
  return { backend: { name: choice.name, source: choice.source, skipped: choice.skipped }, ops: out };
}

function numpyRates(ops) {
  const shapes = ops.map(({ m, k, n, transposeA, transposeB }) => ({ m, k, n, transposeA, transposeB }));
  try {
    const stdout = execFileSync(
      PYTHON,
      [join(here, "pytorch/sgemm.py"), JSON.stringify(shapes), "--seconds", String(SECONDS)],
      { env: benchEnv(THREADS), encoding: "utf8", maxBuffer: 1 << 24 },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1));
  } catch (err) {
    return { error: `numpy: ${String(err.message).split("\n")[0]}` };
  }
}

/** Seconds one step's linear matmuls take at the measured rates, full (with dW) and PEFT (without). */
function stepSeconds(ops, rates) {
  const sum = (kind) => ops.reduce((s, op, i) => s + op[kind] * (rates[i]?.seconds ?? Number.NaN), 0);
  return { full: sum("full"), peft: sum("peft") };
}

export async function measure() {
  const core = require("@tunelab/core");
  const config = core.resolveModel(PRESET);
  const ops = stepMatmuls(config, BATCH * SEQ);
  const numpy = numpyRates(ops);
  const tfjs = await tfjsRates(ops);
  const rows = ops.map((op, i) => ({
    ...op,
    flops: 2 * op.m * op.k * op.n,
    tfjsGflops: tfjs.ops[i].gflops,
    numpyGflops: numpy.ops?.[i]?.gflops ?? null,
  }));
  const step = { tfjs: stepSeconds(ops, tfjs.ops), numpy: numpy.ops ? stepSeconds(ops, numpy.ops) : null };
  const flops = {
    full: ops.reduce((s, op) => s + op.full * 2 * op.m * op.k * op.n, 0),
    peft: ops.reduce((s, op) => s + op.peft * 2 * op.m * op.k * op.n, 0),
  };
  return {
    model: PRESET,
    batch: BATCH,
    seq: SEQ,
    threads: THREADS,
    backend: tfjs.backend,
    numpy: numpy.error ? { error: numpy.error } : { version: numpy.numpy, threads: numpy.threads },
    rows,
    stepMatmulFlops: flops,
    stepMatmulSeconds: step,
    // the step mix's FLOP/s: our kernel ÷ OpenBLAS (the target is ≥ 0.8)
    mixRatio: step.numpy
      ? { full: step.numpy.full / step.tfjs.full, peft: step.numpy.peft / step.tfjs.peft }
      : null,
  };
}

const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(1));

export function matmulTable(r) {
  return [
    "| matmul [m, k] × [k, n] | transposes | uses per step (full / PEFT) | tfjs GFLOP/s | numpy GFLOP/s | tfjs ÷ numpy |",
    "|---|---|---|---|---|---|",
    ...r.rows.map(
      (o) =>
        `| ${o.m} × ${o.k} × ${o.n} (${o.uses.join(", ")}) | ${o.transposeA ? "A" : ""}${o.transposeB ? "B" : ""}${o.transposeA || o.transposeB ? "ᵀ" : "none"} | ${o.full} / ${o.peft} | ${f1(o.tfjsGflops)} | ${f1(o.numpyGflops)} | ${o.numpyGflops ? (o.tfjsGflops / o.numpyGflops).toFixed(2) : "–"} |`,
    ),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await measure();
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else {
    const s = r.stepMatmulSeconds;
    console.log(
      [
        `${r.model}, ${r.batch} × ${r.seq} tokens, backend ${r.backend.source}, ${r.threads} threads, numpy ${r.numpy.version ?? r.numpy.error}`,
        "",
        ...matmulTable(r),
        "",
        `One step's linear matmuls: full ${f1(s.tfjs.full * 1000)} ms (tfjs) vs ${f1(s.numpy?.full * 1000)} ms (numpy); PEFT ${f1(s.tfjs.peft * 1000)} vs ${f1(s.numpy?.peft * 1000)} ms.`,
      ].join("\n"),
    );
  }
  process.exit(0);
}
