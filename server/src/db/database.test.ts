import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadMigrations } from "./migrations.js";
import { openTestDatabase, type TestDatabase } from "../testing/database.js";
import { drivers } from "../testing/test-server.js";

const tables = (t: TestDatabase) =>
  t.db.read(async (m) =>
    (
      (await m.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      )) as { table_name: string }[]
    ).map((r) => r.table_name),
  );

const insertDataset = (name: string) =>
  `INSERT INTO dataset (name, format, kind, content_hash, size_bytes, row_count, train_row_count,
     eval_row_count, char_count, eval_fraction, split_seed)
   VALUES ('${name}', 'JSONL', 'TEXT', '${name}', 1, 1, 1, 0, 1, 0, 1)`;

const datasetNames = (t: TestDatabase) =>
  t.db.read(async (m) =>
    ((await m.query("SELECT name FROM dataset ORDER BY name")) as { name: string }[]).map((r) => r.name),
  );

for (const driver of drivers) {
  describe(`Database on ${driver}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await openTestDatabase(driver, { migrate: false });
    });
    after(() => t.dispose());

    test("migrates an empty database, and is ready only afterwards", async () => {
      assert.deepEqual(await tables(t), []);
      assert.equal(await t.db.isReady(), false);
      const applied = await t.db.migrate();
      assert.deepEqual(
        applied,
        loadMigrations().map((m) => m.name),
        "every migration in migrations/dist, in file order",
      );
      assert.equal(applied[0], "Datasets1764360000000");
      const created = await tables(t);
      for (const table of [
        "dataset",
        "dataset_row",
        "migrations",
        "run",
        "job",
        "metric_point",
        "artifact_file",
      ]) {
        assert.ok(created.includes(table), `table ${table} exists after migrating`);
      }
      assert.equal(await t.db.isReady(), true);
      assert.deepEqual(await t.db.migrate(), [], "a second run applies nothing");
    });

    test("gen_random_uuid (pgcrypto) fills uuid keys", async () => {
      await t.db.write((m) => m.query(insertDataset("uuid-check")));
      const [row] = (await t.db.read((m) => m.query("SELECT id FROM dataset WHERE name = 'uuid-check'"))) as {
        id: string;
      }[];
      assert.match(row!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await t.db.write((m) => m.query("DELETE FROM dataset"));
    });

    test("write commits when fn resolves and rolls back all of it when fn throws", async () => {
      await t.db.write((m) => m.query(insertDataset("kept")));
      await assert.rejects(
        t.db.write(async (m) => {
          await m.query(insertDataset("undone-1"));
          await m.query(insertDataset("undone-2"));
          throw new Error("boom");
        }),
        /boom/,
      );
      assert.deepEqual(await datasetNames(t), ["kept"]);
      await t.db.write((m) => m.query("DELETE FROM dataset"));
    });

    test("overlapping writes stay isolated: one's rollback does not undo the other's commit", async () => {
      // On PGlite both would share one session's transaction without Database's lock (stack.md).
      let firstInserted!: () => void;
      const inserted = new Promise<void>((resolve) => {
        firstInserted = resolve;
      });
      const failing = t.db.write(async (m) => {
        await m.query(insertDataset("rolled-back"));
        firstInserted();
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error("abort");
      });
      await inserted;
      const committing = t.db.write((m) => m.query(insertDataset("committed")));
      await assert.rejects(failing, /abort/);
      await committing;
      assert.deepEqual(await datasetNames(t), ["committed"]);
      await t.db.write((m) => m.query("DELETE FROM dataset"));
    });
  });
}

test("nothing outside server/src/db reaches past Database to TypeORM's connection", () => {
  const src = join(__dirname, "..", "..", "src");
  const forbidden = [
    /\.transaction\s*\(/,
    /createQueryRunner\s*\(/,
    /new DataSource\s*\(/,
    /getRepository\s*\(/,
    /\.dataSource\b/,
  ];
  const offenders: string[] = [];
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const path = relative(src, file);
    if (path.startsWith("db/") || path.endsWith(".test.ts")) continue;
    const text = readFileSync(file, "utf8");
    for (const pattern of forbidden) if (pattern.test(text)) offenders.push(`${path}: ${pattern}`);
  }
  assert.deepEqual(offenders, [], "use db.read / db.write (server/src/db/database.ts)");
});
