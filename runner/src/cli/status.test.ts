import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeConfig } from "../agent/config-file.js";
import { backendName, skippedForServer } from "../agent/devices.js";
import { runCli } from "../agent/test-kit.js";
import { backendLines } from "./status.js";

test("backendLines: the backend, then one line per faster backend skipped and why", () => {
  assert.deepEqual(
    backendLines({
      name: "wasm",
      source: "@tensorflow/tfjs-backend-wasm",
      skipped: [
        "tensorflow: Cannot find module '@tensorflow/tfjs-node'",
        "native: @tunelab/native did not build: libopenblas not found",
      ],
    }),
    [
      "backend:     wasm (@tensorflow/tfjs-backend-wasm)",
      "  skipped:   tensorflow: Cannot find module '@tensorflow/tfjs-node'",
      "             native: @tunelab/native did not build: libopenblas not found",
    ],
  );
  assert.deepEqual(
    backendLines({ name: "native", source: "@tunelab/native (OpenBLAS, 2 threads)", skipped: [] }),
    ["backend:     native (@tunelab/native (OpenBLAS, 2 threads))"],
  );
  assert.deepEqual(backendLines({ error: "the engine did not report a backend within 30 s" }), [
    "backend:     unknown (the engine did not report a backend within 30 s)",
  ]);
});

test("backendName maps the native addon; skippedForServer keeps what registerRunner accepts", () => {
  assert.equal(backendName("@tunelab/native (OpenBLAS, 2 threads)"), "native");
  assert.deepEqual(skippedForServer(["a\nb\tc", "  ", "x".repeat(400), ...Array(10).fill("n")]), [
    "a b c",
    `${"x".repeat(299)}…`,
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
  ]);
});

test("`status` prints the backend the engine chooses here and why faster ones were skipped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-status-"));
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  const config = join(dir, "runner.json");
  await writeConfig(config, {
    server: `http://127.0.0.1:${port}`,
    runnerId: "00000000-0000-0000-0000-000000000000",
    secret: "tlr_nothing",
    name: "t",
    labels: [],
  });
  // the native addon switched off: a reason every machine gives (tfjs-node's depend on what is installed)
  const env = { TUNELAB_NATIVE: "off", TUNELAB_BACKEND: "" };
  const json = runCli(["status", "--config", config, "--json", "--work-dir", join(dir, "work")], env);
  const text = runCli(["status", "--config", config, "--work-dir", join(dir, "work")], env);
  assert.equal((await json.exit).code, 0, JSON.stringify(json.logs));
  assert.equal((await text.exit).code, 0, JSON.stringify(text.logs));
  const { backend } = JSON.parse(json.stdout()) as {
    backend: { name: string; source: string; skipped: string[] };
  };
  if (!backend.name.startsWith("tfjs-node")) {
    assert.ok(["wasm", "cpu"].includes(backend.name), backend.name);
    assert.ok(backend.skipped.includes("native: disabled by TUNELAB_NATIVE=off"), JSON.stringify(backend));
  }
  for (const line of backendLines(backend)) assert.ok(text.stdout().includes(`${line}\n`), text.stdout());
  rmSync(dir, { recursive: true });
});
