import { expect } from "chai";

import {
  checkAccessLog,
  checkClaimDetail,
  checkClaims,
  checkGrants,
  checkOptOut,
  checkStatus,
  IndexerClient,
  IndexerError,
  isGrantActive,
  type FetchLike,
  type IndexedGrant,
} from "../web/src/indexer.js";
import { relayBody } from "../relayer/wire.js";
import { checkRelayAnswer, RelayError, postRelay } from "../web/src/relayer.js";

const hash = (byte: string) => `0x${byte.repeat(32)}`;

const grant = {
  patientId: "18446744073709551615",
  grantee: 2,
  categories: 32,
  purposes: 1,
  notBefore: 1_800_000_000,
  expiresAt: 1_900_000_000,
  consentFormHash: hash("00"),
  grantedBy: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  requesterClass: null,
  optIns: null,
  revoked: false,
  revokedBy: null,
  updatedAt: 1_800_000_000,
  blockNumber: 12,
  txHash: hash("aa"),
};

const claim = {
  claimId: hash("cc"),
  patientId: "3",
  insurer: 3,
  provider: 1,
  operator: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
  claimHash: hash("dd"),
  claimedAmount: "4560000",
  currency: 901,
  serviceStart: 1,
  serviceEnd: 2,
  attachments: ["0x4b407d552285bf1e75570d07d428e8dc3bba9973cfc79b2ad5aecf50a38762cb"],
  authorizedBySignature: false,
  status: 1,
  outcome: 0,
  reason: 0,
  approvedAmount: "0",
  submittedAt: 3,
  updatedAt: 3,
};

function expectMalformed(check: () => unknown, path: string): void {
  try {
    check();
  } catch (error) {
    expect(error).to.be.instanceOf(IndexerError);
    expect((error as IndexerError).problem).to.equal("malformed");
    expect((error as Error).message).to.contain(path);
    return;
  }
  throw new Error("the check accepted a malformed answer");
}

describe("Web app: indexer answers", function () {
  it("accepts answers of the API's shape, patient ids beyond 2^53 as strings", function () {
    const [checked] = checkGrants({ grants: [grant] });
    expect(checked?.patientId).to.equal("18446744073709551615");
    expect(checkStatus({ chainId: "20260", block: 9 })).to.deep.equal({ chainId: "20260", block: 9 });
    expect(checkClaims({ claims: [claim] })[0]?.claimedAmount).to.equal("4560000");
    expect(checkOptOut({ optOut: null, history: [] })).to.equal(null);
    const detail = checkClaimDetail({
      claim,
      timeline: [
        {
          status: 1,
          previousStatus: 0,
          actor: claim.operator,
          outcome: 0,
          reason: 0,
          approvedAmount: "0",
          referenceHash: hash("dd"),
          timestamp: 3,
          txHash: hash("ee"),
        },
      ],
      attachments: [],
    });
    expect(detail.timeline).to.have.length(1);
  });

  it("refuses answers of another shape, naming the field", function () {
    expectMalformed(() => checkGrants({}), "grants");
    expectMalformed(() => checkGrants({ grants: [{ ...grant, patientId: 3 }] }), "grants[0].patientId");
    expectMalformed(() => checkGrants({ grants: [{ ...grant, revoked: "no" }] }), "grants[0].revoked");
    expectMalformed(() => checkClaims({ claims: [{ ...claim, claimedAmount: 4.5 }] }), "claims[0].claimedAmount");
    expectMalformed(
      () => checkAccessLog({ accesses: [{ memberId: 2, operator: "0x", category: 5, purpose: 0 }] }),
      "accesses[0].recordRef",
    );
    expectMalformed(() => checkStatus({ chainId: "x", block: 1 }), "chainId");
  });

  it("counts a grant until it expires or is revoked", function () {
    const g = checkGrants({ grants: [grant] })[0] as IndexedGrant;
    expect(isGrantActive(g, 1_850_000_000)).to.equal(true);
    expect(isGrantActive(g, 1_700_000_000), "not started yet: still shown").to.equal(true);
    expect(isGrantActive(g, 1_900_000_000)).to.equal(false);
    expect(isGrantActive({ ...g, revoked: true }, 1_850_000_000)).to.equal(false);
  });

  function fetchAnswering(status: number, body: unknown): FetchLike {
    return async () => ({
      ok: status >= 200 && status < 300,
      status,
      json: async () => {
        if (body === undefined) throw new SyntaxError("no JSON");
        return body;
      },
    });
  }

  it("reports an unreachable indexer, an error answer with its code, and a non-JSON answer", async function () {
    const down = new IndexerClient("http://indexer.invalid", {
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
    });
    const unreachable = await down.status().catch((error: unknown) => error);
    expect(unreachable).to.be.instanceOf(IndexerError);
    expect((unreachable as IndexerError).problem).to.equal("unreachable");

    const refusing = new IndexerClient("/indexer", {
      fetch: fetchAnswering(404, { error: { code: "NOT_FOUND", message: "no such patient" } }),
    });
    const refused = (await refusing.grants("7").catch((error: unknown) => error)) as IndexerError;
    expect([refused.problem, refused.status, refused.code]).to.deep.equal(["http", 404, "NOT_FOUND"]);
    expect(refused.message).to.contain("no such patient");

    const gateway = new IndexerClient("/indexer", { fetch: fetchAnswering(502, undefined) });
    const bad = (await gateway.status().catch((error: unknown) => error)) as IndexerError;
    expect([bad.problem, bad.status]).to.deep.equal(["http", 502]);
  });

  it("asks the documented paths", async function () {
    const asked: string[] = [];
    const client = new IndexerClient("https://x.example/indexer/", {
      fetch: async (url) => {
        asked.push(url);
        return { ok: true, status: 200, json: async () => ({ claims: [] }) };
      },
    });
    await client.insurerClaims(3, 1);
    await client.patientClaims("18446744073709551615");
    expect(asked).to.deep.equal([
      "https://x.example/indexer/api/v1/claims?insurer=3&status=1",
      "https://x.example/indexer/api/v1/patients/18446744073709551615/claims",
    ]);
  });
});

