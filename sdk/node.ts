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
 * name unless given, the addresses from its `deployed_addresses.json`. A missing or unreadable file, malformed
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
  return deploymentFromIgnitionAddresses(parsed, id);
}
