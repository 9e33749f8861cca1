import {
  AbiCoder,
  isHexString,
  keccak256,
  Signature,
  TypedDataEncoder,
  ZeroHash,
  type BigNumberish,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Signer,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import type { ClaimRegistry } from "../typechain-types/index.js";
import { ClaimOutcome, ClaimReason, ClaimStatus, codeName } from "./codes.js";
import type { SignOptions } from "./consent.js";
import { MedchainError, MedchainInputError, type MedchainContractError } from "./errors.js";
import { checkHash32, secondsToIso } from "./checks.js";
import { BlockTimes, collectEvents, type EventQueryOptions } from "./events.js";
import { canonicalFhirJson, fhirContentHash, type FhirResource } from "./records.js";
import { requireEventInReceipt, sendAndWait } from "./transactions.js";

/**
 * Insurance claims (`ClaimRegistry`): a hospital's or clinic's claims officer submits a claim for a patient
 * to an insurer, with the content hash of its FHIR `Claim` and of the anchored records attached to it; the
 * patient authorises it with a live consent grant (insurance-claim purpose) or an EIP-712 signature; the
 * insurer reviews, asks for information, approves (in full or in part) or denies, and records the payment.
 *
 * Everything here checks input the way the contract does and throws {@link MedchainInputError} before
 * anything is signed or sent; the transaction helpers turn the contract's refusals into
 * {@link MedchainContractError}s with a human message.
 */

/**
 * The EIP-712 domain name of the ClaimRegistry (its `eip712Domain()` returns the same).
 *
 * @example
 * ```ts
 * const [, name] = await claimRegistry.eip712Domain(); // name === CLAIM_DOMAIN_NAME
 * ```
 */
export const CLAIM_DOMAIN_NAME = "medchain ClaimRegistry";
/**
 * The EIP-712 domain version of the ClaimRegistry. See {@link CLAIM_DOMAIN_NAME}.
 *
 * @example
 * ```ts
 * const [, , version] = await claimRegistry.eip712Domain(); // version === CLAIM_DOMAIN_VERSION
 * ```
 */
export const CLAIM_DOMAIN_VERSION = "1";

/**
 * Largest amount, in minor units, a claim may state or an insurer approve: `ClaimRegistry.MAX_AMOUNT`,
 * 2^64 − 1 (the amounts are stored in 64 bits).
 *
 * @example
 * ```ts
 * if (amount > MAX_CLAIM_AMOUNT) splitTheClaim();
 * ```
 */
export const MAX_CLAIM_AMOUNT = 2n ** 64n - 1n;

/**
 * Most attachments one claim may carry over its life, submission and answers together:
 * `ClaimRegistry.MAX_ATTACHMENTS`.
 *
 * @example
 * ```ts
 * const room = MAX_CLAIM_ATTACHMENTS - Number((await claimRegistry.getClaim(claimId)).attachmentCount);
 * ```
 */
export const MAX_CLAIM_ATTACHMENTS = 10;

/**
 * Largest ISO 4217 numeric currency code: `ClaimRegistry.MAX_CURRENCY`. Codes run from 1 to 999.
 *
 * @example
 * ```ts
 * const valid = currency >= 1 && currency <= MAX_CURRENCY_CODE;
 * ```
 */
export const MAX_CURRENCY_CODE = 999;

/**
 * ISO 4217 numeric codes of the currencies the consortium's insurers pay in. A claim states its amounts in
 * the currency's **minor units**, as integers: ISO 4217 gives TWD, USD and EUR two decimals (NT$1,234.00 is
 * `123_400n`, US$12.50 is `1_250n`) and JPY none (¥1,234 is `1_234n`). Any code from 1 to 999 is accepted on
 * chain; these are named for convenience.
 *
 * @example
 * ```ts
 * const submission = claimSubmission({ ...claim, claimedAmount: 4_560_000n, currency: ISO_4217.TWD }); // NT$45,600
 * ```
 */
export const ISO_4217 = {
  /** New Taiwan dollar (2 decimals: amounts in 1/100 NT$). */
  TWD: 901,
  /** US dollar (2 decimals: amounts in cents). */
  USD: 840,
  /** Japanese yen (no decimals: amounts in yen). */
  JPY: 392,
  /** Euro (2 decimals: amounts in cents). */
  EUR: 978,
  /** Pound sterling (2 decimals: amounts in pence). */
  GBP: 826,
  /** Renminbi (2 decimals: amounts in fen). */
  CNY: 156,
  /** Hong Kong dollar (2 decimals: amounts in cents). */
  HKD: 344,
  /** Singapore dollar (2 decimals: amounts in cents). */
  SGD: 702,
  /** South Korean won (no decimals: amounts in won). */
  KRW: 410,
} as const;

/**
 * The EIP-712 types of a patient's claim authorisation (`CLAIM_AUTHORIZATION_TYPEHASH` in Solidity): the
 * submission, the provider that relays it, the signer, the nonce and the deadline.
 *
 * @example
 * ```ts
 * const digest = TypedDataEncoder.hash(domain, CLAIM_AUTHORIZATION_TYPES, { ...submission, provider, signer, nonce, deadline });
 * ```
 */
export const CLAIM_AUTHORIZATION_TYPES: Record<string, TypedDataField[]> = {
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

/**
 * What a provider submits (mirrors `IClaimRegistry.ClaimSubmission`); build it with {@link claimSubmission}.
 * It can be passed as is to the typechain contract's functions.
 *
 * @example
 * ```ts
 * const submission: ClaimSubmission = claimSubmission({ patientId: 1n, insurer: 3n, claim, claimedAmount: 4_560_000n,
 *   currency: ISO_4217.TWD, serviceStart, serviceEnd, attachments: [dischargeSummaryHash] });
 * ```
 */
export interface ClaimSubmission {
  patientId: bigint;
  /** memberId of an active insurer. */
  insurer: bigint;
  /** The content hash of the FHIR `Claim` ({@link fhirContentHash} of it). */
  claimHash: string;
  /** 1 to {@link MAX_CLAIM_AMOUNT}, in the currency's minor units. */
  claimedAmount: bigint;
  /** ISO 4217 numeric code, 1 to 999 ({@link ISO_4217}). */
  currency: number;
  /** First second of the service period (unix seconds). */
  serviceStart: bigint;
  /** Last second of the service period (unix seconds, ≥ `serviceStart`). */
  serviceEnd: bigint;
  /** Content hashes of current records the provider anchored on their own, at most {@link MAX_CLAIM_ATTACHMENTS}. */
  attachments: string[];
}

/**
 * What {@link claimSubmission} takes: the FHIR `Claim` itself instead of its hash.
 *
 * @example
 * ```ts
 * const input: ClaimSubmissionInput = { patientId, insurer, claim: claimJson, claimedAmount: 123_400n,
 *   currency: ISO_4217.TWD, serviceStart, serviceEnd, attachments: [receiptHash], now: BigInt(Date.now()) / 1000n };
 * ```
 */
export interface ClaimSubmissionInput {
  patientId: bigint;
  /** memberId of the insurer. */
  insurer: bigint;
  /** The FHIR `Claim` resource, as an object or as JSON text; its content hash becomes `claimHash`. */
  claim: FhirResource | string;
  /** In the currency's minor units (see {@link ISO_4217}). */
  claimedAmount: bigint;
  /** ISO 4217 numeric code ({@link ISO_4217}). */
  currency: number;
  serviceStart: bigint;
  serviceEnd: bigint;
  /** Content hashes of anchored records to attach; none unless given. */
  attachments?: readonly string[];
  /**
   * The current time (unix seconds): when given, a service period starting after it is refused, as the
   * contract refuses it against the block time.
   */
  now?: bigint;
}

/**
 * A patient's (or a claims delegate's) signature authorising one exact submission (mirrors
 * `IClaimRegistry.ClaimAuthorization`); relay it with {@link submitClaim}'s `authorization` option.
 *
 * @example
 * ```ts
 * const authorization: ClaimAuthorization = await signClaimAuthorization(patientWallet, domain, submission,
 *   hospitalId, await claimRegistry.claimNonces(submission.patientId), deadline);
 * ```
 */
export interface ClaimAuthorization {
  /** The account the signature speaks for: the patient's, a claims delegate's, or an ERC-1271 wallet. */
  signer: string;
  /** The patient's claim-signature nonce (`claimRegistry.claimNonces(patientId)`). */
  nonce: bigint;
  /** Last second (inclusive) at which the signature may be used. */
  deadline: bigint;
  /** 65-byte ECDSA signature (low s), or whatever the signer's ERC-1271 wallet accepts. */
  signature: string;
}

/**
 * Where a claim authorisation is valid: the chain and the ClaimRegistry proxy's address.
 *
 * @example
 * ```ts
 * const input: ClaimDomainInput = { chainId: 2026n, verifyingContract: deployment.ClaimRegistry };
 * ```
 */
export interface ClaimDomainInput {
  chainId: BigNumberish;
  verifyingContract: string;
}

const UINT32_MAX = 2n ** 32n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const REASON_MAX = Math.max(...Object.values(ClaimReason));

/** Checks one list of attachments (count, form, duplicates) and returns it normalised to lower case. */
function checkAttachments(attachments: readonly string[], field: string): string[] {
  if (attachments.length > MAX_CLAIM_ATTACHMENTS) {
    throw new MedchainInputError(
      `a claim carries at most ${MAX_CLAIM_ATTACHMENTS} attachments; this one would carry ${attachments.length}`,
      { field },
    );
  }
  const seen = new Map<string, number>();
  return attachments.map((attachment, index) => {
    if (typeof attachment !== "string" || !isHexString(attachment, 32)) {
      throw new MedchainInputError(
        `attachment ${index} (${JSON.stringify(attachment)}) is not a content hash: it must be 0x and 64 hex digits`,
        { field },
      );
    }
    const contentHash = attachment.toLowerCase();
    if (contentHash === ZeroHash) {
      throw new MedchainInputError(`attachment ${index} is the zero hash, not the content hash of an anchored record`, {
        field,
      });
    }
    const first = seen.get(contentHash);
    if (first !== undefined) {
      throw new MedchainInputError(`attachment ${contentHash} is listed twice (at positions ${first} and ${index})`, {
        field,
      });
    }
    seen.set(contentHash, index);
    return contentHash;
  });
}

function checkId(value: bigint, max: bigint, field: string, what: string): void {
  if (typeof value !== "bigint" || value <= 0n || value > max) {
    throw new MedchainInputError(`${what} ${String(value)} is out of range (1 to ${max})`, { field });
  }
}

/**
 * Checks a submission the way `ClaimRegistry` does before it looks at the chain (amount, currency, service
 * period, attachments' count, form and uniqueness), throwing {@link MedchainInputError}. Whether the
 * insurer is active, the attachments anchored and current, and the patient's consent live, only the chain
 * can say.
 *
 * @param now the current time (unix seconds); when given, a service period starting after it is refused.
 * @example
 * ```ts
 * checkClaimSubmission(submission, BigInt(Math.floor(Date.now() / 1000)));
 * ```
 */
export function checkClaimSubmission(submission: ClaimSubmission, now?: bigint): void {
  checkId(submission.patientId, UINT64_MAX, "patientId", "patient id");
  checkId(submission.insurer, UINT32_MAX, "insurer", "insurer id");
  if (typeof submission.claimHash !== "string" || !isHexString(submission.claimHash, 32)) {
    throw new MedchainInputError("a claim needs the 32-byte hash of its FHIR Claim (0x and 64 hex digits)", {
      field: "claimHash",
    });
  }
  if (submission.claimHash.toLowerCase() === ZeroHash) {
    throw new MedchainInputError("a claim needs the hash of its FHIR Claim; zero was given", { field: "claimHash" });
  }
  const amount = submission.claimedAmount;
  if (typeof amount !== "bigint" || amount <= 0n || amount > MAX_CLAIM_AMOUNT) {
    throw new MedchainInputError(
      `a claimed amount must be 1 to ${MAX_CLAIM_AMOUNT} minor units; ${String(amount)} is outside`,
      { field: "claimedAmount" },
    );
  }
  const currency = submission.currency;
  if (!Number.isInteger(currency) || currency < 1 || currency > MAX_CURRENCY_CODE) {
    throw new MedchainInputError(
      `${String(currency)} is not an ISO 4217 numeric currency code (1 to ${MAX_CURRENCY_CODE}; TWD is 901)`,
      { field: "currency" },
    );
  }
  const { serviceStart, serviceEnd } = submission;
  if (typeof serviceStart !== "bigint" || serviceStart <= 0n || serviceStart > UINT64_MAX) {
    throw new MedchainInputError(
      `the service period must start after 1970 (unix seconds 1 to ${UINT64_MAX}); ${String(serviceStart)} is not`,
      { field: "serviceStart" },
    );
  }
  if (typeof serviceEnd !== "bigint" || serviceEnd > UINT64_MAX) {
    throw new MedchainInputError(`the service period's end ${String(serviceEnd)} is not a unix time in 64 bits`, {
      field: "serviceEnd",
    });
  }
  if (serviceEnd < serviceStart) {
    throw new MedchainInputError(
      `the service period must not end before it starts: ${secondsToIso(serviceStart)} – ${secondsToIso(serviceEnd)}`,
      { field: "serviceEnd" },
    );
  }
  if (now !== undefined && serviceStart > now) {
    throw new MedchainInputError(
      `the service period must not start in the future: it starts ${secondsToIso(serviceStart)}, now is ${secondsToIso(now)}`,
      { field: "serviceStart" },
    );
  }
  if (!Array.isArray(submission.attachments)) {
    throw new MedchainInputError("attachments must be a list of content hashes", { field: "attachments" });
  }
  checkAttachments(submission.attachments, "attachments");
}

/**
 * Builds a {@link ClaimSubmission} from the FHIR `Claim` itself: `claimHash` is its
 * {@link fhirContentHash} (RFC 8785 canonical JSON, keccak256), and every field is checked as the contract
 * will check it ({@link checkClaimSubmission}). Throws {@link MedchainInputError} on malformed JSON, a FHIR
 * resource that is not a `Claim`, an amount outside 1 to 2^64 − 1, a currency outside 1 to 999, a service
 * period that ends before it starts, more than 10 attachments, or a malformed or repeated attachment hash.
 * Attachment hashes come back in lower case.
 *
 * @example
 * ```ts
 * const submission = claimSubmission({
 *   patientId: 1n, insurer: 3n, claim: fhirClaim, claimedAmount: 4_560_000n, currency: ISO_4217.TWD,
 *   serviceStart: 1_800_000_000n, serviceEnd: 1_800_259_200n,
 *   attachments: [fhirContentHash(dischargeSummary), fhirContentHash(receipt)],
 * });
 * ```
 */
export function claimSubmission(input: ClaimSubmissionInput): ClaimSubmission {
  let canonical: string;
  try {
    canonical = canonicalFhirJson(input.claim);
  } catch (error) {
    if (error instanceof MedchainInputError) {
      throw new MedchainInputError(`the claim is not a FHIR Claim: ${error.shortMessage}`, {
        field: "claim",
        cause: error,
      });
    }
    throw error;
  }
  const resourceType = (JSON.parse(canonical) as FhirResource).resourceType;
  if (resourceType !== "Claim") {
    throw new MedchainInputError(
      `the claim must be a FHIR Claim resource; this one's resourceType is "${resourceType}"`,
      { field: "claim" },
    );
  }
  const submission: ClaimSubmission = {
    patientId: input.patientId,
    insurer: input.insurer,
    claimHash: fhirContentHash(canonical),
    claimedAmount: input.claimedAmount,
    currency: input.currency,
    serviceStart: input.serviceStart,
    serviceEnd: input.serviceEnd,
    attachments: [],
  };
  checkClaimSubmission({ ...submission, attachments: [...(input.attachments ?? [])] }, input.now);
  submission.attachments = checkAttachments(input.attachments ?? [], "attachments");
  return submission;
}

/**
 * The id a claim with `claimHash` from provider `provider` (its memberId) has or will have:
 * `keccak256(abi.encode(uint32 provider, bytes32 claimHash))`, as `ClaimRegistry.claimIdOf`. Pure; works
 * offline.
 *
 * @example
 * ```ts
 * const claimId = claimIdOf(hospitalId, submission.claimHash);
 * const claim = await claimRegistry.getClaim(claimId);
 * ```
 */
export function claimIdOf(provider: bigint, claimHash: string): string {
  checkId(provider, UINT32_MAX, "provider", "provider id");
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint32", "bytes32"],
      [provider, checkHash32(claimHash, "claimHash", "claim hash")],
    ),
  );
}

