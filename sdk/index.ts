/**
 * medchain SDK: code lists, identity commitments and typed errors. Depends on ethers and the generated
 * `typechain-types` only, never on Hardhat, so hospital services can use it directly.
 *
 * @example
 * ```ts
 * import { identityCommitment, IdentityDocumentType, decodeMedchainError } from "./sdk/index.js";
 * ```
 */
export * from "./codes.js";
export * from "./consent.js";
export * from "./errors.js";
export * from "./identity.js";
export * from "./records.js";
