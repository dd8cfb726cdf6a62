// The demo's second experiment: what each method costs at a real model's scale. SmolLM-135M's
// architecture (core's preset, random weights: the figures are costs only) profiled for a few steps per
// method on random tokens, so that full fine-tuning's weights, gradients and AdamW state, LoRA's frozen
// base and QLoRA's 4-bit base are measured, not asserted. The quality experiment on the small pretrained
// base is the other half of the story.

export const PROFILE_EXPERIMENT = "Demo: what each method costs at SmolLM-135M scale";
const PROFILE_BASE = "SmolLM-135M (random weights: cost only)";

const lora = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };

/** The PROFILE experiment (looked up by name first, so a second start reuses it). */
export async function ensureProfileExperiment(gql, findByName) {
  const existing = await findByName(gql, "experiments", PROFILE_EXPERIMENT);
  if (existing) return existing;
  const base =
    (await findByName(gql, "baseModels", PROFILE_BASE)) ??
    (
      await gql(`mutation($input: CreateBaseModelInput!) { createBaseModel(input: $input) { id name } }`, {
        input: { name: PROFILE_BASE, preset: "SmolLM-135M" },
      })
    ).createBaseModel;
  const data = await gql(
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id name } }`,
    {
      input: {
        name: PROFILE_EXPERIMENT,
        kind: "PROFILE",
        description:
          "Cost profiles: 5 steps per method on random tokens (batch 1 × 32) of SmolLM-135M with random weights — peak memory split into weights, gradients, optimizer state and activations, ms/step and tokens/s.",
        // no dataset: the tokens are random
        baseModelId: base.id,
        hyperparameters: { steps: 5, learningRate: 1e-4, batchSize: 1, seqLen: 32, seed: 1 },
        variants: [
          { name: "full", method: { method: "full" } },
          { name: "lora r=8", method: { method: "lora", ...lora } },
          { name: "qlora r=8", method: { method: "qlora", ...lora } },
          { name: "prefix 10 tokens", method: { method: "prefix", num_virtual_tokens: 10 } },
          {
            name: "adapter (Pfeiffer, rf 4)",
            method: { method: "adapter", reduction_factor: 4, placement: "pfeiffer" },
          },
        ],
      },
    },
  );
  return data.createExperiment;
}

/** Whether every run of the profile experiment has finished. */
export async function profileFinished(gql, experimentId) {
  const data = await gql(`query($id: ID!) { experiment(id: $id) { runs { status } } }`, { id: experimentId });
  return data.experiment.runs.every((r) => ["SUCCEEDED", "FAILED", "CANCELLED"].includes(r.status));
}
