import type { EntityManager } from "typeorm";

export interface FileForDownload {
  runId: string | null;
  /**
   * Runners that may download its files: those that held an attempt of the artifact's run (to resume),
   * and, when the artifact is a base model's weights, those that held an attempt of a run on that model.
   */
  runnerIds: string[];
  /** Null when the artifact has no file of that name. */
  file: { sizeBytes: number; sha256: string; content: Buffer } | null;
}

/**
 * The artifact's file with what authorises its download, in one query; null when the artifact is unknown.
 * A missing file still answers who may read the artifact, so its runner is told 404, not 403.
 */
export async function fileForDownload(
  m: EntityManager,
  artifactId: string,
  name: string,
): Promise<FileForDownload | null> {
  const rows: {
    run_id: string;
    runner_ids: string[] | null;
    size_bytes: string | null;
    sha256: string | null;
    content: Buffer | null;
  }[] = await m.query(
    `SELECT a.run_id, f.size_bytes, f.sha256, f.content,
              (SELECT array_agg(DISTINCT j.runner_id) FROM job j
                WHERE j.run_id = a.run_id
                   OR j.run_id IN (SELECT r.id FROM run r JOIN base_model b ON b.id = r.base_model_id
                                    WHERE b.weights_artifact_id = a.id)) AS runner_ids
         FROM artifact a LEFT JOIN artifact_file f ON f.artifact_id = a.id AND f.name = $2
        WHERE a.id = $1`,
    [artifactId, name],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    runId: row.run_id,
    runnerIds: row.runner_ids ?? [],
    file:
      row.content === null
        ? null
        : { sizeBytes: Number(row.size_bytes), sha256: row.sha256!, content: row.content },
  };
}
