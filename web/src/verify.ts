/**
 * Checking a record against its proof bundle on the device (nothing is uploaded): the record file is hashed
 * here — as canonical FHIR JSON when it is a FHIR resource, else as exact document bytes — and compared with
 * the bundle's content hash; the bundle's Merkle proof is checked against its batch root. The chain is asked
 * afterwards (`verifyProofBundleOnChain`) by the page.
 */
import { parseProofBundle, verifyProofBundle, type RecordProofBundle } from "../../sdk/batches.js";
import { MedchainInputError } from "../../sdk/errors.js";
import { documentContentHash, fhirContentHash } from "../../sdk/records.js";

/** What failed in a local check, for the page to name. */
export type LocalProblem =
  | { kind: "bundle-unreadable"; message: string }
  | { kind: "record-empty" }
  | { kind: "content-mismatch"; fileHash: string; bundleHash: string }
  | { kind: "proof-mismatch"; details: string[] };

/** The outcome of {@link verifyRecordLocally}. */
export type LocalVerification =
  | { ok: true; bundle: RecordProofBundle; contentHash: string; hashedAs: "fhir" | "document" }
  | { ok: false; bundle: RecordProofBundle | undefined; problems: LocalProblem[] };

/** The FHIR resource in `bytes`, when they are JSON of an object with a `resourceType`; undefined otherwise. */
function fhirResourceOf(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value) && "resourceType" in value) return value;
  } catch {
    // Not JSON: a document.
  }
  return undefined;
}

/**
 * Checks record bytes against proof bundle text, offline. Never throws for bad input: an unreadable bundle,
 * an empty file, a record whose hash is not the bundle's and a proof that does not lead to the root are
 * returned as problems.
 *
 * @example
 * ```ts
 * const result = verifyRecordLocally(new Uint8Array(await recordFile.arrayBuffer()), await bundleFile.text());
 * if (!result.ok) show(result.problems);
 * ```
 */
export function verifyRecordLocally(record: Uint8Array, bundleText: string): LocalVerification {
  let bundle: RecordProofBundle;
  try {
    bundle = parseProofBundle(bundleText);
  } catch (error) {
    const message = error instanceof MedchainInputError ? error.shortMessage : (error as Error).message;
    return { ok: false, bundle: undefined, problems: [{ kind: "bundle-unreadable", message }] };
  }
  if (record.length === 0) return { ok: false, bundle, problems: [{ kind: "record-empty" }] };
  const problems: LocalProblem[] = [];
  const documentHash = documentContentHash(record);
  const resource = fhirResourceOf(record);
  let fhirHash: string | undefined;
  if (resource !== undefined) {
    try {
      fhirHash = fhirContentHash(resource);
    } catch {
      fhirHash = undefined;
    }
  }
  const expected = bundle.record.contentHash.toLowerCase();
  const hashedAs =
    fhirHash?.toLowerCase() === expected ? "fhir" : documentHash.toLowerCase() === expected ? "document" : undefined;
  if (hashedAs === undefined) {
    problems.push({
      kind: "content-mismatch",
      fileHash: fhirHash ?? documentHash,
      bundleHash: bundle.record.contentHash,
    });
  }
  const proof = verifyProofBundle(bundle);
  if (!proof.valid) problems.push({ kind: "proof-mismatch", details: proof.problems });
  if (problems.length > 0 || hashedAs === undefined) return { ok: false, bundle, problems };
  return { ok: true, bundle, contentHash: bundle.record.contentHash, hashedAs };
}
