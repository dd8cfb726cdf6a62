import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { notFoundError } from "../api/errors.js";
import type { Events } from "../app/events.js";
import type { Database } from "../db/database.js";
import type { ListOrder } from "../runs/list-order.js";
import { isUuid } from "../runs/uuid.js";
import { type Experiment, ExperimentKind } from "./experiment.entity.js";
import type { CreateExperimentInput, ExperimentFilter } from "./experiment.input.js";
import {
  countExperiments,
  experimentCursorKey,
  findExperiment,
  listExperiments,
} from "./experiment.repository.js";
import { planExperiment } from "./plan.js";
import { storeQueuedExperiment } from "./store-queued.js";
import type { ExperimentPlan } from "./sweep.types.js";

export class ExperimentService {
  constructor(
    private readonly db: Database,
    private readonly events: Events,
  ) {}

  /**
   * Validates everything (errors name the input field, e.g. `variants[1].method.r`,
   * `sweep.parameters.r.values[2]`), then stores the experiment and its QUEUED runs (one per variant, or
   * the sweep's), with core's predicted counts and memory, in one transaction: on any error nothing is
   * created.
   */
  async create(input: CreateExperimentInput): Promise<Experiment> {
    return storeQueuedExperiment(this.db, this.events, async (m) => {
      const plan = await planExperiment(m, input);
      return {
        experiment: {
          name: plan.name,
          description: input.description,
          kind: input.kind ?? ExperimentKind.TRAIN,
          datasetId: input.datasetId ?? null,
          generalDatasetId: plan.hyperparameters.generalDatasetId,
          baseModelId: plan.baseModel.id,
          hyperparameters: { ...plan.hyperparameters },
          sweep: plan.sweep,
        },
        runs: plan.runs,
      };
    });
  }

  /** What create would store for the input, validated the same way; nothing is stored. */
  async plan(input: CreateExperimentInput): Promise<ExperimentPlan> {
    const plan = await this.db.read((m) => planExperiment(m, input));
    return {
      combinations: plan.combinations,
      sweep: plan.sweep,
      runs: plan.runs.map((r) => ({
        name: r.name,
        method: r.method,
        methodConfig: r.methodConfig,
        hyperparameters: r.hyperparameters,
        sweepValues: r.sweepValues ?? null,
        trainableParams: r.trainableParams,
        predictedTotalBytes: r.predictedTotalBytes,
      })),
    };
  }

  async get(id: string): Promise<Experiment> {
    const experiment = isUuid(id) ? await this.db.read((m) => findExperiment(m, id)) : null;
    if (!experiment) throw notFoundError("experiment", id);
    return experiment;
  }

  list(
    args: ConnectionArgs,
    filter: ExperimentFilter = {},
    order?: ListOrder | null,
  ): Promise<Connection<Experiment>> {
    const page = pageRequest(args, 1);
    return this.db.read(async (m) =>
      toConnection(
        await listExperiments(m, page, filter, order),
        page,
        await countExperiments(m, filter),
        experimentCursorKey,
      ),
    );
  }
}
