// The two files of an adapter folder picked or dropped in any order, told apart by name, and sent as base64.

export const CONFIG_FILE = "adapter_config.json";
/**
 * Names the weights slot takes: PEFT's, the adapters library's (a bottleneck adapter), and their pickled
 * forms, which the server refuses with the call that saves safetensors instead.
 */
export const WEIGHTS_FILES = [
  "adapter_model.safetensors",
  "adapter.safetensors",
  "adapter_model.bin",
  "pytorch_adapter.bin",
] as const;

export interface Picked<F> {
  config?: F;
  weights?: F;
  /** Files that are neither, by name: the form says it ignored them. */
  ignored: string[];
}

/**
 * Sorts files into the folder's two slots. A later file replaces an earlier one in its slot, so dropping a
 * corrected file replaces the first; a browser may prefix a folder's path, so only the last segment counts.
 */
export function pickFolderFiles<F extends { name: string }>(
  files: readonly F[],
  previous?: Picked<F>,
): Picked<F> {
  const out: Picked<F> = { config: previous?.config, weights: previous?.weights, ignored: [] };
  for (const file of files) {
    const name = file.name.split(/[\\/]/).pop() ?? file.name;
    if (name === CONFIG_FILE) out.config = file;
    else if ((WEIGHTS_FILES as readonly string[]).includes(name)) out.weights = file;
    else out.ignored.push(name);
  }
  return out;
}

/** What is still needed before the folder can be sent; empty when both are there. */
export function missingFiles(picked: Picked<unknown>): string[] {
  return [picked.config ? null : CONFIG_FILE, picked.weights ? null : "the weights"].filter(
    (n): n is string => n !== null,
  );
}
