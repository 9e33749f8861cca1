/**
 * The SDK's Node.js-only helpers (they read files); everything else in `sdk/index.ts` also runs in a browser.
 *
 * @example
 * ```ts
 * import { loadDeployment } from "./sdk/node.js";
 * ```
 */
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";

import { deploymentFromIgnitionAddresses, MedchainDeploymentError, type MedchainDeployment } from "./deployment.js";

/**
 * Reads an Ignition deployment folder (`ignition/deployments/chain-<id>`): the chain id from the folder's
 * name unless given, the addresses from its `deployed_addresses.json`, and the first block of the
 * deployment from its `journal.jsonl` (where event queries start). A missing or unreadable file, malformed
 * JSON or a missing contract throws {@link MedchainDeploymentError} with a message that says what to do.
 *
 * @example
 * ```ts
 * const deployment = await loadDeployment("ignition/deployments/chain-2026");
 * ```
 */
export async function loadDeployment(directory: string, chainId?: bigint): Promise<MedchainDeployment> {
  const fromName = /^chain-(\d+)$/.exec(basename(directory))?.[1];
  const id = chainId ?? (fromName === undefined ? undefined : BigInt(fromName));
  if (id === undefined) {
    throw new MedchainDeploymentError(
      `cannot tell the chain of ${directory}: name the folder chain-<id> as Ignition does, or pass the chain id`,
    );
  }
  const file = join(directory, "deployed_addresses.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new MedchainDeploymentError(`no deployment at ${file}: deploy with Ignition first, or fix the path`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    throw new MedchainDeploymentError(`${file} is not valid JSON`, { cause: error });
  }
  const deployment = deploymentFromIgnitionAddresses(parsed, id);
  const startBlock = await firstDeploymentBlock(join(directory, "journal.jsonl"));
  return startBlock === undefined ? deployment : { ...deployment, startBlock };
}

/**
 * The block of the first confirmed transaction in an Ignition journal, where the deployment's events begin;
 * undefined when there is no journal (addresses copied without it) or it records no confirmed transaction.
 */
async function firstDeploymentBlock(journalFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(journalFile, "utf8");
  } catch {
    return undefined;
  }
  let first: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.includes('"TRANSACTION_CONFIRM"')) continue;
    try {
      const entry = JSON.parse(line) as { receipt?: { blockNumber?: unknown } };
      const block = entry.receipt?.blockNumber;
      if (typeof block === "number" && Number.isSafeInteger(block) && (first === undefined || block < first)) {
        first = block;
      }
    } catch {
      // A torn last line (an interrupted deployment) carries no confirmation.
    }
  }
  return first;
}
