import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";

/** The agent's own Prometheus metrics, and `/metrics` on an optional port. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly connected = new Gauge({
    name: "tunelab_runner_connected",
    help: "1 while the jobs subscription is connected",
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: "tunelab_runner_reconnects_total",
    help: "connections re-established after a loss",
    registers: [this.registry],
  });
  readonly jobsRunning = new Gauge({
    name: "tunelab_runner_jobs_running",
    help: "jobs training now",
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: "tunelab_runner_jobs_total",
    help: "jobs finished, by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly pointsSent = new Counter({
    name: "tunelab_runner_metric_points_sent_total",
    help: "metric points the server accepted",
    registers: [this.registry],
  });
  readonly spoolPoints = new Gauge({
    name: "tunelab_runner_spool_points",
    help: "metric points waiting to be sent",
    registers: [this.registry],
  });
  readonly heartbeats = new Counter({
    name: "tunelab_runner_heartbeats_total",
    help: "heartbeats, by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly steps = new Counter({
    name: "tunelab_runner_training_steps_total",
    help: "optimizer steps trained",
    registers: [this.registry],
  });
}

export async function serveMetrics(
  metrics: AgentMetrics,
  port: number,
  host = "127.0.0.1",
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("not found\n");
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
