import type { MigrationInterface, QueryRunner } from "typeorm";

/** When a runner said goodbye (signOff on a clean stop): OFFLINE at once, until its next heartbeat. */
export class RunnerSignedOff1796145679667 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE runner ADD COLUMN signed_off_at timestamptz(3)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE runner DROP COLUMN signed_off_at`);
  }
}
