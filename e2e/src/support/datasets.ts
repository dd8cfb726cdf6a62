// Datasets the e2e tests train on: tiny, so a run on tunelab-nano takes seconds on a CPU.

/** English → French word pairs as prompt/completion rows (completion-only loss), JSONL. */
export const TRANSLATION_ROWS = [
  "cat:chat",
  "dog:chien",
  "house:maison",
  "car:voiture",
  "bread:pain",
  "water:eau",
  "book:livre",
  "tree:arbre",
]
  .map((pair) => pair.split(":"))
  .map(([en, fr]) => JSON.stringify({ prompt: `Translate '${en}' to French ->`, completion: ` ${fr}` }))
  .join("\n");
