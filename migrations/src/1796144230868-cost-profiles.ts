import type { MigrationInterface, QueryRunner } from "typeorm";

/** Cost profiles: an experiment's kind (TRAIN | PROFILE) and a PROFILE run's measured breakdown. */
export class CostProfiles1796144230868 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE experiment ADD COLUMN kind text NOT NULL DEFAULT 'TRAIN' CHECK (kind IN ('TRAIN', 'PROFILE'))`,
    );
    await db.query(`ALTER TABLE run ADD COLUMN cost_profile jsonb`);
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_kind_check`);
    await db.query(
      `ALTER TABLE run ADD CONSTRAINT run_kind_check CHECK (kind IN ('TRAIN', 'PRETRAIN', 'PROFILE'))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM run WHERE kind = 'PROFILE'`);
    await db.query(`ALTER TABLE run DROP CONSTRAINT run_kind_check`);
    await db.query(`ALTER TABLE run ADD CONSTRAINT run_kind_check CHECK (kind IN ('TRAIN', 'PRETRAIN'))`);
    await db.query(`ALTER TABLE run DROP COLUMN cost_profile`);
    await db.query(`ALTER TABLE experiment DROP COLUMN kind`);
  }
}
