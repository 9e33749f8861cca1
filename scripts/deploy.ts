/**
 * Deploys the whole medchain system to a configured network with one parameter file, including the
 * consortium's initial members: `./medchain deploy --network <name> [--parameters <file>]` (default file
 * `ignition/parameters/<network>.json`; the wrapper passes it as MEDCHAIN_DEPLOY_PARAMETERS, since
 * `hardhat run` takes no script arguments). Prints the deployment folder the SDK loads
 * (`loadDeployment` in `sdk/node.ts`) and the members and operators created.
 *
 * Like `hardhat ignition deploy`, it asks before deploying to a chain other than 31337 (or the rehearsal
 * node's 20260) unless
 * HARDHAT_IGNITION_CONFIRM_DEPLOYMENT is set, and it starts afresh on a restarted `hardhat node`.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";

import hre from "hardhat";

import { codeName, Duty, MemberKind, MemberStatus } from "../sdk/codes.js";
import { loadDeployment } from "../sdk/node.js";
import { deployWithParameters, readAdmittedMembers } from "./lib/deploy.js";
import { assertDeployerHoldsNothing, readDeployParameters } from "./lib/deploy-parameters.js";

/**
 * Chain ids of throwaway Hardhat nodes: Hardhat's own (31337) and the rehearsal network's (`./medchain node`,
 * hardhat.config.ts `rehearsal`). No real consortium uses them: deploying there needs no confirmation, and a
 * journal from an earlier run of a restarted node is discarded.
 */
const LOCAL_CHAIN_IDS = new Set([31337, 20260]);

const connection = await hre.network.create();
const { ethers, networkName } = connection;
const parametersFile =
  process.env.MEDCHAIN_DEPLOY_PARAMETERS ?? path.join("ignition", "parameters", `${networkName}.json`);
const parameters = await readDeployParameters(parametersFile);
const [deployer] = await ethers.getSigners();
if (deployer === undefined) throw new Error(`network ${networkName} has no account to deploy from`);
assertDeployerHoldsNothing(parameters, deployer.address);

const chainId = Number((await ethers.provider.getNetwork()).chainId);
const deploymentId = `chain-${chainId}`; // Ignition's default deployment id (resolveDeploymentId)
const inProcess = connection.networkConfig.type === "edr-simulated";
const deploymentDir = path.join(hre.config.paths.ignition, "deployments", deploymentId);

console.log(`medchain deploy to network "${networkName}" (chain id ${chainId}) with ${parametersFile}`);
console.log(`  deployer  ${deployer.address} (gives up every role at the end)`);
console.log(`  admin     ${parameters.admin}`);
console.log(`  council   ${parameters.membershipCouncil}`);
console.log(`  guardian  ${parameters.guardian}`);
console.log(
  `  initial members: ${parameters.initialMembers.map((member) => `${member.key} (${member.kind})`).join(", ") || "none"}`,
);
if (inProcess) console.log("  in-process network: a rehearsal, nothing is written to ignition/deployments");

if (!LOCAL_CHAIN_IDS.has(chainId) && process.env.HARDHAT_IGNITION_CONFIRM_DEPLOYMENT === undefined) {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(`Deploy to ${networkName} (chain ${chainId})? [y/N] `);
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) {
    console.log("Deploy cancelled");
    process.exit(1);
  }
}

if (LOCAL_CHAIN_IDS.has(chainId) && !inProcess) await forgetDeploymentOfRestartedNode();

const deployed = await deployWithParameters(connection, parameters, { displayUi: true });
const admitted = await readAdmittedMembers(deployed.memberRegistry, parameters.initialMembers);
if (admitted.length > 0) {
  console.log("\nInitial members");
  console.table(
    admitted.map((member) => ({
      key: member.key,
      id: Number(member.memberId),
      kind: codeName(MemberKind, member.kind),
      status: codeName(MemberStatus, member.status),
      metadataHash: member.metadataHash,
    })),
  );
  console.log("Operators");
  console.table(
    admitted.flatMap((member) =>
      member.operators.map((operator) => ({
        member: member.key,
        account: operator.account,
        duties: dutyNames(operator.duties).join(", "),
      })),
    ),
  );
}

if (inProcess) {
  console.log(`\nRehearsal done; authority at ${await deployed.authority.getAddress()}`);
} else {
  const forSdk = await loadDeployment(deploymentDir);
  console.log(
    `\nDeployment folder: ${path.relative(process.cwd(), deploymentDir)} (what the SDK's loadDeployment reads)`,
  );
  console.table(Object.fromEntries(Object.entries(forSdk).filter(([name]) => name !== "chainId")));
}

/** The duty names set in an operator's duty mask. */
function dutyNames(mask: bigint): string[] {
  return Object.values(Duty)
    .filter((duty) => (mask & (1n << BigInt(duty))) !== 0n)
    .map((duty) => codeName(Duty, duty));
}

/**
 * A `hardhat node` starts from an empty chain every time: as `hardhat ignition deploy` does, drop the
 * deployment folder a previous node instance left, keyed by the node's instance id in the same cache file.
 */
async function forgetDeploymentOfRestartedNode(): Promise<void> {
  const instancesFile = path.join(hre.config.paths.cache, ".hardhat-network-instances.json");
  const instances: Record<string, string> = existsSync(instancesFile)
    ? (JSON.parse(await readFile(instancesFile, "utf8")) as Record<string, string>)
    : {};
  const { instanceId } = (await connection.provider.request({ method: "hardhat_metadata" })) as { instanceId: string };
  if (instances[deploymentId] !== instanceId) await rm(deploymentDir, { recursive: true, force: true });
  instances[deploymentId] = instanceId;
  await mkdir(path.dirname(instancesFile), { recursive: true });
  await writeFile(instancesFile, JSON.stringify(instances, null, 2));
}
