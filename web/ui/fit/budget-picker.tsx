import { bytesToGibText, gibToBytes } from "./fit-figures";

export interface GpuSize {
  name: string;
  memoryBytes: number;
}

export interface RunnerChoice {
  id: string;
  name: string;
  status: string;
  maxDeviceMemoryBytes: number;
  devices: { name: string; memoryBytes: number }[];
}

/** The budget: typed in GiB, or set by picking a common GPU or a registered runner's largest device. */
export interface Budget {
  gib: string;
  gpu: string;
  runnerId: string;
}

export function BudgetPicker({
  budget,
  onChange,
  gpus,
  runners,
}: {
  budget: Budget;
  onChange: (b: Budget) => void;
  gpus: GpuSize[];
  /** null: the runners could not be listed (no API key). */
  runners: RunnerChoice[] | null;
}) {
  const invalid = budget.gib.trim() !== "" && gibToBytes(budget.gib) === null;
  return (
    <fieldset className="card">
      <legend>
        <strong>Memory budget</strong>
      </legend>
      <div className="field">
        <label htmlFor="fit-budget">
          Budget in GiB <span className="hint">(as GPUs are sold: an "80 GB" A100 has 80 GiB)</span>
        </label>
        <input
          id="fit-budget"
          type="number"
          min={0}
          step="any"
          value={budget.gib}
          aria-invalid={invalid || undefined}
          data-bytes={gibToBytes(budget.gib) ?? ""}
          onChange={(e) => onChange({ gib: e.target.value, gpu: "", runnerId: "" })}
        />
      </div>
      <div className="field">
        <label htmlFor="fit-gpu">Or a common GPU</label>
        <select
          id="fit-gpu"
          value={budget.gpu}
          onChange={(e) => {
            const gpu = gpus.find((g) => g.name === e.target.value);
            onChange(
              gpu
                ? { gib: bytesToGibText(gpu.memoryBytes), gpu: gpu.name, runnerId: "" }
                : { ...budget, gpu: "" },
            );
          }}
        >
          <option value="">Choose…</option>
          {gpus.map((g) => (
            <option key={g.name} value={g.name}>
              {g.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="fit-runner">Or a registered runner's largest device</label>
        {runners === null ? (
          <p className="muted">Listing runners needs an API key.</p>
        ) : (
          <select
            id="fit-runner"
            value={budget.runnerId}
            onChange={(e) => {
              const r = runners.find((x) => x.id === e.target.value);
              onChange(
                r
                  ? { gib: bytesToGibText(r.maxDeviceMemoryBytes), gpu: "", runnerId: r.id }
                  : { ...budget, runnerId: "" },
              );
            }}
          >
            <option value="">{runners.length === 0 ? "No runner registered" : "Choose…"}</option>
            {runners.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({largestDevice(r)}, {r.status.toLowerCase()})
              </option>
            ))}
          </select>
        )}
      </div>
    </fieldset>
  );
}

function largestDevice(r: RunnerChoice): string {
  const d = [...r.devices].sort((a, b) => b.memoryBytes - a.memoryBytes)[0];
  return `${d?.name ?? "device"} ${bytesToGibText(r.maxDeviceMemoryBytes)} GiB`;
}
