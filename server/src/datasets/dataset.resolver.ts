import "reflect-metadata";
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import { ConnectionArgs, connectionType } from "../api/connection.js";
import type { RequestContext } from "../app/context.js";
import { requireScope } from "../auth/guards.js";
import { uploadOwnerOf } from "../uploads/staged-upload.repository.js";
import { DatasetRow } from "./dataset-row.entity.js";
import { Dataset } from "./dataset.entity.js";
import { CreateDatasetInput } from "./dataset.input.js";
import type { DatasetService } from "./dataset.service.js";

export const DatasetConnection = connectionType(Dataset);

@Resolver(() => Dataset)
export class DatasetResolver {
  constructor(private readonly service: DatasetService) {}

  @Mutation(() => Dataset, {
    description: "Stores a dataset version; the same content and split returns the existing one.",
  })
  createDataset(@Arg("input") input: CreateDatasetInput, @Ctx() ctx: RequestContext): Promise<Dataset> {
    requireScope(ctx, "read-write");
    return this.service.create(input, uploadOwnerOf(ctx.auth));
  }

  @Query(() => Dataset)
  dataset(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Dataset> {
    requireScope(ctx, "read");
    return this.service.get(id);
  }

  @Query(() => DatasetConnection, { description: "Datasets, newest first." })
  datasets(@Args() args: ConnectionArgs, @Ctx() ctx: RequestContext) {
    requireScope(ctx, "read");
    return this.service.list(args);
  }

  @FieldResolver(() => [DatasetRow], {
    description: "The first rows in upload order, each marked TRAIN or EVAL.",
  })
  rows(
    @Root() dataset: Dataset,
    @Arg("first", () => Int, { defaultValue: 10 }) first: number,
    @Ctx() ctx: RequestContext,
  ): Promise<DatasetRow[]> {
    return ctx.loaders.datasetPreview(dataset.id, first);
  }

  @Subscription(() => Dataset, {
    // A function so that the guard runs once, when the subscription starts.
    topics: ({ context }: { context: RequestContext }) => {
      requireScope(context, "read");
      return "DATASET_CREATED";
    },
    description: "Each newly stored dataset version.",
  })
  datasetCreated(@Root() dataset: Dataset): Dataset {
    return dataset;
  }
}
