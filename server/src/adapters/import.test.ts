// importAdapter against folders written by runner/reference/ (plain-PyTorch ports of PEFT), never by our
// exporter: LoRA with patterns and biases, DoRA on one layer, QDoRA's lora_only biases (peft_lora/*),
// and prefix tuning with and without projection (prefix.json's prompt_embeddings). Bad folders are refused
// naming the tensor or the field, and nothing is stored.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createApiKeyForTest } from "../testing/auth.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const fixtures = join(__dirname, "..", "..", "..", "runner", "reference", "fixtures");
const peftLora = join(fixtures, "peft_lora");
const loraCases = ["lora-patterns-all-bias", "dora-layer-index", "qdora-lora-only-bias"];

interface Folder {
  config: Record<string, unknown>;
  weights: Buffer;
}

function readLoraFolder(name: string): Folder {
  return {
    config: JSON.parse(readFileSync(join(peftLora, name, "adapter_config.json"), "utf8")),
    weights: readFileSync(join(peftLora, name, "adapter_model.safetensors")),
  };
}

/** A safetensors file of F32 tensors in the format's layout (header length, JSON header, data). */
function safetensors(tensors: Record<string, { shape: number[]; data: Buffer }>, header?: string): Buffer {
  let offset = 0;
  const entries: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    entries[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  const head = Buffer.from(header ?? JSON.stringify(entries));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  return Buffer.concat([length, head, ...Object.values(tensors).map((t) => t.data)]);
}

/** The tensors of a safetensors file, to rewrite one (rename, reshape, drop, add). */
function tensorsOf(file: Buffer): Record<string, { shape: number[]; data: Buffer }> {
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString()) as Record<
    string,
    { shape: number[]; data_offsets: [number, number] }
  >;
  const out: Record<string, { shape: number[]; data: Buffer }> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    out[name] = { shape: e.shape, data: file.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) };
  }
  return out;
}

interface PrefixFixture {
  model: Record<string, unknown>;
  cases: { name: string; peftConfig: Record<string, unknown>; promptEmbeddings: string }[];
}
const prefix = JSON.parse(readFileSync(join(fixtures, "prefix.json"), "utf8")) as PrefixFixture;

function prefixFolder(c: PrefixFixture["cases"][number]): Folder {
  const data = Buffer.from(c.promptEmbeddings, "hex");
  const n = c.peftConfig.num_virtual_tokens as number;
  return {
    config: c.peftConfig,
    weights: safetensors({ prompt_embeddings: { shape: [n, data.length / 4 / n], data } }),
  };
}

const importMutation = `mutation($input: ImportAdapterInput!) { importAdapter(input: $input) {
  id method methodConfig source runId importedBy note trainableParams sizeBytes baseModel { id }
  files { name sizeBytes sha256 downloadUrl } } }`;

