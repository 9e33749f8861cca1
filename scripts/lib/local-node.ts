/**
 * A production-like local JSON-RPC node for tests and benchmarks: `hardhat --network rehearsal node` in a
 * child process on 127.0.0.1 and a free port, configured like the consortium's Besu chain (hardhat.config.ts
 * `networks.rehearsal`: Cancun, zero base fee, 60M block gas limit, chain id 20260). Everything then talks to
 * it over HTTP, as hospital services talk to a Besu node.
 *
 * @example
 * ```ts
 * import { network } from "hardhat";
 * const node = await startLocalNode();
 * try {
 *   const connection = await connectToLocalNode(network, node);
 *   const deployment = await deployMedchain(connection); // Ignition over HTTP
 * } finally {
 *   await node.stop();
 * }
 * ```
 *
 * The node mines one block per transaction (automine), not a block every QBFT block period. A node left
 * running is killed (with its process group) when this process exits or is interrupted.
 */
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { NetworkConnection, NetworkManager } from "hardhat/types/network";

import { pollProcess, ProcessOutputError, spawnProcessGroup, type ProcessGroup } from "./process-group.js";

/** The edr-simulated network in hardhat.config.ts that rehearses the consortium chain. */
export const REHEARSAL_NETWORK = "rehearsal";
/** The http network in hardhat.config.ts through which the rehearsal node is reached (zero gas price). */
export const REHEARSAL_HTTP_NETWORK = "rehearsalHttp";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const HARDHAT_CLI = path.join(PROJECT_ROOT, "node_modules/hardhat/dist/src/cli.js");
const OUTPUT_LINES_KEPT = 40;
const PORT_ATTEMPTS = 3;
const STOP_GRACE_MS = 5_000;

export interface LocalNodeOptions {
  /** The edr-simulated network of hardhat.config.ts the node simulates. Default `rehearsal`. */
  network?: string;
  /** How long to wait for the node to answer `eth_chainId`. Default 120 s (Hardhat starts slowly on 2 cores). */
  startupTimeoutMs?: number;
  /**
   * Remove `ignition/deployments/chain-<chain id>` once the node is up, so Ignition deploys afresh instead of
   * resuming a journal written against an earlier (dead) node. Default: true for the `rehearsal` network
   * only, whose chain id no real deployment uses; never done for another network unless asked.
   */
  clearIgnitionJournal?: boolean;
}

/** A running node. `stop()` kills it and resolves once it has exited and its port is free. */
export interface LocalNode {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The chain id the node reported on `eth_chainId`. */
  chainId: bigint;
  /** The node's process id (it leads its own process group). */
  pid: number;
  /** The node's last output lines (its request log), for error messages. */
  recentOutput(): string[];
  stop(): Promise<void>;
}

/** The node did not start: it exited, could not bind its port, or did not answer in time. */
export class LocalNodeStartError extends ProcessOutputError {
  override readonly name = "LocalNodeStartError";
}

// --- orphan protection: every live node dies with this process (and on SIGINT, SIGTERM, SIGHUP) -------

const liveNodes = new Set<ProcessGroup>();

/** How many nodes started here are still running (a test's check that none was left behind). */
export function runningLocalNodes(): number {
  return liveNodes.size;
}

// --- starting ------------------------------------------------------------------------------------------

/** A port the OS reports free on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error("no port assigned")) : resolve(port)));
    });
  });
}

/** Sends one JSON-RPC request over HTTP and returns its result (throws on an HTTP or JSON-RPC error). */
export async function jsonRpc(
  url: string,
  method: string,
  params: unknown[] = [],
  timeoutMs = 5_000,
): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status}`);
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
  return body.result;
}

function spawnNode(network: string, port: number): ProcessGroup {
  const node = spawnProcessGroup(
    [HARDHAT_CLI, "--network", network, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      linesKept: OUTPUT_LINES_KEPT,
      killOnSignals: true,
    },
  );
  liveNodes.add(node);
  void node.exited.then(() => liveNodes.delete(node));
  return node;
}

function waitUntilAnswering(node: ProcessGroup, url: string, deadline: number): Promise<bigint> {
  return pollProcess(node, async () => BigInt(String(await jsonRpc(url, "eth_chainId", [], 2_000))), {
    deadline,
    intervalMs: 200,
    failure: (why) =>
      new LocalNodeStartError(
        why === "exited"
          ? `the hardhat node exited ${node.howItEnded()} before answering on ${url}`
          : `the hardhat node did not answer eth_chainId on ${url} in time`,
        [...node.output],
      ),
  });
}

async function stopNode(node: ProcessGroup): Promise<void> {
  await node.stop(STOP_GRACE_MS);
  liveNodes.delete(node);
}

/**
 * Starts `hardhat --network <network> node` on 127.0.0.1 and a free port, and resolves once it answers
 * `eth_chainId`. Throws {@link LocalNodeStartError}, with the node's last output lines, when it exits
 * first or does not answer within `startupTimeoutMs`; a port taken in the meantime is retried.
 */
export async function startLocalNode(options: LocalNodeOptions = {}): Promise<LocalNode> {
  const network = options.network ?? REHEARSAL_NETWORK;
  const deadline = Date.now() + (options.startupTimeoutMs ?? 120_000);
  for (let attemptNumber = 1; ; attemptNumber++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const attempt = spawnNode(network, port);
    let chainId: bigint;
    try {
      chainId = await waitUntilAnswering(attempt, url, deadline);
    } catch (error) {
      await stopNode(attempt);
      const portTaken = attempt.output.some((line) => line.includes("EADDRINUSE"));
      if (portTaken && attemptNumber < PORT_ATTEMPTS && Date.now() < deadline) continue;
      throw error;
    }
    if (options.clearIgnitionJournal ?? network === REHEARSAL_NETWORK) {
      await rm(path.join(PROJECT_ROOT, "ignition", "deployments", `chain-${chainId}`), {
        recursive: true,
        force: true,
      });
    }
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      chainId,
      pid: attempt.child.pid ?? -1,
      recentOutput: () => [...attempt.output],
      stop: () => (stopping ??= stopNode(attempt)),
    };
  }
}

/**
 * A Hardhat network connection to `node` over HTTP (the `rehearsalHttp` network of hardhat.config.ts with
 * the node's URL), with hardhat-ethers and Ignition on it: `deployMedchain(connection)` deploys over
 * JSON-RPC and writes Ignition's journal as for a real chain. Checks the node's chain id.
 */
export async function connectToLocalNode(
  networkManager: NetworkManager,
  node: Pick<LocalNode, "url" | "chainId">,
  networkName: string = REHEARSAL_HTTP_NETWORK,
): Promise<NetworkConnection<"generic">> {
  const connection = await networkManager.create({ network: networkName, override: { url: node.url } });
  const reported = BigInt(String(await connection.provider.request({ method: "eth_chainId" })));
  if (reported !== node.chainId) {
    await connection.close();
    throw new Error(`${node.url} reports chain id ${reported}, expected ${node.chainId}`);
  }
  return connection;
}
