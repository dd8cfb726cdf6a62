import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { startServer } from "../app/server.js";
import { hashSecret } from "../auth/secrets.js";
import { loadConfig } from "../config.js";
import { registerRunnerForTest } from "../testing/auth.js";
import { createThrowawayDatabase } from "../testing/pg.js";
import { ScriptedRunner } from "../testing/runner-client.js";
import { queueRunsForTest } from "../testing/runs.js";
import { type TestServer, drivers, startTestServer } from "../testing/test-server.js";
import { RunnerStatus, runnerStatus } from "./runner.entity.js";

const codeOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  res.errors?.[0]?.extensions?.code;

const createToken = `mutation($input: CreateRegistrationTokenInput) {
  createRegistrationToken(input: $input) {
    token command registrationToken { id description singleUse expiresAt usedAt revokedAt tokenHint }
  }
}`;
const register = `mutation($input: RegisterRunnerInput!) { registerRunner(input: $input) { runnerId secret } }`;
const runnersQuery = `{ runners(first: 100) { totalCount edges { node {
  id name labels backend backendSkipped devices { name memoryBytes } maxDeviceMemoryBytes maxJobs status currentJobs lastHeartbeatAt
} } } }`;

interface TokenPayload {
  token: string;
  command: string;
  registrationToken: { id: string; singleUse: boolean; expiresAt: string; usedAt: string | null };
}

const gpuHost = (token: string, extra: Record<string, unknown> = {}) => ({
  token,
  name: "gpu-host-1",
  labels: ["gpu", "cuda:12"],
  backend: "tfjs-node-gpu",
  devices: [
    { name: "NVIDIA L4", memoryBytes: 24e9 },
    { name: "NVIDIA T4", memoryBytes: 16e9 },
  ],
  maxJobs: 2,
  ...extra,
});

