import type { MigrationInterface, QueryRunner } from "typeorm";

/** Why faster backends did not load on a runner's host (registerRunner's backendSkipped). */
export class RunnerBackendSkipped1796136070265 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE runner ADD COLUMN backend_skipped text[] NOT NULL DEFAULT '{}'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE runner DROP COLUMN backend_skipped`);
  }
}
