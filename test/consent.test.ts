import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import {
  concat,
  type ContractTransactionResponse,
  dataSlice,
  getAddress,
  keccak256,
  Signature,
  type Signer,
  toBeHex,
  toUtf8Bytes,
  type TypedDataDomain,
  TypedDataEncoder,
  Wallet,
  ZeroHash,
} from "ethers";
import { network } from "hardhat";

import { DEFAULT_BREAK_GLASS_DURATION_SECONDS } from "../ignition/modules/Consent.js";
import {
  ALL_CATEGORIES,
  ALL_PURPOSES,
  categoryMask,
  DeactivationReason,
  DelegateScope,
  Duty,
  dutyMask,
  EmergencyReason,
  MemberKind,
  MembershipReason,
  MemberStatus,
  Purpose,
  purposeMask,
  RecordCategory,
} from "../sdk/codes.js";
import {
  CONSENT_DOMAIN_NAME,
  CONSENT_DOMAIN_VERSION,
  consentDomain,
  type DelegatedRequest,
  delegatedRequest,
  GRANT_TYPES,
  grantDigest,
  grantRequest,
  type GrantRequest,
  REVOKE_TYPES,
  revokeDigest,
  type RevokeRequest,
  signGrant,
  signRevoke,
} from "../sdk/consent.js";
import { MockERC1271Wallet__factory } from "../typechain-types/index.js";
import { buildConsortium, type Consortium, testCommitment } from "./helpers/fixtures.js";
import { spareAccount } from "./helpers/state.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;

const ONE_MINUTE = 60n;
const ONE_HOUR = 60n * ONE_MINUTE;
const ONE_DAY = 24n * ONE_HOUR;
const UNKNOWN_PATIENT_ID = 99n;
const UNKNOWN_MEMBER_ID = 99n;
const DEFAULT_BREAK_GLASS_DURATION = BigInt(DEFAULT_BREAK_GLASS_DURATION_SECONDS);
const MIN_BREAK_GLASS_DURATION = 15n * ONE_MINUTE;
const MAX_BREAK_GLASS_DURATION = 72n * ONE_HOUR;
/** Order of the secp256k1 group: `s` and `n - s` both verify, only the low one is canonical. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** ERC-1967 slot holding a proxy's implementation address. */
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3c735a920a3ca505d382bb";
/** keccak256 of the consent form the patient signed at the hospital's front desk. */
const CONSENT_FORM = keccak256(toUtf8Bytes("consent form: outpatient, lab results and medication, v1"));
/** A salted reference to the record an operator read. */
const RECORD_REF = keccak256(toUtf8Bytes("salt:lab-result:42"));
const EVERY_CATEGORY = Object.values(RecordCategory);
const EVERY_PURPOSE = Object.values(Purpose);

/** The consortium of the fixtures, with the consent domain and the patient's delegates. */
interface ConsentConsortium extends Consortium {
  /** The EIP-712 domain of this chain's ConsentRegistry proxy. */
  domain: TypedDataDomain;
  /** Holds a year's mandate for patient 1 that covers consent. */
  consentDelegate: HardhatEthersSigner;
  /** Holds a year's mandate for patient 1 for claims and viewing, but not consent. */
  claimsDelegate: HardhatEthersSigner;
}

/** The patient's first grant to the hospital in the fixtures and the tests. */
const HOSPITAL_CATEGORIES = categoryMask(
  RecordCategory.Outpatient,
  RecordCategory.LabResult,
  RecordCategory.Medication,
);
const HOSPITAL_PURPOSES = purposeMask(Purpose.Treatment, Purpose.CareCoordination);

async function consentConsortium(): Promise<ConsentConsortium> {
  const c = await buildConsortium(connection);
  const consentDelegate = spareAccount(c, 0);
  const claimsDelegate = spareAccount(c, 1);
  const inAYear = BigInt(await time.latest()) + 365n * ONE_DAY;
  const asPatient = c.patientRegistry.connect(c.patient);
  await asPatient.appointDelegate(c.patientId, consentDelegate, DelegateScope.Consent | DelegateScope.View, inAYear);
  await asPatient.appointDelegate(c.patientId, claimsDelegate, DelegateScope.Claims | DelegateScope.View, inAYear);
  const { chainId } = await connection.ethers.provider.getNetwork();
  const domain = consentDomain({ chainId, verifyingContract: await c.consentRegistry.getAddress() });
  return { ...c, domain, consentDelegate, claimsDelegate };
}

/** The consortium after the patient granted the hospital {@link hospitalGrantRequest} directly. */
async function withHospitalGrant(): Promise<ConsentConsortium & { granted: GrantRequest }> {
  const c = await consentConsortium();
  const granted = await hospitalGrantRequest(c);
  await c.consentRegistry.connect(c.patient).grant(granted);
  return { ...c, granted };
}

/** Outpatient, lab results and medication for treatment and care coordination, for 30 days from now, with a form. */
async function hospitalGrantRequest(c: ConsentConsortium): Promise<GrantRequest> {
  return grantRequest({
    patientId: c.patientId,
    grantee: c.hospitalId,
    categories: HOSPITAL_CATEGORIES,
    purposes: HOSPITAL_PURPOSES,
    now: BigInt(await time.latest()),
    durationSeconds: 30n * ONE_DAY,
    consentFormHash: CONSENT_FORM,
  });
}

/** A grant request as the tests write it, unchecked (the SDK's `grantRequest` would refuse bad inputs). */
function rawGrantRequest(c: ConsentConsortium, now: bigint, fields: Partial<GrantRequest> = {}): GrantRequest {
  return {
    patientId: c.patientId,
    grantee: c.hospitalId,
    categories: HOSPITAL_CATEGORIES,
    purposes: HOSPITAL_PURPOSES,
    notBefore: now,
    expiresAt: now + 30n * ONE_DAY,
    consentFormHash: CONSENT_FORM,
    ...fields,
  };
}

function hospitalRevokeRequest(c: ConsentConsortium): RevokeRequest {
  return { patientId: c.patientId, grantee: c.hospitalId };
}

/** A signature deadline an hour from the latest block. */
async function signatureDeadline(): Promise<bigint> {
  return BigInt(await time.latest()) + ONE_HOUR;
}

/** Sets the next block's timestamp a little after the latest one and returns it. */
async function nextBlockTime(): Promise<bigint> {
  const next = BigInt(await time.latest()) + 10n;
  await time.setNextBlockTimestamp(next);
  return next;
}

/** A grant as `getGrant` returns it, as a plain object. */
interface GrantState {
  categories: bigint;
  purposes: bigint;
  notBefore: bigint;
  expiresAt: bigint;
  revokedAt: bigint;
  grantedByDelegate: boolean;
  hasConsentForm: boolean;
}

/** What `readGrant` returns for a pair that was never granted. */
const NO_GRANT: Readonly<GrantState> = {
  categories: 0n,
  purposes: 0n,
  notBefore: 0n,
  expiresAt: 0n,
  revokedAt: 0n,
  grantedByDelegate: false,
  hasConsentForm: false,
};

/** What a stored grant made from `request` looks like. */
function storedGrant(request: GrantRequest, grantedByDelegate: boolean, revokedAt = 0n): GrantState {
  return {
    categories: BigInt(request.categories),
    purposes: BigInt(request.purposes),
    notBefore: request.notBefore,
    expiresAt: request.expiresAt,
    revokedAt,
    grantedByDelegate,
    hasConsentForm: request.consentFormHash !== ZeroHash,
  };
}

async function readGrant(c: ConsentConsortium, patientId: bigint, grantee: bigint): Promise<GrantState> {
  const g = await c.consentRegistry.getGrant(patientId, grantee);
  return {
    categories: g.categories,
    purposes: g.purposes,
    notBefore: g.notBefore,
    expiresAt: g.expiresAt,
    revokedAt: g.revokedAt,
    grantedByDelegate: g.grantedByDelegate,
    hasConsentForm: g.hasConsentForm,
  };
}

/** An emergency access as `getBreakGlass` returns it, as a plain object. */
interface BreakGlassState {
  endsAt: bigint;
  reason: bigint;
  openedBy: string;
}

async function readBreakGlass(c: ConsentConsortium, patientId: bigint, memberId: bigint): Promise<BreakGlassState> {
  const b = await c.consentRegistry.getBreakGlass(patientId, memberId);
  return { endsAt: b.endsAt, reason: b.reason, openedBy: b.openedBy };
}

async function readBreakGlassRecord(c: ConsentConsortium, memberId: bigint) {
  const [openedCount, allowed] = await c.consentRegistry.breakGlassRecord(memberId);
  return { openedCount, allowed };
}

/**
 * Everything the consent registry stores that a test can reach: every grant, consent form and emergency
 * access of every patient (and an unknown one) for every organisation (and an unknown one), every nonce,
 * every organisation's break-glass record and the break-glass duration.
 */
async function consentState(c: ConsentConsortium) {
  const registry = c.consentRegistry;
  const patientCount = await c.patientRegistry.patientCount();
  const memberCount = await c.memberRegistry.memberCount();
  const patientIds = [...Array.from({ length: Number(patientCount) + 2 }, (_, i) => BigInt(i)), UNKNOWN_PATIENT_ID];
  const memberIds = [...Array.from({ length: Number(memberCount) + 2 }, (_, i) => BigInt(i)), UNKNOWN_MEMBER_ID];
  const pairs = patientIds.flatMap((patientId) => memberIds.map((memberId) => [patientId, memberId] as const));
  const [grants, consentForms, breakGlass, nonces, breakGlassRecords, breakGlassDuration] = await Promise.all([
    Promise.all(pairs.map(([patientId, memberId]) => readGrant(c, patientId, memberId))),
    Promise.all(pairs.map(([patientId, memberId]) => registry.getConsentFormHash(patientId, memberId))),
    Promise.all(pairs.map(([patientId, memberId]) => readBreakGlass(c, patientId, memberId))),
    Promise.all(patientIds.map((patientId) => registry.nonces(patientId))),
    Promise.all(memberIds.map((memberId) => readBreakGlassRecord(c, memberId))),
    registry.breakGlassDuration(),
  ]);
  return { grants, consentForms, breakGlass, nonces, breakGlassRecords, breakGlassDuration };
}

