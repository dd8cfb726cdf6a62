import type { EntityManager } from "typeorm";
import type { FolderForDownload } from "./folder-zip.js";

export interface FileForDownload {
  runId: string | null;
  /** Runners that may download its files (RUNNERS_OF_ARTIFACT). */
  runnerIds: string[];
  /** Null when the artifact has no file of that name. */
  file: { sizeBytes: number; sha256: string; content: Buffer } | null;
}

/**
 * The runners that may download artifact `a`'s files: those that held an attempt of its run (to resume),
 * when it is a base model's weights, those that held an attempt of a run on that model, and when it is an
 * adapter's files, those that held an attempt of a run working on that adapter (EVALUATE, MERGE, GENERATE;
 * a playground session's run works on each adapter of its outputs).
 */
const RUNNERS_OF_ARTIFACT = `(SELECT array_agg(DISTINCT j.runner_id) FROM job j
    WHERE j.run_id = a.run_id
       OR j.run_id IN (SELECT r.id FROM run r JOIN base_model b ON b.id = r.base_model_id
                        WHERE b.weights_artifact_id = a.id)
       OR j.run_id IN (SELECT r.id FROM run r JOIN adapter ad ON ad.id = r.adapter_id
                        WHERE ad.artifact_id = a.id)
       OR j.run_id IN (SELECT o.run_id FROM playground_output o JOIN adapter ad ON ad.id = o.adapter_id
                        WHERE ad.artifact_id = a.id))`;

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
    `SELECT a.run_id, f.size_bytes, f.sha256, f.content, ${RUNNERS_OF_ARTIFACT} AS runner_ids
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

/** All of an artifact's files with who may download them, in one query; null when the artifact is unknown. */
export async function artifactFolderForDownload(
  m: EntityManager,
  artifactId: string,
): Promise<FolderForDownload | null> {
  const rows: { name: string | null; content: Buffer | null; runner_ids: string[] | null }[] = await m.query(
    `SELECT f.name, f.content, ${RUNNERS_OF_ARTIFACT} AS runner_ids
       FROM artifact a LEFT JOIN artifact_file f ON f.artifact_id = a.id
      WHERE a.id = $1
      ORDER BY f.name`,
    [artifactId],
  );
  if (rows.length === 0) return null;
  return {
    runnerIds: rows[0]!.runner_ids ?? [],
    files: rows.flatMap((r) =>
      r.name !== null && r.content !== null ? [{ name: r.name, content: r.content }] : [],
    ),
  };
}
