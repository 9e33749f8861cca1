import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { dataSlice, getAddress, ZeroAddress } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  ClaimReason,
  ClaimStatus,
  ConsortiumRole,
  DeactivationReason,
  DelegateScope,
  Duty,
  dutyMask,
  EmergencyReason,
  MemberKind,
  MembershipReason,
  MemberStatus,
  PatientStatus,
  Purpose,
  purposeMask,
  RecordCategory,
  RecordStatus,
  RequesterClass,
  RetractionReason,
} from "../sdk/codes.js";
import {
  type ConsentRegistry,
  ConsentRegistry__factory,
  ClaimRegistry__factory,
  ClaimRegistryV2Mock__factory,
  type ClaimRegistry,
  ConsentRegistryV2Mock__factory,
  type MemberRegistry,
  MemberRegistry__factory,
  MemberRegistryV2Mock__factory,
  PatientRegistry__factory,
  type PatientRegistry,
  PatientRegistryV2Mock__factory,
  type RecordRegistry,
  RecordRegistry__factory,
  RecordRegistryV2Mock__factory,
  type ResearchOptOutRegistry,
  ResearchOptOutRegistry__factory,
  ResearchOptOutRegistryV2Mock__factory,
  StudyRegistry__factory,
  StudyRegistryV2Mock__factory,
  type StudyRegistry,
} from "../typechain-types/index.js";
import { buildConsortium, type Consortium, testCommitment } from "./helpers/fixtures.js";
import { readDelegation, readMember, readOperator, readPatient, readRecovery, spareAccount } from "./helpers/state.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;

const ONE_DAY = 24 * 60 * 60;
const ADMIN_EXECUTION_DELAY = 2 * ONE_DAY;
/** ERC-1967: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1). */
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

const consortium = () => buildConsortium(connection);
const consortiumWithAdminDelay = () => buildConsortium(connection, { adminExecutionDelay: ADMIN_EXECUTION_DELAY });

async function implementationOf(proxy: string): Promise<string> {
  const word = await connection.ethers.provider.getStorage(proxy, IMPLEMENTATION_SLOT);
  return getAddress(dataSlice(word, 12));
}

/** The upgradeable registries, seen the same way. */
interface UpgradeTarget {
  name:
    | "MemberRegistry"
    | "PatientRegistry"
    | "ResearchOptOutRegistry"
    | "ConsentRegistry"
    | "RecordRegistry"
    | "ClaimRegistry"
    | "StudyRegistry";
  /** The registry's ABI at `address` (the proxy or an implementation). */
  at: (
    address: string,
    runner: HardhatEthersSigner,
  ) =>
    | MemberRegistry
    | PatientRegistry
    | ResearchOptOutRegistry
    | ConsentRegistry
    | RecordRegistry
    | ClaimRegistry
    | StudyRegistry;
  proxyAddress: (c: Consortium) => Promise<string>;
  /** Deploys the registry's V2 mock implementation and returns its address. */
  deployV2: (c: Consortium) => Promise<string>;
  /** `upgradeToAndCall(implementation, 0x)` sent by `caller`. */
  upgrade: (c: Consortium, caller: HardhatEthersSigner, implementation: string) => Promise<unknown>;
  /** `initialize` on the contract at `address`, with the deployment's own arguments. */
  initialize: (c: Consortium, address: string) => Promise<unknown>;
}

