import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EXIT } from "./agent.js";
import { readConfig } from "./config-file.js";
import { msg, notOwnerOnly, runCli, until } from "./test-kit.js";
import { range, Stack } from "./test-stack.js";

/**
 * The runner agent against a real server on a real PostgreSQL database, as real processes
 * (`node runner/dist/cli/main.js register|start`): tiny runs of tunelab-nano on the cpu backend.
 */

const terminal = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

async function finished(stack: Stack, runId: string, timeoutMs = 120_000) {
  return until(async () => {
    const run = await stack.run(runId);
    return terminal.has(run.status) ? run : null;
  }, timeoutMs);
}

describe("runner agent", () => {
  let stack: Stack;
  let datasetId: string;
  let baseModelId: string;
  let pretrainedBaseId: string | undefined;

  before(async () => {
    stack = await Stack.start({ leaseMs: 5000 }); // short, so a killed runner's job is requeued soon
    datasetId = await stack.dataset();
    baseModelId = await stack.baseModel();
  });
  after(async () => {
    await stack.close();
  });

  test("register → start: lora and full runs SUCCEED with metrics, samples and adapters; the config survives a restart", async () => {
    const token = await stack.gql<{ createRegistrationToken: { token: string } }>(
      `mutation { createRegistrationToken(input: { description: "agent test" }) { token } }`,
    );
    const config = join(stack.dir, "registered.json");
    const reg = runCli([
      "register",
      "--server",
      stack.server.url,
      "--token",
      token.createRegistrationToken.token,
      "--name",
      "registered",
      "--labels",
      "cpu,test",
      "--max-jobs",
      "2",
      "--backend",
      "cpu",
      "--config",
      config,
    ]);
    assert.equal((await reg.exit).code, 0, JSON.stringify(reg.logs));
    assert.match(reg.stdout(), new RegExp(`config written to ${config} \\(mode 0600`));
    assert.equal(statSync(config).mode & 0o777, 0o600);
    const saved = await readConfig(config);
    const status = runCli(["status", "--config", config, "--json"]);
    assert.equal((await status.exit).code, 0);
    const known = JSON.parse(status.stdout());
    assert.equal(known.runnerId, saved.runnerId);
    assert.equal(known.serverReachable, true);
    assert.equal(known.secret.endsWith(saved.secret.slice(-4)), true);
    assert.ok(!status.stdout().includes(saved.secret), "status never prints the secret");
    assert.deepEqual(saved.labels, ["cpu", "test"]);
    assert.equal(saved.maxJobs, 2);

    const exp = await stack.experiment(
      "two methods",
      datasetId,
      baseModelId,
      {
        steps: 6,
        checkpointEvery: 3,
        evalEvery: 3,
        samplePrompts: ["Translate 'dog 1' to French ->"],
        generalDatasetId: await stack.textDataset(),
      },
      [{ method: "lora", r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"] }, { method: "full" }],
    );
    const first = stack.start(config);
    await first.waitFor(msg(/connected: waiting for jobs/));
    const twice = stack.start(config);
    assert.equal((await twice.exit).code, EXIT.LOCKED, "one agent per config file");
    assert.ok(twice.logs.some(msg(/another `npm run runner -- start` \(pid \d+\) is using/)));
    const runs = await Promise.all(exp.runIds.map((id) => finished(stack, id)));
    for (const run of runs) {
      assert.equal(run.status, "SUCCEEDED", `${run.method}: ${run.error ?? run.statusReason}`);
      assert.equal(run.runnerId, saved.runnerId);
      assert.deepEqual(await stack.steps(run.id), range(1, 6));
      assert.deepEqual(await stack.steps(run.id, "eval_loss"), [3, 6]);
      for (const key of ["learning_rate", "grad_norm", "tokens_per_second", "live_tensor_bytes"])
        assert.equal((await stack.steps(run.id, key)).length, 6, key);
      // the sample prompt is answered at each eval step (evalEvery 3 of 6 steps)
      assert.deepEqual(
        run.samples.map((s) => [s.step, s.prompt]),
        [
          [3, "Translate 'dog 1' to French ->"],
          [6, "Translate 'dog 1' to French ->"],
        ],
      );
      assert.ok((run.measuredPeakBytes ?? 0) > 0);
      const result = run.result as {
        trainable: number;
        predicted: { total: number };
        forgetting: { generalLossBefore: number; generalLossAfter: number } | null;
      };
      assert.ok(result.trainable > 0 && result.predicted.total > 0);
      assert.ok(
        result.forgetting && result.forgetting.generalLossBefore > 0,
        "forgetting on the general set",
      );
      assert.deepEqual(
        run.artifacts.filter((a) => a.kind === "CHECKPOINT").map((a) => a.step),
        [3, 6],
      );
    }
    // --max-jobs 2: both ran at once
    const started = first.logs.filter((l) => l.msg === "job started").map((l) => first.logs.indexOf(l));
    const ended = first.logs.filter((l) => l.msg === "job finished").map((l) => first.logs.indexOf(l));
    assert.equal(started.length, 2);
    assert.ok(started[1]! < ended[0]!, "the second job started before the first finished");
    const [lora, full] = runs;
    assert.equal(lora!.output?.kind, "ADAPTER");
    assert.deepEqual(lora!.output!.files.map((f) => f.name).sort(), [
      "adapter_config.json",
      "adapter_model.safetensors",
    ]);
    // the uploaded folder is an Adapter of the run, with its files
    assert.equal(lora!.adapter?.method, "lora");
    assert.equal(lora!.adapter?.source, "RUN");
    assert.deepEqual(lora!.adapter!.files.map((f) => f.name).sort(), [
      "adapter_config.json",
      "adapter_model.safetensors",
    ]);
    assert.equal(full!.output?.kind, "MODEL");
    assert.equal(full!.adapter, null, "a FULL run trains no adapter");
    assert.ok(full!.output!.files.some((f) => f.name === "config.json"));
    // files travel through POST /uploads: a FULL checkpoint (weights and Adam's two moments) is over the
    // 256 KiB every GraphQL body is held to, and every staged upload was used up by its mutation
    const fullCheckpoint = full!.artifacts.find((a) => a.kind === "CHECKPOINT" && a.step === 6)!;
    assert.ok(fullCheckpoint.sizeBytes > 256 * 1024, `checkpoint of ${fullCheckpoint.sizeBytes} bytes`);
    const [{ n }] = (await stack.server.db.read((m) =>
      m.query(`SELECT count(*)::int AS n FROM staged_upload`),
    )) as { n: number }[];
    assert.equal(n, 0, "no upload left unused");

    // SIGTERM: a graceful stop with nothing running exits 0
    first.proc.kill("SIGTERM");
    assert.equal((await first.exit).code, EXIT.OK);
    assert.ok(first.logs.some(msg(/stopping gracefully/)));
    // it said goodbye: OFFLINE now, not once its lease has passed
    const { runnerId } = JSON.parse(readFileSync(config, "utf8")) as { runnerId: string };
    const gone = await stack.gql<{ runner: { status: string } }>(
      `query($id: ID!) { runner(id: $id) { status } }`,
      { id: runnerId },
    );
    assert.equal(gone.runner.status, "OFFLINE");

    // the same config file, a new process: the same runner takes the next run
    const next = await stack.experiment("after restart", datasetId, baseModelId, { steps: 3 }, [
      { method: "lora", r: 2 },
    ]);
    const second = stack.start(config, ["--metrics-port", "0"]);
    const run = await finished(stack, next.runIds[0]!);
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
    assert.equal(run.runnerId, saved.runnerId);
    const runners = await stack.gql<{ runners: { edges: { node: { id: string } }[] } }>(
      `{ runners(first: 50) { edges { node { id } } } }`,
    );
    assert.equal(runners.runners.edges.filter((e) => e.node.id === saved.runnerId).length, 1);
    const { port } = await second.waitFor(msg(/Prometheus metrics on \/metrics/), 1000);
    const prom = await until(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /tunelab_runner_jobs_total\{outcome="succeeded"\} 1/.test(text) ? text : null;
    }, 10_000);
    assert.match(prom, /tunelab_runner_training_steps_total 3/);
    assert.match(prom, /tunelab_runner_connected 1/);
    second.proc.kill("SIGTERM");
    assert.equal((await second.exit).code, EXIT.OK);
  });

  test("a pretrained base: the PRETRAIN run uploads its model folder; a run on that base trains from its weights, cached by sha256", async () => {
    const p = await stack.runnerConfig("pretrainer", { labels: ["pretrain"] });
    const r = stack.start(p.path);
    const created = await stack.gql<{ pretrainBaseModel: { id: string; pretrainRunId: string } }>(
      `mutation($input: PretrainBaseModelInput!) { pretrainBaseModel(input: $input) { id pretrainRunId } }`,
      {
        input: {
          name: "nano-pretrained",
          preset: "tunelab-nano",
          datasetId,
          steps: 3,
          batchSize: 2,
          seqLen: 32,
        },
      },
    );
    const pretrain = await finished(stack, created.pretrainBaseModel.pretrainRunId);
    assert.equal(pretrain.status, "SUCCEEDED", pretrain.error ?? "");
    assert.equal(pretrain.output?.kind, "MODEL");
    const base = await stack.gql<{
      baseModel: {
        status: string;
        weights: { id: string; files: { name: string; sha256: string }[] } | null;
      };
    }>(`query($id: ID!) { baseModel(id: $id) { status weights { id files { name sha256 } } } }`, {
      id: created.pretrainBaseModel.id,
    });
    assert.equal(base.baseModel.status, "READY");
    const weights = base.baseModel.weights!;
    assert.ok(weights.files.some((f) => f.name === "model.safetensors"));

    const exp = await stack.experiment(
      "on the pretrained base",
      datasetId,
      created.pretrainBaseModel.id,
      { steps: 2 },
      [{ method: "lora", r: 2 }],
      ["pretrain"],
    );
    const run = await finished(stack, exp.runIds[0]!);
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
    const blobs = readdirSync(join(`${p.path}.work`, "cache", "blobs"));
    for (const f of weights.files) assert.ok(blobs.includes(f.sha256), `${f.name} cached by its sha256`);
    assert.deepEqual(
      readdirSync(join(`${p.path}.work`, "cache", "models", weights.id)).sort(),
      weights.files.map((f) => f.name).sort(),
    );
    pretrainedBaseId = created.pretrainBaseModel.id;
    r.proc.kill("SIGTERM");
    assert.equal((await r.exit).code, EXIT.OK);
  });

  test("a pretrained base on another runner than the one that pretrained it", async () => {
    assert.ok(pretrainedBaseId, "needs the pretrained base of the test before");
    const o = await stack.runnerConfig("other", { labels: ["other"] });
    const r = stack.start(o.path);
    const exp = await stack.experiment(
      "elsewhere",
      datasetId,
      pretrainedBaseId,
      { steps: 2 },
      [{ method: "lora", r: 2 }],
      ["other"],
    );
    const run = await finished(stack, exp.runIds[0]!);
    r.proc.kill("SIGTERM");
    await r.exit;
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
  });

  test("SIGKILL the runner mid-run: a second runner resumes from the checkpoint; every step is stored once", async () => {
    const a = await stack.runnerConfig("kill-a", { labels: ["kill"] });
    const b = await stack.runnerConfig("kill-b", { labels: ["kill"] });
    const exp = await stack.experiment(
      "killed",
      datasetId,
      baseModelId,
      { steps: 60, checkpointEvery: 10 },
      [{ method: "lora", r: 4 }],
      ["kill"],
    );
    const runId = exp.runIds[0]!;
    const ra = stack.start(a.path);
    const training = await ra.waitFor(msg(/^training$/));
    await until(
      async () => (await stack.run(runId)).artifacts.some((x) => x.kind === "CHECKPOINT"),
      60_000,
      50,
    );
    ra.proc.kill("SIGKILL");
    await ra.exit;
    const stored = await stack.steps(runId);
    assert.ok(stored.length < 60, `killed mid-run (${stored.length} steps stored)`);
    // the training worker does not outlive its agent
    await until(async () => !alive(training.workerPid as number), 20_000);

    const rb = stack.start(b.path);
    const run = await finished(stack, runId);
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
    assert.equal(run.runnerId, b.runnerId);
    assert.equal(run.attempts.length, 2);
    assert.equal(run.attempts[0]!.runnerId, a.runnerId);
    assert.notEqual(run.attempts[1]!.resumeArtifactId, null);
    const resumed = await rb.waitFor(msg(/resuming from a checkpoint/), 1000);
    assert.ok((resumed.step as number) >= 10);
    assert.deepEqual(await stack.steps(runId), range(1, 60));
    rb.proc.kill("SIGTERM");
    assert.equal((await rb.exit).code, EXIT.OK);
  });

  test("cancel from the API mid-run: the worker stops within the grace period, CANCELLED, the next job runs", async () => {
    const c = await stack.runnerConfig("cancel", { labels: ["cancel"] });
    const long = await stack.experiment(
      "long",
      datasetId,
      baseModelId,
      { steps: 5000 },
      [{ method: "lora", r: 4 }],
      ["cancel"],
    );
    const short = await stack.experiment(
      "short",
      datasetId,
      baseModelId,
      { steps: 3 },
      [{ method: "lora", r: 2 }],
      ["cancel"],
    );
    const longId = long.runIds[0]!;
    const r = stack.start(c.path);
    await until(async () => (await stack.steps(longId)).length >= 2, 60_000, 100);
    await stack.gql(`mutation($id: ID!) { cancelRun(id: $id, reason: "enough") { id } }`, { id: longId });
    const cancelled = await finished(stack, longId);
    assert.equal(cancelled.status, "CANCELLED");
    const stopping = await r.waitFor(msg(/stopping the job/), 1000);
    assert.equal(stopping.kind, "cancel");
    assert.ok(!r.logs.some(msg(/did not stop within the grace period/)), "stopped by the abort, not killed");
    assert.ok(
      r.logs.some((l) => l.msg === "job finished" && l.outcome === "cancelled" && l.jobId === stopping.jobId),
    );
    const next = await finished(stack, short.runIds[0]!);
    assert.equal(next.status, "SUCCEEDED", next.error ?? "");
    assert.equal(next.runnerId, c.runnerId);
    assert.deepEqual(
      next.attempts.map((a) => a.status),
      ["SUCCEEDED"],
      "taken when the slot freed, never handed back as busy",
    );
    assert.ok(!r.logs.some(msg(/handing the job back/)));
    r.proc.kill("SIGTERM");
    assert.equal((await r.exit).code, EXIT.OK);
  });

  test("SIGTERM finishes, a second SIGTERM stops now: the worker is killed after the grace period, the run requeued", async () => {
    const s = await stack.runnerConfig("stop-now", { labels: ["stop-now"] });
    const exp = await stack.experiment(
      "stop now",
      datasetId,
      baseModelId,
      { steps: 5000 },
      [{ method: "lora", r: 4 }],
      ["stop-now"],
    );
    const runId = exp.runIds[0]!;
    const r = stack.start(s.path, ["--grace-ms", "1"]);
    await until(async () => (await stack.steps(runId)).length >= 2, 60_000, 100);
    r.proc.kill("SIGTERM");
    await r.waitFor(msg(/stopping gracefully/), 10_000);
    // the job goes on after the first signal
    const before = (await stack.steps(runId)).length;
    await until(async () => (await stack.steps(runId)).length > before + 2, 30_000, 100);
    assert.equal((await stack.run(runId)).status, "RUNNING");
    r.proc.kill("SIGTERM");
    assert.equal((await r.exit).code, EXIT.INTERRUPTED);
    assert.ok(r.logs.some(msg(/did not stop within the grace period: killing it/)));
    const run = await stack.run(runId);
    assert.equal(run.status, "QUEUED", "an interrupted job is retryable");
    assert.match(run.attempts[0]!.error ?? "", /interrupted at step \d+: second signal \(SIGTERM\)/);
    await stack.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: runId });
  });

  test("a bad registration token, a revoked runner: clear messages, exit 77, no retry loop", async () => {
    const bad = runCli([
      "register",
      "--server",
      stack.origin,
      "--token",
      "tlt_not-a-token",
      "--backend",
      "cpu",
      "--config",
      join(stack.dir, "bad.json"),
    ]);
    assert.equal((await bad.exit).code, EXIT.AUTH);
    assert.ok(
      bad.logs.some(msg(/error: the server refused the registration token/)),
      JSON.stringify(bad.logs),
    );

    const revoked = await stack.runnerConfig("revoked", { labels: ["revoked"] });
    const r = stack.start(revoked.path);
    await r.waitFor(msg(/connected: waiting for jobs/));
    await stack.gql(`mutation($id: ID!) { revokeRunner(id: $id) { id } }`, { id: revoked.runnerId });
    assert.equal((await r.exit).code, EXIT.AUTH);
    assert.ok(r.logs.some(msg(/the server rejected this runner .*register again/)));
    const again = stack.start(revoked.path);
    assert.equal((await again.exit).code, EXIT.AUTH);
    assert.ok(again.logs.some(msg(/the server rejected this runner \(this runner has been revoked\)/)));
    assert.ok(!again.logs.some(msg(/retrying/)), "a rejected secret is not retried");
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("runner agent, 30 s leases", () => {
  let stack: Stack;
  let datasetId: string;
  let baseModelId: string;

  before(async () => {
    stack = await Stack.start();
    datasetId = await stack.dataset();
    baseModelId = await stack.baseModel();
  });
  after(async () => {
    await stack.close();
  });

  test("restart the server mid-run: the runner reconnects, spooled metrics arrive, the run completes", async () => {
    const { path } = await stack.runnerConfig("restart", { labels: ["restart"] });
    const exp = await stack.experiment(
      "restart",
      datasetId,
      baseModelId,
      { steps: 60, checkpointEvery: 20 },
      [{ method: "lora", r: 4 }],
      ["restart"],
    );
    const runId = exp.runIds[0]!;
    const r = stack.start(path);
    await until(async () => (await stack.steps(runId)).length >= 4, 60_000, 100);
    await stack.stopServer();
    const lost = await r.waitFor(msg(/connection lost/), 10_000);
    // training goes on while the server is away: metrics pile up in the spool
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stack.startServerAgain();
    const run = await finished(stack, runId);
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
    assert.ok(r.logs.some(msg(/reconnected/)));
    assert.ok(r.logs.indexOf(lost) < r.logs.findIndex(msg(/reconnected/)));
    const spooled = r.logs.find(msg(/spooled metric points sent after the server came back/));
    assert.ok(
      spooled && (spooled.points as number) > 0,
      "metrics trained while the server was away were spooled",
    );
    assert.ok(r.logs.indexOf(lost) < r.logs.indexOf(spooled));
    assert.equal(run.attempts.length, 1, "the job survived the restart");
    assert.deepEqual(await stack.steps(runId), range(1, 60));
    r.proc.kill("SIGTERM");
    assert.equal((await r.exit).code, EXIT.OK);
  });

  test("the same runner restarted after a crash hands its orphaned job back at once; it resumes from the checkpoint", async () => {
    const { path } = await stack.runnerConfig("crashy", { labels: ["crashy"] });
    const exp = await stack.experiment(
      "orphaned",
      datasetId,
      baseModelId,
      { steps: 40, checkpointEvery: 10 },
      [{ method: "lora", r: 4 }],
      ["crashy"],
    );
    const runId = exp.runIds[0]!;
    const first = stack.start(path);
    await until(async () => (await stack.steps(runId)).length >= 1, 60_000, 50);
    await until(
      async () => (await stack.run(runId)).artifacts.some((x) => x.kind === "CHECKPOINT"),
      60_000,
      50,
    );
    first.proc.kill("SIGKILL");
    await first.exit;
    // What the killed agent wrote (cached dataset and model, the job's folder and checkpoint) is owner-only,
    // and its job folder is still there.
    const work = `${path}.work`;
    assert.deepEqual(notOwnerOnly(work), []);
    const orphaned = readdirSync(join(work, "jobs"));
    assert.equal(orphaned.length, 1);
    // well within the 30 s lease: without the hand-back the run would wait for the lease to expire
    const second = stack.start(path);
    await second.waitFor(msg(/handing the job back/), 30_000);
    assert.equal(
      existsSync(join(work, "jobs", orphaned[0]!)),
      false,
      "the killed attempt's folder is removed",
    );
    const run = await finished(stack, runId);
    assert.equal(run.status, "SUCCEEDED", run.error ?? "");
    assert.equal(run.attempts.length, 2);
    assert.match(run.attempts[0]!.error ?? "", /the runner restarted while the job ran/);
    assert.notEqual(run.attempts[1]!.resumeArtifactId, null);
    assert.deepEqual(await stack.steps(runId), range(1, 40));
    second.proc.kill("SIGTERM");
    assert.equal((await second.exit).code, EXIT.OK);
  });
});
