import type { AddressInfo } from "node:net";

import { expect } from "chai";
import type { TypedDataDomain } from "ethers";
import { network } from "hardhat";

import { createRelayerServer, type RelayerLogEntry } from "../relayer/relayer.js";
import {
  categoryMask,
  claimDomain,
  claimIdOf,
  claimSubmission,
  DataUse,
  dataUsePermissionBit,
  DelegateScope,
  ISO_4217,
  MedchainClient,
  MemberKind,
  OPT_OUT_TYPES,
  optOutDomain,
  optOutRequest,
  RecordCategory,
  signClaimAuthorization,
  signOptOut,
  type ClaimAuthorization,
  type ClaimSubmission,
  type DelegatedRequest,
  type OptOutRequest,
} from "../sdk/index.js";
import { buildConsortium, deploymentOf, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
type Account = Awaited<ReturnType<typeof ethers.getSigners>>[number];

/** JSON as a phone posts it: integers as decimal strings. */
function json(value: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value, (_, item: unknown) => (typeof item === "bigint" ? item.toString() : item)),
  ) as Record<string, unknown>;
}

/** A relayer answer: a relayed transaction or an error. */
interface RelayAnswer {
  kind?: string;
  patientId?: string;
  transactionHash?: string;
  replayed?: boolean;
  wholly?: boolean;
  categories?: number;
  permissions?: number;
  claimId?: string;
  provider?: string;
  insurer?: string;
  error?: { code: string; message: string; field?: string };
}