for (const driver of drivers) {
  describe(`importAdapter on ${driver}`, () => {
    let server: TestServer;
    let writeKey: string;
    let qwenId: string;
    let llamaId: string;

    const createBase = async (name: string, config: Record<string, unknown>) => {
      const res = await server.gql<{ createBaseModel: { id: string } }>(
        `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
        { input: { name, config } },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.createBaseModel.id;
    };
    const importFolder = (
      baseModelId: string,
      folder: Folder,
      note?: string,
      token: string | null = writeKey,
    ) =>
      server.gql<{
        importAdapter: Record<string, unknown> & {
          files: { name: string; sha256: string; downloadUrl: string }[];
        };
      }>(
        importMutation,
        {
          input: {
            baseModelId,
            note,
            files: [
              {
                name: "adapter_config.json",
                contentBase64: Buffer.from(JSON.stringify(folder.config)).toString("base64"),
              },
              { name: "adapter_model.safetensors", contentBase64: folder.weights.toString("base64") },
            ],
          },
        },
        token,
      );
    const stored = async () =>
      server.db.read(async (m) => {
        const [a] = (await m.query(`SELECT count(*)::int AS n FROM adapter`)) as { n: number }[];
        const [f] = (await m.query(`SELECT count(*)::int AS n FROM artifact`)) as { n: number }[];
        return { adapters: a!.n, artifacts: f!.n };
      });

    before(async () => {
      server = await startTestServer(driver);
      writeKey = await createApiKeyForTest(server.db, "read-write");
      qwenId = await createBase(
        "qwen2 fixture",
        JSON.parse(readFileSync(join(peftLora, "base", "config.json"), "utf8")),
      );
      llamaId = await createBase("prefix fixture", prefix.model);
    });
    after(() => server.close());

    for (const name of loraCases) {
      test(`${name}: imported, files stored byte for byte`, async () => {
        const folder = readLoraFolder(name);
        const res = await importFolder(qwenId, folder, `reference ${name}`);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        const a = res.data!.importAdapter;
        assert.equal(a.method, "lora");
        assert.equal(a.source, "IMPORT");
        assert.equal(a.runId, null);
        assert.equal(a.note, `reference ${name}`);
        assert.match(String(a.importedBy), /./);
        assert.deepEqual(a.baseModel, { id: qwenId });
        assert.equal((a.methodConfig as { use_dora?: boolean }).use_dora === true, name.includes("dora"));
        assert.ok((a.trainableParams as number) > 0);
        const weights = a.files.find((f) => f.name === "adapter_model.safetensors")!;
        const got = await fetch(`${server.origin}${weights.downloadUrl}`, {
          headers: { authorization: `Bearer ${writeKey}` },
        });
        assert.equal(got.status, 200);
        assert.ok(Buffer.from(await got.arrayBuffer()).equals(folder.weights));
      });
    }

    for (const c of prefix.cases) {
      test(`prefix ${c.name}: PEFT's prompt_embeddings layout imported`, async () => {
        const res = await importFolder(llamaId, prefixFolder(c));
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        assert.equal(res.data!.importAdapter.method, "prefix");
      });
    }

    test("an imported adapter is listed under its base model", async () => {
      const res = await server.gql<{
        adapters: { totalCount: number; edges: { node: { source: string } }[] };
      }>(`query($b: ID!) { adapters(filter: {baseModelId: $b}) { totalCount edges { node { source } } } }`, {
        b: qwenId,
      });
      assert.equal(res.data!.adapters.totalCount, loraCases.length);
      assert.ok(res.data!.adapters.edges.every((e) => e.node.source === "IMPORT"));
    });

    const weightsOf = (name: string) => tensorsOf(readLoraFolder(name).weights);
    const A = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";
    const bad: [string, () => [string, Folder], string, RegExp][] = [
      [
        "a tensor of the wrong shape",
        () => {
          const t = weightsOf("lora-patterns-all-bias");
          t[A] = { shape: [2, 16], data: t[A]!.data.subarray(0, 2 * 16 * 4) };
          return [
            qwenId,
            { config: readLoraFolder("lora-patterns-all-bias").config, weights: safetensors(t) },
          ];
        },
        A,
        /lora_A\.weight: shape \[2, 16\], expected \[2, 32\] for this base model/,
      ],
      [
        "a missing tensor",
        () => {
          const t = weightsOf("lora-patterns-all-bias");
          delete t[A];
          return [
            qwenId,
            { config: readLoraFolder("lora-patterns-all-bias").config, weights: safetensors(t) },
          ];
        },
        A,
        /: missing; the config implies \[2, 32\]/,
      ],
      [
        "an extra tensor",
        () => {
          const t = weightsOf("dora-layer-index");
          const extra = "base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight";
          t[extra] = t["base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"]!;
          return [qwenId, { config: readLoraFolder("dora-layer-index").config, weights: safetensors(t) }];
        },
        "base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight",
        /not a tensor of this adapter's config/,
      ],
      [
        "a config field Tunelab does not support",
        () => {
          const f = readLoraFolder("dora-layer-index");
          return [qwenId, { ...f, config: { ...f.config, fan_in_fan_out: true } }];
        },
        "adapter_config.json.fan_in_fan_out",
        /fan_in_fan_out/,
      ],
      [
        "a target the base model does not have",
        () => {
          const f = readLoraFolder("dora-layer-index");
          return [qwenId, { ...f, config: { ...f.config, target_modules: ["c_attn"] } }];
        },
        "adapter_config.json.target_modules",
        /c_attn/,
      ],
      [
        "a safetensors header longer than the file",
        () => {
          const f = readLoraFolder("dora-layer-index");
          const weights = Buffer.from(f.weights);
          weights.writeBigUInt64LE(BigInt(weights.length), 0);
          return [qwenId, { ...f, weights }];
        },
        "adapter_model.safetensors",
        /header length \d+ runs past the end/,
      ],
      [
        "a safetensors header that is not JSON",
        () => {
          const f = readLoraFolder("dora-layer-index");
          return [qwenId, { ...f, weights: safetensors({}, "{not json") }];
        },
        "adapter_model.safetensors",
        /header is not JSON/,
      ],
      [
        "data offsets that do not fit the shape",
        () => {
          const f = readLoraFolder("dora-layer-index");
          const name = "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight";
          const header = JSON.stringify({ [name]: { dtype: "F32", shape: [2, 32], data_offsets: [0, 8] } });
          return [qwenId, { ...f, weights: safetensors({}, header) }];
        },
        "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight",
        /data_offsets \[0,8\] do not hold a F32 tensor of shape \[2, 32\]/,
      ],
      [
        "a LoRA folder against a base model of other sizes",
        () => [llamaId, readLoraFolder("dora-layer-index")],
        "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight",
        /down_proj\.lora_A\.weight: shape \[2, 64\], expected \[2, 48\] for this base model/,
      ],
    ];
    for (const [what, make, field, message] of bad) {
      test(`refused, nothing stored: ${what}`, async () => {
        const before = await stored();
        const [baseModelId, folder] = make();
        const res = await importFolder(baseModelId, folder);
        const error = res.errors?.[0];
        assert.ok(error, "refused");
        assert.equal(error.extensions?.code, "BAD_USER_INPUT", error.message);
        assert.equal(error.extensions?.field, field, error.message);
        assert.match(error.message, message);
        assert.deepEqual(await stored(), before);
      });
    }

    test("a read key may not import; an unknown base model is NOT_FOUND", async () => {
      const read = await createApiKeyForTest(server.db, "read");
      const folder = readLoraFolder("dora-layer-index");
      assert.equal(
        (await importFolder(qwenId, folder, undefined, read)).errors?.[0]?.extensions?.code,
        "FORBIDDEN",
      );
      assert.equal(
        (await importFolder(qwenId, folder, undefined, null)).errors?.[0]?.extensions?.code,
        "UNAUTHENTICATED",
      );
      const missing = await importFolder("00000000-0000-0000-0000-000000000000", folder);
      assert.equal(missing.errors?.[0]?.extensions?.code, "NOT_FOUND");
      assert.equal(missing.errors?.[0]?.extensions?.field, "baseModelId");
    });
  });
}
