/**
 * The main job: deploys medchain with Ignition and walks the consortium's story, printing a narrative and
 * the gas each step used. Runs on the in-process Hardhat network by default (nothing to set up), or on
 * any configured node: `./medchain demo --network localhost`.
 */
import { rm } from "node:fs/promises";
import path from "node:path";

import {
  hexlify,
  keccak256,
  randomBytes,
  toUtf8Bytes,
  Wallet,
  ZeroHash as ZERO_HASH,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from "ethers";
import { network } from "hardhat";

import {
  adjudicateClaim,
  answerClaim,
  buildCohort,
  buildRecordBatch,
  categoryMask,
  ClaimReason,
  claimSubmission,
  claimTimeline,
  codeName,
  consentDomain,
  consentFormHash,
  datasetManifest,
  DataUse,
  dataUseName,
  decodeMedchainError,
  DeidentificationMethod,
  DelegateScope,
  documentContentHash,
  Duty,
  dutyMask,
  EmergencyReason,
  ExplicitOptIn,
  fhirContentHash,
  grantRequest,
  identityCommitment,
  IdentityDocumentType,
  ISO_4217,
  LegalBasis,
  MedchainInputError,
  MemberKind,
  MembershipReason,
  newRecordSalt,
  payClaim,
  Purpose,
  purposeMask,
  RecordCategory,
  recordLeafHash,
  RecordStatus,
  RequesterClass,
  signGrant,
  signThirdPartyGrant,
  studyRegistration,
  subjectCommitment,
  submitClaim,
  thirdPartyGrantRequest,
  verifyProofBundle,
  verifyProofBundleOnChain,
  type CohortRecord,
  type RecordAnchor,
  type ResearchOptOut,
} from "../sdk/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable } from "./lib/gas.js";

const connection = await network.create();
const { ethers } = connection;
const gas = new GasTable();
let step = 0;
const say = (text: string) => console.log(`\n${++step}. ${text}`);
const detail = (text: string) => console.log(`   ${text}`);
const record = (operation: string, transaction: Promise<ContractTransactionResponse>) =>
  gas.record(operation, transaction);

/**
 * Runs a call that must be refused (as a static call, so nothing is sent) and prints the chain's reason,
 * decoded by the SDK. A call that goes through is a broken story: the demo stops.
 */
async function refused(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    const decoded = decodeMedchainError(error);
    if (decoded === undefined) throw error;
    detail(`${what}: ${decoded.errorName} — ${decoded.shortMessage}`);
    return;
  }
  throw new Error(`the chain accepted what it must refuse: ${what}`);
}

/**
 * The story fast-forwards through the recovery delay with `evm_increaseTime`, which Hardhat nodes have and
 * production nodes (Besu) do not: stop at once with a clear message rather than half-way.
 */
async function requireTimeTravel(): Promise<void> {
  try {
    await connection.provider.request({ method: "evm_increaseTime", params: [0] });
  } catch (error) {
    console.error(
      "This node cannot move its clock forward (evm_increaseTime), which the demo needs to pass the patient " +
        "recovery delay. Run the demo in process (./medchain demo) or on a Hardhat node (./medchain node), and " +
        "use ./medchain sdk-story against a deployed chain (docs/sdk.md).",
    );
    throw error;
  }
}

/** A block time (unix seconds) as ISO 8601. */
const isoTime = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/** Off-chain profile of an organisation; only its hash goes on chain. */
const profileHash = (profile: object) => keccak256(toUtf8Bytes(JSON.stringify(profile)));

/**
 * DEMO ONLY: a made-up identity pepper. A real consortium generates 32 random bytes once, keeps them in
 * every registrar system's HSM or secret store, and never prints or commits them.
 */
const DEMO_IDENTITY_PEPPER = keccak256(toUtf8Bytes("medchain demo pepper - not a secret"));

console.log(
  `medchain demo on network "${connection.networkName}" (chain id ${(await ethers.provider.getNetwork()).chainId})`,
);

say(
  "The consortium deploys medchain with Ignition: its authority and its member, patient, consent and record registries.",
);
// On a node over HTTP the demo deploys afresh under its own Ignition deployment id (removed at the end), so
// it never resumes or disturbs the node's real deployment; the in-process chain keeps no journal.
const overHttp = connection.networkConfig.type === "http";
const demoDeploymentId = overHttp ? `demo-${Date.now()}` : undefined;
if (overHttp) await requireTimeTravel();
const deployment = await deployMedchain(
  connection,
  demoDeploymentId === undefined ? {} : { deploymentId: demoDeploymentId },
);
const { authority, memberRegistry, patientRegistry, consentRegistry, admin, council, guardian, deployer, signers } =
  deployment;
detail(`ConsortiumAuthority ${await authority.getAddress()}`);
detail(`MemberRegistry      ${await memberRegistry.getAddress()} (UUPS proxy)`);
detail(`PatientRegistry     ${await patientRegistry.getAddress()} (UUPS proxy)`);
detail(`ConsentRegistry     ${await consentRegistry.getAddress()} (UUPS proxy)`);
detail(`RecordRegistry      ${await deployment.recordRegistry.getAddress()} (UUPS proxy)`);
detail(`ClaimRegistry       ${await deployment.claimRegistry.getAddress()} (UUPS proxy)`);
const [deployerIsAdmin] = await authority.hasRole(0n, deployer);
const [adminIsAdmin, adminDelay] = await authority.hasRole(0n, admin);
detail(
  `admin role: consortium admin ${adminIsAdmin ? "yes" : "no"} (execution delay ${adminDelay} s), deployer ${deployerIsAdmin ? "yes" : "no"}`,
);