/**
 * The ClaimRegistry's EIP-712 domain.
 *
 * @example
 * ```ts
 * const domain = claimDomain({ chainId: 2026n, verifyingContract: deployment.ClaimRegistry });
 * ```
 */
export function claimDomain(input: ClaimDomainInput): TypedDataDomain {
  return {
    name: CLAIM_DOMAIN_NAME,
    version: CLAIM_DOMAIN_VERSION,
    chainId: input.chainId,
    verifyingContract: input.verifyingContract,
  };
}

/** The EIP-712 message of a claim authorisation. */
function authorizationMessage(
  submission: ClaimSubmission,
  provider: bigint,
  signer: string,
  nonce: bigint,
  deadline: bigint,
): Record<string, unknown> {
  return {
    patientId: submission.patientId,
    provider,
    insurer: submission.insurer,
    claimHash: submission.claimHash,
    claimedAmount: submission.claimedAmount,
    currency: submission.currency,
    serviceStart: submission.serviceStart,
    serviceEnd: submission.serviceEnd,
    attachments: submission.attachments,
    signer,
    nonce,
    deadline,
  };
}

/**
 * The EIP-712 digest of a claim authorisation: what the contract's `claimAuthorizationDigest` returns and
 * what the patient signs. `provider` is the memberId of the hospital or clinic that will relay the claim.
 * Pure; works offline.
 *
 * @example
 * ```ts
 * const digest = claimAuthorizationDigest(domain, submission, hospitalId, patientAddress, nonce, deadline);
 * // equals await claimRegistry.claimAuthorizationDigest(submission, hospitalId, patientAddress, nonce, deadline)
 * ```
 */
