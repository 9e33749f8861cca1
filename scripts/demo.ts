/**
 * The main job: deploys medchain with Ignition and walks the consortium's story, printing a narrative and
 * the gas each step used. Runs on the in-process Hardhat network by default (nothing to set up), or on
 * any configured node: `./medchain demo --network localhost`.
 */
import { hexlify, keccak256, randomBytes, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  codeName,
  consentDomain,
  consentFormHash,
  decodeMedchainError,
  DelegateScope,
  Duty,
  dutyMask,
  EmergencyReason,
  grantRequest,
  identityCommitment,
  IdentityDocumentType,
  MemberKind,
  MembershipReason,
  Purpose,
  purposeMask,
  RecordCategory,
  signGrant,
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

say("The consortium deploys medchain with Ignition: its authority and its member, patient and consent registries.");
const deployment = await deployMedchain(connection);
const { authority, memberRegistry, patientRegistry, consentRegistry, admin, council, guardian, deployer, signers } =
  deployment;
detail(`ConsortiumAuthority ${await authority.getAddress()}`);
detail(`MemberRegistry      ${await memberRegistry.getAddress()} (UUPS proxy)`);
detail(`PatientRegistry     ${await patientRegistry.getAddress()} (UUPS proxy)`);
detail(`ConsentRegistry     ${await consentRegistry.getAddress()} (UUPS proxy)`);
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

say("Gas used by each step (receipt.gasUsed, including the 21,000 base; hardfork cancun):");
console.log(`\n${gas.toMarkdown()}\n`);
console.log("The demo finished: governance, identity and consent work end to end.");
