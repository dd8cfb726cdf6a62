import "reflect-metadata";
import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";
import { checkRegistrationToken } from "../auth/secrets.js";
import { bigintAsNumber } from "../db/transformers.js";

/** A token a GPU host registers a runner with. Only its sha256 is stored; the token is shown once. */
@ObjectType({ description: "A runner registration token (the token itself is shown only when created)." })
@Entity({ name: "registration_token" })
export class RegistrationToken {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "bigint", insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @Field()
  @Column("text")
  description!: string;

  @Column("text", { name: "token_hash" })
  tokenHash!: string;

  @Field({ description: "The token's first characters (tlt_Ab3x…)." })
  @Column("text", { name: "token_hint" })
  tokenHint!: string;

  @Field({ description: "Consumed by the first registerRunner." })
  @Column("boolean", { name: "single_use" })
  singleUse!: boolean;

  @Field()
  @Column({ type: "timestamptz", name: "expires_at", precision: 3 })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "used_at", precision: 3, nullable: true })
  usedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: "timestamptz", name: "revoked_at", precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;

  /** What registerRunner checks (secrets.ts checkRegistrationToken), read for the list's Revoke button. */
  @Field({
    description:
      "Whether it can still register a runner: not revoked, not expired, not a used single-use token.",
  })
  get usable(): boolean {
    const state = { expiresAt: this.expiresAt, usedAt: this.singleUse ? this.usedAt : null };
    return this.revokedAt === null && checkRegistrationToken(state, new Date()) === "ok";
  }
}
