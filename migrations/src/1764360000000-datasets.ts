import type { MigrationInterface, QueryRunner } from "typeorm";

export class Datasets1764360000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await db.query(`
      CREATE TABLE dataset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        format text NOT NULL CHECK (format IN ('JSONL', 'CSV')),
        kind text NOT NULL CHECK (kind IN ('TEXT', 'PROMPT_COMPLETION')),
        content_hash text NOT NULL,
        size_bytes bigint NOT NULL,
        row_count integer NOT NULL,
        train_row_count integer NOT NULL,
        eval_row_count integer NOT NULL,
        char_count bigint NOT NULL,
        eval_fraction double precision NOT NULL,
        split_seed integer NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT dataset_version UNIQUE (content_hash, eval_fraction, split_seed)
      )`);
    await db.query(`
      CREATE TABLE dataset_row (
        dataset_id uuid NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
        index integer NOT NULL,
        line integer NOT NULL,
        split text NOT NULL CHECK (split IN ('TRAIN', 'EVAL')),
        text text,
        prompt text,
        completion text,
        char_count integer NOT NULL,
        PRIMARY KEY (dataset_id, index)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE dataset_row`);
    await db.query(`DROP TABLE dataset`);
  }
}
