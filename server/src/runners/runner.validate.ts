import { userInputError } from "../api/errors.js";
import { requireName } from "../auth/validate.js";
import type { NewRunner } from "./runner.repository.js";
import type { RegisterRunnerInput } from "./runner.input.js";

export const backends = ["tfjs-node-gpu", "tfjs-node", "native", "wasm", "cpu"] as const;
const labelPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const maxLabels = 32;
export const maxDevices = 16;
export const maxJobsLimit = 64;
/** registerRunner's backendSkipped: reasons, one per backend that did not load (the runner cuts to fit). */
export const maxBackendSkipped = 8;
export const maxBackendSkippedChars = 300;

/** Every field of registerRunner's input checked; the first bad one is a BAD_USER_INPUT naming it. */
export function validateRunnerInput(input: RegisterRunnerInput): Omit<NewRunner, "registrationTokenId"> {
  const name = requireName(input.name, "name");
  if (input.labels.length > maxLabels) {
    throw userInputError(`at most ${maxLabels} labels, got ${input.labels.length}`, { field: "labels" });
  }
  const labels: string[] = [];
  input.labels.forEach((label, i) => {
    const field = `labels[${i}]`;
    if (!labelPattern.test(label)) {
      throw userInputError(
        `${field} "${label}" must be 1 to 64 letters, digits or . _ : - and start with a letter or digit`,
        { field },
      );
    }
    if (labels.includes(label)) throw userInputError(`${field} "${label}" is listed twice`, { field });
    labels.push(label);
  });
  if (!(backends as readonly string[]).includes(input.backend)) {
    throw userInputError(`backend must be one of ${backends.join(", ")}, got "${input.backend}"`, {
      field: "backend",
    });
  }
  const skipped = input.backendSkipped ?? [];
  if (skipped.length > maxBackendSkipped) {
    throw userInputError(`at most ${maxBackendSkipped} backendSkipped reasons, got ${skipped.length}`, {
      field: "backendSkipped",
    });
  }
  const backendSkipped = skipped.map((s, i) =>
    requireName(s, `backendSkipped[${i}]`, maxBackendSkippedChars),
  );
  if (input.devices.length === 0 || input.devices.length > maxDevices) {
    throw userInputError(`devices must list 1 to ${maxDevices} devices, got ${input.devices.length}`, {
      field: "devices",
    });
  }
  const devices = input.devices.map((d, i) => {
    const memoryBytes = d.memoryBytes;
    if (!Number.isSafeInteger(memoryBytes) || memoryBytes <= 0) {
      throw userInputError(
        `devices[${i}].memoryBytes must be a positive whole number of bytes, got ${memoryBytes}`,
        {
          field: `devices[${i}].memoryBytes`,
        },
      );
    }
    return { name: requireName(d.name, `devices[${i}].name`), memoryBytes };
  });
  if (!Number.isInteger(input.maxJobs) || input.maxJobs < 1 || input.maxJobs > maxJobsLimit) {
    throw userInputError(`maxJobs must be 1 to ${maxJobsLimit}, got ${input.maxJobs}`, { field: "maxJobs" });
  }
  return { name, labels, backend: input.backend, backendSkipped, devices, maxJobs: input.maxJobs };
}
