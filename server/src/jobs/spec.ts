import type { EntityManager } from "typeorm";
import { generateSpecs } from "../playground/playground-spec.js";
import { type Job, JobStatus } from "./job.types.js";

interface JobRow {
  id: string;
  run_id: string;
  attempt: number;
  status: JobStatus;
  lease_expires_at: Date;
  resume_artifact_id: string | null;
  resume_step: number | null;
  kind: string;
  method: string;
  method_config: Record<string, unknown>;
  hyperparameters: Record<string, unknown>;
  predicted: Record<string, unknown>;
  trainable_params: string;
  total_params: string;
  dataset_id: string | null;
  dataset_hash: string | null;
  dataset_rows: number | null;
  general_id: string | null;
  general_hash: string | null;
  base_model_id: string;
  base_model_name: string;
  base_model_config: Record<string, unknown>;
  preset: string | null;
  host_path: string | null;
  weights_artifact_id: string | null;
  adapter_id: string | null;
  adapter_artifact_id: string | null;
  adapter_method: string | null;
  adapter_method_config: Record<string, unknown> | null;
}

export interface SpecFile {
  name: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * The jobs with their spec (runner/README.md, "The job spec"), in the order of `jobIds`, in three queries
 * whatever their number: jobs joined with run, datasets, base model, resume checkpoint and the adapter the run
 * works on; then the files of the artifacts they reference.
 */
export async function loadJobs(m: EntityManager, jobIds: readonly string[]): Promise<Job[]> {
  if (jobIds.length === 0) return [];
  const rows: JobRow[] = await m.query(
    `SELECT j.id, j.run_id, j.attempt, j.status, j.lease_expires_at, j.resume_artifact_id, ra.step AS resume_step,
            r.kind, r.method, r.method_config, r.hyperparameters, r.predicted, r.trainable_params, r.total_params,
            d.id AS dataset_id, d.content_hash AS dataset_hash, d.row_count AS dataset_rows,
            gd.id AS general_id, gd.content_hash AS general_hash,
            b.id AS base_model_id, b.name AS base_model_name, b.config AS base_model_config, b.preset, b.host_path,
            b.weights_artifact_id,
            ad.id AS adapter_id, ad.artifact_id AS adapter_artifact_id, ad.method AS adapter_method,
            ad.method_config AS adapter_method_config
       FROM job j
       JOIN run r ON r.id = j.run_id
       LEFT JOIN dataset d ON d.id = r.dataset_id
       JOIN base_model b ON b.id = r.base_model_id
       LEFT JOIN experiment e ON e.id = r.experiment_id
       LEFT JOIN dataset gd ON gd.id = e.general_dataset_id
       LEFT JOIN artifact ra ON ra.id = j.resume_artifact_id
       LEFT JOIN adapter ad ON ad.id = r.adapter_id
      WHERE j.id = ANY($1::uuid[])`,
    [jobIds],
  );
  const artifactIds = [
    ...new Set(
      rows
        .flatMap((r) => [r.resume_artifact_id, r.weights_artifact_id, r.adapter_artifact_id])
        .filter((x) => x !== null),
    ),
  ];
  const files = await artifactFiles(m, artifactIds);
  const generates = await generateSpecs(
    m,
    rows.filter((r) => r.kind === "GENERATE").map((r) => r.run_id),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return jobIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const job = toJob(r, files);
    // a GENERATE job (the playground): its prompt, sampling and the adapters of its outputs
    const generate = generates.get(r.run_id);
    if (generate) Object.assign(job.spec, generate);
    return [job];
  });
}

export async function artifactFiles(
  m: EntityManager,
  artifactIds: string[],
): Promise<Map<string, SpecFile[]>> {
  const files = new Map<string, SpecFile[]>();
  if (artifactIds.length === 0) return files;
  const rows: { artifact_id: string; name: string; size_bytes: string; sha256: string }[] = await m.query(
    `SELECT artifact_id, name, size_bytes, sha256 FROM artifact_file WHERE artifact_id = ANY($1::uuid[]) ORDER BY name`,
    [artifactIds],
  );
  for (const f of rows) {
    const list = files.get(f.artifact_id) ?? [];
    list.push({ name: f.name, sizeBytes: Number(f.size_bytes), sha256: f.sha256 });
    files.set(f.artifact_id, list);
  }
  return files;
}

function toJob(r: JobRow, files: Map<string, SpecFile[]>): Job {
  const predicted = {
    trainable: Number(r.trainable_params),
    total: Number(r.total_params),
    ...r.predicted,
  };
  const spec = {
    runId: r.run_id,
    kind: r.kind,
    method: { method: r.method, ...r.method_config },
    hyperparameters: r.hyperparameters,
    // null for a PROFILE run without one (it trains on random tokens)
    dataset: r.dataset_id
      ? { id: r.dataset_id, contentHash: r.dataset_hash, rowCount: r.dataset_rows }
      : null,
    generalDataset: r.general_id ? { id: r.general_id, contentHash: r.general_hash } : null,
    baseModel: {
      id: r.base_model_id,
      name: r.base_model_name,
      config: r.base_model_config,
      preset: r.preset,
      weights: r.weights_artifact_id
        ? { artifactId: r.weights_artifact_id, files: files.get(r.weights_artifact_id) ?? [] }
        : null,
      hostPath: r.host_path,
    },
    resumeFrom: r.resume_artifact_id
      ? {
          artifactId: r.resume_artifact_id,
          step: r.resume_step,
          files: files.get(r.resume_artifact_id) ?? [],
        }
      : null,
    // the adapter an EVALUATE, MERGE or GENERATE run works on; null for training and the base alone
    adapter: r.adapter_id
      ? {
          id: r.adapter_id,
          artifactId: r.adapter_artifact_id,
          method: { method: r.adapter_method, ...r.adapter_method_config },
          files: files.get(r.adapter_artifact_id!) ?? [],
        }
      : null,
    predicted,
  };
  return {
    id: r.id,
    runId: r.run_id,
    attempt: r.attempt,
    status: r.status,
    leaseExpiresAt: new Date(r.lease_expires_at),
    spec,
  };
}
