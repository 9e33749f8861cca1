import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type ContractTransactionResponse, ZeroAddress, ZeroHash } from "ethers";
import { network } from "hardhat";

import {
  AccountChangeKind,
  ALL_DELEGATE_SCOPES,
  DeactivationReason,
  DelegateScope,
  Duty,
  dutyMask,
  MemberKind,
  MembershipReason,
  MemberStatus,
  PatientStatus,
} from "../sdk/codes.js";
import { buildConsortium, type Consortium, DEFAULT_TEST_RECOVERY_DELAY, testCommitment } from "./helpers/fixtures.js";
import {
  NO_DELEGATION,
  NO_RECOVERY,
  readDelegation,
  readPatient,
  readRecovery,
  spareAccount,
} from "./helpers/state.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;
const consortium = () => buildConsortium(connection);

const UNKNOWN_PATIENT_ID = 99n;
const ONE_HOUR = 60 * 60;
const ONE_DAY = 24 * ONE_HOUR;
const MIN_RECOVERY_DELAY = BigInt(ONE_HOUR);
const MAX_RECOVERY_DELAY = BigInt(30 * ONE_DAY);
/** Commitments the fixture and these tests use; the state snapshot reads every one of them. */
const KNOWN_COMMITMENTS = Array.from({ length: 16 }, (_, n) => testCommitment(n));

function allAccounts(c: Consortium): string[] {
  return [c.deployer, c.admin, c.council, c.guardian, ...c.signers].map((signer) => signer.address);
}

/** A far-away expiry for mandates that must not run out during a test. */
async function inAYear(): Promise<bigint> {
  return BigInt((await time.latest()) + 365 * ONE_DAY);
}

/**
 * Everything the patient registry stores that a test can reach: counters, every patient (and the next,
 * unassigned id), recoveries, every account's patient id and every account's mandate for every patient, and
 * the owner of every commitment the tests use.
 */
async function registryState(c: Consortium) {
  const registry = c.patientRegistry;
  const count = await registry.patientCount();
  const ids = Array.from({ length: Number(count) + 2 }, (_, i) => BigInt(i));
  const accounts = allAccounts(c);
  const [patients, recoveries, patientIdOf, byCommitment, delegations, recoveryDelay] = await Promise.all([
    Promise.all(ids.map((id) => readPatient(c, id))),
    Promise.all(ids.map((id) => readRecovery(c, id))),
    Promise.all(accounts.map((account) => registry.patientIdOf(account))),
    Promise.all([ZeroHash, ...KNOWN_COMMITMENTS].map((commitment) => registry.patientIdByCommitment(commitment))),
    Promise.all(ids.flatMap((id) => accounts.map((account) => readDelegation(c, id, account)))),
    registry.recoveryDelay(),
  ]);
  return { count, patients, recoveries, patientIdOf, byCommitment, delegations, recoveryDelay };
}

/** Runs a refusal (an awaited revert assertion) and checks that it left the registry exactly as it was. */
async function refusedWithoutChange(c: Consortium, refusal: () => PromiseLike<unknown>): Promise<void> {
  const before = await registryState(c);
  await refusal();
  expect(await registryState(c)).to.deep.equal(before);
}

/** Names of the patient registry's events in a transaction, in emission order. */
async function eventNames(c: Consortium, tx: ContractTransactionResponse): Promise<string[]> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("transaction was not mined");
  const registryAddress = await c.patientRegistry.getAddress();
  return receipt.logs
    .filter((log) => log.address === registryAddress)
    .map((log) => c.patientRegistry.interface.parseLog(log)?.name ?? "unknown");
}

/** Starts a recovery of `patientId` to `newAccount` by `registrar` at a known timestamp; returns `executableAt`. */
async function startRecovery(
  c: Consortium,
  newAccount: HardhatEthersSigner,
  registrar: HardhatEthersSigner = c.registrar,
): Promise<bigint> {
  const startedAt = (await time.latest()) + 10;
  await time.setNextBlockTimestamp(startedAt);
  await c.patientRegistry.connect(registrar).initiateRecovery(c.patientId, newAccount);
  return BigInt(startedAt) + (await c.patientRegistry.recoveryDelay());
}