const person = (index: number) => {
  const signer = signers[index];
  if (signer === undefined) throw new Error(`this network has too few accounts for the demo (need ${index + 5})`);
  return signer;
};
const [taipeiAdmin, taipeiRegistrar, taipeiClinician, kaohsiungAdmin, kaohsiungRegistrar, insurerAdmin] = [
  person(0),
  person(1),
  person(2),
  person(3),
  person(4),
  person(5),
];
const kaohsiungClinician = person(11);
const [claimsOfficer, patientPhone, patientNewPhone, daughter, recoveredPhone] = [
  person(6),
  person(7),
  person(8),
  person(9),
  person(10),
];

say("The membership council admits two hospitals and an insurer. Only a hash of each profile goes on chain.");
const members = memberRegistry.connect(council);
await record(
  "add member (hospital)",
  members.addMember(MemberKind.Hospital, profileHash({ name: "Taipei East Hospital", licence: "demo-0001" })),
);
await record(
  "add member (hospital)",
  members.addMember(MemberKind.Hospital, profileHash({ name: "Kaohsiung West Hospital", licence: "demo-0002" })),
);
await record(
  "add member (insurer)",
  members.addMember(MemberKind.Insurer, profileHash({ name: "Formosa Mutual Insurance", licence: "demo-0003" })),
);
const [taipeiId, kaohsiungId, insurerId] = [1n, 2n, 3n];
detail(
  `Taipei East Hospital = member ${taipeiId}, Kaohsiung West Hospital = ${kaohsiungId}, Formosa Mutual = ${insurerId}`,
);

say("The council gives each organisation its first administrator; the administrators add their own staff.");
const firstAdministrators = [
  [taipeiAdmin, taipeiId],
  [kaohsiungAdmin, kaohsiungId],
  [insurerAdmin, insurerId],
] as const;
for (const [administrator, memberId] of firstAdministrators) {
  await record("add operator (by council)", members.addOperator(administrator, memberId, dutyMask(Duty.OrgAdmin)));
}
const staff = [
  [taipeiAdmin, taipeiRegistrar, taipeiId, Duty.Registrar],
  [taipeiAdmin, taipeiClinician, taipeiId, Duty.Clinician],
  [kaohsiungAdmin, kaohsiungRegistrar, kaohsiungId, Duty.Registrar],
  [kaohsiungAdmin, kaohsiungClinician, kaohsiungId, Duty.Clinician],
  [insurerAdmin, claimsOfficer, insurerId, Duty.ClaimsOfficer],
] as const;
for (const [administrator, operator, memberId, duty] of staff) {
  await record(
    "add operator (by org admin)",
    memberRegistry.connect(administrator).addOperator(operator, memberId, dutyMask(duty)),
  );
}
detail("Taipei: registrar and clinician; Kaohsiung: registrar and clinician; Formosa Mutual: claims officer.");

say("Mrs Lin shows her health-insurance card at Taipei East; the registrar registers her.");
const idCard = { documentType: IdentityDocumentType.TaiwanNationalId, documentNumber: "A123456789" } as const;
const commitment = identityCommitment({ pepper: DEMO_IDENTITY_PEPPER, ...idCard });
detail(`identity commitment (salted with the consortium pepper): ${commitment}`);
await record("register patient", patientRegistry.connect(taipeiRegistrar).registerPatient(patientPhone, commitment));
const patientId = await patientRegistry.patientIdOf(patientPhone);
detail(`Mrs Lin is patient ${patientId}; her phone's account is ${patientPhone.address}`);

say("Months later she visits Kaohsiung West, which tries to register her again: the chain refuses.");
const sameCommitment = identityCommitment({ pepper: DEMO_IDENTITY_PEPPER, ...idCard, documentNumber: "a123 456 789" });
await refused("refused", () =>
  patientRegistry.connect(kaohsiungRegistrar).registerPatient.staticCall(recoveredPhone, sameCommitment),
);

say("She buys a new phone and rotates her key herself. Her patient id does not change.");
await record("rotate account", patientRegistry.connect(patientPhone).rotateAccount(patientNewPhone));
detail(`patient ${await patientRegistry.patientIdOf(patientNewPhone)} now uses ${patientNewPhone.address}`);

say("She appoints her daughter as a delegate for consent and claims, for one year.");
const oneYearFromNow = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0) + 365n * 24n * 3600n;
await record(
  "appoint delegate (by patient)",
  patientRegistry
    .connect(patientNewPhone)
    .appointDelegate(patientId, daughter, DelegateScope.Consent | DelegateScope.Claims, oneYearFromNow),
);
detail(
  `daughter may act on consent: ${await patientRegistry.canActFor(patientId, daughter, DelegateScope.Consent)}, ` +
    `on research opt-out: ${await patientRegistry.canActFor(patientId, daughter, DelegateScope.Research)}`,
);

