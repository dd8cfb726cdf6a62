// importAdapter against folders written by runner/reference/ (plain-PyTorch ports of PEFT and the adapters
// library), never by our exporter: LoRA with rank/alpha patterns, rsLoRA, layers_to_transform and biases,
// DoRA on one layer, QDoRA's lora_only biases (peft_lora/*); IA3 with a feed-forward module and with a
// regex target, prompt tuning (peft_folders/*); prefix tuning with and without projection (prefix.json's
// prompt_embeddings); bottleneck adapters, Pfeiffer and Houlsby (adapters/*). A QLoRA adapter is recorded
// as "lora": its adapter_config.json says nothing of the 4-bit base (that is the base's
// BitsAndBytesConfig), and its tensors are a LoRA's. Bad folders are refused naming the tensor or the
// field, and nothing is stored.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createHash } from "node:crypto";
import { createApiKeyForTest } from "../testing/auth.js";
import { safetensors, tensorsOf } from "../testing/safetensors.js";
import { uploadForTest } from "../testing/uploads.js";
import { drivers, type TestServer, startTestServer } from "../testing/test-server.js";

const fixtures = join(__dirname, "..", "..", "..", "runner", "reference", "fixtures");
const peftLora = join(fixtures, "peft_lora");
const loraCases = ["lora-patterns-all-bias", "dora-layer-index", "qdora-lora-only-bias"];
const peftCases: [string, string][] = [
  ["ia3-defaults", "ia3"],
  ["ia3-regex-attention", "ia3"],
  ["prompt-tuning-random", "prompt"],
];
const bottleneckCases: [string, string][] = [
  ["pfeiffer-reduction-factor", "pfeiffer"],
  ["houlsby-bottleneck-size", "houlsby"],
  ["pfeiffer-bottleneck-size", "pfeiffer"],
];

interface Folder {
  config: Record<string, unknown>;
  weights: Buffer;
  /** adapter_model.safetensors unless given. */
  weightsName?: string;
}

function readFolder(dir: string, weightsName = "adapter_model.safetensors"): Folder {
  return {
    config: JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8")),
    weights: readFileSync(join(dir, weightsName)),
    weightsName,
  };
}
const readLoraFolder = (name: string) => readFolder(join(peftLora, name));
const readPeftFolder = (name: string) => readFolder(join(fixtures, "peft_folders", name));
const readBottleneckFolder = (name: string) =>
  readFolder(join(fixtures, "adapters", name), "adapter.safetensors");

