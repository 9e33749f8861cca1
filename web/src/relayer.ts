/**
 * The hospital relayer's wire format (docs/relayer.md) from the browser: a patient's EIP-712 signed request
 * serialised (integers as decimal strings, masks and codes as numbers) and POSTed to
 * `${relayerUrl}/v1/relay/<kind>`. Answers and refusals are checked; every failure is a {@link RelayError}
 * carrying the relayer's stable code and message.
 */
import type { Provider, Signer } from "ethers";

import type { DelegatedRequest, GrantRequest, RevokeRequest } from "../../sdk/consent.js";
import { optOutDomain, signOptOut, type OptOutRequest } from "../../sdk/opt-out.js";
import { relayBody, type RelayBody } from "../../relayer/wire.js";
import { ResearchOptOutRegistry__factory } from "../../typechain-types/index.js";

/** The kinds of request the app relays. `opt-out` is the research opt-out route (see {@link relayOptOut}). */
export type RelayRoute = "grant" | "revoke" | "opt-out";

/** What the relayer answers for a relayed request. */
export interface RelayAnswer {
  kind: string;
  transactionHash: string;
  blockNumber: number;
  patientId: string;
  replayed: boolean;
}

/** A refused or failed relay: the relayer's code (`UNREACHABLE` when it could not be reached at all). */
export class RelayError extends Error {
  /** The relayer's stable code (`STALE_NONCE`, `NOT_FOUND`…), or `UNREACHABLE` / `MALFORMED_ANSWER`. */
  readonly code: string;
  readonly status: number | undefined;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { status?: number; field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "RelayError";
    this.code = code;
    this.status = options.status;
    this.field = options.field;
  }
}

/** Checks a relayer's 200 answer. */
export function checkRelayAnswer(json: unknown): RelayAnswer {
  const a = json as Partial<Record<keyof RelayAnswer, unknown>> | null;
  if (
    a === null ||
    typeof a !== "object" ||
    typeof a.kind !== "string" ||
    typeof a.transactionHash !== "string" ||
    typeof a.blockNumber !== "number" ||
    typeof a.patientId !== "string" ||
    typeof a.replayed !== "boolean"
  ) {
    throw new RelayError("MALFORMED_ANSWER", "the relayer's answer is not as expected (no transaction)");
  }
  return {
    kind: a.kind,
    transactionHash: a.transactionHash,
    blockNumber: a.blockNumber,
    patientId: a.patientId,
    replayed: a.replayed,
  };
}

/**
 * POSTs a body to `${relayerUrl}/v1/relay/${route}` and returns the checked answer; throws {@link RelayError}
 * with the relayer's code and message, `UNREACHABLE` when there is no answer, `NOT_FOUND` when the relayer
 * lacks the route.
 *
 * @example
 * ```ts
 * const { transactionHash, blockNumber } = await postRelay(relayerUrl, "grant", relayBody(chainId, signed));
 * ```
 */
export async function postRelay(
  relayerUrl: string,
  route: RelayRoute,
  body: RelayBody,
  fetchImpl: typeof fetch = fetch,
): Promise<RelayAnswer> {
  const url = `${relayerUrl.replace(/\/+$/, "")}/v1/relay/${route}`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new RelayError("UNREACHABLE", `the relayer at ${relayerUrl} cannot be reached`, { cause: error });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new RelayError(
      response.status === 404 ? "NOT_FOUND" : "MALFORMED_ANSWER",
      `the relayer answered HTTP ${response.status} without a JSON body`,
      { status: response.status, cause: error },
    );
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error;
    const code = typeof error?.code === "string" ? error.code : `HTTP_${response.status}`;
    const message = typeof error?.message === "string" ? error.message : `HTTP ${response.status}`;
    throw new RelayError(code, message, {
      status: response.status,
      ...(typeof error?.field === "string" ? { field: error.field } : {}),
    });
  }
  return checkRelayAnswer(json);
}

/** Relays a patient's signed grant. */
export function relayGrant(
  relayerUrl: string,
  chainId: bigint,
  signed: DelegatedRequest<GrantRequest>,
): Promise<RelayAnswer> {
  return postRelay(relayerUrl, "grant", relayBody(chainId, signed));
}

/** Relays a patient's signed revocation. */
export function relayRevoke(
  relayerUrl: string,
  chainId: bigint,
  signed: DelegatedRequest<RevokeRequest>,
): Promise<RelayAnswer> {
  return postRelay(relayerUrl, "revoke", relayBody(chainId, signed));
}

/**
 * Signs a research opt-out change in the page with the SDK's `signOptOut` (nonce read from the registry, a
 * one-hour deadline) and relays it (`POST /v1/relay/opt-out`). A relayer without the route answers
 * `NOT_FOUND`, which the UI reports.
 *
 * @example
 * ```ts
 * await relayOptOut({ relayerUrl, chainId, registry, provider, signer }, { patientId: 7n, wholly: true, categories: 0, permissions: 0 });
 * ```
 */
export async function relayOptOut(
  context: { relayerUrl: string; chainId: bigint; registry: string; provider: Provider; signer: Signer },
  request: OptOutRequest,
): Promise<RelayAnswer> {
  const { relayerUrl, chainId, registry, provider, signer } = context;
  const nonce = await ResearchOptOutRegistry__factory.connect(registry, provider).optOutNonce(request.patientId);
  const latest = await provider.getBlock("latest");
  const deadline = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000)) + 3600n;
  const signed = await signOptOut(
    signer,
    optOutDomain({ chainId, verifyingContract: registry }),
    request,
    nonce,
    deadline,
  );
  return postRelay(relayerUrl, "opt-out", relayBody(chainId, signed));
}
