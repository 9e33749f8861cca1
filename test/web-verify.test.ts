import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";

import {
  buildRecordBatch,
  fhirContentHash,
  newRecordSalt,
  RecordCategory,
  subjectCommitment,
  type RecordProofBundle,
} from "../sdk/index.js";
import { verifyRecordLocally } from "../web/src/verify.js";

describe("Web app: verifying a record against its proof bundle on the device", function () {
  const labs = Array.from({ length: 5 }, (_, i) => ({
    resourceType: "Observation",
    id: `lab-${i}`,
    status: "final",
    valueQuantity: { value: 100 + i, unit: "mg/dL" },
  }));
  const pdf = toUtf8Bytes("%PDF-1.7 discharge summary");
  let bundleText: string;
  let documentBundleText: string;

  before(async function () {
    const anchors = labs.map((resource) => ({
      contentHash: fhirContentHash(resource),
      category: RecordCategory.LabResult,
      subjectCommitment: subjectCommitment(3n, newRecordSalt()),
    }));
    const documentAnchor = {
      contentHash: keccak256(pdf),
      category: RecordCategory.DischargeSummary,
      subjectCommitment: subjectCommitment(3n, newRecordSalt()),
    };
    const batch = await buildRecordBatch([...anchors, documentAnchor]);
    bundleText = JSON.stringify(batch.proofBundle(anchors[2]!.contentHash));
    documentBundleText = JSON.stringify(batch.proofBundle(documentAnchor.contentHash));
  });

  const bytesOf = (value: unknown) => toUtf8Bytes(JSON.stringify(value));

  it("accepts the record its bundle was made for, hashed as canonical FHIR JSON", function () {
    // Key order and spacing differ from the anchored form: canonical JSON hashes the same.
    const reordered = toUtf8Bytes(JSON.stringify({ valueQuantity: labs[2]!.valueQuantity, ...labs[2] }, null, 2));
    const result = verifyRecordLocally(reordered, bundleText);
    expect(result.ok).to.equal(true);
    if (result.ok) expect(result.hashedAs).to.equal("fhir");
  });

  it("accepts a document record by its exact bytes", function () {
    const result = verifyRecordLocally(pdf, documentBundleText);
    expect(result.ok).to.equal(true);
    if (result.ok) expect(result.hashedAs).to.equal("document");
  });

  it("names a tampered record file: its hash is not the bundle's content hash", function () {
    const tampered = { ...labs[2], valueQuantity: { value: 999, unit: "mg/dL" } };
    const result = verifyRecordLocally(bytesOf(tampered), bundleText);
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.kind)).to.deep.equal(["content-mismatch"]);
    const problem = result.problems[0];
    if (problem?.kind === "content-mismatch") expect(problem.fileHash).to.equal(fhirContentHash(tampered));
  });

  it("names another record of the same batch as a mismatch", function () {
    const result = verifyRecordLocally(bytesOf(labs[3]), bundleText);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems.map((p) => p.kind)).to.deep.equal(["content-mismatch"]);
  });

  it("names a bundle whose proof was altered: it no longer leads to the batch root", function () {
    const bundle = JSON.parse(bundleText) as RecordProofBundle;
    bundle.proof[0] = `0x${"ab".repeat(32)}`;
    const result = verifyRecordLocally(bytesOf(labs[2]), JSON.stringify(bundle));
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems.map((p) => p.kind)).to.deep.equal(["proof-mismatch"]);
  });

  it("reports an unreadable bundle instead of throwing", function () {
    for (const text of ["not json", "{}", JSON.stringify({ format: "medchain.record-proof", version: 2 })]) {
      const result = verifyRecordLocally(bytesOf(labs[2]), text);
      expect(result.ok, text).to.equal(false);
      if (!result.ok) expect(result.problems[0]?.kind, text).to.equal("bundle-unreadable");
    }
  });

  it("reports an empty record file", function () {
    const result = verifyRecordLocally(new Uint8Array(), bundleText);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems.map((p) => p.kind)).to.deep.equal(["record-empty"]);
  });
});
