import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { GenerationUpdate, Sampling } from "../engine/run-generate.js";

/**
 * The runner's side of the GraphQL protocol (runner/README.md, "The job spec"): typed operations over HTTP
 * (mutations, dataset pages, artifact downloads) — the jobs subscription lives in connection.ts.
 */

export interface FileRef {
  name: string;
  sizeBytes: number;
  sha256: string;
}

export interface JobSpec {
  runId: string;
  /**
   * PROFILE: a cost profile (a few steps on random tokens; no dataset read, nothing uploaded). EVALUATE,
   * MERGE and GENERATE train nothing: they work on `adapter` (runner/README.md, "The job spec").
   */
  kind: "TRAIN" | "PRETRAIN" | "PROFILE" | "EVALUATE" | "MERGE" | "GENERATE";
  method: { method: string } & Record<string, unknown>;
  hyperparameters: Hyperparameters;
  /** Null for a PROFILE run without one (it trains on random tokens). */
  dataset: { id: string; contentHash: string; rowCount: number } | null;
  generalDataset: { id: string; contentHash: string } | null;
  baseModel: {
    id: string;
    name: string;
    config: Record<string, unknown>;
    preset: string | null;
    weights: { artifactId: string; files: FileRef[] } | null;
    hostPath: string | null;
  };
  resumeFrom: { artifactId: string; step: number; files: FileRef[] } | null;
  /** A GENERATE job (the playground): the prompt and how tokens are picked; its outputs' adapters are `adapters`. */
  generate?: { prompt: string; sampling: Sampling; includeBase: boolean };
  /** A GENERATE job's adapters, in column order (after the base alone when includeBase). */
  adapters?: AdapterRef[];
  /** The adapter an EVALUATE, MERGE or GENERATE run works on; null for training runs and the base alone. */
  adapter: AdapterRef | null;
  predicted?: { trainable: number; total: number; memory: unknown };
}

export interface AdapterRef {
  id: string;
  /** Its files: adapter_config.json and the weights, downloaded like any artifact's (sha256-checked). */
  artifactId: string;
  /** The method as the server recorded it: `{ method: "qlora", r: 8, … }` (a QLoRA folder says LORA). */
  method: { method: string } & Record<string, unknown>;
  files: FileRef[];
}

export interface Hyperparameters {
  steps: number;
  learningRate?: number;
  batchSize?: number;
  seqLen?: number;
  seed?: number;
  evalEvery?: number;
  warmupSteps?: number;
  gradientAccumulation?: number;
  checkpointEvery?: number;
  samplePrompts?: string[];
  gradientCheckpointing?: boolean;
  /** Storage of the frozen weights (float32, bfloat16, float16); the engine refuses one it cannot do. */
  dtype?: string;
}

export interface Job {
  id: string;
  runId: string;
  attempt: number;
  status: string;
  leaseExpiresAt: string | null;
  spec: JobSpec;
}

export interface JobEvent {
  kind: "ASSIGNED" | "CANCEL";
  job: Job;
  reason: string | null;
}

export interface MetricPointInput {
  key: string;
  step: number;
  value: number;
  wallTimeMs?: number;
}

export interface DatasetRow {
  index: number;
  split: "TRAIN" | "EVAL";
  text: string | null;
  prompt: string | null;
  completion: string | null;
}

/** A file of a folder to upload: its name in the artifact, where it is on disk. */
export interface FileUpload {
  name: string;
  path: string;
}

export interface Device {
  name: string;
  memoryBytes: number;
}

const JOB_FIELDS = "id runId attempt status leaseExpiresAt spec";

export const JOBS_SUBSCRIPTION = `subscription Jobs { jobs { kind reason job { ${JOB_FIELDS} } } }`;

const REGISTER = `mutation Register($input: RegisterRunnerInput!) {
  registerRunner(input: $input) { runnerId secret } }`;
const HEARTBEAT = `mutation Heartbeat($input: HeartbeatInput!) {
  heartbeat(input: $input) { leaseExpiresAt cancelJobIds } }`;
const START_JOB = `mutation StartJob($jobId: ID!) { startJob(jobId: $jobId) { ${JOB_FIELDS} } }`;
const REPORT_METRICS = `mutation ReportMetrics($jobId: ID!, $points: [MetricPointInput!]!) {
  reportMetrics(jobId: $jobId, points: $points) { accepted duplicates } }`;
