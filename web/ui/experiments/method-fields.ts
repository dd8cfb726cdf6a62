// A method variant's form values ⇄ the method object the API takes (`{ method: "lora", r: 8, … }`).

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

/** The method object; empty fields are left out (the server fills its defaults or derives them). */
export function methodObject(method: string, fields: readonly MethodField[], values: FieldValues) {
  const object: Record<string, unknown> = { method };
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined || v === "") continue;
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
