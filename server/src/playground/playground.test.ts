// The playground over the API: startPlayground's checks (errors name the field, nothing stored), the
// GENERATE job a runner receives, reportGenerations' checks, and a graphql-ws subscriber that sees the
// outputs grow through intermediate states before the session ends.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { queueRunsForTest } from "../testing/runs.js";
import { safetensors } from "../testing/safetensors.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const peftLora = join(__dirname, "..", "..", "..", "runner", "reference", "fixtures", "peft_lora");
const prefixFixture = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "runner", "reference", "fixtures", "prefix.json"), "utf8"),
) as {
  model: Record<string, unknown>;
  cases: { peftConfig: Record<string, unknown>; promptEmbeddings: string }[];
};

const SESSION = `id prompt status statusReason sampling { temperature topK maxTokens seed }
  baseModel { id } run { id kind }
  outputs { position adapter { id } text tokenCount done error }`;
const START = `mutation($input: StartPlaygroundInput!) { startPlayground(input: $input) { ${SESSION} } }`;
const REPORT = `mutation($j: ID!, $o: [GenerationInput!]!) { reportGenerations(jobId: $j, outputs: $o) }`;

interface Output {
  position: number;
  adapter: { id: string } | null;
  text: string;
  tokenCount: number;
  done: boolean;
  error: string | null;
}
interface Session {
  id: string;
  prompt: string;
  status: string;
  statusReason: string | null;
  sampling: { temperature: number; topK: number; maxTokens: number; seed: number };
  baseModel: { id: string };
  run: { id: string; kind: string };
  outputs: Output[];
}

const ERR = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => ({
  code: r.errors?.[0]?.extensions?.code,
  field: r.errors?.[0]?.extensions?.field,
});

