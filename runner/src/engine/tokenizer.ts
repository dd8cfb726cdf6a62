import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BYTE_VOCAB } from "@tunelab/core";

/** What the engine needs from a tokenizer. */
export interface TextTokenizer {
  kind: "byte" | "huggingface";
  vocabSize: number;
  bos: number | null;
  eos: number;
  pad: number;
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[];
  decode(ids: number[]): string;
}

/** Tunelab's byte-level tokenizer (core's BYTE_VOCAB): UTF-8 bytes 0..255, then BOS, EOS, PAD. */
export function byteTokenizer(): TextTokenizer {
  return {
    kind: "byte",
    vocabSize: BYTE_VOCAB.size,
    bos: BYTE_VOCAB.bos,
    eos: BYTE_VOCAB.eos,
    pad: BYTE_VOCAB.pad,
    encode: (text) => [...new TextEncoder().encode(text)],
    decode: (ids) => new TextDecoder().decode(Uint8Array.from(ids.filter((i) => i < 256))),
  };
}

const BYTE_MARKER = {
  tokenizer_class: "TunelabByteTokenizer",
  bos_token_id: 256,
  eos_token_id: 257,
  pad_token_id: 258,
};

/**
 * The tokenizer of a model folder: its tokenizer.json through @huggingface/tokenizers when it has one,
 * else the byte tokenizer. Special ids come from config.json (bos/eos/pad_token_id).
 */
export async function loadTokenizer(dir: string, config: Record<string, unknown>): Promise<TextTokenizer> {
  const file = join(dir, "tokenizer.json");
  if (!existsSync(file)) return byteTokenizer();
  const { Tokenizer } = await import("@huggingface/tokenizers");
  const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const cfgFile = join(dir, "tokenizer_config.json");
  const tokCfg = existsSync(cfgFile) ? JSON.parse(await readFile(cfgFile, "utf8")) : {};
  const tok = new Tokenizer(json, tokCfg);
  const eos = typeof config.eos_token_id === "number" ? config.eos_token_id : 0;
  const bos = typeof config.bos_token_id === "number" ? config.bos_token_id : null;
  const pad = typeof config.pad_token_id === "number" ? config.pad_token_id : eos;
  return {
    kind: "huggingface",
    vocabSize: Number(config.vocab_size),
    bos,
    eos,
    pad,
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tok.decode(ids, { skip_special_tokens: true }),
  };
}

/** Writes the byte tokenizer's description (tokenizer_config.json) into a model folder. */
export async function saveByteTokenizer(dir: string): Promise<void> {
  await writeFile(join(dir, "tokenizer_config.json"), `${JSON.stringify(BYTE_MARKER, null, 2)}\n`);
}
