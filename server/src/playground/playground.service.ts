import { estimate } from "@tunelab/core";
import { codedError, ErrorCode, notFoundError, userInputError, withInputPrefix } from "../api/errors.js";
import type { Events } from "../app/events.js";
import { findBaseModel } from "../base-models/base-model.repository.js";
import { BaseModelStatus } from "../base-models/base-model.entity.js";
import { baseSeeds, commonSeed, DEFAULT_TRAINING_SEED } from "../base-models/preset-seed.js";
import type { Database } from "../db/database.js";
import { findOwnJob } from "../jobs/own-job.js";
import { recordStatus } from "../runs/run-status.js";
import { RunKind, RunStatus } from "../runs/run.entity.js";
import { insertRuns } from "../runs/run.repository.js";
import { isUuid } from "../runs/uuid.js";
import type { PlaygroundSession } from "./playground.entity.js";
import type { GenerationInput, StartPlaygroundInput } from "./playground.input.js";
import { findSession, insertSession, updateOutputs } from "./playground.repository.js";
import { type StartRequest, validateGenerations, validateStart } from "./validate.js";

/** A stand-in method for the base alone in the memory prediction: one rank-1 LoRA matrix, next to nothing. */
const BASE_ALONE = { method: "lora", r: 1, target_modules: ["q_proj"] };

/**
 * The playground: startPlayground stores a session and queues its GENERATE run (dispatched like any run,
 * so a busy runner finishes its job first); the runner reports each output's text so far
 * (reportGenerations) and completes the job.
 */
export class PlaygroundService {
  constructor(
    private readonly db: Database,
    private readonly events: Events,
  ) {}

  async get(id: string): Promise<PlaygroundSession> {
    const session = isUuid(id) ? await this.db.read((m) => findSession(m, id)) : null;
    if (!session) throw notFoundError("playground session", id);
    return session;
  }

