/**
 * Runs the SDK-only story (scripts/lib/sdk-story.ts, walked through in docs/sdk.md) against a node that has
 * medchain deployed with `ignition/parameters/localhost.json`:
 *
 *   ./medchain node                          # terminal 1: the rehearsal node on 127.0.0.1:8545
 *   ./medchain deploy --network localhost    # terminal 2: deploy with the initial members
 *   ./medchain sdk-story                     # terminal 2: the story
 *
 * MEDCHAIN_RPC_URL picks another node (default http://127.0.0.1:8545); MEDCHAIN_DEPLOYMENT another
 * deployment folder (default ignition/deployments/chain-<the node's chain id>). Uses no Hardhat API: only
 * the SDK and ethers, as an integrator's service would.
 */
import { ConsortiumProvider, MedchainDeploymentError } from "../sdk/index.js";
import { loadDeployment } from "../sdk/node.js";
import { developmentStoryAccounts, runSdkStory } from "./lib/sdk-story.js";

const url = process.env.MEDCHAIN_RPC_URL ?? "http://127.0.0.1:8545";
const provider = new ConsortiumProvider(url);
try {
  const { chainId } = await provider.getNetwork();
  const folder = process.env.MEDCHAIN_DEPLOYMENT ?? `ignition/deployments/chain-${chainId}`;
  console.log(`medchain SDK story on ${url} (chain ${chainId}), deployment ${folder}`);
  const deployment = await loadDeployment(folder);
  await runSdkStory(deployment, developmentStoryAccounts(provider));
} catch (error) {
  if (error instanceof MedchainDeploymentError) {
    console.error(
      `${error.shortMessage}\n(start the node with ./medchain node, then ./medchain deploy --network localhost)`,
    );
    process.exitCode = 1;
  } else throw error;
} finally {
  provider.destroy();
}
