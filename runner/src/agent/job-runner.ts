import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, link, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Dtype } from "@tunelab/core";
import type { Logger } from "pino";
import type { EvaluationJob } from "../engine/run-evaluation.js";
import type { GenerateJob } from "../engine/run-generate.js";
import type { MergeJob } from "../engine/run-merge.js";
import type { ProfileJob } from "../engine/run-profile.js";
import type { Sample, TrainingJob } from "../engine/run-training.js";
import type { StepMetrics } from "../engine/train.js";
import {
  ApiError,
  type DatasetRow,
  type FileRef,
  type FileUpload,
  type Job,
  type JobSpec,
  type RunnerApi,
  StagedFiles,
  sleep,
  withRetry,
} from "./api.js";
import type { AgentMetrics } from "./metrics-server.js";
import type { Progress } from "./progress.js";
import { MetricBatcher, type MetricSpool, metricPoints } from "./spool.js";
import { GenerationReporter } from "./generation-reporter.js";
import type { FromWorker, ToWorker, WorkerJob, WorkerResult } from "./worker.js";

/**
 * One job, start to finish (buildkite's job runner): tell the server the job started before anything
 * else; fetch the dataset rows and the base model (cached on disk by content hash) and the checkpoint to
 * resume from; train in a child process (worker.ts); stream metrics in batches through the spool; upload
 * each checkpoint once the metrics up to it are on the server; at the end upload the adapter (or model
 * folder), report samples and complete. Errors → failJob(error, retryable).
 *
 * Cancel protocol (idempotent, with a reason): abort message → `graceMs` → SIGKILL. `cancel` is the
 * server's (the run ends CANCELLED), `interrupt` the operator's "stop now" (the job is reported
 * interrupted, retryable, and resumes elsewhere from its last checkpoint).
 */

/** The job kinds this agent runs; another kind fails at once (not retryable), naming it. */
const RUNS: readonly JobSpec["kind"][] = ["TRAIN", "PRETRAIN", "PROFILE", "GENERATE", "MERGE", "EVALUATE"];

export type JobOutcome = "succeeded" | "cancelled" | "failed" | "interrupted" | "lost";

export interface JobRunnerDeps {
  api: RunnerApi;
  logger: Logger;
  spool: MetricSpool;
  progress: Progress;
  metrics: AgentMetrics;
  /** Per-job folders (data, checkpoints, output) go under `${workDir}/jobs`. */
  workDir: string;
  /** Datasets, blobs (by sha256) and model folders. */
  cacheDir: string;
  graceMs: number;
  metricsEverySteps: number;
  metricsEveryMs: number;
  /** Forces the engine's backend in the worker (TUNELAB_BACKEND). */
  backend?: string;
  /** How long the final reports keep retrying while the server is away. */
  finalizeTimeoutMs?: number;
}

class PrepareError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export class JobRunner {
  readonly id: string;
  private worker: ChildProcess | null = null;
  private stopRequest: { kind: "cancel" | "interrupt"; reason: string } | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private uploads: Promise<void> = Promise.resolve();
  private readonly batcher: MetricBatcher;
  private readonly done = new AbortController();
  private readonly log: Logger;
  private lastStep = 0;
  /** A GENERATE job's outputs on their way to the server. */
  private generations: GenerationReporter | null = null;

  constructor(
    readonly job: Job,
    private readonly deps: JobRunnerDeps,
  ) {
    this.id = job.id;
    this.log = deps.logger.child({ jobId: job.id, runId: job.runId, attempt: job.attempt });
    this.batcher = new MetricBatcher(job.id, deps.spool, {
      everySteps: deps.metricsEverySteps,
      everyMs: deps.metricsEveryMs,
    });
  }

  get stopping(): string | null {
    return this.stopRequest?.kind ?? null;
  }

  /** The server asked to cancel: abort → grace → kill. Idempotent; the first reason wins. */
  cancel(reason: string): void {
    this.stop("cancel", reason);
  }

  /** The operator said stop now: abort → grace → kill, then report the job interrupted (retryable). */
  interrupt(reason: string): void {
    this.stop("interrupt", reason);
  }

  private stop(kind: "cancel" | "interrupt", reason: string): void {
    if (this.stopRequest) return;
    this.stopRequest = { kind, reason };
    this.log.info({ kind, reason, graceMs: this.deps.graceMs }, "stopping the job");
    this.abortWorker();
  }

