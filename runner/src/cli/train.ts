import type { Dtype } from "@tunelab/core";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { initBackend } from "../engine/backend.js";
import { runTraining, type TrainingJob, type TrainingResult } from "../engine/run-training.js";

/** `train` (fine-tune a base folder or preset) and `pretrain` (a preset from scratch, packed text). */

interface CommonFlags {
  data: string;
  steps: string;
  batchSize: string;
  gradAccum: string;
  lr: string;
  warmup: string;
  maxSeqLen: string;
  packing?: boolean;
  evalFraction: string;
  evalEvery: string;
  seed: string;
  out?: string;
  checkpointDir?: string;
  checkpointEvery: string;
  resume?: string;
  backend?: string;
  gradientCheckpointing?: boolean;
}

interface TrainFlags extends CommonFlags {
  base: string;
  method: string;
  r?: string;
  loraAlpha?: string;
  loraDropout?: string;
  targetModules?: string;
  bias?: string;
  useRslora?: boolean;
  useDora?: boolean;
  methodJson?: string;
  dtype: string;
}

function common(cmd: Command, lr: string): Command {
  return cmd
    .requiredOption("--data <file.jsonl>", 'JSONL of {"text"} or {"prompt","completion"} rows')
    .option("--steps <n>", "optimizer steps", "100")
    .option("--batch-size <n>", "examples per micro-batch", "4")
    .option("--grad-accum <n>", "micro-batches per step", "1")
    .option("--lr <x>", "peak learning rate", lr)
    .option("--warmup <n>", "linear warm-up steps (then cosine)", "0")
    .option("--max-seq-len <n>", "tokens per example", "256")
    .option("--packing", "concatenate examples into full rows")
    .option("--eval-fraction <x>", "held-out fraction", "0")
    .option("--eval-every <n>", "steps between evaluations", "0")
    .option("--seed <n>", "seed of data order, init and dropout", "42")
    .option("--out <dir>", "output folder (HF model folder for full, PEFT folder otherwise)")
    .option("--checkpoint-dir <dir>", "write resumable checkpoints here")
    .option("--checkpoint-every <n>", "steps between checkpoints", "0")
    .option("--resume <dir>", "resume from a checkpoint folder")
    .option(
      "--backend <name>",
      "tensorflow-gpu | tensorflow | native | wasm | cpu (default: first that loads)",
    )
    .option("--gradient-checkpointing", "recompute each layer in the backward pass");
}

export function registerTrain(program: Command): void {
  common(
    program
      .command("train")
      .description("fine-tune locally, without a server")
      .requiredOption("--base <dir|preset>", "HF model folder or core preset name")
      .option("--method <name>", "full | lora | qlora | dora | ia3 | adapter | prefix | prompt", "lora")
      .option("--r <n>", "LoRA rank")
      .option("--lora-alpha <n>", "LoRA alpha")
      .option("--lora-dropout <x>", "dropout on the LoRA path")
      .option("--target-modules <list>", 'comma-separated module names, or "all-linear"')
      .option("--bias <kind>", "none | all | lora_only")
      .option("--use-rslora", "scale by alpha/√r")
      .option("--use-dora", "DoRA magnitudes on lora or qlora (QDoRA: over the NF4 base)")
      .option("--method-json <json>", "any further PEFT config keys as JSON")
      .option(
        "--dtype <name>",
        "storage of frozen weights: float32 | bfloat16 | float16 (16 bits: what trains stays float32)",
        "float32",
      ),
    "2e-4",
  ).action(async (flags: TrainFlags) => {
    const method: TrainingJob["method"] = { method: flags.method, ...JSON.parse(flags.methodJson ?? "{}") };
    if (flags.r) method.r = Number(flags.r);
    if (flags.loraAlpha) method.lora_alpha = Number(flags.loraAlpha);
    if (flags.loraDropout) method.lora_dropout = Number(flags.loraDropout);
    if (flags.targetModules)
      method.target_modules =
        flags.targetModules === "all-linear" ? "all-linear" : flags.targetModules.split(",");
    if (flags.bias) method.bias = flags.bias;
    if (flags.useRslora) method.use_rslora = true;
    if (flags.useDora) method.use_dora = true;
    const common = job(flags);
    const options = { ...common.options, dtype: flags.dtype as Dtype }; // the engine refuses an unknown one
    await execute(flags, { ...common, base: flags.base, method, options });
  });
}

export function registerPretrain(program: Command): void {
  common(
    program
      .command("pretrain")
      .description("pretrain a model from scratch on a text corpus (full training, packed rows)")
      .requiredOption("--preset <name>", "core model preset, e.g. tunelab-tiny"),
    "1e-3",
  ).action(async (flags: CommonFlags & { preset: string }) => {
    await execute(flags, { ...job(flags), base: flags.preset, method: { method: "full" }, packing: true });
  });
}

function job(f: CommonFlags): Omit<TrainingJob, "base" | "method"> {
  return {
    data: f.data,
    steps: Number(f.steps),
    maxSeqLen: Number(f.maxSeqLen),
    packing: f.packing ?? false,
    evalFraction: Number(f.evalFraction),
    outputDir: f.out,
    checkpointDir: f.checkpointDir,
    resumeFrom: f.resume,
    options: {
      batchSize: Number(f.batchSize),
      accumulation: Number(f.gradAccum),
      lr: Number(f.lr),
      warmupSteps: Number(f.warmup),
      evalEvery: Number(f.evalEvery),
      checkpointEvery: Number(f.checkpointEvery),
      seed: Number(f.seed),
      gradientCheckpointing: f.gradientCheckpointing ?? false,
    },
  };
}

async function execute(flags: CommonFlags, j: TrainingJob): Promise<void> {
  const backend = await initBackend(flags.backend);
  process.stderr.write(
    `backend: ${backend.source}${backend.skipped.length ? ` (skipped ${backend.skipped.join("; ")})` : ""}\n`,
  );
  const bar = new SingleBar({
    format: "{bar} {value}/{total} steps | loss {loss} | {tps} tok/s | ETA {eta_formatted}",
    stream: process.stderr,
    hideCursor: true,
  });
  const controller = new AbortController();
  const interrupt = () => controller.abort(); // Ctrl-C stops after the current step, still summarised
  process.once("SIGINT", interrupt);
  bar.start(j.steps, 0, { loss: "-", tps: "-" });
  let result: TrainingResult;
  try {
    result = await runTraining(j, {
      signal: controller.signal,
      onMetrics: (m) =>
        bar.update(m.step, { loss: m.trainLoss.toFixed(4), tps: Math.round(m.tokensPerSecond) }),
    });
  } finally {
    bar.stop();
    process.off("SIGINT", interrupt);
  }
  const { history, predicted, ...summary } = result;
  const out = {
    ...summary,
    predictedTotalBytes: predicted.total,
    predicted,
    lossCurve: history.map((m) => m.trainLoss),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
