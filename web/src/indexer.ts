/**
 * The indexer's read API (`${indexerUrl}/api/v1/...`), typed, with every answer checked at run time: lists
 * and timelines for the patient, care team and insurer views. Large integers (patient ids, amounts) arrive
 * as decimal strings; ids, masks, codes and unix-second timestamps as numbers; lists newest first.
 */

/** Why an indexer call failed: unreachable, an error answer, or an answer of the wrong shape. */
export type IndexerProblem = "unreachable" | "http" | "malformed";

/** A failed indexer call, with the service's own code and message when it sent one. */
export class IndexerError extends Error {
  readonly problem: IndexerProblem;
  /** The HTTP status, for `http`. */
  readonly status: number | undefined;
  /** The indexer's error code (`{error:{code}}`), when it sent one. */
  readonly code: string | undefined;

  constructor(
    problem: IndexerProblem,
    message: string,
    options: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "IndexerError";
    this.problem = problem;
    this.status = options.status;
    this.code = options.code;
  }
}

/** `GET /api/v1/status`. */
export interface IndexerStatus {
  chainId: string;
  block: number;
}

/** One grant as the indexer keeps it (revoked ones included). */
export interface IndexedGrant {
  patientId: string;
  grantee: number;
  categories: number;
  purposes: number;
  notBefore: number;
  expiresAt: number;
  consentFormHash: string;
  grantedBy: string;
  requesterClass: number | null;
  optIns: number | null;
  revoked: boolean;
  revokedBy: string | null;
  updatedAt: number;
  blockNumber: number;
  txHash: string;
}

/** One consent event of a patient's grant history. */
export interface GrantHistoryEvent {
  kind: "granted" | "revoked" | "terms";
  grantee: number;
  by: string;
  timestamp: number;
  txHash: string;
}

/** One logged access to a patient's records. */
export interface IndexedAccess {
  memberId: number;
  operator: string;
  category: number;
  purpose: number;
  recordRef: string;
  underBreakGlass: boolean;
  timestamp: number;
  blockNumber: number;
  txHash: string;
  logIndex: number;
}

/** One emergency-access (break-glass) session. */
export interface BreakGlassSession {
  memberId: number;
  clinician: string;
  reason: number;
  openedAt: number;
  endsAt: number;
  closedAt: number | null;
  closedBy: string | null;
  txHash: string;
}

/** A patient's research opt-out as it stands. */
export interface IndexedOptOut {
  wholly: boolean;
  categories: number;
  permissions: number;
  changedBy: string;
  timestamp: number;
}

/** One insurance claim. */
export interface IndexedClaim {
  claimId: string;
  patientId: string;
  insurer: number;
  provider: number;
  operator: string;
  claimHash: string;
  claimedAmount: string;
  currency: number;
  serviceStart: number;
  serviceEnd: number;
  /** Content hashes of the anchored records attached to the claim (at submission and in answers). */
  attachments: string[];
  authorizedBySignature: boolean;
  status: number;
  outcome: number;
  reason: number;
  approvedAmount: string;
  submittedAt: number;
  updatedAt: number;
}

/** One step of a claim's timeline. */
export interface ClaimTimelineStep {
  status: number;
  previousStatus: number;
  actor: string;
  outcome: number;
  reason: number;
  approvedAmount: string;
  referenceHash: string;
  timestamp: number;
  txHash: string;
}

/** `GET /api/v1/claims/:claimId`. */
export interface ClaimDetail {
  claim: IndexedClaim;
  timeline: ClaimTimelineStep[];
  attachments: string[];
}

type Json = Record<string, unknown>;

function malformed(path: string, what: string): IndexerError {
  return new IndexerError("malformed", `the indexer's answer is not as expected: ${path} should be ${what}`);
}

function obj(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed(path, "an object");
  return value as Json;
}

function arr(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(path, "a list");
  return value;
}

function num(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw malformed(path, "a whole number");
  return value;
}

function dec(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^[0-9]{1,78}$/.test(value)) throw malformed(path, "a decimal string");
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== "string") throw malformed(path, "a string");
  return value;
}

