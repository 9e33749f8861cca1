/**
 * medchain SDK: code lists, identity commitments, consent signatures, record hashing, Merkle batches and proof
 * bundles, insurance claims, research studies and cohorts, typed errors. Depends on ethers, the generated
 * `typechain-types`, canonicalize, @noble/hashes and (types only) @openzeppelin/merkle-tree, never on Hardhat,
 * so hospital services can use it directly.
 *
 * @example
 * ```ts
 * import { identityCommitment, IdentityDocumentType, decodeMedchainError } from "./sdk/index.js";
 * ```
 */
export * from "./batches.js";
export * from "./checks.js";
export * from "./claims.js";
export * from "./client.js";
export * from "./codes.js";
export * from "./consent.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./identity.js";
export * from "./opt-out.js";
export * from "./provider.js";
export * from "./records.js";
export * from "./research.js";
export * from "./transactions.js";
