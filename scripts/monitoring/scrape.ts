/**
 * Asks one scrape target for /metrics the way Prometheus does with the
 * configuration of prometheus-config.ts: plain HTTP for a gateway, TLS with
 * the org's application TLS pair for a peer or an orderer.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { fabricTlsFiles, type ScrapeTarget } from "./prometheus-config.js";

/**
 * The target's /metrics body.
 * @throws Error naming the target when it does not answer 200 within `timeoutMs`
 */
export function scrape(target: ScrapeTarget, dataDir: string, timeoutMs = 10_000): Promise<string> {
  const [host, port] = target.address.split(":");
  const name = `${target.node} of ${target.org} (${target.address})`;
  return new Promise((resolve, reject) => {
    const options = { host, port: Number(port), path: "/metrics", method: "GET", timeout: timeoutMs };
    const onAnswer = (res: import("node:http").IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`${name} answered ${res.statusCode}: ${body.slice(0, 200)}`));
      });
      res.on("error", reject);
    };
    let req;
    if (target.node === "gateway") {
      req = httpRequest(options, onAnswer);
    } else {
      const tls = fabricTlsFiles(target.org, dataDir);
      req = httpsRequest({ ...options, ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, onAnswer);
    }
    req.on("timeout", () => req.destroy(new Error(`${name} gave no answer within ${timeoutMs} ms`)));
    req.on("error", (error) => reject(new Error(`${name}: ${error.message}`)));
    req.end();
  });
}
