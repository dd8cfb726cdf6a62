import { ValidationError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { allLinears } from "../model/modules.js";
import { modelShape } from "../model/shape.js";
import { adaptersPerLayer, bottleneckSize } from "./adapter.js";
import { BOTTLENECK_ADAPTER_NAME } from "./bottleneck-config.js";
import { usesDora } from "./lora.js";
import { loraTargets } from "./lora-targets.js";
import { matchTargets } from "./targets.js";
import { type AdapterConfig, isLoraLike, type MethodConfig } from "./types.js";

/** PEFT's state-dict prefix of a tuner's tensors (`PeftModel.base_model.model`). */
export const PEFT_PREFIX = "base_model.model.";

/**
 * Every tensor a PEFT adapter_model.safetensors holds for `method` on `model`, with its shape: what
 * PEFT's get_peft_model_state_dict saves. LoRA: lora_A [r, in] and lora_B [out, r] per target (DoRA adds
 * lora_magnitude_vector [out]), biases by `bias` (a wrapped module's under `base_layer`); IA3: ia3_l
 * [out, 1], or [1, in] for a feed-forward module; prefix tuning: prompt_embeddings [n, 2·L·kv·head_dim]
 * (the encoder's output, whatever its projection); prompt tuning: prompt_embeddings [n, hidden].
 * A bottleneck adapter has no PEFT layout: its tensors are the adapters library's (adapter.safetensors,
 * `bottleneckTensorShapes`), named with `adapterName`. Full fine-tuning has no adapter layout: a
 * ValidationError on `peft_type`.
 */
export function peftTensorShapes(
  model: ModelConfig,
  method: MethodConfig,
  adapterName = BOTTLENECK_ADAPTER_NAME,
): Map<string, number[]> {
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
    case "adapter":
      return bottleneckTensorShapes(model, method, adapterName);
    default:
      throw new ValidationError({
        field: "peft_type",
        message: `method "${method.method}" has no PEFT adapter layout`,
      });
  }
}

/**
 * The adapters library's state-dict names and shapes of a bottleneck adapter on a Llama-family model
 * (methods/bottleneck.py `add_adapter`, methods/modeling.py `Adapter`): per layer and site (Houlsby:
 * attention and output; Pfeiffer: output) adapter_down.0 Linear(d, m) and adapter_up Linear(m, d), with
 * m = int(d // reduction_factor) as core's `bottleneckSize` floors it.
 */
export function bottleneckTensorShapes(
  model: ModelConfig,
  method: AdapterConfig,
  adapterName = BOTTLENECK_ADAPTER_NAME,
): Map<string, number[]> {
  const d = model.hidden_size;
  const m = bottleneckSize(method, d);
  const sites = adaptersPerLayer(method) === 2 ? ["attention", "output"] : ["output"];
  const out = new Map<string, number[]>();
  for (let l = 0; l < model.num_hidden_layers; l++) {
    for (const site of sites) {
      const p = `model.layers.${l}.${site}_adapters.adapters.${adapterName}`;
      out.set(`${p}.adapter_down.0.weight`, [m, d]);
      out.set(`${p}.adapter_down.0.bias`, [m]);
      out.set(`${p}.adapter_up.weight`, [d, m]);
      out.set(`${p}.adapter_up.bias`, [d]);
    }
  }
  return out;
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
  adapterName = BOTTLENECK_ADAPTER_NAME,
): void {
  const expected = peftTensorShapes(model, method, adapterName);
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
