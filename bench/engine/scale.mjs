// The engine at real-model scale beside PyTorch (issue 12): for each model × method, our engine (random
// init, the method, trainLoop with AdamW and clipping on synthetic token ids) and a plain-PyTorch Llama
// (bench/engine/pytorch/llama.py, same config, batch, sequence length, AdamW) train a few steps, each
// configuration in its own child process so its RSS is its own. Reported side by side: ms/step (median
// after the first step), RSS growth (peak RSS − RSS before the model), the engine's measured peak tensor
// bytes (the engine's memory meter: distinct tensor buffers, every step), QLoRA vs LoRA vs full memory, whole-step achieved FLOP/s and the
// linear matmuls' share of a step at the rates bench/engine/matmul.mjs measures (tfjs vs numpy/OpenBLAS).
// Both sides run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed, the same thread count and
// OMP_WAIT_POLICY=PASSIVE (see benchEnv in matmul.mjs).
// Usage: npx tsc -b runner && node bench/engine/scale.mjs [--models SmolLM-135M,tunelab-small] [--batch 4]
//        [--seq 128] [--methods full,lora,qlora,prefix,adapter] [--steps 4] [--threads N] [--timeout 900]
//        [--backend native|wasm|cpu] [--python /usr/bin/python3] [--no-pytorch] [--no-matmul] [--out DIR]
//        [--max-busy 0.5] [--load-wait 600]   (before each configuration, wait for other processes to use
//        fewer cores than --max-busy, for at most --load-wait s; each run records what others used meanwhile)
//        [--engine DIR] [--engine-label TEXT]   (a compiled engine folder, default runner/dist/engine; its name)
//        [--resume]   (keep the rows a killed run with the same settings saved in its engine-scale.json)
//        node bench/engine/scale.mjs --quick   (tunelab-small, 3 steps; writes to a temp folder, not bench/results)
//        node bench/engine/scale.mjs --render bench/results/engine-scale.json   (rewrite the .md from the .json)
// Writes engine-scale.json and engine-scale.md (bench/results unless --out or --quick). A benchmark, not a
// test: numbers vary by machine and load (the load average is recorded).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stepFlops } from "./flops.mjs";
import { benchEnv, matmulTable } from "./matmul.mjs";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const SELF = fileURLToPath(import.meta.url);
const MARK = "SCALE_RESULT ";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const QUICK = process.argv.includes("--quick");
const MODELS = arg("models", QUICK ? "tunelab-small" : "SmolLM-135M,tunelab-small").split(",");
const BATCH = Number(arg("batch", 4));
const SEQ = Number(arg("seq", 128));
const STEPS = Number(arg("steps", QUICK ? 3 : 4));
const THREADS = Number(arg("threads", availableParallelism()));
const TIMEOUT_S = Number(arg("timeout", 900));
const BACKEND = arg("backend", process.env.TUNELAB_BACKEND);
const PYTHON = arg("python", existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const ENGINE = resolve(arg("engine", join(root, "runner/dist/engine")));
const ENGINE_LABEL = arg("engine-label", engineLabel());
// Before each configuration: wait (up to LOAD_WAIT_S) until other processes use < MAX_BUSY cores.
const MAX_BUSY = Number(arg("max-busy", QUICK ? Number.POSITIVE_INFINITY : 0.5));
const LOAD_WAIT_S = Number(arg("load-wait", 600));
const OUT = arg("out", QUICK ? join(tmpdir(), "tunelab-engine-scale") : join(root, "bench/results"));

// Our method JSON (PEFT's keys, as the demo sends them); PyTorch has full and LoRA only.
const QV = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
const METHODS = {
  full: { method: "full" },
  lora: { method: "lora", ...QV },
  qlora: { method: "qlora", ...QV },
  prefix: { method: "prefix", num_virtual_tokens: 16 },
  adapter: { method: "adapter", placement: "pfeiffer" },
};
const METHOD_NAMES = arg("methods", Object.keys(METHODS).join(",")).split(",");
const PYTORCH_METHODS = new Set(["full", "lora"]);

/** The default engine as "runner/dist/engine, built from <commit>" and whether runner/src had edits. */
function engineLabel() {
  if (ENGINE !== join(root, "runner/dist/engine")) return ENGINE;
  const git = (...a) => {
    try {
      return execFileSync("git", a, { cwd: root, encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  const dirty = git("status", "--porcelain", "runner/src") !== "";
  return `runner/dist/engine at ${git("rev-parse", "--short", "HEAD") || "?"}${dirty ? " with uncommitted changes in runner/src" : ""}`;
}

const firstLine = (s) =>
  String(s ?? "")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l) ?? "";

function procStatus(field, pid = "self") {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux), so the peak read later is this run's, not start-up's. */
function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** Synthetic causal-LM rows: uniform random token ids (seeded), every token a label. */
function syntheticRows(vocab, batch, seq) {
  let s = 12345;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % vocab;
  };
  return Array.from({ length: batch }, () => {
    const ids = Array.from({ length: seq }, next);
    return { ids, labels: ids };
  });
}

/** One engine configuration, in this (child) process: prints MARK + JSON. */
async function engineChild(spec) {
  const tf = require("@tensorflow/tfjs");
  const core = require("@tunelab/core");
  const E = ENGINE;
  const { initBackend } = require(join(E, "backend.js"));
  const { initModel } = require(join(E, "model.js"));
  const { createMethod } = require(join(E, "methods/registry.js"));
  const { TRAIN_DEFAULTS, trainLoop } = require(join(E, "train.js"));
  const out = {};
  try {
    const choice = await initBackend();
    out.backend = { name: choice.name, source: choice.source, skipped: choice.skipped };
    const config = core.resolveModel(spec.model);
    const rows = syntheticRows(config.vocab_size, spec.batch, spec.seq);
    out.peakReset = resetPeakRss();
    out.rssBeforeModel = procStatus("VmRSS") ?? process.memoryUsage().rss;
    const model = initModel(config, 1);
    const method = createMethod(model, spec.method, { seed: 1 });
    for (const name of method.replacedWeights) {
      model.weights.get(name)?.dispose(); // QLoRA stores the decoder linears as NF4: free the float copies
      model.weights.delete(name);
    }
    out.rssAfterModel = procStatus("VmRSS") ?? process.memoryUsage().rss;
    out.tensorBytesAfterModel = tf.memory().numBytes;
    out.trainable = [...method.trainable.values()].reduce((n, v) => n + v.size, 0);
    const loop = await trainLoop({
      model,
      method,
      train: rows,
      eval: [],
      options: {
        ...TRAIN_DEFAULTS,
        steps: spec.steps + 1,
        batchSize: spec.batch,
        lr: 1e-3,
        pad: Number(config.pad_token_id ?? 0),
      },
    });
    const all = loop.history.map((m) => m.msPerStep);
    const timed = all.slice(1).sort((a, b) => a - b);
    out.msPerStep = timed.length ? timed[Math.floor(timed.length / 2)] : all[0];
    out.msPerStepAll = all.map((x) => Math.round(x * 10) / 10);
    out.tokensPerSecond = (spec.batch * spec.seq * 1000) / out.msPerStep;
    out.measuredPeakBytes = loop.measuredPeakBytes;
    out.lossFirst = loop.history[0].trainLoss;
    out.lossLast = loop.history.at(-1).trainLoss;
  } catch (err) {
    out.error = firstLine(err?.message ?? err);
    out.errorStack = String(err?.stack ?? "")
      .split("\n")
      .slice(1, 6)
      .map((l) => l.trim());
  }
  const hwm = procStatus("VmHWM");
  out.maxRss = process.resourceUsage().maxRSS * 1024;
  out.peakRss = out.peakReset && hwm !== null ? hwm : out.maxRss;
  if (out.rssBeforeModel !== undefined) out.peakRssGrowth = out.peakRss - out.rssBeforeModel;
  console.log(`${MARK}${JSON.stringify(out)}`);
  process.exit(out.error ? 1 : 0);
}

/** CPU ticks (USER_HZ) the whole machine spent busy so far, from /proc/stat; null off Linux. */
function machineBusyTicks() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return f.reduce((a, b) => a + b, 0) - f[3] - f[4]; // all but idle and iowait
  } catch {
    return null;
  }
}

/** CPU ticks a process has used (utime + stime + its waited-for children's), from /proc/<pid>/stat. */
function processTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return null;
  }
}

