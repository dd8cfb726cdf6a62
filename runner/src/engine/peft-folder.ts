import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { AdapterFolder, PeftMethod } from "./peft-hooks.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

/**
 * A PEFT adapter folder: adapter_config.json and adapter_model.safetensors, written as float32 ("F32");
 * read through safetensors.ts, which widens F16 and BF16 exactly (adapters saved in half precision).
 */
export const ADAPTER_CONFIG = "adapter_config.json";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

/** The adapters library's weights file (utils.py `SAFE_WEIGHTS_NAME`), beside its adapter_config.json. */
export const BOTTLENECK_ADAPTER_WEIGHTS = "adapter.safetensors";

export async function writeAdapterFolder(dir: string, folder: AdapterFolder): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ADAPTER_CONFIG), `${JSON.stringify(folder.config, null, 2)}\n`);
  await writeFile(join(dir, folder.weightsFile ?? ADAPTER_WEIGHTS), encodeSafetensors(folder.tensors));
}

/** A PEFT folder, or an adapters-library folder (adapter.safetensors). */
export async function readAdapterFolder(dir: string): Promise<AdapterFolder> {
  const config = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), "utf8")) as Record<string, unknown>;
  const weightsFile = existsSync(join(dir, ADAPTER_WEIGHTS)) ? ADAPTER_WEIGHTS : BOTTLENECK_ADAPTER_WEIGHTS;
  const tensors = decodeSafetensors(new Uint8Array(await readFile(join(dir, weightsFile))));
  return { config, tensors, ...(weightsFile === ADAPTER_WEIGHTS ? {} : { weightsFile }) };
}

/**
 * Frees the tensors of an exportAdapter() result that are not the method's own variables (prefix and
 * prompt tuning export computed or cloned tensors; the others export their variables, which stay).
 */
export function disposeExported(folder: AdapterFolder, method: PeftMethod): void {
  const own = new Set<tf.Tensor>(method.trainable.values());
  tf.dispose([...folder.tensors.values()].filter((t) => !own.has(t)));
}
