import { Signature, TypedDataEncoder, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";

import { ALL_CATEGORIES, ALL_DATA_USE_PERMISSION_BITS } from "./codes.js";
import type { DelegatedRequest, SignOptions } from "./consent.js";
import { MedchainInputError } from "./errors.js";

/**
 * Signed research opt-outs (`ResearchOptOutRegistry.setOptOutBySig`): the patient (or a delegate with the
 * Research scope) signs her objection off chain and any hospital relays it, so she needs no gas. Pure
 * helpers, usable offline; the client's `research.signOptOut` / `research.setOptOutBySig` wrap them.
 */

/**
 * The EIP-712 domain name of the ResearchOptOutRegistry (its `eip712Domain()` returns the same).
 *
 * @example
 * ```ts
 * const [, name] = await researchOptOutRegistry.eip712Domain(); // name === OPT_OUT_DOMAIN_NAME
 * ```
 */
export const OPT_OUT_DOMAIN_NAME = "medchain ResearchOptOutRegistry";
/**
 * See {@link OPT_OUT_DOMAIN_NAME}.
 *
 * @example
 * ```ts
 * const [, , version] = await researchOptOutRegistry.eip712Domain(); // version === OPT_OUT_DOMAIN_VERSION
 * ```
 */
export const OPT_OUT_DOMAIN_VERSION = "1";

/**
 * The EIP-712 types of a signed opt-out (`OPT_OUT_TYPEHASH` in Solidity).
 *
 * @example
 * ```ts
 * const digest = TypedDataEncoder.hash(domain, OPT_OUT_TYPES, { ...request, signer, nonce, deadline }); // optOutDigest(…)
 * ```
 */
export const OPT_OUT_TYPES: Record<string, TypedDataField[]> = {
  ResearchOptOut: [
    { name: "patientId", type: "uint64" },
    { name: "wholly", type: "bool" },
    { name: "categories", type: "uint32" },
    { name: "permissions", type: "uint8" },
    { name: "signer", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/**
 * A patient's objection to research use (mirrors `IResearchOptOutRegistry.OptOutRequest`): all research
 * (`wholly`), record categories (a `categoryMask`) and DUO permissions (bits from `dataUsePermissionBit`);
 * all false/zero withdraws the objection. Build it with {@link optOutRequest}.
 *
 * @example
 * ```ts
 * const request: OptOutRequest = { patientId: 7n, wholly: false, categories: categoryMask(RecordCategory.PathologyReport), permissions: 0 };
 * ```
 */
export interface OptOutRequest {
  patientId: bigint;
  wholly: boolean;
  categories: number;
  permissions: number;
}

/**
 * Where an opt-out signature is valid: the chain and the ResearchOptOutRegistry proxy's address.
 *
 * @example
 * ```ts
 * const input: OptOutDomainInput = { chainId: deployment.chainId, verifyingContract: deployment.researchOptOutRegistry };
 * ```
 */
export interface OptOutDomainInput {
  chainId: bigint | number | string;
  verifyingContract: string;
}

const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The ResearchOptOutRegistry's EIP-712 domain.
 *
 * @example
 * ```ts
 * const domain = optOutDomain({ chainId: 2026n, verifyingContract: deployment.researchOptOutRegistry });
 * ```
 */
export function optOutDomain(input: OptOutDomainInput): TypedDataDomain {
  return {
    name: OPT_OUT_DOMAIN_NAME,
    version: OPT_OUT_DOMAIN_VERSION,
    chainId: input.chainId,
    verifyingContract: input.verifyingContract,
  };
}

/**
 * Checks an {@link OptOutRequest} the way `setOptOut` will (a patient id, only defined category and DUO
 * permission bits), throwing {@link MedchainInputError} naming the field before anything is signed.
 *
 * @example
 * ```ts
 * checkOptOutRequest({ patientId: 7n, wholly: true, categories: 0, permissions: 0 }); // passes
 * checkOptOutRequest({ patientId: 7n, wholly: false, categories: 1 << 30, permissions: 0 }); // throws
 * ```
 */
export function checkOptOutRequest(request: OptOutRequest): void {
  if (typeof request.patientId !== "bigint" || request.patientId <= 0n || request.patientId > UINT64_MAX) {
    throw new MedchainInputError(`${String(request.patientId)} is not a patient id (1 to 2^64 - 1)`, {
      field: "patientId",
    });
  }
  if (typeof request.wholly !== "boolean") {
    throw new MedchainInputError("wholly must be true or false", { field: "wholly" });
  }
  if (!Number.isInteger(request.categories) || request.categories < 0 || (request.categories & ~ALL_CATEGORIES) !== 0) {
    throw new MedchainInputError(
      `category set ${String(request.categories)} names categories that do not exist (a categoryMask, 0 to ${ALL_CATEGORIES})`,
      { field: "categories" },
    );
  }
  if (
    !Number.isInteger(request.permissions) ||
    request.permissions < 0 ||
    (request.permissions & ~ALL_DATA_USE_PERMISSION_BITS) !== 0
  ) {
    throw new MedchainInputError(
      `permission set ${String(request.permissions)} names DUO permissions that do not exist (bits from dataUsePermissionBit, 0 to ${ALL_DATA_USE_PERMISSION_BITS})`,
      { field: "permissions" },
    );
  }
}

/**
 * Builds an {@link OptOutRequest} with named defaults — wholly when neither categories nor permissions are
 * named (as `client.research.optOut` does) — and checks it ({@link checkOptOutRequest}). Pass
 * `{ wholly: false }` with nothing else to withdraw the objection.
 *
 * @example
 * ```ts
 * const all = optOutRequest({ patientId: 7n }); // wholly
 * const pathology = optOutRequest({ patientId: 7n, categories: categoryMask(RecordCategory.PathologyReport) });
 * const optBackIn = optOutRequest({ patientId: 7n, wholly: false });
 * ```
 */
export function optOutRequest(input: {
  patientId: bigint;
  wholly?: boolean;
  categories?: number;
  permissions?: number;
}): OptOutRequest {
  const categories = input.categories ?? 0;
  const permissions = input.permissions ?? 0;
  const request = {
    patientId: input.patientId,
    wholly: input.wholly ?? (categories === 0 && permissions === 0),
    categories,
    permissions,
  };
  checkOptOutRequest(request);
  return request;
}

/**
 * The EIP-712 digest of a signed opt-out: what the contract's `optOutDigest` returns and what the signer
 * signs. `delegated` is the request with its signer, nonce and deadline (a signature, if present, is
 * ignored). Pure; works offline.
 *
 * @example
 * ```ts
 * const digest = optOutDigest(domain, { request, signer: patientAccount, nonce, deadline });
 * // digest === await researchOptOutRegistry.optOutDigest(request, patientAccount, nonce, deadline)
 * ```
 */
export function optOutDigest(
  domain: TypedDataDomain,
  delegated: Omit<DelegatedRequest<OptOutRequest>, "signature">,
): string {
  const { request, signer, nonce, deadline } = delegated;
  return TypedDataEncoder.hash(domain, OPT_OUT_TYPES, { ...request, signer, nonce, deadline });
}

/**
 * Signs an opt-out with the patient's (or a Research-scope delegate's) key — the signed data names the
 * signer's address, or `options.account` for an ERC-1271 wallet the key controls — after checking the
 * request, and returns what a hospital relays with `setOptOutBySig` (or POSTs to its relayer's
 * `/v1/relay/opt-out`). Works offline: the nonce comes from the chain beforehand
 * (`researchOptOutRegistry.optOutNonce(patientId)`).
 *
 * @example
 * ```ts
 * const nonce = await researchOptOutRegistry.optOutNonce(7n);
 * const signed = await signOptOut(patientWallet, domain, optOutRequest({ patientId: 7n }), nonce, deadline);
 * await researchOptOutRegistry.connect(hospitalRelayer).setOptOutBySig(signed);
 * ```
 */
export async function signOptOut(
  signer: Signer,
  domain: TypedDataDomain,
  request: OptOutRequest,
  nonce: bigint,
  deadline: bigint,
  options: SignOptions = {},
): Promise<DelegatedRequest<OptOutRequest>> {
  checkOptOutRequest(request);
  const account = options.account ?? (await signer.getAddress());
  const signature = await signer.signTypedData(domain, OPT_OUT_TYPES, {
    ...request,
    signer: account,
    nonce,
    deadline,
  });
  return { request, signer: account, nonce, deadline, signature: Signature.from(signature).serialized };
}
