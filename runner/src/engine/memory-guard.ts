import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { freemem } from "node:os";
import {
  estimateMemory,
  type MemoryEstimate,
  type MemoryOptions,
  type MethodConfig,
  type ModelConfig,
  ValidationError,
} from "@tunelab/core";

/**
 * Running out of memory as an error a person can act on. Before the first step, `checkMemory` compares
 * core's prediction with what the backend can hold and refuses with the settings that would fit (core's
 * estimate of each alternative); when memory runs out anyway, `outOfMemoryFrom` recognises the backend's
 * own words for it (wasm aborts, V8's allocation failures, TensorFlow's OOM) and says the same thing.
 * Pure functions over figures; `readHostMemory` is the one place that asks the host.
 */

const GiB = 1024 ** 3;

/** The wasm32 memory every tensor of the wasm backend lives in. */
export const WASM_HEAP_BYTES = 4 * GiB;
/** Of the wasm heap, what the module itself (code, stack, allocator slack) keeps from tensors. */
export const WASM_RESERVE_BYTES = 256 * 1024 * 1024;

export class OutOfMemoryError extends ValidationError {
  /** What the run needs by core's estimate (plus, on wasm, XNNPACK's packed weights); null if unknown. */
  readonly neededBytes: number | null;
  /** What the backend can hold; null if unknown. */
  readonly availableBytes: number | null;
  readonly backend: string;
  /** The training step that ran out (1-based); null before the first step. */
  readonly step: number | null;

  constructor(o: {
    field: string;
    message: string;
    backend: string;
    neededBytes?: number | null;
    availableBytes?: number | null;
    step?: number | null;
    cause?: unknown;
  }) {
    super({ field: o.field, message: o.message });
    this.name = "OutOfMemoryError";
    this.backend = o.backend;
    this.neededBytes = o.neededBytes ?? null;
    this.availableBytes = o.availableBytes ?? null;
    this.step = o.step ?? null;
    if (o.cause !== undefined) this.cause = o.cause;
  }
}

/** What the backend can hold. */
export interface HostMemory {
  /** "wasm", "cpu", "native", "tfjs-node" or "tfjs-node-gpu" (see `backendLabel`). */
  backend: string;
  /**
   * Bytes this run may use: the host's available memory (MemAvailable, cgroup limit, os.freemem()), the
   * GPU's free memory on tfjs-node-gpu, or TUNELAB_HOST_MEMORY_BYTES. null: unknown (nothing is checked).
   */
  availableBytes: number | null;
  /** Where availableBytes comes from, in a message: "this host has", "the GPU has". */
  holder: string;
}

/** The settings of a run that change its memory. */
export interface RunShape {
  method: string;
  batchSize: number;
  seqLen: number;
  gradientCheckpointing: boolean;
}

/** A change to the run; the alternatives `checkMemory` tries. */
export type Change = Partial<Pick<RunShape, "method" | "batchSize" | "gradientCheckpointing">>;

/** core's estimate of the run with `change` applied; null where the change does not apply. */
export type Estimator = (change: Change) => MemoryEstimate | null;

export interface MemoryCheck {
  run: RunShape;
  predicted: MemoryEstimate;
  host: HostMemory;
  estimate: Estimator;
}

/**
 * What the backend needs besides core's prediction. On wasm, XNNPACK packs its own float32 copy of each
 * matmul weight and keeps it as long as the weight lives: one more copy of the float32 weights (frozen
 * and trainable; QLoRA's NF4 codes are dequantised into temporaries, which core counts already).
 */
export function neededBytes(backend: string, e: MemoryEstimate): number {
  if (backend !== "wasm") return e.total;
  return e.total + (e.frozenByDtype.float32 ?? 0) + e.trainableWeights;
}

