import { expect } from "chai";
import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";

import {
  canonicalFhirJson,
  documentContentHash,
  fhirContentHash,
  MedchainInputError,
  newRecordSalt,
  SUBJECT_COMMITMENT_TAG,
  subjectCommitment,
} from "../sdk/index.js";

/** A lab result as a hospital's FHIR server might return it: keys unordered, spaces, "5.40", escapes. */
const GLUCOSE_OBSERVATION = `{
  "valueQuantity": { "value": 5.40, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L" },
  "resourceType": "Observation",
  "status": "final",
  "code": { "coding": [ { "system": "http://loinc.org", "code": "2345-7", "display": "Glucose [Moles/volume] in Serum or Plasma" } ] },
  "effectiveDateTime": "2026-11-20T08:30:00+08:00",
  "note": [ { "text": "\\u20ac caf\\u00e9" } ]
}`;

/** Its RFC 8785 form, written out by hand: sorted keys, no whitespace, 5.4, UTF-8 characters unescaped. */
const GLUCOSE_CANONICAL =
  '{"code":{"coding":[{"code":"2345-7","display":"Glucose [Moles/volume] in Serum or Plasma",' +
  '"system":"http://loinc.org"}]},"effectiveDateTime":"2026-11-20T08:30:00+08:00","note":[{"text":"€ café"}],' +
  '"resourceType":"Observation","status":"final","valueQuantity":{"code":"mmol/L",' +
  '"system":"http://unitsofmeasure.org","unit":"mmol/L","value":5.4}}';

/** Fixed vector: keccak256 of GLUCOSE_CANONICAL's UTF-8 bytes. A change here breaks every anchored proof. */
const GLUCOSE_CONTENT_HASH = "0xc6a059c2cb9fee5afb9cd260f8aa60be061b3c4310a38392e3f9f56bf0378c20";

describe("SDK record hashing", function () {
  describe("FHIR resources (RFC 8785 canonical JSON, keccak256)", function () {
    it("canonicalises a FHIR resource to the RFC 8785 form", function () {
      expect(canonicalFhirJson(GLUCOSE_OBSERVATION)).to.equal(GLUCOSE_CANONICAL);
      expect(canonicalFhirJson(JSON.parse(GLUCOSE_OBSERVATION))).to.equal(GLUCOSE_CANONICAL);
    });

    it("serialises numbers as RFC 8785 does (its own example, section 3.2.2.3)", function () {
      const canonical = canonicalFhirJson(
        '{"resourceType":"Basic","numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}',
      );
      expect(canonical).to.equal('{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"resourceType":"Basic"}');
    });

    it("hashes the canonical bytes: the fixed test vector", function () {
      expect(fhirContentHash(GLUCOSE_OBSERVATION)).to.equal(GLUCOSE_CONTENT_HASH);
      expect(keccak256(toUtf8Bytes(GLUCOSE_CANONICAL))).to.equal(GLUCOSE_CONTENT_HASH);
    });

    it("hashes copies that differ only in form alike, and any change of content differently", function () {
      const reordered = JSON.stringify(JSON.parse(GLUCOSE_OBSERVATION), null, 4);
      expect(fhirContentHash(reordered)).to.equal(GLUCOSE_CONTENT_HASH);
      const tampered = GLUCOSE_OBSERVATION.replace("5.40", "5.41");
      expect(fhirContentHash(tampered)).to.not.equal(GLUCOSE_CONTENT_HASH);
    });

    it("refuses malformed JSON with a typed error", function () {
      expect(() => fhirContentHash('{"resourceType": "Observation",')).to.throw(
        MedchainInputError,
        /not well-formed JSON/,
      );
    });

    for (const [title, input] of [
      ["an array", "[1, 2]"],
      ["a string", '"Observation"'],
      ["an object without resourceType", '{"status":"final"}'],
      ["a lower-case resourceType", '{"resourceType":"observation"}'],
      ["a non-string resourceType", '{"resourceType":7}'],
    ] as const) {
      it(`refuses ${title} where FHIR is required`, function () {
        expect(() => fhirContentHash(input))
          .to.throw(MedchainInputError)
          .with.property("field", "resource");
      });
    }
  });

  describe("other documents (exact bytes)", function () {
    it("hashes the exact bytes and refuses an empty document", function () {
      const pdf = toUtf8Bytes("%PDF-1.7 discharge summary");
      expect(documentContentHash(pdf)).to.equal(keccak256(pdf));
      expect(() => documentContentHash(new Uint8Array()))
        .to.throw(MedchainInputError)
        .with.property("field", "document");
    });
  });

  describe("subject commitments (salted per record)", function () {
    it("is keccak256(abi.encode(tag, patientId, salt))", function () {
      const salt = `0x${"3c".repeat(32)}`;
      expect(SUBJECT_COMMITMENT_TAG).to.equal(keccak256(toUtf8Bytes("medchain.subject-commitment.v1")));
      expect(subjectCommitment(7n, salt)).to.equal(
        keccak256(
          AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64", "bytes32"], [SUBJECT_COMMITMENT_TAG, 7n, salt]),
        ),
      );
    });

    it("gives two records of one patient unlinkable commitments", function () {
      const first = subjectCommitment(7n, newRecordSalt());
      const second = subjectCommitment(7n, newRecordSalt());
      expect(first).to.not.equal(second);
      expect(newRecordSalt()).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("refuses a short salt and an out-of-range patient id", function () {
      expect(() => subjectCommitment(7n, "0x12"))
        .to.throw(MedchainInputError)
        .with.property("field", "salt");
      for (const patientId of [0n, 2n ** 64n]) {
        expect(() => subjectCommitment(patientId, newRecordSalt()))
          .to.throw(MedchainInputError)
          .with.property("field", "patientId");
      }
    });
  });
});
