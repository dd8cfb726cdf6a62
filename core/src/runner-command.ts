/**
 * How a person runs the runner agent: from the root of a Tunelab checkout, through the root package's
 * `runner` script (there is no published package, so `npx tunelab-runner` would ask the registry).
 * The server's registration command, the dashboard and the runner's own hints all print this.
 */
export const RUNNER_COMMAND = "npm run runner --";

/** `npm run runner -- <args>`. */
export function runnerCommand(args: string): string {
  return `${RUNNER_COMMAND} ${args}`;
}
