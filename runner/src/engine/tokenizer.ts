import { existsSync } from "node:fs";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
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
  /** The folder a Hugging Face tokenizer was loaded from (its files are copied into saved models). */
  sourceDir?: string;
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

/** GPT-2's byte ↔ printable-character map (what HF's ByteLevel pre-tokenizer and decoder use). */
function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : 256 + extra++));
}

const SPECIAL = [
  { id: BYTE_VOCAB.bos, content: "<s>" },
  { id: BYTE_VOCAB.eos, content: "</s>" },
  { id: BYTE_VOCAB.pad, content: "<pad>" },
] as const;

/**
 * The byte tokenizer as Hugging Face files, so a saved folder is self-describing: tokenizer.json is a
 * byte-level BPE without merges (every UTF-8 byte its own token, id = byte value, spelt with GPT-2's
 * byte→character map), `<s>` 256, `</s>` 257, `<pad>` 258, and a post-processor that puts `<s>` first as
 * our data pipeline does; transformers' AutoTokenizer loads it as a PreTrainedTokenizerFast.
 * tokenizer_config.json also carries `tunelab_tokenizer: "byte"`, which our loader reads.
 */
export function byteTokenizerFiles(): Record<string, unknown> {
  const chars = bytesToUnicode();
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((t) => ({
      ...t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<s>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [BYTE_VOCAB.bos], tokens: ["<s>"] } },
    },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(chars.map((c, b) => [c, b])),
      merges: [],
    },
  };
  const special = { bos_token: "<s>", eos_token: "</s>", pad_token: "<pad>" };
  return {
    "tokenizer.json": tokenizer,
    "tokenizer_config.json": {
      tokenizer_class: "PreTrainedTokenizerFast",
      tunelab_tokenizer: "byte",
      ...special,
      clean_up_tokenization_spaces: false,
      added_tokens_decoder: Object.fromEntries(
        SPECIAL.map((t) => [
          String(t.id),
          {
            content: t.content,
            lstrip: false,
            normalized: false,
            rstrip: false,
            single_word: false,
            special: true,
          },
        ]),
      ),
    },
    "special_tokens_map.json": special,
  };
}

/** Files of a Hugging Face tokenizer that a saved model folder copies from its base folder. */
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "tokenizer.model",
] as const;

/**
 * The tokenizer of a model folder: its tokenizer.json through @huggingface/tokenizers when it has one,
 * else the byte tokenizer. Special ids come from config.json (bos/eos/pad_token_id).
 */
export async function loadTokenizer(dir: string, config: Record<string, unknown>): Promise<TextTokenizer> {
  const cfgFile = join(dir, "tokenizer_config.json");
  const tokCfg = existsSync(cfgFile) ? JSON.parse(await readFile(cfgFile, "utf8")) : {};
  // ours (also the folders saved before tokenizer.json was written, marked by tokenizer_class)
  if (tokCfg.tunelab_tokenizer === "byte" || tokCfg.tokenizer_class === "TunelabByteTokenizer") {
    return byteTokenizer();
  }
  const file = join(dir, "tokenizer.json");
  if (!existsSync(file)) return byteTokenizer();
  const { Tokenizer } = await import("@huggingface/tokenizers");
  const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
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
    sourceDir: dir,
  };
}

/** Writes the byte tokenizer's Hugging Face files (byteTokenizerFiles) into a model folder. */
export async function saveByteTokenizer(dir: string): Promise<void> {
  for (const [name, content] of Object.entries(byteTokenizerFiles())) {
    await writeFile(join(dir, name), `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** Writes a tokenizer into a model folder: the byte tokenizer's files, or an HF tokenizer's own files. */
export async function saveTokenizer(dir: string, tokenizer: TextTokenizer): Promise<void> {
  if (tokenizer.kind === "byte") return saveByteTokenizer(dir);
  if (tokenizer.sourceDir === undefined) return;
  for (const name of TOKENIZER_FILES) {
    const from = join(tokenizer.sourceDir, name);
    if (existsSync(from) && resolve(from) !== resolve(join(dir, name))) await copyFile(from, join(dir, name));
  }
}
