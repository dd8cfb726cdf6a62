import { existsSync, readdirSync, readFileSync } from "node:fs";
import { formatBytes } from "@tunelab/core";
import { join } from "node:path";
import type { Command } from "commander";
import { RunnerApi, serverUrls } from "../agent/api.js";
import { secretHint } from "../agent/config-file.js";
import { discoverDevices, type ProbedBackend, probeBackend } from "../agent/devices.js";
import { defaultWorkDir, loadConfigOrExit } from "./start.js";

/**
 * `status`: what this runner knows — identity, server reachability, devices, the backend the engine
 * chooses here (and why faster ones were skipped), unsent metrics.
 */

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "print the runner's identity, whether the server answers, devices, the training backend and unsent metrics",
    )
    .option("--config <file>", "runner config file (default: ~/.config/tunelab/runner.json)")
    .option("--work-dir <dir>", "the work folder `start` uses (default: ~/.cache/tunelab/runner-<id>)")
    .option("--json", "print JSON")
    .action(async (flags: { config?: string; workDir?: string; json?: boolean }) => {
      const { path, config } = await loadConfigOrExit(flags.config);
      const workDir = flags.workDir ?? defaultWorkDir(config);
      const spoolDir = join(workDir, "spool");
      const spooled: Record<string, number> = {};
      if (existsSync(spoolDir))
        for (const f of readdirSync(spoolDir).filter((n) => n.endsWith(".json"))) {
          try {
            const batches = JSON.parse(readFileSync(join(spoolDir, f), "utf8")) as unknown[][];
            spooled[f.slice(0, -5)] = batches.reduce((n, b) => n + b.length, 0);
          } catch {
            spooled[f.slice(0, -5)] = -1;
          }
        }
      const [reachable, { devices }, backend] = await Promise.all([
        new RunnerApi(serverUrls(config.server), config.secret).reachable(),
        discoverDevices(),
        probeBackend(undefined, 30_000).catch((err: Error): { error: string } => ({ error: err.message })),
      ]);
      const status = {
        config: path,
        server: config.server,
        serverReachable: reachable,
        runnerId: config.runnerId,
        name: config.name,
        labels: config.labels,
        maxJobs: config.maxJobs ?? null,
        secret: secretHint(config.secret),
        registeredAt: config.registeredAt ?? null,
        devices,
        backend,
        workDir,
        spooledMetricPoints: spooled,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      const lines = [
        `config:      ${path}`,
        `server:      ${config.server} (${reachable ? "reachable" : "NOT reachable"})`,
        `runner:      ${config.runnerId} "${config.name}"${config.labels.length ? ` labels ${config.labels.join(",")}` : ""}`,
        `secret:      ${status.secret}`,
        `devices:     ${devices.map((d) => `${d.name} ${formatBytes(d.memoryBytes)}`).join(", ")}`,
        ...backendLines(backend),
        `work dir:    ${workDir}`,
        `unsent:      ${
          Object.keys(spooled).length
            ? Object.entries(spooled)
                .map(([j, n]) => `${j}: ${n} points`)
                .join(", ")
            : "none"
        }`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

/** "backend: wasm (…)" and one "skipped" line per faster backend that did not load. */
export function backendLines(backend: ProbedBackend | { error: string }): string[] {
  if ("error" in backend) return [`backend:     unknown (${backend.error})`];
  return [
    `backend:     ${backend.name} (${backend.source})`,
    ...backend.skipped.map((s, i) => `${i === 0 ? "  skipped:" : "          "}   ${s}`),
  ];
}
