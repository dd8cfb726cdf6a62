import { execFile, fork } from "node:child_process";
import { cpus, freemem, totalmem } from "node:os";
import { join } from "node:path";
import type { Device } from "./api.js";

/**
 * What this host offers: GPUs through `nvidia-smi` where present, otherwise the host's memory as one
 * device; the tfjs backend is asked of the engine in a short child process (the native backends
 * initialise in the worker, never in the agent, so a wedged one cannot take the agent down).
 */

interface Gpu {
  name: string;
  totalBytes: number;
  freeBytes: number;
}

const MIB = 1024 * 1024;

/** Parses `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): Gpu[] {
  return csv
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const parts = line.split(",").map((p) => p.trim());
      const free = Number(parts.pop());
      const total = Number(parts.pop());
      if (!Number.isFinite(total) || !Number.isFinite(free) || parts.length === 0) return [];
      return [{ name: parts.join(","), totalBytes: total * MIB, freeBytes: free * MIB }];
    });
}

function nvidiaSmi(): Promise<Gpu[]> {
  if (process.env.TUNELAB_NO_GPU === "1") return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile(
      "nvidia-smi",
      ["--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"],
      { timeout: 5000 },
      (err, stdout) => resolve(err ? [] : parseNvidiaSmi(stdout)),
    );
  });
}

export interface HostDevices {
  devices: Device[];
  gpus: boolean;
}

export async function discoverDevices(): Promise<HostDevices> {
  const gpus = await nvidiaSmi();
  if (gpus.length > 0)
    return { devices: gpus.map((g) => ({ name: g.name, memoryBytes: g.totalBytes })), gpus: true };
  const cpu = cpus()[0]?.model.trim() || "cpu";
  return { devices: [{ name: `host memory (${cpu})`, memoryBytes: totalmem() }], gpus: false };
}

/** Free memory for heartbeats: the GPUs' free memory summed, or the host's. */
export async function freeMemoryBytes(): Promise<number> {
  const gpus = await nvidiaSmi();
  return gpus.length > 0 ? gpus.reduce((a, g) => a + g.freeBytes, 0) : freemem();
}

/** The engine's backend source as the server names backends: tfjs-node-gpu, tfjs-node, native, wasm, cpu. */
export function backendName(source: string): string {
  if (source.includes("tfjs-node-gpu")) return "tfjs-node-gpu";
  if (source.includes("tfjs-node")) return "tfjs-node";
  if (source.startsWith("@tunelab/native")) return "native";
  if (source.includes("wasm")) return "wasm";
  return "cpu";
}

/** The backend the engine chose and why the faster ones before it were skipped (initBackend's answer). */
export interface ProbedBackend {
  /** As the server names it (backendName). */
  name: string;
  /** The package, e.g. "@tensorflow/tfjs-backend-wasm". */
  source: string;
  /** "native: @tunelab/native did not build: …", one per candidate that did not load. */
  skipped: string[];
}

/** The backend line people read: "wasm (@tensorflow/tfjs-backend-wasm); skipped native: …; tensorflow: …". */
export function describeBackend(b: ProbedBackend): string {
  return `${b.name} (${b.source})${b.skipped.length ? `; skipped ${b.skipped.join("; ")}` : ""}`;
}

/** What registerRunner accepts of the skipped reasons: at most 8, each one line of at most 300 characters. */
export const SKIPPED_LIMITS = { entries: 8, chars: 300 } as const;

/** The skipped reasons as the server stores them: control characters as spaces, long ones cut with "…". */
export function skippedForServer(skipped: string[]): string[] {
  return skipped
    .flatMap((s) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
      const line = s.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
      if (line === "") return [];
      return [line.length > SKIPPED_LIMITS.chars ? `${line.slice(0, SKIPPED_LIMITS.chars - 1)}…` : line];
    })
    .slice(0, SKIPPED_LIMITS.entries);
}

/** The backend the engine chooses here (TUNELAB_BACKEND or `force` narrows it), asked of a worker. */
export function probeBackend(force?: string, timeoutMs = 60_000): Promise<ProbedBackend> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, "worker.js"), [], {
      env: { ...process.env, ...(force ? { TUNELAB_BACKEND: force } : {}) },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the engine did not report a backend within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on("message", (m: { type: string; source?: string; skipped?: string[]; message?: string }) => {
      if (m.type === "backend")
        resolve({ name: backendName(m.source!), source: m.source!, skipped: m.skipped ?? [] });
      if (m.type === "error") reject(new Error(m.message));
    });
    child.on("exit", () => clearTimeout(timer));
    child.send({ type: "probe" });
  });
}
