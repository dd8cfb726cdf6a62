import { hostname } from "node:os";
import { formatBytes, runnerCommand } from "@tunelab/core";
import type { Command } from "commander";
import { EXIT } from "../agent/agent.js";
import { ApiError, RunnerApi, serverUrls } from "../agent/api.js";
import { configPath, secretHint, writeConfig } from "../agent/config-file.js";
import { describeBackend, discoverDevices, probeBackend, skippedForServer } from "../agent/devices.js";
import { CliExit } from "./exit.js";

/** `register`: trade a registration token for a runner id and secret, stored in the config file. */

interface RegisterFlags {
  server: string;
  token?: string;
  name?: string;
  labels?: string;
  maxJobs?: string;
  backend?: string;
  config?: string;
}

export function registerRegister(program: Command): void {
  program
    .command("register")
    .description("register this machine with a Tunelab server (once); writes the runner config file")
    .requiredOption("--server <url>", "the server, e.g. http://localhost:4000")
    .option("--token <tlt_…>", "registration token from the dashboard (or TUNELAB_REGISTRATION_TOKEN)")
    .option("--name <name>", "runner name shown in the dashboard (default: the host name)")
    .option("--labels <list>", "comma-separated labels runs can require, e.g. gpu,a100")
    .option("--max-jobs <n>", "jobs at once (default: one per device)")
    .option("--backend <name>", "tfjs backend to report: tensorflow-gpu | tensorflow | native | wasm | cpu")
    .option("--config <file>", "runner config file (default: ~/.config/tunelab/runner.json)")
    .action(async (flags: RegisterFlags) => {
      const token = flags.token ?? process.env.TUNELAB_REGISTRATION_TOKEN;
      if (!token) throw new CliExit(EXIT.CONFIG, "--token (or TUNELAB_REGISTRATION_TOKEN) is required");
      const urls = serverUrls(flags.server);
      const path = configPath(flags.config);
      const { devices } = await discoverDevices();
      const backend = await probeBackend(flags.backend);
      const name = flags.name ?? hostname();
      const labels = (flags.labels ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean);
      const maxJobs = flags.maxJobs ? Number(flags.maxJobs) : undefined;
      if (maxJobs !== undefined && !(Number.isInteger(maxJobs) && maxJobs > 0))
        throw new CliExit(EXIT.CONFIG, `--max-jobs: "${flags.maxJobs}" is not a positive integer`);
      let registered: { runnerId: string; secret: string };
      try {
        registered = await new RunnerApi(urls, undefined).registerRunner({
          token,
          name,
          labels,
          backend: backend.name,
          ...(backend.skipped.length ? { backendSkipped: skippedForServer(backend.skipped) } : {}),
          devices,
          ...(maxJobs ? { maxJobs } : {}),
        });
      } catch (err) {
        if (err instanceof ApiError && (err.kind === "auth" || err.kind === "forbidden"))
          throw new CliExit(EXIT.AUTH, `the server refused the registration token: ${err.message}`);
        if (err instanceof ApiError && err.kind === "network")
          throw new CliExit(EXIT.UNAVAILABLE, err.message);
        throw err;
      }
      await writeConfig(path, {
        server: urls.origin,
        runnerId: registered.runnerId,
        secret: registered.secret,
        name,
        labels,
        ...(maxJobs ? { maxJobs } : {}),
        registeredAt: new Date().toISOString(),
      });
      process.stdout.write(
        `registered runner ${registered.runnerId} "${name}" (backend ${backend.name}; ` +
          `${devices.map((d) => `${d.name} ${formatBytes(d.memoryBytes)}`).join(", ")})\n` +
          (backend.skipped.length ? `backend: ${describeBackend(backend)}\n` : "") +
          `config written to ${path} (mode 0600; secret ${secretHint(registered.secret)})\n` +
          `start it with: ${runnerCommand(`start${flags.config ? ` --config ${path}` : ""}`)}\n`,
      );
    });
}
