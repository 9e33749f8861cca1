/**
 * The relayer's wire formats: one parser per kind of signed request, turning a posted JSON body into the SDK's
 * typed request or refusing it with `INVALID_REQUEST` and the field at fault. Pure; nothing here reads the
 * chain. Integers are decimal strings, bitmasks and codes are numbers, hashes and signatures are 0x-hex.
 */
import { getAddress, isAddress, isHexString } from "ethers";

import {
  type ClaimAuthorization,
  type ClaimSubmission,
  type DelegatedRequest,
  type GrantRequest,
  type OptOutRequest,
  type RevokeRequest,
  type ThirdPartyGrantRequest,
} from "../sdk/index.js";
import { RelayerError } from "./errors.js";

/** The kinds of signed request the relayer takes, by URL path `/v1/relay/<kind>`. */
export type RelayKind = "grant" | "revoke" | "third-party-grant" | "opt-out" | "claim";

/** Every {@link RelayKind}, in the order the docs list them. */
export const RELAY_KINDS: readonly RelayKind[] = ["grant", "revoke", "third-party-grant", "opt-out", "claim"];

/** A posted request, parsed and typed, by kind. */
export type ParsedRelay =
  | { kind: "grant"; signed: DelegatedRequest<GrantRequest> }
  | { kind: "revoke"; signed: DelegatedRequest<RevokeRequest> }
  | { kind: "third-party-grant"; signed: DelegatedRequest<ThirdPartyGrantRequest> }
  | { kind: "opt-out"; signed: DelegatedRequest<OptOutRequest> }
  | { kind: "claim"; submission: ClaimSubmission; provider: bigint; authorization: ClaimAuthorization };

/** The signature part every kind carries. */
export interface SignedPart {
  signer: string;
  nonce: bigint;
  deadline: bigint;
  signature: string;
}

const MAX_ATTACHMENTS_ON_THE_WIRE = 10; // the ClaimRegistry's MAX_ATTACHMENTS; more is refused here already

const invalid = (field: string, what: string) => new RelayerError(400, "INVALID_REQUEST", `${field}: ${what}`, field);

function uint(value: unknown, field: string, bits: number): bigint {
  if (typeof value !== "string" || !/^\d{1,78}$/.test(value)) throw invalid(field, "a decimal integer string");
  const parsed = BigInt(value);
  if (parsed >= 1n << BigInt(bits)) throw invalid(field, `at most ${bits} bits`);
  return parsed;
}

function smallUint(value: unknown, field: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalid(field, `a whole number from 0 to ${max}`);
  }
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw invalid(field, "true or false");
  return value;
}

function bytes32(value: unknown, field: string): string {
  if (typeof value !== "string" || !isHexString(value, 32)) throw invalid(field, "0x and 64 hex digits");
  return value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "an object");
  return value as Record<string, unknown>;
}

function grantOf(value: unknown, field: string): GrantRequest {
  const g = object(value, field);
  return {
    patientId: uint(g.patientId, `${field}.patientId`, 64),
    grantee: uint(g.grantee, `${field}.grantee`, 32),
    categories: smallUint(g.categories, `${field}.categories`, 2 ** 32 - 1),
    purposes: smallUint(g.purposes, `${field}.purposes`, 2 ** 16 - 1),
    notBefore: uint(g.notBefore, `${field}.notBefore`, 64),
    expiresAt: uint(g.expiresAt, `${field}.expiresAt`, 64),
    consentFormHash: bytes32(g.consentFormHash, `${field}.consentFormHash`),
  };
}

function submissionOf(value: unknown, field: string): ClaimSubmission {
  const s = object(value, field);
  if (!Array.isArray(s.attachments) || s.attachments.length > MAX_ATTACHMENTS_ON_THE_WIRE) {
    throw invalid(`${field}.attachments`, `a list of at most ${MAX_ATTACHMENTS_ON_THE_WIRE} content hashes`);
  }
  const attachments = s.attachments as unknown[];
  return {
    patientId: uint(s.patientId, `${field}.patientId`, 64),
    insurer: uint(s.insurer, `${field}.insurer`, 32),
    claimHash: bytes32(s.claimHash, `${field}.claimHash`),
    claimedAmount: uint(s.claimedAmount, `${field}.claimedAmount`, 128),
    currency: smallUint(s.currency, `${field}.currency`, 2 ** 16 - 1),
    serviceStart: uint(s.serviceStart, `${field}.serviceStart`, 64),
    serviceEnd: uint(s.serviceEnd, `${field}.serviceEnd`, 64),
    attachments: attachments.map((hash, index) => bytes32(hash, `${field}.attachments[${index}]`)),
  };
}

