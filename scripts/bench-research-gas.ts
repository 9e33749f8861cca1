/**
 * Gas of third parties and research, printed as two Markdown tables (part of `./medchain bench`):
 *
 *   npx hardhat run scripts/bench-research-gas.ts
 *
 * 1. What the research opt-out and the commercial opt-in add to `ConsentRegistry.isAuthorized`, and what a
 *    third-party grant costs beside a plain one. Views: execution gas of two identical static calls in one
 *    transaction (contracts/bench/GasProbe.sol), cold then warm.
 * 2. The StudyRegistry's writes, on the production deployment (oversight through the AccessManager).
 *
 * Writes: receipt.gasUsed (includes the 21,000 base and calldata), in steady state (the second call of its
 * kind: the first writes nonces, grant slots and id counters from zero).
 */
import { keccak256, toBeHex, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  DataUse,
  DeidentificationMethod,
  Duty,
  dutyMask,
  ExplicitOptIn,
  MemberKind,
  Purpose,
  purposeMask,
  RecordCategory,
  RequesterClass,
} from "../sdk/codes.js";
import { optOutDomain, optOutRequest, signOptOut } from "../sdk/opt-out.js";
import { datasetManifest, studyRegistration } from "../sdk/research.js";
import { GasProbe__factory } from "../typechain-types/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable, receiptGas } from "./lib/gas.js";

const connection = await network.create();
const {
  memberRegistry,
  patientRegistry,
  consentRegistry,
  researchOptOutRegistry,
  studyRegistry,
  council,
  oversight,
  signers,
  deployer,
} = await deployMedchain(connection);
const [orgAdmin, registrar, patient, researcher, dataSteward] = signers;
if (
  orgAdmin === undefined ||
  registrar === undefined ||
  patient === undefined ||
  researcher === undefined ||
  dataSteward === undefined
) {
  throw new Error("too few accounts");
}

const members = memberRegistry.connect(council);
await receiptGas(members.addMember(MemberKind.Hospital, keccak256("0x01"))); // 1
await receiptGas(members.addMember(MemberKind.ResearchInstitute, keccak256("0x02"))); // 2
await receiptGas(members.addMember(MemberKind.Company, keccak256("0x03"))); // 3
await receiptGas(members.addOperator(orgAdmin, 1n, dutyMask(Duty.OrgAdmin)));
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(registrar, 1n, dutyMask(Duty.Registrar)));
await receiptGas(patientRegistry.connect(registrar).registerPatient(patient, keccak256(toBeHex(1, 32))));
const patientId = 1n;

