import "reflect-metadata";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { bigintAsNumber } from "../db/transformers.js";
import type { Scope } from "./secrets.js";

export enum ApiKeyScope {
  /** Queries and subscriptions only. */
  READ = "READ",
  /** Queries, subscriptions and mutations. */
  READ_WRITE = "READ_WRITE",
  /** Everything, including API keys, registration tokens and runners. */
  ADMIN = "ADMIN",
}
registerEnumType(ApiKeyScope, { name: "ApiKeyScope", description: "What an API key may do." });

const scopes: [ApiKeyScope, Scope][] = [
  [ApiKeyScope.READ, "read"],
  [ApiKeyScope.READ_WRITE, "read-write"],
  [ApiKeyScope.ADMIN, "admin"],
];
export const scopeOf = (s: ApiKeyScope): Scope => scopes.find(([c]) => c === s)?.[1] ?? "read";
export const scopeColumn = (s: Scope): ApiKeyScope => scopes.find(([, v]) => v === s)![0];

/** An API key for people and scripts. Only its sha256 is stored; the key itself is shown once. */
@ObjectType({ description: "An API key (the secret itself is shown only when it is created)." })
@Entity({ name: "api_key" })
export class ApiKey {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field()
  @Column("text")
  name!: string;

  @Column("text", { name: "key_hash" })
  keyHash!: string;

  @Field({ description: "The key's first characters, to tell keys apart (e.g. tlk_Ab3x…)." })
  @Column("text", { name: "key_hint" })
  keyHint!: string;

  @Field(() => ApiKeyScope)
  @Column("text")
  scope!: ApiKeyScope;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "Approximate (updated at most once a minute)." })
  @Column({ type: "timestamptz", name: "last_used_at", precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "revoked_at", precision: 3, nullable: true })
  revokedAt!: Date | null;
}

/** What a secret's hint shows: the prefix and four characters. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, 8)}…`;
}
