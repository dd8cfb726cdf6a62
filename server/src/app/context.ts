import type { DatasetRow } from "../datasets/dataset-row.entity.js";

/** Per-request state: loaders batch the queries of one request and are thrown away after it. */
export interface RequestContext {
  loaders: {
    datasetPreview: (datasetId: string, first: number) => Promise<DatasetRow[]>;
  };
}
