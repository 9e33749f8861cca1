import canonicalize from "canonicalize";
import { AbiCoder, getBytes, hexlify, isHexString, keccak256, randomBytes, toUtf8Bytes } from "ethers";

import { MedchainInputError } from "./errors.js";

/**
 * Hashing rules for records anchored on chain (docs/records.md):
 * - a FHIR resource's content hash is keccak256 over the UTF-8 bytes of its RFC 8785 (JCS) canonical JSON;
 * - any other document (PDF, DICOM, image) is hashed over its exact bytes;
 * - a record's subject commitment is keccak256 over a tag, the `patientId` and a fresh 32-byte salt kept
 *   with the record, so chain readers cannot group one patient's records while the record's holder can
 *   prove whose it is.
 */

/**
 * A FHIR resource: a JSON object with a `resourceType`.
 *
 * @example
 * ```ts
 * const observation: FhirResource = { resourceType: "Observation", status: "final", code };
 * const contentHash = fhirContentHash(observation);
 * ```
 */
export type FhirResource = { resourceType: string } & Record<string, unknown>;

/**
 * Domain separation tag of version 1 of the subject commitment.
 *
 * @example
 * ```ts
 * SUBJECT_COMMITMENT_TAG === keccak256(toUtf8Bytes("medchain.subject-commitment.v1")); // true
 * ```
 */
export const SUBJECT_COMMITMENT_TAG = keccak256(toUtf8Bytes("medchain.subject-commitment.v1"));

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new MedchainInputError(`the record is not well-formed JSON: ${(error as Error).message}`, {
      field: "resource",
      cause: error,
    });
  }
}

/**
 * Checks that `value` is a FHIR resource (an object with a well-formed `resourceType`) and returns it typed.
 *
 * @example
 * ```ts
 * const resource = asFhirResource(JSON.parse(requestBody)); // MedchainInputError without a resourceType
 * console.log(resource.resourceType); // "Observation"
 * ```
 */
export function asFhirResource(value: unknown): FhirResource {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MedchainInputError("a FHIR resource must be a JSON object", { field: "resource" });
  }
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== "string" || !RESOURCE_TYPE.test(resourceType)) {
    throw new MedchainInputError(
      'this JSON is not a FHIR resource: it has no "resourceType" such as "Observation" or "Composition"',
      { field: "resource" },
    );
  }
  return value as FhirResource;
}

/**
 * The RFC 8785 (JSON Canonicalization Scheme) form of a FHIR resource, given as an object or as JSON text.
 * Throws {@link MedchainInputError} on malformed JSON or an object that is not a FHIR resource.
 *
 * @example
 * ```ts
 * canonicalFhirJson('{ "status": "final", "resourceType": "Observation" }');
 * // '{"resourceType":"Observation","status":"final"}'
 * ```
 */
export function canonicalFhirJson(resource: unknown): string {
  const value = asFhirResource(typeof resource === "string" ? parseJson(resource) : resource);
  const canonical = canonicalize(value);
  if (canonical === undefined) {
    throw new MedchainInputError("the FHIR resource cannot be serialised as JSON", { field: "resource" });
  }
  return canonical;
}

/**
 * The content hash of a FHIR resource: keccak256 of its canonical JSON's UTF-8 bytes. Two copies that differ
 * only in key order, whitespace or number spelling hash alike; any change of content changes the hash.
 *
 * @example
 * ```ts
 * const contentHash = fhirContentHash(dischargeSummaryComposition);
 * ```
 */
export function fhirContentHash(resource: unknown): string {
  return keccak256(toUtf8Bytes(canonicalFhirJson(resource)));
}

/**
 * The content hash of a document that is not FHIR JSON (PDF, DICOM, image): keccak256 of its exact bytes.
 *
 * @example
 * ```ts
 * const contentHash = documentContentHash(await readFile("report.pdf"));
 * ```
 */
export function documentContentHash(document: Uint8Array): string {
  if (document.length === 0) throw new MedchainInputError("the document is empty", { field: "document" });
  return keccak256(document);
}

/**
 * A fresh random 32-byte salt for one record's subject commitment; keep it with the record.
 *
 * @example
 * ```ts
 * const salt = newRecordSalt(); // "0x" and 64 hex digits; store it with the record
 * const subject = subjectCommitment(patientId, salt);
 * ```
 */
export function newRecordSalt(): string {
  return hexlify(randomBytes(32));
}

/**
 * A record's subject commitment: `keccak256(abi.encode(SUBJECT_COMMITMENT_TAG, patientId, salt))`, with a
 * fresh salt per record ({@link newRecordSalt}).
 *
 * @example
 * ```ts
 * const salt = newRecordSalt(); // stored with the record in the hospital's system
 * const subject = subjectCommitment(patientId, salt);
 * ```
 */
export function subjectCommitment(patientId: bigint, salt: string | Uint8Array): string {
  const saltHex = typeof salt === "string" ? salt : hexlify(salt);
  if (!isHexString(saltHex, 32)) {
    throw new MedchainInputError("a record salt must be exactly 32 bytes (64 hex digits)", { field: "salt" });
  }
  if (patientId <= 0n || patientId >= 2n ** 64n) {
    throw new MedchainInputError(`patient id ${patientId} is out of range`, { field: "patientId" });
  }
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "uint64", "bytes32"],
      [SUBJECT_COMMITMENT_TAG, patientId, getBytes(saltHex)],
    ),
  );
}
