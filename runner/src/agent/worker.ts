import { initBackend } from "../engine/backend.js";
import { type EvaluationJob, type EvaluationResult, runEvaluation } from "../engine/run-evaluation.js";
import {
  type GenerateJob,
  type GenerateResult,
  type GenerationUpdate,
  runGenerate,
} from "../engine/run-generate.js";
import { type MergeJob, type MergeResult, runMerge } from "../engine/run-merge.js";
import { type ProfileJob, type ProfileResult, runProfile } from "../engine/run-profile.js";
import { runTraining, type Sample, type TrainingJob, type TrainingResult } from "../engine/run-training.js";
import type { StepMetrics } from "../engine/train.js";

/**
 * The child process one job trains in (forked by job-runner.ts). A long synchronous tfjs step blocks only
 * this process: the agent keeps heartbeating, and can kill it. IPC messages:
 *   parent → worker: {type:"run", job} | {type:"profile", job} | {type:"generate", job} | {type:"merge", job}
 *                    | {type:"evaluate", job} | {type:"abort"} | {type:"probe"}
 *   worker → parent: {type:"backend", source, skipped} | {type:"metrics", m} | {type:"checkpoint", dir, step}
 *                    | {type:"samples", step, samples} | {type:"generation", u} | {type:"result", result}
 *                    | {type:"error", message}
 * The worker exits when the agent goes away (IPC disconnect), so a killed agent leaves no trainer behind.
 */

export type ToWorker =
  | { type: "run"; job: TrainingJob }
  | { type: "profile"; job: ProfileJob }
  | { type: "generate"; job: GenerateJob }
  | { type: "merge"; job: MergeJob }
  | { type: "evaluate"; job: EvaluationJob }
  | { type: "abort" }
  | { type: "probe" };
export type WorkerResult =
  | Omit<TrainingResult, "history">
  | ProfileResult
  | GenerateResult
  | MergeResult
  | EvaluationResult;
/** The messages that start a job in the worker. */
export type WorkerJob = ToWorker & { type: "run" | "profile" | "generate" | "merge" | "evaluate" };
export type FromWorker =
  | { type: "backend"; source: string; skipped: string[] }
  | { type: "metrics"; m: StepMetrics }
  | { type: "checkpoint"; dir: string; step: number }
  | { type: "samples"; step: number; samples: Sample[] }
  | { type: "generation"; u: GenerationUpdate }
  | { type: "result"; result: WorkerResult }
  | { type: "error"; message: string };

function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

async function run(m: WorkerJob, controller: AbortController): Promise<void> {
  const backend = await initBackend();
  await send({ type: "backend", source: backend.source, skipped: backend.skipped });
  const onMetrics = (metrics: StepMetrics) => void send({ type: "metrics", m: metrics });
  if (m.type === "merge") {
    // a merge has no steps to stop between: a cancel waits for it or, after the grace period, kills it
    await send({ type: "result", result: await runMerge(m.job) });
    return;
  }
  if (m.type === "generate") {
    const onUpdate = (u: GenerationUpdate) => void send({ type: "generation", u });
    await send({ type: "result", result: await runGenerate(m.job, { signal: controller.signal, onUpdate }) });
    return;
  }
  if (m.type === "profile") {
    await send({ type: "result", result: await runProfile(m.job, { signal: controller.signal, onMetrics }) });
    return;
  }
  if (m.type === "evaluate") {
    const result = await runEvaluation(m.job);
    if (result.samples.length > 0) await send({ type: "samples", step: 0, samples: result.samples });
    await send({ type: "result", result });
    return;
  }
  const { history: _history, ...result } = await runTraining(m.job, {
    signal: controller.signal,
    onMetrics,
    onCheckpoint: (dir, step) => void send({ type: "checkpoint", dir, step }),
    onSamples: (step, samples) => void send({ type: "samples", step, samples }),
  });
  await send({ type: "result", result });
}

if (require.main === module) {
  const controller = new AbortController();
  process.on("disconnect", () => process.exit(1));
  // the agent owns the stop protocol: a Ctrl-C on the terminal (or systemd's SIGTERM to the whole
  // cgroup) reaches the worker too, which waits for the agent's abort message or SIGKILL instead
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => {});
  process.on("message", (m: ToWorker) => {
    if (m.type === "abort") controller.abort();
    else if (m.type === "probe")
      initBackend()
        .then((b) => send({ type: "backend", source: b.source, skipped: b.skipped }))
        .catch((e: Error) => send({ type: "error", message: e.message }))
        .finally(() => process.exit(0));
    else if (
      m.type === "run" ||
      m.type === "profile" ||
      m.type === "generate" ||
      m.type === "merge" ||
      m.type === "evaluate"
    )
      run(m, controller)
        .then(() => process.exit(0))
        .catch(async (e: Error) => {
          await send({ type: "error", message: e.message || String(e) });
          process.exit(1);
        });
  });
}
