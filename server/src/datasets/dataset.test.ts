import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type GqlResponse, type TestServer, drivers, startTestServer } from "../testing/test-server.js";

const create = `mutation Create($input: CreateDatasetInput!) {
  createDataset(input: $input) {
    id name format kind contentHash sizeBytes rowCount trainRowCount evalRowCount charCount evalFraction splitSeed
    rows(first: 100) { index line split text prompt completion }
  }
}`;

const page = `query Page($first: Int, $after: String) {
  datasets(first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const jsonl = (n: number, tag = "") =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ text: `row ${i}${tag}` })).join("\n");

const maxBytes = 4096;

interface Stored {
  datasets: number;
  rows: number;
}

for (const driver of drivers) {
  describe(`datasets on ${driver}`, () => {
    let server: TestServer;
    const stored = async (): Promise<Stored> => {
      const [row] = (await server.db.read((m) =>
        m.query(
          "SELECT (SELECT count(*) FROM dataset)::int AS datasets, (SELECT count(*) FROM dataset_row)::int AS rows",
        ),
      )) as Stored[];
      return row!;
    };
    before(async () => {
      server = await startTestServer(driver, { datasetMaxBytes: maxBytes });
    });
    after(() => server.close());

    test("stores JSONL text rows with hash, counts and a seeded split", async () => {
      const content = '{"text":"hello"}\n{"text":"world"}\n';
      const res = await server.gql(create, {
        input: { name: " greetings ", format: "JSONL", content, evalFraction: 0.5, splitSeed: 3 },
      });
      assert.equal(res.errors, undefined);
      const d = (res.data as { createDataset: Record<string, unknown> }).createDataset;
      assert.equal(d.name, "greetings");
      assert.equal(d.kind, "TEXT");
      // sha256sum of the same bytes
      assert.equal(d.contentHash, "97475efe56f89d426363dab11d8120ddb33ffc0375dc8e9fe6e2f2e2048e8ebd");
      assert.deepEqual(
        [d.sizeBytes, d.rowCount, d.trainRowCount, d.evalRowCount, d.charCount, d.evalFraction, d.splitSeed],
        [content.length, 2, 1, 1, 10, 0.5, 3],
      );
      const rows = d.rows as { split: string; text: string; line: number }[];
      assert.deepEqual(
        rows.map((r) => [r.line, r.text]),
        [
          [1, "hello"],
          [2, "world"],
        ],
      );
      assert.deepEqual(rows.map((r) => r.split).sort(), ["EVAL", "TRAIN"]);
    });

    test("stores CSV prompt/completion rows", async () => {
      const res = await server.gql(create, {
        input: { name: "qa", format: "CSV", content: 'prompt,completion\n"2+2, please",4\nhi,there\n' },
      });
      const d = (res.data as { createDataset: { kind: string; rows: unknown[] } }).createDataset;
      assert.equal(d.kind, "PROMPT_COMPLETION");
      assert.deepEqual(d.rows, [
        { index: 0, line: 2, split: "TRAIN", text: null, prompt: "2+2, please", completion: "4" },
        { index: 1, line: 3, split: "TRAIN", text: null, prompt: "hi", completion: "there" },
      ]);
    });

    test("the same content and split twice is one version", async () => {
      const input = { name: "twice", format: "JSONL", content: jsonl(20, "twice") };
      const before = await stored();
      const first = await server.gql<{ createDataset: { id: string } }>(create, { input });
      const second = await server.gql<{ createDataset: { id: string } }>(create, {
        input: { ...input, name: "another name" },
      });
      assert.equal(second.data?.createDataset.id, first.data?.createDataset.id);
      assert.deepEqual(await stored(), { datasets: before.datasets + 1, rows: before.rows + 20 });
      const reseeded = await server.gql<{ createDataset: { id: string } }>(create, {
        input: { ...input, splitSeed: 7 },
      });
      assert.notEqual(
        reseeded.data?.createDataset.id,
        first.data?.createDataset.id,
        "another split is another version",
      );
    });

    test("the split is reproducible from the seed", async () => {
      const splitOf = async (content: string, splitSeed: number) => {
        const res = await server.gql<{ createDataset: { rows: { split: string }[]; evalRowCount: number } }>(
          create,
          {
            input: { name: "split", format: "JSONL", content, evalFraction: 0.25, splitSeed },
          },
        );
        return res.data!.createDataset;
      };
      // Different content (so a new version each time), same row count and seed → same split pattern.
      const a = await splitOf(jsonl(40, "a"), 11);
      const b = await splitOf(jsonl(40, "b"), 11);
      const c = await splitOf(jsonl(40, "c"), 12);
      assert.equal(a.evalRowCount, 10);
      assert.deepEqual(
        a.rows.map((r) => r.split),
        b.rows.map((r) => r.split),
      );
      assert.notDeepEqual(
        a.rows.map((r) => r.split),
        c.rows.map((r) => r.split),
      );
      assert.equal(a.rows.filter((r) => r.split === "EVAL").length, 10);
    });

    test("bad inputs are BAD_USER_INPUT with field and line, and store nothing", async () => {
      const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
        [
          "invalid JSON on line 7",
          { content: `${jsonl(6)}\n{"text": oops}\n` },
          { field: "content", line: 7 },
        ],
        [
          "a missing field",
          { content: '{"prompt":"p","completion":"c"}\n{"prompt":"p"}' },
          { field: "completion", line: 2 },
        ],
        ["an empty file", { content: "" }, { field: "content" }],
        ["a file over the size limit", { content: jsonl(400) }, { field: "content" }],
        ["an unknown format", { format: "XML" }, { field: "format" }],
        [
          "a bad CSV header",
          { format: "CSV", content: "question,answer\nq,a\n" },
          { field: "question", line: 1 },
        ],
        ["a blank name", { name: "  " }, { field: "name" }],
        ["an eval fraction over one half", { evalFraction: 0.9 }, { field: "evalFraction" }],
      ];
      const before = await stored();
      for (const [name, change, where] of cases) {
        const input = { name: "bad", format: "JSONL", content: jsonl(3, name), ...change };
        const res = await server.gql(create, { input });
        assert.equal(res.data?.createDataset ?? null, null, name);
        const error = res.errors?.[0];
        assert.equal(error?.extensions?.code, "BAD_USER_INPUT", `${name}: ${error?.message}`);
        const { field, line } = error!.extensions!;
        assert.deepEqual({ field, line }, { line: undefined, ...where }, name);
      }
      assert.deepEqual(await stored(), before);
    });

    test("a body over the server's limit is a 413 in GraphQL's error shape", async () => {
      const res = await server.gql(create, {
        input: { name: "huge", format: "JSONL", content: "x".repeat(3 * maxBytes + 1024 * 1024) },
      });
      assert.equal(res.status, 413);
      assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    });

    test("datasets pages newest first with cursors; dataset(id) previews rows", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await server.gql<{ createDataset: { id: string } }>(create, {
          input: { name: `page-${i}`, format: "JSONL", content: jsonl(3, `page-${i}`) },
        });
        ids.push(res.data!.createDataset.id);
      }
      const total = (await stored()).datasets;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        type Page = {
          datasets: {
            totalCount: number;
            edges: { cursor: string; node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
          };
        };
        const res: GqlResponse<Page> = await server.gql<Page>(page, { first: 2, after });
        const connection: Page["datasets"] = res.data!.datasets;
        assert.equal(connection.totalCount, total);
        assert.equal(connection.pageInfo.hasPreviousPage, after !== null);
        seen.push(...connection.edges.map((e) => e.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total, "no item twice");
      assert.deepEqual(seen.slice(0, 5), [...ids].reverse(), "newest first");

      const preview = await server.gql<{
        dataset: { name: string; rows: { index: number; split: string }[] };
      }>(`query($id: ID!) { dataset(id: $id) { name rows(first: 2) { index split } } }`, { id: ids[0] });
      assert.equal(preview.data?.dataset.name, "page-0");
      assert.deepEqual(
        preview.data?.dataset.rows.map((r) => r.index),
        [0, 1],
      );
      assert.ok(preview.data?.dataset.rows.every((r) => r.split === "TRAIN" || r.split === "EVAL"));
    });

    test("list errors: bad first, foreign cursor, unknown id", async () => {
      const badFirst = await server.gql(page, { first: 0 });
      assert.deepEqual(badFirst.errors?.[0]?.extensions, { code: "BAD_USER_INPUT", field: "first" });
      const badCursor = await server.gql(page, { after: "bm90IGEgY3Vyc29y" });
      assert.deepEqual(badCursor.errors?.[0]?.extensions, { code: "BAD_USER_INPUT", field: "after" });
      const missing = await server.gql(`{ dataset(id: "00000000-0000-4000-8000-000000000000") { id } }`);
      assert.equal(missing.errors?.[0]?.extensions?.code, "NOT_FOUND");
    });
  });
}
