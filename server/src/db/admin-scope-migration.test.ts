import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createThrowawayDatabase } from "../testing/pg.js";
import { drivers } from "../testing/test-server.js";
import { Database, type DatabaseTarget } from "./database.js";
import { loadMigrations } from "./migrations.js";

const all = loadMigrations();
const adminScope = all.findIndex((m) => m.name === "AdminScope1796145182711");

for (const driver of drivers) {
  describe(`the admin-scope migration on ${driver}`, () => {
    test("the oldest live READ_WRITE key becomes ADMIN; revoked, READ and later keys keep their scope", async () => {
      assert.ok(adminScope > 0, "AdminScope1796145182711 is among the migrations");
      let target: DatabaseTarget;
      let drop: () => Promise<void> | void;
      if (driver === "pg") {
        const pg = await createThrowawayDatabase();
        target = { driver: "pg", url: pg.url };
        drop = pg.drop;
      } else {
        const dir = mkdtempSync(join(tmpdir(), "tunelab-admin-scope-"));
        target = { driver: "pglite", dataDir: dir };
        drop = () => rmSync(dir, { recursive: true, force: true });
      }
      try {
        // A database as the release before the migration left it, with the keys a person may have made.
        const old = await Database.open(target, { migrations: all.slice(0, adminScope) });
        await old.write((m) =>
          m.query(
            `INSERT INTO api_key (name, key_hash, key_hint, scope, revoked_at) VALUES
               ('revoked first key', 'h1', 'x', 'READ_WRITE', now()),
               ('admin key', 'h2', 'x', 'READ_WRITE', NULL),
               ('dashboard', 'h3', 'x', 'READ', NULL),
               ('script', 'h4', 'x', 'READ_WRITE', NULL)`,
          ),
        );
        await old.close();

        const db = await Database.open(target);
        const scopes = await db.read((m) => m.query(`SELECT name, scope FROM api_key ORDER BY seq`));
        await db.close();
        assert.deepEqual(scopes, [
          { name: "revoked first key", scope: "READ_WRITE" },
          { name: "admin key", scope: "ADMIN" },
          { name: "dashboard", scope: "READ" },
          { name: "script", scope: "READ_WRITE" },
        ]);
      } finally {
        await drop();
      }
    });
  });
}
