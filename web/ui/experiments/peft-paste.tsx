"use client";
import { fromPeftConfig } from "@tunelab/core/dist/methods/peft-config.js";
import { useState } from "react";

/**
 * A variant from a pasted PEFT adapter_config.json. core's fromPeftConfig reads it here for the preview and
 * the estimate (the same code the server runs), and the server gets the pasted file itself (`peftConfig`),
 * so its errors name the file's keys. A LORA config may train over an NF4 base (QLoRA; QDoRA with use_dora).
 */
export interface PastedPeft {
  config: Record<string, unknown>;
  overNf4: boolean;
}

/** The method the pasted file trains as, or the error core gives for it. */
export function pastedMethod(p: PastedPeft): { method: Record<string, unknown> } | { error: string } {
  try {
    const method = fromPeftConfig(p.config, undefined, p.overNf4 ? { method: "qlora" } : undefined);
    return { method: { ...method } };
  } catch (e) {
    const field = (e as { field?: string }).field;
    return { error: `${field ? `${field}: ` : ""}${(e as Error).message}` };
  }
}

/** The paste box: adds a variant when the text is a JSON object core can read. */
export function PeftPaste({ onAdd }: { onAdd: (pasted: PastedPeft, method: string) => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  function add() {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      setError(`not JSON: ${(e as Error).message}`);
      return;
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      setError("adapter_config.json must be a JSON object");
      return;
    }
    const pasted = { config: json as Record<string, unknown>, overNf4: false };
    const read = pastedMethod(pasted);
    if ("error" in read) {
      setError(read.error);
      return;
    }
    setError(null);
    setText("");
    onAdd(pasted, String(read.method.method));
  }
  return (
    <div className="field" style={{ marginTop: 12 }}>
      <label htmlFor="peft-paste">
        Or paste a PEFT adapter_config.json{" "}
        <span className="hint">
          LORA (use_dora, rank_pattern, layers_to_transform…), PREFIX_TUNING, PROMPT_TUNING, IA3
        </span>
      </label>
      <textarea
        id="peft-paste"
        rows={4}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby="peft-paste-error"
        onChange={(e) => setText(e.target.value)}
      />
      {error ? (
        <div id="peft-paste-error" className="error" role="alert">
          {error}
        </div>
      ) : null}
      <button type="button" className="secondary" onClick={add} disabled={text.trim() === ""}>
        Add from adapter_config.json
      </button>
    </div>
  );
}

/** A pasted variant's body: what it trains as, and (LORA) whether over an NF4 base. */
export function PastedPeftFields({
  uid,
  pasted,
  onChange,
}: {
  uid: number;
  pasted: PastedPeft;
  onChange: (p: PastedPeft) => void;
}) {
  const read = pastedMethod(pasted);
  return (
    <>
      <p className="muted">From a pasted adapter_config.json ({String(pasted.config.peft_type)}):</p>
      {"error" in read ? (
        <div className="error" role="alert">
          {read.error}
        </div>
      ) : (
        <pre data-testid="peft-method">{JSON.stringify(read.method, null, 1)}</pre>
      )}
      {pasted.config.peft_type === "LORA" ? (
        <label className="check">
          <input
            id={`v${uid}-over-nf4`}
            type="checkbox"
            checked={pasted.overNf4}
            onChange={(e) => onChange({ ...pasted, overNf4: e.target.checked })}
          />
          over an NF4 base (QLoRA)
        </label>
      ) : null}
    </>
  );
}