const TARGETS: readonly UpgradeTarget[] = [
  {
    name: "MemberRegistry",
    at: (address, runner) => MemberRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.memberRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new MemberRegistryV2Mock__factory(c.stranger).deploy();
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) => c.memberRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => MemberRegistry__factory.connect(address, c.stranger).initialize(c.authority),
  },
  {
    name: "PatientRegistry",
    at: (address, runner) => PatientRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.patientRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new PatientRegistryV2Mock__factory(c.stranger).deploy(c.memberRegistry);
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) => c.patientRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => PatientRegistry__factory.connect(address, c.stranger).initialize(c.authority, ONE_DAY),
  },
  {
    name: "ResearchOptOutRegistry",
    at: (address, runner) => ResearchOptOutRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.researchOptOutRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new ResearchOptOutRegistryV2Mock__factory(c.stranger).deploy(c.patientRegistry);
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) =>
      c.researchOptOutRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => ResearchOptOutRegistry__factory.connect(address, c.stranger).initialize(c.authority),
  },
  {
    name: "ConsentRegistry",
    at: (address, runner) => ConsentRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.consentRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new ConsentRegistryV2Mock__factory(c.stranger).deploy(
        c.memberRegistry,
        c.patientRegistry,
        c.researchOptOutRegistry,
      );
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) => c.consentRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => ConsentRegistry__factory.connect(address, c.stranger).initialize(c.authority, 60 * 60),
  },
  {
    name: "RecordRegistry",
    at: (address, runner) => RecordRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.recordRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new RecordRegistryV2Mock__factory(c.stranger).deploy(c.memberRegistry);
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) => c.recordRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => RecordRegistry__factory.connect(address, c.stranger).initialize(c.authority),
  },
  {
    name: "ClaimRegistry",
    at: (address, runner) => ClaimRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.claimRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new ClaimRegistryV2Mock__factory(c.stranger).deploy(
        c.memberRegistry,
        c.patientRegistry,
        c.consentRegistry,
        c.recordRegistry,
      );
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) => c.claimRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => ClaimRegistry__factory.connect(address, c.stranger).initialize(c.authority),
  },
  {
    name: "StudyRegistry",
    at: (address, runner) => StudyRegistry__factory.connect(address, runner),
    proxyAddress: (c) => c.studyRegistry.getAddress(),
    deployV2: async (c) => {
      const implementation = await new StudyRegistryV2Mock__factory(c.stranger).deploy(c.memberRegistry);
      return implementation.getAddress();
    },
    upgrade: (c, caller, implementation) => c.studyRegistry.connect(caller).upgradeToAndCall(implementation, "0x"),
    initialize: (c, address) => StudyRegistry__factory.connect(address, c.stranger).initialize(c.authority),
  },
];

function upgradeCalldata(implementation: string): string {
  // Every registry inherits the same UUPS `upgradeToAndCall`.
  return MemberRegistry__factory.createInterface().encodeFunctionData("upgradeToAndCall", [implementation, "0x"]);
}

// --- The state an upgrade must keep ----------------------------------------------------------------------

/** Accounts that are not signers but appear in the rich state below. */
const OUTSIDE_OPERATOR = getAddress(`0x${"0e".repeat(20)}`);
const OUTSIDE_DELEGATE = getAddress(`0x${"de".repeat(20)}`);
const RESEARCH_METADATA = `0x${"3e".repeat(32)}`;
const CLINIC_METADATA = `0x${"c2".repeat(32)}`;
const CONSENT_FORM_HASH = `0x${"f0".repeat(32)}`;
const MANIFEST_HASH = `0x${"aa".repeat(32)}`;

/** Record `n` of the rich state: made-up content hash and subject commitment. */
function recordAnchor(n: number) {
  const word = (byte: number) => `0x${byte.toString(16).padStart(2, "0").repeat(32)}`;
  return { contentHash: word(n), category: n % 14, subjectCommitment: word(0x80 + n) };
}
const RECORD_NUMBERS = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** A batch of the given records, built by `@openzeppelin/merkle-tree`. */
function recordBatch(...numbers: number[]) {
  const records = numbers.map(recordAnchor);
  const tree = StandardMerkleTree.of(
    records.map((r) => [r.contentHash, r.category, r.subjectCommitment]),
    ["bytes32", "uint8", "bytes32"],
  );
  return { records, tree };
}
const LIVE_BATCH = recordBatch(4, 5, 9);
const RETRACTED_BATCH = recordBatch(7, 8);
const CLAIM_HASH = (n: number) => `0x${(0xc0 + n).toString(16).repeat(32)}`;

/**
 * A consortium with something of every kind: an updated profile, a suspended and a removed member, a removed
 * operator, an operator with several duties, a rotated patient, a deactivated patient, a pending recovery,
 * delegates appointed by a patient and by registrars, and a changed recovery delay.
 */
