import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Base models made by merging an adapter into its base (mergeAdapter): source MERGED, the adapter they
 * came from and the MERGE run that writes their weights (as pretrain_run_id is a PRETRAIN model's).
 */
export class MergedBaseModels1796154621750 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE base_model DROP CONSTRAINT base_model_source_check`);
    await db.query(
      `ALTER TABLE base_model ADD CONSTRAINT base_model_source_check
         CHECK (source IN ('PRESET', 'PRETRAINED', 'HOST_PATH', 'MERGED'))`,
    );
    await db.query(
      `ALTER TABLE base_model ADD COLUMN merged_adapter_id uuid REFERENCES adapter (id) ON DELETE SET NULL`,
    );
    await db.query(
      `ALTER TABLE base_model ADD COLUMN merge_run_id uuid REFERENCES run (id) ON DELETE SET NULL`,
    );
    await db.query(`CREATE INDEX base_model_merge_run ON base_model (merge_run_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM base_model WHERE source = 'MERGED'`);
    await db.query(`ALTER TABLE base_model DROP COLUMN merge_run_id`);
    await db.query(`ALTER TABLE base_model DROP COLUMN merged_adapter_id`);
    await db.query(`ALTER TABLE base_model DROP CONSTRAINT base_model_source_check`);
    await db.query(
      `ALTER TABLE base_model ADD CONSTRAINT base_model_source_check CHECK (source IN ('PRESET', 'PRETRAINED', 'HOST_PATH'))`,
    );
  }
}
