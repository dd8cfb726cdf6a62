import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EXIT } from "./agent.js";
import { writeConfig } from "./config-file.js";
import { msg, runCli } from "./test-kit.js";

/** Exit codes that need no server: no config, and a server that is not there. */

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test("start without a config file: exit 78 and how to register", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-cli-"));
  const r = runCli(["start", "--config", join(dir, "runner.json")]);
  const { code } = await r.exit;
  assert.equal(code, EXIT.CONFIG);
  assert.ok(r.logs.some(msg(/no runner config at .*runner\.json: run `npm run runner -- register/)));
  rmSync(dir, { recursive: true });
});

test("a server that is not there: start retries with backoff, then exits 69; register exits 69", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-cli-"));
  const port = await closedPort();
  const config = join(dir, "runner.json");
  await writeConfig(config, {
    server: `http://127.0.0.1:${port}`,
    runnerId: "00000000-0000-0000-0000-000000000000",
    secret: "tlr_nothing",
    name: "t",
    labels: [],
  });
  const r = runCli([
    "start",
    "--config",
    config,
    "--work-dir",
    join(dir, "work"),
    "--give-up-after",
    "2",
    "--retry-max-ms",
    "800",
  ]);
  const { code } = await r.exit;
  assert.equal(code, EXIT.UNAVAILABLE);
  const retries = r.logs.filter(msg(/cannot reach the server .*ECONNREFUSED.*; retrying/));
  assert.ok(retries.length >= 2, `retried ${retries.length} times`);
  assert.ok(retries.length <= 12, `no tight loop: ${retries.length} attempts in 2 s`);
  assert.ok(retries.every((l) => typeof l.retryInMs === "number" && l.retryInMs >= 250));
  assert.ok(r.logs.some(msg(/gave up after 2 s \(--give-up-after\)/)));

  const reg = runCli([
    "register",
    "--server",
    `http://127.0.0.1:${port}`,
    "--token",
    "tlt_x",
    "--config",
    config,
    "--backend",
    "cpu",
  ]);
  assert.equal((await reg.exit).code, EXIT.UNAVAILABLE);
  assert.ok(reg.logs.some(msg(/cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/)));
  rmSync(dir, { recursive: true });
});

test("start removes the job folders a killed agent left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-cli-"));
  const work = join(dir, "work");
  // What a SIGKILLed agent leaves: a job folder with a checkpoint, written under a permissive umask.
  mkdirSync(join(work, "jobs", "killed-job", "checkpoint"), { recursive: true, mode: 0o755 });
  writeFileSync(join(work, "jobs", "killed-job", "checkpoint", "weights.bin"), "x", { mode: 0o644 });
  const config = join(dir, "runner.json");
  await writeConfig(config, {
    server: `http://127.0.0.1:${await closedPort()}`,
    runnerId: "00000000-0000-0000-0000-000000000000",
    secret: "tlr_nothing",
    name: "t",
    labels: [],
  });
  const r = runCli(["start", "--config", config, "--work-dir", work, "--give-up-after", "1"]);
  assert.equal((await r.exit).code, EXIT.UNAVAILABLE);
  assert.equal(existsSync(join(work, "jobs")), false, "the orphaned job folder is gone");
  rmSync(dir, { recursive: true });
});
