import type { TestServer } from "../testing/test-server.js";

/** Test fixtures of the people API (used by the experiments, runs, metrics, export and artifacts tests). */

export const createExperimentMutation = `mutation Create($input: CreateExperimentInput!) {
  createExperiment(input: $input) {
    id name hyperparameters
    statusCounts { queued total }
    runs { id name status method methodConfig trainableParams totalParams predictedTotalBytes predicted
           statusHistory { from to reason attempt } }
  }
}`;

export const hyperparameters = { steps: 20, learningRate: 0.01, batchSize: 4, seqLen: 32 };

export interface Seeded {
  datasetId: string;
  baseModelId: string;
}

/** A small dataset and a tunelab-nano base model. */
export async function seedPeople(server: TestServer, name = "nano"): Promise<Seeded> {
  const content = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({ prompt: `q${i}`, completion: `a${i} ${name}` }),
  ).join("\n");
  const d = await server.gql<{ createDataset: { id: string } }>(
    `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
    { input: { name: `data ${name}`, format: "JSONL", content } },
  );
  if (d.errors) throw new Error(JSON.stringify(d.errors));
  const b = await server.gql<{ createBaseModel: { id: string } }>(
    `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
    { input: { name, preset: "tunelab-nano" } },
  );
  if (b.errors) throw new Error(JSON.stringify(b.errors));
  return { datasetId: d.data!.createDataset.id, baseModelId: b.data!.createBaseModel.id };
}

export interface CreatedRun {
  id: string;
  name: string;
  status: string;
  method: string;
  methodConfig: Record<string, unknown>;
  trainableParams: number;
  totalParams: number;
  predictedTotalBytes: number;
  predicted: { trainable: number; total: number; memory: { total: number } };
  statusHistory: { from: string | null; to: string; reason: string | null; attempt: number }[];
}

export interface CreatedExperiment {
  id: string;
  name: string;
  hyperparameters: Record<string, unknown>;
  statusCounts: { queued: number; total: number };
  runs: CreatedRun[];
}

export async function createExperiment(
  server: TestServer,
  seeded: Seeded,
  variants: Record<string, unknown>[] = [
    { method: { method: "lora", r: 4 } },
    { method: { method: "full" } },
  ],
  name = "exp",
): Promise<CreatedExperiment> {
  const res = await server.gql<{ createExperiment: CreatedExperiment }>(createExperimentMutation, {
    input: { name, datasetId: seeded.datasetId, baseModelId: seeded.baseModelId, hyperparameters, variants },
  });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.createExperiment;
}
