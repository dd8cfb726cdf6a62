import { parse as parseCsv } from "csv-parse/sync";
import { userInputError } from "../api/errors.js";
import { DatasetFormat, DatasetKind } from "./dataset.entity.js";

/** A row as parsed from the upload, before the split. */
export type ParsedRow = { line: number } & (
  | { text: string; prompt?: undefined; completion?: undefined }
  | { text?: undefined; prompt: string; completion: string }
);

export interface ParsedDataset {
  kind: DatasetKind;
  rows: ParsedRow[];
}

/**
 * Parses JSONL (one object per line: {"text"} or {"prompt","completion"}) or CSV (a header naming the
 * same columns). Every row must be of the first row's kind. Errors are BAD_USER_INPUT naming the line
 * (1-based) and the field.
 */
export function parseRows(format: DatasetFormat, content: string): ParsedDataset {
  const rows = format === DatasetFormat.JSONL ? parseJsonl(content) : parseCsvRows(content);
  if (rows.length === 0) {
    throw userInputError("the dataset has no rows: content is empty", { field: "content" });
  }
  return { kind: rows[0]!.text === undefined ? DatasetKind.PROMPT_COMPLETION : DatasetKind.TEXT, rows };
}

function parseJsonl(content: string): ParsedRow[] {
  const rows: ParsedRow[] = [];
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const source = lines[i]!;
    const line = i + 1;
    if (source.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw userInputError(`line ${line}: invalid JSON (${(error as Error).message})`, {
        field: "content",
        line,
      });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw userInputError(`line ${line}: expected a JSON object like {"text": "..."}`, {
        field: "content",
        line,
      });
    }
    rows.push(toRow(value as Record<string, unknown>, line, rows[0]));
  }
  return rows;
}

const columnSets = [["text"], ["prompt", "completion"]];

function parseCsvRows(content: string): ParsedRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(content, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw userInputError(`line ${line ?? "?"}: invalid CSV (${(error as Error).message})`, {
      field: "content",
      ...(line === undefined ? {} : { line }),
    });
  }
  if (records.length === 0) return [];
  const header = records[0]!.record.map((h) => h.trim());
  const expected = columnSets.find(
    (set) => set.length === header.length && set.every((c) => header.includes(c)),
  );
  if (!expected) {
    const unknown = header.find((h) => !columnSets.flat().includes(h));
    throw userInputError(
      `line 1: the CSV header must be "text" or "prompt,completion", got "${header.join(",")}"`,
      { field: unknown ?? header.join(","), line: 1 },
    );
  }
  const rows: ParsedRow[] = [];
  for (const { record, info } of records.slice(1)) {
    const object = Object.fromEntries(header.map((name, i) => [name, record[i]]));
    rows.push(toRow(object, info.lines, rows[0]));
  }
  return rows;
}

/** Checks one row's fields against its kind (and the first row's kind). */
function toRow(object: Record<string, unknown>, line: number, first: ParsedRow | undefined): ParsedRow {
  const wantsText = first ? first.text !== undefined : !("prompt" in object || "completion" in object);
  const fields = wantsText ? ["text"] : ["prompt", "completion"];
  for (const field of fields) {
    const value = object[field];
    if (value === undefined || value === null || value === "") {
      const kind = wantsText ? `{"text"}` : `{"prompt", "completion"}`;
      throw userInputError(`line ${line}: missing field "${field}" (rows are ${kind})`, { field, line });
    }
    if (typeof value !== "string") {
      throw userInputError(`line ${line}: field "${field}" must be a string, got ${typeof value}`, {
        field,
        line,
      });
    }
  }
  return wantsText
    ? { line, text: object.text as string }
    : { line, prompt: object.prompt as string, completion: object.completion as string };
}
