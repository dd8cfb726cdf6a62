import type { EntityManager } from "typeorm";
import { returning } from "../dispatch/sql.js";
import { PlaygroundOutput, PlaygroundSession, type PlaygroundSampling } from "./playground.entity.js";

/** Queries over playground sessions and their outputs; each takes the EntityManager of a Database read/write. */

export function findSession(m: EntityManager, id: string): Promise<PlaygroundSession | null> {
  return m.findOneBy(PlaygroundSession, { id });
}

/** A session and one empty output per column (adapterIds in order; null: the base alone). */
export async function insertSession(
  m: EntityManager,
  s: { runId: string; baseModelId: string; prompt: string; sampling: PlaygroundSampling },
  columns: (string | null)[],
): Promise<void> {
  await m.query(
    `INSERT INTO playground_session (run_id, base_model_id, prompt, sampling) VALUES ($1, $2, $3, $4)`,
    [s.runId, s.baseModelId, s.prompt, JSON.stringify(s.sampling)],
  );
  await m.query(
    `INSERT INTO playground_output (run_id, position, adapter_id)
     SELECT $1, c.position - 1, c.adapter_id FROM unnest($2::uuid[]) WITH ORDINALITY AS c(adapter_id, position)`,
    [s.runId, columns],
  );
}

/** Outputs of the sessions, each session's in column order. */
export async function outputsOfSessions(
  m: EntityManager,
  sessionIds: readonly string[],
): Promise<PlaygroundOutput[][]> {
  const rows = await m
    .createQueryBuilder(PlaygroundOutput, "o")
    .where("o.run_id = ANY(:ids)", { ids: sessionIds })
    .orderBy("o.position")
    .getMany();
  return sessionIds.map((id) => rows.filter((o) => o.sessionId === id));
}

export interface OutputReport {
  adapterId: string | null;
  text: string;
  tokenCount: number;
  done: boolean;
  error: string | null;
}

/**
 * Replaces each reported output's text and counts; returns the adapter ids (null: the base) that are not
 * columns of the session, which the caller refuses (nothing is kept then: it is one transaction).
 */
export async function updateOutputs(
  m: EntityManager,
  sessionId: string,
  reports: readonly OutputReport[],
): Promise<(string | null)[]> {
  const unknown: (string | null)[] = [];
  for (const r of reports) {
    const rows = await returning<{ position: number }>(
      m,
      `UPDATE playground_output SET text = $3, token_count = $4, done = $5, error = $6, updated_at = now()
        WHERE run_id = $1 AND adapter_id IS NOT DISTINCT FROM $2::uuid RETURNING position`,
      [sessionId, r.adapterId, r.text, r.tokenCount, r.done, r.error],
    );
    if (rows.length === 0) unknown.push(r.adapterId);
  }
  return unknown;
}
