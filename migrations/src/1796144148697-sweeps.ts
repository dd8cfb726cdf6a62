import type { MigrationInterface, QueryRunner } from "typeorm";

/** Sweeps: the experiment keeps its sweep spec, each run the values it was given (null: not a sweep). */
export class Sweeps1796144148697 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE experiment ADD COLUMN sweep jsonb`);
    await db.query(`ALTER TABLE run ADD COLUMN sweep_values jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE run DROP COLUMN sweep_values`);
    await db.query(`ALTER TABLE experiment DROP COLUMN sweep`);
  }
}
