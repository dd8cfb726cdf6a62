import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const files = [
  { name: "adapter_config.json", content: Buffer.from('{"peft_type":"LORA","r":4}') },
  {
    name: "adapter_model.safetensors",
    content: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256)),
  },
];

for (const driver of drivers) {
  describe(`artifact downloads on ${driver}`, () => {
    let server: TestServer;
    let runId: string;
    let artifactId: string;
    let owner: { runnerId: string; secret: string };
    const get = (path: string, token: string | null) =>
      fetch(`${server.origin}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    before(async () => {
      server = await startTestServer(driver);
      const e = await createExperiment(server, await seedPeople(server), [
        { method: { method: "lora", r: 4 } },
      ]);
      runId = e.runs[0]!.id;
      owner = await registerRunnerForTest(server.db);
      // What dispatch's uploadAdapter stores: a job of the run, an ADAPTER artifact and its files.
      artifactId = await server.db.write(async (m) => {
        const [job] = (await m.query(
          `INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at) VALUES ($1, 1, $2, 'SUCCEEDED', now()) RETURNING id`,
          [runId, owner.runnerId],
        )) as { id: string }[];
        await m.query(
          `INSERT INTO artifact (run_id, job_id, kind, step, size_bytes) VALUES ($1, $2, 'CHECKPOINT', 5, 1)`,
          [runId, job!.id],
        );
        const [a] = (await m.query(
          `INSERT INTO artifact (run_id, job_id, kind, size_bytes) VALUES ($1, $2, 'ADAPTER', $3) RETURNING id`,
          [runId, job!.id, files.reduce((n, f) => n + f.content.length, 0)],
        )) as { id: string }[];
        for (const f of files) {
          await m.query(
            `INSERT INTO artifact_file (artifact_id, name, size_bytes, sha256, content) VALUES ($1, $2, $3, $4, $5)`,
            [
              a!.id,
              f.name,
              f.content.length,
              createHash("sha256").update(f.content).digest("hex"),
              f.content,
            ],
          );
        }
        return a!.id;
      });
    });
    after(() => server.close());

    test("run.adapter lists the files with size, sha256 and a download URL that serves the bytes", async () => {
      const res = await server.gql<{
        run: {
          output: {
            id: string;
            kind: string;
            files: { name: string; sizeBytes: number; sha256: string; downloadUrl: string }[];
          };
          artifacts: { kind: string }[];
        };
      }>(
        `query($id: ID!) { run(id: $id) { output { id kind files { name sizeBytes sha256 downloadUrl } } artifacts { kind } } }`,
        { id: runId },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const { output: adapter, artifacts } = res.data!.run;
      assert.equal(adapter.id, artifactId);
      assert.deepEqual(
        artifacts.map((a) => a.kind),
        ["CHECKPOINT", "ADAPTER"],
      );
      const read = await createApiKeyForTest(server.db, "read");
      for (const [i, f] of adapter.files.entries()) {
        const want = files[i]!;
        assert.equal(f.name, want.name);
        assert.equal(f.sizeBytes, want.content.length);
        const got = await get(f.downloadUrl, read);
        assert.equal(got.status, 200);
        const bytes = Buffer.from(await got.arrayBuffer());
        assert.ok(bytes.equals(want.content));
        assert.equal(createHash("sha256").update(bytes).digest("hex"), f.sha256);
        assert.match(
          got.headers.get("content-disposition") ?? "",
          new RegExp(`^attachment; filename="?${want.name}"?$`),
        );
        assert.match(
          got.headers.get("content-type") ?? "",
          want.name.endsWith(".json") ? /^application\/json/ : /^application\/octet-stream/,
        );
      }
    });

    test("only a key, or the runner that ran the run", async () => {
      const path = `/artifacts/${artifactId}/files/adapter_config.json`;
      assert.equal((await get(path, null)).status, 401);
      assert.equal((await get(path, owner.secret)).status, 200);
      const stranger = await registerRunnerForTest(server.db);
      assert.equal((await get(path, stranger.secret)).status, 403);
      // A runner of the run asking for a file the artifact lacks: told it is missing, not forbidden.
      const missing = await get(`/artifacts/${artifactId}/files/nope.bin`, owner.secret);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "NOT_FOUND");
      assert.equal((await get(`/artifacts/${artifactId}/files/nope.bin`, stranger.secret)).status, 403);
      assert.equal((await get(`/artifacts/${artifactId}/files/nope.bin`, server.adminKey)).status, 404);
      assert.equal((await get(`/artifacts/not-a-uuid/files/x`, server.adminKey)).status, 404);
    });

    test("a base model's weights: also the runners given a run on that model", async () => {
      const path = `/artifacts/${artifactId}/files/adapter_model.safetensors`;
      const trainer = await registerRunnerForTest(server.db);
      assert.equal((await get(path, trainer.secret)).status, 403, "no run on the model yet");
      await server.db.write(async (m) => {
        // The artifact becomes the weights of the base model of a second run, assigned to `trainer`.
        const [run] = (await m.query(`SELECT base_model_id FROM run WHERE id = $1`, [runId])) as {
          base_model_id: string;
        }[];
        await m.query(`UPDATE base_model SET weights_artifact_id = $1 WHERE id = $2`, [
          artifactId,
          run!.base_model_id,
        ]);
        const [other] = (await m.query(
          `INSERT INTO run (name, base_model_id, dataset_id, method, method_config, hyperparameters, status,
                            trainable_params, total_params, predicted_total_bytes, predicted)
           SELECT 'second', base_model_id, dataset_id, method, method_config, hyperparameters, 'ASSIGNED',
                  trainable_params, total_params, predicted_total_bytes, predicted FROM run WHERE id = $1
           RETURNING id`,
          [runId],
        )) as { id: string }[];
        await m.query(
          `INSERT INTO job (run_id, attempt, runner_id, status, lease_expires_at) VALUES ($1, 1, $2, 'ASSIGNED', now())`,
          [other!.id, trainer.runnerId],
        );
      });
      assert.equal((await get(path, trainer.secret)).status, 200);
    });

    test("all files as one zip: Artifact.downloadUrl and, for its weights, BaseModel.downloadUrl", async () => {
      const res = await server.gql<{
        run: { output: { downloadUrl: string }; baseModel: { downloadUrl: string | null } };
      }>(`query($id: ID!) { run(id: $id) { output { downloadUrl } baseModel { downloadUrl } } }`, {
        id: runId,
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const path = `/artifacts/${artifactId}/download.zip`;
      assert.equal(res.data!.run.output.downloadUrl, path);
      assert.equal(
        res.data!.run.baseModel.downloadUrl,
        path,
        "the previous test made it the model's weights",
      );
      const got = await get(path, await createApiKeyForTest(server.db, "read"));
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("content-type"), "application/zip");
      assert.match(
        got.headers.get("content-disposition") ?? "",
        /^attachment; filename="?artifact-[0-9a-f-]+\.zip"?$/,
      );
      const unzipped = unzipSync(new Uint8Array(await got.arrayBuffer()));
      assert.deepEqual(Object.keys(unzipped).sort(), files.map((f) => f.name).sort());
      for (const f of files) assert.ok(Buffer.from(unzipped[f.name]!).equals(f.content), f.name);

      assert.equal((await get(path, null)).status, 401);
      assert.equal((await get(path, owner.secret)).status, 200, "the runner that ran the run");
      assert.equal((await get(path, (await registerRunnerForTest(server.db)).secret)).status, 403);
      const unknown = "/artifacts/00000000-0000-0000-0000-000000000000/download.zip";
      assert.equal((await get(unknown, server.adminKey)).status, 404);
      assert.equal((await get("/artifacts/not-a-uuid/download.zip", server.adminKey)).status, 404);
    });
  });
}
