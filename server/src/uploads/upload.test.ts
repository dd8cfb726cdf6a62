// POST /uploads and the mutations that reference what it stored: auth before the body, the limit while
// streaming, sha256 checked, ids usable once and only by their owner, nothing stored on any error.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";
import {
  holdUploadsForTest,
  streamUploadForTest,
  type UploadAnswer,
  uploadForTest,
} from "../testing/uploads.js";

const limit = 1024 * 1024;
const errorOf = (res: UploadAnswer) =>
  (res.body?.error ?? {}) as { code?: string; field?: string; limit?: number; message?: string };
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const jsonl = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ text: `row ${i} of an uploaded dataset` })).join("\n");
const createDataset = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id rowCount sizeBytes contentHash } }`;

for (const driver of drivers) {
  describe(`POST /uploads on ${driver}`, () => {
    let server: TestServer;
    let writeKey: string;
    let otherWriteKey: string;
    let readKey: string;
    let runner: { runnerId: string; secret: string };

    const staged = () =>
      server.db.read(async (m) => {
        const rows = (await m.query(
          `SELECT id, api_key_id, runner_id, size_bytes, sha256 FROM staged_upload`,
        )) as {
          id: string;
          api_key_id: string | null;
          runner_id: string | null;
          size_bytes: string;
          sha256: string;
        }[];
        return rows;
      });
    const datasetCount = async () =>
      (
        (await server.db.read((m) => m.query(`SELECT count(*)::int AS n FROM dataset`))) as { n: number }[]
      )[0]!.n;
    const upload = async (content: Buffer | string, token: string) => {
      const res = await uploadForTest(server.origin, content, token);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; sizeBytes: number; sha256: string; expiresAt: string };
    };

    before(async () => {
      server = await startTestServer(driver, { uploadMaxBytes: limit });
      writeKey = await createApiKeyForTest(server.db, "read-write");
      otherWriteKey = await createApiKeyForTest(server.db, "read-write");
      readKey = await createApiKeyForTest(server.db, "read");
      runner = await registerRunnerForTest(server.db);
    });
    after(() => server.close());

    test("a dataset larger than the GraphQL body limit: uploaded, then created from its id, which is used up", async () => {
      const content = jsonl(12_000); // ~470 KB: over the 256 KiB GraphQL body limit
      assert.ok(Buffer.byteLength(content) > 256 * 1024);
      const inline = await server.gql(
        createDataset,
        { input: { name: "inline", format: "JSONL", content } },
        writeKey,
      );
      assert.equal(inline.status, 413, "inline, it does not fit a GraphQL body");

      const res = await uploadForTest(server.origin, content, writeKey, { "x-content-sha256": sha(content) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const body = res.body as { id: string; sizeBytes: number; sha256: string; expiresAt: string };
      assert.equal(body.sizeBytes, Buffer.byteLength(content));
      assert.equal(body.sha256, sha(content));
      assert.ok(Date.parse(body.expiresAt) > Date.now());
      const [row] = (await staged()).filter((r) => r.id === body.id);
      assert.equal(row?.sha256, sha(content));
      assert.equal(row?.runner_id, null);

      const created = await server.gql<{
        createDataset: { rowCount: number; contentHash: string; sizeBytes: number };
      }>(createDataset, { input: { name: "uploaded", format: "JSONL", contentUploadId: body.id } }, writeKey);
      assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      assert.equal(created.data!.createDataset.rowCount, 12_000);
      assert.equal(created.data!.createDataset.contentHash, sha(content));
      assert.ok(!(await staged()).some((r) => r.id === body.id), "used up with the write");

      const again = await server.gql(
        createDataset,
        { input: { name: "again", format: "JSONL", contentUploadId: body.id } },
        writeKey,
      );
      assert.equal(again.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      assert.equal(again.errors?.[0]?.extensions?.field, "contentUploadId");
    });

    test("content and contentUploadId: exactly one", async () => {
      const before = await datasetCount();
      const id = (await upload(jsonl(3), writeKey)).id;
      for (const input of [
        { name: "both", format: "JSONL", content: jsonl(3), contentUploadId: id },
        { name: "neither", format: "JSONL" },
      ]) {
        const res = await server.gql(createDataset, { input }, writeKey);
        assert.equal(res.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", input.name);
      }
      assert.equal(await datasetCount(), before);
      assert.ok(
        (await staged()).some((r) => r.id === id),
        "a refused call keeps the upload",
      );
    });

    test("another caller's, an expired, a malformed or a bad file's id: BAD_USER_INPUT naming the field, nothing stored, the upload kept", async () => {
      const before = await datasetCount();
      const mine = (await upload(jsonl(5), writeKey)).id;
      const runners = (await upload(jsonl(5), runner.secret)).id;
      const expired = (await upload(jsonl(6), writeKey)).id;
      const badRows = (await upload('{"text": "ok"}\n{"nope": 1}\n', writeKey)).id;
      const notText = (await upload(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), writeKey)).id;
      const nul = (await upload('{"text": "a\\u0000"}\n{"text": "b\u0000"}', writeKey)).id;
      await server.db.write((m) =>
        m.query(`UPDATE staged_upload SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired]),
      );
      // a file that is read but refused names the row's field and line, as inline content does
      const cases: [string, string, string, string][] = [
        ["another key's", mine, otherWriteKey, "contentUploadId"],
        ["a runner's", runners, writeKey, "contentUploadId"],
        ["expired", expired, writeKey, "contentUploadId"],
        ["not an id", "x'; DROP TABLE dataset; --", writeKey, "contentUploadId"],
        ["unknown", "00000000-0000-4000-8000-000000000000", writeKey, "contentUploadId"],
        ["bad rows", badRows, writeKey, "text"],
        ["not UTF-8", notText, writeKey, "contentUploadId"],
        ["U+0000", nul, writeKey, "contentUploadId"],
      ];
      for (const [what, id, token, field] of cases) {
        const res = await server.gql(
          createDataset,
          { input: { name: what, format: "JSONL", contentUploadId: id } },
          token,
        );
        assert.equal(
          res.errors?.[0]?.extensions?.code,
          "BAD_USER_INPUT",
          `${what}: ${JSON.stringify(res.errors)}`,
        );
        assert.equal(res.errors?.[0]?.extensions?.field, field, what);
      }
      assert.equal(await datasetCount(), before);
      const left = new Set((await staged()).map((r) => r.id));
      for (const id of [mine, runners, badRows, notText, nul]) assert.ok(left.has(id), `${id} kept`);
      // the owner can still use theirs
      const ok = await server.gql(
        createDataset,
        { input: { name: "mine", format: "JSONL", contentUploadId: mine } },
        writeKey,
      );
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
    });

    test("expired uploads are deleted by the next upload (and the server's sweep)", async () => {
      const id = (await upload("bytes", writeKey)).id;
      await server.db.write((m) =>
        m.query(`UPDATE staged_upload SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]),
      );
      await upload("more bytes", runner.secret);
      assert.ok(!(await staged()).some((r) => r.id === id));
    });

    test("refused before the body is read: no credential, a read key, a bad Content-Type or X-Content-Sha256, a declared size over the limit", async () => {
      const count = (await staged()).length;
      const cases: [string, string | null, Record<string, string>, number, string][] = [
        ["no credential", null, {}, 401, "UNAUTHENTICATED"],
        ["an unknown key", "tlk_nothing", {}, 401, "UNAUTHENTICATED"],
        ["a read key", readKey, {}, 403, "FORBIDDEN"],
        ["JSON", writeKey, { "content-type": "application/json" }, 415, "BAD_USER_INPUT"],
        ["a bad sha", writeKey, { "x-content-sha256": "abc" }, 400, "BAD_USER_INPUT"],
      ];
      for (const [what, token, headers, status, code] of cases) {
        const res = await uploadForTest(server.origin, "some bytes", token, headers);
        assert.equal(res.status, status, what);
        assert.equal(errorOf(res).code, code, what);
      }
      const declared = await fetch(`${server.origin}/uploads`, {
        method: "POST",
        headers: {
          "content-type": "application/octet-stream",
          authorization: `Bearer ${writeKey}`,
          "content-length": String(limit + 1),
        },
        body: Buffer.alloc(limit + 1),
      }).then(
        (r) => r.status,
        () => "closed",
      );
      assert.ok(declared === 413 || declared === "closed", String(declared));
      assert.equal((await staged()).length, count, "nothing stored");
    });

    test("X-Content-Sha256 that does not match the bytes: 400, nothing stored", async () => {
      const count = (await staged()).length;
      const res = await uploadForTest(server.origin, "these bytes", writeKey, {
        "x-content-sha256": sha("other bytes"),
      });
      assert.equal(res.status, 400);
      assert.equal(errorOf(res).field, "X-Content-Sha256");
      assert.equal((await staged()).length, count);
      const right = await uploadForTest(server.origin, "these bytes", writeKey, {
        "x-content-sha256": sha("these bytes").toUpperCase(),
      });
      assert.equal(right.status, 201);
    });

    test("a body over the limit, without a declared length, is refused mid-stream: 413, the rest unread, nothing stored", async () => {
      const count = (await staged()).length;
      const res = await streamUploadForTest(server.origin, 20 * limit, writeKey);
      assert.ok(res.status === 413 || res.status === "closed", String(res.status));
      if (res.status === 413) assert.equal(errorOf(res).code, "PAYLOAD_TOO_LARGE");
      assert.ok(res.sentBytes < 20 * limit, `sent ${res.sentBytes} of ${20 * limit} bytes`);
      assert.equal((await staged()).length, count);
    });

    test("at most 32 unused uploads per caller: the 33rd is refused with 429 before its body is read", async () => {
      const key = await createApiKeyForTest(server.db, "read-write");
      for (let i = 0; i < 32; i += 1) await upload(`upload ${i}`, key);
      const res = await uploadForTest(server.origin, "one more", key);
      assert.equal(res.status, 429);
      assert.equal(errorOf(res).code, "TOO_MANY_UPLOADS");
      assert.equal((await upload("another caller", writeKey)).sizeBytes, "another caller".length);
    });
  });
}

describe("POST /uploads reads nothing before the credential (PGlite)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer("pglite");
  });
  after(() => server.close());

  test("an unauthenticated 50 MB body is answered 401 with most of it never sent", async () => {
    const total = 50 * 1024 * 1024;
    for (const token of [null, await createApiKeyForTest(server.db, "read")]) {
      const res = await streamUploadForTest(server.origin, total, token);
      assert.ok(res.status === (token ? 403 : 401) || res.status === "closed", String(res.status));
      // what was sent at all is what the TCP buffers on loopback took before the answer: a few MB at most
      console.log(
        `${token ? "read key" : "anonymous"}: ${res.status}, sent ${res.sentBytes} of ${total} bytes`,
      );
      assert.ok(res.sentBytes < total / 5, `sent ${res.sentBytes} of ${total} bytes`);
    }
    const [{ n }] = (await server.db.read((m) =>
      m.query(`SELECT count(*)::int AS n FROM staged_upload`),
    )) as {
      n: number;
    }[];
    assert.equal(n, 0);
  });
});

describe("POST /uploads holds at most uploadInflightMaxBytes of bodies at once, all callers together (PGlite)", () => {
  const kib = 1024;
  let server: TestServer;
  const keys: string[] = [];
  const rowsWithSha = async (sha256: string) =>
    (
      (await server.db.read((m) =>
        m.query(`SELECT count(*)::int AS n FROM staged_upload WHERE sha256 = $1`, [sha256]),
      )) as { n: number }[]
    )[0]!.n;
  /** Uploads until one is not refused as busy (the server gives a share back when it sees the close). */
  const uploadOnceRoom = async (content: Buffer, token: string) => {
    for (let i = 0; ; i += 1) {
      const res = await uploadForTest(server.origin, content, token);
      if (res.status !== 503 || i === 200) return res;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    server = await startTestServer("pglite", { uploadMaxBytes: 64 * kib, uploadInflightMaxBytes: 128 * kib });
    for (let i = 0; i < 4; i += 1) keys.push(await createApiKeyForTest(server.db, "read-write"));
  });
  after(() => server.close());

  test("concurrent uploads over it: the one that does not fit is refused with 503 and Retry-After before its body is read, nothing stored; the others succeed; afterwards it succeeds", async () => {
    const [a, c] = keys as [string, string];
    // 64 + 48 KiB being received: 16 KiB of room left
    const held = await holdUploadsForTest(server.origin, [64 * kib, 48 * kib], a, 16 * kib + 1);

    const refused = Buffer.alloc(20 * kib, 0x63);
    const busy = await uploadForTest(server.origin, refused, c);
    assert.equal(busy.status, 503, JSON.stringify(busy.body));
    assert.equal(busy.retryAfter, "2");
    assert.equal(errorOf(busy).code, "UPLOADS_BUSY");
    assert.equal(errorOf(busy).limit, 128 * kib);
    assert.match(errorOf(busy).message ?? "", /TUNELAB_UPLOAD_INFLIGHT_MAX_BYTES/);
    assert.equal(await rowsWithSha(sha(refused)), 0, "nothing stored for the refused upload");
    // what fits the room left is taken meanwhile: the bound is on bytes, not on uploads
    assert.equal((await uploadForTest(server.origin, Buffer.alloc(16 * kib, 0x64), c)).status, 201);
    // a body without a declared length may grow to the per-upload limit: that much room is needed
    const chunked = await streamUploadForTest(server.origin, 1, c);
    assert.ok(chunked.status === 503 || chunked.status === "closed", String(chunked.status));

    for (const h of held) {
      const answer = await h.finish();
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.body?.sha256, sha(h.content));
      assert.equal(await rowsWithSha(sha(h.content)), 1);
    }
    const again = await uploadForTest(server.origin, refused, c);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(await rowsWithSha(sha(refused)), 1);
  });

  test("an upload aborted mid-body gives its share back; nothing of it is stored", async () => {
    const [a, , c] = keys as [string, string, string];
    const [aborted, kept] = await holdUploadsForTest(server.origin, [64 * kib, 64 * kib], a, 1);
    aborted!.abort();
    const res = await uploadOnceRoom(Buffer.alloc(64 * kib, 0x65), c);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(await rowsWithSha(sha(aborted!.content)), 0);
    assert.equal((await kept!.finish()).status, 201);
    // every share is back: two uploads of the largest size are received at once again
    for (const h of await holdUploadsForTest(server.origin, [64 * kib, 64 * kib], a, 1)) {
      assert.equal((await h.finish()).status, 201);
    }
  });
});
