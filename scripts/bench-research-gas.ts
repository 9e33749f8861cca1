/**
 * What the research opt-out and the commercial opt-in add to `ConsentRegistry.isAuthorized`, and what a
 * third-party grant costs beside a plain one, printed as a Markdown table:
 *
 *   npx hardhat run scripts/bench-research-gas.ts
 *
 * Views: execution gas of two identical static calls in one transaction (contracts/bench/GasProbe.sol), cold
 * then warm. Writes: receipt.gasUsed, in steady state (the patient's nonce and the grant slot already written).
 */
import { keccak256, toBeHex } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  Duty,
  dutyMask,
  ExplicitOptIn,
  MemberKind,
  Purpose,
  purposeMask,
  RecordCategory,
  RequesterClass,
} from "../sdk/codes.js";
import { GasProbe__factory } from "../typechain-types/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable, receiptGas } from "./lib/gas.js";

const connection = await network.create();
const { memberRegistry, patientRegistry, consentRegistry, researchOptOutRegistry, council, signers, deployer } =
  await deployMedchain(connection);
const [orgAdmin, registrar, patient] = signers;
if (orgAdmin === undefined || registrar === undefined || patient === undefined) throw new Error("too few accounts");

const members = memberRegistry.connect(council);
await receiptGas(members.addMember(MemberKind.Hospital, keccak256("0x01"))); // 1
await receiptGas(members.addMember(MemberKind.ResearchInstitute, keccak256("0x02"))); // 2
await receiptGas(members.addMember(MemberKind.Company, keccak256("0x03"))); // 3
await receiptGas(members.addOperator(orgAdmin, 1n, dutyMask(Duty.OrgAdmin)));
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(registrar, 1n, dutyMask(Duty.Registrar)));
await receiptGas(patientRegistry.connect(registrar).registerPatient(patient, keccak256(toBeHex(1, 32))));
const patientId = 1n;

const now = BigInt((await connection.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
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

console.log(table.toMarkdown());
