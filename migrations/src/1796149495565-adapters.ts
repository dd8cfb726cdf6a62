import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Adapters as rows of their own: one per ADAPTER artifact, from a run or imported (an imported adapter's
 * artifact has no run). Existing ADAPTER artifacts become adapters of their runs.
 */
export class Adapters1796149495565 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE artifact ALTER COLUMN run_id DROP NOT NULL`);
    await db.query(
      `ALTER TABLE artifact ADD CONSTRAINT artifact_run_check CHECK (run_id IS NOT NULL OR kind = 'ADAPTER')`,
    );
    await db.query(`
      CREATE TABLE adapter (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        artifact_id uuid NOT NULL UNIQUE REFERENCES artifact (id) ON DELETE CASCADE,
        base_model_id uuid NOT NULL REFERENCES base_model (id),
        method text NOT NULL,
        method_config jsonb NOT NULL,
        trainable_params bigint NOT NULL,
        size_bytes bigint NOT NULL,
        source text NOT NULL CHECK (source IN ('RUN', 'IMPORT')),
        run_id uuid REFERENCES run (id) ON DELETE CASCADE,
        imported_by text,
        note text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((source = 'RUN') = (run_id IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX adapter_base_model ON adapter (base_model_id, seq)`);
    await db.query(`CREATE INDEX adapter_run ON adapter (run_id)`);
    await db.query(`
      INSERT INTO adapter (artifact_id, base_model_id, method, method_config, trainable_params, size_bytes,
                           source, run_id, created_at)
      SELECT a.id, r.base_model_id, r.method, r.method_config, r.trainable_params, a.size_bytes,
             'RUN', r.id, a.created_at
        FROM artifact a JOIN run r ON r.id = a.run_id
       WHERE a.kind = 'ADAPTER'
       ORDER BY a.seq`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE adapter`);
    await db.query(`DELETE FROM artifact WHERE run_id IS NULL`);
    await db.query(`ALTER TABLE artifact DROP CONSTRAINT artifact_run_check`);
    await db.query(`ALTER TABLE artifact ALTER COLUMN run_id SET NOT NULL`);
  }
}