function signedPartOf(wire: Record<string, unknown>): SignedPart {
  if (typeof wire.signer !== "string" || !isAddress(wire.signer)) throw invalid("signer", "an account address");
  if (typeof wire.signature !== "string" || !isHexString(wire.signature) || wire.signature.length > 2 + 2 * 1024) {
    throw invalid("signature", "hex bytes (at most 1 KiB)");
  }
  return {
    signer: getAddress(wire.signer),
    nonce: uint(wire.nonce, "nonce", 256),
    deadline: uint(wire.deadline, "deadline", 64),
    signature: wire.signature,
  };
}

/** The JSON body a client posts to `/v1/relay/<kind>` for a signed request (what {@link parseRelayBody} reads). */
export type RelayBody = {
  chainId: string;
  request: Record<string, unknown>;
  signer: string;
  nonce: string;
  deadline: string;
  signature: string;
};

/**
 * Serialises a signed request for the relayer — the client's side of this wire format (the web app, tests):
 * every bigint as a decimal string, numbers and strings as they are (nested objects too).
 *
 * @example
 * ```ts
 * const body = relayBody(2026n, await signGrant(wallet, domain, request, nonce, deadline));
 * ```
 */
export function relayBody<RequestT extends object>(chainId: bigint, signed: DelegatedRequest<RequestT>): RelayBody {
  return {
    chainId: chainId.toString(),
    request: wireValue(signed.request) as Record<string, unknown>,
    signer: signed.signer,
    nonce: signed.nonce.toString(),
    deadline: signed.deadline.toString(),
    signature: signed.signature,
  };
}

function wireValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(wireValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, wireValue(inner)]));
  }
  return value;
}

/**
 * Parses a posted body of `kind`: `{ chainId, request, signer, nonce, deadline, signature }` for the consent
 * kinds and `opt-out`, `{ chainId, provider, submission, signer, nonce, deadline, signature }` for `claim`.
 * Throws {@link RelayerError} `INVALID_REQUEST` naming the first field at fault.
 */
export function parseRelayBody(kind: RelayKind, body: unknown): { chainId: bigint; parsed: ParsedRelay } {
  const wire = object(body, "body");
  const chainId = uint(wire.chainId, "chainId", 256);
  const common = signedPartOf(wire);
  switch (kind) {
    case "grant":
      return { chainId, parsed: { kind, signed: { ...common, request: grantOf(wire.request, "request") } } };
    case "revoke": {
      const r = object(wire.request, "request");
      const request = {
        patientId: uint(r.patientId, "request.patientId", 64),
        grantee: uint(r.grantee, "request.grantee", 32),
      };
      return { chainId, parsed: { kind, signed: { ...common, request } } };
    }
    case "third-party-grant": {
      const r = object(wire.request, "request");
      const request: ThirdPartyGrantRequest = {
        grant: grantOf(r.grant, "request.grant"),
        requesterClass: smallUint(
          r.requesterClass,
          "request.requesterClass",
          255,
        ) as ThirdPartyGrantRequest["requesterClass"],
        optIns: smallUint(r.optIns, "request.optIns", 255),
      };
      return { chainId, parsed: { kind, signed: { ...common, request } } };
    }
    case "opt-out": {
      const r = object(wire.request, "request");
      const request: OptOutRequest = {
        patientId: uint(r.patientId, "request.patientId", 64),
        wholly: bool(r.wholly, "request.wholly"),
        categories: smallUint(r.categories, "request.categories", 2 ** 32 - 1),
        permissions: smallUint(r.permissions, "request.permissions", 255),
      };
      return { chainId, parsed: { kind, signed: { ...common, request } } };
    }
    case "claim": {
      const submission = submissionOf(wire.submission, "submission");
      const provider = uint(wire.provider, "provider", 32);
      return { chainId, parsed: { kind, submission, provider, authorization: common } };
    }
  }
}

/** The patient a parsed request is about. */
export function patientIdOf(parsed: ParsedRelay): bigint {
  switch (parsed.kind) {
    case "third-party-grant":
      return parsed.signed.request.grant.patientId;
    case "claim":
      return parsed.submission.patientId;
    default:
      return parsed.signed.request.patientId;
  }
}

/** The signer, nonce, deadline and signature of a parsed request. */
export function signedPartOfParsed(parsed: ParsedRelay): SignedPart {
  return parsed.kind === "claim" ? parsed.authorization : parsed.signed;
}
