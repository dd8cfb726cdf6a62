#!/usr/bin/env node
import "reflect-metadata";
import { Command } from "commander";
import { checkSchema, emitSchema, schemaFile } from "./schema-file.js";

const program = new Command("emit-schema")
  .description("Writes schema.graphql from the resolvers, or with --check fails when it is stale.")
  .option("--check", "compare instead of writing; exit 1 when the file differs")
  .option("--file <path>", "the schema file", schemaFile);

async function main(): Promise<number> {
  const { check, file } = program.parse().opts<{ check?: boolean; file: string }>();
  if (!check) {
    await emitSchema(file);
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  }
  const result = await checkSchema(file);
  if (result.upToDate) {
    process.stdout.write("schema.graphql is up to date\n");
    return 0;
  }
  process.stderr.write(
    `schema.graphql is stale: run \`npm run emit:schema\` and commit it.\n${result.hint}\n`,
  );
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
