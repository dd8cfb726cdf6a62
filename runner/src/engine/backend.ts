import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { NATIVE_BACKEND, registerNativeBackend } from "./native/backend.js";

/**
 * Chooses the tfjs backend once per process: tfjs-node-gpu → tfjs-node → native → wasm → cpu, the first
 * that loads, or the one TUNELAB_BACKEND names. The tfjs-node packages are optional dependencies (they
 * download libtensorflow at install) and are required lazily so a missing one is simply skipped. "native"
 * is our own addon over the system BLAS (native/, built at install; native/backend.ts): it needs no
 * download and has no 4 GB ceiling, and when it did not build, `skipped` says why.
 * On wasm two gaps of tfjs 4.22 are fixed before the backend starts (see shared/reference/tfjs.md):
 * transposed BatchMatMul is 10–40× slower than plain, and UnsortedSegmentSum (the gradient of gather,
 * i.e. of trainable embeddings) is not registered.
 */

export const BACKENDS = ["tensorflow-gpu", "tensorflow", "native", "wasm", "cpu"] as const;
export type BackendName = "tensorflow" | "native" | "wasm" | "cpu";

export interface BackendChoice {
  /** tfjs's own backend name ("tensorflow" for both native packages). */
  name: BackendName;
  /** Which package provided it, e.g. "@tensorflow/tfjs-node-gpu". */
  source: string;
  /** Why the earlier candidates were skipped. */
  skipped: string[];
}

let chosen: BackendChoice | undefined;

export class BackendError extends Error {
  readonly field = "TUNELAB_BACKEND";
}

/** Selects (once) and returns the backend; `force` overrides TUNELAB_BACKEND. */
export async function initBackend(force = process.env.TUNELAB_BACKEND): Promise<BackendChoice> {
  if (chosen && (force === undefined || force === "" || matches(chosen, force))) return chosen;
  const candidates = force ? [force] : [...BACKENDS];
  const skipped: string[] = [];
  for (const candidate of candidates) {
    try {
      const choice = await tryBackend(candidate);
      chosen = { ...choice, skipped };
      return chosen;
    } catch (err) {
      skipped.push(`${candidate}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  throw new BackendError(`no tfjs backend loaded (${skipped.join("; ")})`);
}

function matches(choice: BackendChoice, name: string): boolean {
  return name === choice.name || (name === "tensorflow-gpu" && choice.source.endsWith("-gpu"));
}

async function tryBackend(candidate: string): Promise<Omit<BackendChoice, "skipped">> {
  switch (candidate) {
    case "tensorflow-gpu":
    case "tensorflow": {
      const source = candidate === "tensorflow-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
      require(source); // registers the "tensorflow" backend with the tfjs-core this package shares
      await setBackend("tensorflow");
      return { name: "tensorflow", source };
    }
    case "native": {
      const info = registerNativeBackend().info();
      await setBackend(NATIVE_BACKEND);
      return {
        name: "native",
        source: `@tunelab/native (${info.blas.split(" ")[0]}, ${info.threads} threads)`,
      };
    }
    case "wasm":
      await useWasm();
      return { name: "wasm", source: "@tensorflow/tfjs-backend-wasm" };
    case "cpu":
      await setBackend("cpu");
      return { name: "cpu", source: "@tensorflow/tfjs (cpu)" };
    default:
      throw new BackendError(`unknown backend "${candidate}" (one of ${BACKENDS.join(", ")})`);
  }
}

async function setBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
  await tf.ready();
  adviceAnswered(tf.backend());
}

/**
 * tfjs's cpu backend (and so `native`, built on it) prints "install our node backend" on its first tensor
 * in Node. Here that advice is already answered: the chain above tried tfjs-node first and `skipped` says
 * why it did not load (the runner reports it), so the banner would only repeat it in every process.
 */
function adviceAnswered(backend: tf.KernelBackend): void {
  if ("firstUse" in backend) (backend as { firstUse: boolean }).firstUse = false;
}

let wasmPatched = false;

/** Switches to wasm with the kernel fixes; also what tests call to compare 'cpu' with 'wasm'. */
export async function useWasm(): Promise<void> {
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
  if (!wasmPatched) {
    wasm.setWasmPaths(
      `${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"))}/`,
    );
    patchBatchMatMul();
    registerUnsortedSegmentSum();
    wasmPatched = true;
  }
  await setBackend("wasm");
  chosen = { name: "wasm", source: "@tensorflow/tfjs-backend-wasm", skipped: [] };
}

/** Switches to the native backend (tests); throws when the addon is unavailable. */
export async function useNative(): Promise<void> {
  const choice = await tryBackend("native");
  chosen = { ...choice, skipped: [] };
}

/** Switches to the reference 'cpu' backend (tests). */
export async function useCpu(): Promise<void> {
  await setBackend("cpu");
  chosen = { name: "cpu", source: "@tensorflow/tfjs (cpu)", skipped: [] };
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** BatchMatMul with transposeA/B done by the wasm Transpose kernel first, then the fast plain kernel. */
function patchBatchMatMul(): void {
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!original || !transpose) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      const temps: tf.TensorInfo[] = [];
      const swapLast = (x: tf.TensorInfo) => {
        const perm = x.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        const y = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
        temps.push(y);
        return y;
      };
      const out = original.kernelFunc({
        inputs: { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      for (const t of temps) (backend as tf.KernelBackend).disposeData(t.dataId);
      return out;
    },
  });
}

interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** out[s] = Σ_{i: segmentIds[i] = s} x[i] over the first axis, on the host (gather's gradient). */
function registerUnsortedSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm")) return;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const wasm = backend as unknown as WasmBackendLike;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const xs = wasm.readSync(x.dataId);
      const ids = wasm.readSync(segmentIds.dataId);
      const inner = x.shape.slice(segmentIds.shape.length).reduce((p, q) => p * q, 1);
      const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
      const data = wasm.typedArrayFromHeap(out);
      data.fill(0);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i]!;
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < inner; j++) data[s * inner + j]! += xs[i * inner + j]!;
      }
      return out;
    },
  });
}

/**
 * The GPU's own figure for this process, on tfjs-node-gpu: `nvidia-smi`'s used memory of the compute
 * app with our pid (TensorFlow's allocator holds what it reserved, so this is the process's GPU footprint,
 * not tf.memory()'s live tensors). null where the backend is not the GPU build or nvidia-smi gives none.
 */
export async function gpuMemoryBytes(choice: BackendChoice, pid = process.pid): Promise<number | null> {
  if (!choice.source.endsWith("-gpu")) return null;
  const { execFile } = await import("node:child_process");
  const out = await new Promise<string | null>((done) => {
    execFile(
      "nvidia-smi",
      ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
      { timeout: 5000 },
      (err, stdout) => done(err ? null : stdout),
    );
  });
  return out === null ? null : parseComputeApps(out, pid);
}

/** Bytes used by `pid` in `nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits`. */
export function parseComputeApps(csv: string, pid: number): number | null {
  let mib: number | null = null;
  for (const line of csv.split("\n")) {
    const [p, used] = line.split(",").map((x) => x.trim());
    if (Number(p) === pid && used !== undefined && /^\d+$/.test(used)) mib = (mib ?? 0) + Number(used);
  }
  return mib === null ? null : mib * 1024 * 1024;
}