say("She loses the new phone. At Kaohsiung West a registrar checks her card and starts a recovery.");
const recoveryDelay = await patientRegistry.recoveryDelay();
await record(
  "initiate recovery",
  patientRegistry.connect(kaohsiungRegistrar).initiateRecovery(patientId, recoveredPhone),
);
const recovery = await patientRegistry.getRecovery(patientId);
detail(`the recovery waits ${Number(recoveryDelay) / 3600} h so a thief holding the old key could not hurry it,`);
detail(
  `and her current key could cancel it; it can run from ${new Date(Number(recovery.executableAt) * 1000).toISOString()}`,
);
await refused("executing now is refused", () =>
  patientRegistry.connect(recoveredPhone).executeRecovery.staticCall(patientId),
);
await connection.networkHelpers.time.increase(recoveryDelay);
await record("execute recovery", patientRegistry.connect(recoveredPhone).executeRecovery(patientId));
detail(`after the delay: patient ${await patientRegistry.patientIdOf(recoveredPhone)} uses ${recoveredPhone.address}`);
detail(
  `her daughter's mandate survives the new key: ${await patientRegistry.canActFor(patientId, daughter, DelegateScope.Claims)}`,
);

say("A security incident at Kaohsiung West: the guardian suspends it, and every one of its keys stops at once.");
await record(
  "suspend member",
  memberRegistry.connect(guardian).suspendMember(kaohsiungId, MembershipReason.SecurityIncident),
);
await refused("its registrar is refused", () =>
  patientRegistry.connect(kaohsiungRegistrar).registerPatient.staticCall(daughter, keccak256("0x01")),
);
await record("reinstate member", memberRegistry.connect(council).reinstateMember(kaohsiungId));
detail(
  `after review the council reinstates it: registrar active again = ${await memberRegistry.hasDuty(kaohsiungRegistrar, Duty.Registrar)}`,
);

const latest = async () => BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);
const domain = consentDomain({
  chainId: (await ethers.provider.getNetwork()).chainId,
  verifyingContract: await consentRegistry.getAddress(),
});
const recordRef = (label: string) => keccak256(toUtf8Bytes(`${label}|${hexlify(randomBytes(16))}`));

say(
  "Mrs Lin is referred to Kaohsiung West. On her phone she signs consent; Taipei East relays it, so she pays no gas.",
);
const referral = grantRequest({
  patientId,
  grantee: kaohsiungId,
  categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
  purposes: purposeMask(Purpose.Treatment),
  now: await latest(),
  durationSeconds: 30n * 24n * 3600n,
  // The signed form stays with the hospital and her; only its salted hash goes on chain.
  consentFormHash: consentFormHash(toUtf8Bytes("%PDF-1.7 the consent form she signed"), randomBytes(32)),
});
const signedReferral = await signGrant(
  recoveredPhone,
  domain,
  referral,
  await consentRegistry.nonces(patientId),
  (await latest()) + 3600n,
);
detail(
  `she signs EIP-712 typed data: medication and lab results, treatment only, 30 days, nonce ${signedReferral.nonce}`,
);
await record("grantBySig (relayed)", consentRegistry.connect(taipeiClinician).grantBySig(signedReferral));
detail(
  `Kaohsiung West may read her medication for treatment: ${await consentRegistry.isAuthorized(patientId, kaohsiungId, RecordCategory.Medication, Purpose.Treatment)}`,
);
await refused("the same signature relayed again is refused", () =>
  consentRegistry.connect(taipeiClinician).grantBySig.staticCall(signedReferral),
);

say("A Kaohsiung West clinician reads her lab results and logs the access; the log only takes authorised accesses.");
await record(
  "logAccess (under consent)",
  consentRegistry
    .connect(kaohsiungClinician)
    .logAccess(patientId, RecordCategory.LabResult, Purpose.Treatment, recordRef("lab-result-2026-11-20")),
);
detail("logged: patient, organisation, operator, category, purpose and a salted record reference — no content");
await refused("reading her dental records is refused", () =>
  consentRegistry
    .connect(kaohsiungClinician)
    .logAccess.staticCall(patientId, RecordCategory.Dental, Purpose.Treatment, recordRef("dental")),
);
await refused("using her lab results for research is refused", () =>
  consentRegistry
    .connect(kaohsiungClinician)
    .logAccess.staticCall(patientId, RecordCategory.LabResult, Purpose.Research, recordRef("research")),
);

say("Weeks later she is brought unconscious to Taipei East's emergency room, which holds no consent: break-glass.");
await refused("before break-glass, Taipei East may not read her allergies", () =>
  consentRegistry
    .connect(taipeiClinician)
    .logAccess.staticCall(patientId, RecordCategory.Allergy, Purpose.Treatment, recordRef("allergy")),
);
await record(
  "openBreakGlass",
  consentRegistry.connect(taipeiClinician).openBreakGlass(patientId, EmergencyReason.Unconscious),
);
const emergency = await consentRegistry.getBreakGlass(patientId, taipeiId);
detail(`emergency access for treatment until ${new Date(Number(emergency.endsAt) * 1000).toISOString()}, recorded`);
await record(
  "logAccess (under break-glass)",
  consentRegistry
    .connect(taipeiClinician)
    .logAccess(patientId, RecordCategory.Allergy, Purpose.Treatment, recordRef("allergy-list")),
);
detail(
  `treatment only: research under break-glass = ${await consentRegistry.isAuthorized(patientId, taipeiId, RecordCategory.Allergy, Purpose.Research)}`,
);
const [emergencies] = await consentRegistry.breakGlassRecord(taipeiId);
detail(`Taipei East has opened ${emergencies} emergency access(es); every one is in the log, marked break-glass`);
await record("closeBreakGlass", consentRegistry.connect(taipeiClinician).closeBreakGlass(patientId, taipeiId));
detail("once she is stable, the clinician ends the emergency access early");

