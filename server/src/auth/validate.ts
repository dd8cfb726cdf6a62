import { userInputError } from "../api/errors.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids: anything else cannot exist (and must not reach PostgreSQL as a cast error). */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** Trimmed text of 1..max characters without control characters, or BAD_USER_INPUT naming the field. */
export function requireName(value: string, field: string, max = 100): string {
  const text = value.trim();
  if (text.length === 0 || text.length > max) {
    throw userInputError(`${field} must be 1 to ${max} characters, got ${text.length}`, { field });
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw userInputError(`${field} must not contain control characters`, { field });
  }
  return text;
}

/** Free text of at most max characters (may be empty). */
export function optionalText(value: string, field: string, max: number): string {
  const text = value.trim();
  if (text.length > max) throw userInputError(`${field} must be at most ${max} characters`, { field });
  return text;
}
