import { expect } from "chai";
import { Wallet, type TypedDataDomain } from "ethers";
import { network } from "hardhat";

import {
  ALL_CATEGORIES,
  ALL_DATA_USE_PERMISSION_BITS,
  categoryMask,
  DataUse,
  dataUsePermissionBit,
  decodeMedchainError,
  MedchainClient,
  MedchainInputError,
  OPT_OUT_DOMAIN_NAME,
  OPT_OUT_DOMAIN_VERSION,
  optOutDigest,
  optOutDomain,
  optOutRequest,
  RecordCategory,
  signOptOut,
} from "../sdk/index.js";
import { buildConsortium, deploymentOf, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

describe("SDK opt-out (sdk/opt-out.ts): signed research opt-outs", function () {
  let c: Consortium;
  let domain: TypedDataDomain;

  beforeEach(async function () {
    c = await buildConsortium(connection);
    const { chainId } = await ethers.provider.getNetwork();
    domain = optOutDomain({ chainId, verifyingContract: await c.researchOptOutRegistry.getAddress() });
  });

  it("names the contract's EIP-712 domain", async function () {
    const [, name, version, chainId, verifyingContract] = await c.researchOptOutRegistry.eip712Domain();
    expect([name, version]).to.deep.equal([OPT_OUT_DOMAIN_NAME, OPT_OUT_DOMAIN_VERSION]);
    expect(chainId).to.equal(BigInt(domain.chainId as bigint));
    expect(verifyingContract).to.equal(domain.verifyingContract);
  });

  it("computes the contract's digest for random requests, signers, nonces and deadlines", async function () {
    for (let i = 0; i < 12; i++) {
      const request = optOutRequest({
        patientId: BigInt(1 + Math.floor(Math.random() * 2 ** 40)),
        wholly: Math.random() < 0.5,
        categories: Math.floor(Math.random() * (ALL_CATEGORIES + 1)),
        permissions: Math.floor(Math.random() * (ALL_DATA_USE_PERMISSION_BITS + 1)),
      });
      const signer = Wallet.createRandom().address;
      const nonce = BigInt(Math.floor(Math.random() * 1_000_000));
      const deadline = BigInt(1_700_000_000 + Math.floor(Math.random() * 1e8));
      expect(optOutDigest(domain, { request, signer, nonce, deadline })).to.equal(
        await c.researchOptOutRegistry.optOutDigest(request, signer, nonce, deadline),
      );
    }
  });

  it("builds requests with named defaults and refuses what the contract refuses, naming the field", function () {
    expect(optOutRequest({ patientId: 7n })).to.deep.equal({
      patientId: 7n,
      wholly: true,
      categories: 0,
      permissions: 0,
    });
    expect(optOutRequest({ patientId: 7n, wholly: false })).to.deep.equal({
      patientId: 7n,
      wholly: false,
      categories: 0,
      permissions: 0,
    });
    expect(optOutRequest({ patientId: 7n, categories: categoryMask(RecordCategory.PathologyReport) }).wholly).to.equal(
      false,
    );
    const refused: [Parameters<typeof optOutRequest>[0], string][] = [
      [{ patientId: 0n }, "patientId"],
      [{ patientId: 2n ** 64n }, "patientId"],
      [{ patientId: 1n, categories: ALL_CATEGORIES + 1 }, "categories"],
      [{ patientId: 1n, categories: -1 }, "categories"],
      [{ patientId: 1n, permissions: ALL_DATA_USE_PERMISSION_BITS + 1 }, "permissions"],
      [{ patientId: 1n, permissions: 0.5 }, "permissions"],
    ];
    for (const [input, field] of refused) {
      expect(
        () => optOutRequest(input),
        JSON.stringify(input, (_, v: unknown) => String(v)),
      )
        .to.throw(MedchainInputError)
        .with.property("field", field);
    }
  });

  it("signs offline what the contract accepts once, relayed by a hospital through the client", async function () {
    const request = optOutRequest({
      patientId: c.patientId,
      categories: categoryMask(RecordCategory.PathologyReport),
      permissions: dataUsePermissionBit(DataUse.POA),
    });
    const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
    const nonce = await c.researchOptOutRegistry.optOutNonce(c.patientId);
    const signed = await signOptOut(c.patient, domain, request, nonce, deadline);
    expect(signed.signer).to.equal(c.patient.address);

    const { chainId } = await ethers.provider.getNetwork();
    const hospital = await MedchainClient.connect(c.registrar, await deploymentOf(c, chainId));
    const patientNonce = await ethers.provider.getTransactionCount(c.patient.address);
    const result = await (await hospital.research.setOptOutBySig(signed)).wait();
    expect(result).to.deep.include({ patientId: c.patientId, wholly: false });
    expect(await c.researchOptOutRegistry.isOptedOut(c.patientId, RecordCategory.PathologyReport)).to.equal(true);
    expect(await c.researchOptOutRegistry.optOutNonce(c.patientId)).to.equal(nonce + 1n);
    expect(await ethers.provider.getTransactionCount(c.patient.address), "the patient sent nothing").to.equal(
      patientNonce,
    );

    const replay = await hospital.research.setOptOutBySig(signed).catch((error: unknown) => error);
    expect(decodeMedchainError(replay)?.errorName).to.equal("ResearchOptOutInvalidNonce");
  });

  it("the client's signOptOut reads the nonce and the deadline from the chain", async function () {
    const { chainId } = await ethers.provider.getNetwork();
    const deployment = await deploymentOf(c, chainId);
    const patientClient = await MedchainClient.connect(c.patient, deployment);
    const signed = await patientClient.research.signOptOut(optOutRequest({ patientId: c.patientId }), {
      validForSeconds: 600n,
    });
    expect(signed.nonce).to.equal(0n);
    expect(signed.deadline).to.equal(BigInt(await networkHelpers.time.latest()) + 600n);
    const hospital = await MedchainClient.connect(c.registrar, deployment);
    await (await hospital.research.setOptOutBySig(signed)).wait();
    expect((await c.researchOptOutRegistry.getOptOut(c.patientId)).wholly).to.equal(true);
  });
});