export function claimAuthorizationDigest(
  domain: TypedDataDomain,
  submission: ClaimSubmission,
  provider: bigint,
  signer: string,
  nonce: bigint,
  deadline: bigint,
): string {
  return TypedDataEncoder.hash(
    domain,
    CLAIM_AUTHORIZATION_TYPES,
    authorizationMessage(submission, provider, signer, nonce, deadline),
  );
}

/**
 * Signs a claim authorisation with the patient's (or a claims delegate's) key — the signed data names the
 * signer's address, or `options.account` for an ERC-1271 wallet the key controls — after checking the
 * submission ({@link checkClaimSubmission}). Returns the authorisation the provider relays with
 * {@link submitClaim}. Works offline: the nonce comes from the chain beforehand
 * (`claimRegistry.claimNonces(patientId)`). The signature binds the exact submission, the provider, the
 * nonce and the deadline.
 *
 * @example
 * ```ts
 * const nonce = await claimRegistry.claimNonces(submission.patientId);
 * const authorization = await signClaimAuthorization(patientWallet, domain, submission, hospitalId, nonce, deadline);
 * await submitClaim(claimRegistry.connect(claimsOfficer), submission, { authorization });
 * ```
 */
export async function signClaimAuthorization(
  signer: Signer,
  domain: TypedDataDomain,
  submission: ClaimSubmission,
  provider: bigint,
  nonce: bigint,
  deadline: bigint,
  options: SignOptions = {},
): Promise<ClaimAuthorization> {
  checkClaimSubmission(submission);
  checkId(provider, UINT32_MAX, "provider", "provider id");
  const account = options.account ?? (await signer.getAddress());
  const signature = await signer.signTypedData(
    domain,
    CLAIM_AUTHORIZATION_TYPES,
    authorizationMessage(submission, provider, account, nonce, deadline),
  );
  return { signer: account, nonce, deadline, signature: Signature.from(signature).serialized };
}

