import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GraphQLError } from "graphql";
import { DatasetFormat, DatasetKind } from "./dataset.entity.js";
import { parseRows } from "./parse-rows.js";

const { JSONL, CSV } = DatasetFormat;

describe("parseRows accepts", () => {
  const cases: [string, DatasetFormat, string, DatasetKind, unknown[]][] = [
    [
      "JSONL text rows, skipping blank lines but counting them",
      JSONL,
      '{"text":"a"}\n\n{"text":"b"}\n',
      DatasetKind.TEXT,
      [
        { line: 1, text: "a" },
        { line: 3, text: "b" },
      ],
    ],
    [
      "JSONL prompt/completion rows with CRLF",
      JSONL,
      '{"prompt":"p1","completion":"c1"}\r\n{"prompt":"p2","completion":"c2","extra":1}',
      DatasetKind.PROMPT_COMPLETION,
      [
        { line: 1, prompt: "p1", completion: "c1" },
        { line: 2, prompt: "p2", completion: "c2" },
      ],
    ],
    [
      "CSV with a quoted comma and a quoted newline",
      CSV,
      'prompt,completion\n"a, b",c\n"multi\nline",d\n',
      DatasetKind.PROMPT_COMPLETION,
      [
        { line: 2, prompt: "a, b", completion: "c" },
        { line: 4, prompt: "multi\nline", completion: "d" },
      ],
    ],
    [
      "CSV text column with a BOM",
      CSV,
      "\uFEFFtext\nhello\n",
      DatasetKind.TEXT,
      [{ line: 2, text: "hello" }],
    ],
  ];
  for (const [name, format, content, kind, rows] of cases) {
    test(name, () => {
      assert.deepEqual(parseRows(format, content), { kind, rows });
    });
  }
});

describe("parseRows rejects with BAD_USER_INPUT, field and line", () => {
  const valid = '{"text":"ok"}\n';
  const cases: [string, DatasetFormat, string, { field: string; line?: number }][] = [
    ["invalid JSON on line 7", JSONL, `${valid.repeat(6)}{"text": "broken\n`, { field: "content", line: 7 }],
    [
      "a missing field",
      JSONL,
      '{"prompt":"p","completion":"c"}\n{"prompt":"p"}\n',
      { field: "completion", line: 2 },
    ],
    ["a row of another kind", JSONL, `${valid}{"prompt":"p","completion":"c"}\n`, { field: "text", line: 2 }],
    ["a field that is not a string", JSONL, '{"text": 3}\n', { field: "text", line: 1 }],
    ["a line that is not an object", JSONL, '["text"]\n', { field: "content", line: 1 }],
    ["an empty JSONL file", JSONL, "\n  \n", { field: "content" }],
    ["an empty CSV file", CSV, "", { field: "content" }],
    ["a CSV header with only the header", CSV, "text\n", { field: "content" }],
    ["a bad CSV header", CSV, "question,answer\nq,a\n", { field: "question", line: 1 }],
    ["a CSV header missing a column", CSV, "prompt\nq\n", { field: "prompt", line: 1 }],
    ["an empty CSV cell", CSV, "prompt,completion\nq,\n", { field: "completion", line: 2 }],
    ["a CSV row with too many cells", CSV, "text\na\nb,c\n", { field: "content", line: 3 }],
  ];
  for (const [name, format, content, where] of cases) {
    test(name, () => {
      assert.throws(
        () => parseRows(format, content),
        (error: GraphQLError) => {
          assert.equal(error.extensions.code, "BAD_USER_INPUT");
          assert.deepEqual(
            { field: error.extensions.field, line: error.extensions.line },
            { line: undefined, ...where },
          );
          if (where.line) assert.match(error.message, new RegExp(`^line ${where.line}: `));
          return true;
        },
      );
    });
  }
});
