import { expect } from "chai";
import { BrowserProvider, keccak256, toUtf8Bytes, type Eip1193Provider } from "ethers";
import { network } from "hardhat";

import {
  buildCohort,
  buildRecordBatch,
  categoryMask,
  ClaimStatus,
  claimSubmission,
  datasetManifest,
  DataUse,
  DeidentificationMethod,
  Duty,
  dutyMask,
  EmergencyReason,
  ExplicitOptIn,
  fhirContentHash,
  grantRequest,
  ISO_4217,
  LegalBasis,
  MedchainBatchAnchoringError,
  MedchainClient,
  MedchainContractError,
  MedchainDeploymentError,
  MedchainDutyError,
  MedchainInputError,
  MedchainSignerError,
  MemberKind,
  MembershipReason,
  newRecordSalt,
  Purpose,
  purposeMask,
  RecordCategory,
  RecordStatus,
  RequesterClass,
  RetractionReason,
  studyRegistration,
  StudyStatus,
  subjectCommitment,
  thirdPartyGrantRequest,
  type CohortRecord,
  type MedchainDeployment,
  type RecordAnchor,
  type RecordBatch,
  type ResearchOptOut,
} from "../sdk/index.js";
import { buildConsortium, deploymentOf, testCommitment, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;

const ONE_DAY = 86_400n;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** Record anchors of patient `patientId` made from distinct lab results. */
function labAnchors(patientId: bigint, count: number, tag: string): RecordAnchor[] {
  return Array.from({ length: count }, (_, i) => ({
    contentHash: fhirContentHash({ resourceType: "Observation", id: `${tag}-${i}`, status: "final" }),
    category: RecordCategory.LabResult,
    subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
  }));
}

/**
 * An EIP-1193 provider in front of the in-process node that can lose the connection: `drop` makes the next
 * `eth_sendTransaction` fail before it reaches the node, or after the node took it (the answer is lost: the
 * transaction is mined but the caller never hears of it); `down` fails every request until cleared.
 */
class FlakyProvider implements Eip1193Provider {
  drop: "none" | "before-send" | "after-send" = "none";
  down = false;

  async request(request: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
    if (request.method === "eth_sendTransaction" && this.drop !== "none") {
      const mode = this.drop;
      this.drop = "none";
      if (mode === "after-send") await connection.provider.request(request);
      throw new Error(`socket hang up (${mode})`);
    }
    return connection.provider.request(request);
  }
}

describe("SDK client (MedchainClient)", function () {
  let c: Consortium;
  let deployment: MedchainDeployment;

  beforeEach(async function () {
    c = await buildConsortium(connection);
    deployment = await deploymentOf(c, (await ethers.provider.getNetwork()).chainId);
  });

  describe("connect", function () {
    it("refuses a node of another chain before anything is signed", async function () {
      const error = await rejectionOf(MedchainClient.connect(c.registrar, { ...deployment, chainId: 2026n }));
      expect(error).to.be.instanceOf(MedchainDeploymentError);
      expect((error as Error).message).to.contain("wrong network");
    });

    it("refuses a confirmations count below one", async function () {
      const error = await rejectionOf(MedchainClient.connect(c.registrar, deployment, { confirmations: 0 }));
      expect(error).to.be.instanceOf(MedchainInputError);
      expect((error as MedchainInputError).field).to.equal("confirmations");
    });

    it("reads with a provider only, and refuses to write without a signer", async function () {
      const reader = await MedchainClient.connect(ethers.provider, deployment);
      expect(await reader.patients.idOf(c.patient.address)).to.equal(c.patientId);
      const error = await rejectionOf(reader.patients.register(c.stranger.address, testCommitment(9)));
      expect(error).to.be.instanceOf(MedchainSignerError);
      expect(await reader.patients.idOf(c.stranger.address)).to.equal(0n);
      expect(await rejectionOf(reader.account())).to.be.instanceOf(MedchainSignerError);
    });

    it("connectAs acts as another account on the same deployment", async function () {
      const client = await MedchainClient.connect(c.stranger, deployment);
      expect(await client.connectAs(c.registrar).account()).to.equal(c.registrar.address);
      expect(await client.account()).to.equal(c.stranger.address);
    });
  });

  describe("writes wait for the receipt and return the domain result", function () {
    it("patients.register gives the hash at once and the new patient id from the event", async function () {
      const client = await MedchainClient.connect(c.registrar, deployment);
      const transaction = await client.patients.register(c.stranger.address, testCommitment(7));
      expect(transaction.hash).to.match(/^0x[0-9a-f]{64}$/);
      const { patientId, receipt } = await transaction.wait();
      expect(patientId).to.equal(3n);
      expect(receipt.hash).to.equal(transaction.hash);
      expect((await client.patients.get(patientId)).account).to.equal(c.stranger.address);
      expect(await client.patients.idByCommitment(testCommitment(7))).to.equal(3n);
    });

    it("a contract's refusal arrives decoded, and nothing is sent", async function () {
      const client = await MedchainClient.connect(c.registrar, deployment);
      const nonce = await ethers.provider.getTransactionCount(c.registrar.address);
      const error = await rejectionOf(client.patients.register(c.stranger.address, c.commitment));
      expect(error).to.be.instanceOf(MedchainContractError);
      expect((error as MedchainContractError).errorName).to.equal("PatientRegistryCommitmentAlreadyRegistered");
      expect((error as MedchainContractError).namedArgs).to.deep.equal({
        identityCommitment: c.commitment,
        patientId: c.patientId,
      });
      expect(await ethers.provider.getTransactionCount(c.registrar.address)).to.equal(nonce);
    });

    it("bad input is refused with a typed error naming the field", async function () {
      const client = await MedchainClient.connect(c.registrar, deployment);
      const error = await rejectionOf(client.patients.register("0x1234", testCommitment(7)));
      expect(error).to.be.instanceOf(MedchainInputError);
      expect((error as MedchainInputError).field).to.equal("account");
    });
  });

  describe("duty pre-checks (a typed error before anything is signed)", function () {
    it("an account that is no operator", async function () {
      const client = await MedchainClient.connect(c.stranger, deployment);
      const nonce = await ethers.provider.getTransactionCount(c.stranger.address);
      const error = await rejectionOf(client.patients.register(c.spare[0]!.address, testCommitment(8)));
      expect(error).to.be.instanceOf(MedchainDutyError);
      const duty = error as MedchainDutyError;
      expect(duty.reason).to.equal("not-an-operator");
      expect(duty.account).to.equal(c.stranger.address);
      expect(duty.duty).to.equal(Duty.Registrar);
      expect(duty.memberId).to.equal(0n);
      expect(duty.shortMessage).to.contain("is not an operator of any consortium member, so it cannot register");
      expect(await ethers.provider.getTransactionCount(c.stranger.address)).to.equal(nonce);
    });

    it("an operator without the duty", async function () {
      const client = await MedchainClient.connect(c.clinician, deployment);
      const error = await rejectionOf(client.records.anchor(labAnchors(c.patientId, 1, "x")[0]!));
      expect(error).to.be.instanceOf(MedchainDutyError);
      const duty = error as MedchainDutyError;
      expect(duty.reason).to.equal("missing-duty");
      expect(duty.duty).to.equal(Duty.DataSteward);
      expect(duty.memberId).to.equal(c.hospitalId);
      expect(duty.shortMessage).to.contain("lacks the DataSteward duty needed to anchor a record");
    });

    it("an operator of a suspended organisation", async function () {
      await c.memberRegistry.connect(c.guardian).suspendMember(c.hospitalId, MembershipReason.SecurityIncident);
      const client = await MedchainClient.connect(c.clinician, deployment);
      const error = await rejectionOf(client.consent.openBreakGlass(c.patientId, EmergencyReason.Unconscious));
      expect(error).to.be.instanceOf(MedchainDutyError);
      expect((error as MedchainDutyError).reason).to.equal("member-not-active");
      expect((error as MedchainDutyError).shortMessage).to.contain("is Suspended");
    });

    it("every claims step needs the ClaimsOfficer duty", async function () {
      const client = await MedchainClient.connect(c.clinician, deployment);
      const claimId = keccak256(toUtf8Bytes("some claim"));
      for (const attempt of [
        () => client.claims.decide(claimId, { kind: "startReview" }),
        () => client.claims.pay(claimId, keccak256(toUtf8Bytes("payment"))),
        () => client.claims.answer(claimId, []),
        () => client.claims.withdraw(claimId),
      ]) {
        const error = await rejectionOf(attempt());
        expect(error).to.be.instanceOf(MedchainDutyError);
        expect((error as MedchainDutyError).duty).to.equal(Duty.ClaimsOfficer);
      }
    });
  });

  describe("consent: signed off chain, relayed, logged, and read back page by page", function () {
    it("tells the whole story and reads it back in order", async function () {
      const patient = await MedchainClient.connect(c.patient, deployment);
      const hospital = await MedchainClient.connect(c.registrar, deployment);
      const clinic = await MedchainClient.connect(c.clinicRegistrar, deployment);
      const clinician = await MedchainClient.connect(c.clinician, deployment);
      const request = grantRequest({
        patientId: c.patientId,
        grantee: c.clinicId,
        categories: categoryMask(RecordCategory.LabResult, RecordCategory.Outpatient),
        purposes: purposeMask(Purpose.Treatment),
        now: BigInt(await time.latest()),
        durationSeconds: 30n * ONE_DAY,
      });
      const signed = await patient.consent.signGrant(request, { validForSeconds: 600n });
      const patientNonce = await ethers.provider.getTransactionCount(c.patient.address);
      const granted = await (await hospital.consent.relayGrant(signed)).wait();
      expect(granted).to.include({ patientId: c.patientId, grantee: c.clinicId });
      expect(await ethers.provider.getTransactionCount(c.patient.address)).to.equal(patientNonce);
      expect(await hospital.consent.isAuthorized(c.patientId, c.clinicId, RecordCategory.LabResult, Purpose.Treatment))
        .to.be.true;
      expect((await hospital.consent.grantOf(c.patientId, c.clinicId)).categories).to.equal(request.categories);

      const recordRef = keccak256(toUtf8Bytes("salt:lab-report-17"));
      const access = {
        patientId: c.patientId,
        category: RecordCategory.LabResult,
        purpose: Purpose.Treatment,
        recordRef,
      };
      expect((await (await clinic.consent.logAccess(access)).wait()).underBreakGlass).to.equal(false);

      const { endsAt, memberId } = await (
        await clinician.consent.openBreakGlass(c.otherPatientId, EmergencyReason.Unconscious)
      ).wait();
      expect(memberId).to.equal(c.hospitalId);
      expect(endsAt).to.be.greaterThan(BigInt(await time.latest()));
      const emergency = { ...access, patientId: c.otherPatientId };
      expect((await (await clinician.consent.logAccess(emergency)).wait()).underBreakGlass).to.equal(true);

      const revocation = await patient.consent.signRevoke({ patientId: c.patientId, grantee: c.clinicId });
      await (await hospital.consent.relayRevoke(revocation)).wait();
      expect(await hospital.consent.isAuthorized(c.patientId, c.clinicId, RecordCategory.LabResult, Purpose.Treatment))
        .to.be.false;
      const refused = await rejectionOf(clinic.consent.logAccess(access));
      expect(refused).to.be.instanceOf(MedchainContractError);
      expect((refused as MedchainContractError).errorName).to.equal("ConsentRegistryAccessNotAuthorized");

      const history = await hospital.consent.history(c.patientId);
      expect(history.map((entry) => entry.kind)).to.deep.equal(["granted", "revoked"]);
      const [first, second] = history;
      if (first?.kind !== "granted" || second?.kind !== "revoked") throw new Error("unexpected history");
      expect(first).to.include({ grantee: c.clinicId, grantedBy: c.patient.address, categories: request.categories });
      expect(second.revokedBy).to.equal(c.patient.address);
      expect(first.timestamp <= second.timestamp).to.be.true;

      const other = await hospital.consent.history(c.otherPatientId);
      expect(other.map((entry) => entry.kind)).to.deep.equal(["breakGlassOpened"]);

      // Pages of one block give the same answer as one page; progress is reported page by page.
      const pages: number[] = [];
      const paged = await hospital.consent.history(c.patientId, {
        blockRange: 1,
        onProgress: (progress) => pages.push(progress.pageToBlock),
      });
      expect(paged).to.deep.equal(history);
      const latest = await ethers.provider.getBlockNumber();
      expect(pages.length).to.equal(latest + 1);
      expect(pages.at(-1)).to.equal(latest);

      const byPatient = await hospital.consent.accessLog({ patientId: c.patientId });
      expect(byPatient.map((entry) => entry.memberId)).to.deep.equal([c.clinicId]);
      expect(byPatient[0]).to.include({ operator: c.clinicRegistrar.address, recordRef, underBreakGlass: false });
      const byHospital = await hospital.consent.accessLog({ memberId: c.hospitalId }, { blockRange: 3 });
      expect(byHospital.map((entry) => [entry.patientId, entry.underBreakGlass])).to.deep.equal([
        [c.otherPatientId, true],
      ]);
      expect(await hospital.consent.accessLog({ patientId: c.patientId, memberId: c.hospitalId })).to.deep.equal([]);
      let pageCount = 0;
      for await (const page of hospital.consent.accessLogPages({ patientId: c.patientId }, { blockRange: 2 })) {
        pageCount += 1;
        expect(page.toBlock - page.fromBlock).to.be.at.most(1);
      }
      expect(pageCount).to.equal(Math.ceil((latest + 1) / 2));
    });

    it("refuses malformed queries with typed errors", async function () {
      const client = await MedchainClient.connect(ethers.provider, deployment);
      const cases: [() => Promise<unknown>, string][] = [
        [() => client.consent.history(0n), "patientId"],
        [() => client.consent.history(c.patientId, { blockRange: 0 }), "blockRange"],
        [() => client.consent.history(c.patientId, { fromBlock: -1 }), "fromBlock"],
        [() => client.consent.history(c.patientId, { fromBlock: 10, toBlock: 5 }), "fromBlock"],
        [() => client.consent.accessLog({} as { patientId: bigint }), "filter"],
      ];
      for (const [attempt, field] of cases) {
        const error = await rejectionOf(attempt());
        expect(error).to.be.instanceOf(MedchainInputError);
        expect((error as MedchainInputError).field).to.equal(field);
      }
    });
  });

  describe("records", function () {
    it("anchors, amends, retracts and verifies single records", async function () {
      const client = await MedchainClient.connect(c.dataSteward, deployment);
      const [first, amended] = labAnchors(c.patientId, 2, "single");
      const { contentHash } = await (await client.records.anchor(first!)).wait();
      expect((await client.records.verify(contentHash)).status).to.equal(BigInt(RecordStatus.Current));
      await (await client.records.amend(contentHash, amended!)).wait();
      expect((await client.records.verify(contentHash)).status).to.equal(BigInt(RecordStatus.Superseded));
      await (await client.records.retract(amended!.contentHash, RetractionReason.EnteredInError)).wait();
      expect((await client.records.verify(amended!.contentHash)).status).to.equal(BigInt(RecordStatus.Retracted));
      const again = await rejectionOf(client.records.anchor(first!));
      expect((again as MedchainContractError).errorName).to.equal("RecordRegistryAlreadyAnchored");
      const badReason = await rejectionOf(client.records.retract(contentHash, 99 as RetractionReason));
      expect((badReason as MedchainInputError).field).to.equal("reason");
    });

    it("anchors a batch and verifies a proof bundle against the chain", async function () {
      const client = await MedchainClient.connect(c.dataSteward, deployment);
      const batch = await buildRecordBatch(labAnchors(c.patientId, 5, "bundle"));
      const { root, leafCount } = await (await client.records.anchorBatch(batch)).wait();
      expect([root, leafCount]).to.deep.equal([batch.root, 5]);
      expect((await client.records.batch(root)).custodian).to.equal(c.hospitalId);
      const verdict = await client.records.verifyProofBundle(
        batch.proofBundle(2, { registry: { chainId: deployment.chainId, address: deployment.recordRegistry } }),
      );
      expect(verdict.anchored).to.equal(true);
    });

    describe("anchorBatches survives a dropped connection (a re-run anchors nothing twice, loses nothing)", function () {
      async function batches(count: number): Promise<RecordBatch[]> {
        return Promise.all(
          Array.from({ length: count }, (_, i) => buildRecordBatch(labAnchors(c.patientId, 3 + i, `drop-${i}`))),
        );
      }

      async function anchoredCount(root: string): Promise<number> {
        return (await c.recordRegistry.queryFilter(c.recordRegistry.filters.BatchAnchored(root))).length;
      }

      async function flakyClient(): Promise<{ client: MedchainClient; flaky: FlakyProvider }> {
        const flaky = new FlakyProvider();
        const browser = new BrowserProvider(flaky, undefined, { pollingInterval: 10, cacheTimeout: -1 });
        const client = await MedchainClient.connect(await browser.getSigner(c.dataSteward.address), deployment);
        return { client, flaky };
      }

      async function expectEachAnchoredOnce(work: RecordBatch[], client: MedchainClient): Promise<void> {
        for (const batch of work) expect(await anchoredCount(batch.root)).to.equal(1);
        const rerun = await client.records.anchorBatches(work);
        expect(rerun.outcomes.every((outcome) => outcome.status === "already-anchored")).to.equal(true);
        for (const batch of work) expect(await anchoredCount(batch.root)).to.equal(1);
      }

      for (const mode of ["before-send", "down"] as const) {
        it(`stops and resumes when ${mode === "down" ? "the node is unreachable" : "a send never reaches the node"}`, async function () {
          const { client, flaky } = await flakyClient();
          const work = await batches(4);
          const stopped = await rejectionOf(
            client.records.anchorBatches(work, {
              onProgress: (progress) => {
                if (progress.done !== 1) return;
                if (mode === "down") flaky.down = true;
                else flaky.drop = mode;
              },
            }),
          );
          expect(stopped).to.be.instanceOf(MedchainBatchAnchoringError);
          const failure = stopped as MedchainBatchAnchoringError;
          expect(failure.outcomes.map((outcome) => outcome.root)).to.deep.equal([work[0]!.root]);
          expect(failure.pendingRoot).to.equal(work[1]!.root);
          expect(failure.shortMessage).to.contain("run the same batches again to resume");
          expect(await anchoredCount(work[1]!.root)).to.equal(0);

          flaky.down = false;
          const progress: string[] = [];
          const report = await client.records.anchorBatches(work, {
            onProgress: (p) => progress.push(`${p.done}/${p.total}:${p.records}`),
          });
          expect(report.outcomes.map((outcome) => outcome.status)).to.deep.equal([
            "already-anchored",
            "anchored",
            "anchored",
            "anchored",
          ]);
          expect(report.records).to.equal(3 + 4 + 5 + 6);
          expect(progress).to.deep.equal(["1/4:3", "2/4:7", "3/4:12", "4/4:18"]);
          await expectEachAnchoredOnce(work, client);
        });
      }

      it("recognises a batch whose answer was lost (mined, never heard of) in the same run", async function () {
        const { client, flaky } = await flakyClient();
        const work = await batches(4);
        const report = await client.records.anchorBatches(work, {
          onProgress: (progress) => {
            if (progress.done === 1) flaky.drop = "after-send";
          },
        });
        expect(report.outcomes.map((outcome) => outcome.status)).to.deep.equal([
          "anchored",
          "already-anchored",
          "anchored",
          "anchored",
        ]);
        await expectEachAnchoredOnce(work, client);
      });

      it("refuses a batch another organisation anchored, decoded", async function () {
        const clinicSteward = c.spare[0]!;
        await c.memberRegistry.connect(c.council).addOperator(clinicSteward, c.clinicId, 1 << Duty.DataSteward);
        const [batch] = await batches(1);
        await (await (await MedchainClient.connect(c.dataSteward, deployment)).records.anchorBatch(batch!)).wait();
        const clinic = await MedchainClient.connect(clinicSteward, deployment);
        const error = await rejectionOf(clinic.records.anchorBatches([batch!]));
        expect(error).to.be.instanceOf(MedchainBatchAnchoringError);
        const cause = (error as MedchainBatchAnchoringError).cause;
        expect(cause).to.be.instanceOf(MedchainContractError);
        expect((cause as MedchainContractError).errorName).to.equal("RecordRegistryBatchAlreadyAnchored");
      });
    });
  });

  describe("claims", function () {
    it("submits on consent, is decided and paid, and reads the timeline back", async function () {
      const steward = await MedchainClient.connect(c.dataSteward, deployment);
      const [attachment] = labAnchors(c.patientId, 1, "claim");
      const summary = { ...attachment!, category: RecordCategory.DischargeSummary };
      await (await steward.records.anchor(summary)).wait();
      const patient = await MedchainClient.connect(c.patient, deployment);
      await (
        await patient.consent.grant(
          grantRequest({
            patientId: c.patientId,
            grantee: c.insurerId,
            categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary),
            purposes: purposeMask(Purpose.InsuranceClaim),
            now: BigInt(await time.latest()),
            durationSeconds: 90n * ONE_DAY,
          }),
        )
      ).wait();
      const now = BigInt(await time.latest());
      const submission = claimSubmission({
        patientId: c.patientId,
        insurer: c.insurerId,
        claim: { resourceType: "Claim", status: "active", use: "claim", total: { value: 1200, currency: "TWD" } },
        claimedAmount: 120_000n,
        currency: ISO_4217.TWD,
        serviceStart: now - 2n * ONE_DAY,
        serviceEnd: now - ONE_DAY,
        attachments: [summary.contentHash],
        now,
      });
      const provider = await MedchainClient.connect(c.claimsOfficer, deployment);
      const { claimId } = await (await provider.claims.submit(submission)).wait();
      const insurer = await MedchainClient.connect(c.insurerRegistrar, deployment);
      await (await insurer.claims.decide(claimId, { kind: "startReview" })).wait();
      await (await insurer.claims.decide(claimId, { kind: "approve", amount: 100_000n })).wait();
      await (await insurer.claims.pay(claimId, keccak256(toUtf8Bytes("salt:transfer 991")))).wait();
      expect((await insurer.claims.get(claimId)).status).to.equal(BigInt(ClaimStatus.Paid));
      const timeline = await insurer.claims.timeline(claimId, { blockRange: 2 });
      expect(timeline.entries.map((entry) => entry.statusName)).to.deep.equal([
        "Submitted",
        "InReview",
        "PartiallyApproved",
        "Paid",
      ]);
      expect(timeline.submission?.attachments).to.deep.equal([summary.contentHash]);
    });

    it("submits on the patient's signed authorisation without a grant", async function () {
      const steward = await MedchainClient.connect(c.dataSteward, deployment);
      const [attachment] = labAnchors(c.patientId, 1, "signed-claim");
      await (await steward.records.anchor({ ...attachment!, category: RecordCategory.ClaimDocument })).wait();
      const now = BigInt(await time.latest());
      const submission = claimSubmission({
        patientId: c.patientId,
        insurer: c.insurerId,
        claim: { resourceType: "Claim", status: "active", use: "claim", id: "signed" },
        claimedAmount: 50_000n,
        currency: ISO_4217.TWD,
        serviceStart: now - ONE_DAY,
        serviceEnd: now,
        attachments: [attachment!.contentHash],
        now,
      });
      const patient = await MedchainClient.connect(c.patient, deployment);
      const authorization = await patient.claims.signAuthorization(submission, c.hospitalId);
      const provider = await MedchainClient.connect(c.claimsOfficer, deployment);
      const withoutConsent = await rejectionOf(provider.claims.submit(submission));
      expect(withoutConsent).to.be.instanceOf(MedchainContractError);
      const { claimId } = await (await provider.claims.submit(submission, { authorization })).wait();
      expect((await provider.claims.get(claimId)).authorizedBySignature).to.equal(true);
      await (await provider.claims.withdraw(claimId)).wait();
      expect((await provider.claims.get(claimId)).status).to.equal(BigInt(ClaimStatus.Withdrawn));
    });
  });

  describe("research and third parties", function () {
    it("opt-out, a study from registration to destruction, and a company's grant with the explicit opt-in", async function () {
      const [universityAdmin, analyst, companyOfficer] = [c.spare[0]!, c.spare[1]!, c.spare[2]!];
      const council = c.memberRegistry.connect(c.council);
      await council.addMember(MemberKind.ResearchInstitute, keccak256(toUtf8Bytes("university")));
      await council.addMember(MemberKind.Company, keccak256(toUtf8Bytes("company")));
      const [universityId, companyId] = [4n, 5n];
      await council.addOperator(universityAdmin, universityId, dutyMask(Duty.OrgAdmin, Duty.Researcher));
      await council.addOperator(analyst, universityId, dutyMask(Duty.Researcher));
      await council.addOperator(companyOfficer, companyId, dutyMask(Duty.OrgAdmin));

      // The other patient opts out wholly; the SDK reads it back and research is refused for her.
      const otherPatient = await MedchainClient.connect(c.otherPatient, deployment);
      expect((await (await otherPatient.research.optOut(c.otherPatientId)).wait()).wholly).to.equal(true);
      expect(await otherPatient.research.isOptedOut(c.otherPatientId, RecordCategory.LabResult)).to.equal(true);
      expect((await otherPatient.research.optOutOf(c.otherPatientId)).wholly).to.equal(true);

      const university = await MedchainClient.connect(universityAdmin, deployment);
      const now = BigInt(await time.latest());
      const registration = studyRegistration({
        protocolHash: keccak256(toUtf8Bytes("protocol")),
        ethicsApprovalHash: keccak256(toUtf8Bytes("irb")),
        ethicsApprovalExpiresAt: now + 400n * ONE_DAY,
        purpose: Purpose.BiomedicalResearch,
        requesterClass: RequesterClass.Academic,
        dataUse: [DataUse.HMB, DataUse.IRB, DataUse.NPU],
        categories: categoryMask(RecordCategory.LabResult),
        termStart: now,
        termEnd: now + 30n * ONE_DAY,
        minimumK: 5,
        now,
      });
      const { studyId } = await (await university.research.registerStudy(registration)).wait();
      expect(studyId).to.equal(1n);
      expect(await university.research.studyDataUse(studyId)).to.deep.equal([DataUse.HMB, DataUse.IRB, DataUse.NPU]);
      const companyClient = await MedchainClient.connect(companyOfficer, deployment);
      const noDuty = await rejectionOf(companyClient.research.registerStudy(registration));
      expect((noDuty as MedchainDutyError).duty).to.equal(Duty.Researcher);
      const oversight = await MedchainClient.connect(c.oversight, deployment);
      await (await oversight.research.approveStudy(studyId)).wait();
      expect((await oversight.research.study(studyId)).status).to.equal(BigInt(StudyStatus.Approved));

      // The hospital builds the cohort without the opted-out patient and publishes it.
      const records: CohortRecord[] = [c.patientId, c.otherPatientId].flatMap((patientId) =>
        labAnchors(patientId, 3, `cohort-${patientId}`).map((anchor) => ({ patientId, anchor })),
      );
      const optOutBlock = BigInt(await ethers.provider.getBlockNumber());
      const optOuts = new Map<bigint, ResearchOptOut>();
      for (const patientId of [c.patientId, c.otherPatientId]) {
        optOuts.set(patientId, await university.research.optOutOf(patientId));
      }
      const cohort = buildCohort(records, optOuts, { dataUsePermission: DataUse.HMB });
      expect([cohort.cohortSize, cohort.excludedPatients, cohort.recordCount]).to.deep.equal([1, 1, 3]);
      const steward = await MedchainClient.connect(c.dataSteward, deployment);
      const smallCohort = datasetManifest({
        studyId,
        cohortRoot: cohort.cohortRoot,
        cohortSize: cohort.cohortSize,
        method: DeidentificationMethod.DifferentialPrivacy,
        epsilonMillis: 1_000,
        methodDocumentHash: keccak256(toUtf8Bytes("dp method")),
        optOutStateBlock: optOutBlock,
        manifestHash: keccak256(toUtf8Bytes("release")),
      });
      const { datasetId } = await (await steward.research.publishDataset(smallCohort)).wait();
      expect((await steward.research.dataset(datasetId)).cohortRoot).to.equal(cohort.cohortRoot);

      await (await university.research.grantDatasetAccess(datasetId, analyst.address)).wait();
      const analystClient = await MedchainClient.connect(analyst, deployment);
      await (await analystClient.research.logDatasetAccess(datasetId, keccak256(toUtf8Bytes("query 1")))).wait();
      expect(await university.research.canUseDataset(datasetId, analyst.address)).to.equal(true);
      await time.increase(31 * 86_400);
      const late = await rejectionOf(analystClient.research.logDatasetAccess(datasetId, keccak256(toUtf8Bytes("q2"))));
      expect((late as MedchainContractError).errorName).to.equal("StudyRegistryOutsideTerm");
      await (await university.research.attestDestruction(datasetId, keccak256(toUtf8Bytes("certificate")))).wait();
      expect((await university.research.dataset(datasetId)).destroyedAt).to.be.greaterThan(0n);
      expect(await university.research.legalExceptionCount(LegalBasis.CommunicableDiseaseControl)).to.equal(0n);

      // A company's marketing grant: the patient signs it with the explicit commercial opt-in; a hospital relays.
      const patient = await MedchainClient.connect(c.patient, deployment);
      const request = thirdPartyGrantRequest({
        grant: {
          patientId: c.patientId,
          grantee: companyId,
          categories: categoryMask(RecordCategory.LabResult),
          purposes: purposeMask(Purpose.Marketing),
          now: BigInt(await time.latest()),
          durationSeconds: 30n * ONE_DAY,
        },
        granteeKind: MemberKind.Company,
        requesterClass: RequesterClass.Commercial,
        optIns: [ExplicitOptIn.CommercialUse],
      });
      const hospital = await MedchainClient.connect(c.registrar, deployment);
      await (await hospital.consent.relayThirdPartyGrant(await patient.consent.signThirdPartyGrant(request))).wait();
      const terms = await hospital.consent.thirdPartyTerms(c.patientId, companyId);
      expect([terms.thirdParty, Number(terms.optIns)]).to.deep.equal([true, ExplicitOptIn.CommercialUse]);
      expect(
        await hospital.consent.isAuthorizedForUse(
          c.patientId,
          companyId,
          RecordCategory.LabResult,
          Purpose.Marketing,
          ExplicitOptIn.CommercialUse,
        ),
      ).to.equal(true);
      expect(
        await hospital.consent.isAuthorizedForUse(
          c.patientId,
          companyId,
          RecordCategory.LabResult,
          Purpose.Marketing,
          ExplicitOptIn.IdentifiableData,
        ),
      ).to.equal(false);
      const plain = await rejectionOf(patient.consent.grant(request.grant));
      expect((plain as MedchainContractError).errorName).to.equal("ConsentRegistryThirdPartyGrantRequired");
    });
  });

  describe("members", function () {
    it("reads members and operators, and an OrgAdmin adds and removes an operator", async function () {
      const admin = await MedchainClient.connect(c.hospitalAdmin, deployment);
      expect(await admin.members.count()).to.equal(3n);
      expect((await admin.members.get(c.hospitalId)).kind).to.equal(0n);
      const nurse = c.spare[1]!.address;
      await (await admin.members.addOperator(nurse, c.hospitalId, [Duty.Clinician])).wait();
      expect(await admin.members.hasDuty(nurse, Duty.Clinician)).to.equal(true);
      expect((await admin.members.operator(nurse)).memberId).to.equal(c.hospitalId);
      await (await admin.members.removeOperator(nurse)).wait();
      expect((await admin.members.operator(nurse)).memberId).to.equal(0n);
      const noDuties = await rejectionOf(admin.members.addOperator(nurse, c.hospitalId, []));
      expect((noDuties as MedchainInputError).field).to.equal("duties");
    });
  });
});
