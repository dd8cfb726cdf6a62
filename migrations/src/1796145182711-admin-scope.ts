import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * API key scopes READ < READ_WRITE < ADMIN (key and runner management need ADMIN). The key the first start
 * created (the oldest READ_WRITE key that is not revoked) becomes ADMIN; every other key keeps its scope, so
 * no script silently gains or loses rights.
 */
export class AdminScope1796145182711 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE api_key DROP CONSTRAINT api_key_scope_check`);
    await db.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_scope_check CHECK (scope IN ('READ', 'READ_WRITE', 'ADMIN'))`,
    );
    await db.query(
      `UPDATE api_key SET scope = 'ADMIN' WHERE id = (
         SELECT id FROM api_key WHERE scope = 'READ_WRITE' AND revoked_at IS NULL ORDER BY seq LIMIT 1)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`UPDATE api_key SET scope = 'READ_WRITE' WHERE scope = 'ADMIN'`);
    await db.query(`ALTER TABLE api_key DROP CONSTRAINT api_key_scope_check`);
    await db.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_scope_check CHECK (scope IN ('READ', 'READ_WRITE'))`,
    );
  }
}
