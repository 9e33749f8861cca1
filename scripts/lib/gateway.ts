/**
 * The local stack's gateway: one HTTP origin that serves the built web app (`web/dist`), its `config.json`,
 * the demo files, and proxies `/rpc` to the JSON-RPC node, `/relayer/*` to the relayer and `/indexer/*` to the
 * indexer — what a hospital's reverse proxy (nginx, a load balancer) does in front of the same services.
 * Development only: it adds no TLS, authentication or caching.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** Where the gateway sends each path prefix, and what it serves itself. */
export interface GatewayOptions {
  /** The built web app (`index.html` and its assets); unknown paths without a file extension get `index.html`. */
  webDirectory: string;
  /** Served as `/config.json`. */
  config: unknown;
  /** `/rpc` → this JSON-RPC URL. */
  rpcUrl: string;
  /** `/relayer/<rest>` → `<relayerUrl>/<rest>`. */
  relayerUrl: string;
  /** `/indexer/<rest>` → `<indexerUrl>/<rest>`. */
  indexerUrl: string;
  /** Files served under `/demo-records/` (the stack's sample record and proof bundle). */
  demoDirectory?: string;
  /** Port to listen on (127.0.0.1); 0 or absent for a free one. */
  port?: number;
}

/** A running gateway. */
export interface Gateway {
  /** `http://127.0.0.1:<port>` */
  url: string;
  server: Server;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(text);
}

/** Forwards `request` to `target` (an absolute URL) and streams the answer back; 502 if the service is down. */
function proxy(request: IncomingMessage, response: ServerResponse, target: string): void {
  const url = new URL(target);
  const headers = { ...request.headers, host: url.host };
  const upstream = httpRequest(url, { method: request.method, headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  upstream.on("error", (error) => {
    if (!response.headersSent) sendText(response, 502, `upstream ${url.origin} unreachable: ${error.message}`);
    else response.destroy();
  });
  request.pipe(upstream);
}

/** Serves `relative` from `directory`, refusing any path that leaves it. */
async function serveFile(
  response: ServerResponse,
  directory: string,
  relative: string,
  fallback?: string,
): Promise<void> {
  const root = path.resolve(directory);
  let file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) return sendText(response, 403, "forbidden");
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = path.join(file, "index.html");
    info = await stat(file).catch(() => undefined);
  }
  if (info === undefined && fallback !== undefined && path.extname(relative) === "") {
    file = path.join(root, fallback);
    info = await stat(file).catch(() => undefined);
  }
  if (info === undefined || !info.isFile()) return sendText(response, 404, "not found");
  response.writeHead(200, {
    "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
    "content-length": info.size,
    "cache-control": "no-store",
  });
  createReadStream(file).pipe(response);
}

function withoutPrefix(url: string, prefix: string): string {
  const rest = url.slice(prefix.length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/** Starts the gateway on 127.0.0.1. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const configBody = JSON.stringify(options.config, null, 2);
  const server = createServer((request, response) => {
    const url = request.url ?? "/";
    const pathname = new URL(url, "http://gateway").pathname;
    if (pathname === "/rpc") return proxy(request, response, options.rpcUrl);
    if (pathname === "/relayer" || pathname.startsWith("/relayer/")) {
      return proxy(request, response, `${options.relayerUrl}${withoutPrefix(url, "/relayer")}`);
    }
    if (pathname === "/indexer" || pathname.startsWith("/indexer/")) {
      return proxy(request, response, `${options.indexerUrl}${withoutPrefix(url, "/indexer")}`);
    }
    if (request.method !== "GET" && request.method !== "HEAD") return sendText(response, 405, "method not allowed");
    if (pathname === "/config.json") {
      response.writeHead(200, { "content-type": CONTENT_TYPES[".json"], "cache-control": "no-store" });
      return void response.end(configBody);
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendText(response, 400, "malformed percent-encoding in the path");
    }
    const served =
      decoded.startsWith("/demo-records/") && options.demoDirectory !== undefined
        ? serveFile(response, options.demoDirectory, decoded.slice("/demo-records/".length))
        : serveFile(response, options.webDirectory, decoded, "index.html");
    served.catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
