import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Runs that work on an adapter instead of training one: EVALUATE (eval loss, forgetting and samples of an
 * existing adapter), MERGE (the adapter folded into its base's weights) and GENERATE (the playground).
 * `run.adapter_id` names that adapter; an evaluation goes with its adapter (ON DELETE CASCADE). MERGE and
 * GENERATE runs read no dataset. An EVALUATION experiment holds the evaluation runs of one request.
 */
export class RunAdapter1796153921935 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_kind_check`);
    await db.query(
      `ALTER TABLE run ADD CONSTRAINT run_kind_check
         CHECK (kind IN ('TRAIN', 'PRETRAIN', 'PROFILE', 'EVALUATE', 'MERGE', 'GENERATE'))`,
    );
    await db.query(`ALTER TABLE run ADD COLUMN adapter_id uuid REFERENCES adapter (id) ON DELETE CASCADE`);
    await db.query(`CREATE INDEX run_adapter ON run (adapter_id) WHERE adapter_id IS NOT NULL`);
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_dataset_check`);
    await db.query(
      `ALTER TABLE run ADD CONSTRAINT run_dataset_check
         CHECK (dataset_id IS NOT NULL OR kind IN ('PROFILE', 'MERGE', 'GENERATE'))`,
    );
    await db.query(`ALTER TABLE experiment DROP CONSTRAINT experiment_kind_check`);
    await db.query(
      `ALTER TABLE experiment ADD CONSTRAINT experiment_kind_check CHECK (kind IN ('TRAIN', 'PROFILE', 'EVALUATION'))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM experiment WHERE kind = 'EVALUATION'`);
    await db.query(`DELETE FROM run WHERE kind IN ('EVALUATE', 'MERGE', 'GENERATE')`);
    await db.query(`ALTER TABLE experiment DROP CONSTRAINT experiment_kind_check`);
    await db.query(
      `ALTER TABLE experiment ADD CONSTRAINT experiment_kind_check CHECK (kind IN ('TRAIN', 'PROFILE'))`,
    );
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_dataset_check`);
    await db.query(
      `ALTER TABLE run ADD CONSTRAINT run_dataset_check CHECK (dataset_id IS NOT NULL OR kind = 'PROFILE')`,
    );
    await db.query(`DROP INDEX run_adapter`);
    await db.query(`ALTER TABLE run DROP COLUMN adapter_id`);
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_kind_check`);
    await db.query(
      `ALTER TABLE run ADD CONSTRAINT run_kind_check CHECK (kind IN ('TRAIN', 'PRETRAIN', 'PROFILE'))`,
    );
  }
}