describe("Relayer: research opt-outs, claim authorisations, status and CORS", function () {
  let c: Consortium;
  let chainId: bigint;
  let optOutSigningDomain: TypedDataDomain;
  let claimSigningDomain: TypedDataDomain;
  let logs: RelayerLogEntry[];
  const servers: (() => Promise<void>)[] = [];
  let url: string;

  /** Starts a relayer sending with `account`'s key; returns its base URL. */
  async function startRelayer(account: Account): Promise<string> {
    const client = await MedchainClient.connect(account, await deploymentOf(c, chainId));
    const { server } = createRelayerServer({ client, log: (entry) => logs.push(entry) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function post(path: string, body: unknown, base = url): Promise<{ status: number; json: RelayAnswer }> {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:5173" },
      body: JSON.stringify(body),
    });
    expect(response.headers.get("access-control-allow-origin"), "CORS on every answer").to.equal("*");
    return { status: response.status, json: (await response.json()) as RelayAnswer };
  }

  async function expectRefused(path: string, body: unknown, status: number, code: string, base = url) {
    const block = await ethers.provider.getBlockNumber();
    const answer = await post(path, body, base);
    expect(answer.status, JSON.stringify(answer.json)).to.equal(status);
    expect(answer.json.error?.code).to.equal(code);
    expect(answer.json.error?.message).to.be.a("string").and.not.empty;
    expect(await ethers.provider.getBlockNumber(), "nothing sent").to.equal(block);
    return answer.json.error;
  }

  async function deadline(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest()) + 3_600n;
  }

  async function signedOptOut(
    request: OptOutRequest = optOutRequest({ patientId: c.patientId }),
    signer: Account = c.patient,
  ): Promise<DelegatedRequest<OptOutRequest>> {
    const nonce = await c.researchOptOutRegistry.optOutNonce(request.patientId);
    return signOptOut(signer, optOutSigningDomain, request, nonce, await deadline());
  }

  let claimCount = 0;
  async function submission(): Promise<ClaimSubmission> {
    const now = BigInt(await networkHelpers.time.latest());
    claimCount += 1;
    return claimSubmission({
      patientId: c.patientId,
      insurer: c.insurerId,
      claim: { resourceType: "Claim", status: "active", use: "claim", id: `relayed-${claimCount}` },
      claimedAmount: 123_400n,
      currency: ISO_4217.TWD,
      serviceStart: now - 86_400n,
      serviceEnd: now - 3_600n,
      now,
    });
  }

  async function signedClaim(
    provider = c.hospitalId,
    signer: Account = c.patient,
  ): Promise<{ submission: ClaimSubmission; provider: bigint; authorization: ClaimAuthorization }> {
    const claim = await submission();
    const nonce = await c.claimRegistry.claimNonces(c.patientId);
    const authorization = await signClaimAuthorization(
      signer,
      claimSigningDomain,
      claim,
      provider,
      nonce,
      await deadline(),
    );
    return { submission: claim, provider, authorization };
  }

  function claimBody(signed: Awaited<ReturnType<typeof signedClaim>>): Record<string, unknown> {
    return json({ chainId, provider: signed.provider, submission: signed.submission, ...signed.authorization });
  }

  beforeEach(async function () {
    c = await buildConsortium(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    optOutSigningDomain = optOutDomain({ chainId, verifyingContract: await c.researchOptOutRegistry.getAddress() });
    claimSigningDomain = claimDomain({ chainId, verifyingContract: await c.claimRegistry.getAddress() });
    logs = [];
    // The hospital's claims officer runs the relayer: it may relay anything, and submit the hospital's claims.
    url = await startRelayer(c.claimsOfficer);
  });

  afterEach(async function () {
    while (servers.length > 0) await servers.pop()!();
  });

  describe("GET /v1/status and CORS", function () {
    it("names the chain, the relayer's account and its organisation", async function () {
      const response = await fetch(`${url}/v1/status`);
      expect(response.status).to.equal(200);
      expect(response.headers.get("access-control-allow-origin")).to.equal("*");
      expect(await response.json()).to.deep.equal({
        chainId: chainId.toString(),
        relayer: c.claimsOfficer.address,
        memberId: Number(c.hospitalId),
      });
      const outsider = await startRelayer(c.stranger);
      expect(await (await fetch(`${outsider}/v1/status`)).json()).to.deep.include({ memberId: null });
      const post = await fetch(`${url}/v1/status`, { method: "POST", body: "{}" });
      expect(post.status).to.equal(405);
    });

    it("answers a preflight with 204 and the allowed method and header, and nothing is sent", async function () {
      const block = await ethers.provider.getBlockNumber();
      for (const path of ["/v1/relay/opt-out", "/v1/relay/claim", "/v1/status"]) {
        const response = await fetch(`${url}${path}`, {
          method: "OPTIONS",
          headers: {
            origin: "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
          },
        });
        expect(response.status, path).to.equal(204);
        expect(response.headers.get("access-control-allow-origin")).to.equal("*");
        expect(response.headers.get("access-control-allow-methods")).to.contain("POST");
        expect(response.headers.get("access-control-allow-headers")).to.contain("content-type");
      }
      const unknown = await fetch(`${url}/v1/relay/nothing`, { method: "OPTIONS" });
      expect(unknown.status).to.equal(404);
      expect(unknown.headers.get("access-control-allow-origin")).to.equal("*");
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });
  });

  describe("POST /v1/relay/opt-out", function () {
    it("relays a patient's signed opt-out; the patient sends nothing; the answer decodes it", async function () {
      const request = optOutRequest({
        patientId: c.patientId,
        categories: categoryMask(RecordCategory.PathologyReport),
        permissions: dataUsePermissionBit(DataUse.POA),
      });
      const patientNonce = await ethers.provider.getTransactionCount(c.patient.address);
      const { status, json: answer } = await post(
        "/v1/relay/opt-out",
        json({ chainId, ...(await signedOptOut(request)) }),
      );
      expect(status, JSON.stringify(answer)).to.equal(200);
      expect(answer).to.include({
        kind: "opt-out",
        patientId: c.patientId.toString(),
        wholly: false,
        categories: request.categories,
        permissions: request.permissions,
        replayed: false,
      });
      expect(await c.researchOptOutRegistry.isOptedOut(c.patientId, RecordCategory.PathologyReport)).to.equal(true);
      expect(await ethers.provider.getTransactionCount(c.patient.address)).to.equal(patientNonce);
      expect(logs.map((entry) => entry.event)).to.deep.equal(["relayed"]);
      expect(logs[0]).to.include({ kind: "opt-out" });
      expect(JSON.stringify(logs)).not.to.contain(c.patient.address.slice(2).toLowerCase());
    });

    it("is idempotent: the same signature returns the first answer and sends nothing", async function () {
      const body = json({ chainId, ...(await signedOptOut()) });
      const first = await post("/v1/relay/opt-out", body);
      const block = await ethers.provider.getBlockNumber();
      const again = await post("/v1/relay/opt-out", body);
      expect(again.status).to.equal(200);
      expect(again.json).to.include({ transactionHash: first.json.transactionHash, replayed: true });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("relays a Research delegate's signature and refuses a consent-only delegate's", async function () {
      const [delegate] = [c.stranger];
      await c.patientRegistry
        .connect(c.patient)
        .appointDelegate(
          c.patientId,
          delegate.address,
          DelegateScope.Consent,
          BigInt(await networkHelpers.time.latest()) + 86_400n,
        );
      const refused = await expectRefused(
        "/v1/relay/opt-out",
        json({ chainId, ...(await signedOptOut(undefined, delegate)) }),
        403,
        "NOT_PATIENT_OR_DELEGATE",
      );
      expect(refused?.message).to.contain("research delegate");
      await c.patientRegistry
        .connect(c.patient)
        .appointDelegate(
          c.patientId,
          delegate.address,
          DelegateScope.Research,
          BigInt(await networkHelpers.time.latest()) + 86_400n,
        );
      const { status } = await post(
        "/v1/relay/opt-out",
        json({ chainId, ...(await signedOptOut(undefined, delegate)) }),
      );
      expect(status).to.equal(200);
      expect((await c.researchOptOutRegistry.getOptOut(c.patientId)).wholly).to.equal(true);
    });

    it("refuses a bad schema, another chain, a passed deadline, an unknown patient, a stale nonce and a forged signature", async function () {
      const signed = json({ chainId, ...(await signedOptOut()) });
      const request = signed.request as Record<string, unknown>;
      let error = await expectRefused(
        "/v1/relay/opt-out",
        { ...signed, request: { ...request, wholly: "yes" } },
        400,
        "INVALID_REQUEST",
      );
      expect(error?.field).to.equal("request.wholly");
      error = await expectRefused(
        "/v1/relay/opt-out",
        { ...signed, request: { ...request, permissions: 256 } },
        400,
        "INVALID_REQUEST",
      );
      expect(error?.field).to.equal("request.permissions");
      await expectRefused("/v1/relay/opt-out", { ...signed, chainId: "2026" }, 400, "WRONG_CHAIN");
      await expectRefused(
        "/v1/relay/opt-out",
        { ...signed, request: { ...request, patientId: "999" } },
        404,
        "UNKNOWN_PATIENT",
      );
      await expectRefused("/v1/relay/opt-out", { ...signed, nonce: "5" }, 409, "STALE_NONCE");
      // The patient's signature presented for another objection.
      await expectRefused(
        "/v1/relay/opt-out",
        { ...signed, request: { ...request, wholly: false } },
        401,
        "BAD_SIGNATURE",
      );
      // A direct change by the patient supersedes the outstanding signature.
      await c.researchOptOutRegistry.connect(c.patient).setOptOut(c.patientId, false, 0, 0);
      await expectRefused("/v1/relay/opt-out", signed, 409, "STALE_NONCE");
      const late = json({ chainId, ...(await signedOptOut()) });
      await networkHelpers.time.increase(2 * 3_600);
      await expectRefused("/v1/relay/opt-out", late, 400, "EXPIRED");
    });

    it("refuses what the chain would refuse, with the decoded reason", async function () {
      // Undefined category bits pass the wire schema (any 32-bit mask) but not the contract.
      const request = { patientId: c.patientId, wholly: false, categories: 1 << 30, permissions: 0 };
      const nonce = await c.researchOptOutRegistry.optOutNonce(c.patientId);
      const when = await deadline();
      const signature = await c.patient.signTypedData(optOutSigningDomain, OPT_OUT_TYPES, {
        ...request,
        signer: c.patient.address,
        nonce,
        deadline: when,
      });
      const body = json({ chainId, request, signer: c.patient.address, nonce, deadline: when, signature });
      const error = await expectRefused("/v1/relay/opt-out", body, 422, "SIMULATION_FAILED");
      expect(error?.message).to.contain("ResearchOptOutInvalidCategories");
    });
  });

  describe("POST /v1/relay/claim", function () {
    it("submits the patient's signed claim authorisation as the hospital and answers the claim id", async function () {
      const signed = await signedClaim();
      const patientNonce = await ethers.provider.getTransactionCount(c.patient.address);
      const { status, json: answer } = await post("/v1/relay/claim", claimBody(signed));
      expect(status, JSON.stringify(answer)).to.equal(200);
      const claimId = claimIdOf(c.hospitalId, signed.submission.claimHash);
      expect(answer).to.include({
        kind: "claim",
        claimId,
        provider: c.hospitalId.toString(),
        insurer: c.insurerId.toString(),
        patientId: c.patientId.toString(),
        replayed: false,
      });
      const stored = await c.claimRegistry.getClaim(claimId);
      expect(stored.authorizedBySignature).to.equal(true);
      expect(stored.provider).to.equal(c.hospitalId);
      expect(await ethers.provider.getTransactionCount(c.patient.address)).to.equal(patientNonce);
      expect(await c.claimRegistry.claimNonces(c.patientId)).to.equal(1n);

      // The same signature again: the first answer, nothing sent.
      const block = await ethers.provider.getBlockNumber();
      const again = await post("/v1/relay/claim", claimBody(signed));
      expect(again.json).to.include({ claimId, transactionHash: answer.transactionHash, replayed: true });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(logs.map((entry) => entry.event)).to.deep.equal(["relayed", "replayed"]);
    });

    it("refuses a claim of another provider, or when its key lacks the claims duty (RELAYER_NOT_PROVIDER)", async function () {
      let error = await expectRefused(
        "/v1/relay/claim",
        claimBody(await signedClaim(c.clinicId)),
        403,
        "RELAYER_NOT_PROVIDER",
      );
      expect(error?.field).to.equal("provider");
      expect(error?.message).to.contain(`member ${c.hospitalId}`);
      // The hospital's registrar is an operator of the provider but not a claims officer.
      const registrarRelayer = await startRelayer(c.registrar);
      error = await expectRefused(
        "/v1/relay/claim",
        claimBody(await signedClaim()),
        403,
        "RELAYER_NOT_PROVIDER",
        registrarRelayer,
      );
      expect(error?.message).to.contain("ClaimsOfficer");
      const outsider = await startRelayer(c.stranger);
      await expectRefused("/v1/relay/claim", claimBody(await signedClaim()), 403, "RELAYER_NOT_PROVIDER", outsider);
      // Suspended provider.
      await c.memberRegistry.connect(c.guardian).suspendMember(c.hospitalId, 1);
      error = await expectRefused("/v1/relay/claim", claimBody(await signedClaim()), 403, "RELAYER_NOT_PROVIDER");
      expect(error?.message).to.contain("not an active member");
    });

    it("refuses a bad schema, a stale nonce, a forged signature, a stranger's mandate and what the chain refuses", async function () {
      const signed = await signedClaim();
      const body = claimBody(signed);
      const sub = body.submission as Record<string, unknown>;
      let error = await expectRefused(
        "/v1/relay/claim",
        { ...body, submission: { ...sub, attachments: "none" } },
        400,
        "INVALID_REQUEST",
      );
      expect(error?.field).to.equal("submission.attachments");
      error = await expectRefused("/v1/relay/claim", { ...body, provider: 1 }, 400, "INVALID_REQUEST");
      expect(error?.field).to.equal("provider");
      await expectRefused("/v1/relay/claim", { ...body, nonce: "3" }, 409, "STALE_NONCE");
      await expectRefused(
        "/v1/relay/claim",
        { ...body, submission: { ...sub, claimedAmount: "1" } },
        401,
        "BAD_SIGNATURE",
      );
      await expectRefused(
        "/v1/relay/claim",
        claimBody(await signedClaim(c.hospitalId, c.stranger)),
        403,
        "NOT_PATIENT_OR_DELEGATE",
      );
      await expectRefused(
        "/v1/relay/claim",
        { ...body, submission: { ...sub, patientId: "999" } },
        404,
        "UNKNOWN_PATIENT",
      );

      // A claim to an organisation that is not an insurer: signed correctly, refused by the chain.
      await c.memberRegistry.connect(c.council).addMember(MemberKind.Clinic, `0x${"5c".repeat(32)}`);
      const notInsurer = { ...(await submission()), insurer: await c.memberRegistry.memberCount() };
      const authorization = await signClaimAuthorization(
        c.patient,
        claimSigningDomain,
        notInsurer,
        c.hospitalId,
        await c.claimRegistry.claimNonces(c.patientId),
        await deadline(),
      );
      error = await expectRefused(
        "/v1/relay/claim",
        claimBody({ submission: notInsurer, provider: c.hospitalId, authorization }),
        422,
        "SIMULATION_FAILED",
      );
      expect(error?.message).to.contain("ClaimRegistryInsurerNotActive");
    });
  });
});