say("Back home, her daughter (a consent delegate) revokes Kaohsiung West's access for her: at once.");
await record("revoke (by delegate)", consentRegistry.connect(daughter).revoke({ patientId, grantee: kaohsiungId }));
await refused("Kaohsiung West's next read is refused", () =>
  consentRegistry
    .connect(kaohsiungClinician)
    .logAccess.staticCall(patientId, RecordCategory.Medication, Purpose.Treatment, recordRef("medication")),
);

say("Who looked at her data? The access log, read back from the chain's events:");
const accessLog = await consentRegistry.queryFilter(consentRegistry.filters.AccessLogged(patientId));
for (const entry of accessLog) {
  const { memberId, operator, category, purpose, underBreakGlass } = entry.args;
  const when = new Date(Number((await entry.getBlock()).timestamp) * 1000).toISOString();
  detail(
    `${when}  organisation ${memberId} (${operator.slice(0, 10)}…)  ${codeName(RecordCategory, category)} for ${codeName(Purpose, purpose)}${underBreakGlass ? "  [BREAK-GLASS]" : ""}`,
  );
}

// --- Records ----------------------------------------------------------------------------------------------
const { recordRegistry } = deployment;
const [taipeiSteward, kaohsiungSteward] = [person(12), person(13)];
say("Each hospital's records office gets a data steward: the one duty that anchors record hashes.");
await record(
  "add operator (by org admin)",
  memberRegistry.connect(taipeiAdmin).addOperator(taipeiSteward, taipeiId, dutyMask(Duty.DataSteward)),
);
await record(
  "add operator (by org admin)",
  memberRegistry.connect(kaohsiungAdmin).addOperator(kaohsiungSteward, kaohsiungId, dutyMask(Duty.DataSteward)),
);

say("Mrs Lin is discharged from Taipei East; the hospital anchors her discharge summary's hash.");
const dischargeSummary = {
  resourceType: "Composition",
  status: "final",
  type: { coding: [{ system: "http://loinc.org", code: "18842-5", display: "Discharge summary" }] },
  subject: { reference: "Patient/demo-lin" },
  date: "2026-11-20T10:00:00+08:00",
  title: "Discharge summary (demo data)",
};
const dischargeSalt = newRecordSalt(); // kept with the record in Taipei East's system, never on chain
const dischargeAnchor: RecordAnchor = {
  contentHash: fhirContentHash(dischargeSummary),
  category: RecordCategory.DischargeSummary,
  subjectCommitment: subjectCommitment(patientId, dischargeSalt),
};
await record("anchorRecord (discharge summary)", recordRegistry.connect(taipeiSteward).anchorRecord(dischargeAnchor));
const discharge = await recordRegistry.verifyRecord(dischargeAnchor.contentHash);
detail(`content hash ${dischargeAnchor.contentHash} (keccak256 of the RFC 8785 canonical FHIR JSON)`);
detail(
  `on chain: ${codeName(RecordStatus, discharge.status)}, custodian ${discharge.custodian}, anchored ${isoTime(discharge.anchoredAt)}; ` +
    "the subject commitment is salted per record, so nobody can group her records",
);
await refused("anchoring the same summary again is refused", () =>
  recordRegistry.connect(kaohsiungSteward).anchorRecord.staticCall(dischargeAnchor),
);

say("At the end of the day Taipei East anchors all its lab results as one Merkle batch: one transaction.");
const glucose = (value: number, status = "final") => ({
  resourceType: "Observation",
  status,
  category: [
    { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] },
  ],
  code: {
    coding: [{ system: "http://loinc.org", code: "2345-7", display: "Glucose [Mass/volume] in Serum or Plasma" }],
  },
  subject: { reference: "Patient/demo-lin" },
  effectiveDateTime: "2026-11-20T08:30:00+08:00",
  valueQuantity: { value, unit: "mg/dL", system: "http://unitsofmeasure.org", code: "mg/dL" },
});
const linGlucose = glucose(98);
const linGlucoseSalt = newRecordSalt();
const linGlucoseAnchor: RecordAnchor = {
  contentHash: fhirContentHash(linGlucose),
  category: RecordCategory.LabResult,
  subjectCommitment: subjectCommitment(patientId, linGlucoseSalt),
};
const DAY_OF_LAB_RESULTS = 5_000;
/** The day's lab results as they stream out of the laboratory system (other patients' are synthetic). */
async function* labResults(): AsyncGenerator<RecordAnchor> {
  yield linGlucoseAnchor;
  for (let n = 1; n < DAY_OF_LAB_RESULTS; n++) {
    const result = { ...glucose(70 + (n % 60)), id: `demo-lab-${n}`, subject: { reference: `Patient/demo-${n}` } };
    yield {
      contentHash: fhirContentHash(result),
      category: RecordCategory.LabResult,
      subjectCommitment: subjectCommitment(BigInt(1_000 + n), newRecordSalt()),
    };
  }
}
const labBatch = await buildRecordBatch(labResults(), {
  label: "Taipei East lab results 2026-11-20",
  expectedCount: DAY_OF_LAB_RESULTS,
  progressInterval: 2_500,
  onProgress: ({ phase, done, total }) => detail(`  building: ${phase} ${done}/${total ?? "?"}`),
});
const batchGas = await record(
  `anchorBatch (${DAY_OF_LAB_RESULTS.toLocaleString("en-US")} lab results)`,
  recordRegistry.connect(taipeiSteward).anchorBatch(...labBatch.anchorBatchArgs()),
);
detail(
  `root ${labBatch.root}: ${labBatch.leafCount} records for ${batchGas.toLocaleString("en-US")} gas, ` +
    `${(Number(batchGas) / labBatch.leafCount).toFixed(1)} gas per record`,
);

