// The README's first command as a new user meets it: `npm start` (scripts/start.mjs after the build that
// `npm test` has already done) on an empty data folder must end at a finished comparison of the five demo
// methods that the dashboard renders; a second start reuses everything and queues nothing new.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { launchBrowser, openPage, repoRoot, screenshot } from "./support/browser.js";

const dataDir = mkdtempSync(join(tmpdir(), "tunelab-npm-start-"));
const children: ChildProcess[] = [];

after(async () => {
  // Each start runs in its own process group: the server and runner it spawned go with it.
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the comparison URL the script prints at the end. */
  ready: Promise<string>;
}

/**
 * The README's command exactly: `npm start` from the repository root (its build step skips what did not
 * change), with the port and data folder from the environment as `npm start -- --help` documents.
 * Its stdout is not a terminal here: after npm's own "> tunelab@… start" banner, one JSON object per line.
 */
function npmStart(port: number): Started {
  const child = spawn("npm", ["start"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), TUNELAB_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    detached: true, // its own process group, so after() can always clean up whatever it started
  });
  children.push(child);
  let output = "";
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const match = /"msg":"The comparison is ready: (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    if (process.env.TUNELAB_E2E_VERBOSE) child.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`npm start exited with ${code} before the end:\n${output}`)));
  });
  return { child, output: () => output, ready };
}

/** Ctrl-C's signal, sent to the `npm start` process itself (not its process group). */
async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.on("exit", resolve));
  started.child.kill("SIGINT");
  return exited;
}

/** Not a terminal: every line but npm's banner is a JSON record; no cursor codes; no secret. */
function assertStructured(output: string): void {
  const key = readFileSync(join(dataDir, "admin-key"), "utf8").trim();
  assert.ok(!output.includes(key), "the admin key never appears in the output");
  assert.ok(!output.includes("\x1b["), "no terminal control codes when stdout is not a terminal");
  for (const line of output.split("\n")) {
    if (line.trim() === "" || line.startsWith("> ")) continue; // npm's "> tunelab@0.1.0 start" banner
    const record = JSON.parse(line) as { level: number; time: number; name: string };
    assert.equal(typeof record.level, "number", line);
    assert.equal(typeof record.name, "string", line);
  }
}

function childrenGone(pids: number[]): boolean {
  return pids.every((pid) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

async function graphql<T>(origin: string, query: string): Promise<T> {
  const key = readFileSync(join(dataDir, "admin-key"), "utf8").trim();
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!;
}

interface Compared {
  compare: {
    name: string;
    method: string;
    status: string;
    trainableParams: number;
    finalTrainLoss: number | null;
  }[];
}

test("npm start on an empty folder ends at a finished comparison of five methods; a second start reuses it", {
  timeout: 20 * 60_000,
}, async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const first = npmStart(port);
  const url = await first.ready;
  assertStructured(first.output());
  assert.match(first.output(), /"msg":"registered the local runner/);
  assert.doesNotMatch(
    first.output(),
    /start it with/,
    "npm start starts the runner itself: no hint to do it",
  );
  assert.match(url, new RegExp(`^${origin}/compare\\?experiment=`));
  const experimentId = new URL(url).searchParams.get("experiment")!;

  const { compare } = await graphql<Compared>(
    origin,
    `{ compare(experimentId: "${experimentId}") { name method status trainableParams finalTrainLoss } }`,
  );
  assert.deepEqual(compare.map((r) => r.method).sort(), ["adapter", "full", "lora", "prefix", "qlora"]);
  const { runs } = await graphql<{ runs: { edges: { node: { name: string; error: string | null } }[] } }>(
    origin,
    `{ runs(first: 10, filter: { experimentId: "${experimentId}" }) { edges { node { name error } } } }`,
  );
  const errors = Object.fromEntries(runs.edges.map((e) => [e.node.name, e.node.error]));
  for (const run of compare) {
    assert.equal(run.status, "SUCCEEDED", `${run.name}: ${errors[run.name]}`);
    assert.ok(Number.isFinite(run.finalTrainLoss), `${run.name} reported a final loss`);
  }
  const full = compare.find((r) => r.method === "full")!;
  for (const run of compare.filter((r) => r.method !== "full")) {
    assert.ok(run.trainableParams < full.trainableParams, `${run.name} trains fewer parameters than full`);
  }

  const profileId = await assertCostProfiles(origin);

  // The dashboard on the same URL, as the local user opens it (no key to paste on the embedded default).
  const browser = await launchBrowser();
  try {
    const { page } = await openPage(browser);
    await page.goto(url);
    for (const run of compare) await page.getByText(run.name, { exact: true }).first().waitFor();
    await page.locator("canvas").first().waitFor();
    await screenshot(page, "npm-start-comparison");
    // the cost profile's comparison: the measured breakdown of each method, labelled as costs only
    await page.goto(`${origin}/compare?experiment=${profileId}`);
    const panel = page.getByTestId("cost-profile");
    await panel.getByText("random weights: cost only").waitFor();
    await panel.locator("tbody tr[data-peak-bytes]:not([data-peak-bytes=''])").nth(4).waitFor();
    await screenshot(page, "npm-start-cost-profile");
  } finally {
    await browser.close();
  }
  const started = (first.child.pid ? [first.child.pid] : []).concat(
    [...first.output().matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1])),
  );
  assert.equal(await stop(first), 0, "Ctrl-C (SIGINT to npm start) stops cleanly");
  assert.ok(childrenGone(started), "nothing it started is left running");

  const second = npmStart(port);
  assert.equal(await second.ready, url, "the same finished comparison, nothing retrained");
  assert.doesNotMatch(second.output(), /pretraining the base model|registered the local runner/);
  assert.match(second.output(), /dashboard up to date \(web\/out\): build skipped/, "nothing to rebuild");
  assertStructured(second.output());
  const { experiments } = await graphql<{ experiments: { totalCount: number } }>(
    origin,
    "{ experiments(first: 10) { totalCount } }",
  );
  assert.equal(experiments.totalCount, 2, "the quality experiment and the cost profile");
  assert.equal(await stop(second), 0);
});

