import "reflect-metadata";
import {
  countParameters,
  type Estimate as CoreEstimate,
  estimate,
  formatTrainable,
  METHOD_CATALOG,
  MODEL_PRESETS,
} from "@tunelab/core";
import { Args, Extensions, Query, Resolver } from "type-graphql";
import { workCost } from "../app/limits.js";
import { withInputPrefix } from "../api/errors.js";
import { Estimate, EstimateArgs, MethodInfoView, ModelPreset, type NamedAmount } from "./estimate.types.js";

/**
 * Pure arithmetic from core: nothing stored is read, so these need no credentials (a calculator the
 * dashboard's forms and scripts call before anything runs).
 */
@Resolver()
export class EstimateResolver {
  @Extensions(workCost(50)) // core's arithmetic: anonymous callers cannot ask for thousands at once
  @Query(() => Estimate, {
    description:
      "Trainable/total parameters (as PEFT prints them) and the predicted training memory, term by term, for a model and a method. Bad fields are BAD_USER_INPUT naming them (model.hidden_size, method.r, seqLen).",
  })
  estimate(@Args() args: EstimateArgs): Estimate {
    return toView(withInputPrefix("", () => estimate(args)));
  }

  @Query(() => [ModelPreset], { description: "Model configs known by name." })
  modelPresets(): ModelPreset[] {
    return Object.entries(MODEL_PRESETS).map(([name, config]) => ({
      name,
      config: { ...config },
      parameters: countParameters(name, { method: "full" }).base,
      local: name.startsWith("tunelab-"),
    }));
  }

  @Query(() => [MethodInfoView], { description: "The methods Tunelab trains and their config fields." })
  methods(): MethodInfoView[] {
    return METHOD_CATALOG.map((info) => ({
      method: info.method,
      name: info.name,
      description: info.description,
      fields: info.fields.map((f) => ({ ...f, allowed: f.allowed ? [...f.allowed] : undefined })),
      constants: named(info.constants ?? {}),
    }));
  }
}

function toView(e: CoreEstimate): Estimate {
  const { frozenByDtype, activationDetail, parameters: _p, ...bytes } = e.memory;
  return {
    model: { ...e.model },
    method: { ...e.method },
    targetModules: e.targetModules,
    parameters: {
      trainable: e.parameters.trainable,
      total: e.parameters.total,
      trainablePercent: e.parameters.trainablePercent,
      base: e.parameters.base,
      byModule: named(e.parameters.byModule),
      peftLine: formatTrainable(e.parameters),
    },
    memory: { ...bytes, frozenByDtype: named(frozenByDtype), activationDetail: { ...activationDetail } },
  };
}

function named(record: Record<string, number>): NamedAmount[] {
  return Object.entries(record).map(([name, amount]) => ({ name, amount }));
}