const REPORT_SAMPLES = `mutation ReportSamples($jobId: ID!, $samples: [SampleInput!]!) {
  reportSamples(jobId: $jobId, samples: $samples) }`;
const REPORT_GENERATIONS = `mutation ReportGenerations($jobId: ID!, $outputs: [GenerationInput!]!) {
  reportGenerations(jobId: $jobId, outputs: $outputs) }`;
// files travel through POST /uploads first; these name them by upload id
const UPLOAD_CHECKPOINT = `mutation UploadCheckpoint($jobId: ID!, $step: Int!, $files: [FileUploadInput!]!) {
  uploadCheckpoint(jobId: $jobId, step: $step, files: $files) { id } }`;
const UPLOAD_ADAPTER = `mutation UploadAdapter($jobId: ID!, $files: [FileUploadInput!]!) {
  uploadAdapter(jobId: $jobId, files: $files) { id } }`;
const COMPLETE_JOB = `mutation CompleteJob($jobId: ID!, $result: JSON!) {
  completeJob(jobId: $jobId, result: $result) { id status } }`;
const FAIL_JOB = `mutation FailJob($jobId: ID!, $error: String!, $retryable: Boolean!) {
  failJob(jobId: $jobId, error: $error, retryable: $retryable) { id status } }`;
const DATASET_ROWS = `query JobDatasetRows($jobId: ID!, $datasetId: ID!, $first: Int!, $after: String) {
  jobDatasetRows(jobId: $jobId, datasetId: $datasetId, first: $first, after: $after) {
    edges { node { index split text prompt completion } }
    pageInfo { hasNextPage endCursor } } }`;

/**
 * Why a call failed, as the agent acts on it: `network` (server not there, 5xx: retry with backoff),
 * `auth` (UNAUTHENTICATED: the secret is unknown or the runner revoked — stop), `forbidden` (FORBIDDEN:
 * e.g. a job that is no longer ours), `rejected` (any other GraphQL error: do not retry).
 */
export type ApiErrorKind = "network" | "auth" | "forbidden" | "rejected";

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly code?: string,
    /** The server's Retry-After, when it said how long to wait (503 from a busy `POST /uploads`). */
    readonly retryAfterMs?: number,
    /** The input field a BAD_USER_INPUT names (`files[1].uploadId`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
  get retryable(): boolean {
    return this.kind === "network";
  }
}

/** The server's addresses, derived from what a person typed (`http://host:4000` or `…/graphql`). */
export interface ServerUrls {
  origin: string;
  graphql: string;
  ws: string;
}

