// Numbers as people read them. Every formatter takes null/undefined and answers "—".

const DASH = "—";

export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return DASH;
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return n.toLocaleString("en-US");
}

/** Binary units written KiB/MiB/GiB: the one convention of core's formatBytes (API messages, runner CLI). */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return DASH;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

export function formatPercent(p: number | null | undefined): string {
  if (p == null || !Number.isFinite(p)) return DASH;
  if (p === 0) return "0%";
  if (p < 0.01) return `${p.toExponential(1)}%`;
  if (p < 1) return `${p.toFixed(3)}%`;
  return `${p.toFixed(2)}%`;
}

/** Losses and other metric values: 4 significant digits. */
export function formatValue(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return DASH;
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

export function formatSigned(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return DASH;
  return `${v > 0 ? "+" : ""}${formatValue(v)}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** "12 s ago", for heartbeats. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** The few settings that tell variants of one method apart, e.g. "r=8 α=16 q_proj,v_proj". */
export function keyConfig(config: Record<string, unknown>): string {
  const parts: string[] = [];
  const show = (key: string, label = key) => {
    const v = config[key];
    if (v === undefined || v === null) return;
    parts.push(`${label}=${Array.isArray(v) ? v.join(",") : String(v)}`);
  };
  switch (config.method) {
    case "lora":
    case "qlora":
    case "dora":
      show("r");
      show("lora_alpha", "α");
      show("target_modules", "targets");
      break;
    case "prefix":
    case "prompt":
      show("num_virtual_tokens", "tokens");
      show("prefix_projection", "projection");
      break;
    case "adapter":
      show("reduction_factor", "reduction");
      show("bottleneck_size", "bottleneck");
      break;
    case "ia3":
      show("target_modules", "targets");
      break;
    default:
      break;
  }
  return parts.join(" ");
}

/** "Live: 1 running, 2 queued" — what the runs that are not finished are doing, by status; "" when none. */
export function liveSummary(statuses: readonly string[]): string {
  const parts = [
    ["RUNNING", "running"],
    ["ASSIGNED", "starting"],
    ["QUEUED", "queued"],
  ].flatMap(([status, word]) => {
    const n = statuses.filter((s) => s === status).length;
    return n > 0 ? [`${n} ${word}`] : [];
  });
  return parts.length > 0 ? `Live: ${parts.join(", ")}` : "";
}