  private abortWorker(): void {
    const w = this.worker;
    if (!w || w.exitCode !== null || w.signalCode !== null) return;
    if (w.connected) w.send({ type: "abort" } satisfies ToWorker);
    this.killTimer ??= setTimeout(() => {
      if (w.exitCode === null && w.signalCode === null) {
        this.log.warn(
          { graceMs: this.deps.graceMs },
          "the worker did not stop within the grace period: killing it",
        );
        w.kill("SIGKILL");
      }
    }, this.deps.graceMs);
  }

  async run(): Promise<JobOutcome> {
    const outcome = await this.execute().catch((err: Error) => {
      this.log.error({ err: err.message }, "job runner failed");
      return "failed" as const;
    });
    this.done.abort();
    if (this.killTimer) clearTimeout(this.killTimer);
    this.deps.progress.finish(this.id, outcome);
    this.deps.metrics.jobs.inc({ outcome });
    await rm(join(this.deps.workDir, "jobs", this.id), { recursive: true, force: true }).catch(() => {});
    return outcome;
  }

  private async execute(): Promise<JobOutcome> {
    const { api } = this.deps;
    const spec = this.job.spec;
    // 1. tell the server the job started, before anything else
    try {
      await withRetry(() => api.startJob(this.id), {
        deadline: Date.now() + 60_000,
        onRetry: this.retryLog("startJob"),
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "the server did not let this job start");
      return "lost";
    }
    if (this.stopRequest) return this.finishStopped(null);
    if (!RUNS.includes(spec.kind)) return this.fail(`this runner does not run ${spec.kind} jobs`, false);
    const total = spec.hyperparameters.steps;
    this.deps.progress.start(this.id, { runId: spec.runId, method: spec.method.method, total });
    // 2. inputs
    let training: WorkerJob;
    try {
      training = await this.prepareJob(spec);
    } catch (err) {
      const retryable =
        err instanceof PrepareError ? err.retryable : err instanceof ApiError && err.retryable;
      return this.fail(`preparing the job: ${(err as Error).message}`, retryable);
    }
    if (this.stopRequest) return this.finishStopped(null);
    // 3. train in a worker
    const { result, error, exit } = await this.train(training);
    if (this.stopRequest) return this.finishStopped(result);
    if (result && "cancelled" in result && result.cancelled)
      return this.fail("the training stopped before its last step", true);
    if (result && "evaluated" in result)
      // the eval loss as a training run's eval step reports it (the comparison's final eval loss)
      this.batcher.add([{ key: "eval_loss", step: 0, value: result.evalLoss, wallTimeMs: Date.now() }]);
    if (result) return this.succeed(result);
    if (error) return this.fail(error, false);
    // nothing here kills the worker unasked: a SIGKILL is most often the kernel's out-of-memory killer
    const oomKiller =
      exit === "signal SIGKILL" ? "; the host's out-of-memory killer sends it when memory runs out" : "";
    return this.fail(`the training worker exited unexpectedly (${exit}${oomKiller})`, true);
  }

  /** The worker's message for the job's kind, its inputs downloaded and written. */
  private async prepareJob(spec: JobSpec): Promise<WorkerJob> {
    switch (spec.kind) {
      case "PROFILE":
        return { type: "profile", job: await this.prepareProfile(spec) };
      case "GENERATE":
        return { type: "generate", job: await this.prepareGenerate(spec) };
      case "MERGE":
        return { type: "merge", job: await this.prepareMerge(spec) };
      case "EVALUATE":
        return { type: "evaluate", job: await this.prepareEvaluation(spec) };
      default:
        return { type: "run", job: await this.prepare(spec) };
    }
  }

  private retryLog(what: string) {
    return (e: ApiError, waitMs: number) =>
      this.log.warn({ err: e.message, retryInMs: Math.round(waitMs) }, `${what} failed; retrying`);
  }

  private dir(...parts: string[]): string {
    return join(this.deps.workDir, "jobs", this.id, ...parts);
  }

  /**
   * The playground: the base and each adapter's folder (cached by artifact id); the worker streams each
   * output's text, sent to the server every ~50 ms by the reporter.
   */
  private async prepareGenerate(spec: JobSpec): Promise<GenerateJob> {
    const g = spec.generate;
    if (!g) throw new PrepareError("a GENERATE job's spec has no generate part", false);
    const adapters = [];
    for (const a of spec.adapters ?? [])
      adapters.push({
        adapterId: a.id,
        dir: await this.artifactFolder("adapters", a.artifactId, a.files),
        method: a.method,
      });
    this.generations = new GenerationReporter(async (outputs) => {
      try {
        await withRetry(() => this.deps.api.reportGenerations(this.id, outputs), {
          signal: this.done.signal,
          onRetry: this.retryLog("reportGenerations"),
        });
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "generations not reported");
      }
    });
    return {
      base: await this.baseModel(spec),
      baseSeed: spec.hyperparameters.seed,
      prompt: g.prompt,
      sampling: g.sampling,
      outputs: [...(g.includeBase ? [{ adapterId: null, dir: null }] : []), ...adapters],
    };
  }