/**
 * Options of {@link submitClaim}.
 *
 * @example
 * ```ts
 * const options: SubmitClaimOptions = { authorization: await signClaimAuthorization(...) };
 * ```
 */
export interface SubmitClaimOptions {
  /**
   * The patient's signed authorisation: the claim goes through `submitClaimWithAuthorization` and needs no
   * consent grant. Without it, `submitClaim` needs the patient's live grant to the insurer.
   */
  authorization?: ClaimAuthorization;
}

/**
 * A submitted claim: its id and the mined transaction's receipt.
 *
 * @example
 * ```ts
 * const { claimId, receipt }: SubmittedClaim = await submitClaim(registry, submission);
 * ```
 */
export interface SubmittedClaim {
  claimId: string;
  receipt: ContractTransactionReceipt;
}

/**
 * An insurer's step on a claim under review, for {@link adjudicateClaim}:
 * - `startReview`: Submitted → InReview;
 * - `requestInformation`: InReview → InformationRequested, for `reason` (a {@link ClaimReason} other than
 *   None), with the hash of the request document if there is one;
 * - `approve`: InReview → Approved (`amount` is the claimed amount) or PartiallyApproved (less);
 * - `deny`: InReview → Denied, for `reason`.
 *
 * @example
 * ```ts
 * const decision: ClaimDecision = { kind: "approve", amount: 3_800_000n };
 * ```
 */
