import type { MigrationInterface, QueryRunner } from "typeorm";

/** A cost profile trains on random tokens: a PROFILE experiment and its runs need no dataset. */
export class ProfileWithoutDataset1796146570234 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE experiment ALTER COLUMN dataset_id DROP NOT NULL`);
    await db.query(
      `ALTER TABLE experiment ADD CONSTRAINT experiment_dataset_check CHECK (dataset_id IS NOT NULL OR kind = 'PROFILE')`,
    );
    await db.query(`ALTER TABLE run ALTER COLUMN dataset_id DROP NOT NULL`);
    await db.query(
      `ALTER TABLE run ADD CONSTRAINT run_dataset_check CHECK (dataset_id IS NOT NULL OR kind = 'PROFILE')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_dataset_check`);
    await db.query(`ALTER TABLE experiment DROP CONSTRAINT experiment_dataset_check`);
    await db.query(`ALTER TABLE run ALTER COLUMN dataset_id SET NOT NULL`);
    await db.query(`ALTER TABLE experiment ALTER COLUMN dataset_id SET NOT NULL`);
  }
}
