import { formatBytes } from "@tunelab/core";
/** What the dispatcher knows about an online runner when placing a run. */
export interface RunnerCapacity {
  labels: readonly string[];
  devices: readonly { name: string; memoryBytes: number }[];
}

/** What a queued run requires: labels it asks for and memory predicted by core's estimateMemory. */
export interface RunRequirement {
  labels: readonly string[];
  predictedMemoryBytes: number;
}

/** Why a run cannot be placed on a runner; null when it fits. Shown as the run's status reason. */
export function placementRefusal(run: RunRequirement, runner: RunnerCapacity): string | null {
  const missing = run.labels.filter((l) => !runner.labels.includes(l));
  if (missing.length > 0) return `runner lacks labels: ${missing.join(", ")}`;
  const largest = Math.max(0, ...runner.devices.map((d) => d.memoryBytes));
  if (largest < run.predictedMemoryBytes) {
    return `needs ${run.predictedMemoryBytes} bytes, largest device has ${largest}`;
  }
  return null;
}

/** A lease has expired once its holder has not renewed it for leaseMs. */
export function leaseExpired(lastRenewedAt: Date, leaseMs: number, now: Date): boolean {
  return now.getTime() - lastRenewedAt.getTime() >= leaseMs;
}

/** Delay before requeued attempt n (1-based): doubling from baseMs, capped at maxMs. */
export function retryBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** An online runner as the placement-reason check sees it. */
export interface OnlineRunner {
  labels: readonly string[];
  maxDeviceMemoryBytes: number;
}

/**
 * Why a QUEUED run fits none of the online runners (its status reason), or null when at least one of
 * them could take it (it waits for a free slot).
 */
export function unplacedReason(run: RunRequirement, online: readonly OnlineRunner[]): string | null {
  if (online.length === 0) return "waiting: no runner is online";
  const labelled = online.filter((r) => run.labels.every((l) => r.labels.includes(l)));
  if (labelled.length === 0) return `needs labels ${run.labels.join(", ")}; no online runner has them`;
  const largest = Math.max(...labelled.map((r) => r.maxDeviceMemoryBytes));
  if (largest >= run.predictedMemoryBytes) return null;
  const which =
    run.labels.length > 0 ? `online runner with labels ${run.labels.join(", ")}` : "online runner";
  return `needs ${formatBytes(run.predictedMemoryBytes)}; largest ${which} has ${formatBytes(largest)}`;
}
