import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  ClaimReason,
  DataUse,
  DeidentificationMethod,
  ConsortiumRole,
  DeactivationReason,
  DelegateScope,
  Duty,
  dutyMask,
  EmergencyReason,
  MemberKind,
  MembershipReason,
  Purpose,
  purposeMask,
  RecordCategory,
  RequesterClass,
  RetractionReason,
} from "../sdk/codes.js";
import { consentDomain, signGrant, type GrantRequest } from "../sdk/consent.js";
import {
  ConsentRegistryV2Mock__factory,
  MemberRegistryV2Mock__factory,
  ClaimRegistryV2Mock__factory,
  PatientRegistryV2Mock__factory,
  RecordRegistryV2Mock__factory,
  ResearchOptOutRegistryV2Mock__factory,
  StudyRegistryV2Mock__factory,
} from "../typechain-types/index.js";
import { datasetManifest, studyRegistration } from "../sdk/research.js";
import { buildConsortium, type Consortium, testCommitment } from "./helpers/fixtures.js";
import { spareAccount } from "./helpers/state.js";

const connection = await network.create();
const { networkHelpers } = connection;
const consortium = () => buildConsortium(connection);

/** Every account the matrix tries, in a fixed order. */
const CALLERS = [
  "deployer",
  "admin",
  "council",
  "guardian",
  "oversight",
  "hospitalAdmin",
  "registrar",
  "clinician",
  "claimsOfficer",
  "dataSteward",
  "researcher",
  "clinicRegistrar",
  "insurerRegistrar",
  "patient",
  "stranger",
] as const;
type Caller = (typeof CALLERS)[number];

/** Sends the function under test from `caller`, with arguments that succeed for an allowed caller. */
type Send = (caller: HardhatEthersSigner) => Promise<ContractTransactionResponse>;

interface RestrictedFunction {
  /** How the tests name the function. */
  name: string;
  /**
   * THE SPECIFICATION: the callers that may call the function. Written out by hand, not derived from the
   * Ignition role wiring, so that a wiring mistake fails here.
   */
  allowed: readonly Caller[];
  /** Brings a fresh consortium into the state the call needs and returns the call. */
  prepare: (c: Consortium) => Promise<Send>;
}

const METADATA = `0x${"5a".repeat(32)}`;
const ONE_DAY = 24 * 60 * 60;

