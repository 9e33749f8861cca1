/**
 * Runs the medchain indexer (indexer/, docs/indexer.md) for one hospital:
 *
 *   ./medchain indexer
 *
 * MEDCHAIN_RPC_URL (default http://127.0.0.1:8545: the hospital's own validator or RPC node),
 * MEDCHAIN_DEPLOYMENT (default ignition/deployments/chain-<the node's chain id>), MEDCHAIN_INDEXER_PORT
 * (default 42069), MEDCHAIN_INDEXER_HOST (default 127.0.0.1: put it behind the hospital's reverse proxy),
 * MEDCHAIN_INDEXER_SCHEMA (default medchain: the Postgres schema, one per deployed indexer version),
 * DATABASE_URL (Postgres; without it PGlite in MEDCHAIN_INDEXER_DB, default indexer/.ponder/pglite).
 * It logs Ponder's output, serves the API once historical indexing is done, and stops on SIGINT/SIGTERM.
 */
import path from "node:path";

import { ConsortiumProvider } from "../sdk/index.js";
import { loadDeployment } from "../sdk/node.js";
import { startLocalIndexer } from "./lib/local-indexer.js";

const rpcUrl = process.env.MEDCHAIN_RPC_URL ?? "http://127.0.0.1:8545";
const provider = new ConsortiumProvider(rpcUrl);
const { chainId } = await provider.getNetwork();
provider.destroy();
const deployment = await loadDeployment(process.env.MEDCHAIN_DEPLOYMENT ?? `ignition/deployments/chain-${chainId}`);
const port = Number(process.env.MEDCHAIN_INDEXER_PORT ?? 42069);
const databaseUrl = process.env.DATABASE_URL;

const indexer = await startLocalIndexer({
  rpcUrl,
  deployment,
  port,
  host: process.env.MEDCHAIN_INDEXER_HOST ?? "127.0.0.1",
  schema: process.env.MEDCHAIN_INDEXER_SCHEMA ?? "medchain",
  ...(databaseUrl !== undefined && databaseUrl !== ""
    ? { databaseUrl }
    : { databaseDirectory: path.resolve(process.env.MEDCHAIN_INDEXER_DB ?? "indexer/.ponder/pglite") }),
  pollingIntervalMs: Number(process.env.MEDCHAIN_POLLING_INTERVAL_MS ?? 1_000),
  startupTimeoutMs: Number.MAX_SAFE_INTEGER, // a long chain takes as long as it takes; Ponder logs its progress
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(
  `${JSON.stringify({ event: "ready", url: indexer.url, chainId: String(chainId), startBlock: deployment.startBlock ?? 0 })}\n`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void indexer.stop().then(() => process.exit(0));
  });
}
const { code, signal } = await indexer.exited;
process.stderr.write(`the indexer stopped (${code !== null ? `exit code ${code}` : `signal ${signal}`})\n`);
process.exit(code ?? 1);