/** An argument as a command line shows it: JSON as <json>, words with spaces quoted. */
const shellWord = (a) => (a.startsWith("{") ? "<json>" : /\s/.test(a) ? JSON.stringify(a) : a);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Cores other processes keep busy, over a 3 s window (this process is asleep meanwhile). */
async function othersBusyCores() {
  const a = machineBusyTicks();
  await sleep(3000);
  const b = machineBusyTicks();
  return a === null || b === null ? null : (b - a) / 300;
}

/** Waits (up to --load-wait s) until other processes use fewer than --max-busy cores. */
async function quietMachine() {
  const started = performance.now();
  let busy = await othersBusyCores();
  while (busy !== null && busy > MAX_BUSY && performance.now() - started < LOAD_WAIT_S * 1000) {
    await sleep(7000);
    busy = await othersBusyCores();
  }
  return { busyCoresAtStart: busy, waitedSeconds: Math.round((performance.now() - started) / 1000) };
}

/**
 * Runs a child with a deadline, once the machine is quiet enough; polls its VmHWM (what a crash leaves
 * us) and the CPU other processes used meanwhile (machine busy ticks − the child's); parses its last
 * JSON line.
 */
async function runChild(cmd, args, env) {
  const quiet = await quietMachine();
  return new Promise((done) => {
    const started = performance.now();
    const load1 = loadavg()[0];
    const busy0 = machineBusyTicks();
    const child = spawn(cmd, args, { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let polledPeak = null;
    let others = null;
    let timedOut = false;
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const poll = setInterval(() => {
      const hwm = procStatus("VmHWM", child.pid);
      if (hwm !== null) polledPeak = Math.max(polledPeak ?? 0, hwm);
      const own = processTicks(child.pid);
      const busy = machineBusyTicks();
      const seconds = (performance.now() - started) / 1000;
      if (own !== null && busy !== null && busy0 !== null && seconds > 1)
        others = Math.max(0, (busy - busy0 - own) / 100 / seconds);
    }, 250);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, TIMEOUT_S * 1000);
    child.on("close", (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(MARK) || l.startsWith("{"));
      let result = {};
      try {
        if (line) result = JSON.parse(line.startsWith(MARK) ? line.slice(MARK.length) : line);
      } catch {}
      const errLines = stderr.split("\n").filter((l) => l.trim() && !/already registered/.test(l));
      const telling = errLines.find((l) => /error|abort|status|memory|killed|exception/i.test(l));
      if (timedOut) result.error = `timed out after ${TIMEOUT_S} s`;
      else if (code !== 0 && !result.error)
        result.error =
          firstLine(telling ?? errLines[0]) || `exit code ${code}${signal ? ` (${signal})` : ""}`;
      if (result.error) {
        result.exit = signal ?? code;
        result.stderrFirstLine = firstLine(errLines[0]);
        result.stderrHead = errLines.slice(0, 6).map((l) => l.slice(0, 300));
      }
      done({
        ...result,
        command: [cmd, ...args.map(shellWord)].join(" "),
        wallSeconds: Math.round((performance.now() - started) / 100) / 10,
        loadAverage1mAtStart: load1,
        ...quiet,
        othersBusyCores: others === null ? null : Math.round(others * 100) / 100,
        polledPeakRss: polledPeak,
      });
    });
  });
}

