import * as tf from "@tensorflow/tfjs";
import { type Dtype, fromPeftConfig } from "@tunelab/core";
import { type LoadedBase, loadBase } from "./hf-folder.js";
import { createMethod } from "./methods/registry.js";
import type { AdapterFolder, PeftMethod } from "./peft-hooks.js";
import { readAdapterFolder } from "./peft-folder.js";
import { methodOptions } from "./run-training.js";

/**
 * A base model with an existing adapter folder on it: what EVALUATE, MERGE and GENERATE jobs start from.
 * The same path the engine's import tests take (peft-reference.test.ts): the method is built over the base
 * (createMethod, validated against it), the frozen weights it keeps compactly are freed, and the folder's
 * tensors go into its variables (importAdapter, which names a missing tensor or a wrong shape).
 */

export interface AdapterOptions {
  /**
   * The method as the server recorded it (`{ method: "qlora", r: 8, … }`). A QLoRA adapter's folder says
   * LORA (adapter_config.json does not record the 4-bit base) and a bottleneck adapter's folder is the
   * adapters library's, so the recorded method is preferred; without it the folder's adapter_config.json
   * is read by core's fromPeftConfig.
   */
  method?: { method: string } & Record<string, unknown>;
  /** The method's own initialisation (replaced by the folder's tensors) and a fresh preset's weights. */
  seed?: number;
  /** Storage of the frozen weights (default float32). */
  dtype?: Dtype;
}

export interface BaseWithAdapter extends LoadedBase {
  /**
   * The adapter's method over the base; with no adapter folder, `full` (no hooks: the base alone). Until
   * `load()` it is at its initial state, as a training run's is before its first step.
   */
  method: PeftMethod;
  /** The folder's adapter_config.json; null for the base alone. */
  adapterConfig: Record<string, unknown> | null;
  /** Puts the folder's tensors into the method (once; later calls do nothing). */
  load(): void;
  /** Frees the method, the folder's tensors and the model's weights. */
  dispose(): void;
}

/**
 * The base and the method at its initial state, the folder read but not yet loaded: forgetting compares
 * the two states (`evaluate` before and after `load()`), as a training run compares before and after.
 * `adapterDir` null is the base alone (the reference row of an evaluation).
 */
export async function openBaseWithAdapter(
  base: string,
  adapterDir: string | null,
  o: AdapterOptions = {},
): Promise<BaseWithAdapter> {
  const seed = o.seed ?? 0;
  const loaded = await loadBase(base, seed);
  const { model } = loaded;
  let folder: AdapterFolder | null = null;
  let method: PeftMethod | undefined;
  try {
    folder = adapterDir === null ? null : await readAdapterFolder(adapterDir);
    method =
      folder === null
        ? createMethod(model, { method: "full" }, { seed, dtype: "float32" })
        : methodOfFolder(loaded, folder, o);
    for (const name of method.replacedWeights) {
      model.weights.get(name)?.dispose();
      model.weights.delete(name);
    }
  } catch (err) {
    if (folder) tf.dispose([...folder.tensors.values()]);
    tf.dispose([...model.weights.values()]);
    throw err;
  }
  const m = method;
  let tensors = folder?.tensors ?? null;
  const release = () => {
    if (tensors) tf.dispose([...tensors.values()]);
    tensors = null;
  };
  return {
    ...loaded,
    method: m,
    adapterConfig: folder?.config ?? null,
    load() {
      if (!tensors) return;
      m.importAdapter(tensors);
      release();
    },
    dispose() {
      release();
      m.dispose();
      tf.dispose([...model.weights.values()]);
    },
  };
}

/** The folder's method (the recorded one, else its adapter_config.json's) built over the base, not yet loaded. */
function methodOfFolder(loaded: LoadedBase, folder: AdapterFolder, o: AdapterOptions): PeftMethod {
  const json =
    o.method ?? (fromPeftConfig(folder.config, loaded.model.config) as unknown as Record<string, unknown>);
  return createMethod(loaded.model, json, {
    ...methodOptions(json, loaded.tokenizer, o.seed ?? 0),
    dtype: o.dtype,
  });
}

/**
 * An adapter folder's method over a base that is already loaded, the folder's tensors in it. The base's
 * weights stay whole (a compactly stored weight is read through the method's hooks instead of freed), so
 * disposing the method leaves the base as it was: the playground applies several adapters in turn.
 */
export async function attachAdapter(
  loaded: LoadedBase,
  adapterDir: string,
  o: AdapterOptions = {},
): Promise<PeftMethod> {
  const folder = await readAdapterFolder(adapterDir);
  let method: PeftMethod | undefined;
  try {
    method = methodOfFolder(loaded, folder, o);
    method.importAdapter(folder.tensors);
    return method;
  } catch (err) {
    method?.dispose();
    throw err;
  } finally {
    tf.dispose([...folder.tensors.values()]);
  }
}

/** The base with the adapter folder loaded into its method: what a MERGE or GENERATE job works with. */
export async function loadBaseWithAdapter(
  base: string,
  adapterDir: string | null,
  o: AdapterOptions = {},
): Promise<BaseWithAdapter> {
  const b = await openBaseWithAdapter(base, adapterDir, o);
  try {
    b.load();
  } catch (err) {
    b.dispose();
    throw err;
  }
  return b;
}