/** Opens a graphql-ws connection with a bearer secret; resolves acked / closed. */
function connect(url: string, secret: string) {
  let closed!: (e: { code: number; reason: string }) => void;
  const closedEvent = new Promise<{ code: number; reason: string }>((r) => {
    closed = r;
  });
  let acked!: () => void;
  const ackedEvent = new Promise<void>((r) => {
    acked = r;
  });
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${secret}` },
    on: {
      closed: (e) => {
        const { code, reason } = e as { code: number; reason: string };
        closed({ code, reason: String(reason) });
      },
      connected: () => acked(),
    },
    onNonLazyError: () => {},
  });
  return { client, closedEvent, ackedEvent };
}

for (const driver of drivers) {
  describe(`runners on ${driver}`, () => {
    let server: TestServer;
    const newToken = async (input: Record<string, unknown> = {}) => {
      const res = await server.gql<{ createRegistrationToken: TokenPayload }>(createToken, { input });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.createRegistrationToken;
    };
    const runnerCount = async () =>
      ((await server.db.read((m) => m.query("SELECT count(*)::int AS n FROM runner"))) as { n: number }[])[0]!
        .n;
    before(async () => {
      server = await startTestServer(driver);
    });
    after(() => server.close());

    test("a token registers a runner: secret shown once and stored hashed; the token is consumed", async () => {
      const t = await newToken({ description: "lab" });
      assert.match(t.token, /^tlt_/);
      assert.equal(t.command, `npm run runner -- register --server ${server.origin} --token ${t.token}`);
      assert.equal(t.registrationToken.singleUse, true);
      const lifetime = Date.parse(t.registrationToken.expiresAt) - Date.now();
      assert.ok(lifetime > 86_000_000 && lifetime <= 86_400_000, "expires in a day by default");

      const res = await server.gql<{ registerRunner: { runnerId: string; secret: string } }>(
        register,
        { input: gpuHost(t.token) },
        null,
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const { runnerId, secret } = res.data!.registerRunner;
      assert.match(secret, /^tlr_/);
      const [row] = (await server.db.read((m) =>
        m.query(
          "SELECT secret_hash, max_device_memory_bytes::float8 AS max, registration_token_id FROM runner WHERE id = $1",
          [runnerId],
        ),
      )) as { secret_hash: string; max: number; registration_token_id: string }[];
      assert.deepEqual(row, {
        secret_hash: hashSecret(secret),
        max: 24e9,
        registration_token_id: t.registrationToken.id,
      });

      const again = await server.gql(register, { input: gpuHost(t.token, { name: "second" }) }, null);
      assert.equal(codeOf(again), "FORBIDDEN");
      assert.match(again.errors![0]!.message, /already been used/);
      // the list says so: nothing left to revoke (the Runners page shows "used up" instead of Revoke)
      const many = await newToken({ description: "pool", singleUse: false });
      const usable = await server.gql<{
        registrationTokens: { edges: { node: { id: string; usable: boolean } }[] };
      }>("{ registrationTokens(first: 100) { edges { node { id usable } } } }");
      const byId = new Map(usable.data!.registrationTokens.edges.map((e) => [e.node.id, e.node.usable]));
      assert.equal(byId.get(t.registrationToken.id), false);
      assert.equal(byId.get(many.registrationToken.id), true);

      const listed = await server.gql<{ runners: { edges: { node: Record<string, unknown> }[] } }>(
        runnersQuery,
      );
      const node = listed.data!.runners.edges.find((e) => e.node.id === runnerId)!.node;
      assert.deepEqual(
        [
          node.name,
          node.labels,
          node.backend,
          node.maxDeviceMemoryBytes,
          node.maxJobs,
          node.status,
          node.currentJobs,
        ],
        ["gpu-host-1", ["gpu", "cuda:12"], "tfjs-node-gpu", 24e9, 2, "OFFLINE", 0],
      );
      // A heartbeat within the lease makes it ONLINE.
      await server.db.write((m) =>
        m.query("UPDATE runner SET last_heartbeat_at = now() WHERE id = $1", [runnerId]),
      );
      const one = await server.gql<{ runner: { status: string } }>(
        "query($id: ID!) { runner(id: $id) { status } }",
        { id: runnerId },
      );
      assert.equal(one.data!.runner.status, "ONLINE");
    });

    test("registration stores why faster backends were skipped and the runner list returns it", async () => {
      const t = await newToken();
      const skipped = [
        "tensorflow: Cannot find module '@tensorflow/tfjs-node'",
        "native: @tunelab/native did not build: libopenblas not found",
      ];
      const res = await server.gql<{ registerRunner: { runnerId: string } }>(
        register,
        { input: gpuHost(t.token, { name: "wasm-host", backend: "wasm", backendSkipped: skipped }) },
        null,
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const { runnerId } = res.data!.registerRunner;
      const listed = await server.gql<{ runners: { edges: { node: Record<string, unknown> }[] } }>(
        runnersQuery,
      );
      const node = listed.data!.runners.edges.find((e) => e.node.id === runnerId)!.node;
      assert.deepEqual([node.backend, node.backendSkipped], ["wasm", skipped]);
      // a runner that says nothing of it (an older one, or nothing skipped) has none
      const plain = await server.gql<{ registerRunner: { runnerId: string } }>(
        register,
        { input: gpuHost((await newToken()).token, { name: "native-host", backend: "native" }) },
        null,
      );
      assert.equal(plain.errors, undefined, JSON.stringify(plain.errors));
      const one = await server.gql<{ runner: { backend: string; backendSkipped: string[] } }>(
        "query($id: ID!) { runner(id: $id) { backend backendSkipped } }",
        { id: plain.data!.registerRunner.runnerId },
      );
      assert.deepEqual(one.data!.runner, { backend: "native", backendSkipped: [] });
    });

    test("a multi-use token registers several runners; expired, revoked and unknown tokens are refused", async () => {
      const multi = await newToken({ singleUse: false });
      for (const name of ["a", "b"]) {
        const res = await server.gql(register, { input: gpuHost(multi.token, { name }) }, null);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      }

      const expiring = await newToken();
      await server.db.write((m) =>
        m.query("UPDATE registration_token SET expires_at = now() - interval '1 second' WHERE id = $1", [
          expiring.registrationToken.id,
        ]),
      );
      const expired = await server.gql(register, { input: gpuHost(expiring.token) }, null);
      assert.equal(codeOf(expired), "FORBIDDEN");
      assert.match(expired.errors![0]!.message, /expired at/);

      const revoking = await newToken();
      const revoked = await server.gql<{ revokeRegistrationToken: { revokedAt: string | null } }>(
        "mutation($id: ID!) { revokeRegistrationToken(id: $id) { revokedAt } }",
        { id: revoking.registrationToken.id },
      );
      assert.ok(revoked.data!.revokeRegistrationToken.revokedAt);
      const refused = await server.gql(register, { input: gpuHost(revoking.token) }, null);
      assert.equal(codeOf(refused), "FORBIDDEN");
      assert.match(refused.errors![0]!.message, /revoked/);

      const unknown = await server.gql(register, { input: gpuHost("tlt_unknown") }, null);
      assert.equal(codeOf(unknown), "UNAUTHENTICATED");

      const tokens = await server.gql<{ registrationTokens: { totalCount: number } }>(
        "{ registrationTokens(first: 100) { totalCount } }",
      );
      const all = await server.gql<{ registrationTokens: { totalCount: number } }>(
        "{ registrationTokens(first: 100, includeRevoked: true) { totalCount } }",
      );
      assert.equal(all.data!.registrationTokens.totalCount, tokens.data!.registrationTokens.totalCount + 1);
    });

    test("a single-use token presented by five hosts at once registers exactly one runner", async () => {
      const t = await newToken();
      const before = await runnerCount();
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          server.gql(register, { input: gpuHost(t.token, { name: `race-${i}` }) }, null),
        ),
      );
      assert.equal(results.filter((r) => r.errors === undefined).length, 1);
      assert.deepEqual(results.filter((r) => r.errors !== undefined).map(codeOf), [
        "FORBIDDEN",
        "FORBIDDEN",
        "FORBIDDEN",
        "FORBIDDEN",
      ]);
      assert.equal(await runnerCount(), before + 1);
    });

    test("each invalid registerRunner field → BAD_USER_INPUT naming it; nothing stored, token not consumed", async () => {
      const t = await newToken();
      const before = await runnerCount();
      const cases: [Record<string, unknown>, string][] = [
        [{ name: "" }, "name"],
        [{ name: "x".repeat(101) }, "name"],
        [{ labels: ["gpu", "has space"] }, "labels[1]"],
        [{ labels: ["gpu", "gpu"] }, "labels[1]"],
        [{ labels: Array.from({ length: 33 }, (_, i) => `l${i}`) }, "labels"],
        [{ backend: "cuda" }, "backend"],
        [{ backendSkipped: Array.from({ length: 9 }, (_, i) => `b${i}: no`) }, "backendSkipped"],
        [{ backendSkipped: ["native: fine", ""] }, "backendSkipped[1]"],
        [{ backendSkipped: ["x".repeat(301)] }, "backendSkipped[0]"],
        [{ backendSkipped: ["native: did not build\nld: cannot find -lopenblas"] }, "backendSkipped[0]"],
        [{ devices: [] }, "devices"],
        [{ devices: [{ name: "g", memoryBytes: 0 }] }, "devices[0].memoryBytes"],
        [
          {
            devices: [
              { name: "g", memoryBytes: 1e9 },
              { name: "h", memoryBytes: 1.5 },
            ],
          },
          "devices[1].memoryBytes",
        ],
        [{ devices: [{ name: " ", memoryBytes: 1e9 }] }, "devices[0].name"],
        [{ maxJobs: 0 }, "maxJobs"],
        [{ maxJobs: 65 }, "maxJobs"],
      ];
      for (const [patch, field] of cases) {
        const res = await server.gql(register, { input: gpuHost(t.token, patch) }, null);
        assert.equal(codeOf(res), "BAD_USER_INPUT", JSON.stringify(patch));
        assert.equal(res.errors![0]!.extensions!.field, field, JSON.stringify(patch));
      }
      assert.equal(await runnerCount(), before);
      const ok = await server.gql(register, { input: gpuHost(t.token) }, null);
      assert.equal(ok.errors, undefined, "the token was not consumed by the refused attempts");

      for (const [input, field] of [
        [{ expiresInSeconds: 0 }, "expiresInSeconds"],
        [{ expiresInSeconds: 400 * 86_400 }, "expiresInSeconds"],
        [{ description: "d".repeat(201) }, "description"],
      ] as const) {
        const res = await server.gql(createToken, { input });
        assert.equal(codeOf(res), "BAD_USER_INPUT");
        assert.equal(res.errors![0]!.extensions!.field, field);
      }
    });

    test("runners shows BUSY with currentJobs while a runner holds a job, ONLINE once it is done", async () => {
      const { runnerId, secret } = await registerRunnerForTest(server.db, {
        maxJobs: 2,
        labels: ["busy-test"],
      });
      const agent = await ScriptedRunner.connect(server.url, secret, runnerId);
      try {
        const [runId] = await queueRunsForTest(server, { requiredLabels: ["busy-test"] });
        await agent.waitFor((events) => events.some((e) => e.kind === "ASSIGNED" && e.job.runId === runId));
        const statusOf = async () =>
          (
            await server.gql<{ runner: { status: string; currentJobs: number } }>(
              "query($id: ID!) { runner(id: $id) { status currentJobs } }",
              { id: runnerId },
            )
          ).data!.runner;
        assert.deepEqual(await statusOf(), { status: "BUSY", currentJobs: 1 });
        const job = agent.events.find((e) => e.job.runId === runId)!.job;
        const failed = await agent.request(
          'mutation($id: ID!) { failJob(jobId: $id, error: "x", retryable: false) { id } }',
          {
            id: job.id,
          },
        );
        assert.equal(failed.errors, undefined, JSON.stringify(failed.errors));
        assert.deepEqual(await statusOf(), { status: "ONLINE", currentJobs: 0 });
      } finally {
        await agent.close();
      }
    });

    test("revokeRunner: its secret is refused on HTTP at once and its open socket is closed", async () => {
      const t = await newToken();
      const reg = await server.gql<{ registerRunner: { runnerId: string; secret: string } }>(
        register,
        { input: gpuHost(t.token) },
        null,
      );
      const { runnerId, secret } = reg.data!.registerRunner;
      assert.equal((await server.gql("{ __typename }", {}, secret)).status, 200);
      const socket = connect(server.url, secret);
      await socket.ackedEvent;

      const revoked = await server.gql<{ revokeRunner: { revokedAt: string | null; status: string } }>(
        "mutation($id: ID!) { revokeRunner(id: $id) { revokedAt status } }",
        { id: runnerId },
      );
      assert.ok(revoked.data!.revokeRunner.revokedAt);
      assert.equal(revoked.data!.revokeRunner.status, "OFFLINE");
      const closed = await socket.closedEvent;
      assert.deepEqual(closed, { code: 4403, reason: "runner revoked" });
      await socket.client.dispose();

      const http = await server.gql("{ __typename }", {}, secret);
      assert.equal(http.status, 401);
      assert.match(http.errors![0]!.message, /runner has been revoked/);
      const reconnect = connect(server.url, secret);
      const refused = await reconnect.closedEvent;
      assert.equal(refused.code, 4401);
      assert.match(refused.reason, /revoked/);
      await reconnect.client.dispose();

      const listed = await server.gql<{ runners: { edges: { node: { id: string } }[] } }>(runnersQuery);
      assert.ok(
        !listed.data!.runners.edges.some((e) => e.node.id === runnerId),
        "revoked runners are hidden",
      );
      assert.equal(codeOf(await server.gql('{ runner(id: "nope") { id } }')), "NOT_FOUND");
    });
  });
}

test("PostgreSQL: a runner revoked through another server process loses its socket there too", async () => {
  const pg = await createThrowawayDatabase();
  const config = { ...loadConfig({ PORT: "0", LOG_LEVEL: "silent" }), databaseUrl: pg.url };
  const a = await startServer(config);
  const b = await startServer(config);
  try {
    const { runnerId, secret } = await registerRunnerForTest(a.db);
    const socket = connect(a.url, secret);
    await socket.ackedEvent;
    const res = await fetch(b.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${a.adminKey}` },
      body: JSON.stringify({
        query: "mutation($id: ID!) { revokeRunner(id: $id) { id } }",
        variables: { id: runnerId },
      }),
    });
    assert.equal(res.status, 200);
    // Server A notices on its next sweep of open sockets (every 5 s).
    assert.deepEqual(await socket.closedEvent, { code: 4403, reason: "runner revoked" });
    await socket.client.dispose();
  } finally {
    await Promise.all([a.close(), b.close()]);
    await pg.drop();
  }
});