function hex(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value)) throw malformed(path, "a 0x hex string");
  return value;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw malformed(path, "true or false");
  return value;
}

function nullable<T>(check: (value: unknown, path: string) => T, value: unknown, path: string): T | null {
  return value === null || value === undefined ? null : check(value, path);
}

/** Checks `GET /api/v1/status`. */
export function checkStatus(json: unknown): IndexerStatus {
  const o = obj(json, "status");
  const chainId = o.chainId;
  return {
    chainId: typeof chainId === "number" ? String(num(chainId, "chainId")) : dec(chainId, "chainId"),
    block: num(o.block, "block"),
  };
}

/** Checks one grant. */
export function checkGrant(value: unknown, path: string): IndexedGrant {
  const g = obj(value, path);
  return {
    patientId: dec(g.patientId, `${path}.patientId`),
    grantee: num(g.grantee, `${path}.grantee`),
    categories: num(g.categories, `${path}.categories`),
    purposes: num(g.purposes, `${path}.purposes`),
    notBefore: num(g.notBefore, `${path}.notBefore`),
    expiresAt: num(g.expiresAt, `${path}.expiresAt`),
    consentFormHash: hex(g.consentFormHash, `${path}.consentFormHash`),
    grantedBy: str(g.grantedBy, `${path}.grantedBy`),
    requesterClass: nullable(num, g.requesterClass, `${path}.requesterClass`),
    optIns: nullable(num, g.optIns, `${path}.optIns`),
    revoked: bool(g.revoked, `${path}.revoked`),
    revokedBy: nullable(str, g.revokedBy, `${path}.revokedBy`),
    updatedAt: num(g.updatedAt, `${path}.updatedAt`),
    blockNumber: num(g.blockNumber, `${path}.blockNumber`),
    txHash: hex(g.txHash, `${path}.txHash`),
  };
}

/** Checks `GET /api/v1/patients/:id/grants`. */
export function checkGrants(json: unknown): IndexedGrant[] {
  return arr(obj(json, "answer").grants, "grants").map((g, i) => checkGrant(g, `grants[${i}]`));
}

/** Checks `GET /api/v1/patients/:id/grant-history`. */
export function checkGrantHistory(json: unknown): GrantHistoryEvent[] {
  return arr(obj(json, "answer").events, "events").map((value, i) => {
    const path = `events[${i}]`;
    const e = obj(value, path);
    if (e.kind !== "granted" && e.kind !== "revoked" && e.kind !== "terms") {
      throw malformed(`${path}.kind`, '"granted", "revoked" or "terms"');
    }
    return {
      kind: e.kind,
      grantee: num(e.grantee, `${path}.grantee`),
      by: str(e.by, `${path}.by`),
      timestamp: num(e.timestamp, `${path}.timestamp`),
      txHash: hex(e.txHash, `${path}.txHash`),
    };
  });
}

/** Checks `GET /api/v1/patients/:id/access-log`. */
export function checkAccessLog(json: unknown): IndexedAccess[] {
  return arr(obj(json, "answer").accesses, "accesses").map((value, i) => {
    const path = `accesses[${i}]`;
    const a = obj(value, path);
    return {
      memberId: num(a.memberId, `${path}.memberId`),
      operator: str(a.operator, `${path}.operator`),
      category: num(a.category, `${path}.category`),
      purpose: num(a.purpose, `${path}.purpose`),
      recordRef: hex(a.recordRef, `${path}.recordRef`),
      underBreakGlass: bool(a.underBreakGlass, `${path}.underBreakGlass`),
      timestamp: num(a.timestamp, `${path}.timestamp`),
      blockNumber: num(a.blockNumber, `${path}.blockNumber`),
      txHash: hex(a.txHash, `${path}.txHash`),
      logIndex: num(a.logIndex, `${path}.logIndex`),
    };
  });
}