async function richConsortium(): Promise<Consortium> {
  const c = await buildConsortium(connection);
  const {
    memberRegistry,
    patientRegistry,
    council,
    guardian,
    admin,
    registrar,
    clinicRegistrar,
    patient,
    otherPatient,
  } = c;
  const farFuture = (await time.latest()) + 365 * ONE_DAY;

  // Records (before the data steward is removed; record 2 is a claim's attachment below): an amended, a
  // retracted and a current single record, a batch with a superseded leaf and a retracted batch.
  const records = c.recordRegistry.connect(c.dataSteward);
  await records.anchorRecord(recordAnchor(1));
  await records.amendRecord(recordAnchor(1).contentHash, recordAnchor(2));
  await records.anchorRecord(recordAnchor(3));
  await records.retractRecord(recordAnchor(3).contentHash, RetractionReason.WrongPatient);
  await records.anchorBatch(LIVE_BATCH.tree.root, 3, MANIFEST_HASH);
  const [leafRecord] = LIVE_BATCH.records;
  if (leafRecord === undefined) throw new Error("the live batch has no records");
  await records.amendBatchRecord(LIVE_BATCH.tree.root, leafRecord, LIVE_BATCH.tree.getProof(0), recordAnchor(6));
  await records.anchorBatch(RETRACTED_BATCH.tree.root, 2, `0x${"00".repeat(32)}`);
  await records.retractBatch(RETRACTED_BATCH.tree.root, RetractionReason.IncompleteBatch);
  // Claims (while the insurer is active): patient 2 grants the insurer claim documents and dental records
  // (record 2's category); one claim is paid after an information request, one is withdrawn; patient 2's claim
  // nonce moves on.
  const claimsNow = BigInt(await time.latest());
  await c.consentRegistry.connect(otherPatient).grant({
    patientId: c.otherPatientId,
    grantee: c.insurerId,
    categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.Dental),
    purposes: purposeMask(Purpose.InsuranceClaim),
    notBefore: claimsNow,
    expiresAt: claimsNow + BigInt(30 * ONE_DAY),
    consentFormHash: `0x${"00".repeat(32)}`,
  });
  const claims = c.claimRegistry.connect(c.claimsOfficer);
  const insurer = c.claimRegistry.connect(c.insurerRegistrar);
  const claim = (n: number) => ({
    patientId: c.otherPatientId,
    insurer: c.insurerId,
    claimHash: CLAIM_HASH(n),
    claimedAmount: 10_000n * BigInt(n),
    currency: 901,
    serviceStart: claimsNow - BigInt(ONE_DAY),
    serviceEnd: claimsNow,
    attachments: n === 1 ? [recordAnchor(2).contentHash] : [],
  });
  await claims.submitClaim(claim(1));
  await claims.submitClaim(claim(2));
  const paidId = await c.claimRegistry.claimIdOf(c.hospitalId, CLAIM_HASH(1));
  await insurer.startReview(paidId);
  await insurer.requestInformation(paidId, ClaimReason.ItemisedReceiptNeeded, `0x${"1f".repeat(32)}`);
  await claims.provideInformation(paidId, [], `0x${"2f".repeat(32)}`);
  await insurer.approveClaim(paidId, 7_500n);
  await insurer.markPaid(paidId, `0x${"3f".repeat(32)}`);
  await claims.withdrawClaim(await c.claimRegistry.claimIdOf(c.hospitalId, CLAIM_HASH(2)));
  await c.claimRegistry.connect(otherPatient).invalidateClaimNonces(c.otherPatientId, 4n);

  await memberRegistry.connect(council).updateMemberMetadata(c.clinicId, CLINIC_METADATA);
  await memberRegistry.connect(council).addMember(MemberKind.ResearchInstitute, RESEARCH_METADATA); // id 4
  await memberRegistry.connect(council).addMember(MemberKind.Regulator, RESEARCH_METADATA); // id 5
  await memberRegistry.connect(council).addOperator(OUTSIDE_OPERATOR, 4n, dutyMask(Duty.Researcher, Duty.DataSteward));
  await memberRegistry.connect(guardian).suspendMember(c.insurerId, MembershipReason.LicenceLapsed);
  await memberRegistry.connect(council).removeMember(5n, MembershipReason.GovernanceDecision);
  await memberRegistry.connect(guardian).removeOperator(c.dataSteward);

  await patientRegistry.connect(admin).setRecoveryDelay(2 * ONE_DAY);
  // Patient 1 moves to a new key and appoints a delegate.
  await patientRegistry.connect(patient).rotateAccount(spareAccount(c, 0));
  await patientRegistry
    .connect(spareAccount(c, 0))
    .appointDelegate(c.patientId, spareAccount(c, 3), DelegateScope.Consent | DelegateScope.View, farFuture);
  // Patient 2 has a registrar-appointed delegate and a pending recovery.
  await patientRegistry
    .connect(registrar)
    .appointDelegate(c.otherPatientId, OUTSIDE_DELEGATE, DelegateScope.Claims, farFuture - ONE_DAY);
  await patientRegistry.connect(clinicRegistrar).initiateRecovery(c.otherPatientId, spareAccount(c, 2));
  // Patient 3, registered by the clinic with a delegate, then deactivated.
  await patientRegistry.connect(clinicRegistrar).registerPatient(spareAccount(c, 1), testCommitment(10));
  await patientRegistry.connect(clinicRegistrar).appointDelegate(3n, spareAccount(c, 4), DelegateScope.View, farFuture);
  await patientRegistry.connect(registrar).deactivatePatient(3n, DeactivationReason.RegistrationError);

  // Consent: a live grant with a consent form, a revoked grant, a bumped nonce, an emergency access, a
  // member whose break-glass right was taken, and a changed break-glass duration.
  const { consentRegistry, clinician } = c;
  const now = BigInt(await time.latest());
  const grant = {
    patientId: c.patientId,
    grantee: c.clinicId,
    categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
    purposes: purposeMask(Purpose.Treatment, Purpose.CareCoordination),
    notBefore: now,
    expiresAt: now + BigInt(30 * ONE_DAY),
    consentFormHash: CONSENT_FORM_HASH,
  };
  await consentRegistry.connect(spareAccount(c, 0)).grant(grant);
  await consentRegistry.connect(otherPatient).grant({ ...grant, patientId: c.otherPatientId, grantee: c.hospitalId });
  await consentRegistry.connect(otherPatient).revoke({ patientId: c.otherPatientId, grantee: c.hospitalId });
  await consentRegistry.connect(otherPatient).invalidateNonces(c.otherPatientId, 7n);
  await consentRegistry.connect(clinician).openBreakGlass(c.otherPatientId, EmergencyReason.Unconscious);
  await consentRegistry.connect(guardian).setBreakGlassAllowed(c.clinicId, false);
  await consentRegistry.connect(admin).setBreakGlassDuration(2 * 60 * 60);
  // Research: patient 2 opts out of lab results and DUO GRU research; patient 1 gives the research institute
  // (member 4) a third-party grant as an academic, with the identifiable-data opt-in.
  await c.researchOptOutRegistry
    .connect(otherPatient)
    .setOptOut(c.otherPatientId, false, categoryMask(RecordCategory.LabResult), 1 << 1);
  await consentRegistry.connect(spareAccount(c, 0)).grantThirdParty({
    grant: { ...grant, grantee: 4n, purposes: purposeMask(Purpose.Research), consentFormHash: `0x${"00".repeat(32)}` },
    requesterClass: RequesterClass.Academic,
    optIns: 2,
  });
  return c;
}