export type ClaimDecision =
  | { kind: "startReview" }
  | { kind: "requestInformation"; reason: ClaimReason; requestHash?: string }
  | { kind: "approve"; amount: bigint }
  | { kind: "deny"; reason: ClaimReason };

/**
 * A step on an existing claim, for {@link claimStepCall}: an insurer's {@link ClaimDecision}, the insurer's
 * payment record, or the provider's answer to an information request or withdrawal.
 *
 * @example
 * ```ts
 * const step: ClaimStep = { kind: "pay", paymentReferenceHash };
 * ```
 */
export type ClaimStep =
  | ClaimDecision
  | { kind: "pay"; paymentReferenceHash: string }
  | { kind: "answer"; attachments: readonly string[]; responseHash?: string }
  | { kind: "withdraw" };

function checkClaimId(claimId: string): string {
  return checkHash32(claimId, "claimId", "claim id");
}

function checkReason(reason: ClaimReason): ClaimReason {
  if (!Number.isInteger(reason) || reason <= ClaimReason.None || reason > REASON_MAX) {
    throw new MedchainInputError(
      `${String(reason)} is not a reason an insurer can give (a ClaimReason other than None, 1 to ${REASON_MAX})`,
      { field: "reason" },
    );
  }
  return reason;
}

/**
 * Submits a claim from the provider whose claims officer `registry` is connected as, after checking it
 * ({@link checkClaimSubmission}): with the patient's signed `authorization` if given
 * (`submitClaimWithAuthorization`), else on the strength of the patient's live consent grant to the insurer
 * (`submitClaim`). Resolves to the claim's id and the receipt; a refusal by the contract rejects with a
 * decoded {@link MedchainContractError}.
 *
 * @example
 * ```ts
 * try {
 *   const { claimId } = await submitClaim(claimRegistry.connect(claimsOfficer), submission);
 * } catch (error) {
 *   if (error instanceof MedchainContractError) console.error(error.shortMessage); // e.g. no consent
 * }
 * ```
 */
export async function submitClaim(
  registry: ClaimRegistry,
  submission: ClaimSubmission,
  options: SubmitClaimOptions = {},
): Promise<SubmittedClaim> {
  const receipt = await sendAndWait(claimSubmissionCall(registry, submission, options));
  return { claimId: await claimIdFromReceipt(registry, receipt), receipt };
}

/**
 * Checks a submission ({@link checkClaimSubmission}) and returns the call that sends it — with the patient's
 * signed authorisation if `options` has one (`submitClaimWithAuthorization`), else `submitClaim` — without
 * sending it. The SDK's client and {@link submitClaim} both send through it.
 *
 * @example
 * ```ts
 * const transaction = await sendMedchainTransaction(claimSubmissionCall(registry, submission), (receipt) => ({}));
 * ```
 */
export function claimSubmissionCall(
  registry: ClaimRegistry,
  submission: ClaimSubmission,
  options: SubmitClaimOptions = {},
): () => Promise<ContractTransactionResponse> {
  checkClaimSubmission(submission);
  const { authorization } = options;
  return () =>
    authorization === undefined
      ? registry.submitClaim(submission)
      : registry.submitClaimWithAuthorization(submission, authorization);
}

/**
 * The id of the claim a mined submission created (its `ClaimSubmitted` event).
 *
 * @example
 * ```ts
 * const claimId = await claimIdFromReceipt(claimRegistry, receipt);
 * ```
 */
export async function claimIdFromReceipt(
  registry: ClaimRegistry,
  receipt: ContractTransactionReceipt,
): Promise<string> {
  const event = await requireEventInReceipt(registry, receipt, "ClaimSubmitted");
  return String(event.args[0]);
}

/**
 * Checks a step on claim `claimId` (the id, reasons, amounts, hashes and attachments, as the contract will)
 * and returns the call that takes it, without sending it; throws {@link MedchainInputError} on bad input.
 * {@link adjudicateClaim}, {@link payClaim}, {@link answerClaim}, {@link withdrawClaim} and the SDK's client
 * send through it.
 *
 * @example
 * ```ts
 * const receipt = await sendAndWait(claimStepCall(registry, claimId, { kind: "startReview" }));
 * ```
 */
