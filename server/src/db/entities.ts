import { DatasetRow } from "../datasets/dataset-row.entity.js";
import { Dataset } from "../datasets/dataset.entity.js";

/** Every TypeORM entity; a new entity is added here and gets a migration in migrations/. */
export const entities = [Dataset, DatasetRow];
