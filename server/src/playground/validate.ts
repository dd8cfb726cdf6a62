import { userInputError } from "../api/errors.js";
import { requireId } from "../jobs/validate.js";
import type { PlaygroundSampling } from "./playground.entity.js";
import type { GenerationInput, StartPlaygroundInput } from "./playground.input.js";

/** Bounds of a playground request: a short job, side by side columns a person can read. */
export const playgroundLimits = {
  adapters: 6,
  promptChars: 4000,
  maxTokens: 512,
  temperature: 5,
  topK: 1000,
  /** An output's text: maxTokens tokens of up to 16 bytes each, written as at most 2 characters a byte. */
  textChars: 512 * 16 * 2,
  errorChars: 2000,
} as const;

export interface StartRequest {
  baseModelId: string;
  adapterIds: string[];
  includeBase: boolean;
  prompt: string;
  sampling: PlaygroundSampling;
}

/** The checks that need nothing stored; errors name the field (`adapterIds[2]`, `sampling.topK`). */
export function validateStart(input: StartPlaygroundInput): StartRequest {
  const L = playgroundLimits;
  requireId(input.baseModelId, "baseModelId");
  const ids = input.adapterIds ?? [];
  if (ids.length > L.adapters) {
    throw userInputError(`at most ${L.adapters} adapters side by side, got ${ids.length}`, {
      field: "adapterIds",
    });
  }
  ids.forEach((id, i) => {
    requireId(id, `adapterIds[${i}]`);
    if (ids.indexOf(id) !== i)
      throw userInputError(`adapterIds[${i}] repeats adapter ${id}`, { field: `adapterIds[${i}]` });
  });
  const includeBase = input.includeBase ?? true;
  if (ids.length === 0 && !includeBase) {
    throw userInputError("nothing to generate: name an adapter or include the base model", {
      field: "adapterIds",
    });
  }
  if (input.prompt.trim().length === 0) throw userInputError("prompt must not be empty", { field: "prompt" });
  if (input.prompt.length > L.promptChars) {
    throw userInputError(`prompt is ${input.prompt.length} characters; at most ${L.promptChars}`, {
      field: "prompt",
    });
  }
  const s: Partial<PlaygroundSampling> = input.sampling ?? {};
  const sampling: PlaygroundSampling = {
    temperature: s.temperature ?? 0,
    topK: s.topK ?? 0,
    maxTokens: s.maxTokens ?? 64,
    seed: s.seed ?? 0,
  };
  const range = (key: keyof PlaygroundSampling, min: number, max: number, integer: boolean) => {
    const v = sampling[key];
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw userInputError(
        `sampling.${key} must be ${integer ? "an integer " : ""}from ${min} to ${max}, got ${v}`,
        {
          field: `sampling.${key}`,
        },
      );
    }
  };
  range("temperature", 0, L.temperature, false);
  range("topK", 0, L.topK, true);
  range("maxTokens", 1, L.maxTokens, true);
  range("seed", 0, 2 ** 31 - 1, true);
  return { baseModelId: input.baseModelId, adapterIds: ids, includeBase, prompt: input.prompt, sampling };
}

/** A runner's report: each output once, text and counts within what the session asked for. */
export function validateGenerations(outputs: readonly GenerationInput[], maxTokens: number): void {
  const L = playgroundLimits;
  if (outputs.length > L.adapters + 1) {
    throw userInputError(`at most ${L.adapters + 1} outputs per report, got ${outputs.length}`, {
      field: "outputs",
    });
  }
  const seen = new Set<string>();
  outputs.forEach((o, i) => {
    const at = `outputs[${i}]`;
    if (o.adapterId != null) requireId(o.adapterId, `${at}.adapterId`);
    const key = o.adapterId ?? "base";
    if (seen.has(key))
      throw userInputError(`${at} repeats the output of ${key}`, { field: `${at}.adapterId` });
    seen.add(key);
    if (o.text.length > L.textChars)
      throw userInputError(`${at}.text is ${o.text.length} characters; at most ${L.textChars}`, {
        field: `${at}.text`,
      });
    if (!Number.isInteger(o.tokenCount) || o.tokenCount < 0 || o.tokenCount > maxTokens) {
      throw userInputError(
        `${at}.tokenCount must be from 0 to the session's ${maxTokens}, got ${o.tokenCount}`,
        {
          field: `${at}.tokenCount`,
        },
      );
    }
    if (o.error != null && (o.error.trim().length === 0 || o.error.length > L.errorChars)) {
      throw userInputError(`${at}.error must be 1-${L.errorChars} characters`, { field: `${at}.error` });
    }
  });
}