/** Runs a refusal (an awaited revert assertion) and checks that it left the consent registry exactly as it was. */
async function refusedWithoutChange(c: ConsentConsortium, refusal: () => PromiseLike<unknown>): Promise<void> {
  const before = await consentState(c);
  await refusal();
  expect(await consentState(c)).to.deep.equal(before);
}

/** `signature` with `s` replaced by `n - s` and `v` flipped: the same signer, but a malleable (high-s) encoding. */
function highSTwin(signature: string): string {
  const { r, s, v } = Signature.from(signature);
  return concat([r, toBeHex(SECP256K1_N - BigInt(s), 32), toBeHex(v === 27 ? 28 : 27, 1)]);
}

/** How a patient-side consent action reaches the chain. */
interface ConsentPath {
  /** For test titles. */
  name: string;
  /** Signature nonces a successful grant or revocation consumes. */
  noncesUsed: bigint;
  /** The path's `grant` and `revoke` on consortium `c`, by `actor` (the patient or a delegate). */
  on(c: ConsentConsortium): {
    grant(actor: HardhatEthersSigner, request: GrantRequest): Promise<ContractTransactionResponse>;
    revoke(actor: HardhatEthersSigner, request: RevokeRequest): Promise<ContractTransactionResponse>;
  };
}

/** The actor sends `grant` / `revoke` itself. */
const direct: ConsentPath = {
  name: "sent by the actor",
  // A direct grant or revocation moves the nonce on too, voiding outstanding signatures.
  noncesUsed: 1n,
  on: (c) => ({
    grant: (actor, request) => c.consentRegistry.connect(actor).grant(request),
    revoke: (actor, request) => c.consentRegistry.connect(actor).revoke(request),
  }),
};

/** The actor signs with the SDK; a stranger relays with `grantBySig` / `revokeBySig` (anyone may relay). */
const bySig: ConsentPath = {
  name: "signed by the actor and relayed by a stranger",
  noncesUsed: 1n,
  on: (c) => ({
    grant: async (actor, request) => {
      const nonce = await c.consentRegistry.nonces(request.patientId);
      const signed = await signGrant(actor, c.domain, request, nonce, await signatureDeadline());
      return c.consentRegistry.connect(c.stranger).grantBySig(signed);
    },
    revoke: async (actor, request) => {
      const nonce = await c.consentRegistry.nonces(request.patientId);
      const signed = await signRevoke(actor, c.domain, request, nonce, await signatureDeadline());
      return c.consentRegistry.connect(c.stranger).revokeBySig(signed);
    },
  }),
};

/** A custom error of the ConsentRegistry and its exact arguments. */
type ExpectedError = readonly [name: string, ...args: unknown[]];

interface GrantRefusal {
  title: string;
  /** Brings the consortium into the state the refusal needs. */
  arrange?: (c: ConsentConsortium) => Promise<unknown>;
  /** Who grants; the patient unless given. */
  actor?: (c: ConsentConsortium) => HardhatEthersSigner;
  /** The request, given the refused transaction's block time; a valid grant to the hospital unless given. */
  request?: (c: ConsentConsortium, now: bigint) => GrantRequest;
  error: (c: ConsentConsortium, request: GrantRequest, now: bigint) => ExpectedError;
}

/** The account that held a consent mandate for an hour, after {@link lapseConsentMandate}. */
const lapsedDelegate = (c: ConsentConsortium): HardhatEthersSigner => spareAccount(c, 2);

/** The patient appoints {@link lapsedDelegate} for consent for an hour; the hour passes. */
async function lapseConsentMandate(c: ConsentConsortium): Promise<void> {
  const expiresAt = BigInt(await time.latest()) + ONE_HOUR;
  await c.patientRegistry
    .connect(c.patient)
    .appointDelegate(c.patientId, lapsedDelegate(c), DelegateScope.Consent, expiresAt);
  await time.increaseTo(expiresAt);
}

/** A refusal of `actor`, who may not act on patient 1's consent (after `arrange`, if given). */
function unauthorizedActor(
  title: string,
  actor: (c: ConsentConsortium) => HardhatEthersSigner,
  arrange?: (c: ConsentConsortium) => Promise<unknown>,
) {
  return {
    title,
    actor,
    ...(arrange === undefined ? {} : { arrange }),
    error: (c: ConsentConsortium): ExpectedError => ["ConsentRegistryUnauthorizedActor", c.patientId, actor(c).address],
  };
}

/** Accounts that may not act on patient 1's consent: refused alike when they grant and when they revoke. */
const UNAUTHORIZED_ACTORS = [
  unauthorizedActor("by a stranger", (c) => c.stranger),
  unauthorizedActor("by another patient", (c) => c.otherPatient),
  unauthorizedActor("by a clinician of the organisation concerned", (c) => c.clinician),
  unauthorizedActor("by a delegate whose mandate does not cover consent", (c) => c.claimsDelegate),
  unauthorizedActor("by a consent delegate whose mandate has expired", lapsedDelegate, lapseConsentMandate),
  unauthorizedActor(
    "by a consent delegate whose mandate the patient revoked",
    (c) => c.consentDelegate,
    (c) => c.patientRegistry.connect(c.patient).revokeDelegate(c.patientId, c.consentDelegate),
  ),
];

const GRANT_REFUSALS: readonly GrantRefusal[] = [
  {
    title: "with an empty category set",
    request: (c, now) => rawGrantRequest(c, now, { categories: 0 }),
    error: () => ["ConsentRegistryInvalidCategories", 0],
  },
  {
    title: "with a category bit that names no RecordCategory (1 << 14)",
    request: (c, now) => rawGrantRequest(c, now, { categories: 1 << 14 }),
    error: () => ["ConsentRegistryInvalidCategories", 1 << 14],
  },
  {
    title: "with defined categories plus an undefined one",
    request: (c, now) => rawGrantRequest(c, now, { categories: ALL_CATEGORIES | (1 << 20) }),
    error: () => ["ConsentRegistryInvalidCategories", ALL_CATEGORIES | (1 << 20)],
  },
  {
    title: "with an empty purpose set",
    request: (c, now) => rawGrantRequest(c, now, { purposes: 0 }),
    error: () => ["ConsentRegistryInvalidPurposes", 0],
  },
  {
    title: "with a purpose bit that names no Purpose (1 << 11)",
    request: (c, now) => rawGrantRequest(c, now, { purposes: 1 << 11 }),
    error: () => ["ConsentRegistryInvalidPurposes", 1 << 11],
  },
  {
    title: "with defined purposes plus an undefined one",
    request: (c, now) => rawGrantRequest(c, now, { purposes: ALL_PURPOSES | (1 << 15) }),
    error: () => ["ConsentRegistryInvalidPurposes", ALL_PURPOSES | (1 << 15)],
  },
  {
    title: "whose window ends when it starts",
    request: (c, now) => rawGrantRequest(c, now, { notBefore: now + ONE_DAY, expiresAt: now + ONE_DAY }),
    error: (_, request) => ["ConsentRegistryInvalidWindow", request.notBefore, request.expiresAt],
  },
  {
    title: "whose window ends before it starts",
    request: (c, now) => rawGrantRequest(c, now, { notBefore: now + 2n * ONE_DAY, expiresAt: now + ONE_DAY }),
    error: (_, request) => ["ConsentRegistryInvalidWindow", request.notBefore, request.expiresAt],
  },
  {
    title: "that expires at the block's time",
    request: (c, now) => rawGrantRequest(c, now, { notBefore: now - ONE_DAY, expiresAt: now }),
    error: (_, request, now) => ["ConsentRegistryExpiryInPast", request.expiresAt, now],
  },
  {
    title: "that expired before the block",
    request: (c, now) => rawGrantRequest(c, now, { notBefore: now - ONE_DAY, expiresAt: now - 1n }),
    error: (_, request, now) => ["ConsentRegistryExpiryInPast", request.expiresAt, now],
  },
  {
    title: "to an unknown organisation",
    request: (c, now) => rawGrantRequest(c, now, { grantee: UNKNOWN_MEMBER_ID }),
    error: () => ["ConsentRegistryGranteeNotActive", UNKNOWN_MEMBER_ID, MemberStatus.None],
  },
  {
    title: "to member id 0",
    request: (c, now) => rawGrantRequest(c, now, { grantee: 0n }),
    error: () => ["ConsentRegistryGranteeNotActive", 0n, MemberStatus.None],
  },
  {
    title: "to a suspended organisation",
    arrange: (c) => c.memberRegistry.connect(c.guardian).suspendMember(c.insurerId, MembershipReason.LicenceLapsed),
    request: (c, now) => rawGrantRequest(c, now, { grantee: c.insurerId }),
    error: (c) => ["ConsentRegistryGranteeNotActive", c.insurerId, MemberStatus.Suspended],
  },
  {
    title: "to a removed organisation",
    arrange: (c) => c.memberRegistry.connect(c.council).removeMember(c.insurerId, MembershipReason.VoluntaryExit),
    request: (c, now) => rawGrantRequest(c, now, { grantee: c.insurerId }),
    error: (c) => ["ConsentRegistryGranteeNotActive", c.insurerId, MemberStatus.Removed],
  },
  {
    title: "for an unknown patient",
    request: (c, now) => rawGrantRequest(c, now, { patientId: UNKNOWN_PATIENT_ID }),
    error: () => ["ConsentRegistryPatientNotActive", UNKNOWN_PATIENT_ID],
  },
  {
    title: "for a deactivated patient, by the patient's account",
    arrange: (c) => c.patientRegistry.connect(c.registrar).deactivatePatient(c.patientId, DeactivationReason.Deceased),
    error: (c) => ["ConsentRegistryPatientNotActive", c.patientId],
  },
  {
    title: "for a deactivated patient, by a consent delegate",
    arrange: (c) => c.patientRegistry.connect(c.registrar).deactivatePatient(c.patientId, DeactivationReason.Deceased),
    actor: (c) => c.consentDelegate,
    error: (c) => ["ConsentRegistryPatientNotActive", c.patientId],
  },
  ...UNAUTHORIZED_ACTORS,
];

