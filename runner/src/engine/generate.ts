import * as tf from "@tensorflow/tfjs";
import { forward, type KvCache, type Model } from "./model.js";
import type { ForwardHooks } from "./peft-hooks.js";
import { mulberry32 } from "./rng.js";

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 (default) is greedy. */
  temperature?: number;
  /** Sample among the k most likely tokens (0: all). */
  topK?: number;
  seed?: number;
  /** Stop when this token is produced (it is not returned). */
  eos?: number;
  hooks?: ForwardHooks;
}

/**
 * Autoregressive decoding with a KV cache: the prompt runs once, then each new token attends to the
 * cached keys/values (prefix keys included) at its own position.
 */
export function generate(model: Model, prompt: number[], o: GenerateOptions): number[] {
  return [...generateTokens(model, prompt, o)];
}

/**
 * The same decoding one token at a time (the playground streams them): each token is yielded as soon as
 * it is picked. Stopping early (`return()`, a `break` out of `for…of`) frees the cache.
 */
export function* generateTokens(model: Model, prompt: number[], o: GenerateOptions): Generator<number> {
  const next = mulberry32(o.seed ?? 0);
  let cache: KvCache | undefined;
  let input = prompt;
  try {
    for (let i = 0; i < o.maxNewTokens; i++) {
      let token = 0;
      let updated: KvCache | undefined;
      tf.tidy(() => {
        // the cache's tensors are tf.keep-ed by the forward pass, so they outlive this scope
        const r = forward(model, [input], { hooks: o.hooks, cache: cache ?? "new" });
        const last = tf.reshape(tf.slice(r.logits, [0, r.logits.shape[1] - 1, 0], [1, 1, -1]), [-1]);
        token = pick(last.dataSync() as Float32Array, o, next);
        updated = r.cache;
      });
      disposeCache(cache);
      cache = updated;
      if (token === o.eos) break;
      yield token;
      input = [token];
    }
  } finally {
    disposeCache(cache);
  }
}

function disposeCache(cache: KvCache | undefined): void {
  if (cache) tf.dispose([...cache.keys, ...cache.values]);
}

function pick(logits: Float32Array, o: GenerateOptions, random: () => number): number {
  const t = o.temperature ?? 0;
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  if (t <= 0) return best;
  let idx = Array.from(logits.keys());
  if (o.topK && o.topK > 0) idx = idx.sort((a, b) => logits[b]! - logits[a]!).slice(0, o.topK);
  const weights = idx.map((i) => Math.exp((logits[i]! - logits[best]!) / t));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = random() * total;
  for (let k = 0; k < idx.length; k++) {
    u -= weights[k]!;
    if (u <= 0) return idx[k]!;
  }
  return idx[idx.length - 1]!;
}