/** Checks `GET /api/v1/patients/:id/break-glass`. */
export function checkBreakGlass(json: unknown): BreakGlassSession[] {
  return arr(obj(json, "answer").sessions, "sessions").map((value, i) => {
    const path = `sessions[${i}]`;
    const s = obj(value, path);
    return {
      memberId: num(s.memberId, `${path}.memberId`),
      clinician: str(s.clinician, `${path}.clinician`),
      reason: num(s.reason, `${path}.reason`),
      openedAt: num(s.openedAt, `${path}.openedAt`),
      endsAt: num(s.endsAt, `${path}.endsAt`),
      closedAt: nullable(num, s.closedAt, `${path}.closedAt`),
      closedBy: nullable(str, s.closedBy, `${path}.closedBy`),
      txHash: hex(s.txHash, `${path}.txHash`),
    };
  });
}

/** Checks `GET /api/v1/patients/:id/opt-out` (the history is not used by the app and not checked). */
export function checkOptOut(json: unknown): IndexedOptOut | null {
  const o = obj(json, "answer");
  if (o.optOut === null || o.optOut === undefined) return null;
  const v = obj(o.optOut, "optOut");
  return {
    wholly: bool(v.wholly, "optOut.wholly"),
    categories: num(v.categories, "optOut.categories"),
    permissions: num(v.permissions, "optOut.permissions"),
    changedBy: str(v.changedBy, "optOut.changedBy"),
    timestamp: num(v.timestamp, "optOut.timestamp"),
  };
}

/** Checks one claim. */
export function checkClaim(value: unknown, path: string): IndexedClaim {
  const c = obj(value, path);
  return {
    claimId: hex(c.claimId, `${path}.claimId`),
    patientId: dec(c.patientId, `${path}.patientId`),
    insurer: num(c.insurer, `${path}.insurer`),
    provider: num(c.provider, `${path}.provider`),
    operator: str(c.operator, `${path}.operator`),
    claimHash: hex(c.claimHash, `${path}.claimHash`),
    claimedAmount: dec(c.claimedAmount, `${path}.claimedAmount`),
    currency: num(c.currency, `${path}.currency`),
    serviceStart: num(c.serviceStart, `${path}.serviceStart`),
    serviceEnd: num(c.serviceEnd, `${path}.serviceEnd`),
    attachments: arr(c.attachments, `${path}.attachments`).map((a, i) => hex(a, `${path}.attachments[${i}]`)),
    authorizedBySignature: bool(c.authorizedBySignature, `${path}.authorizedBySignature`),
    status: num(c.status, `${path}.status`),
    outcome: num(c.outcome, `${path}.outcome`),
    reason: num(c.reason, `${path}.reason`),
    approvedAmount: dec(c.approvedAmount, `${path}.approvedAmount`),
    submittedAt: num(c.submittedAt, `${path}.submittedAt`),
    updatedAt: num(c.updatedAt, `${path}.updatedAt`),
  };
}

/** Checks `GET …/claims` answers. */
export function checkClaims(json: unknown): IndexedClaim[] {
  return arr(obj(json, "answer").claims, "claims").map((c, i) => checkClaim(c, `claims[${i}]`));
}

/** Checks `GET /api/v1/claims/:claimId`. */
export function checkClaimDetail(json: unknown): ClaimDetail {
  const o = obj(json, "answer");
  const timeline = arr(o.timeline, "timeline").map((value, i): ClaimTimelineStep => {
    const path = `timeline[${i}]`;
    const t = obj(value, path);
    return {
      status: num(t.status, `${path}.status`),
      previousStatus: num(t.previousStatus, `${path}.previousStatus`),
      actor: str(t.actor, `${path}.actor`),
      outcome: num(t.outcome, `${path}.outcome`),
      reason: num(t.reason, `${path}.reason`),
      approvedAmount: dec(t.approvedAmount, `${path}.approvedAmount`),
      referenceHash: hex(t.referenceHash, `${path}.referenceHash`),
      timestamp: num(t.timestamp, `${path}.timestamp`),
      txHash: hex(t.txHash, `${path}.txHash`),
    };
  });
  const attachments = arr(o.attachments, "attachments").map((a, i) => hex(a, `attachments[${i}]`));
  return { claim: checkClaim(o.claim, "claim"), timeline, attachments };
}

/** The `fetch` the client uses (tests pass their own). */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

