"use client";
import { useRouter } from "next/navigation";
import { type DragEvent, type FormEvent, useState } from "react";
import { formatBytes } from "../../lib/format";
import { graphql } from "../../lib/gql";
import { useMutation, useQuery } from "../../lib/hooks";
import { uploadFile } from "../../lib/uploads";
import { ErrorMessage } from "../common/error-message";
import { CONFIG_FILE, missingFiles, type Picked, pickFolderFiles } from "./import-files";

const ImportBaseModels = graphql(`
  query ImportBaseModels {
    baseModels(first: 100) { edges { node { id name status } } }
  }
`);

const ImportAdapter = graphql(`
  mutation ImportAdapter($input: ImportAdapterInput!) {
    importAdapter(input: $input) { id }
  }
`);

/** The file through POST /uploads (a GraphQL body is held to 256 KiB; weights are megabytes), by its id. */
async function asInput(file: File) {
  return { name: file.name.split(/[\\/]/).pop() ?? file.name, uploadId: await uploadFile(file) };
}

/**
 * Which slot the server's error is about: a config key (adapter_config.json.…), files[i] in the order they
 * are sent (config, then weights), or a tensor or the weights file's header.
 */
function slotOf(field: string | undefined): "config" | "weights" | null {
  if (!field || field === "baseModelId" || field === "note" || field === "files") return null;
  if (field.startsWith(CONFIG_FILE) || field.startsWith("files[0]")) return "config";
  return "weights";
}

export function ImportForm() {
  const router = useRouter();
  const bases = useQuery(ImportBaseModels, {});
  const { mutate, pending, error, clearError } = useMutation(ImportAdapter);
  const [picked, setPicked] = useState<Picked<File>>({ ignored: [] });
  const [baseModelId, setBaseModelId] = useState("");
  const [note, setNote] = useState("");
  const [over, setOver] = useState(false);
  const missing = missingFiles(picked);
  const baseModels =
    bases.data?.baseModels.edges.map((e) => e.node).filter((b) => b.status !== "FAILED") ?? [];
  const badSlot = slotOf(error?.field);

  function take(files: FileList | null | undefined) {
    if (!files?.length) return;
    clearError();
    setPicked((previous) => pickFolderFiles(Array.from(files), previous));
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    take(event.dataTransfer.files);
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const { config, weights } = picked;
    if (!config || !weights) return;
    const result = await mutate(async () => ({
      input: {
        baseModelId,
        note: note.trim() || undefined,
        files: [await asInput(config), await asInput(weights)],
      },
    }));
    if (result) router.push(`/adapter?id=${result.importAdapter.id}`);
  }

  const slot = (label: string, file: File | undefined, which: "config" | "weights") => (
    <li data-testid={`slot-${which}`} aria-invalid={badSlot === which || undefined}>
      <code>{label}</code>:{" "}
      {file ? (
        <>
          {file.name} <span className="muted">({formatBytes(file.size)})</span>
        </>
      ) : (
        <span className="muted">not yet</span>
      )}
    </li>
  );

  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="import-title">
      <h2 id="import-title" style={{ marginTop: 0 }}>
        Import an adapter
      </h2>
      <p className="muted">
        A folder saved by PEFT's <code>save_pretrained</code> (LoRA, DoRA, IA³, prefix or prompt tuning) or a
        bottleneck adapter saved by the adapters library's <code>save_adapter</code>, for a base model
        registered here. Every tensor is checked against what the config implies for that base.
      </p>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the file input below is the accessible way in */}
      <div
        className={over ? "drop-zone over" : "drop-zone"}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p style={{ margin: 0 }}>
          Drop <code>{CONFIG_FILE}</code> and the weights (<code>adapter_model.safetensors</code>, or{" "}
          <code>adapter.safetensors</code> for a bottleneck adapter) here, or
        </p>
        <label htmlFor="import-files">Choose the files</label>
        <input
          id="import-files"
          type="file"
          multiple
          accept=".json,.safetensors,.bin"
          onChange={(e) => take(e.target.files)}
        />
        <ul>
          {slot(CONFIG_FILE, picked.config, "config")}
          {slot("weights", picked.weights, "weights")}
        </ul>
        {picked.ignored.length > 0 ? (
          <p className="muted">Ignored (not part of an adapter folder): {picked.ignored.join(", ")}</p>
        ) : null}
      </div>
      <div className="grid">
        <div className="field">
          <label htmlFor="import-base">For base model</label>
          <select
            id="import-base"
            required
            value={baseModelId}
            aria-invalid={error?.field === "baseModelId" || undefined}
            onChange={(e) => setBaseModelId(e.target.value)}
          >
            <option value="">
              {bases.data && baseModels.length === 0 ? "No base model registered" : "Choose…"}
            </option>
            {baseModels.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="import-note">
            Note <span className="hint">(where it came from, what it is)</span>
          </label>
          <textarea
            id="import-note"
            rows={2}
            maxLength={2000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </div>
      </div>
      <ErrorMessage error={bases.error} context="Could not list base models" />
      <ErrorMessage error={error} context="Import refused" />
      <button type="submit" disabled={pending || missing.length > 0 || !baseModelId}>
        {pending ? "Importing…" : "Import"}
      </button>{" "}
      {missing.length > 0 ? <span className="muted">Still needed: {missing.join(", ")}</span> : null}
    </form>
  );
}
