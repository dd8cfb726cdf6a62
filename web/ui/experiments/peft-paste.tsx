"use client";
import { useState } from "react";
import { type PastedPeft, pastedMethod, readPasted } from "./peft-variant";

/**
 * The paste box and a pasted variant's body (peft-variant.ts reads the file with core's fromPeftConfig).
 */

/** The paste box: adds a variant when the text is a JSON object core can read. */
export function PeftPaste({ onAdd }: { onAdd: (pasted: PastedPeft, method: string) => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  function add() {
    const read = readPasted(text);
    if ("error" in read) {
      setError(read.error);
      return;
    }
    setError(null);
    setText("");
    onAdd(read.pasted, read.method);
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
