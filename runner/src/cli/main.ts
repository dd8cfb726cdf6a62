#!/usr/bin/env node
import { Command } from "commander";
import { CliExit } from "./exit.js";
import { registerRegister } from "./register.js";
import { registerStart } from "./start.js";
import { registerStatus } from "./status.js";
import { registerPretrain, registerTrain } from "./train.js";

/** `tunelab-runner`: a small dispatcher; each subcommand lives in its own file and registers itself. */
export function buildCli(): Command {
  const program = new Command("tunelab-runner").description("Tunelab's training runner");
  registerTrain(program);
  registerPretrain(program);
  registerRegister(program);
  registerStart(program);
  registerStatus(program);
  return program;
}

if (require.main === module) {
  // Every command's files (datasets, checkpoints, adapters, train's --out, the config) are the owner's only:
  // files 0600, folders 0700.
  process.umask(0o077);
  buildCli()
    .parseAsync(process.argv)
    .catch((err: Error & { field?: string }) => {
      if (err instanceof CliExit) {
        if (err.message) process.stderr.write(`error: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      process.stderr.write(`error${err.field ? ` (${err.field})` : ""}: ${err.message}\n`);
      process.exit(1);
    });
}
