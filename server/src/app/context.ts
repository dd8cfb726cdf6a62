import type { Auth } from "../auth/guards.js";
import type { DatasetRow } from "../datasets/dataset-row.entity.js";
import type { JobEvent } from "../jobs/job.types.js";
import type { PeopleLoaders } from "../runs/run.loaders.js";

/** Per-request state: loaders batch the queries of one request and are thrown away after it. */
export interface RequestContext {
  /** Who is calling (server/src/auth): check with requireScope / requireRunner from auth/guards.ts. */
  auth: Auth;
  /** The `jobs` subscription stream of a runner (server/src/dispatch/dispatcher.ts). */
  jobEvents: (runnerId: string) => AsyncIterableIterator<JobEvent>;
  loaders: {
    datasetPreview: (datasetId: string, first: number) => Promise<DatasetRow[]>;
    /** Base models, experiments, runs and what hangs off them (server/src/runs/run.loaders.ts). */
    people: PeopleLoaders;
    /** ASSIGNED/RUNNING jobs per runner (server/src/runners). */
    runnerLiveJobs: (runnerId: string) => Promise<number>;
  };
  /**
   * New loaders in place of these. A subscription runs every event with its one context, so its loaders'
   * caches would answer later events with the first event's rows (a run's history, a session's outputs);
   * subscribeDistinct renews them after each answer.
   */
  renewReads(): void;
}
