import "reflect-metadata";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryColumn } from "typeorm";

@ObjectType({ description: "How a playground session picks its tokens (the same for every output)." })
export class PlaygroundSampling {
  @Field(() => Float, {
    description: "0: greedy (the most likely token); above: sampling at this temperature.",
  })
  temperature!: number;

  @Field(() => Int, { description: "Sample among the k most likely tokens; 0: among all." })
  topK!: number;

  @Field(() => Int, { description: "At most this many new tokens per output." })
  maxTokens!: number;

  @Field(() => Int, { description: "The sampler's seed: the same seed gives the same tokens." })
  seed!: number;
}

/**
 * A prompt completed by a base model and up to 6 of its adapters (and the base alone), side by side, by
 * one GENERATE run: the session's id is its run's, and so is its status.
 */
@ObjectType({
  description:
    "A prompt completed by a base model with each of its chosen adapters (and alone), streamed token by token.",
})
@Entity({ name: "playground_session" })
export class PlaygroundSession {
  @Field(() => ID, { description: "The id of the GENERATE run that produces its outputs." })
  @PrimaryColumn("uuid", { name: "run_id" })
  id!: string;

  @Field(() => ID)
  @Column("uuid", { name: "base_model_id" })
  baseModelId!: string;

  @Field()
  @Column("text")
  prompt!: string;

  @Field(() => PlaygroundSampling)
  @Column("jsonb")
  sampling!: PlaygroundSampling;

  @Field()
  @CreateDateColumn({ name: "created_at", type: "timestamptz", precision: 3 })
  createdAt!: Date;
}

/** One column of a session: the base with one adapter (or alone), its text so far. */
@ObjectType({ description: "One output of a playground session: the base with one adapter, or alone." })
@Entity({ name: "playground_output" })
export class PlaygroundOutput {
  @PrimaryColumn("uuid", { name: "run_id" })
  sessionId!: string;

  @Field(() => Int, { description: "Its column, from 0 (the base alone comes first when included)." })
  @PrimaryColumn("integer")
  position!: number;

  @Field(() => ID, { nullable: true, description: "Null: the base model alone." })
  @Column("uuid", { name: "adapter_id", nullable: true })
  adapterId!: string | null;

  @Field({ description: "The completion so far (the prompt not included)." })
  @Column("text")
  text!: string;

  @Field(() => Int, { description: "Tokens generated so far." })
  @Column("integer", { name: "token_count" })
  tokenCount!: number;

  @Field({ description: "No more tokens will come (max tokens reached, end of text, or an error)." })
  @Column("boolean")
  done!: boolean;

  @Field(() => String, { nullable: true, description: "Why this output stopped early, if it did." })
  @Column("text", { nullable: true })
  error!: string | null;

  @Field()
  @Column({ type: "timestamptz", name: "updated_at", precision: 3 })
  updatedAt!: Date;
}