  /** A cost profile reads no dataset: random tokens of the run's batch × seqLen (run-profile.ts). */
  private async prepareProfile(spec: JobSpec): Promise<ProfileJob> {
    const h = spec.hyperparameters;
    return {
      base: await this.baseModel(spec),
      method: spec.method,
      steps: h.steps,
      batchSize: h.batchSize ?? 1,
      seqLen: h.seqLen ?? 32,
      options: {
        lr: h.learningRate,
        seed: h.seed,
        gradientCheckpointing: h.gradientCheckpointing,
        dtype: h.dtype as Dtype | undefined, // the engine refuses one it does not know, naming dtype
      },
    };
  }

  /** A MERGE job: the adapter's base and folder; the merged model folder is written to output/ and uploaded. */
  private async prepareMerge(spec: JobSpec): Promise<MergeJob> {
    await mkdir(this.dir(), { recursive: true });
    const adapterDir = await this.adapterFolder(spec);
    if (!adapterDir || !spec.adapter)
      throw new PrepareError("a MERGE run needs an adapter; this one has none", false);
    return {
      base: await this.baseModel(spec),
      adapterDir,
      method: spec.adapter.method,
      outputDir: this.dir("output"),
      options: {
        seed: spec.hyperparameters.seed,
        dtype: spec.hyperparameters.dtype as Dtype | undefined,
      },
    };
  }

  /**
   * An evaluation trains nothing: the dataset's EVAL rows, the general set, the adapter's folder (none: the
   * base alone) and the base.
   */
  private async prepareEvaluation(spec: JobSpec): Promise<EvaluationJob> {
    await mkdir(this.dir(), { recursive: true });
    const h = spec.hyperparameters;
    if (!spec.dataset) throw new PrepareError("an EVALUATE run needs a dataset; this one has none", false);
    const evalRows = (await this.datasetRows(spec.dataset.id, spec.dataset.contentHash)).filter(
      (r) => r.split === "EVAL",
    );
    if (evalRows.length === 0)
      throw new PrepareError(`dataset ${spec.dataset.id} has no EVAL rows to evaluate on`, false);
    await writeFile(this.dir("eval.jsonl"), toJsonl(evalRows));
    let generalData: string | undefined;
    if (spec.generalDataset) {
      const general = await this.datasetRows(spec.generalDataset.id, spec.generalDataset.contentHash);
      generalData = this.dir("general.jsonl");
      await writeFile(generalData, toJsonl(general));
    }
    return {
      base: await this.baseModel(spec),
      adapter: await this.adapterFolder(spec),
      method: spec.adapter?.method,
      evalData: this.dir("eval.jsonl"),
      generalData,
      samplePrompts: h.samplePrompts ?? [],
      maxSeqLen: h.seqLen,
      batchSize: h.batchSize,
      seed: h.seed,
      dtype: h.dtype as Dtype | undefined,
    };
  }

