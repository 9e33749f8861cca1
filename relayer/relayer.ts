/**
 * The hospital-run relayer: a small HTTP service that takes a patient's EIP-712 signed consent request
 * (grant, revocation, third-party grant), checks everything it can before spending anything — size, JSON,
 * schema, chain, deadline, patient, rate, nonce, signature, signer's mandate, a simulation of the call — and
 * relays it with the hospital's operator key, so patients never hold gas. The same signature relayed twice
 * returns the first answer and sends nothing. Logs are structured JSON lines without personal data: the
 * patient id and the signature appear only as hashes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { getAddress, isAddress, isHexString, keccak256, recoverAddress, toBeHex } from "ethers";

import {
  consentDomain,
  decodeMedchainError,
  DelegateScope,
  grantDigest,
  PatientStatus,
  revokeDigest,
  thirdPartyGrantDigest,
  type DelegatedRequest,
  type GrantRequest,
  type MedchainClient,
  type RevokeRequest,
  type ThirdPartyGrantRequest,
} from "../sdk/index.js";

/** The kinds of signed request the relayer takes, by URL path `/v1/relay/<kind>`. */
export type RelayKind = "grant" | "revoke" | "third-party-grant";

/** Stable error codes of the relayer's HTTP answers. */
export type RelayerErrorCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "BODY_TOO_LARGE"
  | "MALFORMED_JSON"
  | "INVALID_REQUEST"
  | "WRONG_CHAIN"
  | "EXPIRED"
  | "UNKNOWN_PATIENT"
  | "RATE_LIMITED"
  | "STALE_NONCE"
  | "BAD_SIGNATURE"
  | "NOT_PATIENT_OR_DELEGATE"
  | "SIMULATION_FAILED"
  | "UPSTREAM";

/** A refusal: the HTTP status, a stable code and a message a hospital's support desk can read out. */
export class RelayerError extends Error {
  readonly status: number;
  readonly code: RelayerErrorCode;
  readonly field: string | undefined;