/**
 * The indexer API client: one method per endpoint, each answer checked. Throws {@link IndexerError}.
 *
 * @example
 * ```ts
 * const indexer = new IndexerClient("https://demo.example/indexer");
 * const grants = await indexer.grants("7");
 * ```
 */
export class IndexerClient {
  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, options: { fetch?: FetchLike; timeoutMs?: number } = {}) {
    this.#base = baseUrl.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async #get<T>(path: string, check: (json: unknown) => T): Promise<T> {
    const url = `${this.#base}/api/v1/${path}`;
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new IndexerError("unreachable", `the indexer at ${this.#base} cannot be reached`, { cause: error });
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      throw new IndexerError(
        response.ok ? "malformed" : "http",
        response.ok
          ? "the indexer's answer is not JSON"
          : `the indexer answered HTTP ${response.status} (is it running behind the gateway?)`,
        { status: response.status, cause: error },
      );
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof error?.code === "string" ? error.code : undefined;
      const message = typeof error?.message === "string" ? error.message : `HTTP ${response.status}`;
      throw new IndexerError("http", `the indexer refused: ${message}`, {
        status: response.status,
        ...(code === undefined ? {} : { code }),
      });
    }
    return check(json);
  }

  /** The indexer's chain and latest indexed block. */
  status(): Promise<IndexerStatus> {
    return this.#get("status", checkStatus);
  }

  /** A patient's grants, revoked ones included. */
  grants(patientId: string): Promise<IndexedGrant[]> {
    return this.#get(`patients/${encodeURIComponent(patientId)}/grants`, checkGrants);
  }

  /** A patient's consent history. */
  grantHistory(patientId: string): Promise<GrantHistoryEvent[]> {
    return this.#get(`patients/${encodeURIComponent(patientId)}/grant-history`, checkGrantHistory);
  }

  /** Who accessed a patient's records, newest first. */
  accessLog(patientId: string, limit = 100): Promise<IndexedAccess[]> {
    return this.#get(`patients/${encodeURIComponent(patientId)}/access-log?limit=${limit}`, checkAccessLog);
  }

  /** A patient's emergency-access sessions. */
  breakGlass(patientId: string): Promise<BreakGlassSession[]> {
    return this.#get(`patients/${encodeURIComponent(patientId)}/break-glass`, checkBreakGlass);
  }

  /** A patient's research opt-out (null: none). */
  optOut(patientId: string): Promise<IndexedOptOut | null> {
    return this.#get(`patients/${encodeURIComponent(patientId)}/opt-out`, checkOptOut);
  }

  /** A patient's claims. */
  patientClaims(patientId: string): Promise<IndexedClaim[]> {
    return this.#get(`patients/${encodeURIComponent(patientId)}/claims`, checkClaims);
  }

  /** An insurer's claims, optionally of one status. */
  insurerClaims(insurer: number, status?: number): Promise<IndexedClaim[]> {
    const query = status === undefined ? `insurer=${insurer}` : `insurer=${insurer}&status=${status}`;
    return this.#get(`claims?${query}`, checkClaims);
  }

  /** One claim with its timeline. */
  claim(claimId: string): Promise<ClaimDetail> {
    return this.#get(`claims/${encodeURIComponent(claimId)}`, checkClaimDetail);
  }

  /**
   * Waits until the indexer has indexed block `block` (after a transaction), polling `status`; gives up
   * after `timeoutMs` and returns false.
   */
  async waitForBlock(block: number, timeoutMs = 15_000, intervalMs = 500): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await this.status()).block >= block) return true;
      } catch {
        // An unreachable indexer is reported by the lists themselves.
      }
      if (Date.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/**
 * Whether a grant still counts at `now` (unix seconds): not revoked (nor emptied) and not yet expired; a grant
 * whose window has not started yet counts too, so the patient sees and can revoke it.
 *
 * @example
 * ```ts
 * const active = grants.filter((g) => isGrantActive(g, Date.now() / 1000));
 * ```
 */
export function isGrantActive(grant: IndexedGrant, now: number): boolean {
  return !grant.revoked && grant.categories !== 0 && now < grant.expiresAt;
}
