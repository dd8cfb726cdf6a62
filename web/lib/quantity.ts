// A budget as a person types it ("1.5 GB", "2M", "10 min", "800") → a number in the axis's base unit (bytes,
// parameters, ms, tokens/s), the unit GraphQL `pareto(budget:)` takes. Sizes are binary whichever way they are
// written (1 GB = 1 GiB = 1024³ B), the house convention: an "80 GB" GPU has 80 GiB (core's formatBytes).
export type QuantityUnit = "bytes" | "count" | "ms" | "tokens/s" | "loss";

const MULTIPLIERS: Record<QuantityUnit, Record<string, number>> = {
  bytes: {
    b: 1,
    kb: 2 ** 10,
    mb: 2 ** 20,
    gb: 2 ** 30,
    tb: 2 ** 40,
    kib: 2 ** 10,
    mib: 2 ** 20,
    gib: 2 ** 30,
    tib: 2 ** 40,
  },
  count: { "": 1, k: 1e3, m: 1e6, b: 1e9 },
  ms: { ms: 1, s: 1e3, sec: 1e3, min: 60e3, h: 3600e3 },
  "tokens/s": { "": 1, "tokens/s": 1, "tok/s": 1 },
  loss: { "": 1 },
};

const EXAMPLES: Record<QuantityUnit, string> = {
  bytes: "1.5 GiB",
  count: "2M",
  ms: "10 min",
  "tokens/s": "500",
  loss: "1.5",
};

export type ParsedQuantity = { value: number; error?: undefined } | { value?: undefined; error: string };

export function parseQuantity(text: string, unit: QuantityUnit): ParsedQuantity {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*([a-z/]*)\s*$/i.exec(text);
  const multiplier = m ? MULTIPLIERS[unit][m[3]!.toLowerCase()] : undefined;
  if (!m || multiplier === undefined) {
    const units = Object.keys(MULTIPLIERS[unit]).filter(Boolean);
    return {
      error: `not a ${unit === "bytes" ? "size" : "number"}: try "${EXAMPLES[unit]}"${units.length ? ` (units: ${units.join(", ")})` : ""}`,
    };
  }
  return { value: Number(`${m[1]}e${m[2] ?? 0}`) * multiplier };
}

/** The placeholder for a budget field on this axis. */
export function quantityExample(unit: QuantityUnit): string {
  return EXAMPLES[unit];
}
