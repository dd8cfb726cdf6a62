"use client";
import { type FormEvent, useState } from "react";
import { graphql } from "../../lib/gql";
import type { DatasetFormat } from "../../lib/gql/graphql";
import { useMutation } from "../../lib/hooks";
import { uploadFile } from "../../lib/uploads";
import { ErrorMessage } from "../common/error-message";

const CreateDataset = graphql(`
  mutation CreateDataset($input: CreateDatasetInput!) {
    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }
  }
`);

function formatOf(fileName: string): DatasetFormat {
  return fileName.toLowerCase().endsWith(".csv") ? "CSV" : "JSONL";
}

export function UploadForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [format, setFormat] = useState<DatasetFormat>("JSONL");
  const [content, setContent] = useState("");
  const [evalFraction, setEvalFraction] = useState("0.1");
  const [created, setCreated] = useState<string>();
  const { mutate, pending, error } = useMutation(CreateDataset);

  async function onFile(file: File | undefined) {
    if (!file) return;
    setContent(await file.text());
    setFormat(formatOf(file.name));
    setName(file.name.replace(/\.(jsonl|csv|json)$/i, ""));
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setCreated(undefined);
    // the file goes to POST /uploads first: a GraphQL body is held to 256 KiB, a dataset may be megabytes
    const result = await mutate(async () => ({
      input: {
        name: name.trim(),
        format,
        contentUploadId: await uploadFile(content),
        evalFraction: Number(evalFraction),
      },
    }));
    if (result) {
      const d = result.createDataset;
      setCreated(
        `Stored "${d.name}": ${d.rowCount} rows (${d.trainRowCount} train, ${d.evalRowCount} eval).`,
      );
      onCreated();
    }
  }

  const badLine = error?.line != null ? content.split(/\r?\n/)[error.line - 1] : undefined;
  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="upload-title">
      <h2 id="upload-title" style={{ marginTop: 0 }}>
        Upload a dataset
      </h2>
      <div className="grid">
        <div className="field">
          <label htmlFor="dataset-file">File (JSONL or CSV)</label>
          <input
            id="dataset-file"
            type="file"
            accept=".jsonl,.csv,.json,.txt,application/jsonl,text/csv"
            onChange={(e) => void onFile(e.target.files?.[0])}
          />
        </div>
        <div className="field">
          <label htmlFor="dataset-name">Name</label>
          <input
            id="dataset-name"
            type="text"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="dataset-format">Format</label>
          <select
            id="dataset-format"
            value={format}
            onChange={(e) => setFormat(e.target.value as DatasetFormat)}
          >
            <option value="JSONL">JSONL</option>
            <option value="CSV">CSV</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="dataset-eval">
            Eval fraction <span className="hint">(0 to 0.5)</span>
          </label>
          <input
            id="dataset-eval"
            type="number"
            min={0}
            max={0.5}
            step={0.05}
            value={evalFraction}
            onChange={(e) => setEvalFraction(e.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="dataset-content">
          Content <span className="hint">(filled from the file; you can also paste here)</span>
        </label>
        <textarea
          id="dataset-content"
          rows={6}
          value={content}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "upload-error" : undefined}
          onChange={(e) => setContent(e.target.value)}
        />
      </div>
      <div id="upload-error">
        <ErrorMessage error={error} context="Upload rejected" />
        {badLine !== undefined ? (
          <div className="error" data-testid="bad-line">
            Line {error?.line} of the file:
            <pre>{badLine}</pre>
          </div>
        ) : null}
      </div>
      {created ? (
        <p className="notice" role="status">
          {created}
        </p>
      ) : null}
      <button type="submit" disabled={pending || !content || !name.trim()}>
        {pending ? "Uploading…" : "Upload"}
      </button>
    </form>
  );
}
