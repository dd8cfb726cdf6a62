import type { EntityManager } from "typeorm";
import type { PageRequest } from "../api/connection.js";
import { ApiKey, type ApiKeyScope, secretHint } from "./api-key.entity.js";
import { generateSecret, hashSecret } from "./secrets.js";

/** Inserts a new key; returns the secret (the only time it exists outside the caller) and the row. */
export async function insertApiKey(
  m: EntityManager,
  name: string,
  scope: ApiKeyScope,
): Promise<{ key: string; apiKey: ApiKey }> {
  const key = generateSecret("tlk");
  const apiKey = await m.save(
    m.create(ApiKey, { name, scope, keyHash: hashSecret(key), keyHint: secretHint(key) }),
  );
  return { key, apiKey: await m.findOneByOrFail(ApiKey, { id: apiKey.id }) };
}

/** Keys newest first (seq descending), `first + 1` rows after the cursor. */
export function listApiKeys(m: EntityManager, page: PageRequest, includeRevoked: boolean): Promise<ApiKey[]> {
  const q = m
    .createQueryBuilder(ApiKey, "k")
    .orderBy("k.seq", "DESC")
    .limit(page.first + 1);
  if (!includeRevoked) q.andWhere("k.revoked_at IS NULL");
  if (page.after) q.andWhere("k.seq < :seq", { seq: page.after[0] });
  return q.getMany();
}

export function countApiKeys(m: EntityManager, includeRevoked: boolean): Promise<number> {
  const q = m.createQueryBuilder(ApiKey, "k");
  if (!includeRevoked) q.where("k.revoked_at IS NULL");
  return q.getCount();
}
