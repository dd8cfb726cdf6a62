import type { ValueTransformer } from "typeorm";

/** bigint columns arrive as strings from pg; our sizes and counts fit a double exactly (< 2^53). */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number | bigint | null) => (value === null ? null : Number(value)),
};
