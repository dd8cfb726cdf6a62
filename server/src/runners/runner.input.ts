import "reflect-metadata";
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { ConnectionArgs } from "../api/connection.js";
import { RegistrationToken } from "./registration-token.entity.js";

@InputType()
export class CreateRegistrationTokenInput {
  @Field({ defaultValue: "", description: "Which host or pool it is for (at most 200 characters)." })
  description!: string;

  @Field(() => Int, { defaultValue: 86_400, description: "Lifetime in seconds (1 to 31,536,000)." })
  expiresInSeconds!: number;

  @Field({ defaultValue: true, description: "Consumed by the first runner that registers with it." })
  singleUse!: boolean;
}

@ObjectType()
export class CreateRegistrationTokenPayload {
  @Field({ description: "The token itself (tlt_…). Shown this once: only its sha256 is stored." })
  token!: string;

  @Field(() => RegistrationToken)
  registrationToken!: RegistrationToken;

  @Field({ description: "The shell line to paste on the runner host." })
  command!: string;
}

@InputType()
export class RunnerDeviceInput {
  @Field({ description: "e.g. 'NVIDIA H100 80GB' or 'cpu'." })
  name!: string;

  @Field(() => Float, { description: "Device memory in bytes (a positive integer)." })
  memoryBytes!: number;
}

@InputType()
export class RegisterRunnerInput {
  @Field({ description: "A registration token (tlt_…) from createRegistrationToken." })
  token!: string;

  @Field({ description: "1 to 100 characters, e.g. the host name." })
  name!: string;

  @Field(() => [String], {
    defaultValue: [],
    description: "Placement labels: letters, digits and . _ : - (1 to 64 characters each), at most 32.",
  })
  labels!: string[];

  @Field({ description: "tfjs backend: tfjs-node-gpu, tfjs-node, native, wasm or cpu." })
  backend!: string;

  @Field(() => [String], {
    defaultValue: [],
    description:
      "Why faster backends did not load on this host, one per backend skipped (e.g. 'native: @tunelab/native did not build: libopenblas not found'): at most 8, each 1 to 300 characters without control characters.",
  })
  backendSkipped!: string[];

  @Field(() => [RunnerDeviceInput])
  devices!: RunnerDeviceInput[];

  @Field(() => Int, { defaultValue: 1, description: "Jobs run at once (1 to 64)." })
  maxJobs!: number;
}

@ObjectType()
export class RegisterRunnerPayload {
  @Field(() => ID)
  runnerId!: string;

  @Field({ description: "The runner's secret (tlr_…), for Authorization: Bearer. Shown this once." })
  secret!: string;
}

@ArgsType()
export class RunnersArgs extends ConnectionArgs {
  @Field({ defaultValue: false })
  includeRevoked!: boolean;
}
