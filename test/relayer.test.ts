import type { AddressInfo } from "node:net";

import { expect } from "chai";
import type { TypedDataDomain } from "ethers";
import { network } from "hardhat";

import { createRelayerServer, type RelayerLogEntry } from "../relayer/relayer.js";
import { relayBody } from "../relayer/wire.js";
import {
  categoryMask,
  consentDomain,
  grantRequest,
  MedchainClient,
  MemberKind,
  Purpose,
  purposeMask,
  RecordCategory,
  signGrant,
  signRevoke,
  type DelegatedRequest,
  type GrantRequest,
} from "../sdk/index.js";
import { buildConsortium, deploymentOf, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** A relayer answer: a relayed transaction or an error. */
interface RelayAnswer {
  kind?: string;
  patientId?: string;
  grantee?: string;
  transactionHash?: string;
  replayed?: boolean;
  error?: { code: string; message: string; field?: string };
}

describe("Relayer (relayer/relayer.ts)", function () {
  let c: Consortium;
  let url: string;
  let close: () => Promise<void>;
  let logs: RelayerLogEntry[];
  let domain: TypedDataDomain;
  let chainId: bigint;
  let clock: number;

  async function post(path: string, body: unknown, raw?: string): Promise<{ status: number; json: RelayAnswer }> {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw ?? JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as RelayAnswer };
  }

  async function request(grantee = c.clinicId): Promise<GrantRequest> {
    return grantRequest({
      patientId: c.patientId,
      grantee,
      categories: categoryMask(RecordCategory.LabResult),
      purposes: purposeMask(Purpose.Treatment),
      now: BigInt(await networkHelpers.time.latest()),
      durationSeconds: 30n * 86_400n,
    });
  }

  async function signedGrant(grantee = c.clinicId, signer = c.patient): Promise<DelegatedRequest<GrantRequest>> {
    const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
    return signGrant(signer, domain, await request(grantee), await c.consentRegistry.nonces(c.patientId), deadline);
  }

  beforeEach(async function () {
    c = await buildConsortium(connection);
    chainId = (await ethers.provider.getNetwork()).chainId;
    const deployment = await deploymentOf(c, chainId);
    domain = consentDomain({ chainId, verifyingContract: deployment.consentRegistry });
    logs = [];
    clock = 1_000_000;
    const client = await MedchainClient.connect(c.registrar, deployment);
    const { server } = createRelayerServer({
      client,
      maxBodyBytes: 4_096,
      rateLimit: { requests: 3, windowMs: 60_000 },
      log: (entry) => logs.push(entry),
      now: () => clock,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterEach(async function () {
    await close();
  });

  it("relays a patient's signed grant with the hospital's key; the patient sends nothing", async function () {
    const patientNonce = await ethers.provider.getTransactionCount(c.patient.address);
    const { status, json } = await post("/v1/relay/grant", relayBody(chainId, await signedGrant()));
    expect(status).to.equal(200);
    expect(json).to.include({ kind: "grant", patientId: c.patientId.toString(), grantee: c.clinicId.toString() });
    expect(json.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await c.consentRegistry.isAuthorized(c.patientId, c.clinicId, RecordCategory.LabResult, Purpose.Treatment))
      .to.be.true;
    expect(await ethers.provider.getTransactionCount(c.patient.address)).to.equal(patientNonce);
    expect(logs.map((entry) => entry.event)).to.deep.equal(["relayed"]);
    // No personal data in the logs: the patient id and the signature only as hashes.
    expect(JSON.stringify(logs)).not.to.contain(c.patient.address.slice(2).toLowerCase());
    expect(logs[0]?.patientRef).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("is idempotent: the same signature returns the first answer and sends nothing", async function () {
    const body = relayBody(chainId, await signedGrant());
    const first = await post("/v1/relay/grant", body);
    const block = await ethers.provider.getBlockNumber();
    const again = await post("/v1/relay/grant", body);
    expect(again.status).to.equal(200);
    expect(again.json.transactionHash).to.equal(first.json.transactionHash);
    expect(again.json.replayed).to.equal(true);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(logs.map((entry) => entry.event)).to.deep.equal(["relayed", "replayed"]);
  });

  it("relays a signed revocation", async function () {
    await post("/v1/relay/grant", relayBody(chainId, await signedGrant()));
    const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n;
    const revocation = await signRevoke(
      c.patient,
      domain,
      { patientId: c.patientId, grantee: c.clinicId },
      await c.consentRegistry.nonces(c.patientId),
      deadline,
    );
    const { status } = await post("/v1/relay/revoke", relayBody(chainId, revocation));
    expect(status).to.equal(200);
    expect(await c.consentRegistry.isAuthorized(c.patientId, c.clinicId, RecordCategory.LabResult, Purpose.Treatment))
      .to.be.false;
  });

  describe("refusals: a clear HTTP error with a stable code, and nothing sent", function () {
    async function expectRefused(
      path: string,
      body: unknown,
      status: number,
      code: string,
      raw?: string,
    ): Promise<void> {
      const block = await ethers.provider.getBlockNumber();
      const answer = await post(path, body, raw);
      expect(answer.status, JSON.stringify(answer.json)).to.equal(status);
      expect(answer.json.error?.code).to.equal(code);
      expect(answer.json.error?.message).to.be.a("string").and.not.empty;
      expect(await ethers.provider.getBlockNumber(), "nothing sent").to.equal(block);
    }

    it("unknown endpoint and wrong method", async function () {
      await expectRefused("/v1/relay/unknown", {}, 404, "NOT_FOUND");
      const response = await fetch(`${url}/v1/relay/grant`);
      expect(response.status).to.equal(405);
      expect(((await response.json()) as { error: { code: string } }).error.code).to.equal("METHOD_NOT_ALLOWED");
    });

    it("malformed JSON and an oversized body", async function () {
      await expectRefused("/v1/relay/grant", undefined, 400, "MALFORMED_JSON", "{ not json");
      await expectRefused("/v1/relay/grant", undefined, 413, "BODY_TOO_LARGE", `"${"x".repeat(5_000)}"`);
    });

    it("a body that does not fit the schema, naming the field", async function () {
      const body = relayBody(chainId, await signedGrant());
      const broken = { ...body, request: { ...(body.request as object), patientId: -1 } };
      await expectRefused("/v1/relay/grant", broken, 400, "INVALID_REQUEST");
      expect((await post("/v1/relay/grant", broken)).json.error?.field).to.equal("request.patientId");
      await expectRefused("/v1/relay/grant", { ...body, signer: "0x1234" }, 400, "INVALID_REQUEST");
      expect(logs.at(-1)).to.deep.equal({ event: "refused", kind: "grant", code: "INVALID_REQUEST" });
    });

    it("another chain", async function () {
      await expectRefused("/v1/relay/grant", relayBody(2026n, await signedGrant()), 400, "WRONG_CHAIN");
    });

    it("an expired deadline", async function () {
      const signed = await signedGrant();
      await networkHelpers.time.increase(2 * 3_600);
      await expectRefused("/v1/relay/grant", relayBody(chainId, signed), 400, "EXPIRED");
    });

    it("an unknown patient", async function () {
      const signed = await signedGrant();
      const body = relayBody(chainId, { ...signed, request: { ...signed.request, patientId: 999n } });
      await expectRefused("/v1/relay/grant", body, 404, "UNKNOWN_PATIENT");
    });

    it("a used signature after the relayer restarted (stale nonce), and a foreign signature", async function () {
      const signed = await signedGrant();
      await c.consentRegistry.connect(c.registrar).grantBySig(signed); // relayed elsewhere
      await expectRefused("/v1/relay/grant", relayBody(chainId, signed), 409, "STALE_NONCE");

      const byStranger = await signedGrant(c.clinicId, c.stranger);
      const forged = relayBody(chainId, { ...byStranger, signer: c.patient.address });
      await expectRefused("/v1/relay/grant", forged, 401, "BAD_SIGNATURE");
      await expectRefused("/v1/relay/grant", relayBody(chainId, byStranger), 403, "NOT_PATIENT_OR_DELEGATE");
    });

    it("what the chain would refuse (a plain grant to a company), with its decoded reason", async function () {
      await c.memberRegistry.connect(c.council).addMember(MemberKind.Company, `0x${"77".repeat(32)}`);
      const companyId = await c.memberRegistry.memberCount();
      await expectRefused(
        "/v1/relay/grant",
        relayBody(chainId, await signedGrant(companyId)),
        422,
        "SIMULATION_FAILED",
      );
      const answer = await post("/v1/relay/grant", relayBody(chainId, await signedGrant(companyId)));
      expect(answer.json.error?.message).to.contain("ConsentRegistryThirdPartyGrantRequired");
    });

    it("more requests for one patient than the rate limit allows", async function () {
      for (let i = 0; i < 3; i++) {
        expect((await post("/v1/relay/grant", relayBody(chainId, await signedGrant()))).status).to.equal(200);
      }
      await expectRefused("/v1/relay/grant", relayBody(chainId, await signedGrant()), 429, "RATE_LIMITED");
      clock += 60_000;
      const later = await post("/v1/relay/grant", relayBody(chainId, await signedGrant()));
      expect(later.status).to.equal(200);
    });
  });
});