/** The bytes the run may use and how a message names them (given the figure as printed); null: unknown. */
export function memoryLimit(host: HostMemory): { bytes: number; says: (figure: string) => string } | null {
  const wasm = WASM_HEAP_BYTES - WASM_RESERVE_BYTES;
  if (host.backend === "wasm" && (host.availableBytes === null || wasm < host.availableBytes))
    return {
      bytes: wasm,
      says: (figure) =>
        `the wasm backend holds at most ${figure} (its 4 GiB heap less ${WASM_RESERVE_BYTES / 2 ** 20} MiB for the module)`,
    };
  if (host.availableBytes === null) return null;
  return { bytes: host.availableBytes, says: (figure) => `${host.holder} ${figure} available` };
}

/** null when the run fits (or nothing is known of the host); else the error to throw. */
export function checkMemory(c: MemoryCheck): OutOfMemoryError | null {
  const limit = memoryLimit(c.host);
  if (limit === null) return null;
  const need = neededBytes(c.host.backend, c.predicted);
  if (need <= limit.bytes) return null;
  const fits = (e: MemoryEstimate) => neededBytes(c.host.backend, e) <= limit.bytes;
  const found = suggestions(c.run, c.estimate, fits, c.host.backend);
  const [needText, limitText] = gibPair(need, limit.bytes);
  const what = c.host.backend === "wasm" ? "predicted, with XNNPACK's packed weights" : "predicted";
  const message =
    `${describeRun(c.run)} needs ${needText} (${what}); ${limit.says(limitText)}` +
    ` — ${advice(found, c.run, c.estimate, c.host.backend)}`;
  return new OutOfMemoryError({
    field: found[0]?.field ?? "base",
    message,
    backend: c.host.backend,
    neededBytes: need,
    availableBytes: limit.bytes,
  });
}

interface Suggestion {
  change: Change;
  /** The field the change is made in: the run's setting a person edits. */
  field: string;
  text: string;
  bytes: number;
}

/** Methods that hold less: LoRA's branch instead of full gradients, NF4 under the same LoRA branch. */
function cheaperMethods(method: string): string[] {
  if (method === "full") return ["lora", "qlora"];
  if (method === "lora" || method === "dora") return ["qlora"];
  return [];
}

/**
 * The least disruptive changes that fit, in this order: gradient checkpointing (same result, slower), a
 * smaller batch (the largest halving that fits), a cheaper method; if no single change fits, the
 * smallest combinations that do. Empty when nothing fits.
 */
function suggestions(
  run: RunShape,
  estimate: Estimator,
  fits: (e: MemoryEstimate) => boolean,
  backend: string,
): Suggestion[] {
  const tryChange = (change: Change): Suggestion | null => {
    const e = estimate(change);
    if (e === null || !fits(e)) return null;
    return { change, field: fieldOf(change), text: changeText(change), bytes: neededBytes(backend, e) };
  };
  const batches: number[] = [];
  for (let b = Math.floor(run.batchSize / 2); b >= 1; b = Math.floor(b / 2)) batches.push(b);
  /** The change with the largest batch that fits, or null. */
  const withBatch = (base: Change): Suggestion | null => {
    for (const batchSize of batches) {
      const s = tryChange({ ...base, batchSize });
      if (s) return s;
    }
    return null;
  };
  const checkpointing: Change[] = run.gradientCheckpointing ? [] : [{ gradientCheckpointing: true }];
  const methods: Change[] = cheaperMethods(run.method).map((method) => ({ method }));
  const singles = [...checkpointing.map(tryChange), withBatch({}), ...methods.map(tryChange)];
  const found = singles.filter((s): s is Suggestion => s !== null);
  if (found.length > 0) return found;
  const pairs = [
    ...checkpointing.map((c) => withBatch(c)),
    ...methods.flatMap((m) => [...checkpointing.map((c) => tryChange({ ...m, ...c })), withBatch(m)]),
  ].filter((s): s is Suggestion => s !== null);
  if (pairs.length > 0) return pairs.slice(0, 3);
  return methods
    .flatMap((m) => checkpointing.map((c) => withBatch({ ...m, ...c })))
    .filter((s): s is Suggestion => s !== null)
    .slice(0, 1);
}

