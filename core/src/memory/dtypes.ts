export const DTYPES = ["float32", "bfloat16", "float16"] as const;
export type Dtype = (typeof DTYPES)[number];

export function dtypeBytes(dtype: Dtype): number {
  return dtype === "float32" ? 4 : 2;
}