for (const driver of drivers) {
  describe(`playground on ${driver}`, () => {
    let server: TestServer;
    let writeKey: string;
    let baseId: string;
    let otherBaseId: string;
    const adapters: string[] = [];
    let otherAdapter: string;
    const runners: ScriptedRunner[] = [];

    const createBase = async (name: string, config: Record<string, unknown>) => {
      const r = await server.gql<{ createBaseModel: { id: string } }>(
        `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
        { input: { name, config } },
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      return r.data!.createBaseModel.id;
    };
    const importAdapter = async (baseModelId: string, config: unknown, weights: Buffer) => {
      const r = await server.gql<{ importAdapter: { id: string } }>(
        `mutation($input: ImportAdapterInput!) { importAdapter(input: $input) { id } }`,
        {
          input: {
            baseModelId,
            files: [
              {
                name: "adapter_config.json",
                contentBase64: Buffer.from(JSON.stringify(config)).toString("base64"),
              },
              { name: "adapter_model.safetensors", contentBase64: weights.toString("base64") },
            ],
          },
        },
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      return r.data!.importAdapter.id;
    };
    const stored = () =>
      server.db.read(async (m) => {
        const [row] = (await m.query(
          `SELECT (SELECT count(*)::int FROM playground_session) AS sessions,
                  (SELECT count(*)::int FROM playground_output) AS outputs,
                  (SELECT count(*)::int FROM run) AS runs`,
        )) as { sessions: number; outputs: number; runs: number }[];
        return row!;
      });
    const start = (input: Record<string, unknown>, token: string | null = writeKey) =>
      server.gql<{ startPlayground: Session }>(START, { input }, token);

    before(async () => {
      server = await startTestServer(driver, { leaseMs: 10_000 });
      writeKey = await createApiKeyForTest(server.db, "read-write");
      baseId = await createBase(
        "playground qwen2",
        JSON.parse(readFileSync(join(peftLora, "base", "config.json"), "utf8")),
      );
      for (const name of ["lora-patterns-all-bias", "dora-layer-index", "qdora-lora-only-bias"]) {
        adapters.push(
          await importAdapter(
            baseId,
            JSON.parse(readFileSync(join(peftLora, name, "adapter_config.json"), "utf8")),
            readFileSync(join(peftLora, name, "adapter_model.safetensors")),
          ),
        );
      }
      otherBaseId = await createBase("playground other", prefixFixture.model);
      // a prefix-tuning adapter of the other base (runner/reference's prefix.json, as import.test.ts reads it)
      const c = prefixFixture.cases[0]!;
      const data = Buffer.from(c.promptEmbeddings, "hex");
      const n = c.peftConfig.num_virtual_tokens as number;
      otherAdapter = await importAdapter(
        otherBaseId,
        c.peftConfig,
        safetensors({ prompt_embeddings: { shape: [n, data.length / 4 / n], data } }),
      );
    });
    after(async () => {
      await Promise.all(runners.map((r) => r.close()));
      await server.close();
    });

    test("bad requests are refused naming the field, and nothing is stored", async () => {
      const ok = { baseModelId: baseId, adapterIds: [adapters[0]], prompt: "hello" };
      const seven = Array.from({ length: 7 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
      const unknown = "00000000-0000-4000-8000-000000000001";
      const cases: [Record<string, unknown>, string, string][] = [
        [{ ...ok, adapterIds: seven }, "BAD_USER_INPUT", "adapterIds"],
        [{ ...ok, adapterIds: [adapters[0], adapters[1], adapters[0]] }, "BAD_USER_INPUT", "adapterIds[2]"],
        [{ ...ok, adapterIds: [adapters[1], otherAdapter] }, "BAD_USER_INPUT", "adapterIds[1]"],
        [{ ...ok, adapterIds: [unknown] }, "NOT_FOUND", "adapterIds[0]"],
        [{ ...ok, adapterIds: ["not-an-id"] }, "BAD_USER_INPUT", "adapterIds[0]"],
        [{ ...ok, adapterIds: [], includeBase: false }, "BAD_USER_INPUT", "adapterIds"],
        [{ ...ok, baseModelId: unknown }, "NOT_FOUND", "baseModelId"],
        [{ ...ok, prompt: "  " }, "BAD_USER_INPUT", "prompt"],
        [{ ...ok, prompt: "x".repeat(4001) }, "BAD_USER_INPUT", "prompt"],
        [{ ...ok, sampling: { temperature: 5.5 } }, "BAD_USER_INPUT", "sampling.temperature"],
        [{ ...ok, sampling: { temperature: -0.1 } }, "BAD_USER_INPUT", "sampling.temperature"],
        [{ ...ok, sampling: { topK: -1 } }, "BAD_USER_INPUT", "sampling.topK"],
        [{ ...ok, sampling: { maxTokens: 0 } }, "BAD_USER_INPUT", "sampling.maxTokens"],
        [{ ...ok, sampling: { maxTokens: 513 } }, "BAD_USER_INPUT", "sampling.maxTokens"],
        [{ ...ok, sampling: { seed: -1 } }, "BAD_USER_INPUT", "sampling.seed"],
      ];
      const before = await stored();
      for (const [input, code, field] of cases) {
        const r = await start(input);
        assert.deepEqual(
          ERR(r),
          { code, field },
          `${JSON.stringify(input).slice(0, 120)}: ${JSON.stringify(r.errors)}`,
        );
      }
      const wrongBase = await start({ ...ok, adapterIds: [otherAdapter] });
      assert.match(
        wrongBase.errors![0]!.message,
        new RegExp(`adapter ${otherAdapter} is for base model ${otherBaseId}`),
      );
      const read = await createApiKeyForTest(server.db, "read");
      assert.equal(ERR(await start(ok, read)).code, "FORBIDDEN");
      assert.deepEqual(await stored(), before);
    });

    test("a runner streams the outputs; a subscriber sees them grow, then the session end", async () => {
      const r = await start({
        baseModelId: baseId,
        adapterIds: [adapters[1], adapters[0]],
        prompt: "Translate 'cat' ->",
        sampling: { temperature: 0.7, topK: 5, maxTokens: 4, seed: 11 },
      });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const session = r.data!.startPlayground;
      assert.equal(session.status, "QUEUED");
      assert.equal(session.run.kind, "GENERATE");
      assert.deepEqual(session.sampling, { temperature: 0.7, topK: 5, maxTokens: 4, seed: 11 });
      assert.deepEqual(
        session.outputs.map((o) => [o.position, o.adapter?.id ?? null, o.text, o.done]),
        [
          [0, null, "", false],
          [1, adapters[1], "", false],
          [2, adapters[0], "", false],
        ],
      );

      const client = createClient({
        url: server.url.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${writeKey}` },
      });
      const seen: Session[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        client.subscribe<{ playgroundUpdated: Session }>(
          {
            query: `subscription($id: ID!) { playgroundUpdated(id: $id) { ${SESSION} } }`,
            variables: { id: session.id },
          },
          {
            next: (m) => {
              if (m.errors) return reject(new Error(JSON.stringify(m.errors)));
              const s = m.data!.playgroundUpdated;
              seen.push(s);
              if (s.status === "SUCCEEDED") resolve();
            },
            error: (e) => reject(new Error(JSON.stringify(e))),
            complete: () => {},
          },
        );
      });
      // a round trip on the socket after the subscribe message: the subscription is in place
      await client.iterate({ query: "{ runs(first: 1) { totalCount } }" }).next();

      const { runnerId, secret } = await registerRunnerForTest(server.db);
      const runner = await ScriptedRunner.connect(server.url, secret, runnerId);
      runners.push(runner);
      await runner.waitFor((e) => e.some((x) => x.job.runId === session.id), 10_000, "the GENERATE job");
      const job = runner.assigned().find((j) => j.runId === session.id)!;
      // biome-ignore lint/suspicious/noExplicitAny: the spec is JSON, read loosely in these assertions
      const spec = job.spec as Record<string, any>;
      assert.equal(spec.kind, "GENERATE");
      assert.deepEqual(spec.generate, {
        prompt: "Translate 'cat' ->",
        sampling: { temperature: 0.7, topK: 5, maxTokens: 4, seed: 11 },
        includeBase: true,
      });
      assert.deepEqual(
        spec.adapters.map((a: { id: string }) => a.id),
        [adapters[1], adapters[0]],
      );
      assert.deepEqual(
        spec.adapters[0].files.map((f: { name: string }) => f.name),
        ["adapter_config.json", "adapter_model.safetensors"],
      );
      assert.equal(spec.adapters[0].method.method, "lora");
      assert.equal(spec.adapters[0].method.use_dora, true);
      await runner.start(job.id);
      // the runner holding the job may download each adapter's files (sha256 as the spec says); others may not
      const file = spec.adapters[1].files.find(
        (f: { name: string }) => f.name === "adapter_model.safetensors",
      );
      const url = `${new URL(server.url).origin}/artifacts/${spec.adapters[1].artifactId}/files/adapter_model.safetensors`;
      const got = await fetch(url, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(got.status, 200, `${url}: ${got.status === 200 ? "" : await got.text()}`);
      const bytes = Buffer.from(await got.arrayBuffer());
      assert.equal(createHash("sha256").update(bytes).digest("hex"), file.sha256);
      const stranger = await registerRunnerForTest(server.db);
      const refused = await fetch(url, { headers: { authorization: `Bearer ${stranger.secret}` } });
      assert.equal(refused.status, 403);

      const report = (outputs: Record<string, unknown>[]) => runner.mutate(REPORT, { j: job.id, o: outputs });
      const words = ["le", " chat", " noir", "."];
      for (let n = 1; n <= 4; n++) {
        const text = words.slice(0, n).join("");
        await report([
          { adapterId: null, text, tokenCount: n, done: n === 4 },
          { adapterId: adapters[1], text: text.toUpperCase(), tokenCount: n, done: n === 4 },
          ...(n <= 2
            ? [
                {
                  adapterId: adapters[0],
                  text: "x".repeat(n),
                  tokenCount: n,
                  done: n === 2,
                  error: n === 2 ? "stopped" : null,
                },
              ]
            : []),
        ]);
        // the subscriber hears this state before the next one is sent
        await Promise.race([
          waitUntil(() => seen.some((s) => s.outputs[0]!.tokenCount === n), `state ${n}`),
          ended,
        ]);
      }
      await runner.complete(job.id, { tokensPerSecond: 10 });
      await Promise.race([ended, new Promise((_, no) => setTimeout(() => no(new Error("no end")), 10_000))]);
      await client.dispose();
      await runner.close(); // free: the next test's jobs go to its own runners

      const intermediate = seen.filter((s) => s.outputs.some((o) => o.text !== "" && !o.done));
      assert.ok(intermediate.length >= 3, `intermediate states: ${intermediate.length}`);
      assert.deepEqual(
        seen.map((s) => s.outputs[0]!.text).filter((t, i, all) => t !== "" && all.indexOf(t) === i),
        ["le", "le chat", "le chat noir", "le chat noir."],
      );
      const last = seen.at(-1)!;
      assert.equal(last.status, "SUCCEEDED");
      assert.deepEqual(
        last.outputs.map((o) => [o.text, o.tokenCount, o.done, o.error]),
        [
          ["le chat noir.", 4, true, null],
          ["LE CHAT NOIR.", 4, true, null],
          ["xx", 2, true, "stopped"],
        ],
      );
      // reopened later: the same outputs
      const reopened = await server.gql<{ playgroundSession: Session }>(
        `query($id: ID!) { playgroundSession(id: $id) { ${SESSION} } }`,
        { id: session.id },
        writeKey,
      );
      assert.deepEqual(reopened.data!.playgroundSession, last);
    });

    test("reportGenerations: only the caller's live GENERATE job, its own outputs, within bounds", async () => {
      const r = await start({
        baseModelId: baseId,
        adapterIds: [adapters[2]],
        prompt: "p",
        sampling: { maxTokens: 3 },
      });
      const session = r.data!.startPlayground;
      const { runnerId, secret } = await registerRunnerForTest(server.db);
      const runner = await ScriptedRunner.connect(server.url, secret, runnerId);
      runners.push(runner);
      await runner.waitFor((e) => e.some((x) => x.job.runId === session.id), 10_000, "the GENERATE job");
      const job = runner.assigned().find((j) => j.runId === session.id)!;
      await runner.start(job.id);
      const report = (outputs: Record<string, unknown>[], who = runner, jobId = job.id) =>
        who.request(REPORT, { j: jobId, o: outputs });
      const good = { adapterId: adapters[2], text: "ab", tokenCount: 2, done: false };
      const cases: [Record<string, unknown>[], string, string][] = [
        [[good, { ...good, adapterId: adapters[0] }], "BAD_USER_INPUT", "outputs[1].adapterId"],
        [
          [good, { adapterId: null, text: "a", tokenCount: 1, done: false }, good],
          "BAD_USER_INPUT",
          "outputs[2].adapterId",
        ],
        [[{ ...good, tokenCount: 4 }], "BAD_USER_INPUT", "outputs[0].tokenCount"],
        [[{ ...good, tokenCount: -1 }], "BAD_USER_INPUT", "outputs[0].tokenCount"],
        [[{ ...good, text: "y".repeat(20_000) }], "BAD_USER_INPUT", "outputs[0].text"],
        [[{ ...good, error: " " }], "BAD_USER_INPUT", "outputs[0].error"],
        [[{ ...good, text: "bell\u0007" }], "BAD_USER_INPUT", "outputs[0].text"],
      ];
      for (const [outputs, code, field] of cases) {
        const res = await report(outputs);
        assert.deepEqual(ERR(res), { code, field }, JSON.stringify(res.errors));
      }
      // nothing of the refused reports was kept (the first case's good output included)
      const now = await server.gql<{ playgroundSession: Session }>(
        `query($id: ID!) { playgroundSession(id: $id) { ${SESSION} } }`,
        { id: session.id },
      );
      assert.deepEqual(
        now.data!.playgroundSession.outputs.map((o) => [o.text, o.tokenCount]),
        [
          ["", 0],
          ["", 0],
        ],
      );
      // another runner may not report on this job; a TRAIN job has no outputs
      const other = await registerRunnerForTest(server.db);
      const intruder = await ScriptedRunner.connect(server.url, other.secret, other.runnerId);
      runners.push(intruder);
      assert.deepEqual(ERR(await report([good], intruder)), { code: "FORBIDDEN", field: "jobId" });
      const [trainRun] = await queueRunsForTest(server);
      await intruder.waitFor((e) => e.some((x) => x.job.runId === trainRun), 10_000, "the TRAIN job");
      const trainJob = intruder.assigned().find((j) => j.runId === trainRun)!;
      assert.deepEqual(ERR(await report([good], intruder, trainJob.id)), {
        code: "BAD_USER_INPUT",
        field: "jobId",
      });
      assert.equal((await report([good])).errors, undefined);
    });
  });
}

async function waitUntil(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
