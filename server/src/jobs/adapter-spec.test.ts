import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { createRunFixtures, insertImportedAdapterForTest, queueRunsForTest } from "../testing/runs.js";
import { drivers, startTestServer, type TestServer } from "../testing/test-server.js";

// biome-ignore lint/suspicious/noExplicitAny: the job spec is JSON, read loosely in these assertions.
type Loose = any;

const files = [
  { name: "adapter_config.json", content: Buffer.from('{"peft_type":"LORA","r":8}') },
  { name: "adapter_model.safetensors", content: Buffer.from(Array.from({ length: 500 }, (_, i) => i % 251)) },
];
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

for (const driver of drivers) {
  describe(`a run that works on an adapter (${driver})`, () => {
    let server: TestServer;
    let apiKey: string;
    const runners: ScriptedRunner[] = [];

    before(async () => {
      server = await startTestServer(driver, { leaseMs: 10_000 });
      apiKey = await createApiKeyForTest(server.db, "read");
    });
    after(async () => {
      await Promise.all(runners.map((r) => r.close()));
      await server.close();
    });

    test("its job spec names the adapter, its recorded method and files; only its runner may download them", async () => {
      const fixtures = await createRunFixtures(server.db);
      const method = { method: "qlora", r: 8, lora_alpha: 16, target_modules: ["q_proj"] };
      const { adapterId, artifactId } = await insertImportedAdapterForTest(
        server.db,
        fixtures.baseModelId,
        files,
        method,
      );
      const holder = await registerRunnerForTest(server.db);
      const other = await registerRunnerForTest(server.db);
      const [runId] = await queueRunsForTest(server, { kind: "EVALUATE", adapterId, fixtures });
      const runner = await ScriptedRunner.connect(server.url, holder.secret, holder.runnerId);
      runners.push(runner);
      await runner.waitFor((e) => e.length > 0, 10_000, "the assignment");
      const spec = runner.events[0]!.job.spec as Loose;
      assert.equal(spec.runId, runId);
      assert.equal(spec.kind, "EVALUATE");
      assert.deepEqual(spec.adapter, {
        id: adapterId,
        artifactId,
        method,
        files: files.map((f) => ({ name: f.name, sizeBytes: f.content.length, sha256: sha256(f.content) })),
      });

      const get = (name: string, secret: string) =>
        fetch(`${server.origin}/artifacts/${artifactId}/files/${name}`, {
          headers: { authorization: `Bearer ${secret}` },
        });
      for (const f of files) {
        const res = await get(f.name, holder.secret);
        assert.equal(res.status, 200, f.name);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), f.content);
      }
      assert.equal((await get(files[0]!.name, other.secret)).status, 403, "a runner that never held the run");

      const read = await server.gql<{
        run: { kind: string; inputAdapterId: string; inputAdapter: Loose; adapter: null };
      }>(
        `query($id: ID!) { run(id: $id) { kind inputAdapterId inputAdapter { id method source } adapter { id } } }`,
        { id: runId },
        apiKey,
      );
      assert.equal(read.errors, undefined, JSON.stringify(read.errors));
      assert.deepEqual(read.data!.run, {
        kind: "EVALUATE",
        inputAdapterId: adapterId,
        inputAdapter: { id: adapterId, method: "qlora", source: "IMPORT" },
        adapter: null,
      });
      await runner.close(); // the next test's run must go to its own runner
    });

    test("a training run's spec has adapter null", async () => {
      const holder = await registerRunnerForTest(server.db);
      const [runId] = await queueRunsForTest(server);
      const runner = await ScriptedRunner.connect(server.url, holder.secret, holder.runnerId);
      runners.push(runner);
      await runner.waitFor((e) => e.some((x) => x.job.runId === runId), 10_000, "the assignment");
      const spec = runner.events.find((x) => x.job.runId === runId)!.job.spec as Loose;
      assert.equal(spec.kind, "TRAIN");
      assert.equal(spec.adapter, null);
    });
  });
}
