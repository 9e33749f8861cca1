/**
 * Gas per governance and identity operation, beside a floor contract that does the same storage writes
 * and events with no access control or validation (contracts/bench/IdentityFloors.sol).
 *
 *   ./medchain bench
 *
 * Writes: receipt.gasUsed (includes the 21,000 base and calldata), measured in steady state (not the first
 * call of its kind, whose counter write from zero costs ~15k more in both columns). Views: eth_estimateGas
 * minus 21,000. The in-process network runs the cancun hardfork (hardhat.config.ts).
 */
import { keccak256, toBeHex, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import { DelegateScope, Duty, dutyMask, MemberKind, MembershipReason } from "../sdk/codes.js";
import { IdentityFloors__factory } from "../typechain-types/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable } from "./lib/gas.js";

const connection = await network.create();
const { ethers } = connection;
const { memberRegistry, patientRegistry, council, guardian, signers, deployer } = await deployMedchain(connection);
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

const receiptGas = async (transaction: Promise<ContractTransactionResponse>) => {
  const receipt = await (await transaction).wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt.gasUsed;
};
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

console.log("\nmedchain governance and identity gas (hardfork cancun, solc 0.8.30, optimizer 200 runs)\n");
console.log(table.toMarkdown());
console.log("\nfloor: contracts/bench/IdentityFloors.sol — same writes and events, no checks.");