test("runner status: OFFLINE without a heartbeat within the lease, when revoked or signed off; BUSY with a live job", () => {
  const now = new Date("2026-01-01T00:00:30Z");
  const at = (iso: string | null, revoked: string | null = null, signedOff: string | null = null) => ({
    lastHeartbeatAt: iso ? new Date(iso) : null,
    revokedAt: revoked ? new Date(revoked) : null,
    signedOffAt: signedOff ? new Date(signedOff) : null,
  });
  const cases: [ReturnType<typeof at>, number, RunnerStatus][] = [
    [at(null), 0, RunnerStatus.OFFLINE],
    [at("2026-01-01T00:00:20Z"), 0, RunnerStatus.ONLINE],
    [at("2026-01-01T00:00:20Z"), 2, RunnerStatus.BUSY],
    [at("2026-01-01T00:00:00Z"), 0, RunnerStatus.OFFLINE],
    [at("2026-01-01T00:00:00Z"), 1, RunnerStatus.OFFLINE],
    [at("2026-01-01T00:00:29Z", "2026-01-01T00:00:29Z"), 0, RunnerStatus.OFFLINE],
    [at("2026-01-01T00:00:29Z", null, "2026-01-01T00:00:29Z"), 0, RunnerStatus.OFFLINE],
  ];
  for (const [runner, jobs, expected] of cases)
    assert.equal(runnerStatus(runner, jobs, 30_000, now), expected);
});