  constructor(status: number, code: RelayerErrorCode, message: string, field?: string) {
    super(message);
    this.name = "RelayerError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** One structured log line (no personal data: hashes only). */
export interface RelayerLogEntry {
  event: "relayed" | "replayed" | "refused";
  kind?: RelayKind;
  code?: RelayerErrorCode;
  /** keccak256 of the signature: finds the request again without storing it. */
  requestRef?: string;
  /** keccak256 of the patient id: correlates one patient's requests without naming her. */
  patientRef?: string;
  transactionHash?: string;
}

/** What a relayed request returns. */
export interface RelayResult {
  kind: RelayKind;
  transactionHash: string;
  blockNumber: number;
  patientId: string;
  grantee: string;
  /** True when this signature was relayed before and this is the first answer again. */
  replayed: boolean;
}

export interface RelayerOptions {
  /** A client connected with the hospital's operator signer (it pays nothing on the zero-gas chain). */
  client: MedchainClient;
  /** Largest request body accepted, in bytes. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Requests per patient per window. Default 20 per minute. */
  rateLimit?: { requests: number; windowMs: number };
  /** Where log lines go. Default: one JSON line per entry on stdout. */
  log?: (entry: RelayerLogEntry) => void;
  /** The clock for rate limiting (tests move it). */
  now?: () => number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
const KINDS: readonly RelayKind[] = ["grant", "revoke", "third-party-grant"];

interface Wire {
  chainId: unknown;
  request: unknown;
  signer: unknown;
  nonce: unknown;
  deadline: unknown;
  signature: unknown;
}

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

type Parsed =
  | { kind: "grant"; signed: DelegatedRequest<GrantRequest> }
  | { kind: "revoke"; signed: DelegatedRequest<RevokeRequest> }
  | { kind: "third-party-grant"; signed: DelegatedRequest<ThirdPartyGrantRequest> };

function parse(kind: RelayKind, body: unknown): { chainId: bigint; parsed: Parsed } {
  const wire = object(body, "body") as Partial<Wire>;
  const chainId = uint(wire.chainId, "chainId", 256);
  if (typeof wire.signer !== "string" || !isAddress(wire.signer)) throw invalid("signer", "an account address");
  if (typeof wire.signature !== "string" || !isHexString(wire.signature) || wire.signature.length > 2 + 2 * 1024) {
    throw invalid("signature", "hex bytes (at most 1 KiB)");
  }
  const common = {
    signer: getAddress(wire.signer),
    nonce: uint(wire.nonce, "nonce", 256),
    deadline: uint(wire.deadline, "deadline", 64),
    signature: wire.signature,
  };
  if (kind === "grant")
    return { chainId, parsed: { kind, signed: { ...common, request: grantOf(wire.request, "request") } } };
  if (kind === "revoke") {
    const r = object(wire.request, "request");
    const request = {
      patientId: uint(r.patientId, "request.patientId", 64),
      grantee: uint(r.grantee, "request.grantee", 32),
    };
    return { chainId, parsed: { kind, signed: { ...common, request } } };
  }
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

function patientIdOf(parsed: Parsed): bigint {
  return parsed.kind === "third-party-grant" ? parsed.signed.request.grant.patientId : parsed.signed.request.patientId;
}

function granteeOf(parsed: Parsed): bigint {
  return parsed.kind === "third-party-grant" ? parsed.signed.request.grant.grantee : parsed.signed.request.grantee;
}

/** The relayer's request handling, independent of HTTP (the server below wraps it). */
export class Relayer {
  readonly #client: MedchainClient;
  readonly #log: (entry: RelayerLogEntry) => void;
  readonly #rate: { requests: number; windowMs: number };
  readonly #now: () => number;
  readonly #answers = new Map<string, Promise<RelayResult>>();
  readonly #recent = new Map<bigint, number[]>();

  constructor(options: RelayerOptions) {
    this.#client = options.client;
    this.#log = options.log ?? ((entry) => process.stdout.write(`${JSON.stringify(entry)}\n`));
    this.#rate = options.rateLimit ?? { requests: 20, windowMs: 60_000 };
    this.#now = options.now ?? Date.now;
  }

  /** Checks and relays one signed request (`body` as parsed JSON). Throws {@link RelayerError}. */
  async relay(kind: RelayKind, body: unknown): Promise<RelayResult> {
    let chainId: bigint;
    let parsed: Parsed;
    try {
      ({ chainId, parsed } = parse(kind, body));
    } catch (error) {
      if (error instanceof RelayerError) this.#log({ event: "refused", kind, code: error.code });
      throw error;
    }
    const requestRef = keccak256(parsed.signed.signature);
    const patientId = patientIdOf(parsed);
    const patientRef = keccak256(toBeHex(patientId, 32));
    const earlier = this.#answers.get(requestRef);
    if (earlier !== undefined) {
      const answer = { ...(await earlier), replayed: true };
      this.#log({ event: "replayed", kind, requestRef, patientRef, transactionHash: answer.transactionHash });
      return answer;
    }
    try {
      await this.#check(chainId, parsed, patientId);
    } catch (error) {
      if (error instanceof RelayerError)
        this.#log({ event: "refused", kind, code: error.code, requestRef, patientRef });
      throw error;
    }
    const answer = this.#send(parsed);
    this.#answers.set(requestRef, answer);
    try {
      const result = await answer;
      this.#log({ event: "relayed", kind, requestRef, patientRef, transactionHash: result.transactionHash });
      return result;
    } catch (error) {
      this.#answers.delete(requestRef);
      throw error;
    }
  }

  async #check(chainId: bigint, parsed: Parsed, patientId: bigint): Promise<void> {
    const { contracts, deployment } = this.#client;
    if (chainId !== deployment.chainId) {
      throw new RelayerError(
        400,
        "WRONG_CHAIN",
        `this relayer serves chain ${deployment.chainId}, not ${chainId}`,
        "chainId",
      );
    }
    const latest = await contracts.consentRegistry.runner?.provider?.getBlock("latest");
    if (latest === null || latest === undefined) throw new Error("the node returned no latest block");
    if (parsed.signed.deadline < BigInt(latest.timestamp)) {
      throw new RelayerError(
        400,
        "EXPIRED",
        "the signature's deadline has passed: ask the patient to sign again",
        "deadline",
      );
    }
    const patient = await contracts.patientRegistry.getPatient(patientId);
    if (Number(patient.status) !== PatientStatus.Active) {
      throw new RelayerError(404, "UNKNOWN_PATIENT", `there is no active patient ${patientId}`, "request.patientId");
    }
    const now = this.#now();
    const recent = (this.#recent.get(patientId) ?? []).filter((time) => now - time < this.#rate.windowMs);
    if (recent.length >= this.#rate.requests) {
      throw new RelayerError(429, "RATE_LIMITED", "too many requests for this patient: try again later");
    }
    recent.push(now);
    this.#recent.set(patientId, recent);
    const nonce = await contracts.consentRegistry.nonces(patientId);
    if (parsed.signed.nonce !== nonce) {
      throw new RelayerError(
        409,
        "STALE_NONCE",
        `the signature carries nonce ${parsed.signed.nonce}; the patient's nonce is ${nonce}`,
        "nonce",
      );
    }
    const domain = consentDomain({ chainId: deployment.chainId, verifyingContract: deployment.consentRegistry });
    const { signer, nonce: signedNonce, deadline, signature } = parsed.signed;
    const hasCode = (await contracts.consentRegistry.runner?.provider?.getCode(signer)) !== "0x";
    if (!hasCode) {
      const digest =
        parsed.kind === "grant"
          ? grantDigest(domain, parsed.signed.request, signer, signedNonce, deadline)
          : parsed.kind === "revoke"
            ? revokeDigest(domain, parsed.signed.request, signer, signedNonce, deadline)
            : thirdPartyGrantDigest(domain, parsed.signed.request, signer, signedNonce, deadline);
      let recovered: string;
      try {
        recovered = recoverAddress(digest, signature);
      } catch {
        throw new RelayerError(401, "BAD_SIGNATURE", "the signature is malformed", "signature");
      }
      if (recovered !== signer) {
        throw new RelayerError(
          401,
          "BAD_SIGNATURE",
          "the signature is not the named signer's over this request",
          "signature",
        );
      }
    }
    if (!(await contracts.patientRegistry.canActFor(patientId, signer, DelegateScope.Consent))) {
      throw new RelayerError(
        403,
        "NOT_PATIENT_OR_DELEGATE",
        "the signer is neither the patient nor a consent delegate",
        "signer",
      );
    }
    try {
      if (parsed.kind === "grant") await contracts.consentRegistry.grantBySig.staticCall(parsed.signed);
      else if (parsed.kind === "revoke") await contracts.consentRegistry.revokeBySig.staticCall(parsed.signed);
      else await contracts.consentRegistry.grantThirdPartyBySig.staticCall(parsed.signed);
    } catch (error) {
      const reason = decodeMedchainError(error);
      throw new RelayerError(
        422,
        "SIMULATION_FAILED",
        reason === undefined ? "the chain would refuse this request" : `${reason.errorName}: ${reason.shortMessage}`,
      );
    }
  }

  async #send(parsed: Parsed): Promise<RelayResult> {
    const consent = this.#client.consent;
    const transaction =
      parsed.kind === "grant"
        ? await consent.relayGrant(parsed.signed)
        : parsed.kind === "revoke"
          ? await consent.relayRevoke(parsed.signed)
          : await consent.relayThirdPartyGrant(parsed.signed);
    const { receipt } = await transaction.wait();
    return {
      kind: parsed.kind,
      transactionHash: receipt.hash,
      blockNumber: receipt.blockNumber,
      patientId: patientIdOf(parsed).toString(),
      grantee: granteeOf(parsed).toString(),
      replayed: false,
    };
  }
}

/** Reads a request body of at most `maxBytes`; a larger one is refused at once and the rest drained unread. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        reject(new RelayerError(413, "BODY_TOO_LARGE", `a request body may hold at most ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (!tooLarge) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/**
 * The relayer as an HTTP server: `POST /v1/relay/grant | revoke | third-party-grant` with a JSON body
 * `{ chainId, request, signer, nonce, deadline, signature }` (integers as decimal strings, masks and codes
 * as numbers). 200 with the transaction, or a JSON error `{ error: { code, message, field } }`.
 */
export function createRelayerServer(options: RelayerOptions): { server: Server; relayer: Relayer } {
  const relayer = new Relayer(options);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const match = /^\/v1\/relay\/([a-z-]+)$/.exec(request.url ?? "");
        const kind = match?.[1] as RelayKind | undefined;
        if (kind === undefined || !KINDS.includes(kind)) throw new RelayerError(404, "NOT_FOUND", "no such endpoint");
        if (request.method !== "POST") throw new RelayerError(405, "METHOD_NOT_ALLOWED", "use POST");
        const text = await readBody(request, maxBodyBytes);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new RelayerError(400, "MALFORMED_JSON", "the body is not valid JSON");
        }
        answer(response, 200, await relayer.relay(kind, body));
      } catch (error) {
        if (error instanceof RelayerError) {
          answer(response, error.status, { error: { code: error.code, message: error.message, field: error.field } });
        } else {
          const code: RelayerErrorCode = "UPSTREAM";
          answer(response, 502, { error: { code, message: "the node could not be reached or failed" } });
        }
      }
    })();
  });
  return { server, relayer };
}
