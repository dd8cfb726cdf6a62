// Builds the optional native addon with node-gyp (`npm run build` calls this). The addon is optional:
// when the toolchain or the BLAS is missing the build records why in build/unavailable.txt and exits 0,
// and the engine falls back to wasm, printing that reason. TUNELAB_NATIVE=off skips the build.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, "build", "Release", "tunelab_native.node");
const reasonFile = join(here, "build", "unavailable.txt");

function unavailable(reason) {
  mkdirSync(join(here, "build"), { recursive: true });
  writeFileSync(reasonFile, `${reason}\n`);
  console.log(`@tunelab/native: not built (${reason}); the engine will use wasm`);
  process.exit(0);
}

if (process.env.TUNELAB_NATIVE === "off") unavailable("TUNELAB_NATIVE=off");

const sources = [
  join(here, "binding.gyp"),
  ...readdirSync(join(here, "src")).map((f) => join(here, "src", f)),
];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
if (existsSync(addon) && statSync(addon).mtimeMs > newest) {
  console.log("@tunelab/native: up to date");
  process.exit(0);
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
} catch {
  unavailable("node-gyp is not installed (npm ci installs it)");
}
rmSync(reasonFile, { force: true });
const started = Date.now();
const result = spawnSync(process.execPath, [nodeGyp, "rebuild", "--loglevel=warn"], {
  cwd: here,
  encoding: "utf8",
  env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? "/usr" },
});
if (result.status !== 0) {
  const lines = `${result.stderr}\n${result.stdout}`
    .split("\n")
    .filter((l) => /error|not found|No such/i.test(l));
  unavailable(lines[0]?.trim() || `node-gyp exited with ${result.status}`);
}
console.log(`@tunelab/native: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
