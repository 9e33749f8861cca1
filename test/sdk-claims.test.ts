import { expect } from "chai";
import {
  keccak256,
  toUtf8Bytes,
  TypedDataEncoder,
  verifyTypedData,
  ZeroHash,
  type ContractTransactionReceipt,
  type TypedDataDomain,
} from "ethers";
import { network } from "hardhat";

import {
  adjudicateClaim,
  answerClaim,
  CLAIM_AUTHORIZATION_TYPES,
  CLAIM_DOMAIN_NAME,
  CLAIM_DOMAIN_VERSION,
  claimAuthorizationDigest,
  claimDomain,
  claimIdOf,
  ClaimOutcome,
  claimOutcomeOf,
  ClaimReason,
  ClaimStatus,
  claimSubmission,
  claimTimeline,
  categoryMask,
  fhirClaimResponseOutcome,
  fhirContentHash,
  grantRequest,
  ISO_4217,
  MAX_CLAIM_AMOUNT,
  MedchainContractError,
  MedchainInputError,
  newRecordSalt,
  payClaim,
  Purpose,
  purposeMask,
  RecordCategory,
  signClaimAuthorization,
  submitClaim,
  subjectCommitment,
  withdrawClaim,
  type ClaimSubmission,
  type ClaimSubmissionInput,
  type ClaimTimelineEntry,
  type FhirResource,
} from "../sdk/index.js";
import { buildConsortium, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;

const ONE_HOUR = 3_600n;
const ONE_DAY = 24n * ONE_HOUR;
/** NT$45,600.00 in minor units (ISO 4217 gives TWD two decimals). */
const CLAIMED = 4_560_000n;
/** What the insurer approves: NT$38,000.00. */
const APPROVED = 3_800_000n;

/** A discharge summary as the hospital's FHIR server returns it. */
const DISCHARGE_SUMMARY: FhirResource = {
  resourceType: "Composition",
  status: "final",
  type: { coding: [{ system: "http://loinc.org", code: "18842-5", display: "Discharge summary" }] },
  subject: { reference: "Patient/p-1" },
  date: "2026-11-23T10:00:00+08:00",
  title: "Discharge summary: community-acquired pneumonia",
};

/** The receipt for the stay: a claim document. */
const RECEIPT: FhirResource = {
  resourceType: "Invoice",
  status: "issued",
  subject: { reference: "Patient/p-1" },
  totalGross: { value: 45600, currency: "TWD" },
};

/** The itemised receipt the insurer asks for later. */
const ITEMISED_RECEIPT: FhirResource = {
  resourceType: "Invoice",
  status: "issued",
  subject: { reference: "Patient/p-1" },
  lineItem: [
    { sequence: 1, chargeItemCodeableConcept: { text: "Ward, 3 days" }, priceComponent: [{ type: "base" }] },
    { sequence: 2, chargeItemCodeableConcept: { text: "Antibiotics" }, priceComponent: [{ type: "base" }] },
  ],
  totalGross: { value: 45600, currency: "TWD" },
};

/** The receipts' record category: a receipt is a claim document. */
const RECEIPT_CATEGORY = RecordCategory.ClaimDocument;

/** The categories the insurer needs for the claim: the claim itself, the discharge summary, the receipts. */
const CLAIM_CATEGORIES = categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary, RECEIPT_CATEGORY);

/** The FHIR Claim of the stay, as JSON text with its keys in the order the hospital's system writes them. */
const FHIR_CLAIM_JSON = `{
  "resourceType": "Claim",
  "status": "active",
  "type": { "coding": [ { "system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "institutional" } ] },
  "use": "claim",
  "patient": { "reference": "Patient/p-1" },
  "created": "2026-11-23T12:00:00+08:00",
  "insurer": { "reference": "Organization/insurer-3" },
  "provider": { "reference": "Organization/hospital-1" },
  "priority": { "coding": [ { "code": "normal" } ] },
  "total": { "value": 45600.00, "currency": "TWD" }
}`;

