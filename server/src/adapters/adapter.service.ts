import { type Connection, type ConnectionArgs, pageRequest, toConnection } from "../api/connection.js";
import { notFoundError, userInputError } from "../api/errors.js";
import type { Database } from "../db/database.js";
import { isUuid } from "../runs/uuid.js";
import type { Adapter } from "./adapter.entity.js";
import type { AdapterFilter } from "./adapter.input.js";
import { countAdapters, findAdapter, listAdapters } from "./adapter.repository.js";

export class AdapterService {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<Adapter> {
    const adapter = isUuid(id) ? await this.db.read((m) => findAdapter(m, id)) : null;
    if (!adapter) throw notFoundError("adapter", id);
    return adapter;
  }

  list(filter: AdapterFilter | null | undefined, args: ConnectionArgs): Promise<Connection<Adapter>> {
    const page = pageRequest(args, 1);
    const f = filter ?? {};
    for (const field of ["baseModelId", "experimentId"] as const) {
      const id = f[field];
      if (id != null && !isUuid(id)) {
        throw userInputError(`filter.${field} is not an id: ${JSON.stringify(id)}`, {
          field: `filter.${field}`,
        });
      }
    }
    return this.db.read(async (m) =>
      toConnection(await listAdapters(m, f, page), page, await countAdapters(m, f), (a) => [a.seq]),
    );
  }
}
