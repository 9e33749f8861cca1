/**
 * The main job: deploys medchain with Ignition and walks the consortium's story, printing a narrative and
 * the gas each step used. Runs on the in-process Hardhat network by default (nothing to set up), or on
 * any configured node: `./medchain demo --network localhost`.
 */
import { keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import {
  decodeMedchainError,
  DelegateScope,
  Duty,
  dutyMask,
  identityCommitment,
  IdentityDocumentType,
  MemberKind,
  MembershipReason,
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

say("The consortium deploys medchain with Ignition: its authority, member registry and patient registry.");
const deployment = await deployMedchain(connection);
const { authority, memberRegistry, patientRegistry, admin, council, guardian, deployer, signers } = deployment;
detail(`ConsortiumAuthority ${await authority.getAddress()}`);
detail(`MemberRegistry      ${await memberRegistry.getAddress()} (UUPS proxy)`);
detail(`PatientRegistry     ${await patientRegistry.getAddress()} (UUPS proxy)`);
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
await record("add operator (by council)", members.addOperator(taipeiAdmin, taipeiId, dutyMask(Duty.OrgAdmin)));
await record("add operator (by council)", members.addOperator(kaohsiungAdmin, kaohsiungId, dutyMask(Duty.OrgAdmin)));
await record("add operator (by council)", members.addOperator(insurerAdmin, insurerId, dutyMask(Duty.OrgAdmin)));
await record(
  "add operator (by org admin)",
  memberRegistry.connect(taipeiAdmin).addOperator(taipeiRegistrar, taipeiId, dutyMask(Duty.Registrar)),
);
await record(
  "add operator (by org admin)",
  memberRegistry.connect(taipeiAdmin).addOperator(taipeiClinician, taipeiId, dutyMask(Duty.Clinician)),
);
await record(
  "add operator (by org admin)",
  memberRegistry.connect(kaohsiungAdmin).addOperator(kaohsiungRegistrar, kaohsiungId, dutyMask(Duty.Registrar)),
);
await record(
  "add operator (by org admin)",
  memberRegistry.connect(insurerAdmin).addOperator(claimsOfficer, insurerId, dutyMask(Duty.ClaimsOfficer)),
);
detail("Taipei: registrar and clinician; Kaohsiung: registrar; Formosa Mutual: claims officer.");

say("Mrs Lin shows her health-insurance card at Taipei East; the registrar registers her.");
const idCard = { documentType: IdentityDocumentType.TaiwanNationalId, documentNumber: "A123456789" } as const;
const commitment = identityCommitment({ pepper: DEMO_IDENTITY_PEPPER, ...idCard });
detail(`identity commitment (salted with the consortium pepper): ${commitment}`);
await record("register patient", patientRegistry.connect(taipeiRegistrar).registerPatient(patientPhone, commitment));
const patientId = await patientRegistry.patientIdOf(patientPhone);
detail(`Mrs Lin is patient ${patientId}; her phone's account is ${patientPhone.address}`);

say("Months later she visits Kaohsiung West, which tries to register her again: the chain refuses.");
const sameCommitment = identityCommitment({ pepper: DEMO_IDENTITY_PEPPER, ...idCard, documentNumber: "a123 456 789" });
try {
  await patientRegistry.connect(kaohsiungRegistrar).registerPatient.staticCall(recoveredPhone, sameCommitment);
  throw new Error("a second registration of the same person was accepted");
} catch (error) {
  const decoded = decodeMedchainError(error);
  if (decoded === undefined) throw error;
  detail(`refused: ${decoded.errorName} — ${decoded.shortMessage}`);
}

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
try {
  await patientRegistry.connect(recoveredPhone).executeRecovery.staticCall(patientId);
  throw new Error("a recovery ran before its delay");
} catch (error) {
  const decoded = decodeMedchainError(error);
  if (decoded === undefined) throw error;
  detail(`executing now is refused: ${decoded.shortMessage}`);
}
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
try {
  await patientRegistry.connect(kaohsiungRegistrar).registerPatient.staticCall(daughter, keccak256("0x01"));
  throw new Error("a suspended hospital's registrar registered a patient");
} catch (error) {
  const decoded = decodeMedchainError(error);
  if (decoded === undefined) throw error;
  detail(`its registrar is refused: ${decoded.shortMessage}`);
}
await record("reinstate member", memberRegistry.connect(council).reinstateMember(kaohsiungId));
detail(
  `after review the council reinstates it: registrar active again = ${await memberRegistry.hasDuty(kaohsiungRegistrar, Duty.Registrar)}`,
);

say("Gas used by each step (receipt.gasUsed, including the 21,000 base; hardfork cancun):");
console.log(`\n${gas.toMarkdown()}\n`);
console.log("The demo finished: governance and identity work end to end.");
