import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "@tunelab/core";
import { type Model, modelFromTensors, weightShapes } from "./model.js";
import { seededValues } from "./reference-fixtures.js";

/** The model the reference scripts build for `config` (`hf_llama.py` `seeded_weights`): for tests. */
export function seededModel(config: ModelConfig): Model {
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, shape] of weightShapes(config)) {
    tensors.set(
      name,
      tf.tensor(
        seededValues(
          name,
          shape.reduce((a, b) => a * b, 1),
        ),
        shape,
      ),
    );
  }
  return modelFromTensors(config, tensors);
}