interface RevokeRefusal {
  title: string;
  /** Brings the consortium (where the patient has granted the hospital) into the state the refusal needs. */
  arrange?: (c: ConsentConsortium, path: ReturnType<ConsentPath["on"]>) => Promise<unknown>;
  /** Who revokes; the patient unless given. */
  actor?: (c: ConsentConsortium) => HardhatEthersSigner;
  /** The request; the hospital's grant unless given. */
  request?: (c: ConsentConsortium) => RevokeRequest;
  error: (c: ConsentConsortium) => ExpectedError;
}

const REVOKE_REFUSALS: readonly RevokeRefusal[] = [
  {
    title: "of a grant never made",
    request: (c) => ({ patientId: c.patientId, grantee: c.insurerId }),
    error: (c) => ["ConsentRegistryNoActiveGrant", c.patientId, c.insurerId],
  },
  {
    title: "of another patient's grant that was never made",
    actor: (c) => c.otherPatient,
    request: (c) => ({ patientId: c.otherPatientId, grantee: c.hospitalId }),
    error: (c) => ["ConsentRegistryNoActiveGrant", c.otherPatientId, c.hospitalId],
  },
  {
    title: "of a grant already revoked (through the same path)",
    arrange: (c, path) => path.revoke(c.patient, hospitalRevokeRequest(c)),
    error: (c) => ["ConsentRegistryNoActiveGrant", c.patientId, c.hospitalId],
  },
  {
    title: "for an unknown patient",
    request: (c) => ({ patientId: UNKNOWN_PATIENT_ID, grantee: c.hospitalId }),
    error: () => ["ConsentRegistryPatientNotActive", UNKNOWN_PATIENT_ID],
  },
  {
    title: "for a deactivated patient",
    arrange: (c) => c.patientRegistry.connect(c.registrar).deactivatePatient(c.patientId, DeactivationReason.Withdrawn),
    error: (c) => ["ConsentRegistryPatientNotActive", c.patientId],
  },
  ...UNAUTHORIZED_ACTORS,
];

/** A relayed, signed action (`grantBySig` or `revokeBySig`) for the signature checks both share. */
interface SignedAction<RequestT> {
  method: "grantBySig" | "revokeBySig";
  /** What a relayed request does when it is accepted. */
  event: "ConsentGranted" | "ConsentRevoked";
  /** A consortium in which the patient's signed request succeeds. */
  fixture: () => Promise<ConsentConsortium>;
  request(c: ConsentConsortium): Promise<RequestT>;
  sign(
    signer: Signer,
    domain: TypedDataDomain,
    request: RequestT,
    nonce: bigint,
    deadline: bigint,
  ): Promise<DelegatedRequest<RequestT>>;
  relay(c: ConsentConsortium, signed: DelegatedRequest<RequestT>): Promise<ContractTransactionResponse>;
  /** The request with one field changed (as a relayer might, after the patient signed). */
  altered(c: ConsentConsortium, request: RequestT): RequestT;
}

const signedGrant: SignedAction<GrantRequest> = {
  method: "grantBySig",
  event: "ConsentGranted",
  fixture: consentConsortium,
  request: hospitalGrantRequest,
  sign: signGrant,
  relay: (c, signed) => c.consentRegistry.connect(c.stranger).grantBySig(signed),
  altered: (_, request) => ({
    ...request,
    categories: request.categories | categoryMask(RecordCategory.AdvanceDirective),
  }),
};

const signedRevoke: SignedAction<RevokeRequest> = {
  method: "revokeBySig",
  event: "ConsentRevoked",
  fixture: withHospitalGrant,
  request: async (c) => hospitalRevokeRequest(c),
  sign: signRevoke,
  relay: (c, signed) => c.consentRegistry.connect(c.stranger).revokeBySig(signed),
  altered: (c, request) => ({ ...request, grantee: c.insurerId }),
};

/** The refusals only a signed, relayed request can meet, for `action`. */
function describeSignatureChecks<RequestT>(action: SignedAction<RequestT>): void {
  /** `signer`'s signature over the action's request, with the patient's current nonce unless told otherwise. */
  async function signedBy(
    c: ConsentConsortium,
    signer: Signer,
    options: { domain?: TypedDataDomain; nonce?: bigint; deadline?: bigint } = {},
  ): Promise<DelegatedRequest<RequestT>> {
    const nonce = options.nonce ?? (await c.consentRegistry.nonces(c.patientId));
    const deadline = options.deadline ?? (await signatureDeadline());
    return action.sign(signer, options.domain ?? c.domain, await action.request(c), nonce, deadline);
  }

  describe(`${action.method} signature checks`, function () {
    it("accepts a signature until its deadline, inclusive", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.patient);
      await time.setNextBlockTimestamp(signed.deadline);
      await expect(action.relay(c, signed)).to.emit(c.consentRegistry, action.event);
      expect(await c.consentRegistry.nonces(c.patientId)).to.equal(signed.nonce + 1n);
    });

    it("refuses a signature after its deadline", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.patient);
      await time.setNextBlockTimestamp(signed.deadline + 1n);
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryExpiredSignature")
          .withArgs(signed.deadline, signed.deadline + 1n),
      );
    });

    it("refuses a replayed signature: the first relay used its nonce", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.patient);
      await action.relay(c, signed);
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidNonce")
          .withArgs(c.patientId, signed.nonce + 1n, signed.nonce),
      );
    });

    it("refuses a signature whose nonce the patient cancelled with invalidateNonces", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.patient);
      const cancelledUpTo = signed.nonce + 1n;
      await expect(c.consentRegistry.connect(c.patient).invalidateNonces(c.patientId, cancelledUpTo))
        .to.emit(c.consentRegistry, "NoncesInvalidated")
        .withArgs(c.patientId, c.patient.address, cancelledUpTo);
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidNonce")
          .withArgs(c.patientId, cancelledUpTo, signed.nonce),
      );
    });

    it("refuses a signature made ahead with a future nonce", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const current = await c.consentRegistry.nonces(c.patientId);
      const signed = await signedBy(c, c.patient, { nonce: current + 1n });
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidNonce")
          .withArgs(c.patientId, current, current + 1n),
      );
    });

    it("refuses a signature made for another chain", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const otherChain = { ...c.domain, chainId: BigInt(c.domain.chainId ?? 0n) + 1n };
      const signed = await signedBy(c, c.patient, { domain: otherChain });
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(c.patient.address),
      );
    });

    it("refuses a signature made for another contract", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const otherContract = { ...c.domain, verifyingContract: await c.patientRegistry.getAddress() };
      const signed = await signedBy(c, c.patient, { domain: otherContract });
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(c.patient.address),
      );
    });

    it("refuses another key's signature presented in the patient's name", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const forged = { ...(await signedBy(c, c.stranger)), signer: c.patient.address };
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, forged))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(c.patient.address),
      );
    });

    it("refuses a valid signature by someone who may not act for the patient", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.stranger);
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, signed))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryUnauthorizedActor")
          .withArgs(c.patientId, c.stranger.address),
      );
    });

    it("refuses a request altered after it was signed", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.patient);
      const altered = { ...signed, request: action.altered(c, signed.request) };
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, altered))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(c.patient.address),
      );
    });

    it("refuses the malleable high-s twin of a valid signature, which still works afterwards", async function () {
      const c = await networkHelpers.loadFixture(action.fixture);
      const signed = await signedBy(c, c.patient);
      const twin = { ...signed, signature: highSTwin(signed.signature) };
      expect(twin.signature).to.not.equal(signed.signature);
      await refusedWithoutChange(c, () =>
        expect(action.relay(c, twin))
          .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(c.patient.address),
      );
      await expect(action.relay(c, signed)).to.emit(c.consentRegistry, action.event);
    });
  });
}

/** The consortium with a patient (id 3) whose account is a smart wallet answering for `walletOwner`'s key. */
async function withSmartWalletPatient() {
  const c = await consentConsortium();
  const walletOwner = new Wallet(keccak256(toUtf8Bytes("medchain tests: smart-wallet owner key")));
  const wallet = await new MockERC1271Wallet__factory(c.stranger).deploy(walletOwner.address);
  const walletAddress = await wallet.getAddress();
  await c.patientRegistry.connect(c.registrar).registerPatient(walletAddress, testCommitment(3));
  return { ...c, walletOwner, walletAddress, walletPatientId: 3n };
}

/** The consortium with a second clinician at the hospital and a clinician at the clinic. */
async function withMoreClinicians(): Promise<
  ConsentConsortium & { colleague: HardhatEthersSigner; clinicClinician: HardhatEthersSigner }
> {
  const c = await consentConsortium();
  const colleague = spareAccount(c, 3);
  const clinicClinician = spareAccount(c, 4);
  await c.memberRegistry.connect(c.hospitalAdmin).addOperator(colleague, c.hospitalId, dutyMask(Duty.Clinician));
  await c.memberRegistry.connect(c.council).addOperator(clinicClinician, c.clinicId, dutyMask(Duty.Clinician));
  return { ...c, colleague, clinicClinician };
}

/** {@link withMoreClinicians} after the hospital's clinician opened emergency access to patient 1 (no grant). */
async function withOpenBreakGlass() {
  const c = await withMoreClinicians();
  const openedAt = await nextBlockTime();
  await c.consentRegistry.connect(c.clinician).openBreakGlass(c.patientId, EmergencyReason.Unconscious);
  return { ...c, openedAt, endsAt: openedAt + DEFAULT_BREAK_GLASS_DURATION };
}

/** {@link withHospitalGrant} after the hospital's clinician also opened emergency access to patient 1. */
async function withGrantAndOpenBreakGlass() {
  const c = await withHospitalGrant();
  await c.consentRegistry.connect(c.clinician).openBreakGlass(c.patientId, EmergencyReason.LifeThreatening);
  return c;
}

