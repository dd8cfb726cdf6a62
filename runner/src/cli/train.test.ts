import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildCli } from "./main.js";

test("`train --base tunelab-nano --method lora` trains, writes a PEFT folder and prints a JSON summary", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tunelab-cli-"));
  const data = join(dir, "toy.jsonl");
  await writeFile(
    data,
    `${JSON.stringify({ prompt: "Translate 'dog' to French ->", completion: " chien" })}\n`,
  );
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await buildCli().parseAsync(
      [
        "train",
        "--base",
        "tunelab-nano",
        "--data",
        data,
        "--method",
        "lora",
        "--r",
        "4",
        "--steps",
        "3",
        "--backend",
        "cpu",
        "--out",
        join(dir, "adapter"),
      ],
      { from: "user" },
    );
  } finally {
    process.stdout.write = write;
  }
  const summary = JSON.parse(out.join(""));
  assert.equal(summary.method, "lora");
  assert.equal(summary.steps, 3);
  assert.equal(summary.trainable, summary.counts.trainable);
  assert.equal(summary.lossCurve.length, 3);
  assert.ok(summary.measuredPeakBytes > 0 && summary.predictedTotalBytes > 0);
  const config = JSON.parse(await readFile(join(dir, "adapter", "adapter_config.json"), "utf8"));
  assert.equal(config.r, 4);
  assert.ok(existsSync(join(dir, "adapter", "adapter_model.safetensors")));
  await rm(dir, { recursive: true });
});
