import { runnerCommand } from "@tunelab/core";
import DataLoader from "dataloader";
import type { EntityManager } from "typeorm";
import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { codedError, ErrorCode, notFoundError, userInputError } from "../api/errors.js";
import { secretHint } from "../auth/api-key.entity.js";
import type { Connections } from "../auth/connections.js";
import { checkRegistrationToken, generateSecret, hashSecret } from "../auth/secrets.js";
import { isUuid, optionalText } from "../auth/validate.js";
import type { Database } from "../db/database.js";
import { RegistrationToken } from "./registration-token.entity.js";
import type {
  CreateRegistrationTokenInput,
  CreateRegistrationTokenPayload,
  RegisterRunnerInput,
  RegisterRunnerPayload,
} from "./runner.input.js";
import { Runner, type RunnerStatus, runnerStatus } from "./runner.entity.js";
import { countRunners, insertRunner, listRunners, liveJobCounts } from "./runner.repository.js";
import { validateRunnerInput } from "./runner.validate.js";

export const maxTokenLifetimeSeconds = 365 * 24 * 3600;

export interface RunnerServiceOptions {
  /** A runner whose last heartbeat is older than this is OFFLINE. */
  leaseMs: number;
  /** The server's address as a runner host reaches it (for the registration command). */
  publicUrl: () => string;
}

/** Registration tokens, runner registration, the runner list and revocation. */
export class RunnerService {
  constructor(
    private readonly db: Database,
    private readonly connections: Connections,
    private readonly options: RunnerServiceOptions,
  ) {}

  async createRegistrationToken(
    given: Partial<CreateRegistrationTokenInput> | null,
  ): Promise<CreateRegistrationTokenPayload> {
    const input = { description: "", expiresInSeconds: 86_400, singleUse: true, ...given };
    const description = optionalText(input.description, "description", 200);
    const seconds = input.expiresInSeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxTokenLifetimeSeconds) {
      throw userInputError(`expiresInSeconds must be 1 to ${maxTokenLifetimeSeconds}, got ${seconds}`, {
        field: "expiresInSeconds",
      });
    }
    const token = generateSecret("tlt");
    const registrationToken = await this.db.write(async (m) => {
      const [row] = (await m.query(
        `INSERT INTO registration_token (description, token_hash, token_hint, single_use, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING id`,
        [description, hashSecret(token), secretHint(token), input.singleUse, seconds],
      )) as { id: string }[];
      return m.findOneByOrFail(RegistrationToken, { id: row!.id });
    });
    const command = runnerCommand(`register --server ${this.options.publicUrl()} --token ${token}`);
    return { token, registrationToken, command };
  }

  async listRegistrationTokens(
    args: ConnectionArgs & { includeRevoked?: boolean },
  ): Promise<Connection<RegistrationToken>> {
    const page = pageRequest(args, 1);
    const [rows, total] = await this.db.read((m) => {
      const base = () => {
        const q = m.createQueryBuilder(RegistrationToken, "t");
        if (!args.includeRevoked) q.andWhere("t.revoked_at IS NULL");
        return q;
      };
      const list = base()
        .orderBy("t.seq", "DESC")
        .limit(page.first + 1);
      if (page.after) list.andWhere("t.seq < :seq", { seq: page.after[0] });
      return Promise.all([list.getMany(), base().getCount()]);
    });
    return toConnection(rows, page, total, (t) => [t.seq]);
  }

  async revokeRegistrationToken(id: string): Promise<RegistrationToken> {
    if (!isUuid(id)) throw notFoundError("registration token", id);
    const token = await this.db.write(async (m) => {
      await m.query("UPDATE registration_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [
        id,
      ]);
      return m.findOneBy(RegistrationToken, { id });
    });
    if (!token) throw notFoundError("registration token", id);
    return token;
  }

  /**
   * Checks the token and stores the runner in one transaction. The token row is locked (FOR UPDATE), so a
   * single-use token registers exactly one runner even when two hosts present it at once.
   */
  async register(input: RegisterRunnerInput): Promise<RegisterRunnerPayload> {
    const runner = validateRunnerInput(input);
    const { runner: stored, secret } = await this.db.write(async (m) => {
      const tokenId = await this.consumeToken(m, input.token);
      return insertRunner(m, { ...runner, registrationTokenId: tokenId });
    });
    return { runnerId: stored.id, secret };
  }

  private async consumeToken(m: EntityManager, token: string): Promise<string> {
    const rows = (await m.query(
      `SELECT id, single_use, expires_at, used_at, revoked_at, now() AS now
         FROM registration_token WHERE token_hash = $1 FOR UPDATE`,
      [hashSecret(token)],
    )) as {
      id: string;
      single_use: boolean;
      expires_at: Date;
      used_at: Date | null;
      revoked_at: Date | null;
      now: Date;
    }[];
    const row = rows[0];
    if (!row) {
      throw codedError(ErrorCode.UNAUTHENTICATED, "unknown registration token", { field: "token" });
    }
    if (row.revoked_at !== null) {
      throw codedError(ErrorCode.FORBIDDEN, "this registration token has been revoked", { field: "token" });
    }
    const verdict = checkRegistrationToken(
      { expiresAt: new Date(row.expires_at), usedAt: row.single_use ? row.used_at : null },
      new Date(row.now),
    );
    if (verdict === "expired") {
      throw codedError(
        ErrorCode.FORBIDDEN,
        `this registration token expired at ${new Date(row.expires_at).toISOString()}; create a new one`,
        { field: "token" },
      );
    }
    if (verdict === "used") {
      throw codedError(ErrorCode.FORBIDDEN, "this single-use registration token has already been used", {
        field: "token",
      });
    }
    if (row.single_use)
      await m.query("UPDATE registration_token SET used_at = now() WHERE id = $1", [row.id]);
    return row.id;
  }

  async list(args: ConnectionArgs & { includeRevoked?: boolean }): Promise<Connection<Runner>> {
    const page = pageRequest(args, 1);
    const includeRevoked = args.includeRevoked ?? false;
    const [rows, total] = await this.db.read((m) =>
      Promise.all([listRunners(m, page, includeRevoked), countRunners(m, includeRevoked)]),
    );
    return toConnection(rows, page, total, (r) => [r.seq]);
  }

  async get(id: string): Promise<Runner> {
    const runner = isUuid(id) ? await this.db.read((m) => m.findOneBy(Runner, { id })) : null;
    if (!runner) throw notFoundError("runner", id);
    return runner;
  }

  /** Revokes a runner: its secret is refused from now on and its open sockets are closed. Idempotent. */
  async revoke(id: string): Promise<Runner> {
    if (!isUuid(id)) throw notFoundError("runner", id);
    const runner = await this.db.write(async (m) => {
      await m.query("UPDATE runner SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id]);
      return m.findOneBy(Runner, { id });
    });
    if (!runner) throw notFoundError("runner", id);
    this.connections.closeFor("runner", id);
    return runner;
  }

  status(runner: Runner, liveJobs: number): RunnerStatus {
    return runnerStatus(runner, liveJobs, this.options.leaseMs, new Date());
  }

  /** Per request: live job counts of the runners a request shows, in one query. */
  liveJobsLoader(): (runnerId: string) => Promise<number> {
    const loader = new DataLoader<string, number>(async (ids) => {
      const counts = await this.db.read((m) => liveJobCounts(m, [...ids]));
      return ids.map((id) => counts.get(id) ?? 0);
    });
    return (id) => loader.load(id);
  }
}
