import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type RunningServer, type ServerConfig, startServer } from "@tunelab/server";
import { registerRunnerForTest } from "@tunelab/server/dist/testing/auth.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@tunelab/server/dist/testing/pg.js";
import { writeConfig } from "./config-file.js";
import { type RunnerProcess, runCli } from "./test-kit.js";

/**
 * A real server on a throwaway PostgreSQL database that can be restarted on the same port, people API
 * calls with the admin key, and real runner processes (their config files and work folders in `dir`).
 */
export class Stack {
  server!: RunningServer;
  adminKey!: string;
  readonly dir = mkdtempSync(join(tmpdir(), "tunelab-agent-"));
  private runners: RunnerProcess[] = [];

  private constructor(
    private readonly database: ThrowawayDatabase,
    private config: ServerConfig,
  ) {}

  static async start(overrides: Partial<ServerConfig> = {}): Promise<Stack> {
    const database = await createThrowawayDatabase("tunelab_agent");
    const config: ServerConfig = {
      ...loadConfig({ PORT: "0", LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" }),
      databaseUrl: database.url,
      ...overrides,
    };
    const stack = new Stack(database, config);
    stack.server = await startServer(config);
    stack.adminKey = stack.server.adminKey!;
    stack.config = { ...config, port: stack.server.port };
    return stack;
  }

  get origin(): string {
    return this.server.url.replace(/\/graphql$/, "");
  }

  async stopServer(): Promise<void> {
    await this.server.close();
  }

  async startServerAgain(): Promise<void> {
    this.server = await startServer(this.config);
  }

  async gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await fetch(this.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.adminKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await r.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
    return body.data!;
  }

  /** A runner registered straight in the database, with its config file written as `register` would. */
  async runnerConfig(
    name: string,
    options: { labels?: string[]; maxJobs?: number } = {},
  ): Promise<{ path: string; runnerId: string }> {
    const { runnerId, secret } = await registerRunnerForTest(this.server.db, { name, ...options });
    const path = join(this.dir, `${name}.json`);
    await writeConfig(path, { server: this.origin, runnerId, secret, name, labels: options.labels ?? [] });
    return { path, runnerId };
  }

  /** `tunelab-runner start` with test-sized intervals; `extra` flags override. */
  start(config: string, extra: string[] = []): RunnerProcess {
    const r = runCli([
      "start",
      "--config",
      config,
      "--work-dir",
      `${config}.work`,
      "--backend",
      "cpu",
      "--grace-ms",
      "5000",
      "--metrics-every-steps",
      "2",
      "--metrics-every-ms",
      "300",
      "--retry-max-ms",
      "1000",
      "--give-up-after",
      "30",
      ...extra,
    ]);
    this.runners.push(r);
    return r;
  }

  async dataset(rows = 8, evalFraction = 0.25): Promise<string> {
    const content = Array.from({ length: rows }, (_, i) =>
      JSON.stringify({ prompt: `Translate 'dog ${i}' to French ->`, completion: ` chien ${i}` }),
    ).join("\n");
    const d = await this.gql<{ createDataset: { id: string } }>(
      `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
      { input: { name: `toy ${rows}`, content, format: "JSONL", evalFraction } },
    );
    return d.createDataset.id;
  }

  /** A TEXT dataset: the "general" text a run's forgetting is measured on. */
  async textDataset(rows = 4): Promise<string> {
    const content = Array.from({ length: rows }, (_, i) =>
      JSON.stringify({ text: `The cat number ${i} sat on the mat and looked at the garden.` }),
    ).join("\n");
    const d = await this.gql<{ createDataset: { id: string } }>(
      `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
      { input: { name: `general ${rows}`, content, format: "JSONL", evalFraction: 0 } },
    );
    return d.createDataset.id;
  }

  async baseModel(name = "nano"): Promise<string> {
    const b = await this.gql<{ createBaseModel: { id: string } }>(
      `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
      { input: { name, preset: "tunelab-nano" } },
    );
    return b.createBaseModel.id;
  }

  async experiment(
    name: string,
    datasetId: string,
    baseModelId: string,
    hyperparameters: Record<string, unknown>,
    methods: Record<string, unknown>[],
    requiredLabels: string[] = [],
  ): Promise<{ id: string; runIds: string[] }> {
    const e = await this.gql<{ createExperiment: { id: string; runs: { id: string; method: string }[] } }>(
      `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id runs { id method } } }`,
      {
        input: {
          name,
          datasetId,
          baseModelId,
          hyperparameters: { batchSize: 2, seqLen: 32, learningRate: 1e-3, ...hyperparameters },
          variants: methods.map((method) => ({ method, requiredLabels })),
        },
      },
    );
    return { id: e.createExperiment.id, runIds: e.createExperiment.runs.map((r) => r.id) };
  }

  async run(id: string): Promise<Run> {
    return (
      await this.gql<{ run: Run }>(
        `query($id: ID!) { run(id: $id) { id status statusReason error method runnerId result measuredPeakBytes
           finalTrainLoss cancelReason
           attempts { attempt status error resumeArtifactId runnerId }
           samples { prompt output step } output { kind files { name sizeBytes } }
           adapter { method source trainableParams files { name sha256 } }
           artifacts { kind step sizeBytes } } }`,
        { id },
      )
    ).run;
  }

  async steps(runId: string, key = "train_loss"): Promise<number[]> {
    const m = await this.gql<{ metrics: { key: string; points: { step: number }[] }[] }>(
      `query($ids: [ID!]!, $keys: [String!]) { metrics(runIds: $ids, keys: $keys, maxPoints: 10000) { key points { step } } }`,
      { ids: [runId], keys: [key] },
    );
    return (m.metrics[0]?.points ?? []).map((p) => p.step);
  }

  async close(): Promise<void> {
    for (const r of this.runners)
      if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill("SIGKILL");
    await this.server.close().catch(() => {});
    await this.database.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Run {
  id: string;
  status: string;
  statusReason: string | null;
  error: string | null;
  method: string;
  runnerId: string | null;
  result: Record<string, unknown> | null;
  measuredPeakBytes: number | null;
  finalTrainLoss: number | null;
  cancelReason: string | null;
  attempts: {
    attempt: number;
    status: string;
    error: string | null;
    resumeArtifactId: string | null;
    runnerId: string;
  }[];
  samples: { prompt: string; output: string; step: number }[];
  output: { kind: string; files: { name: string; sizeBytes: number }[] } | null;
  adapter: {
    method: string;
    source: string;
    trainableParams: number;
    files: { name: string; sha256: string }[];
  } | null;
  artifacts: { kind: string; step: number | null; sizeBytes: number }[];
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
