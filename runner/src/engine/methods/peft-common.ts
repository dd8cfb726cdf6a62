import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, type TargetModules, ValidationError } from "@tunelab/core";
// matchTargets is core's PEFT-exact target matcher; core's index exports only the kind-level resolver.
import { matchTargets } from "@tunelab/core";

/** Full module names (`model.layers.0.self_attn.q_proj`) a target_modules value selects, with sizes. */
export function targetLinears(model: ModelConfig, targets: TargetModules, field = "target_modules") {
  return matchTargets(model, targets, field).filter((m) => m.layer !== null);
}

/** torch.nn.Linear's default init (Kaiming-uniform, a = √5): U(−1/√in, 1/√in); also LoRA's A. */
export function kaimingUniform(shape: [number, number], seed: number): tf.Tensor2D {
  const bound = 1 / Math.sqrt(shape[1]);
  return tf.randomUniform(shape, -bound, bound, "float32", seed) as tf.Tensor2D;
}

/** Layer index of a module name such as `model.layers.3.mlp.down_proj`, or null outside the layers. */
export function layerOf(name: string): number | null {
  const m = /(?:^|\.)layers\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : null;
}

/** The variables of `trainable` whose name lies in decoder layer `layer`. */
export function variablesOfLayer(trainable: Map<string, tf.Variable>, layer: number): tf.Variable[] {
  return [...trainable].filter(([name]) => layerOf(name) === layer).map(([, v]) => v);
}

/**
 * Writes imported tensors into variables of the same name and shape; names must match exactly. A missing
 * or misshapen tensor is a ValidationError whose `field` is the tensor's name.
 */
export function assignAll(
  trainable: Map<string, tf.Variable>,
  tensors: Map<string, tf.Tensor>,
  rename = (n: string) => n,
) {
  for (const [name, v] of trainable) {
    const t = tensors.get(rename(name));
    const field = rename(name);
    if (t === undefined) throw new ValidationError({ field, message: `adapter tensor ${field} is missing` });
    if (t.shape.join() !== v.shape.join()) {
      throw new ValidationError({
        field,
        message: `adapter tensor ${field} has shape [${t.shape}], expected [${v.shape}]`,
      });
    }
    v.assign(t);
  }
}

/** Fields every PEFT adapter_config.json carries. */
export function peftConfigBase(peftType: string, baseModel: string | null): Record<string, unknown> {
  return {
    peft_type: peftType,
    task_type: "CAUSAL_LM",
    base_model_name_or_path: baseModel,
    inference_mode: true,
    revision: null,
  };
}