const now = BigInt((await connection.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
const { chainId } = await connection.ethers.provider.getNetwork();
const grant = (grantee: bigint, purposes: number) => ({
  patientId,
  grantee,
  categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
  purposes,
  notBefore: now,
  expiresAt: now + 365n * 86_400n,
  consentFormHash: `0x${"00".repeat(32)}`,
});
const asPatient = consentRegistry.connect(patient);
const table = new GasTable();

// Writes: each grant once to reach steady state, then measured.
const treatment = grant(1n, purposeMask(Purpose.Treatment, Purpose.Research));
await receiptGas(asPatient.grant(treatment));
await table.record("grant (plain, hospital, steady state)", asPatient.grant(treatment));
const research = {
  grant: grant(2n, purposeMask(Purpose.Research, Purpose.BiomedicalResearch)),
  requesterClass: RequesterClass.Academic,
  optIns: 0,
};
await receiptGas(asPatient.grantThirdParty(research));
await table.record("grantThirdParty (research institute, steady state)", asPatient.grantThirdParty(research));
const marketing = {
  grant: grant(3n, purposeMask(Purpose.Marketing)),
  requesterClass: RequesterClass.Commercial,
  optIns: ExplicitOptIn.CommercialUse,
};
await receiptGas(asPatient.grantThirdParty(marketing));

const probe = await new GasProbe__factory(deployer).deploy();
const consentAddress = await consentRegistry.getAddress();
const coldAndWarm = async (label: string, memberId: bigint, purpose: Purpose, note = "") => {
  const data = consentRegistry.interface.encodeFunctionData("isAuthorized", [
    patientId,
    memberId,
    RecordCategory.Medication,
    purpose,
  ]);
  const answer = await consentRegistry.isAuthorized(patientId, memberId, RecordCategory.Medication, purpose);
  const [cold, warm] = await probe.coldAndWarm(consentAddress, data);
  table.add({ operation: `isAuthorized, ${label} (${String(answer)}): cold call`, gas: cold, note });
  table.add({ operation: `isAuthorized, ${label} (${String(answer)}): warm call`, gas: warm });
};

await coldAndWarm("Treatment, hospital grant", 1n, Purpose.Treatment, "no opt-out or terms read");
await coldAndWarm("Research, hospital grant", 1n, Purpose.Research, "+ opt-out registry");
await coldAndWarm("BiomedicalResearch, institute grant", 2n, Purpose.BiomedicalResearch, "+ opt-out registry");
await coldAndWarm("Marketing, company grant with opt-in", 3n, Purpose.Marketing, "+ terms slot");
await receiptGas(researchOptOutRegistry.connect(patient).setOptOut(patientId, true, 0, 0));
await coldAndWarm("BiomedicalResearch, institute grant, opted out", 2n, Purpose.BiomedicalResearch);
await table.record(
  "setOptOut (steady state)",
  researchOptOutRegistry.connect(patient).setOptOut(patientId, false, categoryMask(RecordCategory.LabResult), 0),
);
// The same change signed by the patient and relayed by the hospital's registrar (the nonce slot is already
// written by the direct calls above, so this is steady state too).
const optOutSigningDomain = optOutDomain({ chainId, verifyingContract: await researchOptOutRegistry.getAddress() });
const signedOptOut = await signOptOut(
  patient,
  optOutSigningDomain,
  optOutRequest({ patientId, categories: categoryMask(RecordCategory.Medication) }),
  await researchOptOutRegistry.optOutNonce(patientId),
  now + 365n * 86_400n,
);
await table.record(
  "setOptOutBySig (relayed, steady state)",
  researchOptOutRegistry.connect(registrar).setOptOutBySig(signedOptOut),
  { note: "+ EIP-712 digest, signature check, nonce" },
);

console.log(table.toMarkdown());

// StudyRegistry: the institute's researcher registers, oversight approves, the hospital's steward publishes.
await receiptGas(members.addOperator(researcher, 2n, dutyMask(Duty.Researcher, Duty.OrgAdmin)));
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(dataSteward, 1n, dutyMask(Duty.DataSteward)));
const studyNow = BigInt((await connection.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
const registration = studyRegistration({
  protocolHash: keccak256(toUtf8Bytes("protocol")),
  ethicsApprovalHash: keccak256(toUtf8Bytes("IRB letter")),
  ethicsApprovalExpiresAt: studyNow + 365n * 86_400n,
  purpose: Purpose.BiomedicalResearch,
  requesterClass: RequesterClass.Academic,
  dataUse: [DataUse.HMB, DataUse.NPUNCU, DataUse.PUB],
  categories: categoryMask(RecordCategory.LabResult, RecordCategory.Medication),
  termStart: studyNow,
  termEnd: studyNow + 180n * 86_400n,
  minimumK: 5,
  sponsorKind: MemberKind.ResearchInstitute,
  now: studyNow,
});
const manifest = async (studyId: bigint) =>
  datasetManifest({
    studyId,
    cohortRoot: keccak256(toUtf8Bytes(`cohort ${studyId}`)),
    cohortSize: 1_200,
    method: DeidentificationMethod.KAnonymity,
    k: 5,
    methodDocumentHash: keccak256(toUtf8Bytes("method")),
    optOutStateBlock: BigInt(await connection.ethers.provider.getBlockNumber()) - 1n,
    manifestHash: keccak256(toUtf8Bytes("release")),
  });
const studies = new GasTable();
const twice = async (operation: string, call: (round: number) => Promise<ContractTransactionResponse>) => {
  await receiptGas(call(1));
  await studies.record(operation, call(2));
};
await twice("registerStudy (1 permission + 2 modifiers)", () =>
  studyRegistry.connect(researcher).registerStudy(registration),
);
await twice("approveStudy (oversight role via AccessManager)", (round) =>
  studyRegistry.connect(oversight).approveStudy(BigInt(round)),
);
await twice("publishDataset (k-anonymity)", async (round) =>
  studyRegistry.connect(dataSteward).publishDataset(await manifest(BigInt(round))),
);
await twice("grantDatasetAccess", (round) =>
  studyRegistry.connect(researcher).grantDatasetAccess(BigInt(round), researcher),
);
await twice("logDatasetAccess", (round) =>
  studyRegistry.connect(researcher).logDatasetAccess(1n, keccak256(toUtf8Bytes(`query ${round}`))),
);
console.log(`\n${studies.toMarkdown()}`);
