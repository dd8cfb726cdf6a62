// Adapter folders written by runner/reference (plain-PyTorch ports of PEFT and the adapters library, never
// our exporter), the base model configs they fit, and importAdapter through the API.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./browser.js";
import { api, type TestServer } from "./stack.js";

const fixtures = join(repoRoot, "runner", "reference", "fixtures");

export interface FolderFile {
  name: string;
  bytes: Buffer;
}

/**
 * Where each kind of reference folder lives, and its weights file: PEFT LoRA/DoRA/QDoRA on the Qwen2 base
 * (`peft_lora`: lora-patterns-all-bias, dora-layer-index, qdora-lora-only-bias), IA3 and prompt tuning on
 * the same base (`peft_folders`: ia3-defaults, ia3-regex-attention, prompt-tuning-random), bottleneck
 * adapters on the Llama base (`adapters`: pfeiffer-reduction-factor, houlsby-bottleneck-size,
 * pfeiffer-bottleneck-size).
 */
const KINDS = {
  peft_lora: { base: "qwen2", weights: "adapter_model.safetensors" },
  peft_folders: { base: "qwen2", weights: "adapter_model.safetensors" },
  adapters: { base: "llama", weights: "adapter.safetensors" },
} as const;
export type ReferenceKind = keyof typeof KINDS;

/** A reference folder's two files, as a person would drop or upload them. */
export function referenceFolder(kind: ReferenceKind, name: string): FolderFile[] {
  return ["adapter_config.json", KINDS[kind].weights].map((file) => ({
    name: file,
    bytes: readFileSync(join(fixtures, kind, name, file)),
  }));
}

/** The HF config.json each kind's folders were made for ("qwen2": peft_lora/base, "llama": adapters.json). */
export function referenceBaseConfig(kind: ReferenceKind): Record<string, unknown> {
  return KINDS[kind].base === "qwen2"
    ? JSON.parse(readFileSync(join(fixtures, "peft_lora", "base", "config.json"), "utf8"))
    : JSON.parse(readFileSync(join(fixtures, "adapters.json"), "utf8")).model;
}

/** importAdapter with the admin key; throws on a GraphQL error. */
export async function importFolder(
  server: TestServer,
  baseModelId: string,
  files: FolderFile[],
  note?: string,
): Promise<{ id: string; method: string; trainableParams: number }> {
  const data = await api<{ importAdapter: { id: string; method: string; trainableParams: number } }>(
    server,
    `mutation($input: ImportAdapterInput!) { importAdapter(input: $input) { id method trainableParams } }`,
    {
      input: {
        baseModelId,
        note,
        files: files.map((f) => ({ name: f.name, contentBase64: f.bytes.toString("base64") })),
      },
    },
  );
  return data.importAdapter;
}
