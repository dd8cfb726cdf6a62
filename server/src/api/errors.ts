import { ValidationError } from "@tunelab/core";
import { GraphQLError } from "graphql";

/**
 * The error codes clients can branch on (`extensions.code`). Every error a person can act on is one of
 * these, with a message that says what to change; anything else is a bug and surfaces as
 * INTERNAL_SERVER_ERROR.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  CONFLICT: "CONFLICT",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where in the input the problem is: the field's name and, for uploaded files, the 1-based line. */
export interface InputLocation {
  field?: string;
  line?: number;
}

/** A bad input: `extensions = { code: "BAD_USER_INPUT", field?, line? }`. */
export function userInputError(message: string, where: InputLocation = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...where } });
}

export function notFoundError(what: string, id: string): GraphQLError {
  return new GraphQLError(`${what} ${id} does not exist`, {
    extensions: { code: ErrorCode.NOT_FOUND, field: "id" },
  });
}

/** Any other coded error (UNAUTHENTICATED, FORBIDDEN, CONFLICT) with optional extra extensions. */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/**
 * core's ValidationError as BAD_USER_INPUT: every issue's field renamed to where it is in the client's input
 * (e.g. `r` → `variants[1].method.r`); `field` is the first one, `issues` lists every problem found.
 */
export function validationInputError(
  e: ValidationError,
  rename: (field: string) => string = (field) => field,
): GraphQLError {
  const issues = e.issues.map((i) => ({ field: rename(i.field), message: i.message }));
  return new GraphQLError(`${issues[0]!.field}: ${e.message}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, field: issues[0]!.field, issues },
  });
}

/** Runs core's validation with its errors moved under `prefix` (see validationInputError). */
export function withInputPrefix<T>(prefix: string, validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw validationInputError(e, (field) => joinField(prefix, field));
  }
}

function joinField(prefix: string, field: string): string {
  if (prefix === "") return field;
  // core names its top-level input ("model", "method"): avoid "method.method.r".
  const head = field.split(".")[0];
  return head === prefix.split(".").at(-1) ? `${prefix}${field.slice(head!.length)}` : `${prefix}.${field}`;
}
