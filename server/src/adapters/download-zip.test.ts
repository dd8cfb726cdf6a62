import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import { createApiKeyForTest, registerRunnerForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const folder = join(__dirname, "..", "..", "..", "runner", "reference", "fixtures", "peft_lora");
const names = ["adapter_config.json", "adapter_model.safetensors"];

for (const driver of drivers) {
  describe(`adapter zip download on ${driver}`, () => {
    let server: TestServer;
    let adapter: { id: string; downloadUrl: string; files: { name: string; sha256: string }[] };
    const get = (path: string, token: string | null) =>
      fetch(`${server.origin}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    before(async () => {
      server = await startTestServer(driver);
      const base = await server.gql<{ createBaseModel: { id: string } }>(
        `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
        {
          input: {
            name: "qwen2 fixture",
            config: JSON.parse(readFileSync(join(folder, "base", "config.json"), "utf8")),
          },
        },
      );
      const imported = await server.gql<{ importAdapter: typeof adapter }>(
        `mutation($input: ImportAdapterInput!) { importAdapter(input: $input) { id downloadUrl files { name sha256 } } }`,
        {
          input: {
            baseModelId: base.data!.createBaseModel.id,
            files: names.map((name) => ({
              name,
              contentBase64: readFileSync(join(folder, "dora-layer-index", name)).toString("base64"),
            })),
          },
        },
      );
      assert.equal(imported.errors, undefined, JSON.stringify(imported.errors));
      adapter = imported.data!.importAdapter;
    });
    after(() => server.close());

    test("a read key gets the folder as one zip: the files byte for byte, their sha256 as listed", async () => {
      assert.equal(adapter.downloadUrl, `/adapters/${adapter.id}/download.zip`);
      const res = await get(adapter.downloadUrl, await createApiKeyForTest(server.db, "read"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/zip");
      assert.match(
        res.headers.get("content-disposition") ?? "",
        /^attachment; filename="?adapter-[0-9a-f-]+\.zip"?$/,
      );
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      assert.deepEqual(Object.keys(files).sort(), names);
      for (const name of names) {
        const bytes = Buffer.from(files[name]!);
        assert.ok(bytes.equals(readFileSync(join(folder, "dora-layer-index", name))), name);
        const listed = adapter.files.find((f) => f.name === name)!;
        assert.equal(createHash("sha256").update(bytes).digest("hex"), listed.sha256);
      }
    });

    test("no key: 401; a runner that never ran it: 403; an unknown adapter: 404", async () => {
      assert.equal((await get(adapter.downloadUrl, null)).status, 401);
      assert.equal(
        (await get(adapter.downloadUrl, (await registerRunnerForTest(server.db)).secret)).status,
        403,
      );
      assert.equal(
        (await get(`/adapters/00000000-0000-0000-0000-000000000000/download.zip`, server.adminKey)).status,
        404,
      );
      assert.equal((await get(`/adapters/not-an-id/download.zip`, server.adminKey)).status, 404);
    });
  });
}
