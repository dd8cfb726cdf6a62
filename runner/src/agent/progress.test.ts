import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { createProgress } from "./progress.js";

test("progress: plain logs name the job, step/total, loss and ETA; the TTY bars start, update and stop", () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const plain = createProgress(logger, false);
  plain.start("j1", { runId: "run-1", method: "lora", total: 10 });
  const p = { runId: "run-1", method: "lora", total: 10, loss: 2.5, tokensPerSecond: 100, msPerStep: 1000 };
  plain.update("j1", { ...p, step: 1 }); // within the log interval: not logged
  plain.update("j1", { ...p, step: 10 }); // the last step always is
  plain.finish("j1", "succeeded");
  assert.deepEqual(
    lines.map((l) => l.msg),
    ["job started", "progress", "job finished"],
  );
  assert.equal(lines[1]!.step, 10);
  assert.equal(lines[1]!.eta, "0m0s");
  const bars = createProgress(logger, true);
  bars.start("j2", { runId: "run-2", method: "full", total: 5 });
  bars.update("j2", { ...p, runId: "run-2", step: 2, total: 5 });
  bars.finish("j2", "cancelled");
  bars.close();
});
