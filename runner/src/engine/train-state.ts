import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { ValidationError } from "@tunelab/core";
import type { AdamWState } from "./optim.js";
import type { PeftMethod } from "./peft-hooks.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
import type { TrainState } from "./train.js";

/**
 * A resumable checkpoint folder: trainable.safetensors (the method's variables by name),
 * optimizer.safetensors (AdamW m and v as `m/<name>`, `v/<name>`), state.json (step, AdamW t, seed).
 * The data order and dropout masks are pure functions of (seed, step), so nothing else is needed.
 */
export async function saveTrainState(dir: string, method: PeftMethod, state: TrainState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "trainable.safetensors"),
    encodeSafetensors(method.trainable as Map<string, tf.Tensor>),
  );
  const moments = new Map<string, tf.Tensor>();
  for (const [n, m] of state.optimizer.m) moments.set(`m/${n}`, m);
  for (const [n, v] of state.optimizer.v) moments.set(`v/${n}`, v);
  await writeFile(join(dir, "optimizer.safetensors"), encodeSafetensors(moments));
  const json = {
    step: state.step,
    seed: state.seed,
    adamw_t: state.optimizer.t,
    method: method.config.method,
  };
  await writeFile(join(dir, "state.json"), `${JSON.stringify(json, null, 2)}\n`);
}

/** Loads a checkpoint into `method`'s variables and returns the optimizer state and step to resume at. */
export async function loadTrainState(
  dir: string,
  method: PeftMethod,
): Promise<{ step: number; seed: number; optimizer: AdamWState }> {
  const json = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as {
    step: number;
    seed: number;
    adamw_t: number;
  };
  const weights = decodeSafetensors(new Uint8Array(await readFile(join(dir, "trainable.safetensors"))));
  const moments = decodeSafetensors(new Uint8Array(await readFile(join(dir, "optimizer.safetensors"))));
  const { variable } = await import("@tensorflow/tfjs");
  const m = new Map<string, tf.Variable>();
  const v = new Map<string, tf.Variable>();
  for (const [name, p] of method.trainable) {
    const w = weights.get(name);
    const mt = moments.get(`m/${name}`);
    const vt = moments.get(`v/${name}`);
    if (!w || !mt || !vt)
      throw new ValidationError({ field: name, message: `checkpoint ${dir} lacks ${name}` });
    p.assign(w);
    m.set(name, variable(mt, false));
    v.set(name, variable(vt, false));
  }
  for (const t of [...weights.values(), ...moments.values()]) t.dispose();
  return { step: json.step, seed: json.seed, optimizer: { t: json.adamw_t, m, v } };
}
