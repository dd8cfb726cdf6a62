import pino, { type Logger } from "pino";
import type { LogLevel } from "../config.js";

export type { Logger };

/** JSON lines on stdout; LOG_LEVEL=silent in tests. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: "tunelab-server" } });
}
