// The system under test: a real server (PGlite or a throwaway PostgreSQL database) serving the built
// dashboard, and real runner processes.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { type Driver, startTestServer, type TestServer } from "@tunelab/server/dist/testing/test-server.js";
import type { Browser } from "playwright-core";
import { launchBrowser, repoRoot } from "./browser.js";

export type { TestServer };

export const webOut = join(repoRoot, "web", "out");

export function requireWebBuild(): void {
  if (!existsSync(join(webOut, "index.html"))) {
    throw new Error(`the dashboard is not built (${webOut}): run npm run build first`);
  }
}

export async function startStack(driver: Driver): Promise<TestServer> {
  requireWebBuild();
  return startTestServer(driver);
}

/** GraphQL with the admin key; throws on errors. */
export async function api<T>(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const res = await server.gql<T>(query, variables);
  if (res.errors?.length) throw new Error(`GraphQL: ${res.errors.map((e) => e.message).join("; ")}`);
  return res.data as T;
}

export interface RunnerProcess {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

const runnerMain = join(repoRoot, "runner", "dist", "cli", "main.js");

/**
 * Runs the registration command the dashboard shows (`npm run runner -- register …`) exactly as a person
 * pastes it, from the repository root, with a temp config file and a name appended; resolves with the
 * config file. The backend reported is `cpu` unless `backend` says otherwise (null: the one the engine
 * chooses, as a person's register does).
 */
export async function runRegistrationCommand(
  command: string,
  name: string,
  options: { backend?: string | null; env?: Record<string, string> } = {},
): Promise<{ config: string; dir: string }> {
  if (!/^npm run runner -- register /.test(command)) {
    throw new Error(`unexpected registration command: ${command}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "tunelab-e2e-runner-"));
  const config = join(dir, "runner.json");
  const extra = [
    "--name",
    name,
    "--config",
    config,
    ...(options.backend === null ? [] : ["--backend", options.backend ?? "cpu"]),
  ];
  const child = spawn("sh", ["-c", `${command} ${extra.map((a) => `'${a}'`).join(" ")}`], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`runner register exited with ${code}: ${output}`);
  return { config, dir };
}

/** `tunelab-runner start --config …` as a child process. */
export function startRunner(config: string, workDir: string): RunnerProcess {
  const child = spawn(
    process.execPath,
    [
      runnerMain,
      "start",
      "--config",
      config,
      "--work-dir",
      join(workDir, "work"),
      "--log-level",
      "warn",
      // Stream every step at once, so a page can see curves grow while a run trains.
      "--metrics-every-steps",
      "1",
      "--metrics-every-ms",
      "200",
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers a runner the way a person does (a registration token from the API, the command it returns
 * pasted with `name`) and starts it; it trains on the CPU.
 */
export async function registerRunner(server: TestServer, name: string): Promise<RunnerProcess> {
  const token = await api<{ createRegistrationToken: { command: string } }>(
    server,
    `mutation($d: String!) { createRegistrationToken(input: { description: $d }) { command } }`,
    { d: `e2e ${name}` },
  );
  const { config, dir } = await runRegistrationCommand(token.createRegistrationToken.command, name);
  return startRunner(config, dir);
}

export interface Stack {
  server: TestServer;
  browser: Browser;
  /** The runners named in `useStack`'s options, in that order. */
  runners: RunnerProcess[];
}

/**
 * One test file's whole system, started before its tests and stopped after them: the server on `driver`
 * (PostgreSQL unless told) serving the built dashboard, Chromium, and a registered runner per name in
 * `runners`. The fields are filled in when the file's `before` hook has run, so read them inside tests:
 *
 *   const stack = useStack({ runners: ["e2e-trainer"] });
 *   test("…", async () => { const { server, browser } = stack; … });
 */
export function useStack(options: { driver?: Driver; runners?: string[] } = {}): Stack {
  const stack = { runners: [] as RunnerProcess[] } as Stack;
  before(async () => {
    // Each part is kept as soon as it exists, so `after` stops whatever started even if a later part fails.
    const started = await Promise.allSettled([
      startStack(options.driver ?? "pg").then((s) => (stack.server = s)),
      launchBrowser().then((b) => (stack.browser = b)),
    ]);
    for (const s of started) if (s.status === "rejected") throw s.reason;
    for (const name of options.runners ?? []) stack.runners.push(await registerRunner(stack.server, name));
  });
  after(async () => {
    await Promise.all(stack.runners.map((r) => r.stop()));
    await stack.browser?.close();
    await stack.server?.close();
  });
  return stack;
}

/**
 * Polls until every run of an experiment has SUCCEEDED; a FAILED or CANCELLED run fails the test with the
 * runners' output. Returns the runs (name, status).
 */
export async function waitForRuns(
  stack: Stack,
  experimentId: string,
): Promise<{ id: string; name: string; status: string }[]> {
  for (;;) {
    const { experiment } = await api<{
      experiment: { runs: { id: string; name: string; status: string }[] };
    }>(stack.server, "query($id: ID!) { experiment(id: $id) { runs { id name status } } }", {
      id: experimentId,
    });
    const failed = experiment.runs.filter((r) => r.status === "FAILED" || r.status === "CANCELLED");
    if (failed.length > 0) {
      throw new Error(
        `runs did not succeed: ${JSON.stringify(failed)}\n${stack.runners.map((r) => r.output()).join("\n")}`,
      );
    }
    if (experiment.runs.every((r) => r.status === "SUCCEEDED")) return experiment.runs;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
