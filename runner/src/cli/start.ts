import { rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import pino, { type Logger } from "pino";
import { Agent, EXIT } from "../agent/agent.js";
import {
  ConfigFileError,
  ConfigLockedError,
  configPath,
  lockConfig,
  type RunnerConfig,
  readConfig,
} from "../agent/config-file.js";
import { describeBackend, discoverDevices, probeBackend } from "../agent/devices.js";
import { createProgress } from "../agent/progress.js";
import { CliExit } from "./exit.js";

/** `start`: connect with the stored identity and train what the server sends, until a signal. */

interface StartFlags {
  config?: string;
  workDir?: string;
  maxJobs?: string;
  graceMs: string;
  heartbeatMs?: string;
  metricsEverySteps: string;
  metricsEveryMs: string;
  backend?: string;
  metricsPort?: string;
  metricsHost: string;
  retryMaxMs: string;
  giveUpAfter: string;
  logLevel: string;
}

/** `$XDG_CACHE_HOME/tunelab/runner-<id>`: spool, job folders, dataset and weight caches. */
export function defaultWorkDir(config: RunnerConfig): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "tunelab", `runner-${config.runnerId}`);
}

export async function loadConfigOrExit(explicit?: string): Promise<{ path: string; config: RunnerConfig }> {
  const path = configPath(explicit);
  try {
    return { path, config: await readConfig(path) };
  } catch (err) {
    if (err instanceof ConfigFileError) throw new CliExit(EXIT.CONFIG, err.message);
    throw err;
  }
}

function positive(flag: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new CliExit(
      EXIT.CONFIG,
      `${flag}: "${value}" is not a ${allowZero ? "non-negative" : "positive"} number`,
    );
  return n;
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description(
      "connect to the server and run the jobs it assigns (SIGINT/SIGTERM: finish and stop; twice: stop now)",
    )
    .option(
      "--config <file>",
      "runner config file written by `register` (default: ~/.config/tunelab/runner.json)",
    )
    .option("--work-dir <dir>", "spool, job folders and caches (default: ~/.cache/tunelab/runner-<id>)")
    .option("--max-jobs <n>", "jobs at once (default: the config's, else one per device)")
    .option("--grace-ms <ms>", "after a cancel, how long a job may take to stop before it is killed", "30000")
    .option("--heartbeat-ms <ms>", "heartbeat interval (default: a third of the server's lease)")
    .option("--metrics-every-steps <n>", "send metrics after this many steps…", "10")
    .option("--metrics-every-ms <ms>", "…or this long after the first unsent point", "2000")
    .option(
      "--backend <name>",
      "force the engine's backend: tensorflow-gpu | tensorflow | native | wasm | cpu",
    )
    .option("--metrics-port <port>", "serve Prometheus /metrics on this port (0: any free port)")
    .option("--metrics-host <addr>", "the address /metrics listens on", "127.0.0.1")
    .option("--retry-max-ms <ms>", "longest wait between reconnect attempts", "15000")
    .option(
      "--give-up-after <s>",
      "exit (code 69) when the server stays unreachable at start this long",
      "300",
    )
    .option("--log-level <level>", "fatal | error | warn | info | debug", "info")
    .action(async (flags: StartFlags) => {
      const { path, config } = await loadConfigOrExit(flags.config);
      let release: () => void;
      try {
        release = lockConfig(path);
      } catch (err) {
        if (err instanceof ConfigLockedError) throw new CliExit(EXIT.LOCKED, err.message);
        throw err;
      }
      let code: number;
      try {
        code = await work(flags, path, config);
      } finally {
        release();
      }
      if (code !== EXIT.OK) throw new CliExit(code, "");
    });
}

async function work(flags: StartFlags, path: string, config: RunnerConfig): Promise<number> {
  // on a TTY the log lines go through the live progress lines (printed above them, not across them)
  const progress = createProgress(null);
  const logger: Logger = pino(
    { level: flags.logLevel, base: { runner: config.name } },
    process.stderr.isTTY
      ? { write: (line: string) => progress.write(line) }
      : pino.destination({ fd: 2, sync: true }),
  );
  progress.logger = logger;
  const { devices } = await discoverDevices();
  const maxJobs = flags.maxJobs
    ? positive("--max-jobs", flags.maxJobs)
    : (config.maxJobs ?? Math.max(1, devices.length));
  const workDir = flags.workDir ?? defaultWorkDir(config);
  logger.info({ config: path, workDir }, "starting");
  // which backend jobs will train on here, and why faster ones did not load: asked of a worker, as a
  // job's own worker will (the agent itself never loads tfjs); start does not wait for it
  void probeBackend(flags.backend).then(
    (b) =>
      logger.info(
        { backend: b.name, source: b.source, skipped: b.skipped },
        `backend: ${describeBackend(b)}`,
      ),
    (err: Error) => logger.warn({ err: err.message }, "the engine did not report its backend"),
  );
  // No job runs before the agent starts: job folders left here belong to a killed agent's attempts.
  await rm(join(workDir, "jobs"), { recursive: true, force: true });
  const agent = new Agent({
    config,
    logger,
    progress,
    workDir,
    maxJobs,
    graceMs: positive("--grace-ms", flags.graceMs, true),
    heartbeatMs: flags.heartbeatMs ? positive("--heartbeat-ms", flags.heartbeatMs) : undefined,
    metricsEverySteps: positive("--metrics-every-steps", flags.metricsEverySteps),
    metricsEveryMs: positive("--metrics-every-ms", flags.metricsEveryMs),
    backend: flags.backend,
    metricsPort:
      flags.metricsPort === undefined ? undefined : positive("--metrics-port", flags.metricsPort, true),
    metricsHost: flags.metricsHost,
    retryMaxMs: positive("--retry-max-ms", flags.retryMaxMs),
    giveUpAfterMs: positive("--give-up-after", flags.giveUpAfter, true) * 1000,
  });
  let signals = 0;
  const onSignal = (signal: string) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, "signal: stopping gracefully");
      agent.stopGracefully();
    } else agent.stopNow(`second signal (${signal})`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await agent.run();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  logger.info({ exitCode: code }, "stopped");
  logger.flush();
  return code;
}