say("Mrs Lin claims from Formosa Mutual. Taipei East hands the insurer her glucose result and its proof bundle.");
const registryLocation = {
  chainId: (await ethers.provider.getNetwork()).chainId,
  address: await recordRegistry.getAddress(),
};
const bundleJson = JSON.stringify(labBatch.proofBundle(linGlucoseAnchor.contentHash, { registry: registryLocation }));
detail(
  `proof bundle: ${bundleJson.length} bytes of JSON (record hashes, ${labBatch.proof(0).length} proof hashes, root)`,
);
const offline = verifyProofBundle(bundleJson, {
  resource: JSON.stringify(linGlucose),
  patientId,
  subjectSalt: linGlucoseSalt,
});
detail(
  `insurer, offline: proof ${offline.valid ? "valid" : "INVALID"}; the result hashes to the anchored content hash and is Mrs Lin's`,
);
const insurerView = recordRegistry.connect(claimsOfficer);
const onChain = await verifyProofBundleOnChain(insurerView, bundleJson);
if (!onChain.anchored) throw new Error(`the anchored lab result did not verify: ${onChain.reason}`);
detail(
  `insurer, on chain: ${onChain.statusName}, custodian ${onChain.custodian}, anchored ${isoTime(onChain.anchoredAt)}`,
);

say("A tampered copy (glucose 98 → 89) fails, offline and on chain.");
const tampered = glucose(89);
const tamperedOffline = verifyProofBundle(bundleJson, { resource: tampered });
detail(`offline: ${tamperedOffline.valid ? "valid?!" : tamperedOffline.problems.join("; ")}`);
const forgedRecord: RecordAnchor = { ...linGlucoseAnchor, contentHash: fhirContentHash(tampered) };
// A forger rewrites the bundle around the tampered copy; only the proof and root stay the custodian's.
const forgedBundle = JSON.stringify({
  ...(JSON.parse(bundleJson) as object),
  record: forgedRecord,
  leafHash: recordLeafHash(forgedRecord),
});
const forged = await verifyProofBundleOnChain(insurerView, forgedBundle);
if (forged.anchored) throw new Error("the chain accepted a tampered lab result");
detail(`on chain: not anchored — ${forged.reason}`);

say("The laboratory corrects the result. The amendment supersedes the batch leaf; the old bundle now says so.");
const corrected = glucose(102, "amended");
const correctedAnchor: RecordAnchor = {
  contentHash: fhirContentHash(corrected),
  category: RecordCategory.LabResult,
  subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
};
await refused("Kaohsiung West may not amend Taipei East's record", () =>
  recordRegistry
    .connect(kaohsiungSteward)
    .amendBatchRecord.staticCall(labBatch.root, linGlucoseAnchor, labBatch.proof(0), correctedAnchor),
);
await record(
  "amendBatchRecord",
  recordRegistry
    .connect(taipeiSteward)
    .amendBatchRecord(labBatch.root, linGlucoseAnchor, labBatch.proof(0), correctedAnchor),
);
const afterAmendment = await verifyProofBundleOnChain(insurerView, bundleJson);
if (!afterAmendment.anchored) throw new Error("the superseded lab result no longer verifies");
detail(`the old result: ${afterAmendment.statusName} since ${isoTime(afterAmendment.statusChangedAt)}`);
detail(
  `the correction: ${codeName(RecordStatus, (await recordRegistry.verifyRecord(correctedAnchor.contentHash)).status)}`,
);

