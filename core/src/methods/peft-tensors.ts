import { ValidationError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { allLinears } from "../model/modules.js";
import { modelShape } from "../model/shape.js";
import { usesDora } from "./lora.js";
import { loraTargets } from "./lora-targets.js";
import { matchTargets } from "./targets.js";
import { isLoraLike, type MethodConfig } from "./types.js";

/** PEFT's state-dict prefix of a tuner's tensors (`PeftModel.base_model.model`). */
export const PEFT_PREFIX = "base_model.model.";

/**
 * Every tensor a PEFT adapter_model.safetensors holds for `method` on `model`, with its shape: what
 * PEFT's get_peft_model_state_dict saves. LoRA: lora_A [r, in] and lora_B [out, r] per target (DoRA adds
 * lora_magnitude_vector [out]), biases by `bias` (a wrapped module's under `base_layer`); IA3: ia3_l
 * [out, 1], or [1, in] for a feed-forward module; prefix tuning: prompt_embeddings [n, 2·L·kv·head_dim]
 * (the encoder's output, whatever its projection); prompt tuning: prompt_embeddings [n, hidden].
 * The bottleneck adapter and full fine-tuning have no PEFT layout: a ValidationError on `peft_type`.
 */
export function peftTensorShapes(model: ModelConfig, method: MethodConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const shape = modelShape(model);
  if (isLoraLike(method)) {
    const targets = loraTargets(model, method);
    const wrapped = new Set(targets.map((t) => t.fullName));
    for (const t of targets) {
      out.set(`${PEFT_PREFIX}${t.fullName}.lora_A.weight`, [t.r, t.inFeatures]);
      out.set(`${PEFT_PREFIX}${t.fullName}.lora_B.weight`, [t.outFeatures, t.r]);
      if (usesDora(method)) out.set(`${PEFT_PREFIX}${t.fullName}.lora_magnitude_vector`, [t.outFeatures]);
    }
    if (method.bias !== "none") {
      for (const l of allLinears(shape)) {
        if (!l.bias || (method.bias === "lora_only" && !wrapped.has(l.fullName))) continue;
        const name = `${PEFT_PREFIX}${l.fullName}${wrapped.has(l.fullName) ? ".base_layer" : ""}.bias`;
        out.set(name, [l.outFeatures]);
      }
    }
    return out;
  }
  switch (method.method) {
    case "ia3": {
      const ff = new Set(
        matchTargets(model, method.feedforward_modules, "feedforward_modules").map((t) => t.fullName),
      );
      for (const t of matchTargets(model, method.target_modules, "target_modules")) {
        out.set(
          `${PEFT_PREFIX}${t.fullName}.ia3_l`,
          ff.has(t.fullName) ? [1, t.inFeatures] : [t.outFeatures, 1],
        );
      }
      return out;
    }
    case "prefix":
      out.set("prompt_embeddings", [
        method.num_virtual_tokens,
        2 * shape.layers * shape.kvHeads * shape.headDim,
      ]);
      return out;
    case "prompt":
      out.set("prompt_embeddings", [method.num_virtual_tokens, shape.hidden]);
      return out;
    default:
      throw new ValidationError({
        field: "peft_type",
        message: `method "${method.method}" has no PEFT adapter layout`,
      });
  }
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

/**
 * Checks the tensors of a file (name → shape) against `peftTensorShapes`: every problem is an issue
 * whose field is the tensor's name — a wrong shape, a tensor the config implies but the file lacks, a
 * tensor the config does not explain.
 */
export function checkPeftTensors(
  model: ModelConfig,
  method: MethodConfig,
  actual: ReadonlyMap<string, readonly number[]>,
): void {
  const expected = peftTensorShapes(model, method);
  const issues: { field: string; message: string }[] = [];
  for (const [name, want] of expected) {
    const got = actual.get(name);
    if (got === undefined) {
      issues.push({
        field: name,
        message: `${name}: missing; the config implies ${shapeText(want)} for this base model`,
      });
    } else if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      issues.push({
        field: name,
        message: `${name}: shape ${shapeText(got)}, expected ${shapeText(want)} for this base model`,
      });
    }
  }
  for (const name of actual.keys()) {
    if (!expected.has(name)) {
      issues.push({
        field: name,
        message: `${name}: not a tensor of this adapter's config for this base model`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
}
