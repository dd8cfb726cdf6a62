import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "@tunelab/core";
import type { AdapterFolder, PeftMethod } from "./peft-hooks.js";

/**
 * A PEFT adapter folder: adapter_config.json and adapter_model.safetensors (float32 tensors, "F32").
 * safetensors: an 8-byte little-endian header length, a JSON header mapping each name to its dtype,
 * shape and [begin, end) byte offsets into the data that follows, then the data.
 */
export const ADAPTER_CONFIG = "adapter_config.json";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

export function encodeSafetensors(tensors: Map<string, tf.Tensor>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  const names = [...tensors.keys()].sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * t.size] };
    offset += 4 * t.size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // the format pads the header to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const data = Float32Array.from(tensors.get(name)!.dataSync());
    out.set(new Uint8Array(data.buffer), at);
    at += data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): Map<string, tf.Tensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, tf.Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (entry.dtype !== "F32")
      throw new ValidationError({
        field: name,
        message: `${name}: dtype ${entry.dtype} is not supported (F32 only)`,
      });
    const [begin, end] = entry.data_offsets;
    const data = new Float32Array(bytes.slice(8 + length + begin, 8 + length + end).buffer);
    out.set(name, tf.tensor(data, entry.shape));
  }
  return out;
}

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