// --- Claims ------------------------------------------------------------------------------------------------
const { claimRegistry } = deployment;
const taipeiClaimsOfficer = person(14);
say("Mrs Lin's inpatient stay ends; Taipei East's billing office (a claims officer) prepares her insurance claim.");
await record(
  "add operator (by org admin)",
  memberRegistry.connect(taipeiAdmin).addOperator(taipeiClaimsOfficer, taipeiId, dutyMask(Duty.ClaimsOfficer)),
);
const receiptPdf = new TextEncoder().encode("%PDF-1.7 Taipei East Hospital receipt (demo data)");
const receiptAnchor: RecordAnchor = {
  contentHash: documentContentHash(receiptPdf),
  category: RecordCategory.ClaimDocument,
  subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
};
await record("anchorRecord (receipt)", recordRegistry.connect(taipeiSteward).anchorRecord(receiptAnchor));
const claimNow = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);
const fhirClaim = {
  resourceType: "Claim",
  status: "active",
  use: "claim",
  type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/claim-type", code: "institutional" }] },
  patient: { reference: "Patient/demo-lin" },
  created: "2026-11-21",
  provider: { reference: "Organization/taipei-east" },
  insurer: { reference: "Organization/formosa-mutual" },
  total: { value: 86000, currency: "TWD" },
};
const submission = claimSubmission({
  patientId,
  insurer: insurerId,
  claim: fhirClaim,
  claimedAmount: 8_600_000n, // NT$86,000.00 in minor units
  currency: ISO_4217.TWD,
  serviceStart: claimNow - 6n * 86_400n,
  serviceEnd: claimNow - 86_400n,
  attachments: [dischargeAnchor.contentHash, receiptAnchor.contentHash],
  now: claimNow,
});
const hospitalClaims = claimRegistry.connect(taipeiClaimsOfficer);
detail(`claim hash ${submission.claimHash} (canonical FHIR Claim); attachments: the discharge summary and the receipt`);
await refused("without her consent, submitting is refused", () => hospitalClaims.submitClaim.staticCall(submission));

say(
  "Her daughter (delegate for consent and claims) lets Formosa Mutual see claim documents and the discharge summary.",
);
await record(
  "grant (insurance claim, by delegate)",
  consentRegistry.connect(daughter).grant(
    grantRequest({
      patientId,
      grantee: insurerId,
      categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary),
      purposes: purposeMask(Purpose.InsuranceClaim),
      now: claimNow,
      durationSeconds: 90n * 86_400n,
    }),
  ),
);
const submitted = await submitClaim(hospitalClaims, submission);
gas.add({ operation: "submitClaim (2 attachments)", gas: submitted.receipt.gasUsed });
const { claimId } = submitted;
detail(`submitted as claim ${claimId}`);
await refused("submitting the same claim twice is refused", () => hospitalClaims.submitClaim.staticCall(submission));

say("Formosa Mutual reviews it and asks for an itemised receipt; Taipei East anchors one and answers.");
const insurerClaims = claimRegistry.connect(claimsOfficer);
const claimStep = async (operation: string, step: Promise<ContractTransactionReceipt>) => {
  gas.add({ operation, gas: (await step).gasUsed });
};
await claimStep("startReview", adjudicateClaim(insurerClaims, claimId, { kind: "startReview" }));
await claimStep(
  "requestInformation",
  adjudicateClaim(insurerClaims, claimId, {
    kind: "requestInformation",
    reason: ClaimReason.ItemisedReceiptNeeded,
    requestHash: keccak256(toUtf8Bytes("Formosa Mutual request 2026-11-22 (demo)")),
  }),
);
const itemisedPdf = new TextEncoder().encode("%PDF-1.7 itemised receipt: ward, drugs, tests (demo data)");
const itemisedAnchor: RecordAnchor = {
  contentHash: documentContentHash(itemisedPdf),
  category: RecordCategory.ClaimDocument,
  subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
};
await record("anchorRecord (itemised receipt)", recordRegistry.connect(taipeiSteward).anchorRecord(itemisedAnchor));
await claimStep(
  "provideInformation (1 attachment)",
  answerClaim(hospitalClaims, claimId, [itemisedAnchor.contentHash]),
);
await refused("the insurer cannot answer for the hospital", () =>
  insurerClaims.provideInformation.staticCall(claimId, [], ZERO_HASH),
);

say("Formosa Mutual approves NT$72,000 of NT$86,000 (a partial approval), then pays.");
await claimStep(
  "approveClaim (partial)",
  adjudicateClaim(insurerClaims, claimId, { kind: "approve", amount: 7_200_000n }),
);
await refused("approving more than claimed is refused", () =>
  insurerClaims.approveClaim.staticCall(claimId, 9_000_000n),
);
await claimStep("markPaid", payClaim(insurerClaims, claimId, keccak256(toUtf8Bytes("FM-PAY-2026-000123 (demo)"))));
await refused("a paid claim is final: withdrawing it is refused", () =>
  hospitalClaims.withdrawClaim.staticCall(claimId),
);

