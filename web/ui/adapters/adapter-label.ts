// How an adapter is named in lists and headings: it has no name of its own, so its run's, else its note's
// first line, else its method and id.

export interface LabelledAdapter {
  id: string;
  method: string;
  methodConfig: Record<string, unknown>;
  note?: string | null;
  run?: { name: string } | null;
}

const NOTE_CHARS = 60;

export function adapterTitle(a: LabelledAdapter): string {
  if (a.run) return a.run.name;
  const firstLine = a.note?.split("\n")[0]?.trim();
  if (firstLine) return firstLine.length > NOTE_CHARS ? `${firstLine.slice(0, NOTE_CHARS - 1)}…` : firstLine;
  return `${methodLabel(a)} ${a.id.slice(0, 8)}`;
}

/** "dora" for a LoRA config with use_dora: PEFT stores DoRA as LoRA with a flag. */
export function methodLabel(a: Pick<LabelledAdapter, "method" | "methodConfig">): string {
  return a.method === "lora" && a.methodConfig.use_dora === true ? "dora" : a.method;
}