async function main() {
  const core = require("@tunelab/core");
  const env = benchEnv(THREADS);
  if (BACKEND) env.TUNELAB_BACKEND = BACKEND;
  const file = join(OUT, "engine-scale.json");
  const result = {
    date: new Date().toISOString(),
    partial: true,
    quick: QUICK,
    machine: {
      cpu: cpus()[0]?.model,
      cores: availableParallelism(),
      memoryBytes: totalmem(),
      node: process.version,
      kernel: release(),
    },
    loadAverage: { before: loadavg(), after: null },
    batch: BATCH,
    seq: SEQ,
    stepsTimed: STEPS,
    threads: THREADS,
    timeoutSeconds: TIMEOUT_S,
    maxBusyCores: Number.isFinite(MAX_BUSY) ? MAX_BUSY : null,
    loadWaitSeconds: LOAD_WAIT_S,
    backendRequested: BACKEND ?? null,
    engine: ENGINE,
    engineLabel: ENGINE_LABEL,
    env: "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed; OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = threads; OMP_WAIT_POLICY=PASSIVE (engine and PyTorch alike)",
    command: ["node", relative(root, SELF), ...process.argv.slice(2).map(shellWord)].join(" "),
    methods: Object.fromEntries(METHOD_NAMES.map((m) => [m, METHODS[m]])),
    rows: [],
    matmul: [],
  };
  // --resume: keep what a killed run of the same settings saved (each row and matmul entry is saved as it ends)
  const same = (p) => p.batch === BATCH && p.seq === SEQ && p.stepsTimed === STEPS && p.engine === ENGINE;
  const previous =
    process.argv.includes("--resume") && existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
  const kept = previous && same(previous) ? previous : null;
  if (kept)
    Object.assign(result, {
      date: kept.date,
      loadAverage: kept.loadAverage,
      resumedAt: new Date().toISOString(),
      commands: [...(kept.commands ?? [kept.command]), result.command],
    });
  const save = () => {
    mkdirSync(OUT, { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  };
  const log = (x) => console.error(JSON.stringify(x));
  for (const model of MODELS) {
    const config = core.resolveModel(model);
    for (const name of METHOD_NAMES) {
      const done = kept?.rows.find((x) => x.model === model && x.method === name);
      if (done) {
        result.rows.push(done);
        continue;
      }
      const spec = { model, method: METHODS[name], batch: BATCH, seq: SEQ, steps: STEPS };
      const args = [SELF, "--child", JSON.stringify(spec), "--engine", ENGINE];
      const engine = await runChild(process.execPath, args, env);
      log({ model, method: name, engine });
      let pytorch = null;
      if (PYTORCH_METHODS.has(name) && !process.argv.includes("--no-pytorch")) {
        const script = relative(root, join(here, "pytorch/llama.py"));
        const args = [script, "--config", JSON.stringify(config), "--method", name, "--batch", String(BATCH)];
        args.push("--seq", String(SEQ), "--steps", String(STEPS), "--threads", String(THREADS));
        if (name === "lora") args.push("--r", "8", "--alpha", "16", "--targets", "q_proj,v_proj");
        pytorch = await runChild(PYTHON, args, env);
        log({ model, method: name, pytorch });
      }
      const at = new Date().toISOString();
      result.rows.push({
        model,
        method: name,
        at,
        flops: stepFlops(config, name, BATCH, SEQ, name === "prefix" ? METHODS.prefix.num_virtual_tokens : 0),
        engine,
        pytorch,
      });
      save();
    }
    if (!process.argv.includes("--no-matmul")) {
      const done = kept?.matmul.find((m) => m.model === model);
      if (done) {
        result.matmul.push(done);
        continue;
      }
      const args = [
        join(here, "matmul.mjs"),
        "--model",
        model,
        "--batch",
        String(BATCH),
        "--seq",
        String(SEQ),
      ];
      args.push("--threads", String(THREADS), "--python", PYTHON, "--engine", ENGINE, "--json");
      if (QUICK) args.push("--seconds", "0.3");
      const r = await runChild(process.execPath, args, env);
      log({ model, matmul: r.mixRatio ?? r.error });
      result.matmul.push({ model, ...r });
      save();
    }
  }
  result.partial = false;
  result.loadAverage.after = loadavg();
  save();
  const md = markdown(result, core);
  writeFileSync(join(OUT, "engine-scale.md"), md);
  console.log(md);
  console.error(`wrote ${file} and engine-scale.md`);
}

const mb = (b) => (typeof b === "number" ? Math.round(b / 1e6).toLocaleString("en-US") : "–");
const ms = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–");
const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? (a / b).toFixed(2) : "–");
const ok = (r) => r && !r.error && typeof r.msPerStep === "number";
const cores = (r) => (typeof r?.othersBusyCores === "number" ? r.othersBusyCores.toFixed(2) : "–");
const loss = (r) => (ok(r) ? `${r.lossFirst.toFixed(3)} → ${r.lossLast.toFixed(3)}` : "–");

/** One line per model: how many methods ran, and the range of the engine ÷ PyTorch ratios over them. */
function summary(r, baseline) {
  const span = (xs) => (xs.length ? `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}×` : "–");
  return [...new Set(r.rows.map((x) => x.model))]
    .flatMap((m) => {
      const rows = r.rows.filter((x) => x.model === m);
      const ran = rows.filter((x) => ok(x.engine) && ok(baseline(x)));
      const failed = rows.filter((x) => !ok(x.engine)).map((x) => x.method);
      const time = span(ran.map((x) => x.engine.msPerStep / baseline(x).msPerStep));
      const rss = span(ran.map((x) => x.engine.peakRssGrowth / baseline(x).peakRssGrowth));
      return [
        `- **${m}**: the engine ran ${rows.length - failed.length} of ${rows.length} methods${failed.length ? ` (failed: ${failed.join(", ")})` : ""}${ran.length ? `; engine ÷ PyTorch ms/step ${time}, RSS growth ${rss}` : ""}.`,
      ];
    })
    .concat([""]);
}

function markdown(r, core) {
  const byKey = new Map(r.rows.map((x) => [`${x.model}/${x.method}`, x]));
  /** The PyTorch run a row is compared with: its own method, else LoRA (the PEFT baseline PyTorch has). */
  const baseline = (x) => (x.pytorch ? x.pytorch : byKey.get(`${x.model}/lora`)?.pytorch);
  const backends = [...new Set(r.rows.map((x) => x.engine.backend?.source).filter(Boolean))];
  const skipped = r.rows.find((x) => x.engine.backend)?.engine.backend.skipped ?? [];
  const py = r.rows.find((x) => ok(x.pytorch))?.pytorch;
  const la = (l) => l.map((x) => x.toFixed(2)).join(" ");
  const models = [...new Set(r.rows.map((x) => x.model))].map((m) => {
    const c = core.resolveModel(m);
    const n = core.countParameters(c, { method: "full" }).total;
    return `${m} (${n.toLocaleString("en-US")} parameters, d ${c.hidden_size}, ${c.num_hidden_layers} layers, ${c.num_attention_heads} heads / ${c.num_key_value_heads} kv, I ${c.intermediate_size}, vocab ${c.vocab_size}, ${c.tie_word_embeddings ? "tied" : "untied"} embeddings)`;
  });
  const crashes = r.rows.flatMap((x) =>
    [
      ["engine", x.engine],
      ["PyTorch", x.pytorch],
    ]
      .filter(([, s]) => s?.error)
      .map(
        ([who, s]) =>
          `- ${x.model} ${x.method} (${who}): \`${s.error}\`${s.stderrFirstLine && s.stderrFirstLine !== s.error ? `; stderr starts \`${s.stderrFirstLine.slice(0, 160)}\`` : ""}; exit ${s.exit}; peak RSS seen ${mb(s.polledPeakRss)} MB; ${s.wallSeconds} s`,
      ),
  );
  const lines = [
    `# Engine at model scale beside PyTorch (bench/engine/scale.mjs${r.quick ? ", --quick" : ""})`,
    "",
    `${r.date}${r.resumedAt ? ` (resumed with --resume at ${r.resumedAt}: configurations missing from the saved JSON were run then; each row has its time)` : ""} · ${r.machine.cores} CPUs (${r.machine.cpu}) · ${(r.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB · Node ${r.machine.node} · load average ${la(r.loadAverage.before)} before, ${la(r.loadAverage.after)} after (machine shared with other work: times are noisy; each configuration's 1-min load at its start is in the JSON)`,
    "",
    `Engine: ${r.engineLabel}; backend ${backends.join(", ") || "none loaded"}${skipped.length ? ` (skipped: ${skipped.join("; ")})` : ""}${r.backendRequested ? `, TUNELAB_BACKEND=${r.backendRequested}` : ""}. PyTorch: ${py ? `${py.torch}, ${py.threads} threads, BLAS ${py.blasLibrary?.find((l) => /openblas/.test(l)) ?? py.blasLibrary?.[0] ?? "?"} (torch's own ${py.blasInfo?.match(/BLAS_INFO=\w+/)?.[0] ?? "?"})` : "no run completed"}. Both with ${r.env}.`,
    "",
    `Models (random init, float32): ${models.join("; ")}. Batch ${r.batch} × ${r.seq} tokens of synthetic ids, AdamW (wd 0.01 on 2-D weights), clipping 1.0; ms/step is the median of ${r.stepsTimed} steps after the first (the first includes warm-up; the engine's peak tensor bytes are its memory meter's, over every step). RSS growth = peak RSS (VmHWM, reset before the model is built) − RSS before the model. Methods: ${Object.entries(
      r.methods,
    )
      .map(([k, v]) => `${k} \`${JSON.stringify(v)}\``)
      .join(
        ", ",
      )}. PyTorch has no QLoRA on CPU (no NF4 kernels), nor prefix/adapter in llama.py: those rows compare with PyTorch LoRA (baseline marked lora*).`,
    "",
    ...summary(r, baseline),
    "## Side by side",
    "",
    "| model | method | engine ms/step | PyTorch ms/step (baseline) | engine ÷ PyTorch | engine RSS growth MB | PyTorch RSS growth MB | RSS ÷ PyTorch | engine peak tensors MB | tensors ÷ PyTorch RSS | loss engine / PyTorch | others' cores: engine / PyTorch |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ...r.rows.map((x) => {
      const e = x.engine;
      const p = baseline(x);
      const which = x.pytorch ? x.method : "lora*";
      const eMs = ok(e) ? ms(e.msPerStep) : e.error?.startsWith("timed out") ? "timeout" : "crash";
      const pMs = ok(p) ? `${ms(p.msPerStep)} (${which})` : p ? `crash (${which})` : "–";
      return `| ${x.model} | ${x.method} | ${eMs} | ${pMs} | ${ok(e) && ok(p) ? ratio(e.msPerStep, p.msPerStep) : "–"} | ${mb(e.peakRssGrowth)} | ${ok(p) ? mb(p.peakRssGrowth) : "–"} | ${ok(e) && ok(p) ? ratio(e.peakRssGrowth, p.peakRssGrowth) : "–"} | ${mb(e.measuredPeakBytes)} | ${ok(e) && ok(p) ? ratio(e.measuredPeakBytes, p.peakRssGrowth) : "–"} | ${loss(e)} / ${x.pytorch ? loss(p) : "–"} | ${cores(e)} / ${x.pytorch ? cores(p) : "–"} |`;
    }),
    "",
    `Targets (issue 12): engine ÷ PyTorch ≤ 1.5 for time and memory, every method. Others' cores: CPU that other processes used while the run went on (machine busy time − the run's own, ÷ wall time); ${r.maxBusyCores !== null ? `each run first waited up to ${r.loadWaitSeconds} s for others to use < ${r.maxBusyCores} cores.` : "runs did not wait for a quiet machine."}`,
    ...(crashes.length ? ["", "Crashes and timeouts (first line of the error):", "", ...crashes] : []),
    "",
    "## QLoRA vs LoRA vs full: measured peak memory (engine)",
    "",
    "| model | full tensors MB | LoRA tensors MB | QLoRA tensors MB | QLoRA ÷ LoRA | full RSS growth MB | LoRA RSS growth MB | QLoRA RSS growth MB | PyTorch full / LoRA RSS growth MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...[...new Set(r.rows.map((x) => x.model))].map((m) => {
      const g = (k) => byKey.get(`${m}/${k}`)?.engine;
      const pg = (k) => byKey.get(`${m}/${k}`)?.pytorch;
      const t = (k) => (ok(g(k)) ? mb(g(k).measuredPeakBytes) : g(k) ? "crash" : "–");
      const s = (k) => (g(k)?.peakRssGrowth !== undefined ? mb(g(k).peakRssGrowth) : "–");
      const q =
        ok(g("qlora")) && ok(g("lora"))
          ? ratio(g("qlora").measuredPeakBytes, g("lora").measuredPeakBytes)
          : "–";
      return `| ${m} | ${t("full")} | ${t("lora")} | ${t("qlora")} | ${q} | ${s("full")} | ${s("lora")} | ${s("qlora")} | ${ok(pg("full")) ? mb(pg("full").peakRssGrowth) : "–"} / ${ok(pg("lora")) ? mb(pg("lora").peakRssGrowth) : "–"} |`;
    }),
    "",
    "(RSS growth of a crashed run is what it reached before failing.)",
    "",
    "## Throughput and the matmul-dominated share",
    "",
    "Whole-step achieved FLOP/s counts the base model's matmuls (2mnk per linear and attention product; backward = input gradients, plus weight gradients for full only). Linear matmuls' share: one step's linear matmuls timed at the rates measured below (tfjs on the engine's backend; numpy/OpenBLAS for PyTorch) ÷ the measured step.",
    "",
    "| model | method | engine tokens/s | PyTorch tokens/s | engine GFLOP/s | PyTorch GFLOP/s | linear matmuls' share: engine | PyTorch |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...r.rows.map((x) => {
      const e = x.engine;
      const p = x.pytorch;
      const mm = r.matmul.find((m) => m.model === x.model);
      const kind = x.method === "full" ? "full" : "peft";
      const share = (sec, step) =>
        typeof sec === "number" && typeof step === "number" ? `${Math.round((sec * 1e5) / step)}%` : "–";
      const gf = (s) => (ok(s) ? (x.flops / (s.msPerStep / 1000) / 1e9).toFixed(1) : "–");
      return `| ${x.model} | ${x.method} | ${ok(e) ? Math.round(e.tokensPerSecond) : "–"} | ${ok(p) ? Math.round(p.tokensPerSecond) : "–"} | ${gf(e)} | ${gf(p)} | ${ok(e) ? share(mm?.stepMatmulSeconds?.tfjs?.[kind], e.msPerStep) : "–"} | ${ok(p) ? share(mm?.stepMatmulSeconds?.numpy?.[kind], p.msPerStep) : "–"} |`;
    }),
    "",
    ...r.matmul.flatMap((m) =>
      m.error
        ? [`Matmul rates for ${m.model ?? "?"}: failed — \`${m.error}\``, ""]
        : [
            `### Linear matmuls of ${m.model}, ${m.batch} × ${m.seq} tokens: tf.matMul on ${m.backend.source} vs numpy ${m.numpy.version ?? m.numpy.error} (OpenBLAS, ${m.threads} threads)`,
            "",
            ...matmulTable(m),
            "",
            `Other processes used ${cores(m)} cores meanwhile. One step's linear matmuls take ${ms(m.stepMatmulSeconds.tfjs.full * 1000)} ms (full) / ${ms(m.stepMatmulSeconds.tfjs.peft * 1000)} ms (PEFT) at tfjs's rates, ${ms(m.stepMatmulSeconds.numpy?.full * 1000)} / ${ms(m.stepMatmulSeconds.numpy?.peft * 1000)} ms at OpenBLAS's: **our kernel ÷ sgemm over the step's mix = ${m.mixRatio ? `${m.mixRatio.full.toFixed(2)} (full), ${m.mixRatio.peft.toFixed(2)} (PEFT)` : "–"}** (target ≥ 0.8).`,
            "",
          ],
    ),
    "## Commands",
    "",
    ...(r.commands ?? [r.command]).map(
      (c) => `- \`${c}\` (every configuration a child process, timeout ${r.timeoutSeconds} s each)`,
    ),
    ...[
      ...new Set(
        [...r.rows.flatMap((x) => [x.engine.command, x.pytorch?.command]), ...r.matmul.map((m) => m.command)]
          .filter(Boolean)
          .map((c) => c.replaceAll(root, ".").replace(/ \{\S*\}(?= |$)/g, " <json>")),
      ),
    ].map((c) => `- \`${c}\``),
    "",
  ];
  return lines.join("\n");
}

const child = process.argv.indexOf("--child");
if (child >= 0) await engineChild(JSON.parse(process.argv[child + 1]));
else if (arg("render")) {
  // re-renders the markdown of a saved result (engine-scale.md beside the JSON)
  const file = resolve(arg("render"));
  writeFileSync(
    join(dirname(file), "engine-scale.md"),
    markdown(JSON.parse(readFileSync(file, "utf8")), require("@tunelab/core")),
  );
} else await main();
