import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { graphql } from "graphql";
import { createEvents } from "../app/events.js";
import { buildAppSchema, type Services } from "../app/schema.js";
import { BaseModelService } from "../base-models/base-model.service.js";
import type { Database } from "../db/database.js";
import { ExperimentService } from "../experiments/experiment.service.js";
import { openTestDatabase, type TestDatabase } from "../testing/database.js";
import { createPeopleLoaders } from "./run.loaders.js";
import { RunService } from "./run.service.js";

const query = `query($first: Int) { experiments(first: $first) { edges { node {
  name dataset { id } baseModel { name } statusCounts { total }
  runs { name statusHistory { to } attempts { jobId } samples { step } metricKeys runner { id }
         adapter { files { name downloadUrl } } output { files { name } } artifacts { id } experiment { id } baseModel { id } dataset { id } }
} } } }`;

describe("people loaders", () => {
  let t: TestDatabase;
  let services: Services;
  before(async () => {
    t = await openTestDatabase("pglite");
    const events = createEvents();
    services = {
      baseModels: new BaseModelService(t.db, events),
      experiments: new ExperimentService(t.db, events),
      runs: new RunService(t.db, events),
    } as Services;
    const [dataset] = (await t.db.write((m) =>
      m.query(`INSERT INTO dataset (name, format, kind, content_hash, size_bytes, row_count, train_row_count,
                 eval_row_count, char_count, eval_fraction, split_seed)
               VALUES ('d', 'JSONL', 'TEXT', 'h', 1, 0, 0, 0, 0, 0, 1) RETURNING id`),
    )) as { id: string }[];
    const model = await services.baseModels.create({ name: "nano", preset: "tunelab-nano" });
    for (const name of ["a", "b", "c"]) {
      await services.experiments.create({
        name,
        description: "",
        datasetId: dataset!.id,
        baseModelId: model.id,
        hyperparameters: {
          steps: 5,
          learningRate: 0.01,
          batchSize: 2,
          seqLen: 16,
          seed: 1,
          evalEvery: 0,
          warmupSteps: 0,
          gradientAccumulation: 1,
          checkpointEvery: 0,
          samplePrompts: [],
          gradientCheckpointing: false,
          optimizer: "adamw",
          dtype: "float32",
        },
        variants: [{ method: { method: "lora" } }, { method: { method: "full" } }],
      });
    }
  });
  after(() => t.dispose());

  /** Database reads one query makes through the loaders (the list itself is one more, via the service). */
  async function readsFor(first: number): Promise<number> {
    let reads = 0;
    const counting = new Proxy(t.db, {
      get(target, key, receiver) {
        if (key === "read") reads++;
        return Reflect.get(target, key, receiver);
      },
    }) as Database;
    const schema = await buildAppSchema(services, createEvents());
    const res = await graphql({
      schema,
      source: query,
      variableValues: { first },
      contextValue: {
        auth: { kind: "apiKey", keyId: "k", scope: "read" },
        loaders: { people: createPeopleLoaders(counting) },
      },
    });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const edges = (res.data as { experiments: { edges: { node: { runs: unknown[] } }[] } }).experiments.edges;
    assert.equal(edges.length, first);
    assert.ok(edges.every((e) => e.node.runs.length === 2));
    return reads;
  }

  test("field resolvers batch: three experiments cost the same reads as one", async () => {
    const one = await readsFor(1);
    assert.ok(one > 0);
    assert.equal(await readsFor(3), one);
  });
});
