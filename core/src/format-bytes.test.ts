import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "./index.js";

test("formatBytes: binary units written KiB/MiB/GiB, three significant digits", () => {
  const cases: [number, string][] = [
    [512, "512 B"],
    [1536, "1.50 KiB"],
    [6_710_000, "6.40 MiB"],
    [25.3e9, "23.6 GiB"], // the same bytes the Runners page and the runner CLI both show
    [16 * 1024 ** 3, "16.0 GiB"],
    [80 * 1024 ** 3, "80.0 GiB"],
    [1.2 * 1024 ** 4, "1.20 TiB"],
  ];
  for (const [bytes, want] of cases) assert.equal(formatBytes(bytes), want, String(bytes));
});
