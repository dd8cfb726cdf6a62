/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** One file of an adapter folder. */
export type AdapterFileInput = {
  /** The file's bytes, base64 (small files: the GraphQL body limit is 256 KiB). */
  contentBase64?: string | null | undefined;
  /** adapter_config.json, and adapter_model.safetensors (PEFT) or adapter.safetensors (a bottleneck adapter in the adapters library's layout). */
  name: string;
  /** Instead of contentBase64: the id POST /uploads answered for the file; used up by this call. */
  uploadId?: string | number | null | undefined;
};

/** Every field given narrows the list; none given lists every adapter. */
export type AdapterFilter = {
  baseModelId?: string | number | null | undefined;
  /** Adapters trained by this experiment's runs. */
  experimentId?: string | number | null | undefined;
  /** A method name: "lora", "dora", "prefix", … */
  method?: string | null | undefined;
};

export type AdapterSource =
  | 'IMPORT'
  | 'RUN';

/** What an API key may do. */
export type ApiKeyScope =
  | 'ADMIN'
  | 'READ'
  | 'READ_WRITE';

export type ArtifactKind =
  | 'ADAPTER'
  | 'CHECKPOINT'
  | 'MODEL';

export type BaseModelStatus =
  | 'FAILED'
  | 'PENDING'
  | 'READY';

export type CreateApiKeyInput = {
  /** What the key is for (1 to 100 characters), e.g. 'dashboard' or 'ci'. */
  name: string;
  scope?: ApiKeyScope;
};

/** Exactly one of preset or config; hostPath (with config) names a folder on the runners. */
export type CreateBaseModelInput = {
  /** A Hugging Face config.json. */
  config?: Record<string, unknown> | null | undefined;
  /** A Hugging Face folder on the runner hosts. */
  hostPath?: string | null | undefined;
  name: string;
  /** A core preset name, e.g. "tunelab-tiny". */
  preset?: string | null | undefined;
};

export type CreateDatasetInput = {
  /** The file's text: JSONL lines of {text} or {prompt, completion}, or CSV with that header. Inline content must fit the GraphQL body limit (256 KiB); a larger file goes to POST /uploads and is given as contentUploadId. */
  content?: string | null | undefined;
  /** Instead of content: the id POST /uploads answered for the file (UTF-8); used up by this call. */
  contentUploadId?: string | number | null | undefined;
  /** Share of rows held out for eval, in [0, 0.5]. */
  evalFraction?: number;
  format: DatasetFormat;
  name: string;
  /** Seed of the train/eval split. */
  splitSeed?: number;
};

export type CreateExperimentInput = {
  baseModelId: string | number;
  /** The examples to train on; a PROFILE experiment may leave it out (it trains on random tokens). */
  datasetId?: string | number | null | undefined;
  description?: string;
  hyperparameters: HyperparametersInput;
  /** PROFILE: each variant trains `steps` steps (5 is plenty) on seeded random tokens of batchSize × seqLen to measure memory and speed; no eval, samples or adapter. */
  kind?: ExperimentKind;
  name: string;
  /** Turns the variants into a sweep: every variant × every combination (see SweepInput). */
  sweep?: SweepInput | null | undefined;
  variants: Array<VariantInput>;
};

export type CreateRegistrationTokenInput = {
  /** Which host or pool it is for (at most 200 characters). */
  description?: string;
  /** Lifetime in seconds (1 to 31,536,000). */
  expiresInSeconds?: number;
  /** Consumed by the first runner that registers with it. */
  singleUse?: boolean;
};

/** How createDataset's content is encoded. */
export type DatasetFormat =
  | 'CSV'
  | 'JSONL';

export type DatasetKind =
  | 'PROMPT_COMPLETION'
  | 'TEXT';

export type DatasetSplit =
  | 'EVAL'
  | 'TRAIN';

/** Adapters of one base model to measure on a dataset's eval split: eval loss, forgetting on a general set, samples. */
export type EvaluateAdaptersInput = {
  /** 1 to 16 adapters, all of one base model. */
  adapterIds: Array<string | number>;
  /** Eval examples per forward pass. */
  batchSize?: number;
  /** Its EVAL rows are what the loss is measured on. */
  datasetId: string | number;
  /** General text: loss without and with each adapter. */
  generalDatasetId?: string | number | null | undefined;
  /** Default: "Evaluate 3 adapters on <dataset>". */
  name?: string | null | undefined;
  /** Prompts each adapter completes (greedy). */
  samplePrompts?: Array<string>;
  /** Tokens per example (longer ones are cut). Default 256, or the base's max_position_embeddings. */
  seqLen?: number | null | undefined;
};

export type ExperimentKind =
  | 'EVALUATION'
  | 'PROFILE'
  | 'TRAIN';

/** A model (model or baseModelId), a budget (budgetBytes or runnerId) and the grid to predict. Lists are bounded (see each field). */
export type FitInput = {
  /** A registered base model's config (needs a read key). */
  baseModelId?: string | number | null | undefined;
  /** Batch sizes of the grid: 1 to 6 distinct values, each 1 to 4096. Default 1, 4, 16, 64. */
  batchSizes?: Array<number> | null | undefined;
  /** The memory budget in bytes (a positive number). */
  budgetBytes?: number | null | undefined;
  /** Storage of frozen weights: float32, bfloat16 or float16. Full fine-tuning trains every weight and stays float32 (its `dtype` says so). */
  dtype?: string;
  /** Method objects as `estimate` takes them (at most 8). Default: every method of `methods` with its defaults. */
  methods?: Array<Record<string, unknown>> | null | undefined;
  /** A preset name (see modelPresets, e.g. "Llama-3-8B") or a Hugging Face config.json object. */
  model?: unknown;
  /** One of "adamw", "sgd", "sgd-momentum". */
  optimizer?: string;
  /** A registered runner whose largest device is the budget (needs a read key). */
  runnerId?: string | number | null | undefined;
  /** Sequence lengths of the grid: 1 to 4 distinct values, each at most the model's max_position_embeddings. Default: the three largest powers of two up to min(max_position_embeddings, 4096). */
  seqLens?: Array<number> | null | undefined;
};

