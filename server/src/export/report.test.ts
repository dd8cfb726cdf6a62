import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createExperiment, seedPeople } from "../runs/fixtures.js";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

/** data-value of each `data-col` cell of the report's table row for a run. */
function tableRow(html: string, runId: string): Record<string, string> {
  const row = new RegExp(`<tr data-run-id="${runId}">(.*?)</tr>`).exec(html)?.[1] ?? "";
  return Object.fromEntries(
    [...row.matchAll(/data-col="(\w+)" data-value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
}

for (const driver of drivers) {
  describe(`GET /export/compare.html on ${driver}`, () => {
    let server: TestServer;
    let experimentId: string;
    let ids: string[];
    const get = (query: string, token: string | null) =>
      fetch(`${server.origin}/export/compare.html?${query}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });

    before(async () => {
      server = await startTestServer(driver);
      const e = await createExperiment(server, await seedPeople(server), [
        { method: { method: "lora", r: 4 }, name: "lora <b>4</b>" },
        { method: { method: "full" }, name: "full" },
        { method: { method: "prefix" }, name: "prefix" },
      ]);
      experimentId = e.id;
      ids = e.runs.map((r) => r.id);
      await server.db.write(async (m) => {
        for (const [i, [peak, loss]] of [
          [2000, 1.7],
          [5000, 1.5],
        ].entries()) {
          await m.query(
            `UPDATE run SET status = 'SUCCEEDED', measured_peak_bytes = $2, best_eval_loss = $3 WHERE id = $1`,
            [ids[i], peak, loss],
          );
          await m.query(
            `INSERT INTO metric_point (run_id, key, step, value) VALUES ($1, 'train_loss', 1, 3), ($1, 'train_loss', 2, 2.5),
               ($1, 'eval_loss', 2, $2)`,
            [ids[i], loss + 0.1],
          );
        }
        await m.query(`INSERT INTO sample (run_id, step, prompt, output) VALUES ($1, 2, 'q?', 'a & b')`, [
          ids[0],
        ]);
        // the third as an evaluation's row: marked as such, not as trained here
        await m.query(`UPDATE run SET kind = 'EVALUATE' WHERE id = $1`, [ids[2]]);
      });
    });
    after(() => server.close());

    test("the report holds compare's numbers, pareto's answer, charts as SVG, and asks for nothing", async () => {
      const read = await createApiKeyForTest(server.db, "read");
      const res = await get(
        `experimentId=${experimentId}&quality=bestEvalLoss&cost=peakMemory&budget=3000`,
        read,
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(
        res.headers.get("content-disposition") ?? "",
        /^attachment; filename="?compare-.*\.html"?$/,
      );
      const html = await res.text();

      const { data } = await server.gql<{ compare: Record<string, number | string | null>[] }>(
        `query($e: ID) { compare(experimentId: $e) { runId name trainableParams predictedTotalBytes measuredPeakBytes
           finalEvalLoss bestEvalLoss } }`,
        { e: experimentId },
      );
      for (const c of data!.compare) {
        const row = tableRow(html, c.runId as string);
        for (const key of [
          "trainableParams",
          "predictedTotalBytes",
          "measuredPeakBytes",
          "finalEvalLoss",
          "bestEvalLoss",
        ]) {
          assert.equal(row[key], c[key] === null ? "" : String(c[key]), `${c.name} ${key}`);
        }
      }
      assert.deepEqual(
        ids.map((id) => tableRow(html, id).kind),
        ["TRAIN", "TRAIN", "EVALUATE"],
      );
      assert.equal((html.match(/>evaluated, not trained here</g) ?? []).length, 1);
      assert.equal((html.match(/>trained</g) ?? []).length, 2);
      const { data: p } = await server.gql<{
        pareto: { frontier: { runId: string }[]; best: { runId: string } };
      }>(
        `query($e: ID) { pareto(experimentId: $e, quality: BEST_EVAL_LOSS, cost: PEAK_MEMORY, budget: 3000) {
           frontier { runId } best { runId } } }`,
        { e: experimentId },
      );
      assert.equal(p!.pareto.best.runId, ids[0]);
      assert.match(html, new RegExp(`data-testid="pareto-best" data-run-id="${ids[0]}"`));
      assert.match(html, new RegExp(`data-frontier="${p!.pareto.frontier.map((f) => f.runId).join(",")}"`));
      assert.match(html, /prefix: not finished \(queued\)/);
      assert.equal(
        (html.match(/<svg /g) ?? []).length,
        3 + 2 + 1,
        "memory bars, two loss charts, the scatter",
      );
      assert.match(html, /data-chart="Train loss" data-series="2"/);

      assert.ok(
        html.includes("lora &lt;b&gt;4&lt;/b&gt;") && !html.includes("<b>4</b>"),
        "names are escaped",
      );
      assert.ok(html.includes("a &amp; b"), "samples are in");
      assert.doesNotMatch(html, /<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(/i, "nothing that loads");
      assert.deepEqual(
        [...new Set(html.match(/https?:\/\/[^\s"'<]+/g))],
        ["http://www.w3.org/2000/svg"],
        "the only URL is the SVG namespace",
      );
    });

    test("bad arguments are 400s naming the field; refused without a read key", async () => {
      for (const [query, field] of [
        [`experimentId=${experimentId}&quality=accuracy`, "quality"],
        [`experimentId=${experimentId}&cost=dollars`, "cost"],
        [`experimentId=${experimentId}&budget=-5`, "budget"],
        [`experimentId=${experimentId}&budget=lots`, "budget"],
        [`experimentId=${experimentId}&cost=a&cost=b`, "cost"],
        ["experimentId=nope", "experimentId"],
      ]) {
        const res = await get(query!, server.adminKey);
        assert.equal(res.status, 400, query);
        assert.equal(((await res.json()) as { error: { field: string } }).error.field, field, query);
      }
      assert.equal((await get(`experimentId=${experimentId}`, null)).status, 401);
      const { secret } = await registerRunnerForTest(server.db);
      assert.equal((await get(`experimentId=${experimentId}`, secret)).status, 403);
    });
  });
}
