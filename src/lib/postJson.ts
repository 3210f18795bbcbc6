// One bodiless POST with node:http(s), answered as text: what the service's own few requests need before anything
// else is loaded (global fetch would load undici's ~20 MB on first use).
import http from "node:http";
import https from "node:https";

export interface TextResponse {
  status: number;
  statusText: string;
  text: string;
}

/** Gives up on an answer that takes longer than this (a login is one small JSON). */
const TIMEOUT_MS = 60_000;

export function postJson(url: string, headers: Record<string, string>): Promise<TextResponse> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method: "POST", headers: { ...headers, "content-length": 0 }, timeout: TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("error", reject);
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? "",
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    request.on("timeout", () => request.destroy(new Error(`no answer from ${target.origin} within ${TIMEOUT_MS} ms`)));
    request.on("error", reject);
    request.end();
  });
}