/** What every run of an experiment shares. */
export type HyperparametersInput = {
  /** Examples per step (before gradient accumulation). */
  batchSize: number;
  /** Upload a checkpoint every N steps; 0 = never. */
  checkpointEvery?: number;
  /** Storage of frozen weights: float32, bfloat16 or float16 (what trains stays float32). */
  dtype?: string;
  /** Evaluate every N steps; 0 = at the end only. */
  evalEvery?: number;
  /** General text whose loss before/after measures forgetting. */
  generalDatasetId?: string | number | null | undefined;
  gradientAccumulation?: number;
  gradientCheckpointing?: boolean;
  learningRate: number;
  /** One of "adamw", "sgd", "sgd-momentum". */
  optimizer?: string;
  /** Prompts the runner generates from at each eval. */
  samplePrompts?: Array<string>;
  seed?: number;
  /** Tokens per example. */
  seqLen: number;
  /** Optimizer steps. */
  steps: number;
  warmupSteps?: number;
};

/** An adapter folder to import against a registered base model: PEFT's, or a bottleneck adapter in the adapters library's layout. */
export type ImportAdapterInput = {
  baseModelId: string | number;
  /** adapter_config.json and the weights: adapter_model.safetensors or adapter.safetensors. */
  files: Array<AdapterFileInput>;
  /** Where it came from, what it is (up to 2,000 characters). */
  note?: string | null | undefined;
};

export type RunKind =
  | 'EVALUATE'
  | 'GENERATE'
  | 'MERGE'
  | 'PRETRAIN'
  | 'PROFILE'
  | 'TRAIN';

export type RunStatus =
  | 'ASSIGNED'
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type RunnerStatus =
  | 'BUSY'
  | 'OFFLINE'
  | 'ONLINE';

/** How tokens are picked; every field has a default (greedy, 64 tokens). */
export type SamplingInput = {
  /** New tokens per output, 1 to 512. */
  maxTokens?: number;
  /** The sampler's seed, 0 to 2³¹ − 1. */
  seed?: number;
  /** 0: greedy; up to 5: sampling at this temperature. */
  temperature?: number;
  /** Sample among the k most likely tokens (0: all; ≤ 1000). */
  topK?: number;
};

/** A prompt for a base model and up to 6 of its adapters (and the base alone). */
export type StartPlaygroundInput = {
  /** 0 to 6 adapters of this base model, each once. */
  adapterIds?: Array<string | number>;
  baseModelId: string | number;
  /** Also complete the prompt with the base model alone. */
  includeBase?: boolean;
  /** 1 to 4,000 characters. */
  prompt: string;
  /** Default: greedy, 64 tokens. */
  sampling?: SamplingInput | null | undefined;
};

/** A grid or seeded random sample crossed with every variant: a hyperparameter applies to every run, a method field to the runs whose method has it, a swept `method` replaces the variant's method; duplicate runs are dropped. */
export type SweepInput = {
  /** RANDOM: how many distinct runs to draw. */
  count?: number | null | undefined;
  /** `{ "r": { "values": [4, 8, 16] }, "learningRate": { "values": [1e-4, 3e-4] }, "method": { "values": ["lora", "qlora"] } }`: keys are hyperparameters (HyperparametersInput names), method fields (PEFT key names) or `method`; the first key varies slowest. */
  parameters: Record<string, unknown>;
  /** RANDOM: the sampler's seed, 0 to 2³²−1 (same seed, same runs); default: drawn and stored. */
  seed?: number | null | undefined;
  strategy?: SweepStrategy;
};

export type SweepStrategy =
  /** Every combination of the values. */
  | 'GRID'
  /** count distinct combinations, drawn reproducibly with seed. */
  | 'RANDOM';

/** One method to train: becomes one run. */
export type VariantInput = {
  /** `{ method: "lora", r: 8, … }` with PEFT's key names; missing fields take PEFT's defaults. With peftConfig, only `{ method: "qlora", bnb_4bit_… }` (train that adapter over an NF4 base). */
  method?: Record<string, unknown> | null | undefined;
  /** Defaults to the method's name. */
  name?: string | null | undefined;
  /** A PEFT adapter_config.json (LORA incl. use_dora, rank_pattern, alpha_pattern, layers_to_transform; PREFIX_TUNING, PROMPT_TUNING, IA3) to train instead of `method`; a field Tunelab does not support is an error naming it. */
  peftConfig?: Record<string, unknown> | null | undefined;
  /** Labels a runner must carry to take this run. */
  requiredLabels?: Array<string> | null | undefined;
  /** This variant's own method fields to sweep, `{ "r": { "values": [4, 8] } }`, crossed with the experiment's sweep. */
  sweep?: Record<string, unknown> | null | undefined;
};

export type MetricsQueryVariables = Exact<{
  runIds: Array<string | number> | string | number;
  keys?: Array<string> | string | null | undefined;
  maxPoints: number;
}>;


export type MetricsQuery = { metrics: Array<{ runId: string, key: string, totalPoints: number, steps: Array<number>, values: Array<number>, wallTimesMs: Array<number> }> };

export type MetricsAppendedSubscriptionVariables = Exact<{
  runId: string | number;
}>;


