import type { EntityManager } from "typeorm";
import { artifactFiles, type SpecFile } from "../jobs/spec.js";
import type { PlaygroundSampling } from "./playground.entity.js";

/** An adapter as a job spec names it (protocol: `adapter`, and a GENERATE job's `adapters`). */
export interface SpecAdapter {
  id: string;
  artifactId: string;
  method: Record<string, unknown>;
  files: SpecFile[];
}

/** What a GENERATE job's spec adds: the prompt, the sampling, and its outputs' adapters in column order. */
export interface GenerateSpec {
  generate: { prompt: string; sampling: PlaygroundSampling; includeBase: boolean };
  adapters: SpecAdapter[];
}

/** The GENERATE parts of the specs of these runs (those that are playground sessions), in two queries. */
export async function generateSpecs(m: EntityManager, runIds: string[]): Promise<Map<string, GenerateSpec>> {
  const out = new Map<string, GenerateSpec>();
  if (runIds.length === 0) return out;
  const rows: {
    run_id: string;
    prompt: string;
    sampling: PlaygroundSampling;
    adapter_id: string | null;
    artifact_id: string | null;
    method: string | null;
    method_config: Record<string, unknown> | null;
  }[] = await m.query(
    `SELECT s.run_id, s.prompt, s.sampling, o.adapter_id, a.artifact_id, a.method, a.method_config
       FROM playground_session s
       JOIN playground_output o ON o.run_id = s.run_id
       LEFT JOIN adapter a ON a.id = o.adapter_id
      WHERE s.run_id = ANY($1::uuid[])
      ORDER BY s.run_id, o.position`,
    [runIds],
  );
  const files = await artifactFiles(m, [
    ...new Set(rows.flatMap((r) => (r.artifact_id ? [r.artifact_id] : []))),
  ]);
  for (const r of rows) {
    const spec = out.get(r.run_id) ?? {
      generate: { prompt: r.prompt, sampling: r.sampling, includeBase: false },
      adapters: [],
    };
    if (r.adapter_id === null) spec.generate.includeBase = true;
    else
      spec.adapters.push({
        id: r.adapter_id,
        artifactId: r.artifact_id!,
        method: { method: r.method, ...r.method_config },
        files: files.get(r.artifact_id!) ?? [],
      });
    out.set(r.run_id, spec);
  }
  return out;
}