export function serverUrls(server: string): ServerUrls {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ApiError("rejected", `--server: "${server}" is not a URL (e.g. http://localhost:4000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ApiError("rejected", `--server: "${server}" must start with http:// or https://`);
  const base = url.pathname.replace(/\/graphql\/?$/, "").replace(/\/$/, "");
  const origin = `${url.protocol}//${url.host}${base}`;
  return {
    origin,
    graphql: `${origin}/graphql`,
    ws: `${origin.replace(/^http/, "ws")}/graphql`,
  };
}

interface GqlBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/** Typed GraphQL calls over HTTP with the runner's Bearer secret. */
export class RunnerApi {
  constructor(
    readonly urls: ServerUrls,
    private readonly secret: string | undefined,
    private readonly timeoutMs = 60_000,
  ) {}

  private headers(): Record<string, string> {
    return this.secret ? { authorization: `Bearer ${this.secret}` } : {};
  }

  async request<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.urls.graphql, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.headers() },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw networkError(this.urls.origin, err);
    }
    if (response.status === 502 || response.status === 503 || response.status === 504)
      throw new ApiError(
        "network",
        `server answered HTTP ${response.status}`,
        undefined,
        retryAfterMs(response),
      );
    let body: GqlBody<T>;
    try {
      body = (await response.json()) as GqlBody<T>;
    } catch {
      if (response.status === 401) throw new ApiError("auth", "server answered HTTP 401", "UNAUTHENTICATED");
      throw new ApiError(
        response.status >= 500 ? "network" : "rejected",
        `server answered HTTP ${response.status} without GraphQL`,
      );
    }
    const error = body.errors?.[0];
    if (error) {
      const code = error.extensions?.code;
      const kind: ApiErrorKind =
        code === "UNAUTHENTICATED"
          ? "auth"
          : code === "FORBIDDEN"
            ? "forbidden"
            : code === "INTERNAL_SERVER_ERROR" || code === "SERVICE_UNAVAILABLE"
              ? "network"
              : "rejected";
      throw new ApiError(kind, error.message, code, undefined, error.extensions?.field);
    }
    if (response.status === 401) throw new ApiError("auth", "server answered HTTP 401", "UNAUTHENTICATED");
    if (!body.data) throw new ApiError("rejected", `server answered HTTP ${response.status} without data`);
    return body.data;
  }

  async registerRunner(input: {
    token: string;
    name: string;
    labels: string[];
    backend: string;
    /** Why faster backends did not load here (devices.ts skippedForServer). */
    backendSkipped?: string[];
    devices: Device[];
    maxJobs?: number;
  }): Promise<{ runnerId: string; secret: string }> {
    return (await this.request<{ registerRunner: { runnerId: string; secret: string } }>(REGISTER, { input }))
      .registerRunner;
  }

  async heartbeat(input: {
    runningJobIds: string[];
    freeMemoryBytes?: number;
  }): Promise<{ leaseExpiresAt: string | null; cancelJobIds: string[] }> {
    return (
      await this.request<{ heartbeat: { leaseExpiresAt: string | null; cancelJobIds: string[] } }>(
        HEARTBEAT,
        {
          input,
        },
      )
    ).heartbeat;
  }

  /** The goodbye of a clean stop: the server shows this runner OFFLINE at once (until its next heartbeat). */
  async signOff(): Promise<void> {
    await this.request<{ signOff: boolean }>("mutation { signOff }", {});
  }

  async startJob(jobId: string): Promise<Job> {
    return (await this.request<{ startJob: Job }>(START_JOB, { jobId })).startJob;
  }

  async reportMetrics(
    jobId: string,
    points: MetricPointInput[],
  ): Promise<{ accepted: number; duplicates: number }> {
    return (
      await this.request<{ reportMetrics: { accepted: number; duplicates: number } }>(REPORT_METRICS, {
        jobId,
        points,
      })
    ).reportMetrics;
  }

  async reportSamples(
    jobId: string,
    samples: { prompt: string; output: string; step: number }[],
  ): Promise<number> {
    return (await this.request<{ reportSamples: number }>(REPORT_SAMPLES, { jobId, samples })).reportSamples;
  }

  /** A GENERATE job's outputs, each one's whole text so far (it replaces what the server had). */
  async reportGenerations(jobId: string, outputs: GenerationUpdate[]): Promise<number> {
    return (await this.request<{ reportGenerations: number }>(REPORT_GENERATIONS, { jobId, outputs }))
      .reportGenerations;
  }

  /** `staged`: what earlier tries of this same upload staged (see StagedFiles); a new one for each upload. */
  async uploadCheckpoint(
    jobId: string,
    step: number,
    files: FileUpload[],
    staged = new StagedFiles(),
  ): Promise<{ id: string }> {
    return this.withStagedFiles(files, staged, async (refs) => {
      const data = await this.request<{ uploadCheckpoint: { id: string } }>(UPLOAD_CHECKPOINT, {
        jobId,
        step,
        files: refs,
      });
      return data.uploadCheckpoint;
    });
  }

  /** `staged`: what earlier tries of this same upload staged (see StagedFiles); a new one for each upload. */
  async uploadAdapter(
    jobId: string,
    files: FileUpload[],
    staged = new StagedFiles(),
  ): Promise<{ id: string }> {
    return this.withStagedFiles(files, staged, async (refs) => {
      const data = await this.request<{ uploadAdapter: { id: string } }>(UPLOAD_ADAPTER, {
        jobId,
        files: refs,
      });
      return data.uploadAdapter;
    });
  }

  /**
   * Each file through POST /uploads (GraphQL bodies are too small for weights) unless `staged` holds it
   * from an earlier try, then `mutation` with them as `{ name, uploadId }`.
   */
  private async withStagedFiles<T>(
    files: FileUpload[],
    staged: StagedFiles,
    mutation: (refs: { name: string; uploadId: string }[]) => Promise<T>,
  ): Promise<T> {
    const refs: { name: string; uploadId: string }[] = [];
    const shas: string[] = [];
    const keys: string[] = [];
    const reused = new Set<number>(); // files whose upload an earlier try staged
    const stage = async (i: number, content?: Buffer) => {
      const upload = await this.stageFile(content ?? (await readFile(files[i]!.path)), shas[i]);
      staged.set(keys[i]!, upload);
      refs[i] = { name: files[i]!.name, uploadId: upload.id };
    };
    for (const [i, f] of files.entries()) {
      const content = await readFile(f.path);
      shas.push(createHash("sha256").update(content).digest("hex"));
      keys.push(`${f.name}\n${shas[i]}`);
      const uploadId = staged.get(keys[i]!);
      if (uploadId) {
        refs.push({ name: f.name, uploadId });
        reused.add(i);
      } else await stage(i, content);
    }
    for (;;) {
      try {
        const out = await mutation(refs);
        staged.clear(); // used up by the mutation; kept only while a try failed
        return out;
      } catch (err) {
        // a reused upload gone meanwhile (expired, or used by an earlier try whose answer was lost): the
        // server names its field; that file is staged again, as a retry did before uploads were reused
        const gone = err instanceof ApiError ? /^files\[(\d+)\]\.uploadId$/.exec(err.field ?? "") : null;
        const i = gone ? Number(gone[1]) : -1;
        if (!reused.delete(i)) throw err;
        await stage(i);
      }
    }
  }

  /** POST /uploads with the bytes and their sha256 (checked by the server); returns the upload's id. */
  async stageFile(
    content: Buffer,
    sha256 = createHash("sha256").update(content).digest("hex"),
  ): Promise<StagedUpload> {
    const url = `${this.urls.origin}/uploads`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/octet-stream",
          "x-content-sha256": sha256,
          ...this.headers(),
        },
        body: content,
        signal: AbortSignal.timeout(10 * this.timeoutMs),
      });
    } catch (err) {
      throw networkError(this.urls.origin, err);
    }
    const body = (await response.json().catch(() => ({}))) as {
      id?: string;
      expiresAt?: string;
      error?: { code?: string; message?: string };
    };
    if (response.status === 201 && body.id) {
      return { id: body.id, expiresAt: Date.parse(body.expiresAt ?? "") || Date.now() };
    }
    const why = `POST ${url}: HTTP ${response.status}${body.error?.message ? ` (${body.error.message})` : ""}`;
    if (response.status === 401) throw new ApiError("auth", why, "UNAUTHENTICATED");
    if (response.status === 403) throw new ApiError("forbidden", why, "FORBIDDEN");
    // 503: the server holds as many upload bytes as it will at once (UPLOADS_BUSY); withRetry waits Retry-After
    throw new ApiError(
      response.status >= 500 ? "network" : "rejected",
      why,
      body.error?.code,
      retryAfterMs(response),
    );
  }

  async completeJob(jobId: string, result: Record<string, unknown>): Promise<{ id: string; status: string }> {
    return (
      await this.request<{ completeJob: { id: string; status: string } }>(COMPLETE_JOB, { jobId, result })
    ).completeJob;
  }

  async failJob(jobId: string, error: string, retryable: boolean): Promise<{ id: string; status: string }> {
    return (
      await this.request<{ failJob: { id: string; status: string } }>(FAIL_JOB, { jobId, error, retryable })
    ).failJob;
  }

  /** Every row of one of the job's datasets, page by page. */
  async datasetRows(jobId: string, datasetId: string, pageSize = 1000): Promise<DatasetRow[]> {
    const rows: DatasetRow[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        jobDatasetRows: {
          edges: { node: DatasetRow }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await this.request(DATASET_ROWS, { jobId, datasetId, first: pageSize, after });
      for (const e of page.jobDatasetRows.edges) rows.push(e.node);
      if (!page.jobDatasetRows.pageInfo.hasNextPage || !page.jobDatasetRows.pageInfo.endCursor) return rows;
      after = page.jobDatasetRows.pageInfo.endCursor;
    }
  }

  /**
   * GET /artifacts/:id/files/:name into `dest` (via a temporary file), checking the sha256 when given.
   * Returns the hex digest.
   */
  async downloadArtifactFile(
    artifactId: string,
    name: string,
    dest: string,
    sha256?: string,
  ): Promise<string> {
    const url = `${this.urls.origin}/artifacts/${encodeURIComponent(artifactId)}/files/${encodeURIComponent(name)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: this.headers(),
        signal: AbortSignal.timeout(10 * this.timeoutMs),
      });
    } catch (err) {
      throw networkError(this.urls.origin, err);
    }
    if (response.status === 401) throw new ApiError("auth", `GET ${url}: HTTP 401`, "UNAUTHENTICATED");
    if (response.status === 403) throw new ApiError("forbidden", `GET ${url}: HTTP 403`, "FORBIDDEN");
    if (!response.ok || !response.body)
      throw new ApiError(
        response.status >= 500 ? "network" : "rejected",
        `GET ${url}: HTTP ${response.status}`,
      );
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString("hex")}.part`;
    const hash = createHash("sha256");
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    body.on("data", (chunk: Buffer) => hash.update(chunk));
    try {
      await pipeline(body, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw networkError(this.urls.origin, err);
    }
    const digest = hash.digest("hex");
    if (sha256 && digest !== sha256) {
      await rm(tmp, { force: true });
      throw new ApiError("network", `GET ${url}: sha256 ${digest} ≠ expected ${sha256}`);
    }
    await rename(tmp, dest);
    return digest;
  }

  /** GET /healthz: whether the server answers at all (for `status`). */
  async reachable(): Promise<boolean> {
    try {
      const r = await fetch(`${this.urls.origin}/healthz`, { signal: AbortSignal.timeout(5000) });
      return r.ok;
    } catch {
      return false;
    }
  }
}

export interface StagedUpload {
  id: string;
  /** When the server deletes it unused (ms since epoch). */
  expiresAt: number;
}

/**
 * The uploads one upload mutation has staged, kept across its tries: withRetry calls uploadAdapter or
 * uploadCheckpoint again after a network error or a busy server, and a try stages only the files the
 * earlier ones did not — before, each retry staged every file again and left the earlier uploads to count
 * against the runner's 32 unused ones for their hour. Keyed by name and sha256; an upload about to expire
 * is not reused.
 */
export class StagedFiles {
  private readonly uploads = new Map<string, StagedUpload>();

  /** Margin before expiry under which an upload is staged again rather than reused. */
  static readonly expiryMarginMs = 5 * 60_000;

  get(key: string): string | undefined {
    const upload = this.uploads.get(key);
    return upload && upload.expiresAt - Date.now() > StagedFiles.expiryMarginMs ? upload.id : undefined;
  }

  set(key: string, upload: StagedUpload): void {
    this.uploads.set(key, upload);
  }

  clear(): void {
    this.uploads.clear();
  }
}

/** Retry-After in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function networkError(origin: string, err: unknown): ApiError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const detail = e.cause?.code ?? e.cause?.message ?? e.message;
  return new ApiError("network", `cannot reach the server at ${origin} (${detail})`);
}

/** Backoff with full jitter between half and all of `min(max, base·2^attempt)`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** The longest Retry-After withRetry honours: a server asking for more is not waited on for longer. */
const maxRetryAfterMs = 60_000;

/**
 * Calls `fn` until it succeeds or fails with a non-retryable error; network errors wait with backoff, or as
 * long as the server's Retry-After said (plus the backoff).
 * `deadline` (ms since epoch) bounds the retries; `signal` abandons them.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: {
    baseMs?: number;
    maxMs?: number;
    deadline?: number;
    signal?: AbortSignal;
    onRetry?: (e: ApiError, waitMs: number) => void;
  } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ApiError) || !err.retryable) throw err;
      // the server's Retry-After (at most a minute) plus the jittered backoff, so runners told the same
      // wait do not all come back at once
      const wait =
        Math.min(err.retryAfterMs ?? 0, maxRetryAfterMs) +
        backoffMs(attempt, opts.baseMs ?? 250, opts.maxMs ?? 5000);
      if ((opts.deadline !== undefined && Date.now() + wait > opts.deadline) || opts.signal?.aborted)
        throw err;
      opts.onRetry?.(err, wait);
      await sleep(wait, opts.signal);
    }
  }
}