  private async prepare(spec: JobSpec): Promise<TrainingJob> {
    await mkdir(this.dir(), { recursive: true });
    const h = spec.hyperparameters;
    if (!spec.dataset) throw new PrepareError(`a ${spec.kind} run needs a dataset; this one has none`, false);
    const rows = await this.datasetRows(spec.dataset.id, spec.dataset.contentHash);
    const train = rows.filter((r) => r.split !== "EVAL");
    const evalRows = rows.filter((r) => r.split === "EVAL");
    if (rows.length === 0) throw new PrepareError(`dataset ${spec.dataset.id} has no rows`, false);
    // the server's split is the one reported: the engine trains on its TRAIN rows and evaluates its EVAL rows
    await writeFile(this.dir("data.jsonl"), toJsonl(train.length > 0 ? train : rows));
    await writeFile(this.dir("eval.jsonl"), toJsonl(evalRows));
    let generalData: string | undefined;
    if (spec.generalDataset) {
      const general = await this.datasetRows(spec.generalDataset.id, spec.generalDataset.contentHash);
      generalData = this.dir("general.jsonl");
      await writeFile(generalData, toJsonl(general));
    }
    let resumeFrom: string | undefined;
    if (spec.resumeFrom) {
      resumeFrom = this.dir("resume");
      for (const f of spec.resumeFrom.files)
        await withRetry(
          () =>
            this.deps.api.downloadArtifactFile(
              spec.resumeFrom!.artifactId,
              f.name,
              join(resumeFrom!, f.name),
              f.sha256,
            ),
          { deadline: Date.now() + 120_000, onRetry: this.retryLog("checkpoint download") },
        );
      this.log.info(
        { step: spec.resumeFrom.step, artifactId: spec.resumeFrom.artifactId },
        "resuming from a checkpoint",
      );
    }
    const options = Object.fromEntries(
      Object.entries({
        batchSize: h.batchSize,
        accumulation: h.gradientAccumulation,
        lr: h.learningRate,
        warmupSteps: h.warmupSteps,
        seed: h.seed,
        evalEvery: h.evalEvery,
        checkpointEvery: h.checkpointEvery,
        gradientCheckpointing: h.gradientCheckpointing,
        dtype: h.dtype,
      }).filter(([, v]) => v !== undefined && v !== null),
    ) as TrainingJob["options"];
    return {
      base: await this.baseModel(spec),
      data: this.dir("data.jsonl"),
      method: spec.kind === "PRETRAIN" ? { method: "full" } : spec.method,
      steps: h.steps,
      maxSeqLen: h.seqLen,
      packing: spec.kind === "PRETRAIN",
      evalData: this.dir("eval.jsonl"),
      outputDir: this.dir("output"),
      checkpointDir: this.dir("checkpoints"),
      resumeFrom,
      generalData,
      samplePrompts: h.samplePrompts?.length ? h.samplePrompts : undefined,
      options,
    };
  }

  /** Rows of a dataset, cached by content hash (datasets are immutable). */
  private async datasetRows(datasetId: string, contentHash: string): Promise<DatasetRow[]> {
    const file = join(this.deps.cacheDir, "datasets", `${safe(datasetId)}-${safe(contentHash)}.json`);
    if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as DatasetRow[];
    const rows = await withRetry(() => this.deps.api.datasetRows(this.id, datasetId), {
      deadline: Date.now() + 120_000,
      onRetry: this.retryLog("dataset download"),
    });
    await mkdir(join(this.deps.cacheDir, "datasets"), { recursive: true });
    // concurrent jobs may fetch the same dataset: each writes its own temp file, the rename is atomic
    const tmp = `${file}.${this.id}.tmp`;
    await writeFile(tmp, JSON.stringify(rows));
    await rename(tmp, file);
    return rows;
  }

  /** A host path as is; a weights artifact as a folder of cached blobs; a preset as a fresh model. */
  private async baseModel(spec: JobSpec): Promise<string> {
    const b = spec.baseModel;
    if (b.hostPath) return b.hostPath;
    if (b.weights) return this.artifactFolder("models", b.weights.artifactId, b.weights.files);
    if (b.preset) return b.preset;
    throw new PrepareError(`base model ${b.name} has no weights, host path or preset`, false);
  }

  /** The adapter an EVALUATE, MERGE or GENERATE job works on, as a folder of cached blobs; null: none. */
  private async adapterFolder(spec: JobSpec): Promise<string | null> {
    const a = spec.adapter;
    if (!a) return null;
    if (a.files.length === 0) throw new PrepareError(`adapter ${a.id} has no files`, false);
    return this.artifactFolder("adapters", a.artifactId, a.files);
  }

