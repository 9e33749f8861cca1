import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress } from "ethers";

import type { Consortium } from "./fixtures.js";

/** A member organisation as `MemberRegistry.getMember` returns it, as a plain object. */
export interface MemberState {
  kind: bigint;
  status: bigint;
  joinedAt: bigint;
  statusChangedAt: bigint;
  metadataHash: string;
}

/** An operator account's entry as `MemberRegistry.getOperator` returns it, as a plain object. */
export interface OperatorState {
  memberId: bigint;
  duties: bigint;
  addedAt: bigint;
}

/** A patient as `PatientRegistry.getPatient` returns it, as a plain object. */
export interface PatientState {
  account: string;
  status: bigint;
  deactivationReason: bigint;
  registeredBy: bigint;
  registeredAt: bigint;
}

/** A patient's pending recovery as `PatientRegistry.getRecovery` returns it, as a plain object. */
export interface RecoveryState {
  newAccount: string;
  executableAt: bigint;
  initiatedBy: bigint;
  initiator: string;
  initiatedAt: bigint;
}

/** A delegate's mandate as `PatientRegistry.getDelegation` returns it, as a plain object. */
export interface DelegationState {
  scope: bigint;
  expiresAt: bigint;
  appointedBy: bigint;
  validFrom: bigint;
}

/** What `readRecovery` returns when no recovery is pending. */
export const NO_RECOVERY: Readonly<RecoveryState> = {
  newAccount: ZeroAddress,
  executableAt: 0n,
  initiatedBy: 0n,
  initiator: ZeroAddress,
  initiatedAt: 0n,
};

/** What `readDelegation` returns for an account that holds no mandate. */
export const NO_DELEGATION: Readonly<DelegationState> = { scope: 0n, expiresAt: 0n, appointedBy: 0n, validFrom: 0n };

/** The `i`-th spare account of the fixture (accounts nobody else uses). */
export function spareAccount(c: Consortium, i: number): HardhatEthersSigner {
  const account = c.spare[i];
  if (account === undefined) throw new Error(`the fixture has no spare account ${i}`);
  return account;
}

/** Member organisation `memberId`, read through `getMember`. */
export async function readMember(c: Consortium, memberId: bigint): Promise<MemberState> {
  const m = await c.memberRegistry.getMember(memberId);
  return {
    kind: m.kind,
    status: m.status,
    joinedAt: m.joinedAt,
    statusChangedAt: m.statusChangedAt,
    metadataHash: m.metadataHash,
  };
}

/** The operator entry of `account`, read through `getOperator`. */
export async function readOperator(c: Consortium, account: string): Promise<OperatorState> {
  const o = await c.memberRegistry.getOperator(account);
  return { memberId: o.memberId, duties: o.duties, addedAt: o.addedAt };
}

/** Patient `patientId`, read through `getPatient`. */
export async function readPatient(c: Consortium, patientId: bigint): Promise<PatientState> {
  const p = await c.patientRegistry.getPatient(patientId);
  return {
    account: p.account,
    status: p.status,
    deactivationReason: p.deactivationReason,
    registeredBy: p.registeredBy,
    registeredAt: p.registeredAt,
  };
}

/** Patient `patientId`'s pending recovery (`NO_RECOVERY` when none), read through `getRecovery`. */
export async function readRecovery(c: Consortium, patientId: bigint): Promise<RecoveryState> {
  const r = await c.patientRegistry.getRecovery(patientId);
  return {
    newAccount: r.newAccount,
    executableAt: r.executableAt,
    initiatedBy: r.initiatedBy,
    initiator: r.initiator,
    initiatedAt: r.initiatedAt,
  };
}

/** `delegate`'s mandate for patient `patientId` (`NO_DELEGATION` when none), read through `getDelegation`. */
export async function readDelegation(c: Consortium, patientId: bigint, delegate: string): Promise<DelegationState> {
  const d = await c.patientRegistry.getDelegation(patientId, delegate);
  return { scope: d.scope, expiresAt: d.expiresAt, appointedBy: d.appointedBy, validFrom: d.validFrom };
}
