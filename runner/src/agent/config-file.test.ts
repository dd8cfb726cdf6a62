import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  ConfigFileError,
  ConfigLockedError,
  lockConfig,
  readConfig,
  secretHint,
  writeConfig,
} from "./config-file.js";
import { backendName, parseNvidiaSmi } from "./devices.js";
import { ApiError, backoffMs, serverUrls } from "./api.js";

const config = {
  server: "http://127.0.0.1:4000",
  runnerId: "r-1",
  secret: "tlr_abcdefghijklmnop",
  name: "box",
  labels: ["gpu"],
};

test("config file: written 0600, read back; a looser mode is tightened; missing/invalid files say what to do", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-config-"));
  const path = join(dir, "sub", "runner.json");
  await writeConfig(path, config);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(await readConfig(path), config);
  chmodSync(path, 0o644);
  await readConfig(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  await assert.rejects(readConfig(join(dir, "none.json")), (e: Error) => {
    assert.ok(e instanceof ConfigFileError);
    assert.match(e.message, /npm run runner -- register/);
    return true;
  });
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...config, secret: "" }));
  await assert.rejects(readConfig(join(dir, "bad.json")), /secret/);
  assert.equal(secretHint(config.secret), "tlr_…mnop");
  rmSync(dir, { recursive: true });
});

test("serverUrls: what a person types → GraphQL, WebSocket and origin", () => {
  const check = (input: string, graphql: string, ws: string) => {
    const u = serverUrls(input);
    assert.equal(u.graphql, graphql);
    assert.equal(u.ws, ws);
  };
  check("http://localhost:4000", "http://localhost:4000/graphql", "ws://localhost:4000/graphql");
  check("http://localhost:4000/graphql", "http://localhost:4000/graphql", "ws://localhost:4000/graphql");
  check("https://tl.example/base/", "https://tl.example/base/graphql", "wss://tl.example/base/graphql");
  assert.throws(
    () => serverUrls("localhost:4000"),
    (e: Error) => e instanceof ApiError && /http/.test(e.message),
  );
});

test("backoff: jittered between half and all of a capped doubling", () => {
  for (const [attempt, ceiling] of [
    [0, 500],
    [3, 4000],
    [30, 15_000],
  ] as const) {
    for (let i = 0; i < 20; i++) {
      const ms = backoffMs(attempt, 500, 15_000);
      assert.ok(ms >= ceiling / 2 && ms <= ceiling, `${attempt}: ${ms}`);
    }
  }
});

test("parseNvidiaSmi: name (commas kept), total and free MiB → bytes; junk lines skipped", () => {
  const gpus = parseNvidiaSmi("NVIDIA H100 80GB HBM3, 81559, 80000\nA, B, 1024, 512\n\n[N/A]\n");
  assert.deepEqual(gpus, [
    { name: "NVIDIA H100 80GB HBM3", totalBytes: 81559 * 2 ** 20, freeBytes: 80000 * 2 ** 20 },
    { name: "A,B", totalBytes: 2 ** 30, freeBytes: 2 ** 29 },
  ]);
});

test("backendName: the engine's package → the server's backend names", () => {
  assert.equal(backendName("@tensorflow/tfjs-node-gpu"), "tfjs-node-gpu");
  assert.equal(backendName("@tensorflow/tfjs-node"), "tfjs-node");
  assert.equal(backendName("@tensorflow/tfjs-backend-wasm"), "wasm");
  assert.equal(backendName("@tensorflow/tfjs (cpu)"), "cpu");
});

test("lockConfig: one start per config; a lock left by a dead process is taken over; release removes it", () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-lock-"));
  const path = join(dir, "runner.json");
  writeFileSync(`${path}.lock`, `${process.ppid}\n`); // a live process holds it
  assert.throws(
    () => lockConfig(path),
    (e: Error) => e instanceof ConfigLockedError && /pid \d+/.test(e.message),
  );
  writeFileSync(`${path}.lock`, "999999999\n"); // no such process
  const release = lockConfig(path);
  assert.equal(readFileSync(`${path}.lock`, "utf8").trim(), String(process.pid));
  release();
  assert.ok(!existsSync(`${path}.lock`));
  rmSync(dir, { recursive: true });
});
