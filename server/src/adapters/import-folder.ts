import {
  checkPeftTensors,
  countParameters,
  fromBottleneckConfig,
  fromPeftConfig,
  type MethodConfig,
  type ModelConfig,
  ValidationError,
} from "@tunelab/core";
import { GraphQLError } from "graphql";
import { ErrorCode, userInputError, withInputPrefix } from "../api/errors.js";
import { safetensorsShapes } from "./safetensors-header.js";

export const ADAPTER_CONFIG = "adapter_config.json";
/** PEFT's weights file (utils/constants.py SAFETENSORS_WEIGHTS_NAME). */
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";
/** The adapters library's (utils.py SAFE_WEIGHTS_NAME): a bottleneck adapter as the engine exports it. */
export const BOTTLENECK_WEIGHTS = "adapter.safetensors";

/**
 * Pickled weights, which are never read (unpickling runs code), with the call that writes the
 * safetensors file instead.
 */
const PICKLED: Record<string, string> = {
  "adapter_model.bin":
    "load it with PEFT and save it again with model.save_pretrained(dir, safe_serialization=True) (PeftModel.save_pretrained), which writes adapter_model.safetensors",
  "pytorch_adapter.bin":
    "load it with the adapters library and save it again with model.save_adapter(dir, name, use_safetensors=True), which writes adapter.safetensors",
};

/** A file of the folder, its bytes already read (inline base64 or a staged upload: uploads/file-bytes.ts). */
export interface FolderFile {
  name: string;
  content: Buffer;
}

export interface CheckedFolder {
  method: MethodConfig;
  trainableParams: number;
  files: { name: string; content: Buffer }[];
}

/**
 * The two files of an adapter folder (their bytes already read), each named once: adapter_config.json and one weights
 * file, PEFT's or the adapters library's. Errors name `files[i].…`.
 */
function decodeFolder(files: readonly FolderFile[]): { weights: string; decoded: Map<string, Buffer> } {
  const decoded = new Map<string, Buffer>();
  const allowed = [ADAPTER_CONFIG, ADAPTER_WEIGHTS, BOTTLENECK_WEIGHTS];
  for (const [i, f] of files.entries()) {
    const at = `files[${i}]`;
    const fix = PICKLED[f.name];
    if (fix !== undefined) {
      throw userInputError(
        `${at}.name: ${f.name} is pickled PyTorch, which Tunelab does not read (unpickling runs code); ${fix}`,
        { field: `${at}.name` },
      );
    }
    if (!allowed.includes(f.name)) {
      throw userInputError(
        `${at}.name: an adapter folder holds ${ADAPTER_CONFIG} and ${ADAPTER_WEIGHTS} (PEFT) or ${BOTTLENECK_WEIGHTS} (a bottleneck adapter, the adapters library's layout), got ${JSON.stringify(f.name)}`,
        { field: `${at}.name` },
      );
    }
    if (decoded.has(f.name))
      throw userInputError(`${at}.name: ${f.name} is given twice`, { field: `${at}.name` });
    decoded.set(f.name, f.content);
  }
  if (!decoded.has(ADAPTER_CONFIG))
    throw userInputError(`files: ${ADAPTER_CONFIG} is missing`, { field: "files" });
  const weights = [ADAPTER_WEIGHTS, BOTTLENECK_WEIGHTS].filter((w) => decoded.has(w));
  if (weights.length !== 1) {
    throw userInputError(
      weights.length === 0
        ? `files: the weights are missing: ${ADAPTER_WEIGHTS} (PEFT) or ${BOTTLENECK_WEIGHTS} (a bottleneck adapter)`
        : `files: give ${ADAPTER_WEIGHTS} (PEFT) or ${BOTTLENECK_WEIGHTS} (a bottleneck adapter), not both`,
      { field: "files" },
    );
  }
  return { weights: weights[0]!, decoded };
}

/**
 * adapter_config.json → the method and the adapter's name in its tensor names: PEFT's (core's
 * fromPeftConfig) beside adapter_model.safetensors, the adapters library's (core's fromBottleneckConfig)
 * beside adapter.safetensors. Errors name `adapter_config.json.<key>`.
 */
function readConfig(
  model: ModelConfig,
  json: unknown,
  weights: string,
): { method: MethodConfig; name?: string } {
  const peft = typeof json === "object" && json !== null && "peft_type" in json;
  if (weights === BOTTLENECK_WEIGHTS && peft) {
    throw userInputError(
      `${ADAPTER_CONFIG}.peft_type: a PEFT adapter_config.json goes with ${ADAPTER_WEIGHTS}, not ${BOTTLENECK_WEIGHTS}`,
      { field: `${ADAPTER_CONFIG}.peft_type` },
    );
  }
  return withInputPrefix(ADAPTER_CONFIG, () =>
    weights === BOTTLENECK_WEIGHTS
      ? fromBottleneckConfig(json, model)
      : { method: fromPeftConfig(json, model) },
  );
}

/**
 * An adapter folder checked against a base model: adapter_config.json read by core, the safetensors
 * header checked, and every tensor's name and shape compared with what the config implies for this model
 * (errors name the tensor). Nothing here stores.
 */
export function checkAdapterFolder(model: ModelConfig, files: readonly FolderFile[]): CheckedFolder {
  const { weights, decoded } = decodeFolder(files);
  let json: unknown;
  try {
    json = JSON.parse(decoded.get(ADAPTER_CONFIG)!.toString("utf8"));
  } catch {
    throw userInputError(`${ADAPTER_CONFIG} is not JSON`, { field: ADAPTER_CONFIG });
  }
  const { method, name } = readConfig(model, json, weights);
  const shapes = safetensorsShapes(decoded.get(weights)!, weights);
  try {
    checkPeftTensors(model, method, shapes, name);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const [first, ...rest] = e.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map((i) => i.field).join(", ")})` : "";
    throw new GraphQLError(`${first!.message}${more}`, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, field: first!.field, issues: e.issues },
    });
  }
  return {
    method,
    trainableParams: withInputPrefix(ADAPTER_CONFIG, () => countParameters(model, method).trainable),
    files: [ADAPTER_CONFIG, weights].map((n) => ({ name: n, content: decoded.get(n)! })),
  };
}
