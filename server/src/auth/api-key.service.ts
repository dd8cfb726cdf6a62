import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { codedError, ErrorCode, notFoundError } from "../api/errors.js";
import type { Database } from "../db/database.js";
import { ApiKey } from "./api-key.entity.js";
import type { CreateApiKeyInput, CreateApiKeyPayload } from "./api-key.input.js";
import { countApiKeys, insertApiKey, listApiKeys } from "./api-key.repository.js";
import type { Connections } from "./connections.js";
import { isUuid, requireName } from "./validate.js";

export class ApiKeyService {
  constructor(
    private readonly db: Database,
    private readonly connections: Connections,
  ) {}

  create(input: CreateApiKeyInput): Promise<CreateApiKeyPayload> {
    const name = requireName(input.name, "name");
    return this.db.write((m) => insertApiKey(m, name, input.scope));
  }

  async list(args: ConnectionArgs & { includeRevoked?: boolean }): Promise<Connection<ApiKey>> {
    const page = pageRequest(args, 1);
    const includeRevoked = args.includeRevoked ?? false;
    const [rows, total] = await this.db.read((m) =>
      Promise.all([listApiKeys(m, page, includeRevoked), countApiKeys(m, includeRevoked)]),
    );
    return toConnection(rows, page, total, (k) => [k.seq]);
  }

  /**
   * Revokes a key: requests with it are refused from now on and its open sockets are closed. Idempotent.
   * The last active ADMIN key cannot be revoked (nobody could manage keys any more): CONFLICT says so.
   */
  async revoke(id: string, callerKeyId?: string): Promise<ApiKey> {
    if (!isUuid(id)) throw notFoundError("API key", id);
    const key = await this.db.write(async (m) => {
      // Locked, so two admins revoking each other at once cannot both succeed.
      const admins = (await m.query(
        "SELECT id FROM api_key WHERE scope = 'ADMIN' AND revoked_at IS NULL ORDER BY id FOR UPDATE",
      )) as { id: string }[];
      if (admins.length === 1 && admins[0]!.id === id) {
        const whose = id === callerKeyId ? "the key you are using" : "this key";
        throw codedError(
          ErrorCode.CONFLICT,
          `${whose} is the last ADMIN key: revoking it would leave nobody able to manage keys and runners; create another ADMIN key first`,
          { field: "id" },
        );
      }
      await m.query("UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [id]);
      return m.findOneBy(ApiKey, { id });
    });
    if (!key) throw notFoundError("API key", id);
    this.connections.closeFor("apiKey", id);
    return key;
  }
}
