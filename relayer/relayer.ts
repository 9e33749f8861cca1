/**
 * The hospital-run relayer: a small HTTP service that takes a patient's EIP-712 signed request — consent
 * (grant, revocation, third-party grant), a research opt-out, or a claim authorisation — checks everything it
 * can before spending anything — size, JSON, schema, chain, deadline, the relayer's own standing for claims,
 * patient, rate, nonce, signature, signer's mandate, a simulation of the call — and relays it with the
 * hospital's operator key, so patients never hold gas. The same signature relayed twice returns the first
 * answer and sends nothing. Logs are structured JSON lines without personal data: the patient id and the
 * signature appear only as hashes. Per-kind parsing lives in wire.ts, per-kind chain calls in kinds.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { keccak256, recoverAddress, toBeHex, toUtf8Bytes, type Signer } from "ethers";

import { decodeMedchainError, Duty, MemberStatus, PatientStatus, type MedchainClient } from "../sdk/index.js";
import { RelayerError, type RelayerErrorCode } from "./errors.js";
import { operationsOf, type RelayResult } from "./kinds.js";
import {
  parseRelayBody,
  patientIdOf,
  RELAY_KINDS,
  signedPartOfParsed,
  type ParsedRelay,
  type RelayKind,
} from "./wire.js";

export { RelayerError, type RelayerErrorCode } from "./errors.js";
export { type RelayResult } from "./kinds.js";
export { RELAY_KINDS, type RelayKind } from "./wire.js";

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

/** What `GET /v1/status` answers: the chain served, the relayer's account and its organisation. */
export interface RelayerStatus {
  /** The deployment's chain id, a decimal string. */
  chainId: string;
  /** The account the relayer sends with. */
  relayer: string;
  /** The consortium member the account is an operator of, or null when it is none. */
  memberId: number | null;
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

  /** The chain served, the relayer's account and the organisation it operates for (`GET /v1/status`). */
  async status(): Promise<RelayerStatus> {
    const relayer = await this.#account();
    const operator = await this.#client.contracts.memberRegistry.getOperator(relayer);
    return {
      chainId: this.#client.deployment.chainId.toString(),
      relayer,
      memberId: operator.memberId === 0n ? null : Number(operator.memberId),
    };
  }

  /** Checks and relays one signed request (`body` as parsed JSON). Throws {@link RelayerError}. */
  async relay(kind: RelayKind, body: unknown): Promise<RelayResult> {
    let chainId: bigint;
    let parsed: ParsedRelay;
    try {
      ({ chainId, parsed } = parseRelayBody(kind, body));
    } catch (error) {
      if (error instanceof RelayerError) this.#log({ event: "refused", kind, code: error.code });
      throw error;
    }
    const requestRef = keccak256(signedPartOfParsed(parsed).signature);
    // One signature is one request of one kind: the cache never answers a kind with another kind's result.
    const cacheKey = keccak256(toUtf8Bytes(`${kind}:${requestRef}`));
    const patientId = patientIdOf(parsed);
    const patientRef = keccak256(toBeHex(patientId, 32));
    const earlier = this.#answers.get(cacheKey);
    if (earlier !== undefined) {
      const answer = { ...(await earlier), replayed: true };
      this.#log({ event: "replayed", kind, requestRef, patientRef, transactionHash: answer.transactionHash });
      return answer;
    }
    const operations = operationsOf(this.#client, parsed);
    try {
      await this.#check(chainId, parsed, patientId, operations);
    } catch (error) {
      if (error instanceof RelayerError)
        this.#log({ event: "refused", kind, code: error.code, requestRef, patientRef });
      throw error;
    }
    const answer = operations.send();
    this.#answers.set(cacheKey, answer);
    try {
      const result = await answer;
      this.#log({ event: "relayed", kind, requestRef, patientRef, transactionHash: result.transactionHash });
      return result;
    } catch (error) {
      this.#answers.delete(cacheKey);
      throw error;
    }
  }

  async #account(): Promise<string> {
    const runner = this.#client.contracts.memberRegistry.runner as Partial<Signer> | null;
    if (runner === null || typeof runner.getAddress !== "function") {
      throw new Error("the relayer's client has no signer: connect it with the hospital operator's key");
    }
    return runner.getAddress();
  }

