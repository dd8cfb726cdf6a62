import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The platform's domain: base models, experiments and their runs, metric points, samples, artifacts,
 * runners, jobs (one per run attempt), API keys and registration tokens.
 *
 * Artifacts (checkpoints, adapters, model folders) are stored in PostgreSQL as `bytea` per file: one
 * backup, one transaction with the run's state, no second store to configure. The models trained here
 * are small; a file is read whole when downloaded.
 */
export class Domain1764400000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        key_hint text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('READ', 'READ_WRITE')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz(3),
        revoked_at timestamptz(3)
      )`);
    await db.query(`
      CREATE TABLE registration_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        description text NOT NULL DEFAULT '',
        token_hash text NOT NULL UNIQUE,
        token_hint text NOT NULL,
        single_use boolean NOT NULL DEFAULT true,
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE runner (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        labels text[] NOT NULL DEFAULT '{}',
        backend text NOT NULL,
        devices jsonb NOT NULL DEFAULT '[]',
        max_device_memory_bytes bigint NOT NULL,
        free_memory_bytes bigint,
        max_jobs integer NOT NULL DEFAULT 1 CHECK (max_jobs > 0),
        secret_hash text NOT NULL UNIQUE,
        registration_token_id uuid REFERENCES registration_token (id) ON DELETE SET NULL,
        last_heartbeat_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE base_model (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL UNIQUE,
        config jsonb NOT NULL,
        preset text,
        source text NOT NULL CHECK (source IN ('PRESET', 'PRETRAINED', 'HOST_PATH')),
        host_path text,
        status text NOT NULL CHECK (status IN ('READY', 'PENDING', 'FAILED')),
        weights_artifact_id uuid,
        pretrain_run_id uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE experiment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        dataset_id uuid NOT NULL REFERENCES dataset (id),
        general_dataset_id uuid REFERENCES dataset (id),
        base_model_id uuid NOT NULL REFERENCES base_model (id),
        hyperparameters jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        experiment_id uuid REFERENCES experiment (id) ON DELETE CASCADE,
        kind text NOT NULL DEFAULT 'TRAIN' CHECK (kind IN ('TRAIN', 'PRETRAIN')),
        name text NOT NULL,
        base_model_id uuid NOT NULL REFERENCES base_model (id),
        dataset_id uuid NOT NULL REFERENCES dataset (id),
        method text NOT NULL,
        method_config jsonb NOT NULL,
        hyperparameters jsonb NOT NULL,
        required_labels text[] NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('QUEUED', 'ASSIGNED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        status_reason text,
        cancel_requested_at timestamptz(3),
        cancel_reason text,
        attempt_count integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
        not_before timestamptz(3),
        runner_id uuid REFERENCES runner (id) ON DELETE SET NULL,
        trainable_params bigint NOT NULL,
        total_params bigint NOT NULL,
        predicted_total_bytes bigint NOT NULL,
        predicted jsonb NOT NULL,
        result jsonb,
        measured_peak_bytes bigint,
        final_train_loss double precision,
        best_eval_loss double precision,
        tokens_per_second double precision,
        error text,
        queued_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX run_experiment ON run (experiment_id, seq)`);
    await db.query(`CREATE INDEX run_queue ON run (queued_at, seq) WHERE status = 'QUEUED'`);
    await db.query(`
      ALTER TABLE base_model ADD CONSTRAINT base_model_pretrain_run
        FOREIGN KEY (pretrain_run_id) REFERENCES run (id) ON DELETE SET NULL`);
    await db.query(`
      CREATE TABLE run_status_change (
        run_id uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        from_status text,
        to_status text NOT NULL,
        reason text,
        attempt integer NOT NULL DEFAULT 0,
        at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, seq)
      )`);
    await db.query(`
      CREATE TABLE job (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        run_id uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        runner_id uuid NOT NULL REFERENCES runner (id),
        status text NOT NULL CHECK (status IN
          ('ASSIGNED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED', 'INTERRUPTED')),
        lease_expires_at timestamptz(3) NOT NULL,
        resume_artifact_id uuid,
        error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3),
        UNIQUE (run_id, attempt)
      )`);
    // At most one live attempt per run: the database, not the dispatcher's care, forbids double assignment.
    await db.query(
      `CREATE UNIQUE INDEX job_one_live_attempt ON job (run_id) WHERE status IN ('ASSIGNED', 'RUNNING')`,
    );
    await db.query(`CREATE INDEX job_runner_live ON job (runner_id) WHERE status IN ('ASSIGNED', 'RUNNING')`);
    await db.query(
      `CREATE INDEX job_lease ON job (lease_expires_at) WHERE status IN ('ASSIGNED', 'RUNNING')`,
    );
    await db.query(`
      CREATE TABLE metric_point (
        run_id uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        key text NOT NULL,
        step integer NOT NULL,
        value double precision NOT NULL,
        wall_time timestamptz(3) NOT NULL DEFAULT now(),
        attempt integer NOT NULL DEFAULT 1,
        PRIMARY KEY (run_id, key, step)
      )`);
    await db.query(`
      CREATE TABLE sample (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        run_id uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        step integer NOT NULL,
        prompt text NOT NULL,
        output text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (run_id, step, prompt)
      )`);
    await db.query(`
      CREATE TABLE artifact (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        run_id uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        job_id uuid REFERENCES job (id) ON DELETE SET NULL,
        kind text NOT NULL CHECK (kind IN ('CHECKPOINT', 'ADAPTER', 'MODEL')),
        step integer,
        size_bytes bigint NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX artifact_run ON artifact (run_id, kind, step)`);
    await db.query(`
      CREATE TABLE artifact_file (
        artifact_id uuid NOT NULL REFERENCES artifact (id) ON DELETE CASCADE,
        name text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        content bytea NOT NULL,
        PRIMARY KEY (artifact_id, name)
      )`);
    await db.query(`
      ALTER TABLE base_model ADD CONSTRAINT base_model_weights
        FOREIGN KEY (weights_artifact_id) REFERENCES artifact (id) ON DELETE SET NULL`);
    await db.query(`
      ALTER TABLE job ADD CONSTRAINT job_resume_artifact
        FOREIGN KEY (resume_artifact_id) REFERENCES artifact (id) ON DELETE SET NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE base_model DROP CONSTRAINT base_model_weights`);
    await db.query(`ALTER TABLE base_model DROP CONSTRAINT base_model_pretrain_run`);
    for (const table of [
      "artifact_file",
      "job",
      "artifact",
      "sample",
      "metric_point",
      "run_status_change",
      "run",
      "experiment",
      "base_model",
      "runner",
      "registration_token",
      "api_key",
    ]) {
      await db.query(`DROP TABLE ${table} CASCADE`);
    }
  }
}
