// Builds the dashboard (web/: GraphQL codegen, then `next build` into web/out) unless its inputs are the
// ones the last build was made from: a second `npm start` or `npm run build` then takes seconds, not ~30 s.
// The inputs are the files under web/ (outputs and caches excluded), schema.graphql (codegen) and package-lock.json (the toolchain); their digest is kept in web/out.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const stampFile = join(root, "web", "out", ".inputs-sha256");
const SKIP_DIRS = new Set(["node_modules", "out", ".next", "dist"]);

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : files(path);
    return e.isFile() && !e.name.endsWith(".tsbuildinfo") ? [path] : [];
  });
}

/** sha256 over the inputs' relative paths and contents, in path order. */
export function webInputsDigest(base = root) {
  const hash = createHash("sha256");
  const inputs = [
    ...files(join(base, "web")),
    join(base, "schema.graphql"),
    join(base, "package-lock.json"),
  ].sort();
  for (const file of inputs) {
    hash.update(relative(base, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

if (import.meta.filename === process.argv[1]) {
  const digest = webInputsDigest();
  const built = existsSync(join(root, "web", "out", "index.html")) && existsSync(stampFile);
  if (built && readFileSync(stampFile, "utf8").trim() === digest) {
    console.log("dashboard up to date (web/out): build skipped");
    process.exit(0);
  }
  const result = spawnSync("npm", ["run", "build", "-w", "@tunelab/web"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // the digest after the build: codegen rewrites web/lib/gql, next may touch next-env.d.ts
  writeFileSync(stampFile, `${webInputsDigest()}\n`);
}