  /** An artifact's files under `cache/<kind>/<artifactId>/`, hard links to blobs cached by sha256. */
  private async artifactFolder(kind: string, artifactId: string, files: FileRef[]): Promise<string> {
    const folder = join(this.deps.cacheDir, kind, safe(artifactId));
    await mkdir(folder, { recursive: true });
    for (const f of files) {
      const blob = await this.blob(artifactId, f);
      const dest = join(folder, f.name);
      if (!existsSync(dest))
        await link(blob, dest).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== "EEXIST") await copyFile(blob, dest);
        });
    }
    return folder;
  }

  private async blob(artifactId: string, f: FileRef): Promise<string> {
    const path = join(this.deps.cacheDir, "blobs", safe(f.sha256));
    if (existsSync(path)) return path;
    await withRetry(() => this.deps.api.downloadArtifactFile(artifactId, f.name, path, f.sha256), {
      deadline: Date.now() + 300_000,
      onRetry: this.retryLog("artifact download"),
    });
    return path;
  }

  private train(
    message: WorkerJob,
  ): Promise<{ result: WorkerResult | null; error: string | null; exit: string }> {
    return new Promise((resolve) => {
      const worker = fork(join(__dirname, "worker.js"), [], {
        env: { ...process.env, ...(this.deps.backend ? { TUNELAB_BACKEND: this.deps.backend } : {}) },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      });
      this.worker = worker;
      // whatever the engine prints (tfjs notices, warnings) becomes log lines of this job
      for (const stream of [worker.stdout!, worker.stderr!])
        createInterface({ input: stream }).on("line", (line) => {
          if (line.trim() && !/^=+$/.test(line.trim())) this.log.info({ worker: line }, "worker output");
        });
      this.deps.metrics.jobsRunning.inc();
      let result: WorkerResult | null = null;
      let error: string | null = null;
      worker.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "backend":
            this.log.info({ backend: m.source, skipped: m.skipped, workerPid: worker.pid }, "training");
            break;
          case "metrics":
            this.onMetrics(m.m);
            break;
          case "checkpoint":
            this.onCheckpoint(m.dir, m.step);
            break;
          case "samples":
            this.onSamples(m.step, m.samples);
            break;
          case "generation":
            this.generations?.add(m.u);
            break;
          case "result":
            result = m.result;
            break;
          case "error":
            error = m.message;
            break;
        }
      });
      worker.on("exit", (code, signal) => {
        this.deps.metrics.jobsRunning.dec();
        this.worker = null;
        if (this.killTimer) clearTimeout(this.killTimer);
        resolve({ result, error, exit: signal ? `signal ${signal}` : `code ${code}` });
      });
      worker.send(message satisfies ToWorker);
      if (this.stopRequest) this.abortWorker();
    });
  }

  private onMetrics(m: StepMetrics): void {
    this.lastStep = m.step;
    this.deps.metrics.steps.inc();
    this.batcher.add(metricPoints(m));
    this.deps.progress.update(this.id, {
      runId: this.job.spec.runId,
      method: this.job.spec.method.method,
      step: m.step,
      total: this.job.spec.hyperparameters.steps,
      loss: m.trainLoss,
      tokensPerSecond: m.tokensPerSecond,
      msPerStep: m.msPerStep,
    });
  }

  /** Each eval step's sample completions, sent in order with the uploads (the server keeps one per step). */
  private onSamples(step: number, samples: Sample[]): void {
    const rows = samples.map((s) => ({ prompt: s.prompt, output: s.completion, step }));
    this.uploads = this.uploads.then(async () => {
      try {
        await withRetry(() => this.deps.api.reportSamples(this.id, rows), {
          signal: this.done.signal,
          onRetry: this.retryLog("reportSamples"),
        });
      } catch (err) {
        this.log.warn({ step, err: (err as Error).message }, "samples not reported");
      }
    });
  }

  /** Uploads in order; each waits until the metrics up to its step are on the server. */
  private onCheckpoint(dir: string, step: number): void {
    this.uploads = this.uploads.then(async () => {
      try {
        await this.drainMetrics(Number.POSITIVE_INFINITY);
        const files = await folderFiles(dir);
        const staged = new StagedFiles(); // a retry reuses what an earlier try staged
        await withRetry(() => this.deps.api.uploadCheckpoint(this.id, step, files, staged), {
          signal: this.done.signal,
          onRetry: this.retryLog("checkpoint upload"),
        });
        this.log.info({ step }, "checkpoint uploaded");
      } catch (err) {
        this.log.warn({ step, err: (err as Error).message }, "checkpoint not uploaded");
      } finally {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
      }
    });
  }

  /** Sends the batch and everything spooled for this job; waits (with backoff) while the server is away. */
  private async drainMetrics(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      await this.batcher.flush();
      if (this.deps.spool.size(this.id) === 0) return true;
      if (Date.now() > deadline || (this.done.signal.aborted && timeoutMs === Number.POSITIVE_INFINITY))
        return false;
      await sleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)), this.done.signal);
    }
  }

  private finalizeDeadline(): number {
    return Date.now() + (this.deps.finalizeTimeoutMs ?? 10 * 60_000);
  }

  private async succeed(result: WorkerResult): Promise<JobOutcome> {
    const { api } = this.deps;
    const deadline = this.finalizeDeadline();
    try {
      await this.drainMetrics(deadline - Date.now());
      await Promise.race([this.uploads, sleep(deadline - Date.now(), this.done.signal)]);
      await this.generations?.flush();
      if ("outputDir" in result && result.outputDir) {
        const files = await folderFiles(result.outputDir);
        const staged = new StagedFiles(); // a retry reuses what an earlier try staged
        await withRetry(() => api.uploadAdapter(this.id, files, staged), {
          deadline,
          onRetry: this.retryLog("adapter upload"),
        });
      }
      await withRetry(() => api.completeJob(this.id, summary(result)), {
        deadline,
        onRetry: this.retryLog("completeJob"),
      });
    } catch (err) {
      // the server checked the result and said what is wrong with it: the run fails saying so (the same
      // result would be refused again, so not retryable), rather than waiting out the lease
      if (err instanceof ApiError && err.code === "BAD_USER_INPUT")
        return this.fail(`the server refused the result: ${err.message}`, false);
      if (err instanceof ApiError && !err.retryable) {
        this.log.warn({ err: err.message }, "the server refused the result (the job is no longer ours?)");
        return "lost";
      }
      return this.fail(`reporting the result: ${(err as Error).message}`, true);
    }
    this.log.info(
      "tokens" in result
        ? { tokens: result.tokens, tokensPerSecond: result.tokensPerSecond }
        : { steps: result.steps, measuredPeakBytes: result.measuredPeakBytes },
      "job succeeded",
    );
    return "succeeded";
  }

  private async finishStopped(result: WorkerResult | null): Promise<JobOutcome> {
    const stop = this.stopRequest!;
    const deadline = this.finalizeDeadline();
    if (stop.kind === "cancel") {
      await this.drainMetrics(deadline - Date.now());
      await this.generations?.flush(); // a cancelled playground keeps the text it had
    }
    if (stop.kind === "interrupt") {
      // stopping now: a server that does not answer soon learns it from the lease instead
      await this.fail(`interrupted at step ${this.lastStep}: ${stop.reason}`, true, 10_000);
      return "interrupted";
    }
    try {
      if (result)
        await withRetry(() => this.deps.api.completeJob(this.id, summary(result)), {
          deadline,
          onRetry: this.retryLog("completeJob"),
        });
      else
        await withRetry(() => this.deps.api.failJob(this.id, `cancelled: ${stop.reason}`, false), {
          deadline,
          onRetry: this.retryLog("failJob"),
        });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not report the cancelled job");
    }
    return "cancelled";
  }

  private async fail(error: string, retryable: boolean, timeoutMs?: number): Promise<JobOutcome> {
    this.log.warn({ error, retryable }, "job failed");
    await this.drainMetrics(Math.min(10_000, timeoutMs ?? 10_000));
    await this.generations?.flush(); // what was generated stays readable beside the error
    try {
      await withRetry(() => this.deps.api.failJob(this.id, error, retryable), {
        deadline: timeoutMs === undefined ? this.finalizeDeadline() : Date.now() + timeoutMs,
        onRetry: this.retryLog("failJob"),
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not report the failure");
    }
    return "failed";
  }
}

/**
 * What completeJob stores: the engine's result without the history and the local output path (a GENERATE
 * job's texts are the session's outputs, already reported: not repeated in the run's result).
 */
function summary(result: WorkerResult): Record<string, unknown> {
  if ("outputs" in result) {
    const { outputs: _outputs, ...rest } = result;
    return rest as unknown as Record<string, unknown>;
  }
  if (!("outputDir" in result)) return result as unknown as Record<string, unknown>;
  const { outputDir: _outputDir, ...rest } = result;
  return rest as unknown as Record<string, unknown>;
}

function toJsonl(rows: DatasetRow[]): string {
  return rows
    .map((r) =>
      JSON.stringify(
        r.prompt !== null && r.prompt !== undefined && r.completion !== null && r.completion !== undefined
          ? { prompt: r.prompt, completion: r.completion }
          : { text: r.text ?? "" },
      ),
    )
    .join("\n")
    .concat("\n");
}

async function folderFiles(dir: string): Promise<FileUpload[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  return names.sort().map((name) => ({ name, path: join(dir, name) }));
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_");
}
