/** Records every answer in the HTTP request counter and latency histogram. */
import type { FastifyInstance } from "fastify";
import type { HttpMetrics } from "../../services/metrics.js";

export function installMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
  });
}
