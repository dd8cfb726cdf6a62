import { describe, type FieldReader } from "../fields.js";
import type { TargetModules } from "./types.js";

/** Reads a `target_modules`-like field: a non-empty list of names or one regex string. */
export function readTargets(
  f: FieldReader,
  key: string,
  fallback: TargetModules,
  opts: { allowEmpty?: boolean } = {},
): TargetModules {
  const raw = f.source[key];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === "string") {
    if (raw.length === 0) f.fail(key, `${key} must not be empty`);
    return raw;
  }
  if (!Array.isArray(raw) || !raw.every((t) => typeof t === "string" && t.length > 0)) {
    f.fail(key, `${key} must be a list of module names or a regex string, got ${describe(raw)}`);
    return fallback;
  }
  if (raw.length === 0 && !opts.allowEmpty) {
    f.fail(key, `${key} must name at least one module (e.g. ["q_proj", "v_proj"] or "all-linear")`);
    return fallback;
  }
  // PEFT stores the list as a set: duplicates mean nothing.
  return [...new Set(raw as string[])];
}
