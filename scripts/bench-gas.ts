/**
 * Gas per operation, printed as Markdown tables for the README:
 * 1. governance and identity, beside a floor contract doing the same storage writes and events with no
 *    access control or validation (contracts/bench/IdentityFloors.sol);
 * 2. consent, beside the targets and the floors measured in shared/BENCHMARKS.md;
 * 3. what a read costs cold and warm, and what consulting another registry behind a proxy costs
 *    (contracts/bench/GasProbe.sol).
 *
 *   ./medchain bench
 *
 * Writes: receipt.gasUsed (includes the 21,000 base and calldata), measured in steady state (not the first
 * call of its kind, whose counter write from zero costs ~15k more in both columns). Views: eth_estimateGas
 * minus 21,000. The in-process network runs the cancun hardfork (hardhat.config.ts).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  AbiCoder,
  concat,
  getBytes,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  ZeroHash,
  type ContractTransactionResponse,
  type Signer,
} from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  claimDomain,
  ClaimReason,
  consentDomain,
  DelegateScope,
  Duty,
  dutyMask,
  EmergencyReason,
  MemberKind,
  MembershipReason,
  Purpose,
  purposeMask,
  RecordCategory,
  RetractionReason,
  signClaimAuthorization,
  signGrant,
  signRevoke,
  type GrantRequest,
} from "../sdk/index.js";
import { GasProbe__factory, IdentityFloors__factory } from "../typechain-types/index.js";
import type { IRecordRegistry } from "../typechain-types/contracts/records/RecordRegistry.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable, receiptGas } from "./lib/gas.js";

const connection = await network.create();
const { ethers } = connection;
const {
  memberRegistry,
  patientRegistry,
  consentRegistry,
  recordRegistry,
  claimRegistry,
  council,
  guardian,
  signers,
  deployer,
} = await deployMedchain(connection);
const floors = await new IdentityFloors__factory(deployer).deploy();

const account = (index: number) => {
  const signer = signers[index];
  if (signer === undefined) throw new Error(`the benchmark needs at least ${index + 5} accounts`);
  return signer;
};
const orgAdmin = account(0);
const registrar = account(1);
const patient = account(2);
const delegate = account(3);
const fresh = (n: number) => ethers.getAddress(toBeHex(0x10000n + BigInt(n), 20));
const commitment = (n: number) => keccak256(toBeHex(n, 32));

type RecordAnchorStruct = IRecordRegistry.RecordAnchorStruct;

const table = new GasTable();
const measure = async (
  operation: string,
  medchain: () => Promise<ContractTransactionResponse>,
  floor: () => Promise<ContractTransactionResponse>,
  note = "",
) => {
  table.add({ operation, gas: await receiptGas(medchain()), floor: await receiptGas(floor()), note });
};

// Warm-up: first member, first operator, first patient on both sides, so the rows below are steady state.
const members = memberRegistry.connect(council);
await receiptGas(members.addMember(MemberKind.Hospital, keccak256("0x01")));
await receiptGas(floors.addMember(MemberKind.Hospital, keccak256("0x01")));
await receiptGas(members.addOperator(orgAdmin, 1n, dutyMask(Duty.OrgAdmin)));
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(registrar, 1n, dutyMask(Duty.Registrar)));
await receiptGas(patientRegistry.connect(registrar).registerPatient(patient, commitment(0)));
await receiptGas(floors.registerPatient(patient, commitment(0)));

await measure(
  "add member",
  () => members.addMember(MemberKind.Insurer, keccak256("0x02")),
  () => floors.addMember(MemberKind.Insurer, keccak256("0x02")),
  "membership role via AccessManager",
);
await measure(
  "add operator (membership council)",
  () => members.addOperator(fresh(1), 1n, dutyMask(Duty.Clinician)),
  () => floors.addOperator(fresh(1), 1, dutyMask(Duty.Clinician)),
  "AccessManager check",
);
await measure(
  "add operator (organisation admin)",
  () => memberRegistry.connect(orgAdmin).addOperator(fresh(2), 1n, dutyMask(Duty.Clinician)),
  () => floors.addOperator(fresh(2), 1, dutyMask(Duty.Clinician)),
  "own OrgAdmin duty, no external call",
);
await measure(
  "register patient",
  () => patientRegistry.connect(registrar).registerPatient(fresh(3), commitment(1)),
  () => floors.registerPatient(fresh(3), commitment(1)),
  "3 new slots; asks MemberRegistry",
);
await measure(
  "appoint delegate (patient)",
  () => patientRegistry.connect(patient).appointDelegate(1n, fresh(6), DelegateScope.Consent, 4_000_000_000n),
  () => floors.appointDelegate(1, fresh(6), DelegateScope.Consent, 4_000_000_000n),
  "the patient's own account",
);
await measure(
  "appoint delegate (registrar)",
  () => patientRegistry.connect(registrar).appointDelegate(1n, delegate, DelegateScope.Consent, 4_000_000_000n),
  () => floors.appointDelegate(1, delegate, DelegateScope.Consent, 4_000_000_000n),
  "by a registrar (asks MemberRegistry)",
);
await measure(
  "rotate account",
  () => patientRegistry.connect(patient).rotateAccount(fresh(4)),
  () => floors.connect(patient).rotateAccount(fresh(4)),
  "also clears any mandate of the new account",
);
await measure(
  "initiate recovery",
  () => patientRegistry.connect(registrar).initiateRecovery(2n, fresh(5)),
  () => floors.initiateRecovery(2, fresh(5)),
  "asks MemberRegistry",
);
await connection.networkHelpers.time.increase(await patientRegistry.recoveryDelay());
await measure(
  "execute recovery",
  () => patientRegistry.executeRecovery(2n),
  () => floors.executeRecovery(2),
  "re-checks the initiating registrar",
);
await measure(
  "suspend member",
  () => memberRegistry.connect(guardian).suspendMember(2n, MembershipReason.SecurityIncident),
  () => floors.suspendMember(2, MembershipReason.SecurityIncident),
  "guardian role, no delay",
);

const viewGas = async (operation: string, to: string, data: string, note: string) => {
  const estimate = await ethers.provider.estimateGas({ to, data });
  table.add({ operation, gas: estimate - 21_000n, note });
};
const memberRegistryAddress = await memberRegistry.getAddress();
await viewGas(
  "view requireDuty",
  memberRegistryAddress,
  memberRegistry.interface.encodeFunctionData("requireDuty", [registrar.address, Duty.Registrar]),
  "operator slot + member slot (cold)",
);
await viewGas(
  "view canActFor (delegate)",
  await patientRegistry.getAddress(),
  patientRegistry.interface.encodeFunctionData("canActFor", [1n, delegate.address, DelegateScope.Consent]),
  "patient slot + delegation slot (cold)",
);

// --- Consent ------------------------------------------------------------------------------------------
const consentTable = new GasTable();
const clinician = account(6);
const patientP = account(4);
const patientQ = account(5);
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(clinician, 1n, dutyMask(Duty.Clinician)));
await receiptGas(members.addMember(MemberKind.Hospital, keccak256("0x03"))); // member 3, the other hospital
await receiptGas(members.addMember(MemberKind.Clinic, keccak256("0x04"))); // member 4, a clinic
await receiptGas(patientRegistry.connect(registrar).registerPatient(patientP, commitment(100)));
await receiptGas(patientRegistry.connect(registrar).registerPatient(patientQ, commitment(101)));
const [pId, qId] = [await patientRegistry.patientIdOf(patientP), await patientRegistry.patientIdOf(patientQ)];

const now = async () => BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);
const treatmentGrant = async (patientId: bigint, grantee: bigint, consentFormHash = `0x${"00".repeat(32)}`) => {
  const start = await now();
  const request: GrantRequest = {
    patientId,
    grantee,
    categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
    purposes: purposeMask(Purpose.Treatment),
    notBefore: start,
    expiresAt: start + 30n * 86_400n,
    consentFormHash,
  };
  return request;
};
const domain = consentDomain({
  chainId: (await ethers.provider.getNetwork()).chainId,
  verifyingContract: await consentRegistry.getAddress(),
});
const signedGrant = async (signer: Signer, request: GrantRequest) =>
  signGrant(signer, domain, request, await consentRegistry.nonces(request.patientId), (await now()) + 3600n);
const consent = (operation: string, transaction: Promise<ContractTransactionResponse>, row: object = {}) =>
  consentTable.record(operation, transaction, row);

await consent(
  "grant (patient's first consent action)",
  consentRegistry.connect(patientP).grant(await treatmentGrant(pId, 3n)),
  { floor: 48_258n, note: "also creates the patient's nonce slot (+~17k, once)" },
);
await consent("grant (new, no consent form)", consentRegistry.connect(patientP).grant(await treatmentGrant(pId, 1n)), {
  target: 60_000n,
  floor: 48_258n,
  note: "floor: one packed slot, new",
});
await consent(
  "grant (new, with consent-form hash)",
  consentRegistry.connect(patientP).grant(await treatmentGrant(pId, 4n, keccak256("0xf0"))),
  { floor: 71_852n, note: "floor: two slots, new" },
);
await consent("grant (replace)", consentRegistry.connect(patientP).grant(await treatmentGrant(pId, 3n)), {
  floor: 31_158n,
  note: "floor: overwrite one slot",
});
await consent(
  "grantBySig (first nonce)",
  consentRegistry.connect(clinician).grantBySig(await signedGrant(patientQ, await treatmentGrant(qId, 3n))),
  { floor: 83_843n, note: "nonce 0 → 1 writes a new slot" },
);
await consent(
  "grantBySig (warm nonce)",
  consentRegistry.connect(clinician).grantBySig(await signedGrant(patientQ, await treatmentGrant(qId, 1n))),
  { target: 75_000n, floor: 66_743n, note: "relayed by a hospital operator" },
);
await consent("revoke", consentRegistry.connect(patientP).revoke({ patientId: pId, grantee: 3n }), {
  target: 35_000n,
  floor: 29_153n,
  note: "revokedAt kept in the slot",
});
await consent(
  "revokeBySig (warm nonce)",
  consentRegistry
    .connect(clinician)
    .revokeBySig(
      await signRevoke(
        patientQ,
        domain,
        { patientId: qId, grantee: 3n },
        await consentRegistry.nonces(qId),
        (await now()) + 3600n,
      ),
    ),
);
await consent(
  "logAccess (under a grant)",
  consentRegistry
    .connect(clinician)
    .logAccess(pId, RecordCategory.Medication, Purpose.Treatment, keccak256("0x5eed01")),
  { target: 35_000n, floor: 22_989n, note: "floor: the event alone" },
);
await consent(
  "openBreakGlass (organisation's first)",
  consentRegistry.connect(clinician).openBreakGlass(qId, EmergencyReason.Unconscious),
  { note: "counter 0 → 1" },
);
await consent(
  "openBreakGlass (later)",
  consentRegistry.connect(clinician).openBreakGlass(pId, EmergencyReason.LifeThreatening),
);
await consent(
  "logAccess (under break-glass)",
  consentRegistry.connect(clinician).logAccess(qId, RecordCategory.Allergy, Purpose.Treatment, keccak256("0x5eed02")),
  { target: 35_000n, floor: 22_989n },
);
await consent("closeBreakGlass (clinician)", consentRegistry.connect(clinician).closeBreakGlass(pId, 1n));

const consentAddress = await consentRegistry.getAddress();
const isAuthorizedCall = (patientId: bigint, memberId: bigint) =>
  consentRegistry.interface.encodeFunctionData("isAuthorized", [
    patientId,
    memberId,
    RecordCategory.Medication,
    Purpose.Treatment,
  ]);
const authorizedEstimate =
  (await ethers.provider.estimateGas({ to: consentAddress, data: isAuthorizedCall(pId, 1n) })) - 21_000n;
consentTable.add({
  operation: "isAuthorized (granted, cold: estimateGas − 21,000)",
  gas: authorizedEstimate,
  target: 5_000n,
  floor: 3_988n,
  note: "grant slot + member and patient status in their registries",
});
const probe = await new GasProbe__factory(deployer).deploy();
const [grantedCold, grantedWarm] = await probe.coldAndWarm(consentAddress, isAuthorizedCall(pId, 1n));
const [noGrantCold, noGrantWarm] = await probe.coldAndWarm(consentAddress, isAuthorizedCall(pId, 2n));
consentTable.add({
  operation: "isAuthorized (granted, warm: second call in a transaction)",
  gas: grantedWarm,
  target: 5_000n,
  floor: 3_988n,
  note: "what a contract pays for a repeated check",
});

const probeTable = new GasTable();
probeTable.add({ operation: "isAuthorized, granted: cold call", gas: grantedCold });
probeTable.add({ operation: "isAuthorized, granted: warm call", gas: grantedWarm });
probeTable.add({
  operation: "isAuthorized, no grant: cold call",
  gas: noGrantCold,
  note: "stops after the grant and break-glass slots",
});
probeTable.add({ operation: "isAuthorized, no grant: warm call", gas: noGrantWarm });
const [patientCold, patientWarm] = await probe.coldAndWarm(
  await patientRegistry.getAddress(),
  patientRegistry.interface.encodeFunctionData("isActivePatient", [pId]),
);
const [memberCold, memberWarm] = await probe.coldAndWarm(
  await memberRegistry.getAddress(),
  memberRegistry.interface.encodeFunctionData("isActiveMember", [1n]),
);
probeTable.add({
  operation: "PatientRegistry.isActivePatient: cold call",
  gas: patientCold,
  note: "proxy account + implementation slot + implementation account + patient slot",
});
probeTable.add({ operation: "PatientRegistry.isActivePatient: warm call", gas: patientWarm });
probeTable.add({ operation: "MemberRegistry.isActiveMember: cold call", gas: memberCold, note: "likewise" });
probeTable.add({ operation: "MemberRegistry.isActiveMember: warm call", gas: memberWarm });

// --- Records --------------------------------------------------------------------------------------------
const recordTable = new GasTable();
const dataSteward = account(7);
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(dataSteward, 1n, dutyMask(Duty.DataSteward)));
const records = recordRegistry.connect(dataSteward);
const word = (label: string, n: number) => keccak256(toUtf8Bytes(`${label}:${n}`));
const anchorOf = (n: number, category: number = RecordCategory.LabResult): RecordAnchorStruct => ({
  contentHash: word("content", n),
  category,
  subjectCommitment: word("subject", n),
});
const record = (operation: string, transaction: Promise<ContractTransactionResponse>, row: object = {}) =>
  recordTable.record(operation, transaction, row);

await receiptGas(records.anchorRecord(anchorOf(0))); // warm-up: nothing is per-organisation, but keep it steady
await record("anchorRecord", records.anchorRecord(anchorOf(1)), {
  target: 50_000n,
  floor: 45_258n,
  note: "floor: one new slot + indexed event, no access check",
});
await record("amendRecord", records.amendRecord(anchorOf(1).contentHash, anchorOf(2)), {
  note: "new slot + previous entry's status",
});
await record("retractRecord", records.retractRecord(anchorOf(2).contentHash, RetractionReason.EnteredInError));

const standardTree = (values: RecordAnchorStruct[]) =>
  StandardMerkleTree.of(
    values.map((v) => [String(v.contentHash), Number(v.category), String(v.subjectCommitment)]),
    ["bytes32", "uint8", "bytes32"],
  );
const batchValues = Array.from({ length: 1000 }, (_, i) => anchorOf(10_000 + i, i % 14));
const batch = standardTree(batchValues);
await record(
  "anchorBatch (1,000 records, with manifest hash)",
  records.anchorBatch(batch.root, 1000, word("manifest", 1)),
  {
    target: 100_000n,
    floor: 46_091n,
    note: "floor: a root in one slot; target: 100 gas per record",
  },
);
const noManifest = standardTree(Array.from({ length: 1000 }, (_, i) => anchorOf(20_000 + i)));
await record("anchorBatch (1,000 records, no manifest hash)", records.anchorBatch(noManifest.root, 1000, ZeroHash), {
  target: 100_000n,
  floor: 46_091n,
});
const leafArgs = (tree: typeof batch, index: number) => {
  const [contentHash, category, subjectCommitment] = tree.at(index) ?? [];
  return { contentHash: String(contentHash), category: Number(category), subjectCommitment: String(subjectCommitment) };
};
await record(
  "amendBatchRecord (leaf of 1,000: 10-hash proof)",
  records.amendBatchRecord(batch.root, leafArgs(batch, 0), batch.getProof(0), anchorOf(3)),
);
await record(
  "retractBatchRecord (leaf of 1,000)",
  records.retractBatchRecord(batch.root, leafArgs(batch, 1), batch.getProof(1), RetractionReason.WrongPatient),
);

const recordAddress = await recordRegistry.getAddress();
const viewEstimate = async (data: string) => (await ethers.provider.estimateGas({ to: recordAddress, data })) - 21_000n;
recordTable.add({
  operation: "verifyRecord (estimateGas − 21,000)",
  gas: await viewEstimate(recordRegistry.interface.encodeFunctionData("verifyRecord", [anchorOf(3).contentHash])),
  note: "one slot",
});

/**
 * A genuine path of `depth` hashes from a leaf to a root, without building the tree: the verifier cannot
 * tell it from a leaf of a full 2^depth tree, so the figure is that of a 2^depth batch.
 */