/** Every account whose entries the state reading covers. */
function accountsOf(c: Consortium): string[] {
  return [
    ...[c.deployer, c.admin, c.council, c.guardian, ...c.signers].map((s) => s.address),
    OUTSIDE_OPERATOR,
    OUTSIDE_DELEGATE,
  ];
}

/** Everything both registries store, read through their getters, as plain values. */
async function readEverything(c: Consortium) {
  const { memberRegistry, patientRegistry } = c;
  const accounts = accountsOf(c);
  const memberCount = await memberRegistry.memberCount();
  const patientCount = await patientRegistry.patientCount();
  const memberIds = Array.from({ length: Number(memberCount) + 2 }, (_, i) => BigInt(i));
  const patientIds = Array.from({ length: Number(patientCount) + 2 }, (_, i) => BigInt(i));

  const members = await Promise.all(memberIds.map(async (id) => ({ id, ...(await readMember(c, id)) })));
  const operators = await Promise.all(
    accounts.map(async (account) => ({ account, ...(await readOperator(c, account)) })),
  );
  const patients = await Promise.all(
    patientIds.map(async (id) => ({
      id,
      ...(await readPatient(c, id)),
      recovery: await readRecovery(c, id),
    })),
  );
  const delegations = await Promise.all(
    patientIds.flatMap((id) =>
      accounts.map(async (delegate) => ({ id, delegate, ...(await readDelegation(c, id, delegate)) })),
    ),
  );
  const patientIdOf = await Promise.all(accounts.map((account) => patientRegistry.patientIdOf(account)));
  const commitments = await Promise.all(
    Array.from({ length: 16 }, (_, n) => patientRegistry.patientIdByCommitment(testCommitment(n))),
  );
  const { consentRegistry } = c;
  const consent = await Promise.all(
    patientIds.flatMap((patientId) =>
      memberIds.map(async (memberId) => {
        const grant = await consentRegistry.getGrant(patientId, memberId);
        const breakGlass = await consentRegistry.getBreakGlass(patientId, memberId);
        return {
          patientId,
          memberId,
          grant: {
            categories: grant.categories,
            purposes: grant.purposes,
            notBefore: grant.notBefore,
            expiresAt: grant.expiresAt,
            revokedAt: grant.revokedAt,
            grantedByDelegate: grant.grantedByDelegate,
            hasConsentForm: grant.hasConsentForm,
          },
          consentFormHash: await consentRegistry.getConsentFormHash(patientId, memberId),
          thirdPartyTerms: await consentRegistry.getThirdPartyTerms(patientId, memberId).then((terms) => ({
            thirdParty: terms.thirdParty,
            requesterClass: terms.requesterClass,
            optIns: terms.optIns,
          })),
          breakGlass: { endsAt: breakGlass.endsAt, reason: breakGlass.reason, openedBy: breakGlass.openedBy },
        };
      }),
    ),
  );
  const consentCounters = {
    nonces: await Promise.all(patientIds.map((patientId) => consentRegistry.nonces(patientId))),
    breakGlassRecords: await Promise.all(
      memberIds.map(async (memberId) => {
        const [openedCount, allowed] = await consentRegistry.breakGlassRecord(memberId);
        return { openedCount, allowed };
      }),
    ),
    breakGlassDuration: await consentRegistry.breakGlassDuration(),
  };
  const { researchOptOutRegistry } = c;
  const optOuts = await Promise.all(
    patientIds.map(async (patientId) => {
      const optOut = await researchOptOutRegistry.getOptOut(patientId);
      return {
        patientId,
        wholly: optOut.wholly,
        categories: optOut.categories,
        permissions: optOut.permissions,
        updatedAt: optOut.updatedAt,
      };
    }),
  );
  const { recordRegistry } = c;
  const records = await Promise.all(
    RECORD_NUMBERS.map(async (n) => {
      const { contentHash } = recordAnchor(n);
      const entry = await recordRegistry.getRecord(contentHash);
      return {
        contentHash,
        entry: {
          custodian: entry.custodian,
          category: entry.category,
          status: entry.status,
          retractionReason: entry.retractionReason,
          inBatch: entry.inBatch,
          anchoredAt: entry.anchoredAt,
          statusChangedAt: entry.statusChangedAt,
        },
      };
    }),
  );
  const batches = await Promise.all(
    [LIVE_BATCH, RETRACTED_BATCH].map(async ({ tree }) => {
      const batch = await recordRegistry.getBatch(tree.root);
      return {
        root: tree.root,
        batch: {
          custodian: batch.custodian,
          leafCount: batch.leafCount,
          retracted: batch.retracted,
          retractionReason: batch.retractionReason,
          anchoredAt: batch.anchoredAt,
          retractedAt: batch.retractedAt,
        },
        manifestHash: await recordRegistry.getBatchManifestHash(tree.root),
        leafStatuses: await Promise.all(
          Array.from(tree.entries(), ([index, value]) =>
            recordRegistry
              .verifyBatchRecord(
                tree.root,
                { contentHash: String(value[0]), category: Number(value[1]), subjectCommitment: String(value[2]) },
                tree.getProof(index),
              )
              .then((verification) => verification.status),
          ),
        ),
      };
    }),
  );
  const { claimRegistry } = c;
  const claims = await Promise.all(
    [1, 2, 3].map(async (n) => {
      const claim = await claimRegistry.getClaim(await claimRegistry.claimIdOf(c.hospitalId, CLAIM_HASH(n)));
      return {
        patientId: claim.patientId,
        provider: claim.provider,
        insurer: claim.insurer,
        currency: claim.currency,
        status: claim.status,
        reason: claim.reason,
        attachmentCount: claim.attachmentCount,
        authorizedBySignature: claim.authorizedBySignature,
        claimedAmount: claim.claimedAmount,
        approvedAmount: claim.approvedAmount,
        submittedAt: claim.submittedAt,
        serviceStart: claim.serviceStart,
        serviceEnd: claim.serviceEnd,
      };
    }),
  );
  return {
    claims,
    claimNonces: await Promise.all(patientIds.map((patientId) => claimRegistry.claimNonces(patientId))),
    records,
    batches,
    consent: consent.filter((entry) => entry.grant.expiresAt !== 0n || entry.breakGlass.endsAt !== 0n),
    consentCounters,
    optOuts: optOuts.filter((optOut) => optOut.updatedAt !== 0n),
    memberCount,
    members,
    operators,
    patientCount,
    recoveryDelay: await patientRegistry.recoveryDelay(),
    patients,
    delegations: delegations.filter((d) => d.scope !== 0n),
    patientIdOf,
    commitments,
    authorities: [
      await memberRegistry.authority(),
      await patientRegistry.authority(),
      await researchOptOutRegistry.authority(),
      await consentRegistry.authority(),
      await recordRegistry.authority(),
      await claimRegistry.authority(),
    ],
    claimRegistryLinks: [
      await claimRegistry.memberRegistry(),
      await claimRegistry.patientRegistry(),
      await claimRegistry.consentRegistry(),
      await claimRegistry.recordRegistry(),
    ],
    recordRegistryMemberRegistry: await recordRegistry.memberRegistry(),
    patientRegistryMemberRegistry: await patientRegistry.memberRegistry(),
    consentRegistryLinks: [
      await consentRegistry.memberRegistry(),
      await consentRegistry.patientRegistry(),
      await consentRegistry.researchOptOutRegistry(),
    ],
    researchOptOutRegistryPatientRegistry: await researchOptOutRegistry.patientRegistry(),
  };
}

