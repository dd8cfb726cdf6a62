import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startServer } from "../app/server.js";
import { loadConfig } from "../config.js";

/** Every path under `dir` whose mode is not 0700 (folders) or 0600 (files). */
function loose(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    if ((statSync(folder).mode & 0o777) !== 0o700) found.push(folder);
    for (const e of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile() && (statSync(path).mode & 0o777) !== 0o600) found.push(path);
    }
  };
  walk(dir);
  return found;
}

test("PGlite data folder (as main.ts runs it): 0700 folders and 0600 files, the embedded database too; an old 0644 install fixed on start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-modes-"));
  const previous = process.umask(0o022);
  try {
    mkdirSync(join(dir, "db", "old"), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, "db", "old", "file"), "x", { mode: 0o644 });
    // the data folder's other contents are not Tunelab's to change (a person may point it at any folder)
    writeFileSync(join(dir, "notes.txt"), "mine", { mode: 0o644 });
    const config = {
      ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }),
      databaseUrl: undefined,
      dataDir: dir,
    };
    await (await startServer(config)).close();
    // What the database wrote under umask 022 is made owner-only at the next start; what it writes from
    // then on is owner-only by the umask main.ts sets.
    process.umask(0o077);
    const second = await startServer(config);
    await second.db.write((m) => m.query("CREATE TABLE mode_probe AS SELECT generate_series(1, 1000) AS n"));
    assert.deepEqual(loose(dir), [join(dir, "notes.txt")]);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    await second.close();
  } finally {
    process.umask(previous);
    rmSync(dir, { recursive: true, force: true });
  }
});
