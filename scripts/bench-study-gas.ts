/**
 * Gas of the StudyRegistry's main writes, as a Markdown table: `npx hardhat run scripts/bench-study-gas.ts`.
 *
 * The system is deployed with the production Ignition module; the StudyRegistry proxy is deployed beside it
 * here (the research Ignition module comes with the merge of issue 8) and the oversight role mapped to its
 * four lifecycle selectors. Writes: receipt.gasUsed (includes the 21,000 base and calldata), measured in
 * steady state (the second call of its kind: the first writes its id counter from zero).
 */
import { keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import { categoryMask, datasetManifest, Duty, dutyMask, RecordCategory, studyRegistration } from "../sdk/index.js";
import { ERC1967Proxy__factory, StudyRegistry__factory } from "../typechain-types/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable, receiptGas } from "./lib/gas.js";

const OVERSIGHT_ROLE = 3n;
const RESEARCH_INSTITUTE = 3;
const connection = await network.create();
const { ethers } = connection;
const { authority, memberRegistry, admin, council, signers, deployer } = await deployMedchain(connection);
const [oversight, researcher, hospitalAdmin, dataSteward] = signers;
if (oversight === undefined || researcher === undefined || hospitalAdmin === undefined || dataSteward === undefined) {
  throw new Error("the benchmark needs at least eight accounts");
}

const implementation = await new StudyRegistry__factory(deployer).deploy(await memberRegistry.getAddress());
const initData = StudyRegistry__factory.createInterface().encodeFunctionData("initialize", [
  await authority.getAddress(),
]);
const proxy = await new ERC1967Proxy__factory(deployer).deploy(await implementation.getAddress(), initData);
const studies = StudyRegistry__factory.connect(await proxy.getAddress(), deployer);
const selectors = (["approveStudy", "suspendStudy", "reinstateStudy", "closeStudy"] as const).map(
  (name) => studies.interface.getFunction(name)?.selector as string,
);
await receiptGas(authority.connect(admin).setTargetFunctionRole(await studies.getAddress(), selectors, OVERSIGHT_ROLE));
await receiptGas(authority.connect(admin).grantRole(OVERSIGHT_ROLE, oversight.address, 0));

const members = memberRegistry.connect(council);
await receiptGas(members.addMember(0, keccak256(toUtf8Bytes("hospital")))); // member 1
await receiptGas(members.addMember(RESEARCH_INSTITUTE, keccak256(toUtf8Bytes("institute")))); // member 2
await receiptGas(members.addOperator(hospitalAdmin.address, 1n, dutyMask(Duty.OrgAdmin)));
await receiptGas(members.addOperator(dataSteward.address, 1n, dutyMask(Duty.DataSteward)));
await receiptGas(members.addOperator(researcher.address, 2n, dutyMask(Duty.Researcher, Duty.OrgAdmin)));

const now = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);
const registration = studyRegistration({
  protocolHash: keccak256(toUtf8Bytes("protocol")),
  ethicsApprovalHash: keccak256(toUtf8Bytes("IRB letter")),
  ethicsApprovalExpiresAt: now + 365n * 86_400n,
  purpose: 7, // BiomedicalResearch
  requesterClass: 0, // Academic
  dataUse: [6, 18, 19], // HMB, NPUNCU, PUB
  categories: categoryMask(RecordCategory.LabResult, RecordCategory.Medication),
  termStart: now,
  termEnd: now + 180n * 86_400n,
  minimumK: 5,
  sponsorKind: RESEARCH_INSTITUTE,
  now,
});
const manifest = async (studyId: bigint) =>
  datasetManifest({
    studyId,
    cohortRoot: keccak256(toUtf8Bytes(`cohort ${studyId}`)),
    cohortSize: 1_200,
    method: 0, // KAnonymity
    k: 5,
    methodDocumentHash: keccak256(toUtf8Bytes("method")),
    optOutStateBlock: BigInt(await ethers.provider.getBlockNumber()) - 1n,
    manifestHash: keccak256(toUtf8Bytes("release")),
  });

const table = new GasTable();
const twice = async (operation: string, call: (round: number) => Promise<ContractTransactionResponse>) => {
  await receiptGas(call(1));
  await table.record(operation, call(2));
};
await twice("registerStudy (1 permission + 2 modifiers)", () =>
  studies.connect(researcher).registerStudy(registration),
);
await twice("approveStudy (oversight role via AccessManager)", (round) =>
  studies.connect(oversight).approveStudy(BigInt(round)),
);
await twice("publishDataset (k-anonymity)", async (round) =>
  studies.connect(dataSteward).publishDataset(await manifest(BigInt(round))),
);
await twice("grantDatasetAccess", (round) => studies.connect(researcher).grantDatasetAccess(BigInt(round), researcher));
await twice("logDatasetAccess", (round) =>
  studies.connect(researcher).logDatasetAccess(1n, keccak256(toUtf8Bytes(`query ${round}`))),
);
console.log(table.toMarkdown());
