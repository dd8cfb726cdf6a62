import { shuffled } from "./rng.js";
import type { TextTokenizer } from "./tokenizer.js";

/** One SFT example as JSONL carries it: plain text, or a prompt with its completion. */
export type Example = { text: string } | { prompt: string; completion: string };

export class DataError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Token ids and labels (−100 where no loss is taken, as HF). */
export interface Sequence {
  ids: number[];
  labels: number[];
}

export interface Batch {
  ids: number[][];
  labels: number[][];
  attentionMask: number[][];
  /** Tokens whose next-token loss counts. */
  lossTokens: number;
}

/** Parses JSONL lines into examples; a line that is neither shape is a DataError naming the line. */
export function parseJsonl(text: string): Example[] {
  const out: Example[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const field = `line ${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new DataError(field, `${field}: not JSON`);
    }
    const r = row as Record<string, unknown>;
    if (typeof r.prompt === "string" && typeof r.completion === "string") {
      out.push({ prompt: r.prompt, completion: r.completion });
    } else if (typeof r.text === "string") {
      out.push({ text: r.text });
    } else {
      throw new DataError(field, `${field}: expected {"text"} or {"prompt","completion"}`);
    }
  });
  return out;
}

/**
 * BOS + tokens + EOS. For prompt/completion only the completion (and EOS) carries labels — TRL's
 * completion-only loss; `maxLen` truncates from the right.
 */
export function tokenize(example: Example, tok: TextTokenizer, maxLen: number): Sequence {
  const head = tok.bos === null ? [] : [tok.bos];
  let ids: number[];
  let labels: number[];
  if ("text" in example) {
    ids = [...head, ...tok.encode(example.text), tok.eos];
    labels = [...ids];
    if (head.length) labels[0] = -100;
  } else {
    const prompt = [...head, ...tok.encode(example.prompt)];
    const completion = [...tok.encode(example.completion), tok.eos];
    ids = [...prompt, ...completion];
    labels = [...prompt.map(() => -100), ...completion];
  }
  return { ids: ids.slice(0, maxLen), labels: labels.slice(0, maxLen) };
}

/** Concatenates sequences and cuts them into rows of exactly `len` tokens (packing; the tail is dropped). */
export function pack(seqs: Sequence[], len: number): Sequence[] {
  const ids = seqs.flatMap((s) => s.ids);
  const labels = seqs.flatMap((s) => s.labels);
  const out: Sequence[] = [];
  for (let i = 0; i + len <= ids.length; i += len) {
    out.push({ ids: ids.slice(i, i + len), labels: labels.slice(i, i + len) });
  }
  return out;
}

/** Right-pads to the longest row with `pad`, mask 0 and label −100. */
export function collate(seqs: Sequence[], pad: number): Batch {
  const t = Math.max(...seqs.map((s) => s.ids.length));
  const fill = <T>(row: T[], v: T) => [...row, ...new Array<T>(t - row.length).fill(v)];
  const labels = seqs.map((s) => fill(s.labels, -100));
  return {
    ids: seqs.map((s) => fill(s.ids, pad)),
    labels,
    attentionMask: seqs.map((s) =>
      fill(
        s.ids.map(() => 1),
        0,
      ),
    ),
    lossTokens: labels.reduce((n, row) => n + row.slice(1).filter((y) => y !== -100).length, 0),
  };
}

/** Deterministic train/eval split: a seeded shuffle, then the last ⌈fraction·n⌉ (at least 1 when > 0). */
export function splitEval<T>(items: T[], fraction: number, seed: number): { train: T[]; eval: T[] } {
  if (fraction <= 0 || items.length < 2) return { train: items, eval: [] };
  const order = shuffled(items, seed ^ 0x5eed);
  const n = Math.min(items.length - 1, Math.max(1, Math.ceil(fraction * items.length)));
  return { train: order.slice(0, order.length - n), eval: order.slice(order.length - n) };
}

/**
 * The batch of optimizer step `step`, micro-batch `micro`: a pure function of (seed, step), so a resumed
 * run sees exactly the data an uninterrupted one would. Each epoch is a fresh seeded shuffle.
 */
export function batchAt(
  seqs: Sequence[],
  opts: { batchSize: number; accumulation: number; seed: number; pad: number },
  step: number,
  micro: number,
): Batch {
  const first = (step * opts.accumulation + micro) * opts.batchSize;
  const rows: Sequence[] = [];
  for (let k = first; k < first + opts.batchSize; k++) {
    const epoch = Math.floor(k / seqs.length);
    rows.push(shuffled(seqs, opts.seed + epoch * 7919)[k % seqs.length]!);
  }
  return collate(rows, opts.pad);
}

/** Eval batches in order (no shuffle). */
export function evalBatches(seqs: Sequence[], batchSize: number, pad: number): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < seqs.length; i += batchSize) out.push(collate(seqs.slice(i, i + batchSize), pad));
  return out;
}