export type MetricsAppendedSubscription = { metricsAppended: Array<{ runId: string, key: string, step: number, value: number, wallTimeMs: number | null }> };

export type AdapterFilterChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type AdapterFilterChoicesQuery = { baseModels: { edges: Array<{ node: { id: string, name: string } }> }, experiments: { edges: Array<{ node: { id: string, name: string } }> }, methods: Array<{ method: string, name: string }> };

export type AdapterQueryVariables = Exact<{
  id: string | number;
}>;


export type AdapterQuery = { adapter: { id: string, method: string, methodConfig: Record<string, unknown>, source: AdapterSource, createdAt: string, importedBy: string | null, note: string | null, trainableParams: number, sizeBytes: number, evalLoss: number | null, forgettingDelta: number | null, downloadUrl: string, baseModel: { id: string, name: string }, run: { id: string, name: string, status: RunStatus, experiment: { id: string, name: string } | null, dataset: { id: string, name: string } | null } | null, files: Array<{ name: string, sizeBytes: number, sha256: string, downloadUrl: string }> } };

export type AdaptersQueryVariables = Exact<{
  filter?: AdapterFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AdaptersQuery = { adapters: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, method: string, methodConfig: Record<string, unknown>, source: AdapterSource, createdAt: string, importedBy: string | null, note: string | null, trainableParams: number, sizeBytes: number, evalLoss: number | null, forgettingDelta: number | null, baseModel: { id: string, name: string }, run: { id: string, name: string, experiment: { id: string, name: string } | null } | null } }> } };

export type EvaluateDatasetsQueryVariables = Exact<{ [key: string]: never; }>;


export type EvaluateDatasetsQuery = { datasets: { edges: Array<{ node: { id: string, name: string, evalRowCount: number } }> } };

export type EvaluateAdaptersMutationVariables = Exact<{
  input: EvaluateAdaptersInput;
}>;


export type EvaluateAdaptersMutation = { evaluateAdapters: { id: string } };

export type ImportBaseModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ImportBaseModelsQuery = { baseModels: { edges: Array<{ node: { id: string, name: string, status: BaseModelStatus } }> } };

export type ImportAdapterMutationVariables = Exact<{
  input: ImportAdapterInput;
}>;


export type ImportAdapterMutation = { importAdapter: { id: string } };

export type MergeAdapterMutationVariables = Exact<{
  adapterId: string | number;
  name: string;
}>;


export type MergeAdapterMutation = { mergeAdapter: { id: string, name: string, status: BaseModelStatus, mergeRunId: string | null } };