describe("PatientRegistry", function () {
  describe("registerPatient", function () {
    it("registers a patient with the next id, bound to its account and commitment", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, hospitalId } = c;
      const newPatient = spareAccount(c, 0);
      const commitment = testCommitment(10);

      expect(await patientRegistry.connect(registrar).registerPatient.staticCall(newPatient, commitment)).to.equal(3n);
      await expect(patientRegistry.connect(registrar).registerPatient(newPatient, commitment))
        .to.emit(patientRegistry, "PatientRegistered")
        .withArgs(3n, newPatient.address, commitment, hospitalId);
      const registeredAt = BigInt(await time.latest());

      expect(await readPatient(c, 3n)).to.deep.equal({
        account: newPatient.address,
        status: BigInt(PatientStatus.Active),
        deactivationReason: BigInt(DeactivationReason.Deceased),
        registeredBy: hospitalId,
        registeredAt,
      });
      expect(await patientRegistry.patientCount()).to.equal(3n);
      expect(await patientRegistry.patientIdOf(newPatient)).to.equal(3n);
      expect(await patientRegistry.patientIdByCommitment(commitment)).to.equal(3n);
      expect(await patientRegistry.isActivePatient(3n)).to.equal(true);
      expect(await readRecovery(c, 3n)).to.deep.equal(NO_RECOVERY);
      expect(await patientRegistry.canActFor(3n, newPatient, ALL_DELEGATE_SCOPES)).to.equal(true);
    });

    it("records a clinic's registrar as registered by the clinic", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, clinicRegistrar, clinicId } = c;
      const newPatient = spareAccount(c, 0);
      await expect(patientRegistry.connect(clinicRegistrar).registerPatient(newPatient, testCommitment(10)))
        .to.emit(patientRegistry, "PatientRegistered")
        .withArgs(3n, newPatient.address, testCommitment(10), clinicId);
      expect((await readPatient(c, 3n)).registeredBy).to.equal(clinicId);
    });

    it("refuses a caller without the registrar duty", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, memberRegistry, clinician, hospitalId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(clinician).registerPatient(spareAccount(c, 0), testCommitment(10)))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
          .withArgs(clinician.address, hospitalId, Duty.Registrar),
      );
    });

    it("refuses an account that is no operator", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, memberRegistry, stranger } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(stranger).registerPatient(spareAccount(c, 0), testCommitment(10)))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
          .withArgs(stranger.address),
      );
    });

    it("refuses a registrar of a suspended organisation", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, memberRegistry, guardian, registrar, hospitalId } = c;
      await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(registrar).registerPatient(spareAccount(c, 0), testCommitment(10)))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
          .withArgs(hospitalId, MemberStatus.Suspended),
      );
    });

    it("refuses a registrar of an insurer", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, insurerRegistrar, insurerId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(insurerRegistrar).registerPatient(spareAccount(c, 0), testCommitment(10)))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRegistrarNotCareProvider")
          .withArgs(insurerId, MemberKind.Insurer),
      );
    });

    it("refuses a zero commitment", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar } = c;
      await refusedWithoutChange(c, () =>
        expect(
          patientRegistry.connect(registrar).registerPatient(spareAccount(c, 0), ZeroHash),
        ).to.be.revertedWithCustomError(patientRegistry, "PatientRegistryZeroCommitment"),
      );
    });

    it("refuses a commitment already registered, even by another organisation", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, clinicRegistrar, commitment, patientId } = c;
      for (const caller of [registrar, clinicRegistrar]) {
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(caller).registerPatient(spareAccount(c, 0), commitment))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryCommitmentAlreadyRegistered")
            .withArgs(commitment, patientId),
        );
      }
    });

    it("refuses the zero account", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(registrar).registerPatient(ZeroAddress, testCommitment(10)))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryInvalidAccount")
          .withArgs(ZeroAddress),
      );
    });

    it("refuses an account already in use by another patient", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, otherPatient, otherPatientId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(registrar).registerPatient(otherPatient, testCommitment(10)))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
          .withArgs(otherPatient.address, otherPatientId),
      );
    });

    it("frees an account given up by rotation for a new registration", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, patient, hospitalId } = c;
      await patientRegistry.connect(patient).rotateAccount(spareAccount(c, 0));
      await expect(patientRegistry.connect(registrar).registerPatient(patient, testCommitment(10)))
        .to.emit(patientRegistry, "PatientRegistered")
        .withArgs(3n, patient.address, testCommitment(10), hospitalId);
      expect(await patientRegistry.patientIdOf(patient)).to.equal(3n);
      expect(await patientRegistry.patientIdOf(spareAccount(c, 0))).to.equal(c.patientId);
    });
  });

  describe("rotateAccount", function () {
    it("moves the patient to a new account and frees the old one", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId, commitment } = c;
      const before = await readPatient(c, patientId);
      const newAccount = spareAccount(c, 0);

      const tx = await patientRegistry.connect(patient).rotateAccount(newAccount);
      await expect(tx)
        .to.emit(patientRegistry, "PatientAccountChanged")
        .withArgs(patientId, patient.address, newAccount.address, AccountChangeKind.Rotation);
      await expect(tx).not.to.emit(patientRegistry, "RecoveryCancelled");

      expect(await readPatient(c, patientId)).to.deep.equal({ ...before, account: newAccount.address });
      expect(await patientRegistry.patientIdOf(newAccount)).to.equal(patientId);
      expect(await patientRegistry.patientIdOf(patient)).to.equal(0n);
      expect(await patientRegistry.patientIdByCommitment(commitment)).to.equal(patientId);
      expect(await patientRegistry.canActFor(patientId, newAccount, ALL_DELEGATE_SCOPES)).to.equal(true);
      expect(await patientRegistry.canActFor(patientId, patient, DelegateScope.Consent)).to.equal(false);

      // The new account is the patient now: it rotates on; the old one is nobody.
      await expect(patientRegistry.connect(patient).rotateAccount(spareAccount(c, 1)))
        .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownAccount")
        .withArgs(patient.address);
      await expect(patientRegistry.connect(newAccount).rotateAccount(spareAccount(c, 1)))
        .to.emit(patientRegistry, "PatientAccountChanged")
        .withArgs(patientId, newAccount.address, spareAccount(c, 1).address, AccountChangeKind.Rotation);
    });

    it("cancels a pending recovery", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId, stranger } = c;
      const recoveryAccount = spareAccount(c, 1);
      const newAccount = spareAccount(c, 0);
      await startRecovery(c, recoveryAccount);

      const tx = await patientRegistry.connect(patient).rotateAccount(newAccount);
      await expect(tx)
        .to.emit(patientRegistry, "RecoveryCancelled")
        .withArgs(patientId, recoveryAccount.address, patient.address);
      await expect(tx)
        .to.emit(patientRegistry, "PatientAccountChanged")
        .withArgs(patientId, patient.address, newAccount.address, AccountChangeKind.Rotation);
      expect(await eventNames(c, tx)).to.deep.equal(["RecoveryCancelled", "PatientAccountChanged"]);
      expect(await readRecovery(c, patientId)).to.deep.equal(NO_RECOVERY);

      await time.increase(DEFAULT_TEST_RECOVERY_DELAY);
      await expect(patientRegistry.connect(stranger).executeRecovery(patientId))
        .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryNoPendingRecovery")
        .withArgs(patientId);
      expect((await readPatient(c, patientId)).account).to.equal(newAccount.address);
    });

    it("refuses an account that is no patient's", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, stranger } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(stranger).rotateAccount(spareAccount(c, 0)))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownAccount")
          .withArgs(stranger.address),
      );
    });

    it("refuses a deactivated patient", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, patient, patientId } = c;
      await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Withdrawn);
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(patient).rotateAccount(spareAccount(c, 0)))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
          .withArgs(patientId),
      );
    });

    it("refuses the zero account, keeping a pending recovery", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient } = c;
      await startRecovery(c, spareAccount(c, 1));
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(patient).rotateAccount(ZeroAddress))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryInvalidAccount")
          .withArgs(ZeroAddress),
      );
    });

    it("refuses an account already in use, another patient's or its own", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId, otherPatient, otherPatientId } = c;
      await startRecovery(c, spareAccount(c, 1));
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(patient).rotateAccount(otherPatient))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
          .withArgs(otherPatient.address, otherPatientId),
      );
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(patient).rotateAccount(patient))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
          .withArgs(patient.address, patientId),
      );
    });
  });

  describe("initiateRecovery, cancelRecovery, executeRecovery", function () {
    it("starts a recovery that waits for the recovery delay", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, patient, patientId, hospitalId } = c;
      const newAccount = spareAccount(c, 0);
      const before = await readPatient(c, patientId);
      const startedAt = BigInt((await time.latest()) + 10);
      const executableAt = startedAt + BigInt(DEFAULT_TEST_RECOVERY_DELAY);

      await time.setNextBlockTimestamp(startedAt);
      await expect(patientRegistry.connect(registrar).initiateRecovery(patientId, newAccount))
        .to.emit(patientRegistry, "RecoveryInitiated")
        .withArgs(patientId, newAccount.address, hospitalId, executableAt);

      expect(await readRecovery(c, patientId)).to.deep.equal({
        newAccount: newAccount.address,
        executableAt,
        initiatedBy: hospitalId,
        initiator: registrar.address,
        initiatedAt: startedAt,
      });
      // Nothing changes for the patient until the recovery is executed.
      expect(await readPatient(c, patientId)).to.deep.equal(before);
      expect(await patientRegistry.patientIdOf(patient)).to.equal(patientId);
      expect(await patientRegistry.patientIdOf(newAccount)).to.equal(0n);
    });

    it("returns when the recovery becomes executable", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, clinicRegistrar, patientId } = c;
      const returned = await patientRegistry
        .connect(clinicRegistrar)
        .initiateRecovery.staticCall(patientId, spareAccount(c, 0));
      const latest = BigInt(await time.latest());
      // eth_call runs on a block at or just after the latest one.
      expect(returned - BigInt(DEFAULT_TEST_RECOVERY_DELAY)).to.be.within(latest, latest + 1n);
    });

    it("lets anyone execute the recovery once its delay has passed", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId, stranger, commitment } = c;
      const newAccount = spareAccount(c, 0);
      const before = await readPatient(c, patientId);
      const executableAt = await startRecovery(c, newAccount);

      await time.setNextBlockTimestamp(executableAt);
      await expect(patientRegistry.connect(stranger).executeRecovery(patientId))
        .to.emit(patientRegistry, "PatientAccountChanged")
        .withArgs(patientId, patient.address, newAccount.address, AccountChangeKind.Recovery);

      expect(await readPatient(c, patientId)).to.deep.equal({ ...before, account: newAccount.address });
      expect(await readRecovery(c, patientId)).to.deep.equal(NO_RECOVERY);
      expect(await patientRegistry.patientIdOf(newAccount)).to.equal(patientId);
      expect(await patientRegistry.patientIdOf(patient)).to.equal(0n);
      expect(await patientRegistry.patientIdByCommitment(commitment)).to.equal(patientId);
      await expect(patientRegistry.connect(stranger).executeRecovery(patientId))
        .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryNoPendingRecovery")
        .withArgs(patientId);
    });

    it("rejects a recovery executed before its delay", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, stranger, patientId } = c;
      const executableAt = await startRecovery(c, spareAccount(c, 0));
      await time.setNextBlockTimestamp(executableAt - 1n);
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(stranger).executeRecovery(patientId))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryNotReady")
          .withArgs(patientId, executableAt),
      );
    });

    it("rejects executing a recovery that was never started", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, stranger, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(stranger).executeRecovery(patientId))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryNoPendingRecovery")
          .withArgs(patientId),
      );
    });

    it("lets the patient cancel a pending recovery", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId } = c;
      const newAccount = spareAccount(c, 0);
      const before = await readPatient(c, patientId);
      await startRecovery(c, newAccount);

      await expect(patientRegistry.connect(patient).cancelRecovery(patientId))
        .to.emit(patientRegistry, "RecoveryCancelled")
        .withArgs(patientId, newAccount.address, patient.address);
      expect(await readRecovery(c, patientId)).to.deep.equal(NO_RECOVERY);
      expect(await readPatient(c, patientId)).to.deep.equal(before);
    });

    it("rejects a recovery executed after cancellation", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId } = c;
      const newAccount = spareAccount(c, 0);
      const executableAt = await startRecovery(c, newAccount);
      await patientRegistry.connect(patient).cancelRecovery(patientId);
      await time.increaseTo(executableAt);
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(newAccount).executeRecovery(patientId))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryNoPendingRecovery")
          .withArgs(patientId),
      );
      expect((await readPatient(c, patientId)).account).to.equal(patient.address);
    });

    it("refuses cancellation by anyone but the patient's account", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patientId, stranger, registrar, otherPatient } = c;
      const newAccount = spareAccount(c, 0);
      await startRecovery(c, newAccount);
      for (const caller of [stranger, registrar, otherPatient, newAccount]) {
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(caller).cancelRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnauthorizedCaller")
            .withArgs(patientId, caller.address),
        );
      }
    });

    it("refuses cancellation when no recovery is pending", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(patient).cancelRecovery(patientId))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryNoPendingRecovery")
          .withArgs(patientId),
      );
    });

    it("replaces a pending recovery with a newer one", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, clinicRegistrar, patientId, clinicId, stranger, patient } = c;
      const first = spareAccount(c, 0);
      const second = spareAccount(c, 1);
      await startRecovery(c, first);

      const startedAt = BigInt((await time.latest()) + 100);
      const executableAt = startedAt + BigInt(DEFAULT_TEST_RECOVERY_DELAY);
      await time.setNextBlockTimestamp(startedAt);
      const tx = await patientRegistry.connect(clinicRegistrar).initiateRecovery(patientId, second);
      await expect(tx)
        .to.emit(patientRegistry, "RecoveryCancelled")
        .withArgs(patientId, first.address, clinicRegistrar.address);
      await expect(tx)
        .to.emit(patientRegistry, "RecoveryInitiated")
        .withArgs(patientId, second.address, clinicId, executableAt);
      expect(await eventNames(c, tx)).to.deep.equal(["RecoveryCancelled", "RecoveryInitiated"]);
      expect(await readRecovery(c, patientId)).to.deep.equal({
        newAccount: second.address,
        executableAt,
        initiatedBy: clinicId,
        initiator: clinicRegistrar.address,
        initiatedAt: startedAt,
      });

      await time.setNextBlockTimestamp(executableAt);
      await expect(patientRegistry.connect(stranger).executeRecovery(patientId))
        .to.emit(patientRegistry, "PatientAccountChanged")
        .withArgs(patientId, patient.address, second.address, AccountChangeKind.Recovery);
      expect(await patientRegistry.patientIdOf(first)).to.equal(0n);
    });

    it("keeps a pending recovery's executableAt when the delay changes", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, admin, patientId, stranger } = c;
      const newAccount = spareAccount(c, 0);
      const executableAt = await startRecovery(c, newAccount);
      await patientRegistry.connect(admin).setRecoveryDelay(MIN_RECOVERY_DELAY);
      expect((await readRecovery(c, patientId)).executableAt).to.equal(executableAt);
      await time.setNextBlockTimestamp(executableAt - 1n);
      await expect(patientRegistry.connect(stranger).executeRecovery(patientId))
        .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryNotReady")
        .withArgs(patientId, executableAt);
    });

    describe("initiateRecovery refusals", function () {
      it("refuses a caller without the registrar duty", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, clinician, hospitalId, patientId } = c;
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(clinician).initiateRecovery(patientId, spareAccount(c, 0)))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
            .withArgs(clinician.address, hospitalId, Duty.Registrar),
        );
      });

      it("refuses the patient itself, which is no operator", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, patient, patientId } = c;
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(patient).initiateRecovery(patientId, spareAccount(c, 0)))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
            .withArgs(patient.address),
        );
      });

      it("refuses a registrar of a suspended organisation", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, guardian, registrar, hospitalId, patientId } = c;
        await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(registrar).initiateRecovery(patientId, spareAccount(c, 0)))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
            .withArgs(hospitalId, MemberStatus.Suspended),
        );
      });

      it("refuses a registrar of an insurer", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, insurerRegistrar, insurerId, patientId } = c;
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(insurerRegistrar).initiateRecovery(patientId, spareAccount(c, 0)))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRegistrarNotCareProvider")
            .withArgs(insurerId, MemberKind.Insurer),
        );
      });

      it("refuses an unknown patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar } = c;
        for (const unknownId of [0n, UNKNOWN_PATIENT_ID]) {
          await refusedWithoutChange(c, () =>
            expect(patientRegistry.connect(registrar).initiateRecovery(unknownId, spareAccount(c, 0)))
              .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownPatient")
              .withArgs(unknownId),
          );
        }
      });

      it("refuses a deactivated patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar, patientId } = c;
        await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(registrar).initiateRecovery(patientId, spareAccount(c, 0)))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
            .withArgs(patientId),
        );
      });

      it("refuses the zero account, keeping the pending recovery", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar, patientId } = c;
        await startRecovery(c, spareAccount(c, 1));
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(registrar).initiateRecovery(patientId, ZeroAddress))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryInvalidAccount")
            .withArgs(ZeroAddress),
        );
      });

      it("refuses an account already in use, keeping the pending recovery", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar, patient, patientId, otherPatient, otherPatientId } = c;
        await startRecovery(c, spareAccount(c, 1));
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(registrar).initiateRecovery(patientId, otherPatient))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
            .withArgs(otherPatient.address, otherPatientId),
        );
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(registrar).initiateRecovery(patientId, patient))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
            .withArgs(patient.address, patientId),
        );
      });
    });

    describe("cancelRecovery and executeRecovery refusals", function () {
      it("refuse an unknown patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient } = c;
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(patient).cancelRecovery(UNKNOWN_PATIENT_ID))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownPatient")
            .withArgs(UNKNOWN_PATIENT_ID),
        );
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(patient).executeRecovery(UNKNOWN_PATIENT_ID))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownPatient")
            .withArgs(UNKNOWN_PATIENT_ID),
        );
      });

      it("refuse a deactivated patient, whose deactivation cancelled the recovery", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar, patient, patientId } = c;
        const newAccount = spareAccount(c, 0);
        const executableAt = await startRecovery(c, newAccount);
        await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
        await time.increaseTo(executableAt);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(newAccount).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
            .withArgs(patientId),
        );
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(patient).cancelRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
            .withArgs(patientId),
        );
      });

      it("executeRecovery refuses an account taken since the recovery started", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar, patientId, stranger } = c;
        const newAccount = spareAccount(c, 0);
        const executableAt = await startRecovery(c, newAccount);
        await patientRegistry.connect(registrar).registerPatient(newAccount, testCommitment(10));
        await time.increaseTo(executableAt);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
            .withArgs(newAccount.address, 3n),
        );
      });

      it("executeRecovery refuses for good a recovery whose registrar's organisation was suspended, even once reinstated", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, guardian, council, registrar, hospitalId, patientId, stranger } = c;
        const newAccount = spareAccount(c, 0);
        const executableAt = await startRecovery(c, newAccount);
        await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
        await time.increaseTo(executableAt);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryInitiatorRevoked")
            .withArgs(patientId, registrar.address),
        );
        await memberRegistry.connect(council).reinstateMember(hospitalId);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryInitiatorRevoked")
            .withArgs(patientId, registrar.address),
        );
        // A registrar of the reinstated hospital starts afresh, and that recovery runs.
        const restartedAt = await startRecovery(c, newAccount);
        await time.increaseTo(restartedAt);
        await expect(patientRegistry.connect(stranger).executeRecovery(patientId))
          .to.emit(patientRegistry, "PatientAccountChanged")
          .withArgs(patientId, c.patient.address, newAccount.address, AccountChangeKind.Recovery);
      });

      it("executeRecovery refuses a recovery whose registrar key was withdrawn, even if re-added anywhere", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, guardian, council, registrar, clinicId, patientId, stranger } = c;
        const newAccount = spareAccount(c, 0);
        const executableAt = await startRecovery(c, newAccount);
        await memberRegistry.connect(guardian).removeOperator(registrar);
        await time.increaseTo(executableAt);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryInitiatorRevoked")
            .withArgs(patientId, registrar.address),
        );
        await memberRegistry.connect(council).addOperator(registrar, clinicId, dutyMask(Duty.Registrar));
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryInitiatorRevoked")
            .withArgs(patientId, registrar.address),
        );
        // Re-added to its own hospital, the key still does not revive what it started before.
        await memberRegistry.connect(guardian).removeOperator(registrar);
        await memberRegistry.connect(council).addOperator(registrar, c.hospitalId, dutyMask(Duty.Registrar));
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).executeRecovery(patientId))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryInitiatorRevoked")
            .withArgs(patientId, registrar.address),
        );
      });
    });
  });

  describe("appointDelegate, revokeDelegate, canActFor", function () {
    it("lets the patient appoint a delegate, appointedBy 0", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, patientId } = c;
      const delegate = spareAccount(c, 0);
      const scope = DelegateScope.Consent | DelegateScope.View;
      const expiresAt = await inAYear();
      const appointedAt = BigInt((await time.latest()) + 10);
      await time.setNextBlockTimestamp(appointedAt);

      await expect(patientRegistry.connect(patient).appointDelegate(patientId, delegate, scope, expiresAt))
        .to.emit(patientRegistry, "DelegateAppointed")
        .withArgs(patientId, delegate.address, scope, expiresAt, 0n, appointedAt);
      expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal({
        scope: BigInt(scope),
        expiresAt,
        appointedBy: 0n,
        validFrom: appointedAt,
      });
      expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(true);
    });

    it("records a registrar's organisation as appointedBy; the mandate starts after the recovery delay", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, clinicRegistrar, hospitalId, clinicId, patientId } = c;
      const expiresAt = await inAYear();
      for (const [caller, memberId, delegate] of [
        [registrar, hospitalId, spareAccount(c, 0)],
        [clinicRegistrar, clinicId, spareAccount(c, 1)],
      ] as const) {
        const appointedAt = BigInt((await time.latest()) + 10);
        const validFrom = appointedAt + BigInt(DEFAULT_TEST_RECOVERY_DELAY);
        await time.setNextBlockTimestamp(appointedAt);
        await expect(
          patientRegistry.connect(caller).appointDelegate(patientId, delegate, ALL_DELEGATE_SCOPES, expiresAt),
        )
          .to.emit(patientRegistry, "DelegateAppointed")
          .withArgs(patientId, delegate.address, ALL_DELEGATE_SCOPES, expiresAt, memberId, validFrom);
        expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal({
          scope: BigInt(ALL_DELEGATE_SCOPES),
          expiresAt,
          appointedBy: memberId,
          validFrom,
        });
      }
    });

    it("keeps a registrar's appointment powerless until the delay has passed, so the patient can object", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, patient, patientId } = c;
      const delegate = spareAccount(c, 0);
      const objected = spareAccount(c, 1);
      const expiresAt = await inAYear();
      await patientRegistry.connect(registrar).appointDelegate(patientId, delegate, DelegateScope.Consent, expiresAt);
      await patientRegistry.connect(registrar).appointDelegate(patientId, objected, DelegateScope.Consent, expiresAt);
      const { validFrom } = await readDelegation(c, patientId, delegate.address);
      expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);

      // The patient objects to one of them during the delay.
      await expect(patientRegistry.connect(patient).revokeDelegate(patientId, objected))
        .to.emit(patientRegistry, "DelegateRevoked")
        .withArgs(patientId, objected.address, patient.address);

      await time.setNextBlockTimestamp(validFrom - 1n);
      await networkHelpers.mine();
      expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);
      await time.setNextBlockTimestamp(validFrom);
      await networkHelpers.mine();
      expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(true);
      expect(await patientRegistry.canActFor(patientId, objected, DelegateScope.Consent)).to.equal(false);
    });

    it("replaces an earlier mandate of the same delegate", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, patient, registrar, hospitalId, patientId } = c;
      const delegate = spareAccount(c, 0);
      const expiresAt = await inAYear();
      await patientRegistry.connect(registrar).appointDelegate(patientId, delegate, ALL_DELEGATE_SCOPES, expiresAt);
      expect((await readDelegation(c, patientId, delegate.address)).appointedBy).to.equal(hospitalId);

      await patientRegistry
        .connect(patient)
        .appointDelegate(patientId, delegate, DelegateScope.Claims, expiresAt - BigInt(ONE_DAY));
      expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal({
        scope: BigInt(DelegateScope.Claims),
        expiresAt: expiresAt - BigInt(ONE_DAY),
        appointedBy: 0n,
        validFrom: BigInt(await time.latest()),
      });
      expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);
      expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Claims)).to.equal(true);
    });

    describe("appointDelegate refusals", function () {
      it("refuses an unknown patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar } = c;
        const expiresAt = await inAYear();
        await refusedWithoutChange(c, () =>
          expect(
            patientRegistry
              .connect(registrar)
              .appointDelegate(UNKNOWN_PATIENT_ID, spareAccount(c, 0), DelegateScope.Consent, expiresAt),
          )
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownPatient")
            .withArgs(UNKNOWN_PATIENT_ID),
        );
      });

      it("refuses a deactivated patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, registrar, patient, patientId } = c;
        await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
        const expiresAt = await inAYear();
        for (const caller of [patient, registrar]) {
          await refusedWithoutChange(c, () =>
            expect(
              patientRegistry
                .connect(caller)
                .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, expiresAt),
            )
              .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
              .withArgs(patientId),
          );
        }
      });

      it("refuses a stranger and another patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, stranger, otherPatient, patientId } = c;
        const expiresAt = await inAYear();
        for (const caller of [stranger, otherPatient]) {
          await refusedWithoutChange(c, () =>
            expect(
              patientRegistry
                .connect(caller)
                .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, expiresAt),
            )
              .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnauthorizedCaller")
              .withArgs(patientId, caller.address),
          );
        }
      });

      it("refuses a clinician, an operator without the registrar duty", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, clinician, hospitalId, patientId } = c;
        const expiresAt = await inAYear();
        await refusedWithoutChange(c, () =>
          expect(
            patientRegistry
              .connect(clinician)
              .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, expiresAt),
          )
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
            .withArgs(clinician.address, hospitalId, Duty.Registrar),
        );
      });

      it("refuses a registrar of a suspended organisation", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, guardian, registrar, hospitalId, patientId } = c;
        await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
        const expiresAt = await inAYear();
        await refusedWithoutChange(c, () =>
          expect(
            patientRegistry
              .connect(registrar)
              .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, expiresAt),
          )
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
            .withArgs(hospitalId, MemberStatus.Suspended),
        );
      });

      it("refuses a registrar of an insurer", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, insurerRegistrar, insurerId, patientId } = c;
        const expiresAt = await inAYear();
        await refusedWithoutChange(c, () =>
          expect(
            patientRegistry
              .connect(insurerRegistrar)
              .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Claims, expiresAt),
          )
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRegistrarNotCareProvider")
            .withArgs(insurerId, MemberKind.Insurer),
        );
      });

      it("refuses the zero address and the patient's own account as delegate", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, registrar, patientId } = c;
        const expiresAt = await inAYear();
        for (const caller of [patient, registrar]) {
          for (const delegate of [ZeroAddress, patient.address]) {
            await refusedWithoutChange(c, () =>
              expect(
                patientRegistry.connect(caller).appointDelegate(patientId, delegate, DelegateScope.Consent, expiresAt),
              )
                .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryInvalidDelegate")
                .withArgs(patientId, delegate),
            );
          }
        }
      });

      for (const scope of [0, ALL_DELEGATE_SCOPES + 1, ALL_DELEGATE_SCOPES | (1 << 5), 0xffff]) {
        it(`refuses the scope ${scope}`, async function () {
          const c = await networkHelpers.loadFixture(consortium);
          const { patientRegistry, patient, patientId } = c;
          const expiresAt = await inAYear();
          await refusedWithoutChange(c, () =>
            expect(patientRegistry.connect(patient).appointDelegate(patientId, spareAccount(c, 0), scope, expiresAt))
              .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryInvalidDelegateScope")
              .withArgs(scope),
          );
        });
      }

      it("refuses an expiry in the past", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await refusedWithoutChange(c, () =>
          expect(
            patientRegistry
              .connect(patient)
              .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, now - 1),
          )
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryDelegateExpiryInPast")
            .withArgs(now - 1, now),
        );
      });

      it("refuses an expiry of exactly now", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await refusedWithoutChange(c, () =>
          expect(
            patientRegistry.connect(patient).appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, now),
          )
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryDelegateExpiryInPast")
            .withArgs(now, now),
        );
      });

      it("accepts an expiry one second from now", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(
          patientRegistry
            .connect(patient)
            .appointDelegate(patientId, spareAccount(c, 0), DelegateScope.Consent, now + 1),
        )
          .to.emit(patientRegistry, "DelegateAppointed")
          .withArgs(patientId, spareAccount(c, 0).address, DelegateScope.Consent, now + 1, 0n, now);
      });
    });

    describe("revokeDelegate", function () {
      it("lets the patient or a registrar end a mandate", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, registrar, clinicRegistrar, patientId } = c;
        const expiresAt = await inAYear();
        for (const [caller, delegate] of [
          [patient, spareAccount(c, 0)],
          [registrar, spareAccount(c, 1)],
          [clinicRegistrar, spareAccount(c, 2)],
        ] as const) {
          await patientRegistry.connect(patient).appointDelegate(patientId, delegate, ALL_DELEGATE_SCOPES, expiresAt);
          await expect(patientRegistry.connect(caller).revokeDelegate(patientId, delegate))
            .to.emit(patientRegistry, "DelegateRevoked")
            .withArgs(patientId, delegate.address, caller.address);
          expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal(NO_DELEGATION);
          expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);
        }
      });

      it("ends a mandate that has already expired", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const delegate = spareAccount(c, 0);
        const expiresAt = (await time.latest()) + ONE_HOUR;
        await patientRegistry.connect(patient).appointDelegate(patientId, delegate, DelegateScope.View, expiresAt);
        await time.increaseTo(expiresAt + 1);
        await expect(patientRegistry.connect(patient).revokeDelegate(patientId, delegate))
          .to.emit(patientRegistry, "DelegateRevoked")
          .withArgs(patientId, delegate.address, patient.address);
        expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal(NO_DELEGATION);
      });

      it("refuses an account that holds no mandate", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, registrar, patientId, otherPatientId } = c;
        const delegate = spareAccount(c, 0);
        // A mandate for the other patient is no mandate for this one.
        await patientRegistry
          .connect(registrar)
          .appointDelegate(otherPatientId, delegate, DelegateScope.Consent, await inAYear());
        for (const caller of [patient, registrar]) {
          await refusedWithoutChange(c, () =>
            expect(patientRegistry.connect(caller).revokeDelegate(patientId, delegate))
              .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownDelegate")
              .withArgs(patientId, delegate.address),
          );
        }
      });

      it("refuses a stranger, a clinician and an insurer's registrar", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, memberRegistry, patient, stranger, clinician, insurerRegistrar } = c;
        const { hospitalId, insurerId, patientId } = c;
        const delegate = spareAccount(c, 0);
        await patientRegistry
          .connect(patient)
          .appointDelegate(patientId, delegate, DelegateScope.Consent, await inAYear());
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(stranger).revokeDelegate(patientId, delegate))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnauthorizedCaller")
            .withArgs(patientId, stranger.address),
        );
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(delegate).revokeDelegate(patientId, delegate))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnauthorizedCaller")
            .withArgs(patientId, delegate.address),
        );
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(clinician).revokeDelegate(patientId, delegate))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
            .withArgs(clinician.address, hospitalId, Duty.Registrar),
        );
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(insurerRegistrar).revokeDelegate(patientId, delegate))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRegistrarNotCareProvider")
            .withArgs(insurerId, MemberKind.Insurer),
        );
      });

      it("refuses an unknown or deactivated patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, registrar, patientId } = c;
        const delegate = spareAccount(c, 0);
        await patientRegistry
          .connect(patient)
          .appointDelegate(patientId, delegate, DelegateScope.Consent, await inAYear());
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(registrar).revokeDelegate(UNKNOWN_PATIENT_ID, delegate))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownPatient")
            .withArgs(UNKNOWN_PATIENT_ID),
        );
        await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Withdrawn);
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(patient).revokeDelegate(patientId, delegate))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
            .withArgs(patientId),
        );
      });
    });

    describe("canActFor", function () {
      it("lets the patient's own account act within every scope", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        for (const scope of [...Object.values(DelegateScope), ALL_DELEGATE_SCOPES]) {
          expect(await patientRegistry.canActFor(patientId, patient, scope)).to.equal(true);
        }
      });

      it("grants nobody an empty scope or one naming undefined bits, not even the patient", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const delegate = spareAccount(c, 0);
        await patientRegistry
          .connect(patient)
          .appointDelegate(patientId, delegate, ALL_DELEGATE_SCOPES, await inAYear());
        for (const account of [patient, delegate]) {
          for (const scope of [0, ALL_DELEGATE_SCOPES + 1, 0xffff]) {
            expect(await patientRegistry.canActFor(patientId, account, scope), `scope ${scope}`).to.equal(false);
          }
        }
      });

      it("lets a delegate act only within every bit of its scope", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const delegate = spareAccount(c, 0);
        const { Consent, Claims, Research, View } = DelegateScope;
        await patientRegistry.connect(patient).appointDelegate(patientId, delegate, Consent | View, await inAYear());
        const expectations: Array<[number, boolean]> = [
          [Consent, true],
          [View, true],
          [Consent | View, true],
          [Claims, false],
          [Research, false],
          [Consent | Claims, false],
          [ALL_DELEGATE_SCOPES, false],
          [0, false],
        ];
        for (const [scope, allowed] of expectations) {
          expect(await patientRegistry.canActFor(patientId, delegate, scope), `scope ${scope}`).to.equal(allowed);
        }
      });

      it("refuses strangers, the zero address, unknown patients and another patient's delegate", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId, otherPatientId, stranger, registrar } = c;
        const delegate = spareAccount(c, 0);
        await patientRegistry
          .connect(patient)
          .appointDelegate(patientId, delegate, ALL_DELEGATE_SCOPES, await inAYear());
        expect(await patientRegistry.canActFor(patientId, stranger, DelegateScope.Consent)).to.equal(false);
        expect(await patientRegistry.canActFor(patientId, registrar, DelegateScope.Consent)).to.equal(false);
        expect(await patientRegistry.canActFor(patientId, ZeroAddress, DelegateScope.Consent)).to.equal(false);
        expect(await patientRegistry.canActFor(otherPatientId, delegate, DelegateScope.Consent)).to.equal(false);
        expect(await patientRegistry.canActFor(otherPatientId, patient, DelegateScope.Consent)).to.equal(false);
        expect(await patientRegistry.canActFor(UNKNOWN_PATIENT_ID, patient, DelegateScope.Consent)).to.equal(false);
      });

      it("ends a mandate at its expiry", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const delegate = spareAccount(c, 0);
        const expiresAt = (await time.latest()) + ONE_DAY;
        await patientRegistry.connect(patient).appointDelegate(patientId, delegate, DelegateScope.Consent, expiresAt);

        await time.increaseTo(expiresAt - 1);
        expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(true);
        await time.increaseTo(expiresAt);
        expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);
        // The expired mandate is still on record until revoked or replaced.
        expect((await readDelegation(c, patientId, delegate.address)).scope).to.equal(BigInt(DelegateScope.Consent));
      });

      it("refuses everyone once the patient is deactivated", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, registrar, patientId } = c;
        const delegate = spareAccount(c, 0);
        await patientRegistry
          .connect(patient)
          .appointDelegate(patientId, delegate, ALL_DELEGATE_SCOPES, await inAYear());
        await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
        expect(await patientRegistry.canActFor(patientId, patient, DelegateScope.Consent)).to.equal(false);
        expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);
      });

      it("deletes a delegate's mandate when it becomes the patient's account by rotation", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId } = c;
        const delegate = spareAccount(c, 0);
        const bystander = spareAccount(c, 1);
        const expiresAt = await inAYear();
        await patientRegistry.connect(patient).appointDelegate(patientId, delegate, DelegateScope.Consent, expiresAt);
        await patientRegistry.connect(patient).appointDelegate(patientId, bystander, DelegateScope.View, expiresAt);
        const bystanderAppointedAt = BigInt(await time.latest());

        // The delegate's mandate ends, with an event, when its account becomes the patient's own.
        await expect(patientRegistry.connect(patient).rotateAccount(delegate))
          .to.emit(patientRegistry, "DelegateRevoked")
          .withArgs(patientId, delegate.address, patient.address);
        expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal(NO_DELEGATION);
        expect(await patientRegistry.canActFor(patientId, delegate, ALL_DELEGATE_SCOPES)).to.equal(true);
        expect(await patientRegistry.canActFor(patientId, patient, DelegateScope.Consent)).to.equal(false);
        // Other mandates are untouched.
        expect(await readDelegation(c, patientId, bystander.address)).to.deep.equal({
          scope: BigInt(DelegateScope.View),
          expiresAt,
          appointedBy: 0n,
          validFrom: bystanderAppointedAt,
        });

        // Moving on again does not revive the old mandate.
        await patientRegistry.connect(delegate).rotateAccount(spareAccount(c, 2));
        expect(await patientRegistry.canActFor(patientId, delegate, DelegateScope.Consent)).to.equal(false);
        await expect(patientRegistry.connect(spareAccount(c, 2)).revokeDelegate(patientId, delegate))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownDelegate")
          .withArgs(patientId, delegate.address);
      });

      it("deletes a delegate's mandate when it becomes the patient's account by recovery", async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, patient, patientId, stranger } = c;
        const delegate = spareAccount(c, 0);
        await patientRegistry
          .connect(patient)
          .appointDelegate(patientId, delegate, DelegateScope.Consent, await inAYear());
        const executableAt = await startRecovery(c, delegate);
        await time.increaseTo(executableAt);
        await patientRegistry.connect(stranger).executeRecovery(patientId);
        expect(await readDelegation(c, patientId, delegate.address)).to.deep.equal(NO_DELEGATION);
        expect((await readPatient(c, patientId)).account).to.equal(delegate.address);
      });
    });
  });

  describe("deactivatePatient", function () {
    it("deactivates for good, keeping the commitment and the account bound", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, patient, patientId, hospitalId, commitment } = c;
      const before = await readPatient(c, patientId);

      const tx = await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Withdrawn);
      await expect(tx)
        .to.emit(patientRegistry, "PatientDeactivated")
        .withArgs(patientId, DeactivationReason.Withdrawn, hospitalId);
      await expect(tx).not.to.emit(patientRegistry, "RecoveryCancelled");

      expect(await readPatient(c, patientId)).to.deep.equal({
        ...before,
        status: BigInt(PatientStatus.Deactivated),
        deactivationReason: BigInt(DeactivationReason.Withdrawn),
      });
      expect(await patientRegistry.isActivePatient(patientId)).to.equal(false);
      expect(await patientRegistry.patientIdOf(patient)).to.equal(patientId);
      expect(await patientRegistry.patientIdByCommitment(commitment)).to.equal(patientId);
      expect(await patientRegistry.patientCount()).to.equal(2n);

      // The identity cannot be reused.
      await expect(patientRegistry.connect(registrar).registerPatient(spareAccount(c, 0), commitment))
        .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryCommitmentAlreadyRegistered")
        .withArgs(commitment, patientId);
      await expect(patientRegistry.connect(registrar).registerPatient(patient, testCommitment(10)))
        .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryAccountInUse")
        .withArgs(patient.address, patientId);
    });

    it("cancels a pending recovery", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, clinicRegistrar, patientId, clinicId } = c;
      const newAccount = spareAccount(c, 0);
      await startRecovery(c, newAccount);

      const tx = await patientRegistry
        .connect(clinicRegistrar)
        .deactivatePatient(patientId, DeactivationReason.Deceased);
      await expect(tx)
        .to.emit(patientRegistry, "RecoveryCancelled")
        .withArgs(patientId, newAccount.address, clinicRegistrar.address);
      await expect(tx)
        .to.emit(patientRegistry, "PatientDeactivated")
        .withArgs(patientId, DeactivationReason.Deceased, clinicId);
      expect(await eventNames(c, tx)).to.deep.equal(["RecoveryCancelled", "PatientDeactivated"]);
      expect(await readRecovery(c, patientId)).to.deep.equal(NO_RECOVERY);
      expect((await readPatient(c, patientId)).status).to.equal(BigInt(PatientStatus.Deactivated));
    });

    it("refuses to deactivate a patient again", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar, patientId } = c;
      await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Withdrawn);
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.RegistrationError))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryPatientDeactivated")
          .withArgs(patientId),
      );
      expect((await readPatient(c, patientId)).deactivationReason).to.equal(BigInt(DeactivationReason.Withdrawn));
    });

    it("refuses an unknown patient", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, registrar } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(registrar).deactivatePatient(UNKNOWN_PATIENT_ID, DeactivationReason.Deceased))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryUnknownPatient")
          .withArgs(UNKNOWN_PATIENT_ID),
      );
    });

    it("refuses a caller without the registrar duty", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, memberRegistry, clinician, hospitalId, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(clinician).deactivatePatient(patientId, DeactivationReason.Deceased))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
          .withArgs(clinician.address, hospitalId, Duty.Registrar),
      );
    });

    it("refuses the patient itself, which is no operator", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, memberRegistry, patient, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(patient).deactivatePatient(patientId, DeactivationReason.Withdrawn))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
          .withArgs(patient.address),
      );
    });

    it("refuses a registrar of a suspended organisation", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, memberRegistry, guardian, registrar, hospitalId, patientId } = c;
      await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
          .withArgs(hospitalId, MemberStatus.Suspended),
      );
    });

    it("refuses a registrar of an insurer", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, insurerRegistrar, insurerId, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(patientRegistry.connect(insurerRegistrar).deactivatePatient(patientId, DeactivationReason.Deceased))
          .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRegistrarNotCareProvider")
          .withArgs(insurerId, MemberKind.Insurer),
      );
    });
  });

  describe("setRecoveryDelay", function () {
    it("starts with the deployment's delay and exposes its bounds", async function () {
      const { patientRegistry } = await networkHelpers.loadFixture(consortium);
      expect(await patientRegistry.recoveryDelay()).to.equal(BigInt(DEFAULT_TEST_RECOVERY_DELAY));
      expect(await patientRegistry.MIN_RECOVERY_DELAY()).to.equal(MIN_RECOVERY_DELAY);
      expect(await patientRegistry.MAX_RECOVERY_DELAY()).to.equal(MAX_RECOVERY_DELAY);
    });

    it("lets the admin change the delay to either bound, emitting RecoveryDelayChanged", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, admin } = c;
      await expect(patientRegistry.connect(admin).setRecoveryDelay(MIN_RECOVERY_DELAY))
        .to.emit(patientRegistry, "RecoveryDelayChanged")
        .withArgs(BigInt(DEFAULT_TEST_RECOVERY_DELAY), MIN_RECOVERY_DELAY);
      expect(await patientRegistry.recoveryDelay()).to.equal(MIN_RECOVERY_DELAY);

      await expect(patientRegistry.connect(admin).setRecoveryDelay(MAX_RECOVERY_DELAY))
        .to.emit(patientRegistry, "RecoveryDelayChanged")
        .withArgs(MIN_RECOVERY_DELAY, MAX_RECOVERY_DELAY);
      expect(await patientRegistry.recoveryDelay()).to.equal(MAX_RECOVERY_DELAY);
    });

    it("applies the new delay to the next recovery", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, admin, registrar, patientId, hospitalId } = c;
      await patientRegistry.connect(admin).setRecoveryDelay(MIN_RECOVERY_DELAY);
      const startedAt = BigInt((await time.latest()) + 10);
      await time.setNextBlockTimestamp(startedAt);
      await expect(patientRegistry.connect(registrar).initiateRecovery(patientId, spareAccount(c, 0)))
        .to.emit(patientRegistry, "RecoveryInitiated")
        .withArgs(patientId, spareAccount(c, 0).address, hospitalId, startedAt + MIN_RECOVERY_DELAY);
    });

    for (const [label, delay] of [
      ["of zero", 0n],
      ["one second below the minimum", MIN_RECOVERY_DELAY - 1n],
      ["one second above the maximum", MAX_RECOVERY_DELAY + 1n],
    ] as const) {
      it(`refuses a delay ${label}`, async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const { patientRegistry, admin } = c;
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(admin).setRecoveryDelay(delay))
            .to.be.revertedWithCustomError(patientRegistry, "PatientRegistryRecoveryDelayOutOfRange")
            .withArgs(delay, MIN_RECOVERY_DELAY, MAX_RECOVERY_DELAY),
        );
      });
    }

    it("is refused to everyone but the admin", async function () {
      const c = await networkHelpers.loadFixture(consortium);
      const { patientRegistry, deployer, council, guardian, registrar, stranger } = c;
      for (const caller of [deployer, council, guardian, registrar, stranger]) {
        await refusedWithoutChange(c, () =>
          expect(patientRegistry.connect(caller).setRecoveryDelay(MIN_RECOVERY_DELAY))
            .to.be.revertedWithCustomError(patientRegistry, "AccessManagedUnauthorized")
            .withArgs(caller.address),
        );
      }
    });
  });
});