const deepPath = (leafRecord: RecordAnchorStruct, depth: number) => {
  const leaf = keccak256(
    keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint8", "bytes32"],
        [leafRecord.contentHash, leafRecord.category, leafRecord.subjectCommitment],
      ),
    ),
  );
  const proof = Array.from({ length: depth }, (_, i) => word("sibling", depth * 100 + i));
  const root = proof.reduce(
    (node, sibling) => keccak256(concat(node < sibling ? [node, sibling] : [sibling, node])),
    leaf,
  );
  return { root, proof };
};
const depthFloors: Record<number, bigint> = { 10: 11_709n, 13: 13_990n, 17: 17_004n, 20: 19_275n };
for (const depth of [10, 13, 17, 20]) {
  const leafRecord = anchorOf(50_000 + depth);
  const { root, proof } = deepPath(leafRecord, depth);
  await receiptGas(records.anchorBatch(root, 2 ** depth, ZeroHash));
  const data = recordRegistry.interface.encodeFunctionData("verifyBatchRecord", [root, leafRecord, proof]);
  const calldataGas = [...getBytes(data)].reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
  recordTable.add({
    operation: `verifyBatchRecord, 2^${depth} leaves (estimateGas − 21,000)`,
    gas: await viewEstimate(data),
    ...(depth === 20 ? { target: 15_000n } : {}),
    floor: depthFloors[depth],
    note: `of which calldata ${calldataGas.toLocaleString("en-US")}`,
  });
}
const multiIndices = [2, 3, 4, 5, 6, 7, 8, 9];
const multi = batch.getMultiProof(multiIndices);
const multiData = recordRegistry.interface.encodeFunctionData("verifyBatchRecords", [
  batch.root,
  multi.leaves.map((value) => ({
    contentHash: String(value[0]),
    category: Number(value[1]),
    subjectCommitment: String(value[2]),
  })),
  multi.proof,
  multi.proofFlags,
]);
const multiGas = await viewEstimate(multiData);
recordTable.add({
  operation: `verifyBatchRecords, 8 leaves of 1,000 in one multiproof`,
  gas: multiGas,
  note: `${(multiGas / 8n).toLocaleString("en-US")} per record`,
});
const [stewardCold, stewardWarm] = await probe.coldAndWarm(
  await memberRegistry.getAddress(),
  memberRegistry.interface.encodeFunctionData("requireDuty", [dataSteward.address, Duty.DataSteward]),
);
probeTable.add({
  operation: "MemberRegistry.requireDuty (the custodian check): cold call",
  gas: stewardCold,
  note: "every anchor pays it: proxy, implementation, operator and member slots",
});
probeTable.add({ operation: "MemberRegistry.requireDuty: warm call", gas: stewardWarm });

