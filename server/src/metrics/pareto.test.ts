import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { COST_AXIS_NAMES, QUALITY_AXIS_NAMES } from "@tunelab/core";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import { ParetoCost, ParetoQuality } from "./pareto.types.js";

const paretoQuery = `query($e: ID, $ids: [ID!], $q: ParetoQuality!, $c: ParetoCost!, $b: Float) {
  pareto(experimentId: $e, runIds: $ids, quality: $q, cost: $c, budget: $b) {
    quality cost costBetter qualityBetter budget bestReason
    points { runId name method x y onFrontier }
    frontier { name x y }
    excluded { name reason }
    best { runId name x y }
  } }`;

interface View {
  costBetter: string;
  points: { runId: string; name: string; method: string; x: number; y: number; onFrontier: boolean }[];
  frontier: { name: string; x: number; y: number }[];
  excluded: { name: string; reason: string }[];
  best: { name: string; x: number; y: number } | null;
  bestReason: string | null;
}

test("the GraphQL enums are core's axes", () => {
  assert.deepEqual(Object.values(ParetoQuality).sort(), [...QUALITY_AXIS_NAMES].sort());
  assert.deepEqual(Object.values(ParetoCost).sort(), [...COST_AXIS_NAMES].sort());
});

for (const driver of drivers) {
  describe(`pareto on ${driver}`, () => {
    let server: TestServer;
    let experimentId: string;
    let ids: Record<string, string>;
    const pareto = async (vars: Record<string, unknown>) => {
      const res = await server.gql<{ pareto: View }>(paretoQuery, { e: experimentId, ...vars });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.pareto;
    };

    before(async () => {
      server = await startTestServer(driver);
      const e = await createExperiment(server, await seedPeople(server), [
        { name: "full", method: { method: "full" } },
        { name: "lora", method: { method: "lora", r: 4 } },
        { name: "qlora", method: { method: "qlora", r: 4 } },
        { name: "prefix", method: { method: "prefix" } },
        { name: "adapter", method: { method: "adapter" } },
      ]);
      experimentId = e.id;
      ids = Object.fromEntries(e.runs.map((r) => [r.name, r.id]));
      // peak bytes, best eval loss, tokens/s; adapter stays queued.
      const finished: [string, number, number, number][] = [
        ["full", 3000, 1.5, 300],
        ["lora", 1200, 1.7, 800],
        ["qlora", 800, 1.8, 500],
        ["prefix", 1000, 2.1, 900],
      ];
      await server.db.write(async (m) => {
        for (const [name, peak, loss, tps] of finished) {
          await m.query(
            `UPDATE run SET status = 'SUCCEEDED', measured_peak_bytes = $2, best_eval_loss = $3, tokens_per_second = $4,
                    started_at = now(), finished_at = now() + interval '1 minute' WHERE id = $1`,
            [ids[name], peak, loss, tps],
          );
        }
      });
    });
    after(() => server.close());

    test("points, the frontier in cost order and the best run within a memory budget", async () => {
      const view = await pareto({ q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY", b: 1500 });
      assert.deepEqual(
        view.points.map((p) => [p.runId, p.name, p.method, p.x, p.y, p.onFrontier]),
        [
          [ids.full, "full", "full", 3000, 1.5, true],
          [ids.lora, "lora", "lora", 1200, 1.7, true],
          [ids.qlora, "qlora", "qlora", 800, 1.8, true],
          [ids.prefix, "prefix", "prefix", 1000, 2.1, false],
        ],
      );
      assert.deepEqual(
        view.frontier.map((p) => p.name),
        ["qlora", "lora", "full"],
      );
      assert.deepEqual(view.excluded, [
        { name: "adapter", reason: "not finished (queued); no measured peak memory; no eval loss" },
      ]);
      assert.deepEqual(view.best, { runId: ids.lora, name: "lora", x: 1200, y: 1.7 });
      const none = await pareto({ q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY", b: 500 });
      assert.equal(none.best, null);
      assert.equal(none.bestReason, "no run within 500 B: the lowest measured peak memory is 800 B (qlora)");
      const byIds = await server.gql<{ pareto: View }>(paretoQuery, {
        ids: [ids.prefix, ids.full],
        q: "BEST_EVAL_LOSS",
        c: "PEAK_MEMORY",
      });
      assert.deepEqual(
        byIds.data!.pareto.points.map((p) => [p.name, p.onFrontier]),
        [
          ["prefix", true],
          ["full", true],
        ],
      );
      assert.equal(byIds.data!.pareto.bestReason, "no budget given");
    });

    test("tokens/s is better when higher: the frontier and the budget (a floor) turn around", async () => {
      const view = await pareto({ q: "BEST_EVAL_LOSS", c: "TOKENS_PER_SECOND", b: 600 });
      assert.equal(view.costBetter, "max");
      assert.deepEqual(
        view.frontier.map((p) => p.name),
        ["prefix", "lora", "full"],
      );
      assert.equal(view.best?.name, "lora");
    });

    test("bad arguments are coded errors naming the field; nothing but a read key may ask", async () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY", b: -1 }, "BAD_USER_INPUT", "budget"],
        [{ q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY", b: 1, ids: [ids.full] }, "BAD_USER_INPUT", "runIds"],
        [{ e: null, q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY" }, "BAD_USER_INPUT", "experimentId"],
        [{ e: "nope", q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY" }, "BAD_USER_INPUT", "experimentId"],
        [
          { e: null, ids: [ids.full, "nope"], q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY" },
          "BAD_USER_INPUT",
          "runIds[1]",
        ],
      ];
      for (const [vars, code, field] of cases) {
        const res = await server.gql(paretoQuery, { e: experimentId, ...vars });
        assert.equal(res.errors?.[0]?.extensions?.code, code, JSON.stringify(vars));
        assert.equal(res.errors?.[0]?.extensions?.field, field, JSON.stringify(vars));
      }
      // Axis names are GraphQL enums: an unknown one is refused before the resolver, naming the variable.
      for (const [vars, name] of [
        [{ q: "ACCURACY", c: "PEAK_MEMORY" }, "$q"],
        [{ q: "BEST_EVAL_LOSS", c: "DOLLARS" }, "$c"],
      ] as const) {
        const res = await server.gql(paretoQuery, { e: experimentId, ...vars });
        assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
        assert.match(res.errors![0]!.message, new RegExp(`\\${name}`));
      }
      const { secret } = await registerRunnerForTest(server.db);
      const runner = await server.gql(
        paretoQuery,
        { e: experimentId, q: "BEST_EVAL_LOSS", c: "PEAK_MEMORY" },
        secret,
      );
      assert.equal(runner.errors?.[0]?.extensions?.code, "FORBIDDEN");
    });
  });
}
