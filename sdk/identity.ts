import { AbiCoder, getBytes, hexlify, isHexString, keccak256, toUtf8Bytes } from "ethers";

import { MedchainInputError } from "./errors.js";

/**
 * Identity documents a registrar may check before registering a patient.
 *
 * @example
 * ```ts
 * identityCommitment({ pepper, documentType: IdentityDocumentType.Passport, documentNumber: "JPN:TK1234567" });
 * ```
 */
export const IdentityDocumentType = {
  /** Taiwan national ID card number (身分證統一編號), e.g. `A123456789`. */
  TaiwanNationalId: "TW-NID",
  /** Taiwan Alien Resident Certificate / unified ID number for foreign residents. */
  TaiwanResidentCertificate: "TW-ARC",
  /** Passport number, prefixed by the issuing country's ISO 3166-1 alpha-3 code, e.g. `JPN:TK1234567`. */
  Passport: "PASSPORT",
} as const;
/** An {@link IdentityDocumentType} value. */
export type IdentityDocumentType = (typeof IdentityDocumentType)[keyof typeof IdentityDocumentType];

/**
 * Domain separation tag of version 1 of the identity commitment.
 *
 * @example
 * ```ts
 * IDENTITY_COMMITMENT_TAG === keccak256(toUtf8Bytes("medchain.identity-commitment.v1")); // true
 * ```
 */
export const IDENTITY_COMMITMENT_TAG = keccak256(toUtf8Bytes("medchain.identity-commitment.v1"));

/**
 * What a registrar's system needs to compute a patient's identity commitment.
 *
 * @example
 * ```ts
 * const documentType = IdentityDocumentType.TaiwanNationalId;
 * const input: IdentityCommitmentInput = { pepper, documentType, documentNumber: "A123456789" };
 * const patientId = await client.patients.idByCommitment(identityCommitment(input)); // 0n: not registered yet
 * ```
 */
export interface IdentityCommitmentInput {
  /**
   * The consortium's identity pepper: 32 secret bytes shared by every registrar system (kept in an HSM or
   * secret store, never on chain, never in a log). The same person then always gets the same commitment,
   * so a second registration is refused, while chain readers cannot test guesses of ID numbers.
   */
  pepper: string | Uint8Array;
  /** Which document the registrar checked. */
  documentType: IdentityDocumentType;
  /** The document's number as printed; normalised (trimmed, upper-cased, spaces and hyphens removed). */
  documentNumber: string;
}

/**
 * Upper-cases the number and removes spaces and hyphens, so `a123-456 789` and `A123456789` commit alike.
 *
 * @example
 * ```ts
 * normaliseDocumentNumber(" a123-456 789 "); // "A123456789"
 * ```
 */
export function normaliseDocumentNumber(documentNumber: string): string {
  return documentNumber.normalize("NFKC").replace(/[\s-]/g, "").toUpperCase();
}

// Letter values of the Taiwan ID checksum (the Ministry of the Interior's published table).
const TAIWAN_ID_LETTER_VALUES: Record<string, number> = {
  A: 10, B: 11, C: 12, D: 13, E: 14, F: 15, G: 16, H: 17, I: 34, J: 18, K: 19, L: 20, M: 21,
  N: 22, O: 35, P: 23, Q: 24, R: 25, S: 26, T: 27, U: 28, V: 29, W: 32, X: 30, Y: 31, Z: 33,
}; // prettier-ignore

/**
 * Whether `normalised` is a well-formed Taiwan national ID or (new-style) resident certificate number:
 * a letter, a sex/category digit (1, 2 for citizens; 8, 9 for residents) and eight digits whose weighted
 * checksum is a multiple of 10.
 *
 * @example
 * ```ts
 * isValidTaiwanIdNumber("A123456789"); // true
 * isValidTaiwanIdNumber("A123456788"); // false: checksum
 * ```
 */
export function isValidTaiwanIdNumber(normalised: string): boolean {
  if (!/^[A-Z][1289]\d{8}$/.test(normalised)) return false;
  const letterValue = TAIWAN_ID_LETTER_VALUES[normalised.charAt(0)];
  if (letterValue === undefined) return false;
  const digits = [...normalised.slice(1)].map(Number);
  // Weights: letter tens 1, letter units 9, then 8..1 over the first eight digits, 1 for the check digit.
  let sum = Math.floor(letterValue / 10) + (letterValue % 10) * 9;
  for (let index = 0; index < 8; index++) sum += (digits[index] ?? 0) * (8 - index);
  sum += digits[8] ?? 0;
  return sum % 10 === 0;
}

/**
 * The salted identity commitment a registrar puts on chain when registering a patient:
 * `keccak256(abi.encode(IDENTITY_COMMITMENT_TAG, pepper, documentType, normalisedNumber))`.
 * Throws {@link MedchainInputError} on a pepper that is not 32 bytes, an empty number, or a Taiwan ID
 * number whose checksum fails (a typo would otherwise create a second, unreachable identity).
 *
 * @example
 * ```ts
 * const commitment = identityCommitment({
 *   pepper: process.env.MEDCHAIN_IDENTITY_PEPPER!,
 *   documentType: IdentityDocumentType.TaiwanNationalId,
 *   documentNumber: "A123456789",
 * });
 * await patientRegistry.registerPatient(patientAccount, commitment);
 * ```
 */
export function identityCommitment(input: IdentityCommitmentInput): string {
  const pepper = typeof input.pepper === "string" ? input.pepper : hexlify(input.pepper);
  if (!isHexString(pepper, 32)) {
    throw new MedchainInputError("the identity pepper must be exactly 32 bytes (64 hex digits)", {
      field: "pepper",
    });
  }
  const documentNumber = normaliseDocumentNumber(input.documentNumber);
  if (documentNumber.length === 0) {
    throw new MedchainInputError("the identity document number is empty", { field: "documentNumber" });
  }
  const isTaiwanId =
    input.documentType === IdentityDocumentType.TaiwanNationalId ||
    input.documentType === IdentityDocumentType.TaiwanResidentCertificate;
  if (isTaiwanId && !isValidTaiwanIdNumber(documentNumber)) {
    throw new MedchainInputError(
      "the Taiwan ID number is malformed or its check digit is wrong; check the card again",
      { field: "documentNumber" },
    );
  }
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "string", "string"],
      [IDENTITY_COMMITMENT_TAG, getBytes(pepper), input.documentType, documentNumber],
    ),
  );
}