const REQUEST_HASH = keccak256(toUtf8Bytes("insurer request 2026-117: itemised receipt please"));
const RESPONSE_HASH = keccak256(toUtf8Bytes("hospital cover letter for the itemised receipt"));
const PAYMENT_REFERENCE_HASH = keccak256(toUtf8Bytes("salt:4f1c:TWD transfer 2026-12-01 #88341"));

/** The consortium with the claim domain, the anchored attachments and a submission ready to send. */
interface ClaimsConsortium extends Consortium {
  domain: TypedDataDomain;
  dischargeSummaryHash: string;
  receiptHash: string;
  /** Unix seconds of the fixture's last block. */
  now: bigint;
  /** The claim of the stay with the discharge summary and the receipt attached. */
  submission: ClaimSubmission;
  /** What {@link claimSubmission} was given to build `submission`. */
  input: ClaimSubmissionInput;
}

/** The data steward anchors `resource` as a record of the patient, with a fresh subject commitment. */
async function anchor(c: Consortium, resource: FhirResource, category: RecordCategory): Promise<string> {
  const contentHash = fhirContentHash(resource);
  await c.recordRegistry
    .connect(c.dataSteward)
    .anchorRecord({ contentHash, category, subjectCommitment: subjectCommitment(c.patientId, newRecordSalt()) });
  return contentHash;
}

async function claimsConsortium(): Promise<ClaimsConsortium> {
  const c = await buildConsortium(connection);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = claimDomain({ chainId, verifyingContract: await c.claimRegistry.getAddress() });
  const dischargeSummaryHash = await anchor(c, DISCHARGE_SUMMARY, RecordCategory.DischargeSummary);
  const receiptHash = await anchor(c, RECEIPT, RECEIPT_CATEGORY);
  const now = BigInt(await time.latest());
  const input: ClaimSubmissionInput = {
    patientId: c.patientId,
    insurer: c.insurerId,
    claim: FHIR_CLAIM_JSON,
    claimedAmount: CLAIMED,
    currency: ISO_4217.TWD,
    serviceStart: now - 5n * ONE_DAY,
    serviceEnd: now - 2n * ONE_DAY,
    attachments: [dischargeSummaryHash, receiptHash],
    now,
  };
  return { ...c, domain, dischargeSummaryHash, receiptHash, now, input, submission: claimSubmission(input) };
}

/** {@link claimsConsortium} after the patient granted the insurer the claim's categories for insurance claims. */
async function withInsurerGrant(): Promise<ClaimsConsortium> {
  const c = await claimsConsortium();
  const request = grantRequest({
    patientId: c.patientId,
    grantee: c.insurerId,
    categories: CLAIM_CATEGORIES,
    purposes: purposeMask(Purpose.InsuranceClaim),
    now: BigInt(await time.latest()),
    durationSeconds: 90n * ONE_DAY,
  });
  await c.consentRegistry.connect(c.patient).grant(request);
  return c;
}

/** A claim submitted on the strength of the insurer's grant, and the receipt of its submission. */
async function withSubmittedClaim(): Promise<ClaimsConsortium & { claimId: string }> {
  const c = await withInsurerGrant();
  const { claimId } = await submitClaim(c.claimRegistry.connect(c.claimsOfficer), c.submission);
  return { ...c, claimId };
}

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** Checks that `error` is a decoded contract error named `errorName` and returns it. */
function expectContractError(error: unknown, errorName: string): MedchainContractError {
  expect(error).to.be.instanceOf(MedchainContractError);
  const decoded = error as MedchainContractError;
  expect(decoded.errorName).to.equal(errorName);
  return decoded;
}

/** Block time of a mined transaction. */
async function blockTime(receipt: ContractTransactionReceipt): Promise<bigint> {
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error(`block ${receipt.blockNumber} not found`);
  return BigInt(block.timestamp);
}

/** A 32-byte hash of a tag (distinct, well-formed attachment hashes). */
const hashOf = (tag: string) => keccak256(toUtf8Bytes(tag));