describe("Web app: relayer wire format", function () {
  it("serialises a signed request with integers as decimal strings and masks as numbers", function () {
    const body = relayBody(20260n, {
      request: {
        patientId: 3n,
        grantee: 2n,
        categories: 32,
        purposes: 1,
        notBefore: 10n,
        expiresAt: 20n,
        consentFormHash: hash("00"),
      },
      signer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
      nonce: 0n,
      deadline: 99n,
      signature: "0x1234",
    });
    expect(body).to.deep.equal({
      chainId: "20260",
      request: {
        patientId: "3",
        grantee: "2",
        categories: 32,
        purposes: 1,
        notBefore: "10",
        expiresAt: "20",
        consentFormHash: hash("00"),
      },
      signer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
      nonce: "0",
      deadline: "99",
      signature: "0x1234",
    });
  });

  it("passes on the relayer's refusal code and message, and names a missing route", async function () {
    const body = relayBody(1n, { request: {}, signer: "0x", nonce: 0n, deadline: 0n, signature: "0x" });
    const answer = (status: number, json: unknown) =>
      (async () => new Response(JSON.stringify(json), { status })) as unknown as typeof fetch;
    const stale = (await postRelay(
      "/relayer",
      "grant",
      body,
      answer(409, { error: { code: "STALE_NONCE", message: "the signature carries nonce 0", field: "nonce" } }),
    ).catch((error: unknown) => error)) as RelayError;
    expect([stale.code, stale.status, stale.field, stale.message]).to.deep.equal([
      "STALE_NONCE",
      409,
      "nonce",
      "the signature carries nonce 0",
    ]);
    const missing = (await postRelay(
      "/relayer",
      "opt-out",
      body,
      answer(404, { error: { code: "NOT_FOUND", message: "no such endpoint" } }),
    ).catch((error: unknown) => error)) as RelayError;
    expect(missing.code).to.equal("NOT_FOUND");
    const down = (await postRelay("/relayer", "grant", body, (async () => {
      throw new TypeError("fetch failed");
    }) as unknown as typeof fetch).catch((error: unknown) => error)) as RelayError;
    expect(down.code).to.equal("UNREACHABLE");
  });

  it("refuses a 200 answer without a transaction", function () {
    expect(() => checkRelayAnswer({ kind: "grant" })).to.throw(RelayError, "not as expected");
    expect(
      checkRelayAnswer({
        kind: "grant",
        transactionHash: hash("ab"),
        blockNumber: 5,
        patientId: "3",
        grantee: "2",
        replayed: false,
      }).blockNumber,
    ).to.equal(5);
  });
});
