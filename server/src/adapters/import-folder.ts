import {
  checkPeftTensors,
  countParameters,
  fromPeftConfig,
  type MethodConfig,
  type ModelConfig,
  ValidationError,
} from "@tunelab/core";
import { GraphQLError } from "graphql";
import { ErrorCode, userInputError, withInputPrefix } from "../api/errors.js";
import type { AdapterFileInput } from "./adapter.input.js";
import { safetensorsShapes } from "./safetensors-header.js";

export const ADAPTER_CONFIG = "adapter_config.json";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

export interface CheckedFolder {
  method: MethodConfig;
  trainableParams: number;
  files: { name: string; content: Buffer }[];
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** The two files of a PEFT folder, each named once and decoded; errors name `files[i].…`. */
function decodeFolder(files: readonly AdapterFileInput[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [i, f] of files.entries()) {
    const at = `files[${i}]`;
    if (f.name !== ADAPTER_CONFIG && f.name !== ADAPTER_WEIGHTS) {
      throw userInputError(
        `${at}.name: a PEFT folder holds ${ADAPTER_CONFIG} and ${ADAPTER_WEIGHTS}, got ${JSON.stringify(f.name)}`,
        { field: `${at}.name` },
      );
    }
    if (out.has(f.name))
      throw userInputError(`${at}.name: ${f.name} is given twice`, { field: `${at}.name` });
    if (f.contentBase64.length % 4 !== 0 || !base64Pattern.test(f.contentBase64)) {
      throw userInputError(`${at}.contentBase64 is not valid base64`, { field: `${at}.contentBase64` });
    }
    out.set(f.name, Buffer.from(f.contentBase64, "base64"));
  }
  for (const name of [ADAPTER_CONFIG, ADAPTER_WEIGHTS]) {
    if (!out.has(name)) throw userInputError(`files: ${name} is missing`, { field: "files" });
  }
  return out;
}

/**
 * A PEFT folder checked against a base model: adapter_config.json read by core's fromPeftConfig (errors
 * name `adapter_config.json.<key>`), the safetensors header checked, and every tensor's name and shape
 * compared with what the config implies for this model (errors name the tensor). Nothing here stores.
 */
export function checkPeftFolder(model: ModelConfig, files: readonly AdapterFileInput[]): CheckedFolder {
  const decoded = decodeFolder(files);
  let json: unknown;
  try {
    json = JSON.parse(decoded.get(ADAPTER_CONFIG)!.toString("utf8"));
  } catch {
    throw userInputError(`${ADAPTER_CONFIG} is not JSON`, { field: ADAPTER_CONFIG });
  }
  const method = withInputPrefix(ADAPTER_CONFIG, () => fromPeftConfig(json, model));
  const shapes = safetensorsShapes(decoded.get(ADAPTER_WEIGHTS)!, ADAPTER_WEIGHTS);
  try {
    checkPeftTensors(model, method, shapes);
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
    files: [ADAPTER_CONFIG, ADAPTER_WEIGHTS].map((name) => ({ name, content: decoded.get(name)! })),
  };
}