/** Logs `operator`'s access to patient 1's `category` records for `purpose` and expects the hospital's log entry. */
async function expectLogged(
  c: ConsentConsortium,
  operator: HardhatEthersSigner,
  category: RecordCategory,
  purpose: Purpose,
  underBreakGlass: boolean,
): Promise<void> {
  await expect(c.consentRegistry.connect(operator).logAccess(c.patientId, category, purpose, RECORD_REF))
    .to.emit(c.consentRegistry, "AccessLogged")
    .withArgs(c.patientId, c.hospitalId, operator.address, category, purpose, RECORD_REF, underBreakGlass);
}

/** How many accesses the registry has logged. */
async function accessLogCount(c: ConsentConsortium): Promise<number> {
  return (await c.consentRegistry.queryFilter(c.consentRegistry.filters.AccessLogged())).length;
}

/** Whether organisation `memberId` may access every category for every purpose, as a `category:purpose` map. */
async function authorizationMatrix(c: ConsentConsortium, patientId: bigint, memberId: bigint) {
  const entries = await Promise.all(
    EVERY_CATEGORY.flatMap((category) =>
      EVERY_PURPOSE.map(
        async (purpose) =>
          [
            `${category}:${purpose}`,
            await c.consentRegistry.isAuthorized(patientId, memberId, category, purpose),
          ] as const,
      ),
    ),
  );
  return Object.fromEntries(entries);
}

/** The map {@link authorizationMatrix} returns when exactly `categories` × `purposes` are authorised. */
function expectedMatrix(categories: readonly number[], purposes: readonly number[]) {
  return Object.fromEntries(
    EVERY_CATEGORY.flatMap((category) =>
      EVERY_PURPOSE.map(
        (purpose) => [`${category}:${purpose}`, categories.includes(category) && purposes.includes(purpose)] as const,
      ),
    ),
  );
}

