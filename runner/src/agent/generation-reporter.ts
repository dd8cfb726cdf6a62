import type { GenerationUpdate } from "../engine/run-generate.js";

/**
 * A GENERATE job's updates on their way to reportGenerations: the latest state of each output, sent at
 * most every `everyMs` (tokens come faster than a round trip), one call at a time, in order. Each call
 * carries whole texts, so a lost or repeated one is harmless: the next replaces it.
 */
export class GenerationReporter {
  private readonly latest = new Map<string, GenerationUpdate>();
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (outputs: GenerationUpdate[]) => Promise<void>,
    private readonly everyMs = 50,
  ) {}

  add(u: GenerationUpdate): void {
    this.latest.set(u.adapterId ?? "", u);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.sendPending();
    }, this.everyMs);
  }

  /** Sends what is pending now and waits until every call made so far has ended. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sendPending();
    await this.sending;
  }

  private sendPending(): void {
    if (this.latest.size === 0) return;
    const batch = [...this.latest.values()];
    this.latest.clear();
    this.sending = this.sending.then(() => this.send(batch));
  }
}
