import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lexicographicSortSchema, printSchema } from "graphql";
import { buildSchemaShape } from "./app/schema.js";

/** The committed schema: the repository root's schema.graphql. */
export const schemaFile = join(__dirname, "..", "..", "schema.graphql");

const header = "# Emitted from the server's resolvers by `npm run emit:schema`; do not edit by hand.\n\n";

/** The SDL the resolvers define, sorted so that the file only changes when the schema does. */
export async function printAppSchema(): Promise<string> {
  return `${header}${printSchema(lexicographicSortSchema(await buildSchemaShape()))}\n`;
}

export async function emitSchema(file = schemaFile): Promise<void> {
  writeFileSync(file, await printAppSchema());
}

export type SchemaCheck = { upToDate: true } | { upToDate: false; hint: string };

/** Compares the file with the resolvers' schema; when stale, the hint shows the first differing line. */
export async function checkSchema(file = schemaFile): Promise<SchemaCheck> {
  const expected = (await printAppSchema()).split("\n");
  let actual: string[];
  try {
    actual = readFileSync(file, "utf8").split("\n");
  } catch {
    return { upToDate: false, hint: `${file} is missing` };
  }
  const at = expected.findIndex((line, i) => line !== actual[i]);
  const differs = at !== -1 ? at : actual.length !== expected.length ? expected.length : -1;
  if (differs === -1) return { upToDate: true };
  return {
    upToDate: false,
    hint: [
      `${file} line ${differs + 1}:`,
      `- ${actual[differs] ?? "(end of file)"}`,
      `+ ${expected[differs] ?? "(end of file)"}`,
    ].join("\n"),
  };
}
