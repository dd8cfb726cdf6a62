// Runs every compiled test file (`*.test.js` under <workspace>/dist) with Node's own test runner.
// `node scripts/test.mjs server runner` limits the run to those workspaces.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const all = ["core", "server", "runner", "web", "e2e"];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const workspaces = wanted.length > 0 ? wanted : all;

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.js"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const files = workspaces.flatMap((ws) => testFiles(join(ws, "dist")));
if (files.length === 0) {
  console.error(
    `no test files found under ${workspaces.map((w) => `${w}/dist`).join(", ")}: run npm run build`,
  );
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", "--test-concurrency=2", "--test-timeout=900000", ...files],
  { stdio: "inherit", env: { ...process.env, NODE_ENV: "test" } },
);
process.exit(result.status ?? 1);