// --- Claims ---------------------------------------------------------------------------------------------
const claimTable = new GasTable();
const hospitalClaimsOfficer = account(8);
const insurerClaimsOfficer = account(9);
await receiptGas(members.addMember(MemberKind.Insurer, keccak256("0x05"))); // member 5 (member 2 was suspended)
const insurerId = 5n;
await receiptGas(memberRegistry.connect(orgAdmin).addOperator(hospitalClaimsOfficer, 1n, dutyMask(Duty.ClaimsOfficer)));
await receiptGas(members.addOperator(insurerClaimsOfficer, insurerId, dutyMask(Duty.ClaimsOfficer)));
const claimGrantStart = await now();
await receiptGas(
  consentRegistry.connect(patientP).grant({
    patientId: pId,
    grantee: insurerId,
    categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.LabResult),
    purposes: purposeMask(Purpose.InsuranceClaim),
    notBefore: claimGrantStart,
    expiresAt: claimGrantStart + 30n * 86_400n,
    consentFormHash: ZeroHash,
  }),
);
const attachment = async (n: number) => {
  await receiptGas(records.anchorRecord(anchorOf(n)));
  return String(anchorOf(n).contentHash);
};
const attachments = [await attachment(300), await attachment(301), await attachment(302)];
const laterAttachment = await attachment(303);
const claimOf = (n: number, withAttachments: string[]) => ({
  patientId: pId,
  insurer: insurerId,
  claimHash: word("claim", n),
  claimedAmount: 1_250_000n,
  currency: 901,
  serviceStart: claimGrantStart - 5n * 86_400n,
  serviceEnd: claimGrantStart - 86_400n,
  attachments: withAttachments,
});
const provider = claimRegistry.connect(hospitalClaimsOfficer);
const insurer = claimRegistry.connect(insurerClaimsOfficer);
const claimIdOf = (n: number) => claimRegistry.claimIdOf(1n, word("claim", n));
const step = (operation: string, transaction: Promise<ContractTransactionResponse>, row: object = {}) =>
  claimTable.record(operation, transaction, { target: 40_000n, ...row });