describe("SDK claims", function () {
  describe("claimSubmission (checked before anything is signed or sent)", function () {
    const NOW = 1_800_000_000n;
    const base: ClaimSubmissionInput = {
      patientId: 1n,
      insurer: 3n,
      claim: FHIR_CLAIM_JSON,
      claimedAmount: CLAIMED,
      currency: ISO_4217.TWD,
      serviceStart: NOW - 3n * ONE_DAY,
      serviceEnd: NOW - ONE_DAY,
      attachments: [hashOf("discharge summary"), hashOf("receipt")],
      now: NOW,
    };

    it("hashes the FHIR Claim with fhirContentHash, from JSON text or an object, and keeps the fields", function () {
      const fromText = claimSubmission(base);
      const fromObject = claimSubmission({ ...base, claim: JSON.parse(FHIR_CLAIM_JSON) as FhirResource });
      expect(fromText.claimHash).to.equal(fhirContentHash(FHIR_CLAIM_JSON));
      expect(fromObject).to.deep.equal(fromText);
      expect(fromText).to.deep.equal({
        patientId: 1n,
        insurer: 3n,
        claimHash: fhirContentHash(FHIR_CLAIM_JSON),
        claimedAmount: CLAIMED,
        currency: 901,
        serviceStart: base.serviceStart,
        serviceEnd: base.serviceEnd,
        attachments: [hashOf("discharge summary"), hashOf("receipt")],
      });
      const changed = FHIR_CLAIM_JSON.replace("45600.00", "45601");
      expect(claimSubmission({ ...base, claim: changed }).claimHash).to.not.equal(fromText.claimHash);
    });

    it("accepts the boundaries and writes attachment hashes in lower case", function () {
      const upper = `0x${hashOf("x").slice(2).toUpperCase()}`;
      const ten = Array.from({ length: 10 }, (_, i) => hashOf(`attachment ${i}`));
      for (const fields of [
        { claimedAmount: 1n },
        { claimedAmount: MAX_CLAIM_AMOUNT },
        { currency: 1 },
        { currency: 999 },
        { serviceStart: NOW, serviceEnd: NOW },
        { attachments: ten },
        { attachments: [] },
      ] satisfies Partial<ClaimSubmissionInput>[]) {
        expect(
          () => claimSubmission({ ...base, ...fields }),
          JSON.stringify(fields, (_, v) => String(v)),
        ).to.not.throw();
      }
      expect(claimSubmission({ ...base, attachments: [upper] }).attachments).to.deep.equal([upper.toLowerCase()]);
      expect(claimSubmission({ ...base, attachments: undefined }).attachments).to.deep.equal([]);
    });

    const eleven = Array.from({ length: 11 }, (_, i) => hashOf(`attachment ${i}`));
    const refusals: { title: string; fields: Partial<ClaimSubmissionInput>; field: string; message: RegExp }[] = [
      {
        title: "a FHIR resource that is not a Claim",
        fields: { claim: { resourceType: "Observation", status: "final" } },
        field: "claim",
        message: /must be a FHIR Claim resource; this one's resourceType is "Observation"/,
      },
      {
        title: "malformed JSON",
        fields: { claim: '{"resourceType": "Claim",' },
        field: "claim",
        message: /not well-formed JSON/,
      },
      {
        title: "JSON that is not a FHIR resource",
        fields: { claim: '{"status": "active"}' },
        field: "claim",
        message: /not a FHIR resource/,
      },
      {
        title: "a zero amount",
        fields: { claimedAmount: 0n },
        field: "claimedAmount",
        message: /a claimed amount must be 1 to 18446744073709551615 minor units; 0 is outside/,
      },
      {
        title: "a negative amount",
        fields: { claimedAmount: -5n },
        field: "claimedAmount",
        message: /-5 is outside/,
      },
      {
        title: "an amount above 2^64 - 1",
        fields: { claimedAmount: 2n ** 64n },
        field: "claimedAmount",
        message: /18446744073709551616 is outside/,
      },
      {
        title: "currency 0",
        fields: { currency: 0 },
        field: "currency",
        message: /0 is not an ISO 4217 numeric currency code \(1 to 999; TWD is 901\)/,
      },
      {
        title: "currency 1000",
        fields: { currency: 1000 },
        field: "currency",
        message: /1000 is not an ISO 4217 numeric currency code/,
      },
      {
        title: "a fractional currency",
        fields: { currency: 901.5 },
        field: "currency",
        message: /901.5 is not an ISO 4217/,
      },
      {
        title: "an inverted service period",
        fields: { serviceStart: NOW - ONE_DAY, serviceEnd: NOW - 3n * ONE_DAY },
        field: "serviceEnd",
        message: /the service period must not end before it starts: 2027-01-14T\S+ – 2027-01-12T/,
      },
      {
        title: "a service period starting at zero",
        fields: { serviceStart: 0n },
        field: "serviceStart",
        message: /the service period must start after 1970/,
      },
      {
        title: "a service period starting in the future",
        fields: { serviceStart: NOW + ONE_HOUR, serviceEnd: NOW + ONE_DAY },
        field: "serviceStart",
        message: /must not start in the future/,
      },
      {
        title: "more than 10 attachments",
        fields: { attachments: eleven },
        field: "attachments",
        message: /a claim carries at most 10 attachments; this one would carry 11/,
      },
      {
        title: "a duplicate attachment (even in another case)",
        fields: { attachments: [hashOf("a"), hashOf("b"), `0x${hashOf("a").slice(2).toUpperCase()}`] },
        field: "attachments",
        message: new RegExp(`attachment ${hashOf("a")} is listed twice \\(at positions 0 and 2\\)`),
      },
      {
        title: "a short attachment hash",
        fields: { attachments: [hashOf("a"), "0x1234"] },
        field: "attachments",
        message: /attachment 1 \("0x1234"\) is not a content hash: it must be 0x and 64 hex digits/,
      },
      {
        title: "an attachment hash that is not hex",
        fields: { attachments: [`0x${"zz".repeat(32)}`] },
        field: "attachments",
        message: /attachment 0 .* is not a content hash/,
      },
      {
        title: "a zero attachment hash",
        fields: { attachments: [ZeroHash] },
        field: "attachments",
        message: /attachment 0 is the zero hash/,
      },
      {
        title: "patient id 0",
        fields: { patientId: 0n },
        field: "patientId",
        message: /patient id 0 is out of range/,
      },
      {
        title: "an insurer id beyond 32 bits",
        fields: { insurer: 2n ** 32n },
        field: "insurer",
        message: /insurer id 4294967296 is out of range/,
      },
    ];
    for (const refusal of refusals) {
      it(`refuses ${refusal.title}`, function () {
        let thrown: unknown;
        try {
          claimSubmission({ ...base, ...refusal.fields });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).to.be.instanceOf(MedchainInputError);
        const error = thrown as MedchainInputError;
        expect(error.shortMessage).to.match(refusal.message);
        expect(error.field).to.equal(refusal.field);
      });
    }

    it("names the currencies by their ISO 4217 numeric codes", function () {
      expect(ISO_4217).to.include({ TWD: 901, USD: 840, JPY: 392, EUR: 978 });
    });
  });

  describe("claim ids, EIP-712 and outcomes (the SDK and the contract agree)", function () {
    it("computes the contract's claim id", async function () {
      const c = await networkHelpers.loadFixture(claimsConsortium);
      for (const [provider, claimHash] of [
        [c.hospitalId, c.submission.claimHash],
        [c.clinicId, c.submission.claimHash],
        [2n ** 32n - 1n, hashOf("another claim")],
      ] as const) {
        expect(claimIdOf(provider, claimHash)).to.equal(await c.claimRegistry.claimIdOf(provider, claimHash));
      }
      expect(() => claimIdOf(2n ** 32n, c.submission.claimHash)).to.throw(MedchainInputError, /provider id/);
    });

    it("builds the contract's domain, type hash and digest", async function () {
      const c = await networkHelpers.loadFixture(claimsConsortium);
      const [, name, version, chainId, verifyingContract] = await c.claimRegistry.eip712Domain();
      expect([name, version, chainId, verifyingContract]).to.deep.equal([
        CLAIM_DOMAIN_NAME,
        CLAIM_DOMAIN_VERSION,
        c.domain.chainId,
        c.domain.verifyingContract,
      ]);
      const encodedType = TypedDataEncoder.from(CLAIM_AUTHORIZATION_TYPES).encodeType("ClaimAuthorization");
      expect(keccak256(toUtf8Bytes(encodedType))).to.equal(await c.claimRegistry.CLAIM_AUTHORIZATION_TYPEHASH());
      const deadline = c.now + ONE_HOUR;
      for (const submission of [c.submission, { ...c.submission, attachments: [] }]) {
        for (const nonce of [0n, 7n]) {
          expect(
            claimAuthorizationDigest(c.domain, submission, c.hospitalId, c.patient.address, nonce, deadline),
          ).to.equal(
            await c.claimRegistry.claimAuthorizationDigest(
              submission,
              c.hospitalId,
              c.patient.address,
              nonce,
              deadline,
            ),
          );
        }
      }
    });

    it("maps every status to the outcome the contract emits and its FHIR code", function () {
      const expected: [ClaimStatus, ClaimOutcome, string][] = [
        [ClaimStatus.Submitted, ClaimOutcome.Queued, "queued"],
        [ClaimStatus.InReview, ClaimOutcome.Queued, "queued"],
        [ClaimStatus.InformationRequested, ClaimOutcome.Queued, "queued"],
        [ClaimStatus.Approved, ClaimOutcome.Complete, "complete"],
        [ClaimStatus.PartiallyApproved, ClaimOutcome.Partial, "partial"],
        [ClaimStatus.Denied, ClaimOutcome.Complete, "complete"],
        [ClaimStatus.Paid, ClaimOutcome.Complete, "complete"],
        [ClaimStatus.Withdrawn, ClaimOutcome.Error, "error"],
      ];
      for (const [status, outcome, code] of expected) {
        expect(claimOutcomeOf(status), String(status)).to.equal(outcome);
        expect(fhirClaimResponseOutcome(status), String(status)).to.equal(code);
      }
    });
  });

  describe("a claim's life through the SDK helpers", function () {
    it("submits, reviews, asks, is answered, approves in part and pays; the timeline tells it in order", async function () {
      const c = await networkHelpers.loadFixture(withInsurerGrant);
      const asProvider = c.claimRegistry.connect(c.claimsOfficer);
      const asInsurer = c.claimRegistry.connect(c.insurerRegistrar);

      const { claimId, receipt: submitted } = await submitClaim(asProvider, c.submission);
      expect(claimId).to.equal(claimIdOf(c.hospitalId, c.submission.claimHash));
      const reviewing = await adjudicateClaim(asInsurer, claimId, { kind: "startReview" });
      const asked = await adjudicateClaim(asInsurer, claimId, {
        kind: "requestInformation",
        reason: ClaimReason.ItemisedReceiptNeeded,
        requestHash: REQUEST_HASH,
      });
      const itemisedHash = await anchor(c, ITEMISED_RECEIPT, RECEIPT_CATEGORY);
      const answered = await answerClaim(asProvider, claimId, [itemisedHash], RESPONSE_HASH);
      const approved = await adjudicateClaim(asInsurer, claimId, { kind: "approve", amount: APPROVED });
      const paid = await payClaim(asInsurer, claimId, PAYMENT_REFERENCE_HASH);

      const stored = await c.claimRegistry.getClaim(claimId);
      expect(stored.status).to.equal(BigInt(ClaimStatus.Paid));
      expect(stored.approvedAmount).to.equal(APPROVED);
      expect(stored.attachmentCount).to.equal(3n);
      expect(stored.authorizedBySignature).to.equal(false);

      const timeline = await claimTimeline(c.claimRegistry, claimId);
      expect(timeline.claimId).to.equal(claimId);
      expect(timeline.status).to.equal(ClaimStatus.Paid);
      expect(timeline.statusName).to.equal("Paid");
      expect(timeline.attachments).to.deep.equal([c.dischargeSummaryHash, c.receiptHash, itemisedHash]);
      expect(timeline.submission).to.deep.equal({
        claimId,
        patientId: c.patientId,
        insurer: c.insurerId,
        provider: c.hospitalId,
        operator: c.claimsOfficer.address,
        claimHash: c.submission.claimHash,
        claimedAmount: CLAIMED,
        currency: ISO_4217.TWD,
        serviceStart: c.submission.serviceStart,
        serviceEnd: c.submission.serviceEnd,
        attachments: [c.dischargeSummaryHash, c.receiptHash],
        authorizedBySignature: false,
        blockNumber: submitted.blockNumber,
        transactionHash: submitted.hash,
        timestamp: stored.submittedAt,
      });

      const officer = c.claimsOfficer.address;
      const insurer = c.insurerRegistrar.address;
      const steps: [ContractTransactionReceipt, Partial<ClaimTimelineEntry>][] = [
        [
          submitted,
          {
            statusName: "Submitted",
            previousStatusName: "None",
            outcomeName: "queued",
            reasonName: "None",
            approvedAmount: 0n,
            referenceHash: c.submission.claimHash,
            actor: officer,
            attachmentsAdded: [c.dischargeSummaryHash, c.receiptHash],
          },
        ],
        [
          reviewing,
          {
            statusName: "InReview",
            previousStatusName: "Submitted",
            outcomeName: "queued",
            reasonName: "None",
            approvedAmount: 0n,
            referenceHash: ZeroHash,
            actor: insurer,
            attachmentsAdded: undefined,
          },
        ],
        [
          asked,
          {
            statusName: "InformationRequested",
            previousStatusName: "InReview",
            outcomeName: "queued",
            reason: ClaimReason.ItemisedReceiptNeeded,
            reasonName: "ItemisedReceiptNeeded",
            approvedAmount: 0n,
            referenceHash: REQUEST_HASH,
            actor: insurer,
            attachmentsAdded: undefined,
          },
        ],
        [
          answered,
          {
            statusName: "InReview",
            previousStatusName: "InformationRequested",
            outcomeName: "queued",
            reasonName: "None",
            approvedAmount: 0n,
            referenceHash: RESPONSE_HASH,
            actor: officer,
            attachmentsAdded: [itemisedHash],
          },
        ],
        [
          approved,
          {
            statusName: "PartiallyApproved",
            previousStatusName: "InReview",
            outcome: ClaimOutcome.Partial,
            outcomeName: "partial",
            reasonName: "None",
            approvedAmount: APPROVED,
            referenceHash: ZeroHash,
            actor: insurer,
            attachmentsAdded: undefined,
          },
        ],
        [
          paid,
          {
            status: ClaimStatus.Paid,
            statusName: "Paid",
            previousStatus: ClaimStatus.PartiallyApproved,
            previousStatusName: "PartiallyApproved",
            outcome: ClaimOutcome.Complete,
            outcomeName: "complete",
            reason: ClaimReason.None,
            reasonName: "None",
            approvedAmount: APPROVED,
            referenceHash: PAYMENT_REFERENCE_HASH,
            actor: insurer,
            attachmentsAdded: undefined,
          },
        ],
      ];
      expect(timeline.entries).to.have.length(steps.length);
      for (const [i, [receipt, expected]] of steps.entries()) {
        const entry = timeline.entries[i];
        expect(entry, `step ${i}`).to.not.equal(undefined);
        const { attachmentsAdded, ...fields } = expected;
        expect(entry, `step ${i}`).to.include({
          ...fields,
          blockNumber: receipt.blockNumber,
          transactionHash: receipt.hash,
          timestamp: await blockTime(receipt),
        });
        expect(entry?.attachmentsAdded, `step ${i}`).to.deep.equal(attachmentsAdded);
        expect(entry?.outcomeName, `step ${i}`).to.equal(fhirClaimResponseOutcome(entry?.status ?? ClaimStatus.None));
      }

      const later = await claimTimeline(c.claimRegistry, claimId, { fromBlock: approved.blockNumber });
      expect(later.submission).to.equal(undefined);
      expect(later.entries.map((entry) => entry.statusName)).to.deep.equal(["PartiallyApproved", "Paid"]);
    });

    it("denies with a reason, and a withdrawn claim ends with FHIR outcome error", async function () {
      const c = await networkHelpers.loadFixture(withSubmittedClaim);
      const asInsurer = c.claimRegistry.connect(c.insurerRegistrar);
      await adjudicateClaim(asInsurer, c.claimId, { kind: "startReview" });
      await adjudicateClaim(asInsurer, c.claimId, { kind: "deny", reason: ClaimReason.NotCovered });
      const denied = await claimTimeline(c.claimRegistry, c.claimId);
      expect(denied.entries.at(-1)).to.include({
        statusName: "Denied",
        outcomeName: "complete",
        reasonName: "NotCovered",
      });

      const second = claimSubmission({ ...c.input, claim: FHIR_CLAIM_JSON.replace('"claim"', '"preauthorization"') });
      const { claimId } = await submitClaim(c.claimRegistry.connect(c.claimsOfficer), second);
      await withdrawClaim(c.claimRegistry.connect(c.claimsOfficer), claimId);
      const withdrawn = await claimTimeline(c.claimRegistry, claimId);
      expect(withdrawn.entries.map((entry) => [entry.statusName, entry.outcomeName])).to.deep.equal([
        ["Submitted", "queued"],
        ["Withdrawn", "error"],
      ]);
    });
  });

  describe("the patient's signature instead of a consent grant", function () {
    it("the patient signs, the hospital relays without any grant, and a replay is refused", async function () {
      const c = await networkHelpers.loadFixture(claimsConsortium);
      expect(
        await c.consentRegistry.isAuthorizedForCategories(
          c.patientId,
          c.insurerId,
          CLAIM_CATEGORIES,
          Purpose.InsuranceClaim,
        ),
      ).to.equal(false);
      const nonce = await c.claimRegistry.claimNonces(c.patientId);
      const deadline = c.now + ONE_HOUR;
      const authorization = await signClaimAuthorization(
        c.patient,
        c.domain,
        c.submission,
        c.hospitalId,
        nonce,
        deadline,
      );
      expect(authorization).to.include({ signer: c.patient.address, nonce, deadline });
      const digest = claimAuthorizationDigest(c.domain, c.submission, c.hospitalId, c.patient.address, nonce, deadline);
      expect(digest).to.equal(
        await c.claimRegistry.claimAuthorizationDigest(c.submission, c.hospitalId, c.patient.address, nonce, deadline),
      );
      const message = { ...c.submission, provider: c.hospitalId, signer: c.patient.address, nonce, deadline };
      expect(verifyTypedData(c.domain, CLAIM_AUTHORIZATION_TYPES, message, authorization.signature)).to.equal(
        c.patient.address,
      );

      const asProvider = c.claimRegistry.connect(c.claimsOfficer);
      const { claimId } = await submitClaim(asProvider, c.submission, { authorization });
      expect((await c.claimRegistry.getClaim(claimId)).authorizedBySignature).to.equal(true);
      expect(await c.claimRegistry.claimNonces(c.patientId)).to.equal(nonce + 1n);
      expect((await claimTimeline(c.claimRegistry, claimId)).submission?.authorizedBySignature).to.equal(true);

      await expect(asProvider.submitClaimWithAuthorization(c.submission, authorization))
        .to.be.revertedWithCustomError(c.claimRegistry, "ClaimRegistryInvalidNonce")
        .withArgs(c.patientId, nonce + 1n, nonce);
      const replay = expectContractError(
        await rejectionOf(submitClaim(asProvider, c.submission, { authorization })),
        "ClaimRegistryInvalidNonce",
      );
      expect([...replay.args]).to.deep.equal([c.patientId, nonce + 1n, nonce]);
      expect(replay.shortMessage).to.equal(
        `the authorisation carries nonce ${nonce} but patient ${c.patientId}'s current claim nonce is ${nonce + 1n} ` +
          "(replayed or cancelled)",
      );
    });

    it("a signature for another provider or over another submission authorises nothing here", async function () {
      const c = await networkHelpers.loadFixture(claimsConsortium);
      const asProvider = c.claimRegistry.connect(c.claimsOfficer);
      const deadline = c.now + ONE_HOUR;
      const forClinic = await signClaimAuthorization(c.patient, c.domain, c.submission, c.clinicId, 0n, deadline);
      const signed = await signClaimAuthorization(c.patient, c.domain, c.submission, c.hospitalId, 0n, deadline);
      const inflated = { ...c.submission, claimedAmount: c.submission.claimedAmount + 1n };
      for (const [submission, authorization] of [
        [c.submission, forClinic],
        [inflated, signed],
      ] as const) {
        const error = expectContractError(
          await rejectionOf(submitClaim(asProvider, submission, { authorization })),
          "ClaimRegistryInvalidSignature",
        );
        expect(error.args[0]).to.equal(c.patient.address);
      }
      expect(await c.claimRegistry.claimNonces(c.patientId)).to.equal(0n);
    });
  });

  describe("refusals the SDK surfaces", function () {
    it("refuses a claim without consent, with the contract's error decoded and explained", async function () {
      const c = await networkHelpers.loadFixture(claimsConsortium);
      const asProvider = c.claimRegistry.connect(c.claimsOfficer);
      await expect(asProvider.submitClaim(c.submission))
        .to.be.revertedWithCustomError(c.claimRegistry, "ClaimRegistryNotAuthorizedByPatient")
        .withArgs(c.patientId, c.insurerId, CLAIM_CATEGORIES);
      const error = expectContractError(
        await rejectionOf(submitClaim(asProvider, c.submission)),
        "ClaimRegistryNotAuthorizedByPatient",
      );
      expect(error.shortMessage).to.equal(
        `patient ${c.patientId} has not authorised insurer ${c.insurerId} for insurance claims on these record ` +
          `categories (mask ${CLAIM_CATEGORIES}): no live grant covers them and no signature was given`,
      );
      expect(error.data.slice(0, 10)).to.equal(
        c.claimRegistry.interface.getError("ClaimRegistryNotAuthorizedByPatient")?.selector,
      );
    });

    it("decodes a refused step (wrong order, too much approved) and refuses bad decisions before sending", async function () {
      const c = await networkHelpers.loadFixture(withSubmittedClaim);
      const asInsurer = c.claimRegistry.connect(c.insurerRegistrar);
      const early = expectContractError(
        await rejectionOf(adjudicateClaim(asInsurer, c.claimId, { kind: "approve", amount: APPROVED })),
        "ClaimRegistryTransitionNotAllowed",
      );
      expect(early.shortMessage).to.equal(
        `claim ${c.claimId} is Submitted; it cannot become PartiallyApproved from there`,
      );
      const wrongParty = expectContractError(
        await rejectionOf(
          adjudicateClaim(c.claimRegistry.connect(c.claimsOfficer), c.claimId, { kind: "startReview" }),
        ),
        "ClaimRegistryWrongParty",
      );
      expect([...wrongParty.args]).to.deep.equal([c.claimId, c.insurerId, c.hospitalId]);
      await adjudicateClaim(asInsurer, c.claimId, { kind: "startReview" });
      expectContractError(
        await rejectionOf(adjudicateClaim(asInsurer, c.claimId, { kind: "approve", amount: CLAIMED + 1n })),
        "ClaimRegistryApprovedAmountOutOfRange",
      );

      const asProvider = c.claimRegistry.connect(c.claimsOfficer);
      const attempts: [() => Promise<unknown>, string | undefined][] = [
        [() => adjudicateClaim(asInsurer, c.claimId, { kind: "deny", reason: ClaimReason.None }), "reason"],
        [() => adjudicateClaim(asInsurer, c.claimId, { kind: "deny", reason: 10 as ClaimReason }), "reason"],
        [() => adjudicateClaim(asInsurer, c.claimId, { kind: "approve", amount: 0n }), "amount"],
        [() => payClaim(asInsurer, c.claimId, ZeroHash), "paymentReferenceHash"],
        [() => answerClaim(asProvider, c.claimId, ["0x12"]), "attachments"],
        [() => withdrawClaim(asProvider, "0x1234"), "claimId"],
        // Sent: the claim is already in review.
        [() => adjudicateClaim(asInsurer, c.claimId, { kind: "startReview" }), undefined],
      ];
      for (const [attempt, field] of attempts) {
        const error = await rejectionOf(attempt());
        if (field === undefined) {
          expectContractError(error, "ClaimRegistryTransitionNotAllowed");
        } else {
          expect(error, field).to.be.instanceOf(MedchainInputError);
          expect((error as MedchainInputError).field).to.equal(field);
        }
      }
      expect((await c.claimRegistry.getClaim(c.claimId)).status).to.equal(BigInt(ClaimStatus.InReview));
    });
  });
});