export function claimStepCall(
  registry: ClaimRegistry,
  claimId: string,
  step: ClaimStep,
): () => Promise<ContractTransactionResponse> {
  const id = checkClaimId(claimId);
  switch (step.kind) {
    case "startReview":
      return () => registry.startReview(id);
    case "requestInformation": {
      const reason = checkReason(step.reason);
      const requestHash =
        step.requestHash === undefined
          ? ZeroHash
          : checkHash32(step.requestHash, "requestHash", "the request hash", { allowZero: true });
      return () => registry.requestInformation(id, reason, requestHash);
    }
    case "approve": {
      const amount = step.amount;
      if (typeof amount !== "bigint" || amount <= 0n || amount > MAX_CLAIM_AMOUNT) {
        throw new MedchainInputError(
          `an approval must be 1 to the claimed amount (at most ${MAX_CLAIM_AMOUNT}); ${String(amount)} is outside ` +
            "(deny the claim instead of approving 0)",
          { field: "amount" },
        );
      }
      return () => registry.approveClaim(id, amount);
    }
    case "deny": {
      const reason = checkReason(step.reason);
      return () => registry.denyClaim(id, reason);
    }
    case "pay": {
      const reference = checkHash32(step.paymentReferenceHash, "paymentReferenceHash", "the payment reference hash");
      return () => registry.markPaid(id, reference);
    }
    case "answer": {
      const checked = checkAttachments(step.attachments, "attachments");
      const response =
        step.responseHash === undefined
          ? ZeroHash
          : checkHash32(step.responseHash, "responseHash", "the response hash", { allowZero: true });
      return () => registry.provideInformation(id, checked, response);
    }
    case "withdraw":
      return () => registry.withdrawClaim(id);
    default: {
      const unknown: never = step;
      throw new MedchainInputError(`unknown claim step ${JSON.stringify(unknown)}`, { field: "step" });
    }
  }
}

/**
 * Takes an insurer's step on claim `claimId` ({@link ClaimDecision}) as the claims officer `registry` is
 * connected as. Reasons, amounts and hashes are checked first ({@link MedchainInputError}); a refusal by the
 * contract (wrong party, a step the claim's status does not allow, more than the claimed amount) rejects
 * with a decoded {@link MedchainContractError}.
 *
 * @example
 * ```ts
 * const asInsurer = claimRegistry.connect(insurerOfficer);
 * await adjudicateClaim(asInsurer, claimId, { kind: "startReview" });
 * await adjudicateClaim(asInsurer, claimId, { kind: "requestInformation", reason: ClaimReason.ItemisedReceiptNeeded });
 * await adjudicateClaim(asInsurer, claimId, { kind: "approve", amount: 3_800_000n });
 * ```
 */
export async function adjudicateClaim(
  registry: ClaimRegistry,
  claimId: string,
  decision: ClaimDecision,
): Promise<ContractTransactionReceipt> {
  return sendAndWait(claimStepCall(registry, claimId, decision));
}

/**
 * Records the insurer's payment of an approved claim (Approved or PartiallyApproved → Paid) with the hash of
 * the insurer's payment reference (never an account number). Refuses a zero or malformed hash before
 * sending; a refusal by the contract rejects with a decoded {@link MedchainContractError}.
 *
 * @example
 * ```ts
 * await payClaim(claimRegistry.connect(insurerOfficer), claimId, keccak256(toUtf8Bytes(`${salt}:${paymentRef}`)));
 * ```
 */
export async function payClaim(
  registry: ClaimRegistry,
  claimId: string,
  paymentReferenceHash: string,
): Promise<ContractTransactionReceipt> {
  return sendAndWait(claimStepCall(registry, claimId, { kind: "pay", paymentReferenceHash }));
}

/**
 * The provider answers an insurer's information request (InformationRequested → InReview), optionally with
 * new attachments (content hashes of current records it anchored; they need the patient's live consent
 * grant to the insurer for their categories, even when the claim was authorised by signature) and the hash
 * of its response document. A refusal by the contract rejects with a decoded {@link MedchainContractError}.
 *
 * @example
 * ```ts
 * await answerClaim(claimRegistry.connect(claimsOfficer), claimId, [fhirContentHash(itemisedReceipt)]);
 * ```
 */
export async function answerClaim(
  registry: ClaimRegistry,
  claimId: string,
  attachments: readonly string[],
  responseHash?: string,
): Promise<ContractTransactionReceipt> {
  return sendAndWait(
    claimStepCall(registry, claimId, {
      kind: "answer",
      attachments,
      ...(responseHash === undefined ? {} : { responseHash }),
    }),
  );
}

/**
 * The provider withdraws a claim before a decision (Submitted, InReview or InformationRequested →
 * Withdrawn, final). A refusal by the contract rejects with a decoded {@link MedchainContractError}.
 *
 * @example
 * ```ts
 * await withdrawClaim(claimRegistry.connect(claimsOfficer), claimId);
 * ```
 */
export async function withdrawClaim(registry: ClaimRegistry, claimId: string): Promise<ContractTransactionReceipt> {
  return sendAndWait(claimStepCall(registry, claimId, { kind: "withdraw" }));
}

