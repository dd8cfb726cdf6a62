import { Adapter } from "../adapters/adapter.entity.js";
import { ApiKey } from "../auth/api-key.entity.js";
import { Artifact, ArtifactFile } from "../artifacts/artifact.entity.js";
import { BaseModel } from "../base-models/base-model.entity.js";
import { Experiment } from "../experiments/experiment.entity.js";
import { PlaygroundOutput, PlaygroundSession } from "../playground/playground.entity.js";
import { RunSample } from "../runs/run-sample.entity.js";
import { RunStatusChange } from "../runs/run-status-change.entity.js";
import { Run } from "../runs/run.entity.js";
import { DatasetRow } from "../datasets/dataset-row.entity.js";
import { Dataset } from "../datasets/dataset.entity.js";
import { RegistrationToken } from "../runners/registration-token.entity.js";
import { Runner } from "../runners/runner.entity.js";

/** Every TypeORM entity; a new entity is added here and gets a migration in migrations/. */
export const entities = [
  ApiKey,
  RegistrationToken,
  Runner,
  Dataset,
  DatasetRow,
  BaseModel,
  Experiment,
  Run,
  RunStatusChange,
  RunSample,
  Artifact,
  ArtifactFile,
  Adapter,
  PlaygroundSession,
  PlaygroundOutput,
];