await receiptGas(provider.submitClaim(claimOf(0, []))); // warm-up
await claimTable.record("submitClaim (3 attachments, by consent)", provider.submitClaim(claimOf(1, attachments)), {
  target: 120_000n,
  note: "2 new slots; provider, insurer, consent and 3 record checks",
});
await claimTable.record("submitClaim (no attachments, by consent)", provider.submitClaim(claimOf(2, [])));
await claimTable.record("submitClaim (3 attachments, by consent)", provider.submitClaim(claimOf(3, attachments)));
const signedClaim = claimOf(4, attachments);
const claimSignature = await signClaimAuthorization(
  patientP,
  claimDomain({
    chainId: (await ethers.provider.getNetwork()).chainId,
    verifyingContract: await claimRegistry.getAddress(),
  }),
  signedClaim,
  1n,
  await claimRegistry.claimNonces(pId),
  (await now()) + 3600n,
);
await claimTable.record(
  "submitClaimWithAuthorization (3 attachments, first nonce)",
  provider.submitClaimWithAuthorization(signedClaim, claimSignature),
  { target: 120_000n, note: "patient's EIP-712 signature instead of a grant; nonce 0 → 1" },
);
const claim1 = await claimIdOf(1);
await step("startReview", insurer.startReview(claim1));
await step(
  "requestInformation",
  insurer.requestInformation(claim1, ClaimReason.ItemisedReceiptNeeded, word("request", 1)),
);
await step("provideInformation (no new attachment)", provider.provideInformation(claim1, [], word("answer", 1)));
await insurer.requestInformation(claim1, ClaimReason.MedicalRecordNeeded, word("request", 2));
await step(
  "provideInformation (1 new attachment)",
  provider.provideInformation(claim1, [laterAttachment], word("answer", 2)),
  { note: "checks the record and the live consent" },
);
await step("approveClaim (partial)", insurer.approveClaim(claim1, 1_000_000n));
await step("markPaid", insurer.markPaid(claim1, word("payment", 1)));
const claim2 = await claimIdOf(2);
await receiptGas(insurer.startReview(claim2));
await step("denyClaim", insurer.denyClaim(claim2, ClaimReason.NotCovered));
await step("withdrawClaim", provider.withdrawClaim(await claimIdOf(3)));

console.log("\nmedchain governance and identity gas (hardfork cancun, solc 0.8.30, optimizer 200 runs)\n");
console.log(table.toMarkdown());
console.log("\nfloor: contracts/bench/IdentityFloors.sol — same writes and events, no checks.");
console.log("\nmedchain consent gas (targets from the consent issue; floors from shared/BENCHMARKS.md)\n");
console.log(consentTable.toMarkdown());
console.log(
  "\nmedchain record anchoring gas (targets from the record-anchoring issue; floors from shared/BENCHMARKS.md)\n",
);
console.log(recordTable.toMarkdown());
console.log("\nmedchain claims gas (targets from the claims issue)\n");
console.log(claimTable.toMarkdown());
console.log("\nexecution gas of reads inside a transaction (contracts/bench/GasProbe.sol; no base, no calldata)\n");
console.log(probeTable.toMarkdown());
