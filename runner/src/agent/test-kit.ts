import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Test helpers: real `tunelab-runner` processes, their stderr log lines, their exit. */

export const MAIN = join(__dirname, "..", "cli", "main.js");

export interface RunnerProcess {
  proc: ChildProcess;
  /** stderr lines (pino JSON where parseable, else {msg: line}) and stdout text. */
  logs: Record<string, unknown>[];
  stdout: () => string;
  /** Resolves with the first log line `pred` accepts (rejects after `timeoutMs`). */
  waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runCli(args: string[], env: Record<string, string> = {}): RunnerProcess {
  const proc = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, TUNELAB_NO_GPU: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let out = "";
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr!.on("data", (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = { msg: line };
      }
      if (process.env.RUNNER_TEST_VERBOSE) process.stderr.write(`[runner ${proc.pid}] ${line}\n`);
      logs.push(entry);
      for (const w of [...waiters])
        if (w.pred(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    logs,
    stdout: () => out,
    exit,
    waitFor(pred, timeoutMs = 120_000) {
      const found = logs.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching runner log within ${timeoutMs} ms; last: ${JSON.stringify(logs.slice(-5))}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

export const msg = (re: RegExp) => (l: Record<string, unknown>) =>
  typeof l.msg === "string" && re.test(l.msg);

/** Polls `fn` until it returns a truthy value. */
export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Everything under `dir` (itself included) that is not its owner's only: "path mode" for each file not 0600
 * and each folder not 0700. Empty when the runner's umask 077 held.
 */
export function notOwnerOnly(dir: string): string[] {
  const loose: string[] = [];
  const walk = (path: string) => {
    const st = statSync(path);
    const mode = st.mode & 0o777;
    if (mode !== (st.isDirectory() ? 0o700 : 0o600)) loose.push(`${path} ${mode.toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return loose;
}
