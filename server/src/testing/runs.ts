import { createHash, randomBytes } from "node:crypto";
import type { Events } from "../app/events.js";
import type { Database } from "../db/database.js";

/** A dataset (3 TEXT rows: 2 train, 1 eval) and a READY preset base model, straight in the database. */
export async function createRunFixtures(db: Database): Promise<{ datasetId: string; baseModelId: string }> {
  const tag = randomBytes(6).toString("hex");
  return db.write(async (m) => {
    const [{ id: datasetId }] = (await m.query(
      `INSERT INTO dataset (name, format, kind, content_hash, size_bytes, row_count, train_row_count, eval_row_count,
                            char_count, eval_fraction, split_seed)
       VALUES ($1, 'JSONL', 'TEXT', $2, 30, 3, 2, 1, 15, 0.34, 1) RETURNING id`,
      [`test-dataset-${tag}`, `sha256-${tag}`],
    )) as { id: string }[];
    await m.query(
      `INSERT INTO dataset_row (dataset_id, index, line, split, text, char_count)
       VALUES ($1, 0, 1, 'TRAIN', 'hello', 5), ($1, 1, 2, 'TRAIN', 'world', 5), ($1, 2, 3, 'EVAL', 'again', 5)`,
      [datasetId],
    );
    const [{ id: baseModelId }] = (await m.query(
      `INSERT INTO base_model (name, config, preset, source, status)
       VALUES ($1, '{"model_type":"llama","hidden_size":64}', 'tunelab-nano', 'PRESET', 'READY') RETURNING id`,
      [`test-base-${tag}`],
    )) as { id: string }[];
    return { datasetId, baseModelId };
  });
}

export interface QueueRunsOptions {
  count?: number;
  /** Predicted training memory in bytes (default 1 GB). */
  predictedTotalBytes?: number;
  requiredLabels?: string[];
  method?: string;
  kind?: "TRAIN" | "PRETRAIN" | "EVALUATE" | "MERGE" | "GENERATE";
  /** The adapter the runs work on (`run.adapter_id`: EVALUATE, MERGE, GENERATE). */
  adapterId?: string;
  maxAttempts?: number;
  /** Reuse fixtures (default: new ones). */
  fixtures?: { datasetId: string; baseModelId: string };
}

/**
 * QUEUED runs inserted with SQL (as createExperiment would leave them), then RUNS_QUEUED published on
 * `server.events`, so dispatch in that process (and, on PostgreSQL, in every process) claims them.
 */
export async function queueRunsForTest(
  server: { db: Database; events: Events },
  options: QueueRunsOptions = {},
): Promise<string[]> {
  const fixtures = options.fixtures ?? (await createRunFixtures(server.db));
  const method = options.method ?? "lora";
  const predicted = options.predictedTotalBytes ?? 1e9;
  const runIds = await server.db.write(async (m) => {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO run (kind, name, base_model_id, dataset_id, method, method_config, hyperparameters, required_labels,
                        status, max_attempts, trainable_params, total_params, predicted_total_bytes, predicted,
                        adapter_id)
       SELECT $1, 'test run ' || n, $2, $3, $4, $5::jsonb, $6::jsonb, $7::text[], 'QUEUED', $8, 1000, 100000, $9,
              $10::jsonb, $12
         FROM generate_series(1, $11::int) AS n
       RETURNING id`,
      [
        options.kind ?? "TRAIN",
        fixtures.baseModelId,
        fixtures.datasetId,
        method,
        JSON.stringify(
          method === "full" ? { method } : { method, r: 8, lora_alpha: 16, target_modules: ["q_proj"] },
        ),
        JSON.stringify({
          steps: 10,
          learningRate: 0.001,
          batchSize: 2,
          seqLen: 16,
          seed: 1,
          checkpointEvery: 5,
        }),
        options.requiredLabels ?? [],
        options.maxAttempts ?? 3,
        predicted,
        JSON.stringify({ memory: { total: predicted } }),
        options.count ?? 1,
        options.adapterId ?? null,
      ],
    );
    const ids = rows.map((r) => r.id);
    await m.query(
      `INSERT INTO run_status_change (run_id, from_status, to_status, reason) SELECT id, NULL, 'QUEUED', 'test'
         FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    return ids;
  });
  server.events.publish("RUNS_QUEUED", { runIds });
  return runIds;
}

/**
 * An imported adapter straight in the database (what importAdapter stores: an ADAPTER artifact without a
 * run, its files, the adapter row), for tests of runs that work on one.
 */
export async function insertImportedAdapterForTest(
  db: Database,
  baseModelId: string,
  files: { name: string; content: Buffer }[],
  method: Record<string, unknown> = { method: "lora", r: 8, lora_alpha: 16, target_modules: ["q_proj"] },
): Promise<{ adapterId: string; artifactId: string }> {
  const size = files.reduce((n, f) => n + f.content.length, 0);
  return db.write(async (m) => {
    const [{ id: artifactId }] = (await m.query(
      `INSERT INTO artifact (run_id, kind, size_bytes) VALUES (NULL, 'ADAPTER', $1) RETURNING id`,
      [size],
    )) as { id: string }[];
    for (const f of files) {
      await m.query(
        `INSERT INTO artifact_file (artifact_id, name, size_bytes, sha256, content) VALUES ($1, $2, $3, $4, $5)`,
        [
          artifactId,
          f.name,
          f.content.length,
          createHash("sha256").update(f.content).digest("hex"),
          f.content,
        ],
      );
    }
    const [{ id: adapterId }] = (await m.query(
      `INSERT INTO adapter (artifact_id, base_model_id, method, method_config, trainable_params, size_bytes, source)
       VALUES ($1, $2, $3, $4, 1000, $5, 'IMPORT') RETURNING id`,
      [artifactId, baseModelId, method.method, JSON.stringify(method), size],
    )) as { id: string }[];
    return { adapterId, artifactId };
  });
}
