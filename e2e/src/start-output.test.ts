// npm start's one output mode (scripts/lib/output.mjs): friendly lines on a terminal, JSON lines otherwise.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./support/browser.js";

interface Output {
  info(msg: string, fields?: Record<string, unknown>): void;
  progress(line: string): void;
  endProgress(): void;
  childLine(name: string, line: string): void;
}

async function capture(tty: boolean, use: (out: Output) => void): Promise<string> {
  const { createOutput } = (await import(
    pathToFileURL(join(repoRoot, "scripts", "lib", "output.mjs")).href
  )) as {
    createOutput(o: object): Output;
  };
  let written = "";
  const stream = { write: (s: string) => (written += s), isTTY: tty };
  use(createOutput({ stream, tty, now: () => 1000 }));
  return written;
}

const pinoInfo = JSON.stringify({ level: 30, time: 1, pid: 7, msg: "listening" });
const pinoWarn = JSON.stringify({
  level: 40,
  time: 1,
  pid: 7,
  msg: "created the admin API key (ADMIN): in /d/admin-key",
});

const script = (out: Output) => {
  out.info("Tunelab is up", { url: "http://127.0.0.1:4000/" });
  out.childLine("server", pinoInfo);
  out.childLine("server", pinoWarn);
  out.childLine("build", "dashboard up to date (web/out): build skipped");
  out.progress("demo: 0/5 runs finished");
  out.progress("demo: 0/5 runs finished");
  out.progress("demo: 1/5 runs finished");
  out.endProgress();
};

test("not a terminal: one JSON record per line (children's pino lines with their name), no cursor codes", async () => {
  const written = await capture(false, script);
  assert.ok(!written.includes("\x1b") && !written.includes("\r"), "no cursor codes");
  const records = written
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    records.map((r) => [r.name, r.level, r.msg]),
    [
      ["start", 30, "Tunelab is up"],
      ["server", 30, "listening"],
      ["server", 40, "created the admin API key (ADMIN): in /d/admin-key"],
      ["build", 30, "dashboard up to date (web/out): build skipped"],
      ["start", 30, "demo: 0/5 runs finished"],
      ["start", 30, "demo: 1/5 runs finished"],
    ],
  );
  assert.equal(records[0]!.url, "http://127.0.0.1:4000/");
});

test("a terminal: friendly lines, children's warnings only, one progress line redrawn in place", async () => {
  const written = await capture(true, script);
  assert.doesNotMatch(written, /\{"level"/, "no raw JSON on a terminal");
  assert.doesNotMatch(written, /listening/, "children's info lines stay out of the way");
  assert.match(written, /^Tunelab is up\n/);
  assert.match(written, /\[server\] warn: created the admin API key/);
  assert.ok(written.endsWith("\r\x1b[Kdemo: 1/5 runs finished\n"), JSON.stringify(written));
});