describe("Upgrades", function () {
  describe("through the admin's execution delay", function () {
    for (const target of TARGETS) {
      describe(target.name, function () {
        it("refuses a direct upgrade by the admin as not scheduled", async function () {
          const c = await networkHelpers.loadFixture(consortiumWithAdminDelay);
          const { authority, admin } = c;
          const proxy = await target.proxyAddress(c);
          const before = await implementationOf(proxy);
          const implementation = await target.deployV2(c);
          const operationId = await authority.hashOperation(admin, proxy, upgradeCalldata(implementation));

          await expect(target.upgrade(c, admin, implementation))
            .to.be.revertedWithCustomError(authority, "AccessManagerNotScheduled")
            .withArgs(operationId);
          expect(await implementationOf(proxy)).to.equal(before);
        });

        it("refuses to execute a scheduled upgrade before its delay", async function () {
          const c = await networkHelpers.loadFixture(consortiumWithAdminDelay);
          const { authority, admin } = c;
          const proxy = await target.proxyAddress(c);
          const before = await implementationOf(proxy);
          const implementation = await target.deployV2(c);
          const data = upgradeCalldata(implementation);
          const operationId = await authority.hashOperation(admin, proxy, data);

          await expect(authority.connect(admin).schedule(proxy, data, 0)).to.emit(authority, "OperationScheduled");
          const readyAt = await authority.getSchedule(operationId);
          expect(readyAt).to.equal(BigInt(await time.latest()) + BigInt(ADMIN_EXECUTION_DELAY));

          await time.setNextBlockTimestamp(readyAt - 1n);
          await expect(authority.connect(admin).execute(proxy, data))
            .to.be.revertedWithCustomError(authority, "AccessManagerNotReady")
            .withArgs(operationId);
          expect(await implementationOf(proxy)).to.equal(before);
          expect(await authority.getSchedule(operationId)).to.equal(readyAt);
        });

        it("executes a scheduled upgrade once its delay has passed", async function () {
          const c = await networkHelpers.loadFixture(consortiumWithAdminDelay);
          const { authority, admin } = c;
          const proxy = await target.proxyAddress(c);
          const implementation = await target.deployV2(c);
          const data = upgradeCalldata(implementation);
          const operationId = await authority.hashOperation(admin, proxy, data);

          await authority.connect(admin).schedule(proxy, data, 0);
          await time.increase(ADMIN_EXECUTION_DELAY);
          await expect(authority.connect(admin).execute(proxy, data))
            .to.emit(authority, "OperationExecuted")
            .and.to.emit(target.at(proxy, admin), "Upgraded")
            .withArgs(implementation);

          expect(await implementationOf(proxy)).to.equal(implementation);
          expect(await MemberRegistryV2Mock__factory.connect(proxy, admin).version()).to.equal(2n);
          // The operation is consumed: it cannot be executed twice.
          expect(await authority.getSchedule(operationId)).to.equal(0n);
          await expect(authority.connect(admin).execute(proxy, data))
            .to.be.revertedWithCustomError(authority, "AccessManagerNotScheduled")
            .withArgs(operationId);
        });
      });
    }
  });

  describe("keeping every record", function () {
    it("the rich fixture holds every kind of record", async function () {
      const c = await networkHelpers.loadFixture(richConsortium);
      const state = await readEverything(c);
      const statusOf = (id: bigint) => state.members.find((m) => m.id === id)?.status;
      expect(statusOf(c.hospitalId)).to.equal(BigInt(MemberStatus.Active));
      expect(statusOf(c.insurerId)).to.equal(BigInt(MemberStatus.Suspended));
      expect(statusOf(5n)).to.equal(BigInt(MemberStatus.Removed));
      expect(state.operators.filter((o) => o.memberId !== 0n)).to.have.length(8);
      expect(state.patients.map((p) => p.status)).to.deep.equal(
        [
          PatientStatus.None,
          PatientStatus.Active,
          PatientStatus.Active,
          PatientStatus.Deactivated,
          PatientStatus.None,
        ].map(BigInt),
      );
      expect(state.patients[1]?.account).to.equal(spareAccount(c, 0).address);
      expect(state.patients[2]?.recovery.newAccount).to.equal(spareAccount(c, 2).address);
      expect(state.delegations).to.have.length(3);
      expect(state.recoveryDelay).to.equal(BigInt(2 * ONE_DAY));
      // Two treatment grants, the claims grant to the insurer and the research institute's third-party grant.
      expect(state.consent).to.have.length(4);
      expect(state.consent.filter((entry) => entry.thirdPartyTerms.thirdParty)).to.have.length(1);
      expect(state.optOuts).to.have.length(1);
      expect(state.consent.find((entry) => entry.grant.revokedAt !== 0n)?.breakGlass.endsAt).to.not.equal(0n);
      expect(state.consent.find((entry) => entry.grant.hasConsentForm)?.consentFormHash).to.equal(CONSENT_FORM_HASH);
      expect(state.consentCounters.nonces[2]).to.equal(7n);
      expect(state.consentCounters.breakGlassRecords[Number(c.clinicId)]?.allowed).to.equal(false);
      expect(state.consentCounters.breakGlassRecords[Number(c.hospitalId)]?.openedCount).to.equal(1n);
      expect(state.consentCounters.breakGlassDuration).to.equal(2n * 60n * 60n);
      expect(state.records.map((r) => r.entry.status)).to.deep.equal(
        [
          RecordStatus.Superseded, // 1, amended by 2
          RecordStatus.Current, // 2
          RecordStatus.Retracted, // 3
          RecordStatus.Superseded, // 4, a batch leaf amended by 6
          RecordStatus.None, // 5, a current batch leaf: no entry of its own
          RecordStatus.Current, // 6
          RecordStatus.None, // 7 and 8, leaves of the retracted batch
          RecordStatus.None,
          RecordStatus.None, // 9, a current batch leaf
        ].map(BigInt),
      );
      expect(state.batches[0]?.manifestHash).to.equal(MANIFEST_HASH);
      expect(state.batches[0]?.leafStatuses).to.have.members(
        [RecordStatus.Superseded, RecordStatus.Current, RecordStatus.Current].map(BigInt),
      );
      expect(state.claims.map((claim) => claim.status)).to.deep.equal(
        [ClaimStatus.Paid, ClaimStatus.Withdrawn, ClaimStatus.None].map(BigInt),
      );
      expect(state.claims[0]?.approvedAmount).to.equal(7_500n);
      expect(state.claims[0]?.reason).to.equal(BigInt(ClaimReason.ItemisedReceiptNeeded));
      expect(state.claimNonces[2]).to.equal(4n);
      expect(state.batches[1]?.leafStatuses).to.deep.equal(
        [RecordStatus.Retracted, RecordStatus.Retracted].map(BigInt),
      );
    });

    it("upgrading every registry to V2 keeps members, operators, patients, recoveries, delegates, consent, records and claims", async function () {
      const c = await networkHelpers.loadFixture(richConsortium);
      const { admin, memberRegistry, patientRegistry } = c;
      const before = await readEverything(c);

      for (const target of TARGETS) {
        const proxy = await target.proxyAddress(c);
        const implementation = await target.deployV2(c);
        await expect(target.upgrade(c, admin, implementation))
          .to.emit(target.at(proxy, admin), "Upgraded")
          .withArgs(implementation);
        expect(await implementationOf(proxy)).to.equal(implementation);
      }

      expect(await MemberRegistryV2Mock__factory.connect(await memberRegistry.getAddress(), admin).version()).to.equal(
        2n,
      );
      expect(
        await PatientRegistryV2Mock__factory.connect(await patientRegistry.getAddress(), admin).version(),
      ).to.equal(2n);
      expect(
        await ConsentRegistryV2Mock__factory.connect(await c.consentRegistry.getAddress(), admin).version(),
      ).to.equal(2n);
      expect(
        await RecordRegistryV2Mock__factory.connect(await c.recordRegistry.getAddress(), admin).version(),
      ).to.equal(2n);
      expect(await ClaimRegistryV2Mock__factory.connect(await c.claimRegistry.getAddress(), admin).version()).to.equal(
        2n,
      );
      expect(await readEverything(c)).to.deep.equal(before);
    });

    it("the upgraded registries keep working: the pending recovery executes and registrars still register", async function () {
      const c = await networkHelpers.loadFixture(richConsortium);
      const { admin, patientRegistry, registrar, stranger, otherPatient, otherPatientId, hospitalId } = c;
      for (const target of TARGETS) await target.upgrade(c, admin, await target.deployV2(c));

      await time.increase(2 * ONE_DAY);
      await expect(patientRegistry.connect(stranger).executeRecovery(otherPatientId))
        .to.emit(patientRegistry, "PatientAccountChanged")
        .withArgs(otherPatientId, otherPatient.address, spareAccount(c, 2).address, 1);
      await expect(patientRegistry.connect(registrar).registerPatient(otherPatient, testCommitment(11)))
        .to.emit(patientRegistry, "PatientRegistered")
        .withArgs(4n, otherPatient.address, testCommitment(11), hospitalId);
    });
  });

  describe("initialisation", function () {
    for (const target of TARGETS) {
      it(`refuses to initialise the ${target.name} proxy again`, async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const proxy = await target.proxyAddress(c);
        await expect(target.initialize(c, proxy)).to.be.revertedWithCustomError(
          target.at(proxy, c.stranger),
          "InvalidInitialization",
        );
        expect(await target.at(proxy, c.stranger).authority()).to.equal(await c.authority.getAddress());
      });

      it(`refuses to initialise the ${target.name} proxy again after an upgrade`, async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const proxy = await target.proxyAddress(c);
        await target.upgrade(c, c.admin, await target.deployV2(c));
        await expect(target.initialize(c, proxy)).to.be.revertedWithCustomError(
          target.at(proxy, c.stranger),
          "InvalidInitialization",
        );
      });

      it(`refuses to initialise a bare ${target.name} implementation`, async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const deployed = await implementationOf(await target.proxyAddress(c));
        const fresh = await target.deployV2(c);
        for (const implementation of [deployed, fresh]) {
          await expect(target.initialize(c, implementation)).to.be.revertedWithCustomError(
            target.at(implementation, c.stranger),
            "InvalidInitialization",
          );
          expect(await target.at(implementation, c.stranger).authority()).to.equal(ZeroAddress);
        }
      });

      it(`refuses an upgrade called on the bare ${target.name} implementation`, async function () {
        const c = await networkHelpers.loadFixture(consortium);
        const deployed = await implementationOf(await target.proxyAddress(c));
        const bare = target.at(deployed, c.admin);
        await expect(bare.upgradeToAndCall(await target.deployV2(c), "0x")).to.be.revertedWithCustomError(
          bare,
          "UUPSUnauthorizedCallContext",
        );
      });
    }
  });

  describe("upgrades by anyone but the admin", function () {
    for (const target of TARGETS) {
      for (const callerName of ["deployer", "stranger", "council", "guardian", "hospitalAdmin"] as const) {
        it(`refuses a ${target.name} upgrade by the ${callerName}`, async function () {
          const c = await networkHelpers.loadFixture(consortium);
          const caller = c[callerName];
          const proxy = await target.proxyAddress(c);
          const before = await implementationOf(proxy);
          await expect(target.upgrade(c, caller, await target.deployV2(c)))
            .to.be.revertedWithCustomError(target.at(proxy, caller), "AccessManagedUnauthorized")
            .withArgs(caller.address);
          expect(await implementationOf(proxy)).to.equal(before);
        });
      }
    }
  });

  describe("the admin role after deployment", function () {
    it("the deployer has given up the admin role and the admin holds it without delay by default", async function () {
      const { authority, deployer, admin } = await networkHelpers.loadFixture(consortium);
      expect(await authority.hasRole(ConsortiumRole.Admin, deployer)).to.deep.equal([false, 0n]);
      expect(await authority.hasRole(ConsortiumRole.Admin, admin)).to.deep.equal([true, 0n]);
    });

    it("the admin holds the role with the configured execution delay", async function () {
      const { authority, deployer, admin } = await networkHelpers.loadFixture(consortiumWithAdminDelay);
      expect(await authority.hasRole(ConsortiumRole.Admin, deployer)).to.deep.equal([false, 0n]);
      expect(await authority.hasRole(ConsortiumRole.Admin, admin)).to.deep.equal([true, BigInt(ADMIN_EXECUTION_DELAY)]);
    });
  });
});
