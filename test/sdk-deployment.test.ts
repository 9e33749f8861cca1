import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import MedchainModule from "../ignition/modules/Medchain.js";
import {
  connectMedchain,
  deploymentFromIgnitionAddresses,
  IGNITION_CONTRACT_IDS,
  MedchainDeploymentError,
  type MedchainDeployment,
} from "../sdk/index.js";
import { loadDeployment } from "../sdk/node.js";
import { buildConsortium, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { networkHelpers } = connection;
const consortium = () => buildConsortium(connection);

/** What Ignition writes to deployed_addresses.json for the fixture's deployment (plus an unrelated id). */
async function ignitionAddresses(c: Consortium): Promise<Record<string, string>> {
  return {
    [IGNITION_CONTRACT_IDS.authority]: await c.authority.getAddress(),
    [IGNITION_CONTRACT_IDS.memberRegistry]: await c.memberRegistry.getAddress(),
    [IGNITION_CONTRACT_IDS.patientRegistry]: await c.patientRegistry.getAddress(),
    [IGNITION_CONTRACT_IDS.researchOptOutRegistry]: await c.researchOptOutRegistry.getAddress(),
    [IGNITION_CONTRACT_IDS.consentRegistry]: await c.consentRegistry.getAddress(),
    [IGNITION_CONTRACT_IDS.recordRegistry]: await c.recordRegistry.getAddress(),
    [IGNITION_CONTRACT_IDS.claimRegistry]: await c.claimRegistry.getAddress(),
    [IGNITION_CONTRACT_IDS.studyRegistry]: await c.studyRegistry.getAddress(),
    "Governance#MemberRegistryImplementation": "0x00000000000000000000000000000000000000aa",
  };
}

/** A folder laid out like Ignition's `ignition/deployments/chain-<id>`. */
async function deploymentFolder(chainId: bigint, contents: string | undefined): Promise<string> {
  const directory = join(await mkdtemp(join(tmpdir(), "medchain-deployment-")), `chain-${chainId}`);
  await mkdir(directory);
  if (contents !== undefined) await writeFile(join(directory, "deployed_addresses.json"), contents);
  return directory;
}

async function refusal(promise: Promise<unknown>): Promise<MedchainDeploymentError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(MedchainDeploymentError);
    return error as MedchainDeploymentError;
  }
  throw new Error("expected a MedchainDeploymentError");
}

describe("SDK deployments", function () {
  it("loads an Ignition deployment folder and connects typed contracts on the right chain", async function () {
    const c = await networkHelpers.loadFixture(consortium);
    const chainId = (await connection.ethers.provider.getNetwork()).chainId;
    const directory = await deploymentFolder(chainId, JSON.stringify(await ignitionAddresses(c)));

    const deployment = await loadDeployment(directory);
    expect(deployment.chainId).to.equal(chainId);
    expect(deployment.claimRegistry).to.equal(await c.claimRegistry.getAddress());
    expect(deployment.researchOptOutRegistry).to.equal(await c.researchOptOutRegistry.getAddress());

    const medchain = await connectMedchain(c.registrar, deployment);
    expect(await medchain.memberRegistry.memberCount()).to.equal(3n);
    expect(await medchain.patientRegistry.patientIdOf(c.patient)).to.equal(c.patientId);
    expect(await medchain.recordRegistry.memberRegistry()).to.equal(await c.memberRegistry.getAddress());
  });

  it("refuses to connect to a node of another chain", async function () {
    const c = await networkHelpers.loadFixture(consortium);
    const deployment: MedchainDeployment = deploymentFromIgnitionAddresses(await ignitionAddresses(c), 2026n);
    const error = await refusal(connectMedchain(c.registrar, deployment));
    expect(error.shortMessage).to.match(/wrong network: the node is chain \d+ but this deployment is on chain 2026/);
  });

  it("names a missing file, malformed JSON, missing contracts and an unknown chain", async function () {
    const c = await networkHelpers.loadFixture(consortium);
    const missingFile = await refusal(loadDeployment(await deploymentFolder(7n, undefined)));
    expect(missingFile.shortMessage).to.contain("no deployment at");

    const malformed = await refusal(loadDeployment(await deploymentFolder(7n, "{ not json")));
    expect(malformed.shortMessage).to.contain("is not valid JSON");

    const partial = await ignitionAddresses(c);
    delete partial[IGNITION_CONTRACT_IDS.claimRegistry];
    const incomplete = await refusal(loadDeployment(await deploymentFolder(7n, JSON.stringify(partial))));
    expect(incomplete.shortMessage).to.contain("lacks Claims#ClaimRegistry");

    const unnamed = await refusal(loadDeployment(tmpdir()));
    expect(unnamed.shortMessage).to.contain("cannot tell the chain");
    expect(() => deploymentFromIgnitionAddresses([], 1n)).to.throw(MedchainDeploymentError);
  });

  it("names the contracts by the future ids of ignition/modules/Medchain.ts", function () {
    for (const [name, id] of Object.entries(IGNITION_CONTRACT_IDS)) {
      const future = MedchainModule.results[name as keyof typeof IGNITION_CONTRACT_IDS];
      expect(future.id, name).to.equal(id);
    }
  });

  it("refuses a runner without a provider", async function () {
    const c = await networkHelpers.loadFixture(consortium);
    const deployment = deploymentFromIgnitionAddresses(await ignitionAddresses(c), 31337n);
    const error = await refusal(connectMedchain({ provider: null }, deployment));
    expect(error.shortMessage).to.contain("has no provider");
  });
});