describe("ConsentRegistry", function () {
  for (const path of [direct, bySig]) {
    describe(`grant and revoke, ${path.name}`, function () {
      it("lets the patient grant an organisation access, storing the grant and its consent form", async function () {
        const c = await networkHelpers.loadFixture(consentConsortium);
        const { consentRegistry, patient, patientId, hospitalId } = c;
        const request = await hospitalGrantRequest(c);
        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(NO_GRANT);

        await expect(path.on(c).grant(patient, request))
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patientId,
            hospitalId,
            patient.address,
            HOSPITAL_CATEGORIES,
            HOSPITAL_PURPOSES,
            request.notBefore,
            request.expiresAt,
            CONSENT_FORM,
          );

        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(storedGrant(request, false));
        expect(await consentRegistry.getConsentFormHash(patientId, hospitalId)).to.equal(CONSENT_FORM);
        expect(await consentRegistry.nonces(patientId)).to.equal(path.noncesUsed);
        expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment))
          .to.be.true;
      });

      it("lets a consent delegate grant for the patient, marking the grant as the delegate's", async function () {
        const c = await networkHelpers.loadFixture(consentConsortium);
        const { consentRegistry, consentDelegate, patientId, insurerId } = c;
        const request = grantRequest({
          patientId,
          grantee: insurerId,
          categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary),
          purposes: purposeMask(Purpose.InsuranceClaim),
          now: BigInt(await time.latest()),
          durationSeconds: 90n * ONE_DAY,
        });

        await expect(path.on(c).grant(consentDelegate, request))
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patientId,
            insurerId,
            consentDelegate.address,
            request.categories,
            request.purposes,
            request.notBefore,
            request.expiresAt,
            ZeroHash,
          );

        expect(await readGrant(c, patientId, insurerId)).to.deep.equal(storedGrant(request, true));
        expect(await consentRegistry.getConsentFormHash(patientId, insurerId)).to.equal(ZeroHash);
        expect(await consentRegistry.nonces(patientId)).to.equal(path.noncesUsed);
      });

      it("replaces an earlier grant to the same organisation, clearing its consent form when the new one has none", async function () {
        const c = await networkHelpers.loadFixture(withHospitalGrant);
        const { consentRegistry, consentDelegate, patientId, hospitalId } = c;
        const now = BigInt(await time.latest());
        const replacement = grantRequest({
          patientId,
          grantee: hospitalId,
          categories: categoryMask(RecordCategory.Allergy),
          purposes: purposeMask(Purpose.Research),
          now,
          notBefore: now + ONE_DAY,
          durationSeconds: 7n * ONE_DAY,
        });

        await expect(path.on(c).grant(consentDelegate, replacement))
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patientId,
            hospitalId,
            consentDelegate.address,
            replacement.categories,
            replacement.purposes,
            replacement.notBefore,
            replacement.expiresAt,
            ZeroHash,
          );

        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(storedGrant(replacement, true));
        expect(await consentRegistry.getConsentFormHash(patientId, hospitalId)).to.equal(ZeroHash);
        // The old grant covered lab results for treatment now; the new one covers allergies for research from tomorrow.
        expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment))
          .to.be.false;
        await time.increaseTo(replacement.notBefore);
        expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Allergy, Purpose.Research)).to
          .be.true;
      });

      it("replaces a consent form with the new grant's and marks a patient's own grant as not a delegate's", async function () {
        const c = await networkHelpers.loadFixture(consentConsortium);
        const { consentRegistry, patient, consentDelegate, patientId, hospitalId } = c;
        const first = await hospitalGrantRequest(c);
        await path.on(c).grant(consentDelegate, first);
        const renewedForm = keccak256(toUtf8Bytes("consent form: renewal, v2"));
        const renewal = { ...(await hospitalGrantRequest(c)), consentFormHash: renewedForm };

        await expect(path.on(c).grant(patient, renewal))
          .to.emit(consentRegistry, "ConsentGranted")
          .withArgs(
            patientId,
            hospitalId,
            patient.address,
            renewal.categories,
            renewal.purposes,
            renewal.notBefore,
            renewal.expiresAt,
            renewedForm,
          );
        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(storedGrant(renewal, false));
        expect(await consentRegistry.getConsentFormHash(patientId, hospitalId)).to.equal(renewedForm);
        expect(await consentRegistry.nonces(patientId)).to.equal(2n * path.noncesUsed);
      });

      it("lets the patient revoke a grant, which stops authorising at once", async function () {
        const c = await networkHelpers.loadFixture(withHospitalGrant);
        const { consentRegistry, patient, patientId, hospitalId, granted } = c;
        const nonceBefore = await consentRegistry.nonces(patientId);

        await expect(path.on(c).revoke(patient, hospitalRevokeRequest(c)))
          .to.emit(consentRegistry, "ConsentRevoked")
          .withArgs(patientId, hospitalId, patient.address);

        const revokedAt = BigInt(await time.latest());
        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(storedGrant(granted, false, revokedAt));
        expect(await consentRegistry.nonces(patientId)).to.equal(nonceBefore + path.noncesUsed);
        expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment))
          .to.be.false;
      });

      it("lets a consent delegate revoke the patient's grant", async function () {
        const c = await networkHelpers.loadFixture(withHospitalGrant);
        const { consentRegistry, consentDelegate, patientId, hospitalId, granted } = c;

        await expect(path.on(c).revoke(consentDelegate, hospitalRevokeRequest(c)))
          .to.emit(consentRegistry, "ConsentRevoked")
          .withArgs(patientId, hospitalId, consentDelegate.address);

        const revokedAt = BigInt(await time.latest());
        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(storedGrant(granted, false, revokedAt));
        expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment))
          .to.be.false;
      });

      it("lets a revoked grant be granted again, unrevoked", async function () {
        const c = await networkHelpers.loadFixture(withHospitalGrant);
        const { consentRegistry, patient, patientId, hospitalId } = c;
        await path.on(c).revoke(patient, hospitalRevokeRequest(c));
        const again = await hospitalGrantRequest(c);

        await expect(path.on(c).grant(patient, again)).to.emit(consentRegistry, "ConsentGranted");
        expect(await readGrant(c, patientId, hospitalId)).to.deep.equal(storedGrant(again, false));
        expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment))
          .to.be.true;
      });

      describe("refusals, leaving grants, consent forms and nonces unchanged", function () {
        for (const refusal of GRANT_REFUSALS) {
          it(`refuses a grant ${refusal.title}`, async function () {
            const c = await networkHelpers.loadFixture(withHospitalGrant);
            await refusal.arrange?.(c);
            const now = await nextBlockTime();
            const request = refusal.request?.(c, now) ?? rawGrantRequest(c, now);
            const actor = refusal.actor?.(c) ?? c.patient;
            const [name, ...args] = refusal.error(c, request, now);
            await refusedWithoutChange(c, () =>
              expect(path.on(c).grant(actor, request))
                .to.be.revertedWithCustomError(c.consentRegistry, name)
                .withArgs(...args),
            );
          });
        }

        for (const refusal of REVOKE_REFUSALS) {
          it(`refuses a revocation ${refusal.title}`, async function () {
            const c = await networkHelpers.loadFixture(withHospitalGrant);
            await refusal.arrange?.(c, path.on(c));
            const request = refusal.request?.(c) ?? hospitalRevokeRequest(c);
            const actor = refusal.actor?.(c) ?? c.patient;
            const [name, ...args] = refusal.error(c);
            await refusedWithoutChange(c, () =>
              expect(path.on(c).revoke(actor, request))
                .to.be.revertedWithCustomError(c.consentRegistry, name)
                .withArgs(...args),
            );
          });
        }
      });
    });
  }
  describeSignatureChecks(signedGrant);
  describeSignatureChecks(signedRevoke);

  describe("invalidateNonces", function () {
    it("lets the patient move the nonce forward; a signature with the new nonce is accepted", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, patient, patientId, domain } = c;
      await expect(consentRegistry.connect(patient).invalidateNonces(patientId, 5n))
        .to.emit(consentRegistry, "NoncesInvalidated")
        .withArgs(patientId, patient.address, 5n);
      expect(await consentRegistry.nonces(patientId)).to.equal(5n);

      const signed = await signGrant(patient, domain, await hospitalGrantRequest(c), 5n, await signatureDeadline());
      await expect(consentRegistry.connect(c.stranger).grantBySig(signed)).to.emit(consentRegistry, "ConsentGranted");
      expect(await consentRegistry.nonces(patientId)).to.equal(6n);
    });

    it("lets a consent delegate move the patient's nonce", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, consentDelegate, patientId } = c;
      await expect(consentRegistry.connect(consentDelegate).invalidateNonces(patientId, 1n))
        .to.emit(consentRegistry, "NoncesInvalidated")
        .withArgs(patientId, consentDelegate.address, 1n);
      expect(await consentRegistry.nonces(patientId)).to.equal(1n);
    });

    it("refuses a nonce that does not move forward", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, patient, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(patient).invalidateNonces(patientId, 0n))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNonceNotIncreasing")
          .withArgs(patientId, 0n, 0n),
      );
      await consentRegistry.connect(patient).invalidateNonces(patientId, 3n);
      for (const requested of [3n, 2n]) {
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(patient).invalidateNonces(patientId, requested))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNonceNotIncreasing")
            .withArgs(patientId, 3n, requested),
        );
      }
    });

    it("refuses a jump beyond MAX_NONCE_JUMP, so the nonce can never wrap back to a used one", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, patient, patientId, domain, stranger } = c;
      const maxJump = await consentRegistry.MAX_NONCE_JUMP();
      expect(maxJump).to.equal(1_000_000n);

      // The reviewer's replay: use nonce 0, revoke, then try to push the counter round to 0 again.
      const signed = await signGrant(patient, domain, await hospitalGrantRequest(c), 0n, await signatureDeadline());
      await consentRegistry.connect(stranger).grantBySig(signed);
      await consentRegistry.connect(patient).revoke(hospitalRevokeRequest(c));
      const current = await consentRegistry.nonces(patientId);
      for (const requested of [current + maxJump + 1n, 2n ** 256n - 1n]) {
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(patient).invalidateNonces(patientId, requested))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNonceJumpTooLarge")
            .withArgs(patientId, current, requested, maxJump),
        );
      }
      await expect(consentRegistry.connect(patient).invalidateNonces(patientId, current + maxJump))
        .to.emit(consentRegistry, "NoncesInvalidated")
        .withArgs(patientId, patient.address, current + maxJump);
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(stranger).grantBySig(signed))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryInvalidNonce")
          .withArgs(patientId, current + maxJump, 0n),
      );
    });

    it("refuses anyone who may not act on the patient's consent", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, stranger, clinician, claimsDelegate, otherPatient, patientId } = c;
      for (const caller of [stranger, clinician, claimsDelegate, otherPatient]) {
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(caller).invalidateNonces(patientId, 1n))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryUnauthorizedActor")
            .withArgs(patientId, caller.address),
        );
      }
    });

    it("refuses an unknown or deactivated patient", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, patientRegistry, registrar, patient, patientId } = c;
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(patient).invalidateNonces(UNKNOWN_PATIENT_ID, 1n))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryPatientNotActive")
          .withArgs(UNKNOWN_PATIENT_ID),
      );
      await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Withdrawn);
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(patient).invalidateNonces(patientId, 1n))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryPatientNotActive")
          .withArgs(patientId),
      );
    });
  });

  describe("a patient whose account is a smart wallet (ERC-1271)", function () {
    it("accepts a grant and a revocation signed by the wallet's owner key on the wallet's behalf", async function () {
      const c = await networkHelpers.loadFixture(withSmartWalletPatient);
      const { consentRegistry, domain, stranger, walletOwner, walletAddress, walletPatientId, hospitalId } = c;
      const request = { ...(await hospitalGrantRequest(c)), patientId: walletPatientId };
      const deadline = await signatureDeadline();
      const ownerSignature = (await signGrant(walletOwner, domain, request, 0n, deadline, { account: walletAddress }))
        .signature;

      await expect(
        consentRegistry
          .connect(stranger)
          .grantBySig(delegatedRequest(request, walletAddress, 0n, deadline, ownerSignature)),
      )
        .to.emit(consentRegistry, "ConsentGranted")
        .withArgs(
          walletPatientId,
          hospitalId,
          walletAddress,
          request.categories,
          request.purposes,
          request.notBefore,
          request.expiresAt,
          CONSENT_FORM,
        );
      expect(await readGrant(c, walletPatientId, hospitalId)).to.deep.equal(storedGrant(request, false));

      const revocation = { patientId: walletPatientId, grantee: hospitalId };
      const revokeSignature = (
        await signRevoke(walletOwner, domain, revocation, 1n, deadline, { account: walletAddress })
      ).signature;
      await expect(
        consentRegistry
          .connect(stranger)
          .revokeBySig(delegatedRequest(revocation, walletAddress, 1n, deadline, revokeSignature)),
      )
        .to.emit(consentRegistry, "ConsentRevoked")
        .withArgs(walletPatientId, hospitalId, walletAddress);
      expect(await consentRegistry.nonces(walletPatientId)).to.equal(2n);
    });

    it("refuses a signature the wallet does not accept", async function () {
      const c = await networkHelpers.loadFixture(withSmartWalletPatient);
      const { consentRegistry, domain, stranger, walletAddress, walletPatientId, hospitalId } = c;
      const request = { ...(await hospitalGrantRequest(c)), patientId: walletPatientId };
      const deadline = await signatureDeadline();
      const strangerSignature = (await signGrant(stranger, domain, request, 0n, deadline, { account: walletAddress }))
        .signature;
      await refusedWithoutChange(c, () =>
        expect(
          consentRegistry
            .connect(stranger)
            .grantBySig(delegatedRequest(request, walletAddress, 0n, deadline, strangerSignature)),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(walletAddress),
      );

      await consentRegistry
        .connect(stranger)
        .grantBySig(
          delegatedRequest(
            request,
            walletAddress,
            0n,
            deadline,
            (await signGrant(c.walletOwner, domain, request, 0n, deadline, { account: walletAddress })).signature,
          ),
        );
      const revocation = { patientId: walletPatientId, grantee: hospitalId };
      const strangerRevocation = (
        await signRevoke(stranger, domain, revocation, 1n, deadline, { account: walletAddress })
      ).signature;
      await refusedWithoutChange(c, () =>
        expect(
          consentRegistry
            .connect(stranger)
            .revokeBySig(delegatedRequest(revocation, walletAddress, 1n, deadline, strangerRevocation)),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryInvalidSignature")
          .withArgs(walletAddress),
      );
    });

    it("does not take the owner key, signing in its own name, for the patient", async function () {
      const c = await networkHelpers.loadFixture(withSmartWalletPatient);
      const { consentRegistry, domain, stranger, walletOwner, walletPatientId } = c;
      const request = { ...(await hospitalGrantRequest(c)), patientId: walletPatientId };
      const signed = await signGrant(walletOwner, domain, request, 0n, await signatureDeadline());
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(stranger).grantBySig(signed))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryUnauthorizedActor")
          .withArgs(walletPatientId, walletOwner.address),
      );
    });
  });

  describe("EIP-712 digests and domain", function () {
    it("computes the same grant digests as the SDK for several requests, nonces and deadlines", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, domain, patientId, otherPatientId, hospitalId, insurerId } = c;
      const now = BigInt(await time.latest());
      const requests: GrantRequest[] = [
        await hospitalGrantRequest(c),
        rawGrantRequest(c, now, { patientId: otherPatientId, grantee: insurerId, consentFormHash: ZeroHash }),
        {
          patientId: 2n ** 64n - 1n,
          grantee: 2n ** 32n - 1n,
          categories: ALL_CATEGORIES,
          purposes: ALL_PURPOSES,
          notBefore: 0n,
          expiresAt: 2n ** 64n - 1n,
          consentFormHash: keccak256(toUtf8Bytes("another form")),
        },
        rawGrantRequest(c, now, { patientId, grantee: hospitalId, categories: 0, purposes: 0 }),
      ];
      for (const request of requests) {
        for (const nonce of [0n, 1n, 2n ** 256n - 1n]) {
          for (const deadline of [0n, now + ONE_HOUR, 2n ** 64n - 1n]) {
            for (const signer of [c.patient.address, c.stranger.address]) {
              expect(await consentRegistry.grantDigest(request, signer, nonce, deadline)).to.equal(
                grantDigest(domain, request, signer, nonce, deadline),
              );
            }
          }
        }
      }
    });

    it("computes the same revocation digests as the SDK for several requests, nonces and deadlines", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, domain, patientId, hospitalId, insurerId } = c;
      const now = BigInt(await time.latest());
      const requests: RevokeRequest[] = [
        { patientId, grantee: hospitalId },
        { patientId, grantee: insurerId },
        { patientId: 2n ** 64n - 1n, grantee: 2n ** 32n - 1n },
      ];
      for (const request of requests) {
        for (const nonce of [0n, 7n, 2n ** 256n - 1n]) {
          for (const deadline of [0n, now + ONE_HOUR, 2n ** 64n - 1n]) {
            for (const signer of [c.patient.address, c.stranger.address]) {
              expect(await consentRegistry.revokeDigest(request, signer, nonce, deadline)).to.equal(
                revokeDigest(domain, request, signer, nonce, deadline),
              );
            }
          }
        }
      }
    });

    it("binds a digest to this chain and this contract", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, domain, patientRegistry } = c;
      const request = await hospitalGrantRequest(c);
      const signer = c.patient.address;
      const onChain = await consentRegistry.grantDigest(request, signer, 0n, 0n);
      const otherChain = { ...domain, chainId: BigInt(domain.chainId ?? 0n) + 1n };
      const otherContract = { ...domain, verifyingContract: await patientRegistry.getAddress() };
      expect(grantDigest(domain, request, signer, 0n, 0n)).to.equal(onChain);
      expect(grantDigest(otherChain, request, signer, 0n, 0n)).to.not.equal(onChain);
      expect(grantDigest(otherContract, request, signer, 0n, 0n)).to.not.equal(onChain);
      expect(grantDigest(domain, request, c.stranger.address, 0n, 0n)).to.not.equal(onChain);
    });

    it("publishes the type hashes of the SDK's types", async function () {
      const { consentRegistry } = await networkHelpers.loadFixture(consentConsortium);
      expect(await consentRegistry.GRANT_TYPEHASH()).to.equal(
        keccak256(toUtf8Bytes(TypedDataEncoder.from(GRANT_TYPES).encodeType("Grant"))),
      );
      expect(await consentRegistry.REVOKE_TYPEHASH()).to.equal(
        keccak256(toUtf8Bytes(TypedDataEncoder.from(REVOKE_TYPES).encodeType("Revoke"))),
      );
    });

    it("reports its domain (ERC-5267): the SDK's name and version, this chain and the proxy's address", async function () {
      const { consentRegistry } = await networkHelpers.loadFixture(consentConsortium);
      const proxy = await consentRegistry.getAddress();
      const { chainId } = await connection.ethers.provider.getNetwork();
      const implementationSlot = await connection.ethers.provider.getStorage(proxy, IMPLEMENTATION_SLOT);
      const implementation = getAddress(dataSlice(implementationSlot, 12));

      const [fields, name, version, domainChainId, verifyingContract, salt, extensions] =
        await consentRegistry.eip712Domain();
      expect(fields).to.equal("0x0f");
      expect([name, version]).to.deep.equal([CONSENT_DOMAIN_NAME, CONSENT_DOMAIN_VERSION]);
      expect(domainChainId).to.equal(chainId);
      expect(verifyingContract).to.equal(proxy);
      expect(verifyingContract).to.not.equal(implementation);
      expect(salt).to.equal(ZeroHash);
      expect(extensions).to.deep.equal([]);
      expect(consentDomain({ chainId: domainChainId, verifyingContract })).to.deep.equal({
        name,
        version,
        chainId: domainChainId,
        verifyingContract: proxy,
      });
    });
  });

  describe("isAuthorized", function () {
    it("holds for exactly the categories and purposes the grant covers, and for no other organisation", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { patientId, otherPatientId, hospitalId, clinicId } = c;
      const covered = [RecordCategory.Outpatient, RecordCategory.LabResult, RecordCategory.Medication];
      expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(
        expectedMatrix(covered, [Purpose.Treatment, Purpose.CareCoordination]),
      );
      expect(await authorizationMatrix(c, patientId, clinicId)).to.deep.equal(expectedMatrix([], []));
      expect(await authorizationMatrix(c, otherPatientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
    });

    it("holds from notBefore, inclusive, until expiresAt, exclusive", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, patient, patientId, hospitalId } = c;
      const now = BigInt(await time.latest());
      const request = grantRequest({
        patientId,
        grantee: hospitalId,
        categories: HOSPITAL_CATEGORIES,
        purposes: HOSPITAL_PURPOSES,
        now,
        notBefore: now + ONE_DAY,
        durationSeconds: ONE_DAY,
      });
      await consentRegistry.connect(patient).grant(request);
      const authorizedAt = async (timestamp: bigint) => {
        await time.increaseTo(timestamp);
        return consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Medication, Purpose.Treatment);
      };
      expect(await authorizedAt(request.notBefore - 1n)).to.be.false;
      expect(await authorizedAt(request.notBefore)).to.be.true;
      expect(await authorizedAt(request.expiresAt - 1n)).to.be.true;
      expect(await authorizedAt(request.expiresAt)).to.be.false;
      expect(await authorizedAt(request.expiresAt + ONE_DAY)).to.be.false;
    });

    it("stops when the grant is revoked", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { consentRegistry, patient, patientId, hospitalId } = c;
      await consentRegistry.connect(patient).revoke(hospitalRevokeRequest(c));
      expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
    });

    it("stops while the organisation is suspended and resumes when it is reinstated", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { consentRegistry, memberRegistry, guardian, council, patientId, hospitalId } = c;
      const authorized = () =>
        consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment);
      await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
      expect(await authorized()).to.be.false;
      await memberRegistry.connect(council).reinstateMember(hospitalId);
      expect(await authorized()).to.be.true;
    });

    it("stops when the patient is deactivated", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { patientRegistry, registrar, patientId, hospitalId } = c;
      await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
      expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
    });

    it("is false for an unknown patient or organisation", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { consentRegistry, patientId, hospitalId } = c;
      for (const [patient, member] of [
        [UNKNOWN_PATIENT_ID, hospitalId],
        [patientId, UNKNOWN_MEMBER_ID],
        [0n, 0n],
      ] as const) {
        expect(await consentRegistry.isAuthorized(patient, member, RecordCategory.LabResult, Purpose.Treatment)).to.be
          .false;
      }
    });
  });

  describe("break-glass", function () {
    it("re-opening an open access never shortens it, even after governance shortened the duration", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { consentRegistry, admin, clinician, patientId, hospitalId, endsAt } = c;
      await consentRegistry.connect(admin).setBreakGlassDuration(ONE_HOUR);
      await expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.LifeThreatening))
        .to.emit(consentRegistry, "BreakGlassOpened")
        .withArgs(patientId, hospitalId, clinician.address, EmergencyReason.LifeThreatening, endsAt);
      expect((await readBreakGlass(c, patientId, hospitalId)).endsAt).to.equal(endsAt);

      // Once it has ended, a new opening gets the new, shorter duration.
      await time.increaseTo(endsAt);
      const reopenedAt = await nextBlockTime();
      await consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious);
      expect((await readBreakGlass(c, patientId, hospitalId)).endsAt).to.equal(reopenedAt + ONE_HOUR);
    });

    it("lets a clinician of an active hospital open emergency access for the set duration, counted per hospital", async function () {
      const c = await networkHelpers.loadFixture(withMoreClinicians);
      const { consentRegistry, clinician, colleague, patientId, hospitalId } = c;
      const openedAt = await nextBlockTime();
      await expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.LifeThreatening))
        .to.emit(consentRegistry, "BreakGlassOpened")
        .withArgs(
          patientId,
          hospitalId,
          clinician.address,
          EmergencyReason.LifeThreatening,
          openedAt + DEFAULT_BREAK_GLASS_DURATION,
        );
      expect(await readBreakGlass(c, patientId, hospitalId)).to.deep.equal({
        endsAt: openedAt + DEFAULT_BREAK_GLASS_DURATION,
        reason: BigInt(EmergencyReason.LifeThreatening),
        openedBy: clinician.address,
      });
      expect(await readBreakGlassRecord(c, hospitalId)).to.deep.equal({ openedCount: 1n, allowed: true });

      // Re-opening, here by a colleague an hour later, extends the access and counts again.
      const reopenedAt = openedAt + ONE_HOUR;
      await time.setNextBlockTimestamp(reopenedAt);
      await expect(consentRegistry.connect(colleague).openBreakGlass(patientId, EmergencyReason.MentalIncapacity))
        .to.emit(consentRegistry, "BreakGlassOpened")
        .withArgs(
          patientId,
          hospitalId,
          colleague.address,
          EmergencyReason.MentalIncapacity,
          reopenedAt + DEFAULT_BREAK_GLASS_DURATION,
        );
      expect(await readBreakGlass(c, patientId, hospitalId)).to.deep.equal({
        endsAt: reopenedAt + DEFAULT_BREAK_GLASS_DURATION,
        reason: BigInt(EmergencyReason.MentalIncapacity),
        openedBy: colleague.address,
      });
      expect(await readBreakGlassRecord(c, hospitalId)).to.deep.equal({ openedCount: 2n, allowed: true });
    });

    it("authorises treatment with every record category, and no other purpose, organisation or patient", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { patientId, otherPatientId, hospitalId, clinicId } = c;
      expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(
        expectedMatrix(EVERY_CATEGORY, [Purpose.Treatment]),
      );
      expect(await authorizationMatrix(c, patientId, clinicId)).to.deep.equal(expectedMatrix([], []));
      expect(await authorizationMatrix(c, otherPatientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
    });

    it("ends by itself at endsAt", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { consentRegistry, clinician, patientId, hospitalId, endsAt } = c;
      const authorized = () =>
        consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Allergy, Purpose.Treatment);
      await time.increaseTo(endsAt - 1n);
      expect(await authorized()).to.be.true;
      await time.increaseTo(endsAt);
      expect(await authorized()).to.be.false;
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(clinician).closeBreakGlass(patientId, hospitalId))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNoOpenBreakGlass")
          .withArgs(patientId, hospitalId),
      );
    });

    for (const [closer, who] of [
      ["clinician", "the clinician who opened it"],
      ["colleague", "another clinician of the same hospital"],
      ["patient", "the patient"],
      ["consentDelegate", "the patient's consent delegate"],
    ] as const) {
      it(`can be closed early by ${who}`, async function () {
        const c = await networkHelpers.loadFixture(withOpenBreakGlass);
        const { consentRegistry, clinician, patientId, hospitalId, endsAt } = c;
        const closedAt = await nextBlockTime();
        await expect(consentRegistry.connect(c[closer]).closeBreakGlass(patientId, hospitalId))
          .to.emit(consentRegistry, "BreakGlassClosed")
          .withArgs(patientId, hospitalId, c[closer].address);
        expect(closedAt).to.be.lessThan(endsAt);
        expect(await readBreakGlass(c, patientId, hospitalId)).to.deep.equal({
          endsAt: closedAt,
          reason: BigInt(EmergencyReason.Unconscious),
          openedBy: clinician.address,
        });
        expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
        await expect(consentRegistry.connect(c[closer]).closeBreakGlass(patientId, hospitalId))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNoOpenBreakGlass")
          .withArgs(patientId, hospitalId);
      });
    }

    it("stops authorising when the patient is deactivated", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { patientRegistry, registrar, patientId, hospitalId } = c;
      await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
      expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
    });

    it("stops authorising while the hospital is suspended", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { memberRegistry, guardian, patientId, hospitalId } = c;
      await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
      expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
    });

    describe("refusals, leaving the registry unchanged", function () {
      it("refuses to close emergency access that was never opened", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, clinician, patient, patientId, hospitalId } = c;
        for (const caller of [clinician, patient]) {
          await refusedWithoutChange(c, () =>
            expect(consentRegistry.connect(caller).closeBreakGlass(patientId, hospitalId))
              .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNoOpenBreakGlass")
              .withArgs(patientId, hospitalId),
          );
        }
      });

      for (const [caller, who] of [
        ["stranger", "a stranger"],
        ["clinicClinician", "a clinician of another organisation"],
        ["registrar", "an operator of the hospital without the clinician duty"],
        ["claimsDelegate", "a delegate whose mandate does not cover consent"],
        ["otherPatient", "another patient"],
      ] as const) {
        it(`refuses to let ${who} close the hospital's emergency access`, async function () {
          const c = await networkHelpers.loadFixture(withOpenBreakGlass);
          const { consentRegistry, patientId, hospitalId } = c;
          await refusedWithoutChange(c, () =>
            expect(consentRegistry.connect(c[caller]).closeBreakGlass(patientId, hospitalId))
              .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryUnauthorizedBreakGlassClose")
              .withArgs(patientId, hospitalId, c[caller].address),
          );
        });
      }

      it("refuses an opening by an operator without the clinician duty", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, memberRegistry, registrar, patientId, hospitalId } = c;
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(registrar).openBreakGlass(patientId, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
            .withArgs(registrar.address, hospitalId, Duty.Clinician),
        );
      });

      it("refuses an opening by an account that is no operator", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, memberRegistry, stranger, patientId } = c;
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(stranger).openBreakGlass(patientId, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
            .withArgs(stranger.address),
        );
      });

      it("refuses an opening by a clinician of a suspended hospital", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, memberRegistry, guardian, clinician, patientId, hospitalId } = c;
        await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
            .withArgs(hospitalId, MemberStatus.Suspended),
        );
      });

      it("refuses an opening by a clinician of a clinic", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, clinicClinician, patientId, clinicId } = c;
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(clinicClinician).openBreakGlass(patientId, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryBreakGlassNotHospital")
            .withArgs(clinicId, MemberKind.Clinic),
        );
      });

      it("refuses an opening for an unknown or deactivated patient", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, patientRegistry, registrar, clinician, patientId } = c;
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(clinician).openBreakGlass(UNKNOWN_PATIENT_ID, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryPatientNotActive")
            .withArgs(UNKNOWN_PATIENT_ID),
        );
        await patientRegistry.connect(registrar).deactivatePatient(patientId, DeactivationReason.Deceased);
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryPatientNotActive")
            .withArgs(patientId),
        );
      });
    });

    describe("setBreakGlassAllowed", function () {
      it("lets the guardian take a hospital's right to break glass: openings are refused", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, guardian, clinician, patientId, hospitalId } = c;
        await expect(consentRegistry.connect(guardian).setBreakGlassAllowed(hospitalId, false))
          .to.emit(consentRegistry, "BreakGlassRightChanged")
          .withArgs(hospitalId, false);
        expect(await readBreakGlassRecord(c, hospitalId)).to.deep.equal({ openedCount: 0n, allowed: false });
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryBreakGlassNotAllowed")
            .withArgs(hospitalId),
        );
      });

      it("stops an emergency access already open at once when the right is taken", async function () {
        const c = await networkHelpers.loadFixture(withOpenBreakGlass);
        const { consentRegistry, guardian, clinician, patientId, hospitalId } = c;
        await consentRegistry.connect(guardian).setBreakGlassAllowed(hospitalId, false);
        expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
        await refusedWithoutChange(c, () =>
          expect(
            consentRegistry
              .connect(clinician)
              .logAccess(patientId, RecordCategory.Allergy, Purpose.Treatment, RECORD_REF),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryAccessNotAuthorized")
            .withArgs(patientId, hospitalId, RecordCategory.Allergy, Purpose.Treatment),
        );
      });

      it("lets the guardian give the right back: the hospital may open emergency access again", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, guardian, clinician, patientId, hospitalId } = c;
        await consentRegistry.connect(guardian).setBreakGlassAllowed(hospitalId, false);
        await expect(consentRegistry.connect(guardian).setBreakGlassAllowed(hospitalId, true))
          .to.emit(consentRegistry, "BreakGlassRightChanged")
          .withArgs(hospitalId, true);
        expect(await readBreakGlassRecord(c, hospitalId)).to.deep.equal({ openedCount: 0n, allowed: true });
        await expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious)).to.emit(
          consentRegistry,
          "BreakGlassOpened",
        );
        expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(
          expectedMatrix(EVERY_CATEGORY, [Purpose.Treatment]),
        );
      });

      it("ends open emergency accesses for good: giving the right back does not revive them", async function () {
        const c = await networkHelpers.loadFixture(withOpenBreakGlass);
        const { consentRegistry, guardian, clinician, patientId, hospitalId } = c;
        expect(await consentRegistry.isBreakGlassOpen(patientId, hospitalId)).to.equal(true);
        await consentRegistry.connect(guardian).setBreakGlassAllowed(hospitalId, false);
        await consentRegistry.connect(guardian).setBreakGlassAllowed(hospitalId, true);

        expect(await consentRegistry.isBreakGlassOpen(patientId, hospitalId)).to.equal(false);
        expect(await authorizationMatrix(c, patientId, hospitalId)).to.deep.equal(expectedMatrix([], []));
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(clinician).closeBreakGlass(patientId, hospitalId))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryNoOpenBreakGlass")
            .withArgs(patientId, hospitalId),
        );
        await refusedWithoutChange(c, () =>
          expect(
            consentRegistry
              .connect(clinician)
              .logAccess(patientId, RecordCategory.Allergy, Purpose.Treatment, RECORD_REF),
          )
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryAccessNotAuthorized")
            .withArgs(patientId, hospitalId, RecordCategory.Allergy, Purpose.Treatment),
        );
        // A new emergency is a new, recorded opening.
        await expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious)).to.emit(
          consentRegistry,
          "BreakGlassOpened",
        );
        expect(await consentRegistry.isBreakGlassOpen(patientId, hospitalId)).to.equal(true);
      });

      it("refuses an organisation id no member has", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, guardian } = c;
        await refusedWithoutChange(c, () =>
          expect(consentRegistry.connect(guardian).setBreakGlassAllowed(99n, false))
            .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryUnknownMember")
            .withArgs(99n),
        );
      });

      it("is refused to everyone but the guardian", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, deployer, admin, council, hospitalAdmin, clinician, stranger, hospitalId } = c;
        for (const caller of [deployer, admin, council, hospitalAdmin, clinician, stranger]) {
          await refusedWithoutChange(c, () =>
            expect(consentRegistry.connect(caller).setBreakGlassAllowed(hospitalId, false))
              .to.be.revertedWithCustomError(consentRegistry, "AccessManagedUnauthorized")
              .withArgs(caller.address),
          );
        }
      });
    });

    describe("setBreakGlassDuration", function () {
      it("starts with the deployment's duration and exposes its bounds", async function () {
        const { consentRegistry } = await networkHelpers.loadFixture(consentConsortium);
        expect(await consentRegistry.breakGlassDuration()).to.equal(DEFAULT_BREAK_GLASS_DURATION);
        expect(await consentRegistry.MIN_BREAK_GLASS_DURATION()).to.equal(MIN_BREAK_GLASS_DURATION);
        expect(await consentRegistry.MAX_BREAK_GLASS_DURATION()).to.equal(MAX_BREAK_GLASS_DURATION);
      });

      it("lets the admin set either bound, applied to the next opening", async function () {
        const c = await networkHelpers.loadFixture(withMoreClinicians);
        const { consentRegistry, admin, clinician, patientId, hospitalId } = c;
        await expect(consentRegistry.connect(admin).setBreakGlassDuration(MAX_BREAK_GLASS_DURATION))
          .to.emit(consentRegistry, "BreakGlassDurationChanged")
          .withArgs(DEFAULT_BREAK_GLASS_DURATION, MAX_BREAK_GLASS_DURATION);
        await expect(consentRegistry.connect(admin).setBreakGlassDuration(MIN_BREAK_GLASS_DURATION))
          .to.emit(consentRegistry, "BreakGlassDurationChanged")
          .withArgs(MAX_BREAK_GLASS_DURATION, MIN_BREAK_GLASS_DURATION);
        expect(await consentRegistry.breakGlassDuration()).to.equal(MIN_BREAK_GLASS_DURATION);

        const openedAt = await nextBlockTime();
        await expect(consentRegistry.connect(clinician).openBreakGlass(patientId, EmergencyReason.Unconscious))
          .to.emit(consentRegistry, "BreakGlassOpened")
          .withArgs(
            patientId,
            hospitalId,
            clinician.address,
            EmergencyReason.Unconscious,
            openedAt + MIN_BREAK_GLASS_DURATION,
          );
      });

      for (const [label, duration] of [
        ["of zero", 0n],
        ["one second below the minimum", MIN_BREAK_GLASS_DURATION - 1n],
        ["one second above the maximum", MAX_BREAK_GLASS_DURATION + 1n],
      ] as const) {
        it(`refuses a duration ${label}`, async function () {
          const c = await networkHelpers.loadFixture(consentConsortium);
          const { consentRegistry, admin } = c;
          await refusedWithoutChange(c, () =>
            expect(consentRegistry.connect(admin).setBreakGlassDuration(duration))
              .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryBreakGlassDurationOutOfRange")
              .withArgs(duration, MIN_BREAK_GLASS_DURATION, MAX_BREAK_GLASS_DURATION),
          );
        });
      }

      it("is refused to everyone but the admin", async function () {
        const c = await networkHelpers.loadFixture(consentConsortium);
        const { consentRegistry, deployer, council, guardian, hospitalAdmin, clinician, stranger } = c;
        for (const caller of [deployer, council, guardian, hospitalAdmin, clinician, stranger]) {
          await refusedWithoutChange(c, () =>
            expect(consentRegistry.connect(caller).setBreakGlassDuration(MIN_BREAK_GLASS_DURATION))
              .to.be.revertedWithCustomError(consentRegistry, "AccessManagedUnauthorized")
              .withArgs(caller.address),
          );
        }
      });
    });
  });

  describe("the patient's newest word wins over signatures held back", function () {
    it("a direct revocation voids a signed grant a relayer held back", async function () {
      const c = await networkHelpers.loadFixture(consentConsortium);
      const { consentRegistry, patient, patientId, hospitalId, domain, stranger } = c;
      const request = await hospitalGrantRequest(c);
      const heldBack = await signGrant(
        patient,
        domain,
        request,
        await consentRegistry.nonces(patientId),
        await signatureDeadline(),
      );
      await consentRegistry.connect(patient).grant(request);
      await consentRegistry.connect(patient).revoke(hospitalRevokeRequest(c));

      const current = await consentRegistry.nonces(patientId);
      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(stranger).grantBySig(heldBack))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryInvalidNonce")
          .withArgs(patientId, current, heldBack.nonce),
      );
      expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment)).to
        .be.false;
    });

    it("a direct grant voids a signed revocation a relayer held back", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { consentRegistry, patient, patientId, hospitalId, domain, stranger, granted } = c;
      const heldBack = await signRevoke(
        patient,
        domain,
        hospitalRevokeRequest(c),
        await consentRegistry.nonces(patientId),
        await signatureDeadline(),
      );
      await consentRegistry.connect(patient).grant(granted);

      await refusedWithoutChange(c, () =>
        expect(consentRegistry.connect(stranger).revokeBySig(heldBack))
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryInvalidNonce")
          .withArgs(patientId, heldBack.nonce + 1n, heldBack.nonce),
      );
      expect(await consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment)).to
        .be.true;
    });
  });

  describe("access log", function () {
    it("under break-glass, only a clinician may log an access", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { consentRegistry, claimsOfficer, clinician, patientId, hospitalId } = c;
      await refusedWithoutChange(c, () =>
        expect(
          consentRegistry
            .connect(claimsOfficer)
            .logAccess(patientId, RecordCategory.Allergy, Purpose.Treatment, RECORD_REF),
        )
          .to.be.revertedWithCustomError(consentRegistry, "ConsentRegistryBreakGlassNeedsClinician")
          .withArgs(claimsOfficer.address, hospitalId),
      );
      await expectLogged(c, clinician, RecordCategory.Allergy, Purpose.Treatment, true);
    });
    it("logs an access the grant authorises", async function () {
      const c = await networkHelpers.loadFixture(withHospitalGrant);
      const { consentRegistry, clinician, patientId, hospitalId } = c;
      await expectLogged(c, clinician, RecordCategory.LabResult, Purpose.Treatment, false);
    });

    for (const [operator, duty] of [
      ["hospitalAdmin", "organisation admin"],
      ["registrar", "registrar"],
      ["clinician", "clinician"],
      ["claimsOfficer", "claims officer"],
      ["dataSteward", "data steward"],
      ["researcher", "researcher"],
    ] as const) {
      it(`lets the granted organisation's ${duty} log an access`, async function () {
        const c = await networkHelpers.loadFixture(withHospitalGrant);
        const { consentRegistry, patientId, hospitalId } = c;
        await expect(
          consentRegistry
            .connect(c[operator])
            .logAccess(patientId, RecordCategory.Medication, Purpose.CareCoordination, RECORD_REF),
        )
          .to.emit(consentRegistry, "AccessLogged")
          .withArgs(
            patientId,
            hospitalId,
            c[operator].address,
            RecordCategory.Medication,
            Purpose.CareCoordination,
            RECORD_REF,
            false,
          );
      });
    }

    it("logs an access under break-glass as such", async function () {
      const c = await networkHelpers.loadFixture(withOpenBreakGlass);
      const { consentRegistry, colleague, patientId, hospitalId } = c;
      await expectLogged(c, colleague, RecordCategory.Allergy, Purpose.Treatment, true);
    });

    it("relies on the grant where it covers the access, and on break-glass only beyond it", async function () {
      const c = await networkHelpers.loadFixture(withGrantAndOpenBreakGlass);
      const { consentRegistry, clinician, patientId, hospitalId } = c;
      await expectLogged(c, clinician, RecordCategory.LabResult, Purpose.Treatment, false);
      await expectLogged(c, clinician, RecordCategory.Dental, Purpose.Treatment, true);
    });

    describe("refusals, logging nothing", function () {
      interface AccessRefusal {
        title: string;
        fixture: () => Promise<ConsentConsortium>;
        arrange?: (c: ConsentConsortium) => Promise<unknown>;
        operator: (c: ConsentConsortium) => HardhatEthersSigner;
        category: RecordCategory;
        purpose: Purpose;
        recordRef?: string;
        /** The contract defining the error, the error's name and its exact arguments. */
        error: (c: ConsentConsortium) => readonly [contract: "consent" | "member", name: string, ...args: unknown[]];
      }

      const refusals: readonly AccessRefusal[] = [
        {
          title: "by an organisation the patient granted nothing",
          fixture: withHospitalGrant,
          operator: (c) => c.insurerRegistrar,
          category: RecordCategory.ClaimDocument,
          purpose: Purpose.InsuranceClaim,
          error: (c) => [
            "consent",
            "ConsentRegistryAccessNotAuthorized",
            c.patientId,
            c.insurerId,
            RecordCategory.ClaimDocument,
            Purpose.InsuranceClaim,
          ],
        },
        {
          title: "to a category the grant does not cover",
          fixture: withHospitalGrant,
          operator: (c) => c.clinician,
          category: RecordCategory.Dental,
          purpose: Purpose.Treatment,
          error: (c) => [
            "consent",
            "ConsentRegistryAccessNotAuthorized",
            c.patientId,
            c.hospitalId,
            RecordCategory.Dental,
            Purpose.Treatment,
          ],
        },
        {
          title: "for a purpose the grant does not cover",
          fixture: withHospitalGrant,
          operator: (c) => c.researcher,
          category: RecordCategory.LabResult,
          purpose: Purpose.Research,
          error: (c) => [
            "consent",
            "ConsentRegistryAccessNotAuthorized",
            c.patientId,
            c.hospitalId,
            RecordCategory.LabResult,
            Purpose.Research,
          ],
        },
        {
          title: "after the grant was revoked",
          fixture: withHospitalGrant,
          arrange: (c) => c.consentRegistry.connect(c.patient).revoke(hospitalRevokeRequest(c)),
          operator: (c) => c.clinician,
          category: RecordCategory.LabResult,
          purpose: Purpose.Treatment,
          error: (c) => [
            "consent",
            "ConsentRegistryAccessNotAuthorized",
            c.patientId,
            c.hospitalId,
            RecordCategory.LabResult,
            Purpose.Treatment,
          ],
        },
        {
          title: "to a deactivated patient's records",
          fixture: withHospitalGrant,
          arrange: (c) =>
            c.patientRegistry.connect(c.registrar).deactivatePatient(c.patientId, DeactivationReason.Deceased),
          operator: (c) => c.clinician,
          category: RecordCategory.LabResult,
          purpose: Purpose.Treatment,
          error: (c) => [
            "consent",
            "ConsentRegistryAccessNotAuthorized",
            c.patientId,
            c.hospitalId,
            RecordCategory.LabResult,
            Purpose.Treatment,
          ],
        },
        {
          title: "under break-glass, for a purpose other than treatment",
          fixture: withOpenBreakGlass,
          operator: (c) => c.clinician,
          category: RecordCategory.Allergy,
          purpose: Purpose.CareCoordination,
          error: (c) => [
            "consent",
            "ConsentRegistryAccessNotAuthorized",
            c.patientId,
            c.hospitalId,
            RecordCategory.Allergy,
            Purpose.CareCoordination,
          ],
        },
        {
          title: "with a zero record reference",
          fixture: withHospitalGrant,
          operator: (c) => c.clinician,
          category: RecordCategory.LabResult,
          purpose: Purpose.Treatment,
          recordRef: ZeroHash,
          error: () => ["consent", "ConsentRegistryZeroRecordRef"],
        },
        {
          title: "by an account that is no operator",
          fixture: withHospitalGrant,
          operator: (c) => c.stranger,
          category: RecordCategory.LabResult,
          purpose: Purpose.Treatment,
          error: (c) => ["member", "MemberRegistryUnknownOperator", c.stranger.address],
        },
        {
          title: "by an operator of a suspended organisation",
          fixture: withHospitalGrant,
          arrange: (c) =>
            c.memberRegistry.connect(c.guardian).suspendMember(c.hospitalId, MembershipReason.SecurityIncident),
          operator: (c) => c.clinician,
          category: RecordCategory.LabResult,
          purpose: Purpose.Treatment,
          error: (c) => ["member", "MemberRegistryMemberNotActive", c.hospitalId, MemberStatus.Suspended],
        },
      ];

      for (const refusal of refusals) {
        it(`refuses to log an access ${refusal.title}`, async function () {
          const c = await networkHelpers.loadFixture(refusal.fixture);
          await refusal.arrange?.(c);
          const [definedBy, name, ...args] = refusal.error(c);
          const errorContract = definedBy === "consent" ? c.consentRegistry : c.memberRegistry;
          await refusedWithoutChange(c, () =>
            expect(
              c.consentRegistry
                .connect(refusal.operator(c))
                .logAccess(c.patientId, refusal.category, refusal.purpose, refusal.recordRef ?? RECORD_REF),
            )
              .to.be.revertedWithCustomError(errorContract, name)
              .withArgs(...args),
          );
          expect(await accessLogCount(c)).to.equal(0);
        });
      }
    });
  });
});
