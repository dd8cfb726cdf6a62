// `npm start`'s one output mode, chosen by where stdout goes:
// - a terminal: friendly lines for people, one progress line redrawn in place, and of the children's
//   logs only warnings and errors, as "[server] warn: …";
// - anything else (a file, a pipe, CI): one JSON object per line (pino's shape: level, time, name, msg),
//   the children's pino lines passed through with their `name`, plain lines wrapped the same way.
// Secrets are never written here: the admin key stays in its file (server/src/main.ts prints only where).
import { createInterface } from "node:readline";

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const LEVEL_NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k]));

export function createOutput({ stream = process.stdout, tty = Boolean(stream.isTTY), now = Date.now } = {}) {
  let progressShown = false;
  let lastProgress = "";

  const clearProgress = () => {
    if (progressShown) stream.write("\r\x1b[K");
    progressShown = false;
  };
  const json = (level, name, msg, fields = {}) =>
    stream.write(`${JSON.stringify({ level: LEVELS[level], time: now(), name, msg, ...fields })}\n`);

  const say = (level) => (msg, fields) => {
    if (!tty) return json(level, "start", msg, fields);
    clearProgress();
    stream.write(`${level === "info" ? "" : `${level}: `}${msg}\n`);
    if (lastProgress) redraw();
  };
  const redraw = () => {
    stream.write(`\r\x1b[K${lastProgress}`);
    progressShown = true;
  };

  /** One line of a child's output (`name`: server, runner, build). */
  const childLine = (name, line) => {
    if (!line.trim()) return;
    let record = null;
    if (line.startsWith("{")) {
      try {
        record = JSON.parse(line);
      } catch {
        record = null;
      }
    }
    if (!tty) {
      if (record && typeof record.level === "number")
        stream.write(`${JSON.stringify({ name, ...record })}\n`);
      else json("info", name, line);
      return;
    }
    if (record && typeof record.level === "number") {
      if (record.level < LEVELS.warn) return;
      clearProgress();
      stream.write(`[${name}] ${LEVEL_NAMES[record.level] ?? record.level}: ${record.msg ?? line}\n`);
    } else {
      clearProgress();
      stream.write(`[${name}] ${line}\n`);
    }
    if (lastProgress) redraw();
  };

  return {
    tty,
    info: say("info"),
    warn: say("warn"),
    error: say("error"),
    /** A status line that replaces the previous one on a terminal; elsewhere written when it changes. */
    progress(line, fields) {
      if (line === lastProgress) return;
      lastProgress = line;
      if (tty) redraw();
      else json("info", "start", line, fields);
    },
    /** Ends the progress line (a terminal keeps it as the last line written). */
    endProgress() {
      if (tty && progressShown) stream.write("\n");
      progressShown = false;
      lastProgress = "";
    },
    /** Reads a child's stdout or stderr line by line into this output. */
    follow(name, readable) {
      createInterface({ input: readable }).on("line", (line) => childLine(name, line));
    },
    childLine,
  };
}
