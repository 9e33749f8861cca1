import { rm } from "node:fs/promises";

import { expect } from "chai";
import { network } from "hardhat";

import { ConsortiumProvider, MedchainClient, MedchainDeploymentError } from "../sdk/index.js";
import { loadDeployment } from "../sdk/node.js";
import { deployToLocalNode } from "../scripts/lib/deploy.js";
import { startLocalNode, type LocalNode } from "../scripts/lib/local-node.js";
import { developmentStoryAccounts, runSdkStory, STORY_MEMBERS } from "../scripts/lib/sdk-story.js";

/**
 * The integrator's path end to end over JSON-RPC: a fresh `hardhat node` configured like the consortium
 * chain (zero base fee, its own chain id, 60M gas), medchain deployed to it with Ignition over HTTP from the
 * rehearsal parameter file (initial members included), then the whole story through the SDK only —
 * `loadDeployment`, `ConsortiumProvider` with zero fees, one `MedchainClient` per organisation key.
 */
describe("Integration over JSON-RPC: hardhat node, Ignition over HTTP, the story through the SDK only", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let provider: ConsortiumProvider;
  let deploymentFolder: string;

  before(async function () {
    node = await startLocalNode();
    deploymentFolder = await deployToLocalNode(network, node);
    provider = new ConsortiumProvider(node.url, { pollingInterval: 50 });
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
    if (deploymentFolder !== undefined) await rm(deploymentFolder, { recursive: true, force: true });
  });

  it("the SDK loads the deployment Ignition wrote, from its first block", async function () {
    const deployment = await loadDeployment(deploymentFolder);
    expect(deployment.chainId).to.equal(node.chainId);
    expect(deployment.startBlock).to.equal(1);
    const client = await MedchainClient.connect(provider, deployment);
    expect(await client.members.count()).to.equal(3n);
  });

  it("refuses to run the story against a node of another chain", async function () {
    const deployment = await loadDeployment(deploymentFolder);
    const error = await MedchainClient.connect(provider, { ...deployment, chainId: 31337n }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MedchainDeploymentError);
  });

  it("runs the whole story through the SDK with zero-fee transactions", async function () {
    const deployment = await loadDeployment(deploymentFolder);
    const accounts = developmentStoryAccounts(provider);
    const lines: string[] = [];
    const outcome = await runSdkStory(deployment, accounts, (line) => lines.push(line));

    expect(outcome.patientId).to.equal(1n);
    expect(outcome.unconsciousPatientId).to.equal(2n);
    expect(outcome.batchRecords).to.equal(120);
    expect(outcome.claimStatuses).to.deep.equal(["Submitted", "InReview", "PartiallyApproved", "Paid"]);
    expect(outcome.consentHistory).to.deep.equal(["granted", "granted", "revoked"]);
    expect(outcome.harbourAccesses).to.deep.equal([
      { patientId: 1n, underBreakGlass: false },
      { patientId: 2n, underBreakGlass: true },
    ]);
    expect(outcome.refusedAfterRevocation).to.equal("ConsentRegistryAccessNotAuthorized");
    expect(outcome.refusedWithoutDuty).to.contain("lacks the DataSteward duty");
    expect(lines.join("\n")).to.contain("offline valid, on chain anchored");

    // Every transaction of the story offered a zero fee, as the consortium chain requires.
    const latest = await provider.getBlockNumber();
    for (let blockNumber = 1; blockNumber <= latest; blockNumber++) {
      const block = await provider.getBlock(blockNumber, true);
      for (const transaction of block?.prefetchedTransactions ?? []) {
        const from = transaction.from;
        if (!Object.values(accounts).some((account) => (account as { address: string }).address === from)) continue;
        expect(transaction.maxFeePerGas ?? transaction.gasPrice, `fee of ${transaction.hash}`).to.equal(0n);
      }
    }
    const client = await MedchainClient.connect(provider, deployment);
    expect((await client.claims.get(outcome.claimId)).provider).to.equal(STORY_MEMBERS.stMarys);
  });
});
