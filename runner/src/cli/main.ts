#!/usr/bin/env node
import { Command } from "commander";
import { registerPretrain, registerTrain } from "./train.js";

/** `tunelab-runner`: a small dispatcher; each subcommand lives in its own file and registers itself. */
export function buildCli(): Command {
  const program = new Command("tunelab-runner").description("Tunelab's training runner");
  registerTrain(program);
  registerPretrain(program);
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: Error & { field?: string }) => {
      process.stderr.write(`error${err.field ? ` (${err.field})` : ""}: ${err.message}\n`);
      process.exit(1);
    });
}
