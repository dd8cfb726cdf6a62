import * as tf from "@tensorflow/tfjs";
import { printableText } from "@tunelab/core";
import { initBackend } from "./backend.js";
import { attachAdapter } from "./base-with-adapter.js";
import { generateTokens } from "./generate.js";
import { loadBase } from "./hf-folder.js";
import type { PeftMethod } from "./peft-hooks.js";

/**
 * The playground's job: one prompt completed by the base model with each adapter in turn (and alone),
 * streamed token by token. The base loads once; each adapter's method is built over it, generates and is
 * disposed (methods only add hooks and variables of their own, so the base is as it was: tested against a
 * fresh load per adapter in run-generate.test.ts).
 */

export interface Sampling {
  /** 0: greedy. */
  temperature: number;
  /** 0: the whole vocabulary. */
  topK: number;
  maxTokens: number;
  seed: number;
}

export interface GenerateJob {
  /** An HF model folder, or a core preset name (a fresh model from `baseSeed`). */
  base: string;
  /** A preset's weights: the seed its adapters trained from (the server's preset-seed.ts); default 0. */
  baseSeed?: number;
  prompt: string;
  sampling: Sampling;
  /** In column order; `dir` null is the base alone. */
  outputs: {
    adapterId: string | null;
    dir: string | null;
    method?: { method: string } & Record<string, unknown>;
  }[];
}

/** One output as it stands: its whole text so far. */
export interface GenerationUpdate {
  adapterId: string | null;
  text: string;
  tokenCount: number;
  done: boolean;
  error: string | null;
}

export interface GenerateCallbacks {
  signal?: AbortSignal;
  /** After every token of every output, and when an output ends. */
  onUpdate?: (u: GenerationUpdate) => void;
}

export interface GenerateResult {
  backend: string;
  outputs: GenerationUpdate[];
  tokens: number;
  tokensPerSecond: number;
  cancelled: boolean;
}

/** Lets the event loop run between tokens: an abort message, the parent's IPC, a heartbeat. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runGenerate(job: GenerateJob, cb: GenerateCallbacks = {}): Promise<GenerateResult> {
  const backend = await initBackend();
  const base = await loadBase(job.base, job.baseSeed ?? 0);
  const { model, tokenizer } = base;
  const promptIds = [...(tokenizer.bos === null ? [] : [tokenizer.bos]), ...tokenizer.encode(job.prompt)];
  // a tokenizer larger than the model's vocabulary (a folder without its tokenizer files reads as bytes)
  const outOfVocab = promptIds.find((id) => id >= model.config.vocab_size);
  const vocabError =
    outOfVocab === undefined
      ? null
      : `the prompt's token ${outOfVocab} is outside this model's vocabulary (vocab_size ${model.config.vocab_size}): does the base folder have its tokenizer files?`;
  const outputs: GenerationUpdate[] = [];
  let tokens = 0;
  const started = performance.now();
  try {
    for (const o of job.outputs) {
      if (cb.signal?.aborted) break;
      const u: GenerationUpdate = {
        adapterId: o.adapterId,
        text: "",
        tokenCount: 0,
        done: false,
        error: null,
      };
      outputs.push(u);
      let method: PeftMethod | null = null;
      try {
        if (vocabError) throw new Error(vocabError);
        method = o.dir === null ? null : await attachAdapter(base, o.dir, { method: o.method });
        // prompt and prefix tuning's virtual tokens take positions too
        const m = method?.config;
        const virtual = m && (m.method === "prompt" || m.method === "prefix") ? m.num_virtual_tokens : 0;
        const room = model.config.max_position_embeddings - virtual - promptIds.length;
        if (room <= 0) {
          throw new Error(
            `the prompt is ${promptIds.length} tokens${virtual ? ` (+${virtual} virtual)` : ""}; this model reads at most ${model.config.max_position_embeddings}`,
          );
        }
        const ids: number[] = [];
        for (const token of generateTokens(model, promptIds, {
          maxNewTokens: Math.min(job.sampling.maxTokens, room),
          temperature: job.sampling.temperature,
          topK: job.sampling.topK,
          seed: job.sampling.seed,
          eos: tokenizer.eos,
          hooks: method?.hooks,
        })) {
          ids.push(token);
          tokens += 1;
          u.text = printableText(tokenizer.decode(ids));
          u.tokenCount = ids.length;
          cb.onUpdate?.({ ...u });
          await yieldToEventLoop();
          if (cb.signal?.aborted) break;
        }
        if (ids.length < job.sampling.maxTokens && ids.length === room && !cb.signal?.aborted)
          u.error = `stopped at the model's ${model.config.max_position_embeddings} positions`;
      } catch (err) {
        u.error = (err as Error).message || String(err);
      } finally {
        method?.dispose();
      }
      u.done = true;
      cb.onUpdate?.({ ...u });
    }
  } finally {
    tf.dispose([...model.weights.values()]);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    backend: backend.source,
    outputs,
    tokens,
    tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
    cancelled: cb.signal?.aborted === true,
  };
}
