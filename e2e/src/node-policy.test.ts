// One Node.js policy (README "Quick start"): package.json's engines.node is the version everything must
// run on. No installed package may ask for a newer one (npm ci would print EBADENGINE warnings, and the
// README would be untrue), .nvmrc and the Dockerfiles name the same major, and `npm start` refuses an
// older Node with a sentence.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { repoRoot } from "./support/browser.js";

const semver = createRequire(__filename)("semver") as {
  minVersion(range: string): { version: string; major: number } | null;
  satisfies(version: string, range: string): boolean;
};
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
const minimum = semver.minVersion(engines)!;

test("every package in package-lock.json runs on the Node.js that engines.node names", () => {
  const lock = JSON.parse(read("package-lock.json")) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const refusing = Object.entries(lock.packages).flatMap(([path, p]) => {
    const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
    return range && !semver.satisfies(minimum.version, range) ? [`${path}@${p.version} needs ${range}`] : [];
  });
  assert.deepEqual(refusing, [], `engines.node is "${engines}"`);
});

test(".nvmrc and the Dockerfiles name the same Node.js major as engines.node", () => {
  assert.equal(read(".nvmrc").trim(), String(minimum.major));
  for (const file of ["server/Dockerfile", "runner/Dockerfile"])
    for (const [, major] of read(file).matchAll(/FROM node:(\d+)/g))
      assert.equal(Number(major), minimum.major, file);
  assert.match(
    read("README.md"),
    new RegExp(`Node\\.js ${minimum.version.replace(/\.0$/, "").replace(/\./g, "\\.")} or newer`),
  );
});

test("npm start's check: an older Node is refused with a sentence naming both versions", async () => {
  const { nodeVersionProblem } = (await import(
    pathToFileURL(join(repoRoot, "scripts", "lib", "node-version.mjs")).href
  )) as { nodeVersionProblem(version: string, engines: string): string | null };
  assert.equal(nodeVersionProblem(minimum.version, engines), null);
  assert.equal(nodeVersionProblem("22.12.0", engines), null);
  assert.match(
    nodeVersionProblem("20.9.0", engines) ?? "",
    /needs Node\.js 20\.19\.0 or newer .* this is Node\.js 20\.9\.0/,
  );
  assert.match(nodeVersionProblem("18.20.4", engines) ?? "", /Node\.js 18\.20\.4/);
});
