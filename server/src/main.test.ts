import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

test("main starts on PGlite, prints its URL, serves, and on SIGTERM closes everything and exits 0", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tunelab-main-"));
  const child = spawn(process.execPath, [join(__dirname, "main.js"), "--port", "0", "--data-dir", dataDir], {
    env: { ...process.env, LOG_LEVEL: "info", DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk;
        const match = /Tunelab is running at (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code) => reject(new Error(`main exited with ${code} before printing its URL`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const ready = await fetch(url.replace(/\/graphql$/, "/readyz"));
    assert.deepEqual(await ready.json(), { status: "ready", database: "pglite" });

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    const messages = out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    assert.deepEqual(messages.slice(-3), [
      "signal received",
      "shutting down: draining requests and subscriptions",
      "stopped",
    ]);
  } finally {
    child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
