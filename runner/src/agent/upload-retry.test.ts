// The runner's uploads against a real server whose POST /uploads is busy (its bytes in flight held by
// another caller's upload): the runner waits the Retry-After and tries again, and the retry reuses what an
// earlier try staged, so no abandoned upload counts against the runner's 32 unused ones.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { registerRunnerForTest } from "@tunelab/server/dist/testing/auth.js";
import { ScriptedRunner } from "@tunelab/server/dist/testing/runner-client.js";
import { queueRunsForTest } from "@tunelab/server/dist/testing/runs.js";
import { startTestServer, type TestServer } from "@tunelab/server/dist/testing/test-server.js";
import { holdUploadsForTest } from "@tunelab/server/dist/testing/uploads.js";
import { type ApiError, type FileUpload, RunnerApi, StagedFiles, serverUrls, withRetry } from "./api.js";

const kib = 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("a runner's upload while POST /uploads is busy", () => {
  let server: TestServer;
  let ws: ScriptedRunner;
  let api: RunnerApi;
  let runnerId: string;
  let jobId: string;
  let dir: string;
  let files: FileUpload[];
  const contents = new Map<string, Buffer>();

  const runnersUploads = async () =>
    (
      (await server.db.read((m) =>
        m.query(`SELECT count(*)::int AS n FROM staged_upload WHERE runner_id = $1`, [runnerId]),
      )) as { n: number }[]
    )[0]!.n;
  const checkpointFiles = async (artifactId: string) =>
    (await server.db.read((m) =>
      m.query(`SELECT name, sha256 FROM artifact_file WHERE artifact_id = $1 ORDER BY name`, [artifactId]),
    )) as { name: string; sha256: string }[];

  /**
   * uploadCheckpoint under withRetry (as job-runner calls it) while 40 of the 64 KiB the server holds at
   * once are held by another upload: the small file fits, the 30 KiB one is refused (503) until
   * `onBusy` lets the held upload finish.
   */
  const uploadWhileBusy = async (step: number, onBusy: () => Promise<void>) => {
    const [held] = await holdUploadsForTest(server.origin, [40 * kib], server.adminKey, 24 * kib + 1);
    const retries: { err: ApiError; waitMs: number }[] = [];
    const started = Date.now();
    const staged = new StagedFiles();
    const checkpoint = await withRetry(() => api.uploadCheckpoint(jobId, step, files, staged), {
      deadline: Date.now() + 60_000,
      onRetry: (err, waitMs) => {
        retries.push({ err, waitMs });
        void onBusy().then(() => held!.finish());
      },
    });
    return { checkpoint, retries, elapsedMs: Date.now() - started };
  };

  before(async () => {
    server = await startTestServer("pg", {
      uploadMaxBytes: 64 * kib,
      uploadInflightMaxBytes: 64 * kib,
      leaseMs: 120_000,
    });
    const runner = await registerRunnerForTest(server.db);
    runnerId = runner.runnerId;
    ws = await ScriptedRunner.connect(server.url, runner.secret, runnerId);
    await queueRunsForTest(server);
    await ws.waitFor((e) => e.some((x) => x.kind === "ASSIGNED"), 10_000, "the assignment");
    jobId = ws.assigned()[0]!.id;
    api = new RunnerApi(serverUrls(server.origin), runner.secret);
    await api.startJob(jobId);
    dir = await mkdtemp(join(tmpdir(), "tunelab-upload-retry-"));
    files = [];
    for (const [name, bytes] of [
      ["a-small.json", 1 * kib],
      ["b-weights.bin", 30 * kib],
    ] as const) {
      const content = randomBytes(bytes);
      contents.set(name, content);
      await writeFile(join(dir, name), content);
      files.push({ name, path: join(dir, name) });
    }
  });
  after(async () => {
    await ws.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("503 with Retry-After: the upload waits that long and tries again, staging only what the refused try did not", async () => {
    const { checkpoint, retries, elapsedMs } = await uploadWhileBusy(5, async () => {});
    assert.equal(retries.length, 1, JSON.stringify(retries.map((r) => r.err.message)));
    const [{ err, waitMs }] = retries as [{ err: ApiError; waitMs: number }];
    assert.equal(err.code, "UPLOADS_BUSY", err.message);
    assert.equal(err.retryAfterMs, 2000);
    assert.ok(waitMs >= 2000, `waited ${waitMs} ms`);
    assert.ok(elapsedMs >= 2000, `took ${elapsedMs} ms`);
    assert.deepEqual(
      await checkpointFiles(checkpoint.id),
      files.map((f) => ({ name: f.name, sha256: sha(contents.get(f.name)!) })),
    );
    // the first try's a-small.json was used by the second, not left behind (staged again, it would be)
    assert.equal(await runnersUploads(), 0);
  });

  test("a reused upload that is gone meanwhile (expired, swept): everything is staged afresh and the upload succeeds", async () => {
    const { checkpoint, retries } = await uploadWhileBusy(10, async () => {
      await server.db.write((m) => m.query(`DELETE FROM staged_upload WHERE runner_id = $1`, [runnerId]));
    });
    assert.equal(retries.length, 1);
    assert.deepEqual(
      (await checkpointFiles(checkpoint.id)).map((f) => f.sha256),
      files.map((f) => sha(contents.get(f.name)!)),
    );
    assert.equal(await runnersUploads(), 0);
  });
});