  async #check(
    chainId: bigint,
    parsed: ParsedRelay,
    patientId: bigint,
    operations: ReturnType<typeof operationsOf>,
  ): Promise<void> {
    const { contracts, deployment } = this.#client;
    if (chainId !== deployment.chainId) {
      throw new RelayerError(
        400,
        "WRONG_CHAIN",
        `this relayer serves chain ${deployment.chainId}, not ${chainId}`,
        "chainId",
      );
    }
    const provider = contracts.consentRegistry.runner?.provider;
    const latest = await provider?.getBlock("latest");
    if (latest === null || latest === undefined) throw new Error("the node returned no latest block");
    const { signer, nonce, deadline, signature } = signedPartOfParsed(parsed);
    if (deadline < BigInt(latest.timestamp)) {
      throw new RelayerError(
        400,
        "EXPIRED",
        "the signature's deadline has passed: ask the patient to sign again",
        "deadline",
      );
    }
    if (parsed.kind === "claim") await this.#requireClaimsOfficerOf(parsed.provider);
    const patient = await contracts.patientRegistry.getPatient(patientId);
    if (Number(patient.status) !== PatientStatus.Active) {
      const field = parsed.kind === "claim" ? "submission.patientId" : "request.patientId";
      throw new RelayerError(404, "UNKNOWN_PATIENT", `there is no active patient ${patientId}`, field);
    }
    const now = this.#now();
    const recent = (this.#recent.get(patientId) ?? []).filter((time) => now - time < this.#rate.windowMs);
    if (recent.length >= this.#rate.requests) {
      throw new RelayerError(429, "RATE_LIMITED", "too many requests for this patient: try again later");
    }
    recent.push(now);
    this.#recent.set(patientId, recent);
    const current = await operations.currentNonce();
    if (nonce !== current) {
      throw new RelayerError(
        409,
        "STALE_NONCE",
        `the signature carries nonce ${nonce}; the patient's ${parsed.kind} nonce is ${current}`,
        "nonce",
      );
    }
    // A smart-wallet (ERC-1271) signer's signature is checked by the simulation instead.
    if ((await provider?.getCode(signer)) === "0x") {
      let recovered: string;
      try {
        recovered = recoverAddress(operations.digest(), signature);
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
    if (!(await contracts.patientRegistry.canActFor(patientId, signer, operations.scope.bit))) {
      throw new RelayerError(
        403,
        "NOT_PATIENT_OR_DELEGATE",
        `the signer is neither the patient nor a ${operations.scope.name} delegate`,
        "signer",
      );
    }
    try {
      await operations.simulate();
    } catch (error) {
      const reason = decodeMedchainError(error);
      throw new RelayerError(
        422,
        "SIMULATION_FAILED",
        reason === undefined ? "the chain would refuse this request" : `${reason.errorName}: ${reason.shortMessage}`,
      );
    }
  }

  /** A claim is submitted as the relayer's organisation: it must be the claim's provider, with the claims duty. */
  async #requireClaimsOfficerOf(provider: bigint): Promise<void> {
    const { memberRegistry } = this.#client.contracts;
    const account = await this.#account();
    const operator = await memberRegistry.getOperator(account);
    const refuse = (why: string) =>
      new RelayerError(
        403,
        "RELAYER_NOT_PROVIDER",
        `this relayer cannot submit claims of provider ${provider}: ${why}`,
        "provider",
      );
    if (operator.memberId !== provider) {
      throw refuse(
        operator.memberId === 0n
          ? "its account is no consortium operator"
          : `its account is an operator of member ${operator.memberId}; send the claim to that provider's relayer`,
      );
    }
    if ((Number(operator.duties) & (1 << Duty.ClaimsOfficer)) === 0) {
      throw refuse("its account lacks the ClaimsOfficer duty");
    }
    if (Number((await memberRegistry.getMember(provider)).status) !== MemberStatus.Active) {
      throw refuse("the provider is not an active member");
    }
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

/** Cross-origin access for the patient web app: any origin may POST JSON and read the answer. */
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "600",
} as const;

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...CORS_HEADERS, "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

type Route = { path: "status" } | { path: "relay"; kind: RelayKind };

function routeOf(url: string | undefined): Route | undefined {
  const path = (url ?? "").split("?")[0];
  if (path === "/v1/status") return { path: "status" };
  const kind = /^\/v1\/relay\/([a-z-]+)$/.exec(path ?? "")?.[1] as RelayKind | undefined;
  return kind !== undefined && RELAY_KINDS.includes(kind) ? { path: "relay", kind } : undefined;
}

/**
 * The relayer as an HTTP server:
 * - `POST /v1/relay/grant | revoke | third-party-grant | opt-out` with a JSON body
 *   `{ chainId, request, signer, nonce, deadline, signature }`, and `POST /v1/relay/claim` with
 *   `{ chainId, provider, submission, signer, nonce, deadline, signature }` (integers as decimal strings,
 *   masks and codes as numbers): 200 with the transaction and its decoded result;
 * - `GET /v1/status`: `{ chainId, relayer, memberId }`;
 * - `OPTIONS` on either: 204, the CORS preflight.
 * Errors are JSON `{ error: { code, message, field } }`; every answer carries CORS headers.
 */
export function createRelayerServer(options: RelayerOptions): { server: Server; relayer: Relayer } {
  const relayer = new Relayer(options);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const route = routeOf(request.url);
        if (route === undefined) throw new RelayerError(404, "NOT_FOUND", "no such endpoint");
        if (request.method === "OPTIONS") {
          response.writeHead(204, CORS_HEADERS);
          response.end();
          return;
        }
        if (route.path === "status") {
          if (request.method !== "GET") throw new RelayerError(405, "METHOD_NOT_ALLOWED", "use GET");
          answer(response, 200, await relayer.status());
          return;
        }
        if (request.method !== "POST") throw new RelayerError(405, "METHOD_NOT_ALLOWED", "use POST");
        const text = await readBody(request, maxBodyBytes);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new RelayerError(400, "MALFORMED_JSON", "the body is not valid JSON");
        }
        answer(response, 200, await relayer.relay(route.kind, body));
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