const MATRIX: readonly RestrictedFunction[] = [
  // MemberRegistry: consortium roles.
  {
    name: "addMember",
    allowed: ["council"],
    prepare: async ({ memberRegistry }) => {
      return (caller) => memberRegistry.connect(caller).addMember(MemberKind.ResearchInstitute, METADATA);
    },
  },
  {
    name: "updateMemberMetadata",
    allowed: ["council"],
    prepare: async ({ memberRegistry, hospitalId }) => {
      return (caller) => memberRegistry.connect(caller).updateMemberMetadata(hospitalId, METADATA);
    },
  },
  {
    name: "suspendMember",
    allowed: ["guardian"],
    prepare: async ({ memberRegistry, hospitalId }) => {
      return (caller) => memberRegistry.connect(caller).suspendMember(hospitalId, MembershipReason.SecurityIncident);
    },
  },
  {
    name: "reinstateMember",
    allowed: ["council"],
    prepare: async ({ memberRegistry, guardian, clinicId }) => {
      await memberRegistry.connect(guardian).suspendMember(clinicId, MembershipReason.LicenceLapsed);
      return (caller) => memberRegistry.connect(caller).reinstateMember(clinicId);
    },
  },
  {
    name: "removeMember",
    allowed: ["council"],
    prepare: async ({ memberRegistry, clinicId }) => {
      return (caller) => memberRegistry.connect(caller).removeMember(clinicId, MembershipReason.VoluntaryExit);
    },
  },
  // MemberRegistry: an organisation's own administrator, or a consortium role.
  {
    name: "addOperator",
    allowed: ["council", "hospitalAdmin"],
    prepare: async (c) => {
      const nurse = spareAccount(c, 0);
      return (caller) => c.memberRegistry.connect(caller).addOperator(nurse, c.hospitalId, dutyMask(Duty.Clinician));
    },
  },
  {
    name: "removeOperator",
    allowed: ["guardian", "hospitalAdmin"],
    prepare: async ({ memberRegistry, clinician }) => {
      return (caller) => memberRegistry.connect(caller).removeOperator(clinician);
    },
  },
  // Admin role: parameters and upgrades.
  {
    name: "setRecoveryDelay",
    allowed: ["admin"],
    prepare: async ({ patientRegistry }) => {
      return (caller) => patientRegistry.connect(caller).setRecoveryDelay(ONE_DAY);
    },
  },
  {
    name: "MemberRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async ({ memberRegistry, stranger }) => {
      const implementation = await new MemberRegistryV2Mock__factory(stranger).deploy();
      return (caller) => memberRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  {
    name: "RecordRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async ({ recordRegistry, memberRegistry, stranger }) => {
      const implementation = await new RecordRegistryV2Mock__factory(stranger).deploy(memberRegistry);
      return (caller) => recordRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  {
    name: "PatientRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async ({ patientRegistry, memberRegistry, stranger }) => {
      const implementation = await new PatientRegistryV2Mock__factory(stranger).deploy(memberRegistry);
      return (caller) => patientRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  // PatientRegistry: registrars of active hospitals and clinics.
  {
    name: "registerPatient",
    allowed: ["registrar", "clinicRegistrar"],
    prepare: async (c) => {
      const newPatient = spareAccount(c, 0);
      return (caller) => c.patientRegistry.connect(caller).registerPatient(newPatient, testCommitment(10));
    },
  },
  {
    name: "initiateRecovery",
    allowed: ["registrar", "clinicRegistrar"],
    prepare: async (c) => {
      const newAccount = spareAccount(c, 0);
      return (caller) => c.patientRegistry.connect(caller).initiateRecovery(c.patientId, newAccount);
    },
  },
  {
    name: "deactivatePatient",
    allowed: ["registrar", "clinicRegistrar"],
    prepare: async ({ patientRegistry, patientId }) => {
      return (caller) => patientRegistry.connect(caller).deactivatePatient(patientId, DeactivationReason.Withdrawn);
    },
  },
  // PatientRegistry: the patient's own account.
  {
    name: "cancelRecovery",
    allowed: ["patient"],
    prepare: async (c) => {
      await c.patientRegistry.connect(c.registrar).initiateRecovery(c.patientId, spareAccount(c, 0));
      return (caller) => c.patientRegistry.connect(caller).cancelRecovery(c.patientId);
    },
  },
  {
    name: "rotateAccount",
    allowed: ["patient"],
    prepare: async (c) => {
      const newAccount = spareAccount(c, 0);
      return (caller) => c.patientRegistry.connect(caller).rotateAccount(newAccount);
    },
  },
  // PatientRegistry: the patient or a registrar of an active hospital or clinic.
  {
    name: "appointDelegate",
    allowed: ["patient", "registrar", "clinicRegistrar"],
    prepare: async (c) => {
      const delegate = spareAccount(c, 0);
      const expiresAt = (await networkHelpers.time.latest()) + 365 * ONE_DAY;
      return (caller) =>
        c.patientRegistry.connect(caller).appointDelegate(c.patientId, delegate, DelegateScope.Consent, expiresAt);
    },
  },
  {
    name: "revokeDelegate",
    allowed: ["patient", "registrar", "clinicRegistrar"],
    prepare: async (c) => {
      const delegate = spareAccount(c, 0);
      const expiresAt = (await networkHelpers.time.latest()) + 365 * ONE_DAY;
      await c.patientRegistry.connect(c.patient).appointDelegate(c.patientId, delegate, DelegateScope.View, expiresAt);
      return (caller) => c.patientRegistry.connect(caller).revokeDelegate(c.patientId, delegate);
    },
  },
  // ConsentRegistry: consortium roles.
  {
    name: "setBreakGlassAllowed",
    allowed: ["guardian"],
    prepare: async ({ consentRegistry, hospitalId }) => {
      return (caller) => consentRegistry.connect(caller).setBreakGlassAllowed(hospitalId, false);
    },
  },
  {
    name: "setBreakGlassDuration",
    allowed: ["admin"],
    prepare: async ({ consentRegistry }) => {
      return (caller) => consentRegistry.connect(caller).setBreakGlassDuration(2 * 60 * 60);
    },
  },
  {
    name: "ConsentRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async ({ consentRegistry, memberRegistry, patientRegistry, researchOptOutRegistry, stranger }) => {
      const implementation = await new ConsentRegistryV2Mock__factory(stranger).deploy(
        memberRegistry,
        patientRegistry,
        researchOptOutRegistry,
      );
      return (caller) => consentRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  // ConsentRegistry: the patient (or a consent delegate), clinicians, operators under consent.
  {
    name: "grant",
    allowed: ["patient"],
    prepare: async (c) => {
      const request = await treatmentGrant(c, c.clinicId);
      return (caller) => c.consentRegistry.connect(caller).grant(request);
    },
  },
  {
    name: "grantBySig (anyone may relay a patient's signature)",
    allowed: CALLERS,
    prepare: async (c) => {
      const request = await treatmentGrant(c, c.clinicId);
      const domain = consentDomain({
        chainId: (await connection.ethers.provider.getNetwork()).chainId,
        verifyingContract: await c.consentRegistry.getAddress(),
      });
      const deadline = BigInt((await networkHelpers.time.latest()) + ONE_DAY);
      const signed = await signGrant(c.patient, domain, request, 0n, deadline);
      return (caller) => c.consentRegistry.connect(caller).grantBySig(signed);
    },
  },
  {
    name: "grantThirdParty",
    allowed: ["patient"],
    prepare: async (c) => {
      const grant = { ...(await treatmentGrant(c, c.hospitalId)), purposes: purposeMask(Purpose.Research) };
      return (caller) =>
        c.consentRegistry
          .connect(caller)
          .grantThirdParty({ grant, requesterClass: RequesterClass.Academic, optIns: 0 });
    },
  },
  {
    name: "revoke",
    allowed: ["patient"],
    prepare: async (c) => {
      await c.consentRegistry.connect(c.patient).grant(await treatmentGrant(c, c.clinicId));
      return (caller) => c.consentRegistry.connect(caller).revoke({ patientId: c.patientId, grantee: c.clinicId });
    },
  },
  {
    name: "invalidateNonces",
    allowed: ["patient"],
    prepare: async (c) => {
      return (caller) => c.consentRegistry.connect(caller).invalidateNonces(c.patientId, 5n);
    },
  },
  {
    name: "openBreakGlass",
    allowed: ["clinician"],
    prepare: async (c) => {
      return (caller) => c.consentRegistry.connect(caller).openBreakGlass(c.patientId, EmergencyReason.Unconscious);
    },
  },
  {
    name: "closeBreakGlass",
    allowed: ["clinician", "patient"],
    prepare: async (c) => {
      await c.consentRegistry.connect(c.clinician).openBreakGlass(c.patientId, EmergencyReason.LifeThreatening);
      return (caller) => c.consentRegistry.connect(caller).closeBreakGlass(c.patientId, c.hospitalId);
    },
  },
  {
    name: "logAccess (operators of the organisation holding consent)",
    allowed: ["hospitalAdmin", "registrar", "clinician", "claimsOfficer", "dataSteward", "researcher"],
    prepare: async (c) => {
      await c.consentRegistry.connect(c.patient).grant(await treatmentGrant(c, c.hospitalId));
      return (caller) =>
        c.consentRegistry
          .connect(caller)
          .logAccess(c.patientId, RecordCategory.Medication, Purpose.Treatment, `0x${"ab".repeat(32)}`);
    },
  },
  // ResearchOptOutRegistry: the patient (or a delegate with the Research scope); upgrades with the admin.
  {
    name: "ResearchOptOutRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async ({ researchOptOutRegistry, patientRegistry, stranger }) => {
      const implementation = await new ResearchOptOutRegistryV2Mock__factory(stranger).deploy(patientRegistry);
      return (caller) => researchOptOutRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  {
    name: "setOptOut",
    allowed: ["patient"],
    prepare: async (c) => {
      return (caller) => c.researchOptOutRegistry.connect(caller).setOptOut(c.patientId, true, 0, 0);
    },
  },
  // ClaimRegistry: the provider's and the insurer's claims officers, each on its own steps; the patient.
  {
    name: "ClaimRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async (c) => {
      const implementation = await new ClaimRegistryV2Mock__factory(c.stranger).deploy(
        c.memberRegistry,
        c.patientRegistry,
        c.consentRegistry,
        c.recordRegistry,
      );
      return (caller) => c.claimRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  {
    name: "submitClaim",
    allowed: ["claimsOfficer"],
    prepare: async (c) => {
      const submission = await claimConsentedBy(c);
      return (caller) => c.claimRegistry.connect(caller).submitClaim(submission);
    },
  },
  {
    name: "submitClaimWithAuthorization",
    allowed: ["claimsOfficer"],
    prepare: async (c) => {
      const submission = await claimSubmission(c);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
      const domain = {
        name: "medchain ClaimRegistry",
        version: "1",
        chainId: (await connection.ethers.provider.getNetwork()).chainId,
        verifyingContract: await c.claimRegistry.getAddress(),
      };
      const signature = await c.patient.signTypedData(domain, CLAIM_AUTHORIZATION_TYPES, {
        ...submission,
        provider: c.hospitalId,
        signer: c.patient.address,
        nonce: 0n,
        deadline,
      });
      const authorization = { signer: c.patient.address, nonce: 0n, deadline, signature };
      return (caller) => c.claimRegistry.connect(caller).submitClaimWithAuthorization(submission, authorization);
    },
  },
  {
    name: "startReview",
    allowed: ["insurerRegistrar"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c);
      return (caller) => c.claimRegistry.connect(caller).startReview(claimId);
    },
  },
  {
    name: "requestInformation",
    allowed: ["insurerRegistrar"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c, "review");
      return (caller) =>
        c.claimRegistry.connect(caller).requestInformation(claimId, ClaimReason.ItemisedReceiptNeeded, ZERO_HASH);
    },
  },
  {
    name: "provideInformation",
    allowed: ["claimsOfficer"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c, "information");
      return (caller) => c.claimRegistry.connect(caller).provideInformation(claimId, [], ZERO_HASH);
    },
  },
  {
    name: "approveClaim",
    allowed: ["insurerRegistrar"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c, "review");
      return (caller) => c.claimRegistry.connect(caller).approveClaim(claimId, 40_000n);
    },
  },
  {
    name: "denyClaim",
    allowed: ["insurerRegistrar"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c, "review");
      return (caller) => c.claimRegistry.connect(caller).denyClaim(claimId, ClaimReason.NotCovered);
    },
  },
  {
    name: "markPaid",
    allowed: ["insurerRegistrar"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c, "approved");
      return (caller) => c.claimRegistry.connect(caller).markPaid(claimId, `0x${"9a".repeat(32)}`);
    },
  },
  {
    name: "withdrawClaim",
    allowed: ["claimsOfficer"],
    prepare: async (c) => {
      const claimId = await submittedClaim(c);
      return (caller) => c.claimRegistry.connect(caller).withdrawClaim(claimId);
    },
  },
  {
    name: "invalidateClaimNonces",
    allowed: ["patient"],
    prepare: async ({ claimRegistry, patientId }) => {
      return (caller) => claimRegistry.connect(caller).invalidateClaimNonces(patientId, 3n);
    },
  },
  // StudyRegistry: researchers register, oversight decides, data stewards publish, the sponsor manages access.
  {
    name: "StudyRegistry.upgradeToAndCall",
    allowed: ["admin"],
    prepare: async ({ studyRegistry, memberRegistry, stranger }) => {
      const implementation = await new StudyRegistryV2Mock__factory(stranger).deploy(memberRegistry);
      return (caller) => studyRegistry.connect(caller).upgradeToAndCall(implementation, "0x");
    },
  },
  {
    name: "registerStudy",
    allowed: ["researcher"],
    prepare: async (c) => {
      const registration = await studyOf(c);
      return (caller) => c.studyRegistry.connect(caller).registerStudy(registration);
    },
  },
  {
    name: "approveStudy",
    allowed: ["oversight"],
    prepare: async (c) => {
      const studyId = await proposedStudy(c);
      return (caller) => c.studyRegistry.connect(caller).approveStudy(studyId);
    },
  },
  {
    name: "suspendStudy",
    allowed: ["oversight"],
    prepare: async (c) => {
      const studyId = await approvedStudy(c);
      return (caller) => c.studyRegistry.connect(caller).suspendStudy(studyId, 1);
    },
  },
  {
    name: "reinstateStudy",
    allowed: ["oversight"],
    prepare: async (c) => {
      const studyId = await approvedStudy(c);
      await c.studyRegistry.connect(c.oversight).suspendStudy(studyId, 1);
      return (caller) => c.studyRegistry.connect(caller).reinstateStudy(studyId);
    },
  },
  {
    name: "closeStudy",
    allowed: ["oversight"],
    prepare: async (c) => {
      const studyId = await approvedStudy(c);
      return (caller) => c.studyRegistry.connect(caller).closeStudy(studyId, 2);
    },
  },
  {
    name: "publishDataset",
    allowed: ["dataSteward"],
    prepare: async (c) => {
      const manifest = await manifestOf(c, await approvedStudy(c));
      return (caller) => c.studyRegistry.connect(caller).publishDataset(manifest);
    },
  },
  {
    name: "grantDatasetAccess",
    allowed: ["researcher", "hospitalAdmin"],
    prepare: async (c) => {
      const datasetId = await publishedDataset(c);
      return (caller) => c.studyRegistry.connect(caller).grantDatasetAccess(datasetId, c.researcher);
    },
  },
  {
    name: "revokeDatasetAccess",
    allowed: ["researcher", "hospitalAdmin"],
    prepare: async (c) => {
      const datasetId = await publishedDataset(c);
      await c.studyRegistry.connect(c.hospitalAdmin).grantDatasetAccess(datasetId, c.researcher);
      return (caller) => c.studyRegistry.connect(caller).revokeDatasetAccess(datasetId, c.researcher);
    },
  },
  {
    name: "logDatasetAccess",
    allowed: ["researcher"],
    prepare: async (c) => {
      const datasetId = await publishedDataset(c);
      await c.studyRegistry.connect(c.hospitalAdmin).grantDatasetAccess(datasetId, c.researcher);
      return (caller) => c.studyRegistry.connect(caller).logDatasetAccess(datasetId, `0x${"3c".repeat(32)}`);
    },
  },
  {
    name: "attestDestruction",
    allowed: ["researcher", "hospitalAdmin"],
    prepare: async (c) => {
      const datasetId = await publishedDataset(c);
      await c.studyRegistry.connect(c.oversight).closeStudy(await c.studyRegistry.studyCount(), 0);
      return (caller) => c.studyRegistry.connect(caller).attestDestruction(datasetId, `0x${"de".repeat(32)}`);
    },
  },
  // RecordRegistry: data stewards of active hospitals and clinics, on their own organisation's anchors.
  {
    name: "anchorRecord",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry }) => {
      return (caller) => recordRegistry.connect(caller).anchorRecord(recordAnchor(1));
    },
  },
  {
    name: "amendRecord",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry, dataSteward }) => {
      await recordRegistry.connect(dataSteward).anchorRecord(recordAnchor(1));
      return (caller) => recordRegistry.connect(caller).amendRecord(recordAnchor(1).contentHash, recordAnchor(2));
    },
  },
  {
    name: "retractRecord",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry, dataSteward }) => {
      await recordRegistry.connect(dataSteward).anchorRecord(recordAnchor(1));
      return (caller) =>
        recordRegistry.connect(caller).retractRecord(recordAnchor(1).contentHash, RetractionReason.EnteredInError);
    },
  },
  {
    name: "anchorBatch",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry }) => {
      const { tree } = twoRecordBatch();
      return (caller) => recordRegistry.connect(caller).anchorBatch(tree.root, 2, ZERO_HASH);
    },
  },
  {
    name: "amendBatchRecord",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry, dataSteward }) => {
      const { tree, first } = twoRecordBatch();
      await recordRegistry.connect(dataSteward).anchorBatch(tree.root, 2, ZERO_HASH);
      return (caller) =>
        recordRegistry.connect(caller).amendBatchRecord(tree.root, first, tree.getProof(0), recordAnchor(3));
    },
  },
  {
    name: "retractBatchRecord",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry, dataSteward }) => {
      const { tree, first } = twoRecordBatch();
      await recordRegistry.connect(dataSteward).anchorBatch(tree.root, 2, ZERO_HASH);
      return (caller) =>
        recordRegistry
          .connect(caller)
          .retractBatchRecord(tree.root, first, tree.getProof(0), RetractionReason.WrongPatient);
    },
  },
  {
    name: "retractBatch",
    allowed: ["dataSteward"],
    prepare: async ({ recordRegistry, dataSteward }) => {
      const { tree } = twoRecordBatch();
      await recordRegistry.connect(dataSteward).anchorBatch(tree.root, 2, ZERO_HASH);
      return (caller) => recordRegistry.connect(caller).retractBatch(tree.root, RetractionReason.IncompleteBatch);
    },
  },
];

