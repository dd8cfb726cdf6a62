import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig } from "./config.js";

test("defaults: port 4000, embedded database in ./.tunelab, 50 MB datasets", () => {
  const config = loadConfig({});
  assert.equal(config.port, 4000);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, join(process.cwd(), ".tunelab"));
  assert.equal(config.datasetMaxBytes, 50 * 1024 * 1024);
  assert.equal(config.logLevel, "info");
  assert.equal(
    config.uploadInflightMaxBytes,
    4 * config.uploadMaxBytes,
    "four of the largest uploads at once",
  );
  assert.equal(loadConfig({ TUNELAB_UPLOAD_MAX_BYTES: "1000" }).uploadInflightMaxBytes, 4000);
});

test("flags override the environment; empty variables count as unset", () => {
  const config = loadConfig(
    { PORT: "5000", DATABASE_URL: "", TUNELAB_DATA_DIR: "/tmp/x" },
    { PORT: 6000, TUNELAB_DATASET_MAX_BYTES: "1024" },
  );
  assert.equal(config.port, 6000);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, "/tmp/x");
  assert.equal(config.datasetMaxBytes, 1024);
});

test("a bad value is a ConfigError naming the variable", () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: "http" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ TUNELAB_DATASET_MAX_BYTES: "-1" }, "TUNELAB_DATASET_MAX_BYTES"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES: "0" }, "TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES"],
    // less than one upload of the largest size could never take that upload
    [
      { TUNELAB_UPLOAD_MAX_BYTES: "2000", TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES: "1999" },
      "TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES",
    ],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig(env),
      (e: ConfigError) => e instanceof ConfigError && e.variable === variable && e.message.includes(variable),
    );
  }
});

const main = join(__dirname, "main.js");

test("the server's --help lists every flag with its variable", () => {
  const result = spawnSync(process.execPath, [main, "--help"], { encoding: "utf8" });
  assert.equal(result.status, 0);
  for (const text of ["--port", "PORT", "--database-url", "DATABASE_URL", "--data-dir", "TUNELAB_DATA_DIR"]) {
    assert.ok(result.stdout.includes(text), `--help mentions ${text}`);
  }
});

test("the server refuses to start on a bad variable and names it", () => {
  const result = spawnSync(process.execPath, [main], {
    encoding: "utf8",
    env: { ...process.env, PORT: "not-a-port", LOG_LEVEL: "silent" },
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /invalid configuration: PORT/);
});