interface ProfiledRun {
  name: string;
  method: string;
  status: string;
  error: string | null;
  trainableParams: number;
  costProfile: {
    peakBytes: number;
    frozenBytes: number;
    trainableBytes: number;
    gradientBytes: number;
    optimizerBytes: number;
    activationBytes: number;
    randomWeights: boolean;
  } | null;
}

/**
 * The demo's cost-profile experiment (SmolLM-135M's architecture, random weights) measured what PEFT saves:
 * full fine-tuning's peak is at least twice LoRA's (weights, gradients and AdamW state dominate, not
 * activations) and QLoRA's is below LoRA's (its base stays 4-bit: no float32 copies held). Returns its id.
 */
async function assertCostProfiles(origin: string): Promise<string> {
  const { experiments } = await graphql<{
    experiments: { edges: { node: { id: string; kind: string; runs: ProfiledRun[] } }[] };
  }>(
    origin,
    `{ experiments(first: 5, filter: { nameContains: "SmolLM-135M scale" }) { edges { node { id kind runs {
         name method status error trainableParams
         costProfile { peakBytes frozenBytes trainableBytes gradientBytes optimizerBytes activationBytes randomWeights }
       } } } } }`,
  );
  assert.equal(experiments.edges.length, 1, "the demo seeds one cost-profile experiment");
  const { id, kind, runs } = experiments.edges[0]!.node;
  assert.equal(kind, "PROFILE");
  assert.deepEqual(runs.map((r) => r.method).sort(), ["adapter", "full", "lora", "prefix", "qlora"]);
  for (const run of runs) {
    assert.equal(run.status, "SUCCEEDED", `${run.name}: ${run.error}`);
    const p = run.costProfile!;
    assert.equal(p.randomWeights, true);
    assert.equal(
      p.frozenBytes + p.trainableBytes + p.gradientBytes + p.optimizerBytes + p.activationBytes,
      p.peakBytes,
      `${run.name}: the parts sum to the peak`,
    );
    assert.equal(p.trainableBytes, 4 * run.trainableParams, `${run.name}: float32 trainable weights`);
    assert.equal(p.optimizerBytes, 8 * run.trainableParams, `${run.name}: AdamW's two moments`);
  }
  const peak = (method: string) => runs.find((r) => r.method === method)!.costProfile!.peakBytes;
  assert.ok(peak("full") >= 2 * peak("lora"), `full ${peak("full")} ≥ 2 × LoRA ${peak("lora")}`);
  assert.ok(peak("qlora") < peak("lora"), `QLoRA ${peak("qlora")} < LoRA ${peak("lora")}`);
  return id;
}
