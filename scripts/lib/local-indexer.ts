/**
 * Runs the medchain indexer (`indexer/`, Ponder) in a child process against a JSON-RPC node, for tests, the
 * local stack and `./medchain indexer`: the deployment is written to a temp file, `ponder start` is
 * spawned with the current Node and the environment `indexer/ponder.config.ts` reads, and the promise
 * resolves once Ponder answers `/ready` (historical indexing done).
 *
 * @example
 * ```ts
 * const indexer = await startLocalIndexer({ rpcUrl: node.url, deployment });
 * try {
 *   await indexer.waitForBlock(await provider.getBlockNumber());
 *   const { grants } = await (await fetch(`${indexer.url}/api/v1/patients/1/grants`)).json();
 * } finally {
 *   await indexer.stop();
 * }
 * ```
 *
 * A running indexer is killed (with its process group) when this process exits or is interrupted.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { deploymentToJson, type MedchainDeployment } from "../../sdk/index.js";
import { freePort } from "./local-node.js";
import { pollProcess, ProcessOutputError, spawnProcessGroup, type ProcessExit } from "./process-group.js";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INDEXER_ROOT = path.join(PROJECT_ROOT, "indexer");
const PONDER_CLI = path.join(PROJECT_ROOT, "node_modules", ".bin", "ponder");
const OUTPUT_LINES_KEPT = 60;
const STOP_GRACE_MS = 10_000;

/** How to run the indexer. */
export interface LocalIndexerOptions {
  /** JSON-RPC endpoint of the node to index. */
  rpcUrl: string;
  /** The contracts to index and the block to start from (`startBlock`, default 0). */
  deployment: MedchainDeployment;
  /** HTTP port of the query API. Default: a free port. */
  port?: number;
  /** PGlite directory. Default: a fresh temp directory, removed by `stop()`. Ignored with `databaseUrl`. */
  databaseDirectory?: string;
  /** A Postgres connection string: index into Postgres instead of PGlite. */
  databaseUrl?: string;
  /** Interface the HTTP server listens on. Default `127.0.0.1`. */
  host?: string;
  /** Postgres schema / Ponder namespace. Default `medchain`. */
  schema?: string;
  /** Receives every output line of the indexer (its log). */
  log?: (line: string) => void;
  /** How long to wait for `/ready` (historical indexing done). Default 120 s. */
  startupTimeoutMs?: number;
  /** How often Ponder polls the node for new blocks. Default 100 ms (a local node mines on demand). */
  pollingIntervalMs?: number;
}

/** A running indexer. */
export interface LocalIndexer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Kills the indexer's process group; resolves once it exited (and its temp files are gone). */
  stop(): Promise<void>;
  /** Resolves once `/api/v1/status` reports `block` (or later) as indexed; throws after `timeoutMs` (default 60 s). */
  waitForBlock(block: number, timeoutMs?: number): Promise<void>;
  /** Settles when the indexer process ends, however it ends: its exit code, or the signal that ended it. */
  exited: Promise<ProcessExit>;
}

/** The indexer did not start, or did not catch up in time; `output` holds its last log lines. */
export class LocalIndexerError extends ProcessOutputError {
  override readonly name = "LocalIndexerError";
}

/** Whether nothing listens on `host:port` yet (another server there would answer `/ready` in our stead). */
async function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Starts `ponder start --root indexer` against `options.rpcUrl` and resolves once its `/ready` answers 200.
 * Throws {@link LocalIndexerError}, with the indexer's last output lines, if it exits first or is not
 * ready within `startupTimeoutMs`.
 */
export async function startLocalIndexer(options: LocalIndexerOptions): Promise<LocalIndexer> {
  const host = options.host ?? "127.0.0.1";
  if (options.port !== undefined && !(await portIsFree(host, options.port))) {
    throw new LocalIndexerError(
      `port ${options.port} on ${host} is in use: stop what listens there or pick another`,
      [],
    );
  }
  const workDirectory = await mkdtemp(path.join(tmpdir(), "medchain-indexer-"));
  const deploymentFile = path.join(workDirectory, "deployment.json");
  await writeFile(deploymentFile, JSON.stringify(deploymentToJson(options.deployment), null, 2));
  const databaseDirectory = options.databaseDirectory ?? path.join(workDirectory, "pglite");
  const port = options.port ?? (await freePort());
  const url = `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    MEDCHAIN_RPC_URL: options.rpcUrl,
    MEDCHAIN_CHAIN_ID: options.deployment.chainId.toString(),
    MEDCHAIN_DEPLOYMENT: deploymentFile,
    MEDCHAIN_INDEXER_DB: databaseDirectory,
    MEDCHAIN_POLLING_INTERVAL_MS: String(options.pollingIntervalMs ?? 100),
  };
  // Postgres only when asked: a DATABASE_URL inherited from the shell must not redirect a test's indexer.
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;

  const indexer = spawnProcessGroup(
    [
      PONDER_CLI,
      "start",
      "--root",
      INDEXER_ROOT,
      "--schema",
      options.schema ?? "medchain",
      "--port",
      String(port),
      "--hostname",
      host,
      "--log-format",
      "pretty",
    ],
    // Not killed on this process's signals: `./medchain indexer` stops it gracefully on SIGINT / SIGTERM.
    { cwd: INDEXER_ROOT, env, linesKept: OUTPUT_LINES_KEPT, ...(options.log ? { onLine: options.log } : {}) },
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await indexer.stop(STOP_GRACE_MS);
      await rm(workDirectory, { recursive: true, force: true });
    })());

  const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
  try {
    await pollProcess(
      indexer,
      async () => {
        const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
        return response.status === 200 ? true : undefined;
      },
      {
        deadline,
        intervalMs: 250,
        failure: (why) =>
          new LocalIndexerError(
            why === "exited"
              ? `the indexer exited ${indexer.howItEnded()} before it was ready on ${url}`
              : `the indexer was not ready on ${url} in time`,
            [...indexer.output],
          ),
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const waitForBlock = async (block: number, timeoutMs = 60_000): Promise<void> => {
    let last = -1;
    await pollProcess(
      indexer,
      async () => {
        const response = await fetch(`${url}/api/v1/status`, { signal: AbortSignal.timeout(2_000) });
        if (!response.ok) return undefined;
        last = ((await response.json()) as { block: number }).block;
        return last >= block ? true : undefined;
      },
      {
        deadline: Date.now() + timeoutMs,
        intervalMs: 100,
        failure: (why) =>
          new LocalIndexerError(
            why === "exited"
              ? `the indexer exited while waiting for block ${block}`
              : `the indexer reached block ${last}, not ${block}, in ${timeoutMs} ms`,
            [...indexer.output],
          ),
      },
    );
  };

  return { url, port, stop, waitForBlock, exited: indexer.exited };
}