const ZERO_HASH = `0x${"00".repeat(32)}`;

/** Record `n`: a made-up content hash and subject commitment (hashing rules have their own tests). */
function recordAnchor(n: number) {
  const word = (byte: number) => `0x${byte.toString(16).padStart(2, "0").repeat(32)}`;
  return { contentHash: word(n), category: RecordCategory.LabResult, subjectCommitment: word(0x80 + n) };
}

/** A batch of records 1 and 2 built by `@openzeppelin/merkle-tree` itself. */
function twoRecordBatch() {
  const first = recordAnchor(1);
  const second = recordAnchor(2);
  const tree = StandardMerkleTree.of(
    [first, second].map((r) => [r.contentHash, r.category, r.subjectCommitment]),
    ["bytes32", "uint8", "bytes32"],
  );
  // getProof(0) below proves the first value given to `of`.
  return { tree, first };
}

const CLAIM_AUTHORIZATION_TYPES = {
  ClaimAuthorization: [
    { name: "patientId", type: "uint64" },
    { name: "provider", type: "uint32" },
    { name: "insurer", type: "uint32" },
    { name: "claimHash", type: "bytes32" },
    { name: "claimedAmount", type: "uint128" },
    { name: "currency", type: "uint16" },
    { name: "serviceStart", type: "uint64" },
    { name: "serviceEnd", type: "uint64" },
    { name: "attachments", type: "bytes32[]" },
    { name: "signer", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/** A claim of the hospital for the fixture's patient to the insurer, with no attachments. */
async function claimSubmission(c: Consortium) {
  const now = BigInt(await networkHelpers.time.latest());
  return {
    patientId: c.patientId,
    insurer: c.insurerId,
    claimHash: `0x${"c1".repeat(32)}`,
    claimedAmount: 50_000n,
    currency: 901,
    serviceStart: now - 3n * BigInt(ONE_DAY),
    serviceEnd: now - BigInt(ONE_DAY),
    attachments: [],
  };
}

/** {@link claimSubmission}, after the patient granted the insurer claim documents for insurance claims. */
async function claimConsentedBy(c: Consortium) {
  const now = BigInt(await networkHelpers.time.latest());
  await c.consentRegistry.connect(c.patient).grant({
    patientId: c.patientId,
    grantee: c.insurerId,
    categories: categoryMask(RecordCategory.ClaimDocument),
    purposes: purposeMask(Purpose.InsuranceClaim),
    notBefore: now,
    expiresAt: now + BigInt(30 * ONE_DAY),
    consentFormHash: ZERO_HASH,
  });
  return claimSubmission(c);
}

/** Submits {@link claimConsentedBy} and takes it to the given stage; returns its id. */
async function submittedClaim(c: Consortium, stage: "submitted" | "review" | "information" | "approved" = "submitted") {
  const submission = await claimConsentedBy(c);
  await c.claimRegistry.connect(c.claimsOfficer).submitClaim(submission);
  const claimId = await c.claimRegistry.claimIdOf(c.hospitalId, submission.claimHash);
  const insurer = c.claimRegistry.connect(c.insurerRegistrar);
  if (stage !== "submitted") await insurer.startReview(claimId);
  if (stage === "information") await insurer.requestInformation(claimId, ClaimReason.MissingDocuments, ZERO_HASH);
  if (stage === "approved") await insurer.approveClaim(claimId, 50_000n);
  return claimId;
}

/** A study the fixture's hospital researcher may register (the hospital acting as an academic). */
async function studyOf(c: Consortium) {
  const now = BigInt(await networkHelpers.time.latest());
  return studyRegistration({
    protocolHash: `0x${"51".repeat(32)}`,
    ethicsApprovalHash: `0x${"52".repeat(32)}`,
    ethicsApprovalExpiresAt: now + BigInt(365 * ONE_DAY),
    purpose: Purpose.BiomedicalResearch,
    requesterClass: RequesterClass.Academic,
    dataUse: [DataUse.HMB, DataUse.IRB, DataUse.NPU],
    categories: categoryMask(RecordCategory.LabResult),
    termStart: now,
    termEnd: now + BigInt(180 * ONE_DAY),
    minimumK: 5,
    now,
  });
}

async function proposedStudy(c: Consortium): Promise<bigint> {
  await c.studyRegistry.connect(c.researcher).registerStudy(await studyOf(c));
  return c.studyRegistry.studyCount();
}

async function approvedStudy(c: Consortium): Promise<bigint> {
  const studyId = await proposedStudy(c);
  await c.studyRegistry.connect(c.oversight).approveStudy(studyId);
  return studyId;
}

async function manifestOf(c: Consortium, studyId: bigint) {
  await networkHelpers.mine();
  return datasetManifest({
    studyId,
    cohortRoot: `0x${"c0".repeat(32)}`,
    cohortSize: 120,
    method: DeidentificationMethod.KAnonymity,
    k: 5,
    methodDocumentHash: `0x${"d0".repeat(32)}`,
    optOutStateBlock: BigInt(await connection.ethers.provider.getBlockNumber()) - 1n,
    manifestHash: `0x${"e0".repeat(32)}`,
  });
}

async function publishedDataset(c: Consortium): Promise<bigint> {
  await c.studyRegistry.connect(c.dataSteward).publishDataset(await manifestOf(c, await approvedStudy(c)));
  return c.studyRegistry.datasetCount();
}

/** A 30-day treatment grant of medication and lab results from the fixture's patient to `grantee`. */
async function treatmentGrant(c: Consortium, grantee: bigint): Promise<GrantRequest> {
  const now = BigInt(await networkHelpers.time.latest());
  return {
    patientId: c.patientId,
    grantee,
    categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
    purposes: purposeMask(Purpose.Treatment),
    notBefore: now,
    expiresAt: now + BigInt(30 * ONE_DAY),
    consentFormHash: `0x${"00".repeat(32)}`,
  };
}

describe("Access control", function () {
  it("the deployer holds none of the consortium's roles", async function () {
    const { authority, deployer } = await networkHelpers.loadFixture(consortium);
    for (const role of Object.values(ConsortiumRole)) {
      const [isMember] = await authority.hasRole(role, deployer);
      expect(isMember, `role ${role}`).to.equal(false);
    }
  });

  for (const restricted of MATRIX) {
    describe(restricted.name, function () {
      async function prepared() {
        const c = await buildConsortium(connection);
        return { c, send: await restricted.prepare(c) };
      }

      for (const caller of CALLERS) {
        const allowed = restricted.allowed.includes(caller);
        it(`${restricted.name}: ${caller} ${allowed ? "may" : "may not"} call`, async function () {
          const { c, send } = await networkHelpers.loadFixture(prepared);
          if (allowed) {
            await expect(send(c[caller])).not.to.revert(connection.ethers);
          } else {
            await expect(send(c[caller])).to.revert(connection.ethers);
          }
        });
      }
    });
  }
});