/**
 * The FHIR `ClaimResponse.outcome` codes (value set `remittance-outcome`).
 *
 * @example
 * ```ts
 * const claimResponse = { resourceType: "ClaimResponse", outcome: "partial" satisfies FhirClaimOutcome };
 * ```
 */
export type FhirClaimOutcome = "queued" | "complete" | "partial" | "error";

/**
 * The FHIR `ClaimResponse.outcome` code of each {@link ClaimOutcome} the contract emits.
 *
 * @example
 * ```ts
 * FHIR_CLAIM_OUTCOME[ClaimOutcome.Partial]; // "partial"
 * ```
 */
export const FHIR_CLAIM_OUTCOME: Readonly<Record<ClaimOutcome, FhirClaimOutcome>> = {
  [ClaimOutcome.Queued]: "queued",
  [ClaimOutcome.Complete]: "complete",
  [ClaimOutcome.Partial]: "partial",
  [ClaimOutcome.Error]: "error",
};

/**
 * The {@link ClaimOutcome} of a claim status, as the contract's `_outcome` computes it for
 * `ClaimStatusChanged`: PartiallyApproved is Partial; Withdrawn is Error (no adjudication); Approved, Denied
 * and Paid are Complete; every other status is Queued.
 *
 * @example
 * ```ts
 * claimOutcomeOf(ClaimStatus.Denied); // ClaimOutcome.Complete
 * ```
 */
export function claimOutcomeOf(status: ClaimStatus): ClaimOutcome {
  switch (status) {
    case ClaimStatus.PartiallyApproved:
      return ClaimOutcome.Partial;
    case ClaimStatus.Withdrawn:
      return ClaimOutcome.Error;
    case ClaimStatus.Approved:
    case ClaimStatus.Denied:
    case ClaimStatus.Paid:
      return ClaimOutcome.Complete;
    default:
      return ClaimOutcome.Queued;
  }
}

/**
 * The FHIR `ClaimResponse.outcome` code for a claim status (see {@link claimOutcomeOf}): what a
 * `ClaimResponse` built from the chain's state carries.
 *
 * @example
 * ```ts
 * fhirClaimResponseOutcome(ClaimStatus.PartiallyApproved); // "partial"
 * fhirClaimResponseOutcome(ClaimStatus.InReview); // "queued"
 * ```
 */
export function fhirClaimResponseOutcome(status: ClaimStatus): FhirClaimOutcome {
  return FHIR_CLAIM_OUTCOME[claimOutcomeOf(status)];
}

/**
 * What the `ClaimSubmitted` event tells of a claim: the submission, who sent it and when.
 *
 * @example
 * ```ts
 * const { submission } = await claimTimeline(claimRegistry, claimId);
 * if (submission) console.log(`${submission.claimedAmount} in ${submission.currency} from organisation ${submission.provider}`);
 * ```
 */
export interface ClaimSubmissionSummary {
  claimId: string;
  patientId: bigint;
  insurer: bigint;
  /** memberId of the hospital or clinic that submitted. */
  provider: bigint;
  /** The claims officer's account. */
  operator: string;
  claimHash: string;
  claimedAmount: bigint;
  currency: number;
  serviceStart: bigint;
  serviceEnd: bigint;
  /** The attachments submitted with the claim. */
  attachments: string[];
  /** Authorised by the patient's signature (true) or by a consent grant. */
  authorizedBySignature: boolean;
  blockNumber: number;
  transactionHash: string;
  /** Block time (unix seconds). */
  timestamp: bigint;
}

/**
 * One status change of a claim, from its `ClaimStatusChanged` event, with the attachments the same step
 * added (at submission or in an answer to an information request).
 *
 * @example
 * ```ts
 * for (const entry of (await claimTimeline(claimRegistry, claimId)).entries) {
 *   console.log(new Date(Number(entry.timestamp) * 1000), entry.statusName, entry.outcomeName, entry.reasonName);
 * }
 * ```
 */
export interface ClaimTimelineEntry {
  status: ClaimStatus;
  /** The status's name, e.g. "PartiallyApproved". */
  statusName: string;
  previousStatus: ClaimStatus;
  /** The previous status's name ("None" for the submission). */
  previousStatusName: string;
  outcome: ClaimOutcome;
  /** The FHIR `ClaimResponse.outcome` code of the outcome. */
  outcomeName: FhirClaimOutcome;
  /** Why, for a denial or an information request; None otherwise. */
  reason: ClaimReason;
  /** The reason's name, e.g. "ItemisedReceiptNeeded" ("None" when there is none). */
  reasonName: string;
  /** The approved amount once approved (0 before). */
  approvedAmount: bigint;
  /**
   * The hash the step carries: the claim hash on submission, the information request's, the provider's
   * answer's, the payment reference's; zero if none.
   */
  referenceHash: string;
  /** The account that took the step. */
  actor: string;
  blockNumber: number;
  transactionHash: string;
  /** Block time (unix seconds). */
  timestamp: bigint;
  /** The attachments this step added, if any (the submission's own, or an answer's). */
  attachmentsAdded?: string[];
}

/**
 * A claim's history as {@link claimTimeline} reads it from the chain.
 *
 * @example
 * ```ts
 * const timeline: ClaimTimeline = await claimTimeline(claimRegistry, claimId);
 * console.log(timeline.statusName, timeline.attachments.length, "attachments");
 * ```
 */
