import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Bytes sent to `POST /uploads` before a mutation references them (createDataset, importAdapter,
 * uploadAdapter, uploadCheckpoint). A table rather than files in the data folder: several server processes
 * share one PostgreSQL (a folder is one host's), and the mutation consumes its upload in the same
 * transaction as the write that uses it. Exactly one owner: the API key or the runner that uploaded.
 */
export class StagedUploads1796156156730 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE staged_upload (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        api_key_id uuid REFERENCES api_key (id) ON DELETE CASCADE,
        runner_id uuid REFERENCES runner (id) ON DELETE CASCADE,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        content bytea NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        CHECK ((api_key_id IS NULL) <> (runner_id IS NULL))
      )`);
    await db.query(`CREATE INDEX staged_upload_expires_at ON staged_upload (expires_at)`);
    await db.query(`CREATE INDEX staged_upload_api_key ON staged_upload (api_key_id)`);
    await db.query(`CREATE INDEX staged_upload_runner ON staged_upload (runner_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE staged_upload`);
  }
}
