import { RUN_COLORS } from "./series";

/**
 * The dashboard's colours in one place: runs and methods are categories; memory components have their own
 * scheme (charts/bars.tsx). Issue 16 reworks the values so the two never share hues (colour-blind safe).
 */
const METHOD_ORDER = ["full", "lora", "qlora", "dora", "prefix", "prompt", "ia3", "adapter"];

/** One colour per method name, stable across pages (a sweep's runs of one method share it). */
export function methodColor(method: string): string {
  const i = METHOD_ORDER.indexOf(method);
  return RUN_COLORS[(i < 0 ? METHOD_ORDER.length + (hash(method) % 8) : i) % RUN_COLORS.length]!;
}

/** The colour of the i-th run of a list. */
export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length]!;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