  /**
   * Checks everything (errors name the field: `adapterIds[2]`, `sampling.maxTokens`), then stores the
   * session, its outputs and its QUEUED run in one transaction: on any error nothing is stored.
   */
  async start(input: StartPlaygroundInput): Promise<PlaygroundSession> {
    const req = validateStart(input);
    const session = await this.db.write(async (m) => {
      const base = await findBaseModel(m, req.baseModelId);
      if (!base) {
        throw codedError(ErrorCode.NOT_FOUND, `base model ${req.baseModelId} does not exist`, {
          field: "baseModelId",
        });
      }
      if (base.status !== BaseModelStatus.READY) {
        throw userInputError(
          `base model ${base.name} is ${base.status}: it has no weights to generate with`,
          {
            field: "baseModelId",
          },
        );
      }
      const rows: { id: string; base_model_id: string; method_config: Record<string, unknown> }[] =
        await m.query(`SELECT id, base_model_id, method_config FROM adapter WHERE id = ANY($1::uuid[])`, [
          req.adapterIds,
        ]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const methods = req.adapterIds.map((id, i) => {
        const a = byId.get(id);
        if (!a) {
          throw codedError(ErrorCode.NOT_FOUND, `adapter ${id} does not exist`, {
            field: `adapterIds[${i}]`,
          });
        }
        if (a.base_model_id !== base.id) {
          throw userInputError(
            `adapterIds[${i}]: adapter ${id} is for base model ${a.base_model_id}, not ${base.name} (${base.id})`,
            { field: `adapterIds[${i}]` },
          );
        }
        return a.method_config;
      });
      // a preset base is rebuilt from the seed its adapters trained from (preset-seed.ts): one per job
      const seeds = await baseSeeds(m, req.adapterIds);
      const shared = commonSeed(req.adapterIds.map((id) => seeds.get(id)!));
      if ("conflictAt" in shared && base.preset !== null) {
        const i = shared.conflictAt;
        throw userInputError(
          `adapterIds[${i}]: adapter ${req.adapterIds[i]} was trained on ${base.name}'s random weights from seed ` +
            `${seeds.get(req.adapterIds[i]!)}, adapterIds[0] from seed ${seeds.get(req.adapterIds[0]!)}: they do not ` +
            "share a base; try them in separate sessions",
          { field: `adapterIds[${i}]` },
        );
      }
      const baseSeed = "seed" in shared ? shared.seed : DEFAULT_TRAINING_SEED;
      const prediction = predict(base.config, req, methods);
      const [runId] = await insertRuns(m, [
        {
          experimentId: null,
          kind: RunKind.GENERATE,
          name: `playground: ${req.adapterIds.length} adapter${req.adapterIds.length === 1 ? "" : "s"}${req.includeBase ? " + base" : ""}`,
          baseModelId: base.id,
          datasetId: null,
          method: "full",
          methodConfig: { method: "full" },
          // the runner's progress counts tokens: every output's
          hyperparameters: { steps: req.sampling.maxTokens * columnsOf(req).length, seed: baseSeed },
          requiredLabels: [],
          status: RunStatus.QUEUED,
          trainableParams: 0,
          totalParams: prediction.total,
          predictedTotalBytes: prediction.totalBytes,
          predicted: prediction.predicted,
        },
      ]);
      await insertSession(
        m,
        { runId: runId!, baseModelId: base.id, prompt: req.prompt, sampling: req.sampling },
        columnsOf(req),
      );
      await recordStatus(m, runId!, null, RunStatus.QUEUED, "playground");
      return (await findSession(m, runId!))!;
    });
    this.events.publish("RUNS_QUEUED", { runIds: [session.id] });
    this.events.publish("RUN_UPDATED", { runId: session.id, experimentId: null });
    return session;
  }

  /**
   * A runner's report of the outputs' text so far: the job must be the caller's, live, and a GENERATE
   * job; each output must be a column of its session. Returns how many outputs were updated.
   */
  async reportGenerations(runnerId: string, jobId: string, outputs: GenerationInput[]): Promise<number> {
    const runId = await this.db.write(async (m) => {
      const job = await findOwnJob(m, runnerId, jobId, "share", true);
      if (job.kind !== RunKind.GENERATE) {
        throw userInputError(
          `job ${jobId} is a ${job.kind} job, not GENERATE: it has no playground outputs`,
          {
            field: "jobId",
          },
        );
      }
      const session = (await findSession(m, job.runId))!;
      validateGenerations(outputs, session.sampling.maxTokens);
      const unknown = await updateOutputs(
        m,
        job.runId,
        outputs.map((o) => ({
          adapterId: o.adapterId ?? null,
          text: o.text,
          tokenCount: o.tokenCount,
          done: o.done,
          error: o.error ?? null,
        })),
      );
      if (unknown.length > 0) {
        const i = outputs.findIndex((o) => (o.adapterId ?? null) === unknown[0]);
        throw userInputError(
          `outputs[${i}]: ${unknown[0] === null ? "the base alone" : `adapter ${unknown[0]}`} is not an output of this session`,
          { field: `outputs[${i}].adapterId` },
        );
      }
      return job.runId;
    });
    this.events.publish("PLAYGROUND_UPDATED", { runId });
    return outputs.length;
  }
}

/** The session's columns: the base alone first when included, then the adapters in the order asked. */
function columnsOf(req: StartRequest): (string | null)[] {
  return [...(req.includeBase ? [null] : []), ...req.adapterIds];
}

/**
 * What the run may need, by core's memory model: the heaviest column's one-row training step at the
 * prompt's bytes plus maxTokens (a forward pass with its cache needs less than that step: no gradients,
 * no optimizer state). Dispatch places the run by it, as any run.
 */
function predict(
  model: Record<string, unknown>,
  req: StartRequest,
  methods: Record<string, unknown>[],
): {
  total: number;
  totalBytes: number;
  predicted: Record<string, unknown>;
} {
  const maxPositions = Number(model.max_position_embeddings) || 2048;
  const seqLen = Math.min(maxPositions, Buffer.byteLength(req.prompt) + 1 + req.sampling.maxTokens);
  // a column's estimate fails only on what was stored unchecked: name the base, or the adapter
  const columns: [string, Record<string, unknown>][] = [
    ...(req.includeBase || methods.length === 0
      ? [["baseModelId", BASE_ALONE] as [string, Record<string, unknown>]]
      : []),
    ...methods.map((m, i): [string, Record<string, unknown>] => [`adapterIds[${i}]`, m]),
  ];
  const estimates = columns.map(([field, method]) =>
    withInputPrefix(field, () =>
      estimate({ model, method, batchSize: 1, seqLen, optimizer: "sgd", dtype: "float32" }),
    ),
  );
  const heaviest = estimates.reduce((a, b) => (b.memory.total > a.memory.total ? b : a));
  return {
    total: heaviest.parameters.total,
    totalBytes: heaviest.memory.total,
    predicted: {
      trainable: 0,
      total: heaviest.parameters.total,
      trainablePercent: 0,
      targetModules: [],
      memory: heaviest.memory,
    },
  };
}