export interface ClaimTimeline {
  claimId: string;
  /** The submission, or `undefined` when it lies before `fromBlock` (or the claim is unknown). */
  submission: ClaimSubmissionSummary | undefined;
  /** Every status change in the range, oldest first. */
  entries: ClaimTimelineEntry[];
  /** Every attachment in the range, in the order they were added. */
  attachments: string[];
  /** The latest status in the range (None when there is no entry). */
  status: ClaimStatus;
  /** Its name. */
  statusName: string;
}

/**
 * Options of {@link claimTimeline}.
 *
 * @example
 * ```ts
 * const options: ClaimTimelineOptions = { fromBlock: deploymentBlock };
 * ```
 */
export type ClaimTimelineOptions = EventQueryOptions;

/**
 * Reads claim `claimId`'s history from the ClaimRegistry's events (`ClaimSubmitted`, `ClaimStatusChanged`,
 * `ClaimAttachmentsAdded`): the submission and every status change, oldest first, each with its block time,
 * names for its codes and the FHIR outcome. Needs a registry connected to a provider; read-only.
 *
 * @example
 * ```ts
 * const timeline = await claimTimeline(claimRegistry, claimId, { fromBlock: deploymentBlock });
 * for (const step of timeline.entries) console.log(step.statusName, step.outcomeName, step.approvedAmount);
 * ```
 */
export async function claimTimeline(
  registry: ClaimRegistry,
  claimId: string,
  options: ClaimTimelineOptions = {},
): Promise<ClaimTimeline> {
  const id = checkClaimId(claimId);
  const provider = registry.runner?.provider;
  if (provider === null || provider === undefined) {
    throw new MedchainInputError("reading a claim's timeline needs a registry connected to a provider", {
      field: "registry",
    });
  }
  const [submitted, changes, added] = await Promise.all([
    collectEvents(provider, (from, to) => registry.queryFilter(registry.filters.ClaimSubmitted(id), from, to), options),
    collectEvents(
      provider,
      (from, to) => registry.queryFilter(registry.filters.ClaimStatusChanged(id), from, to),
      options,
    ),
    collectEvents(
      provider,
      (from, to) => registry.queryFilter(registry.filters.ClaimAttachmentsAdded(id), from, to),
      options,
    ),
  ]);
  const blockTimes = new BlockTimes(provider);
  const timestampOf = (log: { blockNumber: number }): Promise<bigint> => blockTimes.of(log.blockNumber);

  let submission: ClaimSubmissionSummary | undefined;
  const first = submitted[0];
  if (first !== undefined) {
    const a = first.args;
    submission = {
      claimId: a.claimId,
      patientId: a.patientId,
      insurer: a.insurer,
      provider: a.provider,
      operator: a.operator,
      claimHash: a.claimHash,
      claimedAmount: a.claimedAmount,
      currency: Number(a.currency),
      serviceStart: a.serviceStart,
      serviceEnd: a.serviceEnd,
      attachments: [...a.attachments],
      authorizedBySignature: a.authorizedBySignature,
      blockNumber: first.blockNumber,
      transactionHash: first.transactionHash,
      timestamp: await timestampOf(first),
    };
  }

  const entries: ClaimTimelineEntry[] = await Promise.all(
    changes.map(async (log): Promise<ClaimTimelineEntry> => {
      const a = log.args;
      const status = Number(a.status) as ClaimStatus;
      const previousStatus = Number(a.previousStatus) as ClaimStatus;
      const outcome = Number(a.outcome) as ClaimOutcome;
      const reason = Number(a.reason) as ClaimReason;
      const outcomeName = FHIR_CLAIM_OUTCOME[outcome] as FhirClaimOutcome | undefined;
      if (outcomeName === undefined) {
        throw new MedchainError(`the chain reports claim outcome ${outcome}, which this SDK does not know`, {
          details: "update the SDK to the contracts' version",
        });
      }
      return {
        status,
        statusName: codeName(ClaimStatus, status),
        previousStatus,
        previousStatusName: codeName(ClaimStatus, previousStatus),
        outcome,
        outcomeName,
        reason,
        reasonName: codeName(ClaimReason, reason),
        approvedAmount: a.approvedAmount,
        referenceHash: a.referenceHash,
        actor: a.actor,
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
        timestamp: await timestampOf(log),
      };
    }),
  );

  // The attachments of a step are emitted in the same transaction as its status change.
  const attachments: string[] = [];
  const entryOf = (transactionHash: string) => entries.find((entry) => entry.transactionHash === transactionHash);
  if (submission !== undefined && submission.attachments.length > 0) {
    const entry = entryOf(submission.transactionHash);
    if (entry !== undefined) entry.attachmentsAdded = [...submission.attachments];
    attachments.push(...submission.attachments);
  }
  for (const log of added) {
    const hashes = [...log.args.attachments];
    const entry = entryOf(log.transactionHash);
    if (entry !== undefined) entry.attachmentsAdded = [...(entry.attachmentsAdded ?? []), ...hashes];
    attachments.push(...hashes);
  }

  const status = entries.at(-1)?.status ?? ClaimStatus.None;
  return { claimId: id, submission, entries, attachments, status, statusName: codeName(ClaimStatus, status) };
}