export type ApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiKeysQuery = { apiKeys: { edges: Array<{ node: { id: string, name: string, scope: ApiKeyScope, keyHint: string, createdAt: string, lastUsedAt: string | null, revokedAt: string | null } }> } };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { createApiKey: { key: string, apiKey: { id: string, name: string, scope: ApiKeyScope, keyHint: string } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiKeyMutation = { revokeApiKey: { id: string, revokedAt: string | null } };

export type ExperimentAdaptersQueryVariables = Exact<{
  experimentId: string | number;
}>;


export type ExperimentAdaptersQuery = { adapters: { edges: Array<{ node: { id: string, runId: string | null } }> } };

export type CompareQueryVariables = Exact<{
  experimentId?: string | number | null | undefined;
  runIds?: Array<string | number> | string | number | null | undefined;
}>;


export type CompareQuery = { compare: Array<{ runId: string, experimentId: string | null, name: string, kind: RunKind, inputAdapterId: string | null, method: string, methodConfig: Record<string, unknown>, sweepValues: Record<string, unknown> | null, status: RunStatus, steps: number | null, trainableParams: number, totalParams: number, trainablePercent: number, predictedMemory: Record<string, unknown>, predictedTotalBytes: number, measuredPeakBytes: number | null, peakOverPredicted: number | null, finalTrainLoss: number | null, bestTrainLoss: number | null, finalEvalLoss: number | null, bestEvalLoss: number | null, tokensPerSecond: number | null, startedAt: string | null, durationMs: number | null, forgettingDelta: number | null, samples: Array<{ prompt: string, output: string, step: number }> }> };

export type ExperimentNameQueryVariables = Exact<{
  id: string | number;
}>;


export type ExperimentNameQuery = { experiment: { id: string, name: string, description: string, hyperparameters: Record<string, unknown>, dataset: { name: string } | null, baseModel: { name: string }, runs: Array<{ id: string }>, sweep: { fields: Array<string> } | null } };

export type RunUpdatedSubscriptionVariables = Exact<{
  experimentId: string | number;
}>;


export type RunUpdatedSubscription = { runUpdated: { id: string, status: RunStatus } };

export type ExperimentPickerQueryVariables = Exact<{ [key: string]: never; }>;


export type ExperimentPickerQuery = { experiments: { edges: Array<{ node: { id: string, name: string, statusCounts: { total: number, succeeded: number } } }> } };

export type CostProfilesQueryVariables = Exact<{
  id: string | number;
}>;


export type CostProfilesQuery = { experiment: { id: string, kind: ExperimentKind, runs: Array<{ id: string, name: string, method: string, status: RunStatus, statusReason: string | null, predicted: Record<string, unknown>, costProfile: { peakBytes: number, frozenBytes: number, trainableBytes: number, gradientBytes: number, optimizerBytes: number, activationBytes: number, msPerStep: number, tokensPerSecond: number, steps: number, randomWeights: boolean } | null }> } };

export type DatasetPreviewQueryVariables = Exact<{
  id: string | number;
}>;


export type DatasetPreviewQuery = { dataset: { id: string, name: string, kind: DatasetKind, rowCount: number, rows: Array<{ index: number, line: number, split: DatasetSplit, text: string | null, prompt: string | null, completion: string | null }> } };

export type DatasetsQueryVariables = Exact<{ [key: string]: never; }>;


export type DatasetsQuery = { datasets: { totalCount: number, edges: Array<{ node: { id: string, name: string, kind: DatasetKind, format: DatasetFormat, rowCount: number, trainRowCount: number, evalRowCount: number, sizeBytes: number, contentHash: string, createdAt: string } }> } };

export type CreateDatasetMutationVariables = Exact<{
  input: CreateDatasetInput;
}>;


export type CreateDatasetMutation = { createDataset: { id: string, name: string, rowCount: number, trainRowCount: number, evalRowCount: number } };

export type EstimateQueryVariables = Exact<{
  model: unknown;
  method: Record<string, unknown>;
  batchSize: number;
  seqLen: number;
  dtype: string;
  optimizer: string;
  gradientCheckpointing: boolean;
}>;


export type EstimateQuery = { estimate: { targetModules: Array<string>, parameters: { trainable: number, total: number, trainablePercent: number, peftLine: string }, memory: { frozenWeights: number, quantConstants: number, trainableWeights: number, gradients: number, optimizerState: number, activations: number, total: number } } };

export type ExperimentsQueryVariables = Exact<{ [key: string]: never; }>;


export type ExperimentsQuery = { experiments: { totalCount: number, edges: Array<{ node: { id: string, name: string, description: string, createdAt: string, dataset: { id: string, name: string } | null, baseModel: { id: string, name: string }, statusCounts: { queued: number, assigned: number, running: number, succeeded: number, failed: number, cancelled: number, total: number }, runs: Array<{ id: string, name: string, method: string, status: RunStatus }> } }> } };

export type NewExperimentDataQueryVariables = Exact<{ [key: string]: never; }>;


export type NewExperimentDataQuery = { datasets: { edges: Array<{ node: { id: string, name: string, kind: DatasetKind, rowCount: number } }> }, baseModels: { edges: Array<{ node: { id: string, name: string, status: BaseModelStatus, preset: string | null, config: Record<string, unknown> } }> }, methods: Array<{ method: string, name: string, description: string, fields: Array<{ name: string, type: string, default: unknown, allowed: Array<string> | null, description: string, min: number | null, max: number | null }> }>, modelPresets: Array<{ name: string, local: boolean, parameters: number }> };

export type CreateExperimentMutationVariables = Exact<{
  input: CreateExperimentInput;
}>;


export type CreateExperimentMutation = { createExperiment: { id: string, name: string, runs: Array<{ id: string }> } };

export type PlanExperimentQueryVariables = Exact<{
  input: CreateExperimentInput;
}>;


export type PlanExperimentQuery = { planExperiment: { combinations: number, runs: Array<{ name: string }> } };

export type CreateBaseModelMutationVariables = Exact<{
  input: CreateBaseModelInput;
}>;


export type CreateBaseModelMutation = { createBaseModel: { id: string, name: string } };

export type FitChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type FitChoicesQuery = { modelPresets: Array<{ name: string, parameters: number, local: boolean }>, gpuMemorySizes: Array<{ name: string, memoryBytes: number }>, methods: Array<{ method: string, name: string }> };

export type FitStoredChoicesQueryVariables = Exact<{ [key: string]: never; }>;


export type FitStoredChoicesQuery = { baseModels: { edges: Array<{ node: { id: string, name: string, status: BaseModelStatus } }> }, runners: { edges: Array<{ node: { id: string, name: string, status: RunnerStatus, maxDeviceMemoryBytes: number, devices: Array<{ name: string, memoryBytes: number }> } }> } };

export type FitQueryVariables = Exact<{
  input: FitInput;
}>;


export type FitQuery = { fit: { figuresFor: string, modelName: string | null, parameters: number, budgetBytes: number, budgetSource: string, dtype: string, batchSizes: Array<number>, seqLens: Array<number>, maxSearchBatch: number, methods: Array<{ method: Record<string, unknown>, name: string, dtype: string, note: string | null, trainableParameters: number, withoutCheckpointing: { gradientCheckpointing: boolean, rows: Array<{ seqLen: number, unavailable: string | null, largestBatch: number | null, largestBatchPeakBytes: number | null, nextBatchPeakBytes: number | null, reachedCap: boolean, cells: Array<{ batchSize: number, peakBytes: number, fits: boolean }> }> }, withCheckpointing: { gradientCheckpointing: boolean, rows: Array<{ seqLen: number, unavailable: string | null, largestBatch: number | null, largestBatchPeakBytes: number | null, nextBatchPeakBytes: number | null, reachedCap: boolean, cells: Array<{ batchSize: number, peakBytes: number, fits: boolean }> }> } }> } };

export type FitGridFieldsFragment = { gradientCheckpointing: boolean, rows: Array<{ seqLen: number, unavailable: string | null, largestBatch: number | null, largestBatchPeakBytes: number | null, nextBatchPeakBytes: number | null, reachedCap: boolean, cells: Array<{ batchSize: number, peakBytes: number, fits: boolean }> }> };

export type PlaygroundBaseModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type PlaygroundBaseModelsQuery = { baseModels: { edges: Array<{ node: { id: string, name: string, status: BaseModelStatus } }> } };

export type PlaygroundAdaptersQueryVariables = Exact<{
  baseModelId: string | number;
}>;


export type PlaygroundAdaptersQuery = { adapters: { edges: Array<{ node: { id: string, method: string, methodConfig: Record<string, unknown>, note: string | null, run: { name: string } | null } }> } };

export type StartPlaygroundMutationVariables = Exact<{
  input: StartPlaygroundInput;
}>;


export type StartPlaygroundMutation = { startPlayground: { id: string } };

export type PlaygroundSessionQueryVariables = Exact<{
  id: string | number;
}>;


export type PlaygroundSessionQuery = { playgroundSession: { id: string, prompt: string, status: RunStatus, statusReason: string | null, createdAt: string, sampling: { temperature: number, topK: number, maxTokens: number, seed: number }, baseModel: { id: string, name: string }, outputs: Array<{ position: number, text: string, tokenCount: number, done: boolean, error: string | null, adapter: { id: string, method: string, methodConfig: Record<string, unknown>, note: string | null, run: { name: string } | null } | null }> } };

export type PlaygroundUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type PlaygroundUpdatedSubscription = { playgroundUpdated: { id: string, prompt: string, status: RunStatus, statusReason: string | null, createdAt: string, sampling: { temperature: number, topK: number, maxTokens: number, seed: number }, baseModel: { id: string, name: string }, outputs: Array<{ position: number, text: string, tokenCount: number, done: boolean, error: string | null, adapter: { id: string, method: string, methodConfig: Record<string, unknown>, note: string | null, run: { name: string } | null } | null }> } };

export type RunQueryVariables = Exact<{
  id: string | number;
}>;


export type RunQuery = { run: { id: string, name: string, kind: RunKind, method: string, methodConfig: Record<string, unknown>, hyperparameters: Record<string, unknown>, status: RunStatus, statusReason: string | null, error: string | null, cancelReason: string | null, cancelRequestedAt: string | null, queuedAt: string, startedAt: string | null, finishedAt: string | null, durationMs: number | null, attemptCount: number, maxAttempts: number, requiredLabels: Array<string>, runnerId: string | null, trainableParams: number, totalParams: number, trainablePercent: number, predicted: Record<string, unknown>, predictedTotalBytes: number, measuredPeakBytes: number | null, finalTrainLoss: number | null, bestEvalLoss: number | null, tokensPerSecond: number | null, metricKeys: Array<string>, experiment: { id: string, name: string } | null, dataset: { id: string, name: string } | null, baseModel: { id: string, name: string }, statusHistory: Array<{ at: string, attempt: number, from: RunStatus | null, to: RunStatus, reason: string | null }>, attempts: Array<{ attempt: number, jobId: string, runnerId: string, runnerName: string | null, status: string, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, resumeArtifactId: string | null }>, samples: Array<{ id: string, step: number, prompt: string, output: string }>, output: { id: string, kind: ArtifactKind, sizeBytes: number, files: Array<{ name: string, sizeBytes: number, sha256: string, downloadUrl: string }> } | null, adapter: { id: string, downloadUrl: string } | null, artifacts: Array<{ id: string, kind: ArtifactKind, step: number | null, sizeBytes: number, createdAt: string }> } };

export type RunUpdatedForRunSubscriptionVariables = Exact<{
  experimentId: string | number;
}>;


export type RunUpdatedForRunSubscription = { runUpdated: { id: string, status: RunStatus } };

export type CancelRunMutationVariables = Exact<{
  id: string | number;
  reason: string;
}>;


export type CancelRunMutation = { cancelRun: { id: string, status: RunStatus, cancelRequestedAt: string | null } };

export type RetryRunMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryRunMutation = { retryRun: { id: string, status: RunStatus } };

export type RunnersQueryVariables = Exact<{ [key: string]: never; }>;


export type RunnersQuery = { runners: { edges: Array<{ node: { id: string, name: string, status: RunnerStatus, backend: string, backendSkipped: Array<string>, labels: Array<string>, maxJobs: number, currentJobs: number, freeMemoryBytes: number | null, maxDeviceMemoryBytes: number, lastHeartbeatAt: string | null, createdAt: string, devices: Array<{ name: string, memoryBytes: number }> } }> }, registrationTokens: { edges: Array<{ node: { id: string, description: string, tokenHint: string, singleUse: boolean, expiresAt: string, usedAt: string | null, usable: boolean, createdAt: string } }> } };

export type CreateRegistrationTokenMutationVariables = Exact<{
  input: CreateRegistrationTokenInput;
}>;


export type CreateRegistrationTokenMutation = { createRegistrationToken: { token: string, command: string, registrationToken: { id: string, expiresAt: string, singleUse: boolean } } };

export type RevokeRunnerMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeRunnerMutation = { revokeRunner: { id: string, revokedAt: string | null } };

export type RevokeRegistrationTokenMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeRegistrationTokenMutation = { revokeRegistrationToken: { id: string, revokedAt: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const FitGridFieldsFragmentDoc = new TypedDocumentString(`
    fragment FitGridFields on FitGrid {
  gradientCheckpointing
  rows {
    seqLen
    unavailable
    largestBatch
    largestBatchPeakBytes
    nextBatchPeakBytes
    reachedCap
    cells {
      batchSize
      peakBytes
      fits
    }
  }
}
    `, {"fragmentName":"FitGridFields"}) as unknown as TypedDocumentString<FitGridFieldsFragment, unknown>;
export const MetricsDocument = new TypedDocumentString(`
    query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {
  metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {
    runId
    key
    totalPoints
    steps
    values
    wallTimesMs
  }
}
    `) as unknown as TypedDocumentString<MetricsQuery, MetricsQueryVariables>;
export const MetricsAppendedDocument = new TypedDocumentString(`
    subscription MetricsAppended($runId: ID!) {
  metricsAppended(runId: $runId) {
    runId
    key
    step
    value
    wallTimeMs
  }
}
    `) as unknown as TypedDocumentString<MetricsAppendedSubscription, MetricsAppendedSubscriptionVariables>;
export const AdapterFilterChoicesDocument = new TypedDocumentString(`
    query AdapterFilterChoices {
  baseModels(first: 100) {
    edges {
      node {
        id
        name
      }
    }
  }
  experiments(first: 100) {
    edges {
      node {
        id
        name
      }
    }
  }
  methods {
    method
    name
  }
}
    `) as unknown as TypedDocumentString<AdapterFilterChoicesQuery, AdapterFilterChoicesQueryVariables>;
export const AdapterDocument = new TypedDocumentString(`
    query Adapter($id: ID!) {
  adapter(id: $id) {
    id
    method
    methodConfig
    source
    createdAt
    importedBy
    note
    trainableParams
    sizeBytes
    evalLoss
    forgettingDelta
    downloadUrl
    baseModel {
      id
      name
    }
    run {
      id
      name
      status
      experiment {
        id
        name
      }
      dataset {
        id
        name
      }
    }
    files {
      name
      sizeBytes
      sha256
      downloadUrl
    }
  }
}
    `) as unknown as TypedDocumentString<AdapterQuery, AdapterQueryVariables>;
export const AdaptersDocument = new TypedDocumentString(`
    query Adapters($filter: AdapterFilter, $first: Int, $after: String) {
  adapters(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        method
        methodConfig
        source
        createdAt
        importedBy
        note
        trainableParams
        sizeBytes
        evalLoss
        forgettingDelta
        baseModel {
          id
          name
        }
        run {
          id
          name
          experiment {
            id
            name
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AdaptersQuery, AdaptersQueryVariables>;
export const EvaluateDatasetsDocument = new TypedDocumentString(`
    query EvaluateDatasets {
  datasets(first: 100) {
    edges {
      node {
        id
        name
        evalRowCount
      }
    }
  }
}
    `) as unknown as TypedDocumentString<EvaluateDatasetsQuery, EvaluateDatasetsQueryVariables>;
export const EvaluateAdaptersDocument = new TypedDocumentString(`
    mutation EvaluateAdapters($input: EvaluateAdaptersInput!) {
  evaluateAdapters(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<EvaluateAdaptersMutation, EvaluateAdaptersMutationVariables>;
export const ImportBaseModelsDocument = new TypedDocumentString(`
    query ImportBaseModels {
  baseModels(first: 100) {
    edges {
      node {
        id
        name
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ImportBaseModelsQuery, ImportBaseModelsQueryVariables>;
export const ImportAdapterDocument = new TypedDocumentString(`
    mutation ImportAdapter($input: ImportAdapterInput!) {
  importAdapter(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<ImportAdapterMutation, ImportAdapterMutationVariables>;
export const MergeAdapterDocument = new TypedDocumentString(`
    mutation MergeAdapter($adapterId: ID!, $name: String!) {
  mergeAdapter(adapterId: $adapterId, name: $name) {
    id
    name
    status
    mergeRunId
  }
}
    `) as unknown as TypedDocumentString<MergeAdapterMutation, MergeAdapterMutationVariables>;
export const ApiKeysDocument = new TypedDocumentString(`
    query ApiKeys {
  apiKeys(first: 100) {
    edges {
      node {
        id
        name
        scope
        keyHint
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    key
    apiKey {
      id
      name
      scope
      keyHint
    }
  }
}
    `) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    id
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const ExperimentAdaptersDocument = new TypedDocumentString(`
    query ExperimentAdapters($experimentId: ID!) {
  adapters(filter: {experimentId: $experimentId}, first: 100) {
    edges {
      node {
        id
        runId
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ExperimentAdaptersQuery, ExperimentAdaptersQueryVariables>;
export const CompareDocument = new TypedDocumentString(`
    query Compare($experimentId: ID, $runIds: [ID!]) {
  compare(experimentId: $experimentId, runIds: $runIds) {
    runId
    experimentId
    name
    kind
    inputAdapterId
    method
    methodConfig
    sweepValues
    status
    steps
    trainableParams
    totalParams
    trainablePercent
    predictedMemory
    predictedTotalBytes
    measuredPeakBytes
    peakOverPredicted
    finalTrainLoss
    bestTrainLoss
    finalEvalLoss
    bestEvalLoss
    tokensPerSecond
    startedAt
    durationMs
    forgettingDelta
    samples {
      prompt
      output
      step
    }
  }
}
    `) as unknown as TypedDocumentString<CompareQuery, CompareQueryVariables>;
export const ExperimentNameDocument = new TypedDocumentString(`
    query ExperimentName($id: ID!) {
  experiment(id: $id) {
    id
    name
    description
    hyperparameters
    dataset {
      name
    }
    baseModel {
      name
    }
    runs {
      id
    }
    sweep {
      fields
    }
  }
}
    `) as unknown as TypedDocumentString<ExperimentNameQuery, ExperimentNameQueryVariables>;
export const RunUpdatedDocument = new TypedDocumentString(`
    subscription RunUpdated($experimentId: ID!) {
  runUpdated(experimentId: $experimentId) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<RunUpdatedSubscription, RunUpdatedSubscriptionVariables>;
export const ExperimentPickerDocument = new TypedDocumentString(`
    query ExperimentPicker {
  experiments(first: 50) {
    edges {
      node {
        id
        name
        statusCounts {
          total
          succeeded
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ExperimentPickerQuery, ExperimentPickerQueryVariables>;
export const CostProfilesDocument = new TypedDocumentString(`
    query CostProfiles($id: ID!) {
  experiment(id: $id) {
    id
    kind
    runs {
      id
      name
      method
      status
      statusReason
      predicted
      costProfile {
        peakBytes
        frozenBytes
        trainableBytes
        gradientBytes
        optimizerBytes
        activationBytes
        msPerStep
        tokensPerSecond
        steps
        randomWeights
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CostProfilesQuery, CostProfilesQueryVariables>;
export const DatasetPreviewDocument = new TypedDocumentString(`
    query DatasetPreview($id: ID!) {
  dataset(id: $id) {
    id
    name
    kind
    rowCount
    rows(first: 25) {
      index
      line
      split
      text
      prompt
      completion
    }
  }
}
    `) as unknown as TypedDocumentString<DatasetPreviewQuery, DatasetPreviewQueryVariables>;
export const DatasetsDocument = new TypedDocumentString(`
    query Datasets {
  datasets(first: 100) {
    totalCount
    edges {
      node {
        id
        name
        kind
        format
        rowCount
        trainRowCount
        evalRowCount
        sizeBytes
        contentHash
        createdAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DatasetsQuery, DatasetsQueryVariables>;
export const CreateDatasetDocument = new TypedDocumentString(`
    mutation CreateDataset($input: CreateDatasetInput!) {
  createDataset(input: $input) {
    id
    name
    rowCount
    trainRowCount
    evalRowCount
  }
}
    `) as unknown as TypedDocumentString<CreateDatasetMutation, CreateDatasetMutationVariables>;
export const EstimateDocument = new TypedDocumentString(`
    query Estimate($model: JSON!, $method: JSONObject!, $batchSize: Int!, $seqLen: Int!, $dtype: String!, $optimizer: String!, $gradientCheckpointing: Boolean!) {
  estimate(
    model: $model
    method: $method
    batchSize: $batchSize
    seqLen: $seqLen
    dtype: $dtype
    optimizer: $optimizer
    gradientCheckpointing: $gradientCheckpointing
  ) {
    targetModules
    parameters {
      trainable
      total
      trainablePercent
      peftLine
    }
    memory {
      frozenWeights
      quantConstants
      trainableWeights
      gradients
      optimizerState
      activations
      total
    }
  }
}
    `) as unknown as TypedDocumentString<EstimateQuery, EstimateQueryVariables>;
export const ExperimentsDocument = new TypedDocumentString(`
    query Experiments {
  experiments(first: 100) {
    totalCount
    edges {
      node {
        id
        name
        description
        createdAt
        dataset {
          id
          name
        }
        baseModel {
          id
          name
        }
        statusCounts {
          queued
          assigned
          running
          succeeded
          failed
          cancelled
          total
        }
        runs {
          id
          name
          method
          status
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ExperimentsQuery, ExperimentsQueryVariables>;
export const NewExperimentDataDocument = new TypedDocumentString(`
    query NewExperimentData {
  datasets(first: 100) {
    edges {
      node {
        id
        name
        kind
        rowCount
      }
    }
  }
  baseModels(first: 100) {
    edges {
      node {
        id
        name
        status
        preset
        config
      }
    }
  }
  methods {
    method
    name
    description
    fields {
      name
      type
      default
      allowed
      description
      min
      max
    }
  }
  modelPresets {
    name
    local
    parameters
  }
}
    `) as unknown as TypedDocumentString<NewExperimentDataQuery, NewExperimentDataQueryVariables>;
export const CreateExperimentDocument = new TypedDocumentString(`
    mutation CreateExperiment($input: CreateExperimentInput!) {
  createExperiment(input: $input) {
    id
    name
    runs {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<CreateExperimentMutation, CreateExperimentMutationVariables>;
export const PlanExperimentDocument = new TypedDocumentString(`
    query PlanExperiment($input: CreateExperimentInput!) {
  planExperiment(input: $input) {
    combinations
    runs {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<PlanExperimentQuery, PlanExperimentQueryVariables>;
export const CreateBaseModelDocument = new TypedDocumentString(`
    mutation CreateBaseModel($input: CreateBaseModelInput!) {
  createBaseModel(input: $input) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CreateBaseModelMutation, CreateBaseModelMutationVariables>;
export const FitChoicesDocument = new TypedDocumentString(`
    query FitChoices {
  modelPresets {
    name
    parameters
    local
  }
  gpuMemorySizes {
    name
    memoryBytes
  }
  methods {
    method
    name
  }
}
    `) as unknown as TypedDocumentString<FitChoicesQuery, FitChoicesQueryVariables>;
export const FitStoredChoicesDocument = new TypedDocumentString(`
    query FitStoredChoices {
  baseModels(first: 100) {
    edges {
      node {
        id
        name
        status
      }
    }
  }
  runners(first: 100) {
    edges {
      node {
        id
        name
        status
        maxDeviceMemoryBytes
        devices {
          name
          memoryBytes
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<FitStoredChoicesQuery, FitStoredChoicesQueryVariables>;
export const FitDocument = new TypedDocumentString(`
    query Fit($input: FitInput!) {
  fit(input: $input) {
    figuresFor
    modelName
    parameters
    budgetBytes
    budgetSource
    dtype
    batchSizes
    seqLens
    maxSearchBatch
    methods {
      method
      name
      dtype
      note
      trainableParameters
      withoutCheckpointing {
        ...FitGridFields
      }
      withCheckpointing {
        ...FitGridFields
      }
    }
  }
}
    fragment FitGridFields on FitGrid {
  gradientCheckpointing
  rows {
    seqLen
    unavailable
    largestBatch
    largestBatchPeakBytes
    nextBatchPeakBytes
    reachedCap
    cells {
      batchSize
      peakBytes
      fits
    }
  }
}`) as unknown as TypedDocumentString<FitQuery, FitQueryVariables>;
export const PlaygroundBaseModelsDocument = new TypedDocumentString(`
    query PlaygroundBaseModels {
  baseModels(first: 100) {
    edges {
      node {
        id
        name
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PlaygroundBaseModelsQuery, PlaygroundBaseModelsQueryVariables>;
export const PlaygroundAdaptersDocument = new TypedDocumentString(`
    query PlaygroundAdapters($baseModelId: ID!) {
  adapters(filter: {baseModelId: $baseModelId}, first: 100) {
    edges {
      node {
        id
        method
        methodConfig
        note
        run {
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PlaygroundAdaptersQuery, PlaygroundAdaptersQueryVariables>;
export const StartPlaygroundDocument = new TypedDocumentString(`
    mutation StartPlayground($input: StartPlaygroundInput!) {
  startPlayground(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<StartPlaygroundMutation, StartPlaygroundMutationVariables>;
export const PlaygroundSessionDocument = new TypedDocumentString(`
    query PlaygroundSession($id: ID!) {
  playgroundSession(id: $id) {
    id
    prompt
    status
    statusReason
    createdAt
    sampling {
      temperature
      topK
      maxTokens
      seed
    }
    baseModel {
      id
      name
    }
    outputs {
      position
      text
      tokenCount
      done
      error
      adapter {
        id
        method
        methodConfig
        note
        run {
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PlaygroundSessionQuery, PlaygroundSessionQueryVariables>;
export const PlaygroundUpdatedDocument = new TypedDocumentString(`
    subscription PlaygroundUpdated($id: ID!) {
  playgroundUpdated(id: $id) {
    id
    prompt
    status
    statusReason
    createdAt
    sampling {
      temperature
      topK
      maxTokens
      seed
    }
    baseModel {
      id
      name
    }
    outputs {
      position
      text
      tokenCount
      done
      error
      adapter {
        id
        method
        methodConfig
        note
        run {
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PlaygroundUpdatedSubscription, PlaygroundUpdatedSubscriptionVariables>;
export const RunDocument = new TypedDocumentString(`
    query Run($id: ID!) {
  run(id: $id) {
    id
    name
    kind
    method
    methodConfig
    hyperparameters
    status
    statusReason
    error
    cancelReason
    cancelRequestedAt
    queuedAt
    startedAt
    finishedAt
    durationMs
    attemptCount
    maxAttempts
    requiredLabels
    runnerId
    trainableParams
    totalParams
    trainablePercent
    predicted
    predictedTotalBytes
    measuredPeakBytes
    finalTrainLoss
    bestEvalLoss
    tokensPerSecond
    metricKeys
    experiment {
      id
      name
    }
    dataset {
      id
      name
    }
    baseModel {
      id
      name
    }
    statusHistory {
      at
      attempt
      from
      to
      reason
    }
    attempts {
      attempt
      jobId
      runnerId
      runnerName
      status
      createdAt
      startedAt
      finishedAt
      error
      resumeArtifactId
    }
    samples {
      id
      step
      prompt
      output
    }
    output {
      id
      kind
      sizeBytes
      files {
        name
        sizeBytes
        sha256
        downloadUrl
      }
    }
    adapter {
      id
      downloadUrl
    }
    artifacts {
      id
      kind
      step
      sizeBytes
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<RunQuery, RunQueryVariables>;
export const RunUpdatedForRunDocument = new TypedDocumentString(`
    subscription RunUpdatedForRun($experimentId: ID!) {
  runUpdated(experimentId: $experimentId) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<RunUpdatedForRunSubscription, RunUpdatedForRunSubscriptionVariables>;
export const CancelRunDocument = new TypedDocumentString(`
    mutation CancelRun($id: ID!, $reason: String!) {
  cancelRun(id: $id, reason: $reason) {
    id
    status
    cancelRequestedAt
  }
}
    `) as unknown as TypedDocumentString<CancelRunMutation, CancelRunMutationVariables>;
export const RetryRunDocument = new TypedDocumentString(`
    mutation RetryRun($id: ID!) {
  retryRun(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<RetryRunMutation, RetryRunMutationVariables>;
export const RunnersDocument = new TypedDocumentString(`
    query Runners {
  runners(first: 100) {
    edges {
      node {
        id
        name
        status
        backend
        backendSkipped
        labels
        maxJobs
        currentJobs
        freeMemoryBytes
        maxDeviceMemoryBytes
        lastHeartbeatAt
        createdAt
        devices {
          name
          memoryBytes
        }
      }
    }
  }
  registrationTokens(first: 20) {
    edges {
      node {
        id
        description
        tokenHint
        singleUse
        expiresAt
        usedAt
        usable
        createdAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RunnersQuery, RunnersQueryVariables>;
export const CreateRegistrationTokenDocument = new TypedDocumentString(`
    mutation CreateRegistrationToken($input: CreateRegistrationTokenInput!) {
  createRegistrationToken(input: $input) {
    token
    command
    registrationToken {
      id
      expiresAt
      singleUse
    }
  }
}
    `) as unknown as TypedDocumentString<CreateRegistrationTokenMutation, CreateRegistrationTokenMutationVariables>;
export const RevokeRunnerDocument = new TypedDocumentString(`
    mutation RevokeRunner($id: ID!) {
  revokeRunner(id: $id) {
    id
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<RevokeRunnerMutation, RevokeRunnerMutationVariables>;
export const RevokeRegistrationTokenDocument = new TypedDocumentString(`
    mutation RevokeRegistrationToken($id: ID!) {
  revokeRegistrationToken(id: $id) {
    id
    revokedAt
  }
}
    `) as unknown as TypedDocumentString<RevokeRegistrationTokenMutation, RevokeRegistrationTokenMutationVariables>;