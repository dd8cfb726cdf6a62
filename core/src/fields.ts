import { type FieldIssue, ValidationError } from "./errors.js";

/**
 * Reads fields of one untrusted JSON object, collecting every problem instead of stopping at the first,
 * so one error can tell a person everything wrong with their config at once.
 */
export class FieldReader {
  readonly issues: FieldIssue[] = [];

  constructor(readonly source: Record<string, unknown>) {}

  /** `rootField` names the whole object in the error when it is not an object at all. */
  static of(json: unknown, what: string, rootField: string): FieldReader {
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new ValidationError({
        field: rootField,
        message: `${what} must be a JSON object, got ${describe(json)}`,
      });
    }
    return new FieldReader(json as Record<string, unknown>);
  }

  has(key: string): boolean {
    return this.source[key] !== undefined && this.source[key] !== null;
  }

  fail(key: string, message: string): void {
    this.issues.push({ field: key, message });
  }

  /** An integer with `min <= value` (and `value <= max` when given); `fallback` when absent. */
  int(key: string, opts: { min: number; max?: number; fallback?: number }): number {
    const raw = this.source[key];
    if (raw === undefined || raw === null) {
      if (opts.fallback !== undefined) return opts.fallback;
      this.fail(key, `${key} is required`);
      return Number.NaN;
    }
    if (typeof raw !== "number" || !Number.isInteger(raw)) {
      this.fail(key, `${key} must be an integer, got ${describe(raw)}`);
      return Number.NaN;
    }
    if (raw < opts.min) {
      this.fail(key, `${key} must be ${opts.min === 1 ? "> 0" : `>= ${opts.min}`}, got ${raw}`);
    } else if (opts.max !== undefined && raw > opts.max) {
      this.fail(key, `${key} must be <= ${opts.max}, got ${raw}`);
    }
    return raw;
  }

  /** A finite number in [min, max] (bounds inclusive unless `exclusiveMin`). */
  num(key: string, opts: { min?: number; exclusiveMin?: boolean; max?: number; fallback: number }): number {
    const raw = this.source[key];
    if (raw === undefined || raw === null) return opts.fallback;
    if (typeof raw !== "number" || !Number.isFinite(raw)) {
      this.fail(key, `${key} must be a number, got ${describe(raw)}`);
      return Number.NaN;
    }
    if (opts.min !== undefined && (opts.exclusiveMin ? raw <= opts.min : raw < opts.min)) {
      this.fail(key, `${key} must be ${opts.exclusiveMin ? ">" : ">="} ${opts.min}, got ${raw}`);
    } else if (opts.max !== undefined && raw > opts.max) {
      this.fail(key, `${key} must be <= ${opts.max}, got ${raw}`);
    }
    return raw;
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.source[key];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== "boolean") {
      this.fail(key, `${key} must be true or false, got ${describe(raw)}`);
      return fallback;
    }
    return raw;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.source[key];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
      this.fail(
        key,
        `${key} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(raw)}`,
      );
      return fallback;
    }
    return raw as T;
  }

  optionalString(key: string): string | undefined {
    const raw = this.source[key];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== "string") {
      this.fail(key, `${key} must be a string, got ${describe(raw)}`);
      return undefined;
    }
    return raw;
  }

  /** Throws one ValidationError carrying every issue collected so far. */
  done(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}