test("a runner that says goodbye (signOff) is OFFLINE at once; its next heartbeat brings it back", async () => {
  const server = await startTestServer("pglite");
  try {
    const { runnerId, secret } = await registerRunnerForTest(server.db);
    const status = async () => {
      const res = await server.gql<{ runner: { status: string } }>(
        `query($id: ID!) { runner(id: $id) { status } }`,
        { id: runnerId },
      );
      return res.data!.runner.status;
    };
    const beat = `mutation { heartbeat(input: { runningJobIds: [] }) { leaseExpiresAt } }`;
    assert.equal((await server.gql(beat, {}, secret)).errors, undefined);
    assert.equal(await status(), "ONLINE");
    const bye = await server.gql<{ signOff: boolean }>("mutation { signOff }", {}, secret);
    assert.equal(bye.data?.signOff, true);
    assert.equal(await status(), "OFFLINE");
    assert.equal((await server.gql(beat, {}, secret)).errors, undefined);
    assert.equal(await status(), "ONLINE");
  } finally {
    await server.close();
  }
});

test("the registration command uses --public-url when set", async () => {
  const server = await startTestServer("pglite", { publicUrl: "https://tunelab.example:8443" });
  try {
    const res = await server.gql<{ createRegistrationToken: { token: string; command: string } }>(
      "mutation { createRegistrationToken { token command } }",
    );
    const { token, command } = res.data!.createRegistrationToken;
    assert.equal(
      command,
      `npm run runner -- register --server https://tunelab.example:8443 --token ${token}`,
    );
  } finally {
    await server.close();
  }
});
