import {
  defaultFieldResolver,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { controlCharacterAt } from "@tunelab/core";
import { userInputError } from "./errors.js";

/**
 * The one input sanitation layer: every argument of every field, before its resolver (or subscription)
 * runs, whatever resolver it is. Strings (String, ID, and every string inside a JSON value, keys included)
 * refuse control characters; every Float has a range; JSON values have a depth limit. A refusal is
 * BAD_USER_INPUT naming the field as the client wrote it (`variants[1].name`, `filter.nameContains`).
 * Rules that depend on meaning (a name's length, `r` against the model) stay with the services.
 */

/** Deepest nesting of a JSON argument (a model config.json is 2 levels; a method config 3). */
export const maxJsonDepth = 16;

/**
 * Floats without their own range: a byte count or a duration in ms fits with room (1 PB, 31 years),
 * and every integer in it is exact in a double.
 */
export const defaultFloatRange: NumberRange = { min: -1e15, max: 1e15 };

export interface NumberRange {
  min: number;
  max: number;
}

/**
 * A field's own range, set with type-graphql's `@Extensions(numberRange(0, 1))` on an input field or
 * argument; a value outside it is refused here, before any service sees it.
 */
export function numberRange(min: number, max: number): { range: NumberRange } {
  return { range: { min, max } };
}

type Check = (value: unknown, field: string) => void;

/** Wraps the resolver of every field that takes arguments worth checking. Called once on the built schema. */
export function sanitizeArguments(schema: GraphQLSchema): void {
  const plans = new Map<GraphQLInputType, Check | null>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      const checks = field.args
        .map((arg) => [arg, checkerOf(arg.type, rangeOf(arg), plans)] as const)
        .filter((c): c is readonly [GraphQLArgument, Check] => c[1] !== null);
      if (checks.length === 0) continue;
      const checkArgs = (args: Record<string, unknown>) => {
        for (const [arg, check] of checks) {
          const value = args[arg.name];
          if (value !== undefined && value !== null) check(value, arg.name === "input" ? "" : arg.name);
        }
      };
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      if (field.subscribe) {
        const subscribe = field.subscribe;
        field.subscribe = (source, args, context, info) => {
          checkArgs(args);
          return subscribe(source, args, context, info);
        };
      } else {
        field.resolve = (source, args, context, info) => {
          checkArgs(args);
          return resolve(source, args, context, info);
        };
      }
    }
  }
}

function rangeOf(def: { extensions?: Readonly<Record<string, unknown>> | null }): NumberRange | undefined {
  return (def.extensions?.range as NumberRange | undefined) ?? undefined;
}

const join = (prefix: string, name: string) => (prefix === "" ? name : `${prefix}.${name}`);

/** A checker for values of `type`, or null when nothing in it needs checking (Boolean, enums). */
function checkerOf(
  type: GraphQLInputType,
  range: NumberRange | undefined,
  plans: Map<GraphQLInputType, Check | null>,
): Check | null {
  if (isNonNullType(type)) return checkerOf(type.ofType, range, plans);
  if (isListType(type)) {
    const item = checkerOf(type.ofType, range, plans);
    if (!item) return null;
    return (value, field) => {
      if (!Array.isArray(value)) return item(value, field);
      value.forEach((v, i) => {
        if (v !== null && v !== undefined) item(v, `${field}[${i}]`);
      });
    };
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "String":
      case "ID":
        return (value, field) => checkString(value, field);
      case "Float":
      case "Int":
        return (value, field) => checkNumber(value, field, range ?? defaultFloatRange);
      case "Boolean":
        return null;
      default:
        // JSON, JSONObject and any other custom scalar: check what is inside.
        return (value, field) => checkJson(value, field, field, 0);
    }
  }
  if (isInputObjectType(type)) {
    if (plans.has(type)) {
      // Recursive input types: the checker is looked up when it runs, after it is built.
      return (value, field) => plans.get(type)?.(value, field);
    }
    plans.set(type, null);
    const fields = Object.values(type.getFields())
      .map((f) => [f.name, checkerOf(f.type, rangeOf(f), plans)] as const)
      .filter((f): f is readonly [string, Check] => f[1] !== null);
    const check: Check | null =
      fields.length === 0
        ? null
        : (value, field) => {
            const object = value as Record<string, unknown>;
            for (const [name, checkField] of fields) {
              const v = object[name];
              if (v !== undefined && v !== null) checkField(v, join(field, name));
            }
          };
    plans.set(type, check);
    return check;
  }
  return null;
}

/** Refuses control characters other than tab, newline and carriage return, naming the field. */
export function checkString(value: unknown, field: string): void {
  if (typeof value !== "string") return;
  const at = controlCharacterAt(value);
  if (at >= 0) {
    const code = value.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0");
    throw userInputError(
      `${field}: contains the control character U+${code} at position ${at}; text may hold tab, newline and carriage return, no other control characters`,
      { field },
    );
  }
}

function checkNumber(value: unknown, field: string, range: NumberRange): void {
  if (typeof value !== "number") return;
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    throw userInputError(
      `${field}: ${value} is out of range; it must be between ${range.min} and ${range.max}`,
      {
        field,
      },
    );
  }
}

/** `root` is the argument or input field holding the JSON value: a too-deep value is refused there. */
function checkJson(value: unknown, field: string, root: string, depth: number): void {
  if (typeof value === "string") {
    checkString(value, field);
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw userInputError(`${field}: ${value} is not a finite number`, { field });
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (depth >= maxJsonDepth) {
    throw userInputError(`${root}: JSON nested deeper than ${maxJsonDepth} levels`, { field: root });
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkJson(v, `${field}[${i}]`, root, depth + 1);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    checkString(key, field);
    checkJson(v, join(field, key), root, depth + 1);
  }
}
