import { MultiBar, type SingleBar } from "cli-progress";
import type { Logger } from "pino";

/**
 * The operator's view: on a TTY a live line per job (run, method, step/total, loss, tokens/s, ETA);
 * otherwise one structured log line per job every `logEveryMs`, and at the start and end of each job.
 */

export interface JobProgress {
  runId: string;
  method: string;
  step: number;
  total: number;
  loss: number;
  tokensPerSecond: number;
  msPerStep: number;
}

export interface Progress {
  /** Where job start/progress/finish lines go (set after the logger that writes through `write`). */
  logger: Logger | null;
  start(jobId: string, p: Omit<JobProgress, "step" | "loss" | "tokensPerSecond" | "msPerStep">): void;
  update(jobId: string, p: JobProgress): void;
  finish(jobId: string, outcome: string): void;
  close(): void;
  /** Writes a log line without tearing the live lines (a pino destination on a TTY). */
  write(line: string): void;
}

export function createProgress(logger: Logger | null, tty = Boolean(process.stderr.isTTY)): Progress {
  return tty ? new BarProgress(logger) : new LogProgress(logger);
}

function eta(p: JobProgress): string {
  const s = Math.round(((p.total - p.step) * p.msPerStep) / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : `${Math.floor(s / 60)}m${s % 60}s`;
}

class BarProgress implements Progress {
  private readonly multi = new MultiBar({
    format: "{run} {method} {bar} {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta}",
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  private readonly bars = new Map<string, SingleBar>();

  constructor(public logger: Logger | null) {}

  write(line: string): void {
    if (this.bars.size > 0) this.multi.log(line.endsWith("\n") ? line : `${line}\n`);
    else process.stderr.write(line);
  }

  start(jobId: string, p: { runId: string; method: string; total: number }): void {
    this.bars.set(
      jobId,
      this.multi.create(p.total, 0, {
        run: p.runId.slice(0, 8),
        method: p.method,
        loss: "-",
        tps: "-",
        eta: "-",
      }),
    );
  }

  update(jobId: string, p: JobProgress): void {
    this.bars.get(jobId)?.update(p.step, {
      loss: p.loss.toFixed(4),
      tps: Math.round(p.tokensPerSecond),
      eta: eta(p),
    });
  }

  finish(jobId: string, outcome: string): void {
    const bar = this.bars.get(jobId);
    if (bar) this.multi.remove(bar);
    this.bars.delete(jobId);
    this.logger?.info({ jobId, outcome }, "job finished");
  }

  close(): void {
    this.multi.stop();
    this.bars.clear();
  }
}

class LogProgress implements Progress {
  private readonly last = new Map<string, number>();

  constructor(
    public logger: Logger | null,
    private readonly logEveryMs = 10_000,
  ) {}

  write(line: string): void {
    process.stderr.write(line);
  }

  start(jobId: string, p: { runId: string; method: string; total: number }): void {
    this.last.set(jobId, Date.now());
    this.logger?.info({ jobId, runId: p.runId, method: p.method, steps: p.total }, "job started");
  }

  update(jobId: string, p: JobProgress): void {
    const last = this.last.get(jobId) ?? 0;
    if (Date.now() - last < this.logEveryMs && p.step < p.total) return;
    this.last.set(jobId, Date.now());
    this.logger?.info(
      {
        jobId,
        runId: p.runId,
        method: p.method,
        step: p.step,
        total: p.total,
        loss: Number(p.loss.toFixed(4)),
        tokensPerSecond: Math.round(p.tokensPerSecond),
        eta: eta(p),
      },
      "progress",
    );
  }

  finish(jobId: string, outcome: string): void {
    this.last.delete(jobId);
    this.logger?.info({ jobId, outcome }, "job finished");
  }

  close(): void {}
}
