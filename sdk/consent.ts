import {
  AbiCoder,
  getBytes,
  hexlify,
  isHexString,
  keccak256,
  Signature,
  toUtf8Bytes,
  TypedDataEncoder,
  type BigNumberish,
  type Signer,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import {
  ALL_CATEGORIES,
  ALL_EXPLICIT_OPT_INS,
  ALL_PURPOSES,
  codeName,
  COMMERCIAL_PURPOSES,
  ExplicitOptIn,
  MemberKind,
  RequesterClass,
  requesterClassAllowedFor,
} from "./codes.js";
import { MedchainInputError } from "./errors.js";

/**
 * The EIP-712 domain name and version of the ConsentRegistry (its `eip712Domain()` returns the same).
 *
 * @example
 * ```ts
 * const [, name] = await consentRegistry.eip712Domain(); // name === CONSENT_DOMAIN_NAME
 * ```
 */
export const CONSENT_DOMAIN_NAME = "medchain ConsentRegistry";
/**
 * See {@link CONSENT_DOMAIN_NAME}.
 *
 * @example
 * ```ts
 * const [, , version] = await consentRegistry.eip712Domain(); // version === CONSENT_DOMAIN_VERSION
 * ```
 */
export const CONSENT_DOMAIN_VERSION = "1";

/** The fields of the EIP-712 `Grant` type, signed alone or nested in a third-party grant. */
const GRANT_FIELDS: TypedDataField[] = [
  { name: "patientId", type: "uint64" },
  { name: "grantee", type: "uint32" },
  { name: "categories", type: "uint32" },
  { name: "purposes", type: "uint16" },
  { name: "notBefore", type: "uint64" },
  { name: "expiresAt", type: "uint64" },
  { name: "consentFormHash", type: "bytes32" },
  { name: "signer", type: "address" },
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint64" },
];

/**
 * The EIP-712 types of a signed grant (`GRANT_TYPEHASH` in Solidity).
 *
 * @example
 * ```ts
 * const digest = TypedDataEncoder.hash(domain, GRANT_TYPES, { ...request, signer, nonce, deadline }); // grantDigest(…)
 * ```
 */
export const GRANT_TYPES: Record<string, TypedDataField[]> = { Grant: GRANT_FIELDS };

/**
 * The EIP-712 types of a signed third-party grant (`THIRD_PARTY_GRANT_TYPEHASH` in Solidity): the signed
 * {@link GRANT_TYPES} grant nested as a struct member, the requester class and the explicit opt-ins.
 *
 * @example
 * ```ts
 * const digest = TypedDataEncoder.hash(domain, THIRD_PARTY_GRANT_TYPES, { grant: { ...grant, signer, nonce, deadline }, requesterClass, optIns });
 * ```
 */
export const THIRD_PARTY_GRANT_TYPES: Record<string, TypedDataField[]> = {
  ThirdPartyGrant: [
    { name: "grant", type: "Grant" },
    { name: "requesterClass", type: "uint8" },
    { name: "optIns", type: "uint8" },
  ],
  Grant: GRANT_FIELDS,
};

/**
 * The EIP-712 types of a signed revocation (`REVOKE_TYPEHASH` in Solidity).
 *
 * @example
 * ```ts
 * const signature = await wallet.signTypedData(domain, REVOKE_TYPES, { ...request, signer, nonce, deadline });
 * ```
 */
export const REVOKE_TYPES: Record<string, TypedDataField[]> = {
  Revoke: [
    { name: "patientId", type: "uint64" },
    { name: "grantee", type: "uint32" },
    { name: "signer", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

const ZERO_HASH = `0x${"0".repeat(64)}`;

/**
 * What a patient grants (mirrors `IConsentRegistry.GrantRequest`).
 *
 * @example
 * ```ts
 * const request: GrantRequest = grantRequest({ patientId, grantee: 2n, now, durationSeconds: 86_400n,
 *   categories: categoryMask(RecordCategory.LabResult), purposes: purposeMask(Purpose.Treatment) });
 * ```
 */
export interface GrantRequest {
  patientId: bigint;
  /** memberId of the organisation receiving access. */
  grantee: bigint;
  /** `RecordCategory` bitmask; build it with `categoryMask`. */
  categories: number;
  /** `Purpose` bitmask; build it with `purposeMask`. */
  purposes: number;
  /** First second of access (unix seconds). */
  notBefore: bigint;
  /** First second without access (unix seconds). */
  expiresAt: bigint;
  /** keccak256 of the signed consent form's bytes; zero when there is none. */
  consentFormHash: string;
}

/**
 * A grant to a third party (mirrors `IConsentRegistry.ThirdPartyGrantRequest`): the grant, the class the
 * grantee acts as, and the patient's explicit opt-ins (`ExplicitOptIn` bits).
 *
 * @example
 * ```ts
 * const request: ThirdPartyGrantRequest = { grant, requesterClass: RequesterClass.Academic, optIns: ExplicitOptIn.IdentifiableData };
 * ```
 */
export interface ThirdPartyGrantRequest {
  grant: GrantRequest;
  requesterClass: RequesterClass;
  optIns: number;
}

/**
 * Which grant to revoke (mirrors `IConsentRegistry.RevokeRequest`).
 *
 * @example
 * ```ts
 * const request: RevokeRequest = { patientId, grantee: 2n };
 * await (await patientClient.consent.revoke(request)).wait();
 * ```
 */
export interface RevokeRequest {
  patientId: bigint;
  grantee: bigint;
}

/**
 * A signed request, ready for `grantBySig` / `revokeBySig` (mirrors `Delegated…Request`).
 *
 * @example
 * ```ts
 * const signed: DelegatedRequest<GrantRequest> = await patientClient.consent.signGrant(request);
 * await (await hospitalClient.consent.relayGrant(signed)).wait();
 * ```
 */
export interface DelegatedRequest<RequestT> {
  request: RequestT;
  signer: string;
  nonce: bigint;
  deadline: bigint;
  signature: string;
}

/**
 * Where a signature is valid: the chain and the ConsentRegistry proxy's address.
 *
 * @example
 * ```ts
 * const input: ConsentDomainInput = { chainId: deployment.chainId, verifyingContract: deployment.consentRegistry };
 * const domain = consentDomain(input);
 * ```
 */
export interface ConsentDomainInput {
  chainId: BigNumberish;
  verifyingContract: string;
}

/**
 * The ConsentRegistry's EIP-712 domain.
 *
 * @example
 * ```ts
 * const domain = consentDomain({ chainId: 2026n, verifyingContract: deployment.consentRegistry });
 * ```
 */
export function consentDomain(input: ConsentDomainInput): TypedDataDomain {
  return {
    name: CONSENT_DOMAIN_NAME,
    version: CONSENT_DOMAIN_VERSION,
    chainId: input.chainId,
    verifyingContract: input.verifyingContract,
  };
}

/**
 * Builds a {@link GrantRequest} with named defaults (starts now, no consent form) and checks it the way the
 * contract will, throwing {@link MedchainInputError} before anything is signed.
 *
 * @example
 * ```ts
 * const request = grantRequest({
 *   patientId: 1n, grantee: 2n, now: 1_800_000_000n, durationSeconds: 30n * 86_400n,
 *   categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
 *   purposes: purposeMask(Purpose.Treatment),
 * });
 * ```
 */
export function grantRequest(input: {
  patientId: bigint;
  grantee: bigint;
  categories: number;
  purposes: number;
  /** The current time (unix seconds); `notBefore` defaults to it. */
  now: bigint;
  notBefore?: bigint;
  /** Either `expiresAt` or `durationSeconds` (counted from `notBefore`). */
  expiresAt?: bigint;
  durationSeconds?: bigint;
  consentFormHash?: string;
}): GrantRequest {
  const notBefore = input.notBefore ?? input.now;
  const expiresAt =
    input.expiresAt ?? (input.durationSeconds === undefined ? undefined : notBefore + input.durationSeconds);
  if (expiresAt === undefined) {
    throw new MedchainInputError("say when the grant ends: expiresAt or durationSeconds", { field: "expiresAt" });
  }
  const request: GrantRequest = {
    patientId: input.patientId,
    grantee: input.grantee,
    categories: input.categories,
    purposes: input.purposes,
    notBefore,
    expiresAt,
    consentFormHash: input.consentFormHash ?? ZERO_HASH,
  };
  checkGrantRequest(request, input.now);
  return request;
}

/**
 * Checks a grant the way `ConsentRegistry` does (sets, window, expiry), so a patient's phone refuses a
 * request the chain would refuse before asking the patient to sign it.
 *
 * @example
 * ```ts
 * checkGrantRequest(request, BigInt(Math.floor(Date.now() / 1000))); // throws MedchainInputError if refused
 * ```
 */
export function checkGrantRequest(request: GrantRequest, now: bigint): void {
  if (request.categories === 0 || (request.categories & ~ALL_CATEGORIES) !== 0) {
    throw new MedchainInputError(`category set ${request.categories} is empty or names unknown categories`, {
      field: "categories",
    });
  }
  if (request.purposes === 0 || (request.purposes & ~ALL_PURPOSES) !== 0) {
    throw new MedchainInputError(`purpose set ${request.purposes} is empty or names unknown purposes`, {
      field: "purposes",
    });
  }
  if (request.expiresAt <= request.notBefore) {
    throw new MedchainInputError("the grant must end after it starts", { field: "expiresAt" });
  }
  if (request.expiresAt <= now) {
    throw new MedchainInputError("the grant must end in the future", { field: "expiresAt" });
  }
}

/**
 * The EIP-712 digest of a grant: what the contract's `grantDigest` returns and what a signer signs. Pure;
 * works offline.
 *
 * @example
 * ```ts
 * const digest = grantDigest(domain, request, patientAccount, nonce, deadline);
 * // digest === await consentRegistry.grantDigest(request, patientAccount, nonce, deadline)
 * ```
 */
export function grantDigest(
  domain: TypedDataDomain,
  request: GrantRequest,
  signer: string,
  nonce: bigint,
  deadline: bigint,
): string {
  return TypedDataEncoder.hash(domain, GRANT_TYPES, { ...request, signer, nonce, deadline });
}

/**
 * Builds a {@link ThirdPartyGrantRequest} and checks it the way `grantThirdParty` will, throwing
 * {@link MedchainInputError} before anything is signed: the grant itself ({@link grantRequest}), a requester
 * class the grantee's member kind may act as, defined opt-ins, and the COMMERCIAL_USE opt-in whenever a
 * purpose or the requester is commercial. Opt-ins are never implied: name each one the patient chose.
 *
 * @example
 * ```ts
 * const request = thirdPartyGrantRequest({
 *   grant: { patientId: 1n, grantee: 7n, now, durationSeconds: 90n * 86_400n,
 *            categories: categoryMask(RecordCategory.LabResult), purposes: purposeMask(Purpose.Marketing) },
 *   granteeKind: MemberKind.Company,
 *   requesterClass: RequesterClass.Commercial,
 *   optIns: [ExplicitOptIn.CommercialUse],
 * });
 * ```
 */
export function thirdPartyGrantRequest(input: {
  grant: Parameters<typeof grantRequest>[0];
  /** The grantee's member kind (`memberRegistry.getMember(grantee).kind`). */
  granteeKind: MemberKind;
  requesterClass: RequesterClass;
  /** The opt-ins the patient chose; none by default. */
  optIns?: readonly number[];
}): ThirdPartyGrantRequest {
  const grant = grantRequest(input.grant);
  const optIns = (input.optIns ?? []).reduce((mask, bit) => mask | bit, 0);
  const request: ThirdPartyGrantRequest = { grant, requesterClass: input.requesterClass, optIns };
  checkThirdPartyGrantRequest(request, input.granteeKind);
  return request;
}

/**
 * Checks a third-party grant's terms the way `ConsentRegistry.grantThirdParty` does (the grant's own fields
 * are {@link checkGrantRequest}'s).
 *
 * @example
 * ```ts
 * checkThirdPartyGrantRequest(request, MemberKind.ResearchInstitute); // throws MedchainInputError if refused
 * ```
 */
export function checkThirdPartyGrantRequest(request: ThirdPartyGrantRequest, granteeKind: MemberKind): void {
  if (!requesterClassAllowedFor(granteeKind, request.requesterClass)) {
    throw new MedchainInputError(
      `a ${codeName(MemberKind, granteeKind)} may not act as requester class ` +
        `${codeName(RequesterClass, request.requesterClass)}`,
      { field: "requesterClass" },
    );
  }
  if (!Number.isInteger(request.optIns) || request.optIns < 0 || (request.optIns & ~ALL_EXPLICIT_OPT_INS) !== 0) {
    throw new MedchainInputError(`opt-in set ${request.optIns} names opt-ins that do not exist`, { field: "optIns" });
  }
  const commercial =
    (request.grant.purposes & COMMERCIAL_PURPOSES) !== 0 || request.requesterClass === RequesterClass.Commercial;
  if (commercial && (request.optIns & ExplicitOptIn.CommercialUse) === 0) {
    throw new MedchainInputError(
      "commercial use (a commercial purpose or requester) needs the patient's explicit CommercialUse opt-in",
      { field: "optIns" },
    );
  }
}

/**
 * The EIP-712 digest of a third-party grant: what the contract's `thirdPartyGrantDigest` returns and what a
 * signer signs. Pure; works offline.
 *
 * @example
 * ```ts
 * const digest = thirdPartyGrantDigest(domain, request, patient.address, nonce, deadline);
 * ```
 */
export function thirdPartyGrantDigest(
  domain: TypedDataDomain,
  request: ThirdPartyGrantRequest,
  signer: string,
  nonce: bigint,
  deadline: bigint,
): string {
  return TypedDataEncoder.hash(
    domain,
    THIRD_PARTY_GRANT_TYPES,
    thirdPartyGrantMessage(request, signer, nonce, deadline),
  );
}

/** The EIP-712 message of a third-party grant: the signer, nonce and deadline live in the nested grant. */
function thirdPartyGrantMessage(request: ThirdPartyGrantRequest, signer: string, nonce: bigint, deadline: bigint) {
  return {
    grant: { ...request.grant, signer, nonce, deadline },
    requesterClass: request.requesterClass,
    optIns: request.optIns,
  };
}

/**
 * The EIP-712 digest of a revocation (the contract's `revokeDigest`). Pure; works offline.
 *
 * @example
 * ```ts
 * const digest = revokeDigest(domain, { patientId, grantee: 2n }, patientAccount, nonce, deadline);
 * ```
 */
export function revokeDigest(
  domain: TypedDataDomain,
  request: RevokeRequest,
  signer: string,
  nonce: bigint,
  deadline: bigint,
): string {
  return TypedDataEncoder.hash(domain, REVOKE_TYPES, { ...request, signer, nonce, deadline });
}

/**
 * Options of {@link signGrant} and {@link signRevoke}.
 *
 * @example
 * ```ts
 * const signed = await signGrant(ownerKey, domain, request, nonce, deadline, { account: smartWalletAddress });
 * ```
 */
export interface SignOptions {
  /**
   * The account the signature speaks for, named in the signed data: a smart wallet (ERC-1271) that the
   * signing key controls. Defaults to the key's own address.
   */
  account?: string;
}

/** Canonical 65-byte form (low s) of a signature, as the contract accepts it. */
function canonical(signature: string): string {
  return Signature.from(signature).serialized;
}

/**
 * Signs a grant with the patient's (or a consent delegate's) key — the signed data names the signer's
 * address — and returns the request a hospital relays
 * with `grantBySig`. Works offline: the nonce comes from the chain beforehand (`consentRegistry.nonces`).
 *
 * @example
 * ```ts
 * const signed = await signGrant(patientWallet, domain, request, await consent.nonces(request.patientId), deadline);
 * await consent.connect(hospitalRelayer).grantBySig(signed);
 * ```
 */
export async function signGrant(
  signer: Signer,
  domain: TypedDataDomain,
  request: GrantRequest,
  nonce: bigint,
  deadline: bigint,
  options: SignOptions = {},
): Promise<DelegatedRequest<GrantRequest>> {
  const account = options.account ?? (await signer.getAddress());
  const signature = await signer.signTypedData(domain, GRANT_TYPES, { ...request, signer: account, nonce, deadline });
  return { request, signer: account, nonce, deadline, signature: canonical(signature) };
}

/**
 * Signs a third-party grant with the patient's (or a consent delegate's) key; relay it with
 * `grantThirdPartyBySig`. Works offline like {@link signGrant}.
 *
 * @example
 * ```ts
 * const signed = await signThirdPartyGrant(patientWallet, domain, request, await consent.nonces(patientId), deadline);
 * await consent.connect(relayer).grantThirdPartyBySig(signed);
 * ```
 */
export async function signThirdPartyGrant(
  signer: Signer,
  domain: TypedDataDomain,
  request: ThirdPartyGrantRequest,
  nonce: bigint,
  deadline: bigint,
  options: SignOptions = {},
): Promise<DelegatedRequest<ThirdPartyGrantRequest>> {
  const account = options.account ?? (await signer.getAddress());
  const signature = await signer.signTypedData(
    domain,
    THIRD_PARTY_GRANT_TYPES,
    thirdPartyGrantMessage(request, account, nonce, deadline),
  );
  return { request, signer: account, nonce, deadline, signature: canonical(signature) };
}

/**
 * Signs a revocation; relay it with `revokeBySig`. See {@link signGrant}.
 *
 * @example
 * ```ts
 * const request = { patientId, grantee: 2n };
 * const signed = await signRevoke(patientWallet, domain, request, await consent.nonces(patientId), deadline);
 * await consent.connect(hospitalRelayer).revokeBySig(signed);
 * ```
 */
export async function signRevoke(
  signer: Signer,
  domain: TypedDataDomain,
  request: RevokeRequest,
  nonce: bigint,
  deadline: bigint,
  options: SignOptions = {},
): Promise<DelegatedRequest<RevokeRequest>> {
  const account = options.account ?? (await signer.getAddress());
  const signature = await signer.signTypedData(domain, REVOKE_TYPES, { ...request, signer: account, nonce, deadline });
  return { request, signer: account, nonce, deadline, signature: canonical(signature) };
}

/**
 * Wraps a signature made elsewhere (a hardware wallet, an ERC-1271 smart wallet) into a relayable request.
 * The signature must be over {@link grantDigest} / {@link revokeDigest} for the same `signer`.
 *
 * @example
 * ```ts
 * const signature = await signDigestOnDevice(grantDigest(domain, request, signer, nonce, deadline));
 * await consentRegistry.grantBySig(delegatedRequest(request, signer, nonce, deadline, signature));
 * ```
 */
export function delegatedRequest<RequestT>(
  request: RequestT,
  signer: string,
  nonce: bigint,
  deadline: bigint,
  signature: string,
): DelegatedRequest<RequestT> {
  return { request, signer, nonce, deadline, signature };
}

/**
 * Domain separation tag of version 1 of the consent-form hash.
 *
 * @example
 * ```ts
 * CONSENT_FORM_TAG === keccak256(toUtf8Bytes("medchain.consent-form.v1")); // true
 * ```
 */
export const CONSENT_FORM_TAG = keccak256(toUtf8Bytes("medchain.consent-form.v1"));

/**
 * The hash that binds a signed consent form to a grant: `keccak256(abi.encode(CONSENT_FORM_TAG, salt,
 * keccak256(document)))`. The salt (32 random bytes, kept with the form by the hospital and the patient)
 * stops anyone who holds the form's template from testing guesses of the personal details filled into it;
 * whoever holds the form and its salt can prove it is the one the patient signed. Pure; works offline.
 *
 * @example
 * ```ts
 * const salt = hexlify(randomBytes(32)); // store it with the PDF
 * const request = grantRequest({ ...grant, consentFormHash: consentFormHash(pdfBytes, salt) });
 * ```
 */
export function consentFormHash(document: Uint8Array, salt: string | Uint8Array): string {
  const saltHex = typeof salt === "string" ? salt : hexlify(salt);
  if (!isHexString(saltHex, 32)) {
    throw new MedchainInputError("the consent-form salt must be exactly 32 bytes (64 hex digits)", { field: "salt" });
  }
  if (document.length === 0) {
    throw new MedchainInputError("the consent form is empty", { field: "document" });
  }
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "bytes32"],
      [CONSENT_FORM_TAG, getBytes(saltHex), keccak256(document)],
    ),
  );
}
