import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { runnerCommand } from "@tunelab/core";

/**
 * The runner's identity on disk: written once by `register`, read by `start` and `status`.
 * It holds the runner secret, so it is created with mode 0600 (and tightened if found looser).
 */

const schema = z.object({
  server: z.string().min(1),
  runnerId: z.string().min(1),
  secret: z.string().min(1),
  name: z.string().min(1),
  labels: z.array(z.string()),
  maxJobs: z.number().int().positive().optional(),
  registeredAt: z.string().optional(),
});

export type RunnerConfig = z.infer<typeof schema>;

export class ConfigFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "ConfigFileError";
  }
}

/** `--config`, else TUNELAB_RUNNER_CONFIG, else `$XDG_CONFIG_HOME/tunelab/runner.json` (~/.config/…). */
export function configPath(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.TUNELAB_RUNNER_CONFIG) return resolve(process.env.TUNELAB_RUNNER_CONFIG);
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "tunelab", "runner.json");
}

export async function writeConfig(path: string, config: RunnerConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export async function readConfig(path: string): Promise<RunnerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new ConfigFileError(
        path,
        `no runner config at ${path}: run \`${runnerCommand("register --server URL --token TOKEN")}\` first (or pass --config)`,
      );
    throw new ConfigFileError(path, `cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigFileError(path, `${path} is not JSON: register again or fix the file`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(path, `${path}: ${issue.path.join(".") || "config"}: ${issue.message}`);
  }
  // a secret readable by others is tightened rather than refused
  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077) await chmod(path, 0o600);
  return parsed.data;
}

/** The secret as a person may see it: prefix and the last four characters. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 4)}…${secret.slice(-4)}`;
}

export class ConfigLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another \`${runnerCommand("start")}\` (pid ${pid}) is using ${path}; stop it first`);
    this.name = "ConfigLockedError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One agent per runner identity: `<config>.lock` holds the pid of the `start` using it. A lock left by a
 * process that died (SIGKILL, a crash) is taken over. Returns the release function.
 */
export function lockConfig(path: string): () => void {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return () => {
        try {
          if (readFileSync(lock, "utf8").trim() === String(process.pid)) unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(lock, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new ConfigLockedError(path, pid);
      unlinkSync(lock); // stale
    }
  }
  throw new ConfigLockedError(path, -1);
}
