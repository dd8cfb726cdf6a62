import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { notOwnerOnly, runCli } from "../agent/test-kit.js";
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

test("`train` writes its adapter under umask 077: files 0600, folders 0700, whatever the shell's umask", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tunelab-cli-"));
  const data = join(dir, "toy.jsonl");
  await writeFile(data, `${JSON.stringify({ text: "a line of text to train on" })}\n`);
  const out = join(dir, "adapter");
  const previous = process.umask(0o022); // the child inherits a permissive umask
  let r: ReturnType<typeof runCli>;
  try {
    r = runCli([
      "train",
      "--base",
      "tunelab-nano",
      "--data",
      data,
      "--method",
      "lora",
      "--r",
      "2",
      "--steps",
      "2",
      "--backend",
      "cpu",
      "--out",
      out,
    ]);
  } finally {
    process.umask(previous);
  }
  assert.equal((await r.exit).code, 0, JSON.stringify(r.logs));
  assert.ok(existsSync(join(out, "adapter_model.safetensors")));
  assert.deepEqual(notOwnerOnly(out), []);
  await rm(dir, { recursive: true });
});

test("`train` that the host cannot hold: the out-of-memory message naming the field, exit 1, no stack trace", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tunelab-cli-"));
  const data = join(dir, "toy.jsonl");
  await writeFile(data, `${JSON.stringify({ text: "a line of text to train on" })}\n`);
  const r = runCli(
    [
      "train",
      "--base",
      "tunelab-nano",
      "--data",
      data,
      "--method",
      "full",
      "--steps",
      "2",
      "--backend",
      "cpu",
    ],
    { TUNELAB_HOST_MEMORY_BYTES: "1000" },
  );
  assert.equal((await r.exit).code, 1);
  const errors = r.logs.map((l) => String(l.msg)).filter((l) => l.startsWith("error"));
  assert.equal(errors.length, 1, JSON.stringify(r.logs));
  assert.match(
    errors[0]!,
    /^error \(base\): full fine-tuning at batch 4 × \d+ tokens needs \d+ MiB \(predicted\); this host has 0 MiB available — even qlora with gradient checkpointing and batch size 1 needs \d+ MiB;/,
  );
  assert.ok(!r.logs.some((l) => /^\s+at /.test(String(l.msg))), "no stack trace");
  assert.equal(r.stdout(), "", "no summary");
  await rm(dir, { recursive: true });
});
