import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { printableText } from "@tunelab/core";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { loadBaseWithAdapter } from "../engine/base-with-adapter.js";
import { generate } from "../engine/generate.js";
import { writePlaygroundFixtures } from "../engine/test-kit.js";
import { Stack } from "./test-stack.js";

/**
 * The playground end to end: three imported adapters (LoRA, a QLoRA folder, prefix tuning) and the base
 * alone on a host-path base, one GENERATE job on a real runner process, a graphql-ws subscriber that sees
 * the columns fill in over several states, and final texts equal to what the engine generates for each
 * adapter loaded directly.
 */

interface Output {
  adapter: { id: string } | null;
  text: string;
  tokenCount: number;
  done: boolean;
  error: string | null;
}
interface Session {
  status: string;
  statusReason: string | null;
  outputs: Output[];
}

const PROMPT = "Translate 'cat' ->";
const MAX_TOKENS = 8;

describe("the playground on a runner", () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start();
  });
  after(async () => {
    await stack.close();
  });

  test("streams the outputs of 3 adapters and the base, each as the engine generates it", async () => {
    const fixtures = await writePlaygroundFixtures(join(stack.dir, "fixtures"));
    const config = JSON.parse(await readFile(join(fixtures.base, "config.json"), "utf8"));
    const { createBaseModel } = await stack.gql<{ createBaseModel: { id: string } }>(
      `mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id } }`,
      { input: { name: "playground tiny", config, hostPath: fixtures.base } },
    );
    const adapters: { id: string; methodConfig: Record<string, unknown>; dir: string }[] = [];
    for (const a of fixtures.adapters) {
      const files = await Promise.all(
        ["adapter_config.json", "adapter_model.safetensors"].map(async (name) => ({
          name,
          contentBase64: (await readFile(join(a.dir, name))).toString("base64"),
        })),
      );
      const { importAdapter } = await stack.gql<{
        importAdapter: { id: string; methodConfig: Record<string, unknown> };
      }>(`mutation($input: ImportAdapterInput!) { importAdapter(input: $input) { id methodConfig } }`, {
        input: { baseModelId: createBaseModel.id, files },
      });
      adapters.push({ ...importAdapter, dir: a.dir });
    }
    const SESSION = `status statusReason outputs { adapter { id } text tokenCount done error }`;
    const { startPlayground } = await stack.gql<{ startPlayground: Session & { id: string } }>(
      `mutation($input: StartPlaygroundInput!) { startPlayground(input: $input) { id ${SESSION} } }`,
      {
        input: {
          baseModelId: createBaseModel.id,
          adapterIds: adapters.map((a) => a.id),
          prompt: PROMPT,
          sampling: { maxTokens: MAX_TOKENS },
        },
      },
    );

    // subscribed before any runner exists: every state the runner reports reaches this client
    const client = createClient({
      url: stack.server.url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${stack.adminKey}` },
    });
    const seen: Session[] = [];
    const ended = new Promise<Session>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no end in 120 s; last: ${JSON.stringify(seen.at(-1))}`)),
        120_000,
      );
      client.subscribe<{ playgroundUpdated: Session }>(
        {
          query: `subscription($id: ID!) { playgroundUpdated(id: $id) { ${SESSION} } }`,
          variables: { id: startPlayground.id },
        },
        {
          next: (m) => {
            if (m.errors) return reject(new Error(JSON.stringify(m.errors)));
            const s = m.data!.playgroundUpdated;
            seen.push(s);
            if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(s.status)) {
              clearTimeout(timer);
              resolve(s);
            }
          },
          error: (e) => reject(new Error(JSON.stringify(e))),
          complete: () => {},
        },
      );
    });
    await client.iterate({ query: "{ runs(first: 1) { totalCount } }" }).next();
    const { path } = await stack.runnerConfig("playground");
    stack.start(path);
    const last = await ended;
    await client.dispose();

    assert.equal(last.status, "SUCCEEDED", last.statusReason ?? "");
    assert.deepEqual(
      last.outputs.map((o) => o.adapter?.id ?? null),
      [null, ...adapters.map((a) => a.id)],
    );
    // what the engine generates for each column with its adapter loaded directly (greedy, same prompt)
    const expected: string[] = [];
    for (const a of [null, ...adapters]) {
      const b = await loadBaseWithAdapter(fixtures.base, a?.dir ?? null, {
        method: a?.methodConfig as { method: string } & Record<string, unknown>,
      });
      try {
        const ids = [b.tokenizer.bos!, ...b.tokenizer.encode(PROMPT)];
        const out = generate(b.model, ids, {
          maxNewTokens: MAX_TOKENS,
          eos: b.tokenizer.eos,
          hooks: b.method.hooks,
        });
        expected.push(printableText(b.tokenizer.decode(out)));
      } finally {
        b.dispose();
      }
    }
    assert.deepEqual(
      last.outputs.map((o) => [o.text, o.done, o.error]),
      expected.map((text) => [text, true, null]),
    );
    assert.ok(new Set(expected).size >= 3, `the adapters answer differently: ${JSON.stringify(expected)}`);
    // streamed: states in which a column had part of its text and was not done yet, for several columns
    const partial = seen.filter((s) => s.outputs.some((o) => o.tokenCount > 0 && !o.done));
    assert.ok(partial.length >= 2, `intermediate states: ${partial.length} of ${seen.length}`);
    const columnsSeenPartial = new Set(
      partial.flatMap((s) =>
        s.outputs.filter((o) => o.tokenCount > 0 && !o.done).map((o) => o.adapter?.id ?? "base"),
      ),
    );
    assert.ok(columnsSeenPartial.size >= 2, `columns seen mid-way: ${[...columnsSeenPartial].join(", ")}`);
  });
});
