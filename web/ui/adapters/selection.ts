// Whether ticked adapters can go to an action that takes several at once: the API's own bounds, said
// before a request is made (the server checks them again).

/** evaluateAdapters and the playground each take adapters of one base model, up to these many. */
export const SELECTION_LIMITS = { evaluate: 16, playground: 6 } as const;

export type SelectionAction = keyof typeof SELECTION_LIMITS;

/** Why the selection cannot go to the action, or null when it can. */
export function selectionProblem(
  selected: readonly { baseModel: { id: string } }[],
  action: SelectionAction,
): string | null {
  if (selected.length === 0) return "Tick adapters first.";
  if (new Set(selected.map((a) => a.baseModel.id)).size > 1) {
    return "These are for different base models: pick one base model's adapters.";
  }
  const limit = SELECTION_LIMITS[action];
  if (selected.length > limit) return `At most ${limit} adapters at once (${selected.length} ticked).`;
  return null;
}