say("The claim's timeline, rebuilt from the chain's events (FHIR ClaimResponse outcome in brackets):");
const timeline = await claimTimeline(claimRegistry, claimId);
for (const entry of timeline.entries) {
  const amount =
    entry.approvedAmount > 0n ? `  NT$${(Number(entry.approvedAmount) / 100).toLocaleString("en-US")}` : "";
  const reason = entry.reasonName === "None" ? "" : `  (${entry.reasonName})`;
  const added = entry.attachmentsAdded === undefined ? "" : `  +${entry.attachmentsAdded.length} attachment(s)`;
  detail(
    `${isoTime(entry.timestamp)}  ${entry.previousStatusName} → ${entry.statusName} [${entry.outcomeName}]${reason}${amount}${added}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Third parties and research (docs/research.md)
const { researchOptOutRegistry, studyRegistry, oversight } = deployment;
const [universityAdmin, universityResearcher, companyOfficer, mrChen] = [
  person(15),
  person(16),
  person(17),
  person(18),
];
say("The council admits a university and a pharmaceutical company; each gets its first administrator.");
await record(
  "add member (research institute)",
  members.addMember(MemberKind.ResearchInstitute, profileHash({ name: "Formosa University", licence: "demo-0004" })),
);
await record(
  "add member (company)",
  members.addMember(MemberKind.Company, profileHash({ name: "Island Pharma Co.", licence: "demo-0005" })),
);
const [universityId, companyId] = [4n, 5n];
await record(
  "add operator (by council)",
  members.addOperator(universityAdmin, universityId, dutyMask(Duty.OrgAdmin, Duty.Researcher)),
);
await record(
  "add operator (by admin)",
  memberRegistry.connect(universityAdmin).addOperator(universityResearcher, universityId, dutyMask(Duty.Researcher)),
);
await record(
  "add operator (by council)",
  members.addOperator(companyOfficer, companyId, dutyMask(Duty.OrgAdmin, Duty.Researcher)),
);
detail(`Formosa University = member ${universityId} (research institute), Island Pharma = ${companyId} (company)`);

say("Taipei East's diabetes clinic: twelve patients with HbA1c results on file, anchored as one batch.");
const cohortPeople = [mrChen, ...Array.from({ length: 11 }, () => Wallet.createRandom())];
const cohortRecords: CohortRecord[] = [];
for (const [index, account] of cohortPeople.entries()) {
  const commitment = keccak256(toUtf8Bytes(`demo diabetes clinic patient ${index} (not a real commitment)`));
  await patientRegistry.connect(taipeiRegistrar).registerPatient(account.address, commitment);
  const cohortPatientId = await patientRegistry.patientIdOf(account.address);
  const hba1c = {
    resourceType: "Observation",
    id: `hba1c-${index}`,
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c" }] },
    valueQuantity: { value: 6 + (index % 5) / 2, unit: "%" },
  };
  cohortRecords.push({
    patientId: cohortPatientId,
    anchor: {
      contentHash: fhirContentHash(hba1c),
      category: RecordCategory.LabResult,
      subjectCommitment: subjectCommitment(cohortPatientId, newRecordSalt()),
    },
  });
}
const clinicBatch = await buildRecordBatch(cohortRecords.map((entry) => entry.anchor));
await recordRegistry.connect(taipeiSteward).anchorBatch(...clinicBatch.anchorBatchArgs());
const chenId = cohortRecords[0]!.patientId;
detail(`patients ${cohortRecords[0]!.patientId}–${cohortRecords.at(-1)!.patientId}; Mr Chen is patient ${chenId}`);

say("Mr Chen opts out of all research use of his data (his right after judgment 111-Hsien-Pan-13). At once.");
await record("setOptOut (wholly)", researchOptOutRegistry.connect(mrChen).setOptOut(chenId, true, 0, 0));
detail(`opted out for lab results: ${await researchOptOutRegistry.isOptedOut(chenId, RecordCategory.LabResult)}`);
await refused("nobody else can opt him back in", () =>
  researchOptOutRegistry.connect(taipeiRegistrar).setOptOut.staticCall(chenId, false, 0, 0),
);

say("Formosa University registers a diabetes study: DUO HMB + IRB + NPU, IRB approval on file, k ≥ 5, one year.");
const studyNow = await latest();
const diabetesStudy = studyRegistration({
  protocolHash: keccak256(toUtf8Bytes("Diabetes outcomes in Taiwan, protocol v1.2 (demo)")),
  ethicsApprovalHash: keccak256(toUtf8Bytes("Formosa University IRB approval 2026-117 (demo)")),
  ethicsApprovalExpiresAt: studyNow + 400n * 86_400n,
  purpose: Purpose.BiomedicalResearch,
  requesterClass: RequesterClass.Academic,
  dataUse: [DataUse.HMB, DataUse.IRB, DataUse.NPU],
  categories: categoryMask(RecordCategory.LabResult),
  termStart: studyNow,
  termEnd: studyNow + 365n * 86_400n,
  minimumK: 5,
  sponsorKind: MemberKind.ResearchInstitute,
  now: studyNow,
});
await record("register study", studyRegistry.connect(universityResearcher).registerStudy(diabetesStudy));
const studyId = await studyRegistry.studyCount();
detail(`study ${studyId}: ${(await studyRegistry.getStudyDataUse(studyId)).map((id) => dataUseName(id)).join(", ")}`);
await refused("Island Pharma cannot register a study: commercial use of research datasets is barred", () =>
  studyRegistry
    .connect(companyOfficer)
    .registerStudy.staticCall({ ...diabetesStudy, requesterClass: RequesterClass.Commercial }),
);
await refused("a dataset for a study oversight has not approved is refused", () =>
  studyRegistry.connect(taipeiSteward).publishDataset.staticCall({
    studyId,
    cohortRoot: clinicBatch.root,
    cohortSize: 12,
    method: DeidentificationMethod.KAnonymity,
    k: 5,
    epsilonMillis: 0,
    methodDocumentHash: keccak256(toUtf8Bytes("k-anonymity method (demo)")),
    optOutStateBlock: 1n,
    optedOutIncluded: 0,
    manifestHash: keccak256(toUtf8Bytes("release manifest (demo)")),
  }),
);

say("The research oversight board, independent of the hospitals, approves the study.");
await record("approve study", studyRegistry.connect(oversight).approveStudy(studyId));

say("Taipei East builds the cohort from the opt-out state at a fixed block, leaving Mr Chen out, and publishes it.");
const optOutStateBlock = BigInt(await ethers.provider.getBlockNumber());
const optOuts = new Map<bigint, ResearchOptOut>();
for (const entry of cohortRecords) {
  const stored = await researchOptOutRegistry.getOptOut(entry.patientId, { blockTag: Number(optOutStateBlock) });
  optOuts.set(entry.patientId, stored);
}
const cohort = buildCohort(cohortRecords, optOuts, { dataUsePermission: DataUse.HMB });
detail(
  `cohort of ${cohort.cohortSize} patients (${cohort.excludedPatients} left out by their opt-out) as of block ` +
    `${optOutStateBlock}; root ${cohort.cohortRoot.slice(0, 18)}…`,
);
const manifest = datasetManifest({
  studyId,
  cohortRoot: cohort.cohortRoot,
  cohortSize: cohort.cohortSize,
  method: DeidentificationMethod.KAnonymity,
  k: 5,
  methodDocumentHash: keccak256(toUtf8Bytes("k-anonymity (k = 5) over age band, sex, district (demo)")),
  optOutStateBlock,
  manifestHash: keccak256(toUtf8Bytes("diabetes cohort release 1: files and their hashes (demo)")),
  study: await studyRegistry.getStudy(studyId),
  currentBlock: optOutStateBlock + 1n,
});
await refused("a k of 3, below the study's minimum of 5, is refused", () =>
  studyRegistry.connect(taipeiSteward).publishDataset.staticCall({ ...manifest, k: 3 }),
);
await record("publish dataset (k = 5)", studyRegistry.connect(taipeiSteward).publishDataset(manifest));
const datasetId = await studyRegistry.datasetCount();

say("The university names its researcher for the dataset; every use is logged, and only while the study runs.");
await record(
  "grant dataset access",
  studyRegistry.connect(universityAdmin).grantDatasetAccess(datasetId, universityResearcher),
);
await record(
  "log dataset access",
  studyRegistry.connect(universityResearcher).logDatasetAccess(datasetId, recordRef("HbA1c trend query")),
);

say("Island Pharma asks Mrs Lin for her lab results for marketing. Without her explicit commercial opt-in: no.");
const marketingGrant = {
  patientId,
  grantee: companyId,
  categories: categoryMask(RecordCategory.LabResult),
  purposes: purposeMask(Purpose.Marketing),
  now: await latest(),
  durationSeconds: 30n * 86_400n,
};
try {
  thirdPartyGrantRequest({
    grant: marketingGrant,
    granteeKind: MemberKind.Company,
    requesterClass: RequesterClass.Commercial,
  });
  throw new Error("the SDK accepted a commercial grant without the opt-in");
} catch (error) {
  if (!(error instanceof MedchainInputError)) throw error;
  detail(`her app refuses to build it: ${error.shortMessage}`);
}
const withoutOptIn = { grant: grantRequest(marketingGrant), requesterClass: RequesterClass.Commercial, optIns: 0 };
await refused("and the chain refuses it too", () =>
  consentRegistry.connect(recoveredPhone).grantThirdParty.staticCall(withoutOptIn),
);
detail("she reads the offer and ticks 'commercial use' herself; she signs on her phone, Taipei East relays:");
const optedIn = thirdPartyGrantRequest({
  grant: marketingGrant,
  granteeKind: MemberKind.Company,
  requesterClass: RequesterClass.Commercial,
  optIns: [ExplicitOptIn.CommercialUse],
});
const signedOptIn = await signThirdPartyGrant(
  recoveredPhone,
  domain,
  optedIn,
  await consentRegistry.nonces(patientId),
  (await latest()) + 3_600n,
);
await record(
  "grantThirdPartyBySig (commercial, opted in)",
  consentRegistry.connect(taipeiRegistrar).grantThirdPartyBySig(signedOptIn),
);
detail(
  `Island Pharma may use her lab results for marketing now: ${await consentRegistry.isAuthorized(patientId, companyId, RecordCategory.LabResult, Purpose.Marketing)}` +
    `; identifiable data: ${await consentRegistry.isAuthorizedForUse(patientId, companyId, RecordCategory.LabResult, Purpose.Marketing, ExplicitOptIn.IdentifiableData)}`,
);

say("The study's year ends. The university attests the dataset's destruction; its researcher's access stops.");
await connection.networkHelpers.time.increase(366 * 86_400);
await refused("a use after the term is refused", () =>
  studyRegistry.connect(universityResearcher).logDatasetAccess.staticCall(datasetId, recordRef("late query")),
);
await record(
  "attest destruction",
  studyRegistry
    .connect(universityAdmin)
    .attestDestruction(datasetId, keccak256(toUtf8Bytes("signed destruction certificate (demo)"))),
);
detail(
  `opted-out patients included under a legal basis so far: ${await studyRegistry.legalExceptionCount(LegalBasis.CommunicableDiseaseControl)} (counted publicly per basis)`,
);

say("Gas used by each step (receipt.gasUsed, including the 21,000 base; hardfork cancun):");
console.log(`\n${gas.toMarkdown()}\n`);
if (demoDeploymentId !== undefined) {
  await rm(path.join("ignition", "deployments", demoDeploymentId), { recursive: true, force: true });
}
console.log(
  "The demo finished: governance, identity, consent, record anchoring, claims, third parties and research work end to end.",
);
