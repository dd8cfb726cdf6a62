import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Playground sessions: a prompt, a base model and its adapters (and the base alone) generated side by side
 * by one GENERATE run. The session shares its run's id (its status is the run's); each output is one row,
 * its text replaced as the runner reports the tokens so far.
 */
export class Playground1796154015156 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE playground_session (
        run_id uuid PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE,
        base_model_id uuid NOT NULL REFERENCES base_model (id),
        prompt text NOT NULL,
        sampling jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE playground_output (
        run_id uuid NOT NULL REFERENCES playground_session (run_id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        adapter_id uuid REFERENCES adapter (id) ON DELETE CASCADE,
        text text NOT NULL DEFAULT '',
        token_count integer NOT NULL DEFAULT 0 CHECK (token_count >= 0),
        done boolean NOT NULL DEFAULT false,
        error text,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, position)
      )`);
    // one output per adapter, and one for the base alone (adapter_id NULL), per session
    await db.query(
      `CREATE UNIQUE INDEX playground_output_adapter ON playground_output
         (run_id, COALESCE(adapter_id, '00000000-0000-0000-0000-000000000000'::uuid))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE playground_output`);
    await db.query(`DROP TABLE playground_session`);
  }
}
