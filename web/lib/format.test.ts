import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  formatSigned,
  keyConfig,
  liveSummary,
} from "./format.js";

test("formatters: table of cases", () => {
  const cases: [string, string][] = [
    [formatCount(31_488), "31.5K"],
    [formatCount(8_030_261_248), "8.03B"],
    [formatCount(3_584), "3,584"],
    [formatCount(null), "—"],
    [formatBytes(6_710_000), "6.40 MiB"],
    [formatBytes(25.3e9), "23.6 GiB"], // as the runner CLI and API messages (core's formatBytes) say
    [formatBytes(16 * 1024 ** 3), "16.0 GiB"],
    [formatBytes(512), "512 B"],
    [formatPercent(10.2191), "10.22%"],
    [formatPercent(0.1234), "0.123%"],
    [formatPercent(0.00123), "1.2e-3%"],
    [formatDuration(1_900), "1.9 s"],
    [formatDuration(125_000), "2 min 5 s"],
    [formatSigned(0.25), "+0.25"],
    [formatSigned(-0.03362), "-0.03362"],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test("keyConfig: the settings that tell variants of one method apart", () => {
  assert.equal(
    keyConfig({ method: "lora", r: 16, lora_alpha: 8, target_modules: ["q_proj", "v_proj"], bias: "none" }),
    "r=16 α=8 targets=q_proj,v_proj",
  );
  assert.equal(
    keyConfig({ method: "prefix", num_virtual_tokens: 20, prefix_projection: false }),
    "tokens=20 projection=false",
  );
  assert.equal(keyConfig({ method: "adapter", reduction_factor: 16, bottleneck_size: null }), "reduction=16");
  assert.equal(keyConfig({ method: "full" }), "");
});

test("liveSummary: runs in progress by what they do, not all of them 'in progress'", () => {
  assert.equal(liveSummary(["RUNNING", "QUEUED", "QUEUED", "SUCCEEDED"]), "Live: 1 running, 2 queued");
  assert.equal(liveSummary(["ASSIGNED", "RUNNING", "RUNNING"]), "Live: 2 running, 1 starting");
  assert.equal(liveSummary(["SUCCEEDED", "FAILED"]), "");
});
