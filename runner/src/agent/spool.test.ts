import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ApiError, type MetricPointInput } from "./api.js";
import { MetricBatcher, MetricSpool, metricPoints } from "./spool.js";

const point = (step: number): MetricPointInput => ({ key: "train_loss", step, value: 1 / step });

test("spool: batches survive a server that is away, a new process, and arrive once, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-spool-"));
  let up = false;
  const received: number[] = [];
  const send = async (_job: string, points: MetricPointInput[]) => {
    if (!up) throw new ApiError("network", "cannot reach the server");
    received.push(...points.map((p) => p.step));
  };
  const spool = new MetricSpool(dir, send);
  spool.add("job-1", [point(1), point(2)]);
  spool.add("job-1", [point(3)]);
  await spool.flush();
  assert.equal(spool.size("job-1"), 3, "nothing is dropped while the server is away");
  assert.deepEqual(readdirSync(dir), ["job-1.json"]);
  // the process dies; the next one finds the spool and sends it
  const recovered: number[] = [];
  const again = new MetricSpool(dir, send, { onRecovered: (n) => recovered.push(n) });
  assert.equal(again.size(), 3);
  await again.flush();
  up = true;
  await again.flush();
  assert.deepEqual(received, [1, 2, 3]);
  assert.deepEqual(recovered, [3], "the recovery is reported once, with the points that waited");
  assert.equal(again.size(), 0);
  assert.deepEqual(readdirSync(dir), [], "a sent spool leaves no file");
  rmSync(dir, { recursive: true });
});

test("spool: a batch the server refuses for good is dropped and reported, the rest still goes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-spool-"));
  const received: number[] = [];
  const dropped: number[] = [];
  const spool = new MetricSpool(
    dir,
    async (job, points) => {
      if (job === "gone") throw new ApiError("forbidden", "not your job", "FORBIDDEN");
      received.push(...points.map((p) => p.step));
    },
    { onDrop: (_job, n) => dropped.push(n) },
  );
  spool.add("gone", [point(1), point(2)]);
  spool.add("live", [point(7)]);
  await spool.flush();
  assert.deepEqual(dropped, [2]);
  assert.deepEqual(received, [7]);
  assert.equal(spool.size(), 0);
  rmSync(dir, { recursive: true });
});

test("batcher: a batch every N steps; flush() sends the rest", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-spool-"));
  const batches: number[][] = [];
  const spool = new MetricSpool(dir, async (_job, points) => {
    batches.push(points.map((p) => p.step));
  });
  const batcher = new MetricBatcher("job", spool, { everySteps: 2, everyMs: 60_000 });
  for (let s = 1; s <= 5; s++) batcher.add([point(s)]);
  await spool.flush();
  assert.deepEqual(batches, [
    [1, 2],
    [3, 4],
  ]);
  await batcher.flush();
  assert.deepEqual(batches.at(-1), [5]);
  rmSync(dir, { recursive: true });
});

test("metricPoints: the protocol's keys; eval_loss only when evaluated; non-finite values skipped", () => {
  const base = {
    step: 3,
    trainLoss: 2.5,
    lr: 1e-3,
    gradNorm: 0.5,
    tokensPerSecond: 100,
    liveTensorBytes: 1024,
  };
  const keys = (m: Parameters<typeof metricPoints>[0]) => metricPoints(m).map((p) => p.key);
  assert.deepEqual(keys(base), [
    "train_loss",
    "learning_rate",
    "grad_norm",
    "tokens_per_second",
    "live_tensor_bytes",
  ]);
  assert.deepEqual(keys({ ...base, evalLoss: 2 }), [
    "train_loss",
    "eval_loss",
    "learning_rate",
    "grad_norm",
    "tokens_per_second",
    "live_tensor_bytes",
  ]);
  assert.ok(!keys({ ...base, trainLoss: Number.NaN }).includes("train_loss"));
  assert.ok(metricPoints(base).every((p) => p.step === 3));
});
