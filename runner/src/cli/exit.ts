/** An error that ends the command with a message and a chosen exit code (see agent.ts EXIT). */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "CliExit";
  }
}
