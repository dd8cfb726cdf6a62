// A method variant's form values ⇄ the method object the API takes (`{ method: "lora", r: 8, … }`).
import { isList, numericSweep, type SweepParameters } from "./sweep-input";

export interface MethodField {
  name: string;
  type: string;
  default?: unknown;
  allowed?: readonly string[] | null;
  description: string;
  min?: number | null;
  max?: number | null;
}

/** Form values: numbers and lists as the text typed, booleans as booleans. */
export type FieldValues = Record<string, string | boolean>;

export function initialValues(fields: readonly MethodField[]): FieldValues {
  const values: FieldValues = {};
  for (const f of fields) {
    if (f.type === "boolean") values[f.name] = f.default === true;
    else if (Array.isArray(f.default)) values[f.name] = f.default.join(", ");
    else values[f.name] = f.default == null ? "" : String(f.default);
  }
  return values;
}

const numeric = (f: MethodField) => f.type === "integer" || f.type === "number";

/**
 * The method object; empty fields are left out (the server fills its defaults or derives them), and so
 * are numeric fields holding a list ("4, 8, 16"): those are the variant's sweep (`variantSweep`).
 */
export function methodObject(method: string, fields: readonly MethodField[], values: FieldValues) {
  const object: Record<string, unknown> = { method };
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined || v === "") continue;
    if (numeric(f) && isList(String(v))) continue;
    if (f.type === "boolean") object[f.name] = v === true;
    else if (f.type === "integer" || f.type === "number") object[f.name] = Number(v);
    else if (f.type === "target_modules") {
      const list = String(v)
        .split(/[\s,]+/)
        .filter((s) => s !== "");
      object[f.name] = list.length === 1 && list[0] === "all-linear" ? "all-linear" : list;
    } else object[f.name] = v;
  }
  return object;
}

/** The variant's own sweep: its numeric fields holding lists, `{ r: { values: [4, 8, 16] } }`; null if none. */
export function variantSweep(fields: readonly MethodField[], values: FieldValues): SweepParameters | null {
  const texts = Object.fromEntries(fields.filter(numeric).map((f) => [f.name, String(values[f.name] ?? "")]));
  const { sweep } = numericSweep(texts, Object.keys(texts));
  return Object.keys(sweep).length > 0 ? sweep : null;
}