function fieldOf(change: Change): string {
  if (change.method !== undefined) return "method";
  if (change.gradientCheckpointing !== undefined) return "gradientCheckpointing";
  return "batchSize";
}

function changeText(change: Change): string {
  const parts: string[] = [];
  if (change.method !== undefined) parts.push(change.method);
  if (change.gradientCheckpointing) parts.push("gradient checkpointing");
  if (change.batchSize !== undefined) parts.push(`batch size ${change.batchSize}`);
  const [first, ...rest] = parts;
  return rest.length === 0 ? first! : `${first} with ${rest.join(" and ")}`;
}

/** "try gradient checkpointing (3.1 GiB) or qlora (2.0 GiB)", or what to do when nothing fits. */
function advice(found: Suggestion[], run: RunShape, estimate: Estimator, backend: string): string {
  if (found.length > 0) {
    const items = found.map((s) => `${s.text} (${gib(s.bytes)})`);
    return `try ${items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${items.at(-1)}` : items[0]}`;
  }
  const leanest: Change = {
    ...(cheaperMethods(run.method).length ? { method: cheaperMethods(run.method).at(-1) } : {}),
    ...(run.gradientCheckpointing ? {} : { gradientCheckpointing: true }),
    ...(run.batchSize > 1 ? { batchSize: 1 } : {}),
  };
  const e = Object.keys(leanest).length ? estimate(leanest) : null;
  const even = e ? `even ${changeText(leanest)} needs ${gib(neededBytes(backend, e))}; ` : "";
  return `${even}it needs a host with more memory, a smaller model or shorter sequences`;
}

function describeRun(run: RunShape): string {
  const name = run.method === "full" ? "full fine-tuning" : run.method;
  return `${name} at batch ${run.batchSize} × ${run.seqLen} tokens${run.gradientCheckpointing ? " with gradient checkpointing" : ""}`;
}

/** Bytes as GiB with one decimal; under 1 GiB as whole MiB (tiny models would all read "0.0 GiB"). */
export function gib(bytes: number, precise = false): string {
  if (bytes < GiB) return `${(bytes / 2 ** 20).toFixed(precise ? 1 : 0)} MiB`;
  return `${(bytes / GiB).toFixed(precise ? 2 : 1)} GiB`;
}

/** Two figures that differ, with one more decimal where the usual ones would print them equal. */
function gibPair(a: number, b: number): [string, string] {
  return gib(a) === gib(b) ? [gib(a, true), gib(b, true)] : [gib(a), gib(b)];
}

/**
 * core's estimate for alternatives of the run: `method` switches to a cheaper method (LoRA fields kept
 * for dora/lora → qlora, PEFT's defaults from full), the other fields replace the run's options.
 */
export function coreEstimator(model: ModelConfig, method: MethodConfig, options: MemoryOptions): Estimator {
  return (change) => {
    const alt =
      change.method === undefined
        ? method
        : "r" in method
          ? { ...method, method: change.method }
          : { method: change.method };
    try {
      return estimateMemory(model, alt as MethodConfig, {
        ...options,
        ...(change.batchSize === undefined ? {} : { batchSize: change.batchSize }),
        ...(change.gradientCheckpointing === undefined
          ? {}
          : { gradientCheckpointing: change.gradientCheckpointing }),
      });
    } catch (err) {
      if (err instanceof ValidationError) return null; // e.g. the LoRA fields do not carry over
      throw err;
    }
  };
}

/** The memory figures a crash is explained with. */
export interface CrashContext {
  backend: string;
  /** The step that ran out (1-based), if inside one. */
  step?: number;
  predicted?: MemoryEstimate;
  run?: RunShape;
  host?: HostMemory;
  estimate?: Estimator;
}

/** Errors that mean "out of memory" on any backend: V8's allocation failures, TensorFlow's OOM. */
const ANY_BACKEND = [
  /Array buffer allocation failed/,
  /Invalid typed array length/,
  /OOM when allocating/,
  /Resource ?exhausted/i,
  /CUDA_ERROR_OUT_OF_MEMORY|out of memory/i,
];
/**
 * The wasm backend's: a failed allocation returns a null pointer and the kernels then read or write out of
 * the heap (`memory access out of bounds`, `offset is out of bounds`, `table index is out of bounds`), or
 * XNNPACK cannot pack a weight (`XNN status … Got status 6`, xnn_status_out_of_memory) and the module
 * aborts (`Aborted()`).
 */
const WASM = [
  /memory access out of bounds/,
  /offset is out of bounds/,
  /table index is out of bounds/,
  /^Aborted\(/,
  /XNN status .*Got status 6/,
];
/**
 * On a profiled step (tf.profile), a wasm kernel's failure reaches tfjs's engine as a missing result and
 * surfaces as this TypeError, raised in Engine.runKernelFunc (the kernel's own error is lost).
 */
const WASM_PROFILED = /Cannot read properties of undefined \(reading 'map'\)/;

/** Whether `err` is a backend running out of memory. */
export function isOutOfMemory(err: unknown, backend: string): boolean {
  if (err instanceof OutOfMemoryError) return true;
  if (!(err instanceof Error)) return false;
  const m = err.message;
  if (ANY_BACKEND.some((re) => re.test(m))) return true;
  if (backend !== "wasm") return false;
  if (WASM.some((re) => re.test(m))) return true;
  return WASM_PROFILED.test(m) && (err.stack ?? "").includes("runKernelFunc");
}

/**
 * The backend's crash as an OutOfMemoryError naming the step, the prediction and the backend (the
 * original error kept as `cause`, its first line quoted), or null when `err` is something else. An
 * OutOfMemoryError passes as is. After a crash the prediction is known to be short, so an alternative is
 * named only when core predicts at most two thirds of what the run was predicted (or could hold): core
 * predicts tensor bytes (within 10% on the runs of bench/results/engine-methods.md), while a crash can
 * also come from what it does not model (the process, allocator slack, a backend's own copies).
 */
export function outOfMemoryFrom(err: unknown, ctx: CrashContext): OutOfMemoryError | null {
  if (err instanceof OutOfMemoryError) return err;
  if (!isOutOfMemory(err, ctx.backend)) return null;
  const limit = ctx.host ? memoryLimit(ctx.host) : null;
  const need = ctx.predicted ? neededBytes(ctx.backend, ctx.predicted) : null;
  let figures = "";
  let found: Suggestion[] = [];
  if (need !== null) {
    figures =
      limit === null
        ? ` (predicted ${gib(need)})`
        : need <= limit.bytes
          ? `: core predicted ${gib(need)} and ${limit.says(gib(limit.bytes))}, so the run took more than predicted`
          : `: core predicted ${gib(need)} and ${limit.says(gib(limit.bytes))}`;
    if (ctx.run && ctx.estimate) {
      const target = (Math.min(need, limit?.bytes ?? need) * 2) / 3;
      found = suggestions(ctx.run, ctx.estimate, (e) => neededBytes(ctx.backend, e) <= target, ctx.backend);
    }
  }
  const todo =
    found.length > 0
      ? advice(found, ctx.run!, ctx.estimate!, ctx.backend)
      : need === null || !ctx.run
        ? "try a smaller batch, gradient checkpointing or a lighter method"
        : "it needs a host with more memory, a smaller model or shorter sequences";
  const at = ctx.step === undefined ? "" : ` at step ${ctx.step}`;
  const said = (err as Error).message.split("\n")[0];
  return new OutOfMemoryError({
    field: found[0]?.field ?? (ctx.run && ctx.run.batchSize > 1 ? "batchSize" : "base"),
    message: `ran out of memory${at} on ${ctx.backend}${figures} — ${todo}. The backend said: ${said}`,
    backend: ctx.backend,
    neededBytes: need,
    availableBytes: limit?.bytes ?? null,
    step: ctx.step ?? null,
    cause: err,
  });
}

/** `outOfMemoryFrom(err, ctx) ?? err`: what a catch rethrows. */
export function translateCrash(err: unknown, ctx: CrashContext): unknown {
  return outOfMemoryFrom(err, ctx) ?? err;
}

/** The backend as messages and the guard name it, from initBackend's choice. */
export function backendLabel(choice: { name: string; source: string }): string {
  if (choice.source.includes("native")) return "native";
  if (choice.name === "tensorflow") return choice.source.endsWith("-gpu") ? "tfjs-node-gpu" : "tfjs-node";
  return choice.name;
}

/**
 * What the backend can hold now: TUNELAB_HOST_MEMORY_BYTES when set (tests, or a figure you know
 * better); on tfjs-node-gpu the first visible GPU's free memory (nvidia-smi; unknown without it); else
 * the host's available memory — Linux's MemAvailable, lowered to a cgroup v2 memory.max − memory.current
 * where one is set; os.freemem() elsewhere. TUNELAB_MEMORY_GUARD=off reports nothing known (no check).
 */
export async function readHostMemory(
  choice: { name: string; source: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostMemory> {
  const backend = backendLabel(choice);
  const gpu = backend === "tfjs-node-gpu";
  const holder = gpu ? "the GPU has" : "this host has";
  if (env.TUNELAB_MEMORY_GUARD === "off") return { backend, availableBytes: null, holder };
  const override = env.TUNELAB_HOST_MEMORY_BYTES;
  if (override !== undefined && override !== "") {
    const bytes = Number(override);
    if (!Number.isSafeInteger(bytes) || bytes <= 0)
      throw new ValidationError({
        field: "TUNELAB_HOST_MEMORY_BYTES",
        message: `TUNELAB_HOST_MEMORY_BYTES must be a positive whole number of bytes, got "${override}"`,
      });
    return { backend, availableBytes: bytes, holder };
  }
  if (gpu) return { backend, availableBytes: await gpuFreeBytes(env), holder };
  return { backend, availableBytes: await hostAvailableBytes(), holder };
}

async function hostAvailableBytes(): Promise<number> {
  if (process.platform !== "linux") return freemem();
  const read = (path: string) => readFile(path, "utf8").catch(() => null);
  const [meminfo, max, current] = await Promise.all([
    read("/proc/meminfo"),
    read("/sys/fs/cgroup/memory.max"),
    read("/sys/fs/cgroup/memory.current"),
  ]);
  const kb = meminfo?.match(/^MemAvailable:\s+(\d+) kB/m)?.[1];
  let bytes = kb === undefined ? freemem() : Number(kb) * 1024;
  if (max && current && /^\d+\s*$/.test(max) && /^\d+\s*$/.test(current))
    bytes = Math.min(bytes, Math.max(0, Number(max) - Number(current)));
  return bytes;
}

/** `nvidia-smi --query-gpu=memory.free` of the first visible GPU, or null. */
function gpuFreeBytes(env: NodeJS.ProcessEnv): Promise<number | null> {
  const first = env.CUDA_VISIBLE_DEVICES?.split(",")[0]?.trim();
  const args = ["--query-gpu=memory.free", "--format=csv,noheader,nounits"];
  if (first && /^\d+$/.test(first)) args.push("-i", first);
  return new Promise((resolve) => {
    execFile("nvidia-smi", args, { timeout: 5000 }, (err, stdout) => {
      const mib = err ? Number.NaN : Number(stdout.split("\n")[0]?.trim());
      resolve(Number.isFinite(mib) && mib > 0 ? mib * 1024 * 1024 : null);
    });
  });
}
