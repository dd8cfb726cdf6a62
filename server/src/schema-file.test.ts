import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { checkSchema, printAppSchema, schemaFile } from "./schema-file.js";

const dir = mkdtempSync(join(tmpdir(), "tunelab-schema-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the committed schema.graphql matches the resolvers", async () => {
  assert.deepEqual(await checkSchema(schemaFile), { upToDate: true });
});

test("check:schema catches a drifted schema and says how to fix it", async () => {
  const drifted = join(dir, "drifted.graphql");
  const current = await printAppSchema();
  assert.ok(current.includes("  rowCount: Int!\n"));
  writeFileSync(drifted, current.replace("  rowCount: Int!\n", "  rowCount: Float!\n"));

  const result = await checkSchema(drifted);
  assert.equal(result.upToDate, false);
  assert.ok(
    !result.upToDate &&
      result.hint.includes("-   rowCount: Float!") &&
      result.hint.includes("+   rowCount: Int!"),
  );

  const cli = spawnSync(process.execPath, [join(__dirname, "emit-schema.js"), "--check", "--file", drifted], {
    encoding: "utf8",
  });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /stale: run `npm run emit:schema`/);
});

test("emit writes exactly what check expects", async () => {
  const file = join(dir, "emitted.graphql");
  const cli = spawnSync(process.execPath, [join(__dirname, "emit-schema.js"), "--file", file], {
    encoding: "utf8",
  });
  assert.equal(cli.status, 0);
  assert.equal(readFileSync(file, "utf8"), await printAppSchema());
  assert.deepEqual(await checkSchema(file), { upToDate: true });
});
