import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { sampleValue } from "./auth.js";

/** One operation with exactly one leaf of its arguments made hostile. */
export interface HostileCase {
  operation: string;
  kind: "query" | "mutation" | "subscription";
  query: string;
  variables: Record<string, unknown>;
  /** The field as the client wrote it (`variants[0].name`; the `input` argument is not named). */
  field: string;
  /** What was sent there, for messages. */
  sent: string;
}

/** A JSON value nested `depth` levels. */
export function nestedJson(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < depth; i += 1) value = { a: value };
  return value;
}

/** The hostile values for a scalar: U+0000 in strings, ±1e300 in numbers, U+0000 and depth in JSON. */
function hostileScalars(name: string): [unknown, string, string][] {
  switch (name) {
    case "String":
    case "ID":
      return [["a\u0000b", "U+0000", ""]];
    case "Int":
    case "Float":
      return [
        [1e300, "1e300", ""],
        [-1e300, "-1e300", ""],
      ];
    case "Boolean":
      return [];
    default:
      // JSON scalars: a control character in a value and in a key, and too deep a value.
      return [
        [{ k: "a\u0000b" }, "U+0000 in a JSON value", ".k"],
        [{ "k\u0000": 1 }, "U+0000 in a JSON key", ""],
        [nestedJson(40), "JSON 40 levels deep", ""],
      ];
  }
}

/** Every way to put one hostile value at one leaf of `type`, the rest a well-typed placeholder. */
function hostileValues(
  type: GraphQLInputType,
  depth: number,
): { path: string; value: unknown; sent: string }[] {
  if (isNonNullType(type)) return hostileValues(type.ofType, depth);
  if (isListType(type))
    return hostileValues(type.ofType, depth).map((c) => ({ ...c, path: `[0]${c.path}`, value: [c.value] }));
  if (isScalarType(type))
    return hostileScalars(type.name).map(([value, sent, path]) => ({ path, value, sent }));
  if (isInputObjectType(type) && depth < 4) {
    const base = sampleValue(type) as Record<string, unknown>;
    return Object.values(type.getFields()).flatMap((f) =>
      hostileValues(f.type, depth + 1).map((c) => ({
        path: `.${f.name}${c.path}`,
        value: { ...base, [f.name]: c.value },
        sent: c.sent,
      })),
    );
  }
  return [];
}

/** For every root field and every String/ID/Int/Float/JSON leaf reachable from its arguments, one case. */
export function hostileCases(schema: GraphQLSchema): HostileCase[] {
  const roots = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ] as const;
  const cases: HostileCase[] = [];
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
      const selection = isCompositeType(getNamedType(field.type)) ? " { __typename }" : "";
      for (const arg of field.args) {
        const sent = required.includes(arg) ? required : [...required, arg];
        const decl = sent.map((a: GraphQLArgument) => `$${a.name}: ${a.type.toString()}`).join(", ");
        const args = sent.map((a) => `${a.name}: $${a.name}`).join(", ");
        const query = `${kind}(${decl}) { ${field.name}(${args})${selection} }`;
        for (const c of hostileValues(arg.type, 0)) {
          const path = arg.name === "input" ? c.path.replace(/^\./, "") : `${arg.name}${c.path}`;
          cases.push({
            operation: field.name,
            kind,
            query,
            variables: {
              ...Object.fromEntries(required.map((a) => [a.name, sampleValue(a.type)])),
              [arg.name]: c.value,
            },
            field: path,
            sent: c.sent,
          });
        }
      }
    }
  }
  return cases;
}