/** How many numbers a safetensors file holds (its shapes multiplied out). */
function elementsOf(file: Buffer): number {
  return Object.values(tensorsOf(file)).reduce((n, t) => n + t.shape.reduce((a, d) => a * d, 1), 0);
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
    let adaptersBaseId: string;

    const createBase = async (name: string, config: Record<string, unknown>) => {
      const res = await server.gql<{ createBaseModel: { id: string } }>(
        `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
        { input: { name, config } },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.createBaseModel.id;
    };
    const importFiles = (
      baseModelId: string,
      files: { name: string; content: Buffer }[],
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
            files: files.map((f) => ({ name: f.name, contentBase64: f.content.toString("base64") })),
          },
        },
        token,
      );
    const filesOf = (folder: Folder) => [
      { name: "adapter_config.json", content: Buffer.from(JSON.stringify(folder.config)) },
      { name: folder.weightsName ?? "adapter_model.safetensors", content: folder.weights },
    ];
    const importFolder = (
      baseModelId: string,
      folder: Folder,
      note?: string,
      token: string | null = writeKey,
    ) => importFiles(baseModelId, filesOf(folder), note, token);
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
      adaptersBaseId = await createBase(
        "adapters fixture",
        JSON.parse(readFileSync(join(fixtures, "adapters.json"), "utf8")).model,
      );
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
        assert.equal(a.trainableParams, elementsOf(folder.weights));
        const weights = a.files.find((f) => f.name === "adapter_model.safetensors")!;
        const got = await fetch(`${server.origin}${weights.downloadUrl}`, {
          headers: { authorization: `Bearer ${writeKey}` },
        });
        assert.equal(got.status, 200);
        assert.ok(Buffer.from(await got.arrayBuffer()).equals(folder.weights));
      });
    }

    for (const [name, method] of peftCases) {
      test(`${name}: PEFT's ${method} layout imported, every number counted`, async () => {
        const folder = readPeftFolder(name);
        const res = await importFolder(qwenId, folder);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        assert.equal(res.data!.importAdapter.method, method);
        assert.equal(res.data!.importAdapter.trainableParams, elementsOf(folder.weights));
      });
    }

    for (const [name, placement] of bottleneckCases) {
      test(`bottleneck ${name}: the adapters library's folder imported, files stored byte for byte`, async () => {
        const folder = readBottleneckFolder(name);
        const res = await importFolder(adaptersBaseId, folder);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        const a = res.data!.importAdapter;
        assert.equal(a.method, "adapter");
        assert.equal((a.methodConfig as { placement: string }).placement, placement);
        assert.equal(a.trainableParams, elementsOf(folder.weights));
        assert.deepEqual(a.files.map((f) => f.name).sort(), ["adapter.safetensors", "adapter_config.json"]);
        const weights = a.files.find((f) => f.name === "adapter.safetensors")!;
        const got = await fetch(`${server.origin}${weights.downloadUrl}`, {
          headers: { authorization: `Bearer ${writeKey}` },
        });
        assert.ok(Buffer.from(await got.arrayBuffer()).equals(folder.weights));
      });
    }

    test("a bottleneck folder saved under its own adapter name is imported", async () => {
      const folder = readBottleneckFolder("houlsby-bottleneck-size");
      const renamed = Object.fromEntries(
        Object.entries(tensorsOf(folder.weights)).map(([n, t]) => [n.replace(".tunelab.", ".summarize."), t]),
      );
      const res = await importFolder(adaptersBaseId, {
        ...folder,
        config: { ...folder.config, name: "summarize" },
        weights: safetensors(renamed),
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.equal(res.data!.importAdapter.method, "adapter");
    });

    for (const dtype of ["F16", "BF16"]) {
      test(`${dtype} weights are accepted (the engine widens them to float32)`, async () => {
        const folder = readLoraFolder("dora-layer-index");
        // the upper half of each float32 is a valid 16-bit pattern: the server reads no tensor data
        const half = Object.fromEntries(
          Object.entries(tensorsOf(folder.weights)).map(([n, t]) => {
            const data = Buffer.alloc(t.data.length / 2);
            for (let i = 0; i < data.length / 2; i++)
              data.writeUInt16LE(t.data.readUInt16LE(4 * i + 2), 2 * i);
            return [n, { ...t, data, dtype }];
          }),
        );
        const res = await importFolder(qwenId, { ...folder, weights: safetensors(half) });
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
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
      assert.equal(res.data!.adapters.totalCount, loraCases.length + peftCases.length + 2);
      assert.ok(res.data!.adapters.edges.every((e) => e.node.source === "IMPORT"));
    });

    test("files given as staged uploads (POST /uploads): imported, the uploads used up; a refused folder keeps them", async () => {
      const folder = readLoraFolder("lora-patterns-all-bias");
      const stage = async (bytes: Buffer, token: string) => {
        const res = await uploadForTest(server.origin, bytes, token);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return (res.body as { id: string }).id;
      };
      const live = async () =>
        (
          (await server.db.read((m) => m.query(`SELECT count(*)::int AS n FROM staged_upload`))) as {
            n: number;
          }[]
        )[0]!.n;
      const withUploads = (config: string, weights: string) => ({
        input: {
          baseModelId: qwenId,
          files: [
            { name: "adapter_config.json", uploadId: config },
            { name: "adapter_model.safetensors", uploadId: weights },
          ],
        },
      });
      const config = Buffer.from(JSON.stringify(folder.config));
      // a folder the base model refuses (a llama config against these qwen tensors): nothing stored, kept
      const before = await stored();
      const badConfig = await stage(Buffer.from('{"peft_type": "LORA", "r": 0}'), writeKey);
      const weights = await stage(folder.weights, writeKey);
      const refused = await server.gql(importMutation, withUploads(badConfig, weights), writeKey);
      assert.equal(refused.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(refused.errors));
      assert.deepEqual(await stored(), before);
      assert.equal(await live(), 2);
      // another key cannot use them
      const other = await createApiKeyForTest(server.db, "read-write");
      const foreign = await server.gql(
        importMutation,
        withUploads(await stage(config, other), weights),
        other,
      );
      assert.equal(foreign.errors?.[0]?.extensions?.field, "files[1].uploadId");
      // the owner can
      const ok = await server.gql<{ importAdapter: { files: { name: string; sha256: string }[] } }>(
        importMutation,
        withUploads(await stage(config, writeKey), weights),
        writeKey,
      );
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
      const stored256 = ok.data!.importAdapter.files.find(
        (f) => f.name === "adapter_model.safetensors",
      )!.sha256;
      assert.equal(stored256, createHash("sha256").update(folder.weights).digest("hex"));
      const [{ n }] = (await server.db.read((m) =>
        m.query(`SELECT count(*)::int AS n FROM staged_upload WHERE id = ANY($1)`, [[weights]]),
      )) as { n: number }[];
      assert.equal(n, 0, "the weights' upload was used up");
      // one file inline and one uploaded, but not both for one file
      const both = await server.gql(
        importMutation,
        {
          input: {
            baseModelId: qwenId,
            files: [
              { name: "adapter_config.json", contentBase64: config.toString("base64"), uploadId: badConfig },
              { name: "adapter_model.safetensors", uploadId: weights },
            ],
          },
        },
        writeKey,
      );
      assert.equal(both.errors?.[0]?.extensions?.field, "files[0].uploadId");
    });

    const weightsOf = (name: string) => tensorsOf(readLoraFolder(name).weights);
    const A = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";
    type Files = { name: string; content: Buffer }[];
    const loraWith = (weights: Buffer): Folder => ({ ...readLoraFolder("dora-layer-index"), weights });
    const k0 = "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight";
    const bn = "model.layers.0.output_adapters.adapters.tunelab";
    const bad: [string, () => [string, Folder | Files], string, RegExp][] = [
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
      [
        "a dtype the engine does not read",
        () => {
          const t = weightsOf("dora-layer-index");
          t[k0] = { ...t[k0]!, dtype: "I8", data: t[k0]!.data.subarray(0, t[k0]!.data.length / 4) };
          return [qwenId, loraWith(safetensors(t))];
        },
        k0,
        /dtype "I8" is not supported \(F32, F16, BF16\)/,
      ],
      [
        "a truncated safetensors file",
        () => {
          const w = readLoraFolder("dora-layer-index").weights;
          return [qwenId, loraWith(w.subarray(0, w.length - 4))];
        },
        // the writer orders the data by name: the last tensor runs past the end
        Object.keys(weightsOf("dora-layer-index")).sort().at(-1)!,
        /data_offsets \[\d+,\d+\] do not hold a F32 tensor of shape .* inside the \d+ data bytes/,
      ],
      [
        "a file shorter than its header length",
        () => [qwenId, loraWith(Buffer.from([1, 2, 3]))],
        "adapter_model.safetensors",
        /shorter than its 8-byte header length/,
      ],
      [
        "header offsets out of range",
        () => {
          const header = JSON.stringify({ [k0]: { dtype: "F32", shape: [2, 32], data_offsets: [256, 512] } });
          return [qwenId, loraWith(Buffer.concat([safetensors({}, header), Buffer.alloc(256)]))];
        },
        k0,
        /data_offsets \[256,512\] do not hold a F32 tensor of shape \[2, 32\] inside the 256 data bytes/,
      ],
      [
        "a gap between two tensors' data",
        () => {
          const t = weightsOf("dora-layer-index");
          const names = Object.keys(t).sort();
          const header: Record<string, unknown> = {};
          let at = 0;
          for (const [i, n] of names.entries()) {
            if (i === 1) at += 4; // four bytes no tensor owns
            header[n] = { dtype: "F32", shape: t[n]!.shape, data_offsets: [at, at + t[n]!.data.length] };
            at += t[n]!.data.length;
          }
          return [
            qwenId,
            loraWith(Buffer.concat([safetensors({}, JSON.stringify(header)), Buffer.alloc(at)])),
          ];
        },
        Object.keys(weightsOf("dora-layer-index")).sort()[1]!,
        /data_offsets start at \d+, where the previous tensor's data ended at \d+/,
      ],
      [
        "bytes after the last tensor",
        () => [
          qwenId,
          loraWith(Buffer.concat([readLoraFolder("dora-layer-index").weights, Buffer.alloc(4)])),
        ],
        "adapter_model.safetensors",
        /the tensors' data ends at byte \d+ of the \d+ data bytes/,
      ],
      [
        "PEFT's pickled adapter_model.bin",
        () => [
          qwenId,
          [
            filesOf(readLoraFolder("dora-layer-index"))[0]!,
            { name: "adapter_model.bin", content: Buffer.alloc(8) },
          ],
        ],
        "files[1].name",
        /adapter_model\.bin is pickled PyTorch.*save_pretrained\(dir, safe_serialization=True\)/,
      ],
      [
        "the adapters library's pickled pytorch_adapter.bin",
        () => [
          adaptersBaseId,
          [
            filesOf(readBottleneckFolder("houlsby-bottleneck-size"))[0]!,
            { name: "pytorch_adapter.bin", content: Buffer.alloc(8) },
          ],
        ],
        "files[1].name",
        /save_adapter\(dir, name, use_safetensors=True\)/,
      ],
      [
        "both weights files",
        () => [
          adaptersBaseId,
          [
            ...filesOf(readBottleneckFolder("houlsby-bottleneck-size")),
            { name: "adapter_model.safetensors", content: Buffer.alloc(8) },
          ],
        ],
        "files",
        /not both/,
      ],
      [
        "a PEFT config beside adapter.safetensors",
        () => [adaptersBaseId, { ...readLoraFolder("dora-layer-index"), weightsName: "adapter.safetensors" }],
        "adapter_config.json.peft_type",
        /goes with adapter_model\.safetensors/,
      ],
      [
        "a bottleneck config the engine does not compute",
        () => {
          const f = readBottleneckFolder("pfeiffer-reduction-factor");
          const config = { ...(f.config.config as Record<string, unknown>), is_parallel: true };
          return [adaptersBaseId, { ...f, config: { ...f.config, config } }];
        },
        "adapter_config.json.config.is_parallel",
        /is_parallel true is not supported/,
      ],
      [
        "a bottleneck tensor of the wrong shape (reduction_factor 8: m = 32 // 8 = 4)",
        () => {
          const f = readBottleneckFolder("pfeiffer-reduction-factor");
          const config = { ...(f.config.config as Record<string, unknown>), reduction_factor: 8 };
          return [adaptersBaseId, { ...f, config: { ...f.config, config } }];
        },
        `${bn}.adapter_down.0.weight`,
        /adapter_down\.0\.weight: shape \[8, 32\], expected \[4, 32\] for this base model/,
      ],
      [
        "a bottleneck tensor missing",
        () => {
          const f = readBottleneckFolder("pfeiffer-reduction-factor");
          const t = tensorsOf(f.weights);
          delete t[`${bn}.adapter_up.bias`];
          return [adaptersBaseId, { ...f, weights: safetensors(t) }];
        },
        `${bn}.adapter_up.bias`,
        /adapter_up\.bias: missing; the config implies \[32\]/,
      ],
      [
        "a Pfeiffer config over Houlsby weights",
        () => {
          const h = readBottleneckFolder("houlsby-bottleneck-size");
          const p = readBottleneckFolder("pfeiffer-bottleneck-size");
          return [adaptersBaseId, { ...h, config: p.config }];
        },
        // the first in the file's (name) order
        "model.layers.0.attention_adapters.adapters.tunelab.adapter_down.0.bias",
        /not a tensor of this adapter's config/,
      ],
    ];
    for (const [what, make, field, message] of bad) {
      test(`refused, nothing stored: ${what}`, async () => {
        const before = await stored();
        const [baseModelId, folder] = make();
        const res = await importFiles(baseModelId, Array.isArray(folder) ? folder : filesOf(folder));
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
