import { keccak_256 } from "@noble/hashes/sha3.js";
import type { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import canonicalize from "canonicalize";
import { getAddress, isAddress, keccak256, toUtf8Bytes } from "ethers";

import type { RecordRegistry } from "../typechain-types/index.js";
import { codeName, RecordCategory, RecordStatus, type RetractionReason } from "./codes.js";
import { decodeMedchainError, MedchainInputError, type MedchainContractError } from "./errors.js";
import { documentContentHash, fhirContentHash, subjectCommitment } from "./records.js";

/**
 * Merkle batches of record anchors (docs/records.md): a hospital hashes thousands of records' anchors into
 * one OpenZeppelin *standard* Merkle tree, anchors its root with `RecordRegistry.anchorBatch`, and hands each
 * record's holder a proof bundle that anyone can check offline or against the registry.
 *
 * The tree is built here on raw bytes with exactly OpenZeppelin merkle-tree's `StandardMerkleTree` layout
 * (leaves sorted by hash, heap array of 2n − 1 nodes, sorted-pair keccak256), so roots, proofs and
 * multiproofs are identical to `StandardMerkleTree.of(values, RECORD_LEAF_ENCODING)` while a 100,000-record
 * batch with all its proofs builds in seconds.
 */

/**
 * The ABI types of a batch leaf: `(bytes32 contentHash, uint8 category, bytes32 subjectCommitment)`, in
 * OpenZeppelin merkle-tree's `leafEncoding` form.
 *
 * @example
 * ```ts
 * const tree = StandardMerkleTree.of(values, [...RECORD_LEAF_ENCODING]);
 * ```
 */
export const RECORD_LEAF_ENCODING = ["bytes32", "uint8", "bytes32"] as const;
/**
 * The type of {@link RECORD_LEAF_ENCODING}.
 *
 * @example
 * ```ts
 * const encoding: RecordLeafEncoding = bundle.batch.leafEncoding; // ["bytes32", "uint8", "bytes32"]
 * ```
 */
export type RecordLeafEncoding = typeof RECORD_LEAF_ENCODING;

/**
 * Most records one batch may hold: `RecordRegistry.MAX_BATCH_LEAVES`, 2^24 = 16,777,216.
 *
 * @example
 * ```ts
 * if (records.length > MAX_BATCH_LEAVES) splitIntoBatches(records);
 * ```
 */
export const MAX_BATCH_LEAVES = 2 ** 24;

/**
 * What is anchored for one record (`IRecordRegistry.RecordAnchor`): hex strings of 32 bytes and a
 * {@link RecordCategory}. It can be passed as is to the typechain contract's functions.
 *
 * @example
 * ```ts
 * const anchor: RecordAnchor = {
 *   contentHash: fhirContentHash(observation),
 *   category: RecordCategory.LabResult,
 *   subjectCommitment: subjectCommitment(patientId, salt),
 * };
 * ```
 */
export interface RecordAnchor {
  contentHash: string;
  category: RecordCategory | number;
  subjectCommitment: string;
}

/**
 * One leaf value as OpenZeppelin merkle-tree holds it: `[contentHash, category, subjectCommitment]`.
 *
 * @example
 * ```ts
 * const tree = StandardMerkleTree.of<RecordLeafValue>(
 *   anchors.map((a) => [a.contentHash, a.category, a.subjectCommitment]),
 *   [...RECORD_LEAF_ENCODING],
 * );
 * ```
 */
export type RecordLeafValue = [contentHash: string, category: number, subjectCommitment: string];

/**
 * OpenZeppelin merkle-tree's `StandardMerkleTreeData` ("standard-v1") for a record batch: what
 * `StandardMerkleTree.load` reads and `tree.dump()` writes.
 *
 * @example
 * ```ts
 * const tree = StandardMerkleTree.load(batch.toOpenZeppelinDump());
 * ```
 */
export type OpenZeppelinBatchDump = ReturnType<StandardMerkleTree<RecordLeafValue>["dump"]>;

/**
 * A phase of building a batch, for progress reports: hashing the records' leaves, building the tree,
 * writing proof bundles.
 *
 * @example
 * ```ts
 * const labels: Record<BatchPhase, string> = { hashing: "Hashing", tree: "Building tree", proofs: "Proofs" };
 * ```
 */
export type BatchPhase = "hashing" | "tree" | "proofs";

/**
 * A progress report: `done` of `total` items of `phase` (`total` is `undefined` while hashing a stream of
 * unknown length).
 *
 * @example
 * ```ts
 * const onProgress = ({ phase, done, total }: BatchProgress) =>
 *   console.error(`${phase}: ${done.toLocaleString()}${total === undefined ? "" : ` of ${total.toLocaleString()}`}`);
 * ```
 */
export interface BatchProgress {
  phase: BatchPhase;
  done: number;
  total: number | undefined;
}

/**
 * Progress options shared by the builder and {@link RecordBatch.proofBundles}.
 *
 * @example
 * ```ts
 * const progress: BatchProgressOptions = { progressInterval: 50_000, onProgress: (p) => bar.update(p.done) };
 * ```
 */
export interface BatchProgressOptions {
  /**
   * Called every `progressInterval` items of each phase, at the start of the "tree" and "proofs" phases
   * (`done` 0) and once at the end of each phase; "hashing" ends when `build` is called, with `total` known.
   */
  onProgress?: (progress: BatchProgress) => void;
  /** Items between two reports; 10,000 unless set. */
  progressInterval?: number;
}

/**
 * Options of {@link RecordBatchBuilder}.
 *
 * @example
 * ```ts
 * const builder = new RecordBatchBuilder({ expectedCount: 250_000, onProgress: console.error });
 * ```
 */
export interface RecordBatchBuilderOptions extends BatchProgressOptions {
  /** How many records will come, when known: the `total` of hashing reports and a sizing hint. */
  expectedCount?: number;
}

/**
 * What goes into a batch's manifest besides the root and the leaf count. Never personal data: the manifest
 * is handed to auditors and its hash goes on chain.
 *
 * @example
 * ```ts
 * builder.build({ label: "nightly lab results 2026-11-20, site A", createdAt: new Date() });
 * ```
 */
export interface BatchManifestOptions {
  /** A short operational label (at most 200 characters, no control characters, no PHI). */
  label?: string;
  /** When the batch was made; stored as an ISO 8601 UTC string. Left out unless given. */
  createdAt?: Date | string;
}

/**
 * A batch's off-chain manifest. Its {@link batchManifestHash} is the `manifestHash` argument of
 * `anchorBatch`, so an auditor given the manifest can check it against the chain.
 *
 * @example
 * ```ts
 * const onChain = await recordRegistry.getBatchManifestHash(manifest.root);
 * if (onChain !== batchManifestHash(manifest)) throw new Error("not this batch's manifest");
 * ```
 */
export interface BatchManifest {
  format: "medchain.batch-manifest";
  version: 1;
  root: string;
  leafCount: number;
  leafEncoding: RecordLeafEncoding;
  label?: string;
  createdAt?: string;
}

/**
 * One OpenZeppelin multiproof of several records of a batch, in the order `verifyBatchRecords` expects
 * (OpenZeppelin's `getMultiProof(...).leaves` order).
 *
 * @example
 * ```ts
 * const { leaves, proof, proofFlags } = batch.multiProof([0, 5, 9]);
 * await recordRegistry.verifyBatchRecords(batch.root, leaves, proof, proofFlags);
 * ```
 */
export interface RecordMultiProof {
  leaves: RecordAnchor[];
  /** The leaf hash of each of `leaves`. */
  leafHashes: string[];
  proof: string[];
  proofFlags: boolean[];
}

/**
 * The registry a proof bundle's batch is anchored in.
 *
 * @example
 * ```ts
 * const registry = { chainId: (await provider.getNetwork()).chainId, address: await recordRegistry.getAddress() };
 * ```
 */
export interface BatchRegistryLocation {
  chainId: bigint;
  address: string;
}

/**
 * A self-contained, versioned proof that one record is a leaf of an anchored batch: everything a verifier
 * needs besides the record itself (and, to check whose it is, the patient id and the record's salt).
 * Serialise it with `JSON.stringify`; read it back with {@link parseProofBundle}.
 *
 * @example
 * ```ts
 * await writeFile(`${contentHash}.proof.json`, JSON.stringify(batch.proofBundle(contentHash), null, 2));
 * ```
 */
export interface RecordProofBundle {
  format: "medchain.record-proof";
  version: 1;
  record: { contentHash: string; category: number; subjectCommitment: string };
  batch: { root: string; leafCount: number; leafEncoding: RecordLeafEncoding; manifestHash: string };
  /** Sibling hashes from the leaf up, as `verifyBatchRecord` takes them. */
  proof: string[];
  /** The record's leaf: `keccak256(keccak256(abi.encode(contentHash, category, subjectCommitment)))`. */
  leafHash: string;
  /** Where the batch is anchored; `chainId` as a decimal string. */
  registry?: { chainId: string; address: string };
}

/**
 * The `format` of a {@link RecordProofBundle}.
 *
 * @example
 * ```ts
 * const isBundle = (json: { format?: unknown }) => json.format === PROOF_BUNDLE_FORMAT;
 * ```
 */
export const PROOF_BUNDLE_FORMAT = "medchain.record-proof";
/**
 * The proof bundle version this SDK writes and reads.
 *
 * @example
 * ```ts
 * console.log(`reads proof bundles of version ${PROOF_BUNDLE_VERSION}`);
 * ```
 */
export const PROOF_BUNDLE_VERSION = 1;
/**
 * The `format` of a {@link BatchManifest}.
 *
 * @example
 * ```ts
 * if (manifest.format !== BATCH_MANIFEST_FORMAT) throw new Error("not a medchain batch manifest");
 * ```
 */
export const BATCH_MANIFEST_FORMAT = "medchain.batch-manifest";
/**
 * The batch manifest version this SDK writes.
 *
 * @example
 * ```ts
 * batch.manifest.version === BATCH_MANIFEST_VERSION; // true
 * ```
 */
export const BATCH_MANIFEST_VERSION = 1;

/**
 * Thrown when a batch would hold one content hash twice; names the hash and both positions (0-based, in
 * the order the records were added).
 *
 * @example
 * ```ts
 * try {
 *   builder.add(anchor);
 * } catch (error) {
 *   if (error instanceof MedchainDuplicateRecordError) skipped.push(error.duplicatePosition);
 *   else throw error;
 * }
 * ```
 */
export class MedchainDuplicateRecordError extends MedchainInputError {
  /** The content hash found twice. */
  readonly contentHash: string;
  /** Where it was first added. */
  readonly firstPosition: number;
  /** Where it came again (the refused record). */
  readonly duplicatePosition: number;

  constructor(contentHash: string, firstPosition: number, duplicatePosition: number) {
    super(
      `record ${contentHash} appears twice in the batch, at positions ${firstPosition} and ${duplicatePosition}; ` +
        "a batch anchors each content hash once",
      { field: "contentHash" },
    );
    this.name = "MedchainDuplicateRecordError";
    this.contentHash = contentHash;
    this.firstPosition = firstPosition;
    this.duplicatePosition = duplicatePosition;
  }
}

// --- bytes and hex -------------------------------------------------------------------------------------

const HEX_BYTE = Array.from({ length: 256 }, (_, value) => value.toString(16).padStart(2, "0"));
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ZERO_BYTES32 = `0x${"0".repeat(64)}`;
const CATEGORY_COUNT = Object.keys(RecordCategory).length;
const DEFAULT_PROGRESS_INTERVAL = 10_000;
const MAX_LABEL_LENGTH = 200;

/** The 32 bytes at `offset` as lower-case 0x-hex. */
function hex32(bytes: Uint8Array, offset: number): string {
  let hex = "0x";
  for (let i = offset; i < offset + 32; i++) hex += HEX_BYTE[bytes[i] as number];
  return hex;
}

const nibble = (code: number): number => (code <= 57 ? code - 48 : (code | 32) - 87);

/** Writes 0x-hex `hex` (already checked to be 32 bytes) into `target` at `offset`. */
function writeHex32(hex: string, target: Uint8Array, offset: number): void {
  for (let i = 0; i < 32; i++) {
    target[offset + i] = (nibble(hex.charCodeAt(2 + 2 * i)) << 4) | nibble(hex.charCodeAt(3 + 2 * i));
  }
}

/** Compares the 32 bytes at `a[aOffset]` and `b[bOffset]` as unsigned big-endian numbers. */
function compare32(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): number {
  for (let i = 0; i < 32; i++) {
    const difference = (a[aOffset + i] as number) - (b[bOffset + i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

const shown = (value: unknown): string =>
  typeof value === "string" ? JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value) : String(value);

function bytes32Field(value: unknown, field: string, prefix = ""): string {
  if (typeof value !== "string" || !BYTES32.test(value)) {
    throw new MedchainInputError(
      `${prefix}${field} must be 32 bytes of hex (0x and 64 hex digits); got ${shown(value)}`,
      {
        field,
      },
    );
  }
  return value.toLowerCase();
}

/** Checks an anchor the way `RecordRegistry` does and returns it with lower-case hex. */
function checkAnchor(
  anchor: RecordAnchor,
  prefix = "",
): { contentHash: string; category: number; subjectCommitment: string } {
  if (typeof anchor !== "object" || anchor === null) {
    throw new MedchainInputError(`${prefix}a record anchor must be an object`, { field: "record" });
  }
  const contentHash = bytes32Field(anchor.contentHash, "contentHash", prefix);
  if (contentHash === ZERO_BYTES32) {
    throw new MedchainInputError(`${prefix}a record needs a content hash; zero was given`, { field: "contentHash" });
  }
  const category = anchor.category as unknown;
  if (typeof category === "bigint") {
    throw new MedchainInputError(`${prefix}category must be a number, not the bigint ${category}n`, {
      field: "category",
    });
  }
  if (typeof category !== "number" || !Number.isInteger(category) || category < 0 || category >= CATEGORY_COUNT) {
    throw new MedchainInputError(`${prefix}${shown(category)} is not a record category`, { field: "category" });
  }
  const subject = bytes32Field(anchor.subjectCommitment, "subjectCommitment", prefix);
  if (subject === ZERO_BYTES32) {
    throw new MedchainInputError(`${prefix}record ${contentHash} needs a subject commitment; zero was given`, {
      field: "subjectCommitment",
    });
  }
  return { contentHash, category, subjectCommitment: subject };
}

// --- hashing -------------------------------------------------------------------------------------------

const leafScratch = new Uint8Array(96);
const pairScratch = new Uint8Array(64);

/**
 * Writes the standard leaf of `(contents[c..c+32], category, subjects[s..s+32])` into `out` at `outOffset`:
 * keccak256(keccak256(abi.encode(bytes32, uint8, bytes32))).
 */
function hashLeafInto(
  contents: Uint8Array,
  contentOffset: number,
  category: number,
  subjects: Uint8Array,
  subjectOffset: number,
  out: Uint8Array,
  outOffset: number,
): void {
  leafScratch.set(contents.subarray(contentOffset, contentOffset + 32), 0);
  leafScratch.fill(0, 32, 63);
  leafScratch[63] = category;
  leafScratch.set(subjects.subarray(subjectOffset, subjectOffset + 32), 64);
  out.set(keccak_256(keccak_256(leafScratch)), outOffset);
}

/** OpenZeppelin's standard node hash: keccak256 of the two children in ascending order. */
function hashPairInto(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, out: Uint8Array, at: number) {
  const aFirst = compare32(a, aOffset, b, bOffset) <= 0;
  pairScratch.set(a.subarray(aOffset, aOffset + 32), aFirst ? 0 : 32);
  pairScratch.set(b.subarray(bOffset, bOffset + 32), aFirst ? 32 : 0);
  out.set(keccak_256(pairScratch), at);
}

/**
 * A record's batch leaf, as `RecordRegistry.batchLeaf` computes it: OpenZeppelin merkle-tree's standard leaf
 * `keccak256(keccak256(abi.encode(contentHash, category, subjectCommitment)))`. Throws
 * {@link MedchainInputError} for what the contract would refuse (a zero hash, an unknown category, bad hex).
 *
 * @example
 * ```ts
 * recordLeafHash(anchor) === (await recordRegistry.batchLeaf(anchor)); // true
 * ```
 */
export function recordLeafHash(anchor: RecordAnchor): string {
  const checked = checkAnchor(anchor);
  const contents = new Uint8Array(32);
  const subjects = new Uint8Array(32);
  writeHex32(checked.contentHash, contents, 0);
  writeHex32(checked.subjectCommitment, subjects, 0);
  const out = new Uint8Array(32);
  hashLeafInto(contents, 0, checked.category, subjects, 0, out, 0);
  return hex32(out, 0);
}

/**
 * The root a single-leaf proof leads to: OpenZeppelin's `processProof` with sorted-pair keccak256 (what
 * `MerkleProof.verify` computes on chain).
 *
 * @example
 * ```ts
 * recordProofRoot(recordLeafHash(anchor), batch.proof(anchor.contentHash)) === batch.root; // true
 * ```
 */
export function recordProofRoot(leafHash: string, proof: readonly string[]): string {
  const node = new Uint8Array(32);
  writeHex32(bytes32Field(leafHash, "leafHash"), node, 0);
  const sibling = new Uint8Array(32);
  proof.forEach((hash, i) => {
    writeHex32(bytes32Field(hash, `proof[${i}]`), sibling, 0);
    hashPairInto(node, 0, sibling, 0, node, 0);
  });
  return hex32(node, 0);
}

/**
 * The `manifestHash` of a batch manifest: keccak256 of the UTF-8 bytes of its RFC 8785 canonical JSON.
 *
 * @example
 * ```ts
 * await recordRegistry.anchorBatch(batch.root, batch.leafCount, batchManifestHash(batch.manifest));
 * ```
 */
export function batchManifestHash(manifest: BatchManifest): string {
  const canonical = canonicalize(manifest);
  if (canonical === undefined) {
    throw new MedchainInputError("the batch manifest cannot be serialised as JSON", { field: "manifest" });
  }
  return keccak256(toUtf8Bytes(canonical));
}

// --- compact storage -----------------------------------------------------------------------------------

/** Open-addressing hash index from content hash (32 bytes in `contents`) to position, without strings. */
class ContentIndex {
  #table: Int32Array;
  #mask: number;
  #size = 0;

  constructor(expected: number) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.#table = new Int32Array(capacity).fill(-1);
    this.#mask = capacity - 1;
  }

  static #slot(key: Uint8Array, offset: number): number {
    let hash = 0x811c9dc5;
    for (let i = offset; i < offset + 32; i += 4) {
      const word =
        ((key[i] as number) << 24) |
        ((key[i + 1] as number) << 16) |
        ((key[i + 2] as number) << 8) |
        (key[i + 3] as number);
      hash = Math.imul(hash ^ word, 0x01000193);
      hash ^= hash >>> 15;
    }
    return hash >>> 0;
  }

  /** The position whose content hash equals `key[offset..offset+32]`, or -1. */
  find(contents: Uint8Array, key: Uint8Array, offset: number): number {
    let slot = ContentIndex.#slot(key, offset) & this.#mask;
    for (;;) {
      const position = this.#table[slot] as number;
      if (position < 0) return -1;
      if (compare32(contents, position * 32, key, offset) === 0) return position;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** Adds `position`, whose content hash is at `contents[position * 32]` and not yet indexed. */
  insert(contents: Uint8Array, position: number): void {
    if ((this.#size + 1) * 2 > this.#table.length) this.#grow(contents);
    let slot = ContentIndex.#slot(contents, position * 32) & this.#mask;
    while ((this.#table[slot] as number) >= 0) slot = (slot + 1) & this.#mask;
    this.#table[slot] = position;
    this.#size++;
  }

  #grow(contents: Uint8Array): void {
    const old = this.#table;
    this.#table = new Int32Array(old.length * 2).fill(-1);
    this.#mask = this.#table.length - 1;
    this.#size = 0;
    for (const position of old) if (position >= 0) this.insert(contents, position);
  }
}

/** Reports progress at a bounded rate: every `interval` items, and once at the end of each phase. */
class ProgressReporter {
  readonly #onProgress: ((progress: BatchProgress) => void) | undefined;
  readonly interval: number;
  #last: { phase: BatchPhase; done: number } | undefined;

  constructor(options: BatchProgressOptions) {
    const interval = options.progressInterval ?? DEFAULT_PROGRESS_INTERVAL;
    if (!Number.isInteger(interval) || interval < 1) {
      throw new MedchainInputError(`progressInterval must be a positive integer; got ${shown(interval)}`, {
        field: "progressInterval",
      });
    }
    this.#onProgress = options.onProgress;
    this.interval = interval;
  }

  /** Reports when `done` is a multiple of the interval (or `force`), never twice for the same count. */
  report(phase: BatchPhase, done: number, total: number | undefined, force = false): void {
    if (this.#onProgress === undefined) return;
    if (!force && done % this.interval !== 0) return;
    if (this.#last?.phase === phase && this.#last.done === done) return;
    this.#last = { phase, done };
    this.#onProgress({ phase, done, total });
  }
}

/**
 * A record of a batch: its position (0-based, in the order records were added) or its content hash.
 *
 * @example
 * ```ts
 * const refs: RecordRef[] = [0, fhirContentHash(observation)];
 * ```
 */
export type RecordRef = number | string;

interface BatchParts {
  leafCount: number;
  tree: Uint8Array;
  /** Tree index (node number) of the leaf of each position. */
  treeIndexOf: Uint32Array;
  /** Position of each tree index's leaf, by rank `2n - 2 - treeIndex`. */
  positionOfRank: Uint32Array;
  contents: Uint8Array;
  subjects: Uint8Array;
  categories: Uint8Array;
  index: ContentIndex;
  manifest: BatchManifest;
}

const CREATE_BATCH: unique symbol = Symbol("RecordBatch.create");

function checkManifestOptions(options: BatchManifestOptions): { label?: string; createdAt?: string } {
  const result: { label?: string; createdAt?: string } = {};
  if (options.label !== undefined) {
    const label = options.label;
    if (
      typeof label !== "string" ||
      label.length === 0 ||
      label.length > MAX_LABEL_LENGTH ||
      /[\u0000-\u001f\u007f]/.test(label)
    ) {
      throw new MedchainInputError(
        `a batch label is 1 to ${MAX_LABEL_LENGTH} characters without control characters (and never personal data)`,
        { field: "label" },
      );
    }
    result.label = label;
  }
  if (options.createdAt !== undefined) {
    const date = options.createdAt instanceof Date ? options.createdAt : new Date(options.createdAt);
    if (Number.isNaN(date.getTime())) {
      throw new MedchainInputError(`createdAt ${shown(options.createdAt)} is not a date`, { field: "createdAt" });
    }
    result.createdAt = date.toISOString();
  }
  return result;
}

function checkRegistryLocation(registry: BatchRegistryLocation): { chainId: string; address: string } {
  if (typeof registry.chainId !== "bigint" || registry.chainId <= 0n) {
    throw new MedchainInputError(`registry.chainId must be a positive bigint; got ${shown(registry.chainId)}`, {
      field: "registry.chainId",
    });
  }
  if (typeof registry.address !== "string" || !isAddress(registry.address)) {
    throw new MedchainInputError(`registry.address ${shown(registry.address)} is not an address`, {
      field: "registry.address",
    });
  }
  return { chainId: registry.chainId.toString(), address: getAddress(registry.address) };
}

// --- the builder ---------------------------------------------------------------------------------------

/**
 * Builds a batch from records that arrive one by one (an export job, a database cursor, a stream): each
 * record is checked and hashed as it is added and kept only as 65 bytes, duplicates are refused at once,
 * and {@link build} makes the tree. Progress goes to `onProgress` every `progressInterval` (10,000) items.
 *
 * @example
 * ```ts
 * const builder = new RecordBatchBuilder({ onProgress: ({ phase, done }) => console.error(phase, done) });
 * await builder.addAll(readAnchorsFromWarehouse()); // an AsyncIterable<RecordAnchor>
 * const batch = builder.build({ label: "lab results 2026-11-20" });
 * await recordRegistry.connect(dataSteward).anchorBatch(...batch.anchorBatchArgs());
 * ```
 */
export class RecordBatchBuilder {
  #count = 0;
  #capacity: number;
  #contents: Uint8Array;
  #subjects: Uint8Array;
  #categories: Uint8Array;
  #leaves: Uint8Array;
  #index: ContentIndex;
  #built = false;
  readonly #progress: ProgressReporter;
  readonly #expectedCount: number | undefined;

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.#progress = new ProgressReporter(options);
    const expected = options.expectedCount;
    if (expected !== undefined && (!Number.isInteger(expected) || expected < 0)) {
      throw new MedchainInputError(`expectedCount must be a whole number; got ${shown(expected)}`, {
        field: "expectedCount",
      });
    }
    this.#expectedCount = expected;
    this.#capacity = Math.max(16, Math.min(expected ?? 1024, MAX_BATCH_LEAVES));
    this.#contents = new Uint8Array(this.#capacity * 32);
    this.#subjects = new Uint8Array(this.#capacity * 32);
    this.#categories = new Uint8Array(this.#capacity);
    this.#leaves = new Uint8Array(this.#capacity * 32);
    this.#index = new ContentIndex(this.#capacity);
  }

  /**
   * How many records were added so far.
   *
   * @example
   * ```ts
   * builder.add(anchor);
   * console.error(`${builder.size} records so far`);
   * ```
   */
  get size(): number {
    return this.#count;
  }

  /**
   * Checks and hashes one record and returns its position (0-based). Throws {@link MedchainInputError} for an
   * anchor the contract would refuse, {@link MedchainDuplicateRecordError} for a content hash already in the
   * batch, and when the batch is full ({@link MAX_BATCH_LEAVES}); the builder is unchanged after a refusal.
   *
   * @example
   * ```ts
   * const position = builder.add({ contentHash, category: RecordCategory.LabResult, subjectCommitment });
   * ```
   */
  add(anchor: RecordAnchor): number {
    if (this.#built) {
      throw new MedchainInputError("this builder has already built its batch; start a new RecordBatchBuilder", {
        field: "record",
      });
    }
    const position = this.#count;
    if (position >= MAX_BATCH_LEAVES) {
      throw new MedchainInputError(
        `a batch holds 1 to ${MAX_BATCH_LEAVES} records; record at position ${position} would be one too many`,
        { field: "record" },
      );
    }
    const checked = checkAnchor(anchor, `record at position ${position}: `);
    if (position === this.#capacity) this.#grow();
    const offset = position * 32;
    writeHex32(checked.contentHash, this.#contents, offset);
    const first = this.#index.find(this.#contents, this.#contents, offset);
    if (first >= 0) {
      this.#contents.fill(0, offset, offset + 32);
      throw new MedchainDuplicateRecordError(checked.contentHash, first, position);
    }
    writeHex32(checked.subjectCommitment, this.#subjects, offset);
    this.#categories[position] = checked.category;
    hashLeafInto(this.#contents, offset, checked.category, this.#subjects, offset, this.#leaves, offset);
    this.#index.insert(this.#contents, position);
    this.#count = position + 1;
    this.#progress.report("hashing", this.#count, this.#expectedCount);
    return position;
  }

  /**
   * Adds every record of `source` (an array, a generator, an async generator, a Node stream in object
   * mode) in order, and resolves to the number of records in the builder. A refusal rejects the promise;
   * records added before it stay in the builder.
   *
   * @example
   * ```ts
   * async function* anchors() {
   *   for await (const row of db.query("SELECT content_hash, category, subject FROM outbox")) {
   *     yield { contentHash: row.content_hash, category: row.category, subjectCommitment: row.subject };
   *   }
   * }
   * await builder.addAll(anchors());
   * ```
   */
  async addAll(source: Iterable<RecordAnchor> | AsyncIterable<RecordAnchor>): Promise<number> {
    if (Symbol.iterator in source) {
      for (const anchor of source) this.add(anchor);
    } else {
      for await (const anchor of source) this.add(anchor);
    }
    return this.#count;
  }

  /**
   * Builds the tree (OpenZeppelin's standard layout) and returns the {@link RecordBatch}. Throws
   * {@link MedchainInputError} for an empty batch. A builder builds once.
   *
   * @example
   * ```ts
   * const batch = builder.build({ label: "radiology reports, November 2026", createdAt: new Date() });
   * ```
   */
  build(options: BatchManifestOptions = {}): RecordBatch {
    if (this.#built) {
      throw new MedchainInputError("this builder has already built its batch; start a new RecordBatchBuilder", {
        field: "record",
      });
    }
    const n = this.#count;
    if (n === 0) {
      throw new MedchainInputError(`the batch is empty: a batch holds 1 to ${MAX_BATCH_LEAVES} records`, {
        field: "records",
      });
    }
    const manifestOptions = checkManifestOptions(options);
    this.#progress.report("hashing", n, n, true);
    this.#built = true;

    // Leaves sorted by hash (OpenZeppelin's default `sortLeaves`); a 32-bit prefix settles most comparisons.
    const leaves = this.#leaves;
    const prefix = new Uint32Array(n);
    for (let position = 0; position < n; position++) {
      const o = position * 32;
      prefix[position] =
        (((leaves[o] as number) << 24) |
          ((leaves[o + 1] as number) << 16) |
          ((leaves[o + 2] as number) << 8) |
          (leaves[o + 3] as number)) >>>
        0;
    }
    const positionOfRank = new Uint32Array(n);
    for (let position = 0; position < n; position++) positionOfRank[position] = position;
    positionOfRank.sort((a, b) => {
      const pa = prefix[a] as number;
      const pb = prefix[b] as number;
      if (pa !== pb) return pa < pb ? -1 : 1;
      return compare32(leaves, a * 32, leaves, b * 32) || a - b;
    });

    // Heap layout: 2n - 1 nodes, the leaf of rank k at node 2n - 2 - k, node i's children at 2i + 1, 2i + 2.
    const nodeCount = 2 * n - 1;
    const tree = new Uint8Array(nodeCount * 32);
    const treeIndexOf = new Uint32Array(n);
    for (let rank = 0; rank < n; rank++) {
      const position = positionOfRank[rank] as number;
      const node = nodeCount - 1 - rank;
      treeIndexOf[position] = node;
      tree.set(leaves.subarray(position * 32, position * 32 + 32), node * 32);
    }
    this.#leaves = new Uint8Array(0);
    const inner = n - 1;
    this.#progress.report("tree", 0, inner, inner === 0);
    let done = 0;
    for (let node = n - 2; node >= 0; node--) {
      hashPairInto(tree, (2 * node + 1) * 32, tree, (2 * node + 2) * 32, tree, node * 32);
      this.#progress.report("tree", ++done, inner);
    }
    this.#progress.report("tree", inner, inner, true);

    const root = hex32(tree, 0);
    const manifest: BatchManifest = {
      format: BATCH_MANIFEST_FORMAT,
      version: BATCH_MANIFEST_VERSION,
      root,
      leafCount: n,
      leafEncoding: [...RECORD_LEAF_ENCODING],
      ...manifestOptions,
    };
    const parts: BatchParts = {
      leafCount: n,
      tree,
      treeIndexOf,
      positionOfRank,
      contents: this.#contents.slice(0, n * 32),
      subjects: this.#subjects.slice(0, n * 32),
      categories: this.#categories.slice(0, n),
      index: this.#index,
      manifest,
    };
    this.#contents = this.#subjects = this.#categories = new Uint8Array(0);
    return RecordBatch[CREATE_BATCH](parts);
  }

  #grow(): void {
    const capacity = Math.min(this.#capacity * 2, MAX_BATCH_LEAVES);
    const grown = (old: Uint8Array, width: number) => {
      const bigger = new Uint8Array(capacity * width);
      bigger.set(old);
      return bigger;
    };
    this.#contents = grown(this.#contents, 32);
    this.#subjects = grown(this.#subjects, 32);
    this.#categories = grown(this.#categories, 1);
    this.#leaves = grown(this.#leaves, 32);
    this.#capacity = capacity;
  }
}

/**
 * Builds a batch from `source` in one call: {@link RecordBatchBuilder.addAll} then
 * {@link RecordBatchBuilder.build}.
 *
 * @example
 * ```ts
 * const batch = await buildRecordBatch(anchors(), {
 *   label: "lab results 2026-11-20",
 *   onProgress: ({ phase, done, total }) => console.error(`${phase} ${done}/${total ?? "?"}`),
 * });
 * ```
 */
export async function buildRecordBatch(
  source: Iterable<RecordAnchor> | AsyncIterable<RecordAnchor>,
  options: RecordBatchBuilderOptions & BatchManifestOptions = {},
): Promise<RecordBatch> {
  const { label, createdAt, ...builderOptions } = options;
  const expectedCount = builderOptions.expectedCount ?? (Array.isArray(source) ? source.length : undefined);
  const builder = new RecordBatchBuilder({
    ...builderOptions,
    ...(expectedCount === undefined ? {} : { expectedCount }),
  });
  await builder.addAll(source);
  return builder.build({
    ...(label === undefined ? {} : { label }),
    ...(createdAt === undefined ? {} : { createdAt }),
  });
}

// --- the batch -----------------------------------------------------------------------------------------

/**
 * A built batch: its root, leaf count and manifest (for `anchorBatch`), and proofs for any of its records
 * (single proofs, multiproofs, proof bundles), identical to OpenZeppelin merkle-tree's for the same records.
 * Positions are 0-based in the order records were added.
 *
 * @example
 * ```ts
 * const batch = await buildRecordBatch(anchors);
 * await recordRegistry.connect(dataSteward).anchorBatch(...batch.anchorBatchArgs());
 * for (const bundle of batch.proofBundles({ registry })) await store(bundle);
 * ```
 */
export class RecordBatch {
  /** The Merkle root anchored on chain. */
  readonly root: string;
  /** How many records the batch holds. */
  readonly leafCount: number;
  /** The off-chain manifest (no personal data). */
  readonly manifest: BatchManifest;
  /** keccak256 of the manifest's canonical JSON: `anchorBatch`'s `manifestHash`. */
  readonly manifestHash: string;
  readonly #parts: BatchParts;

  private constructor(parts: BatchParts) {
    this.#parts = parts;
    this.root = hex32(parts.tree, 0);
    this.leafCount = parts.leafCount;
    this.manifest = parts.manifest;
    this.manifestHash = batchManifestHash(parts.manifest);
  }

  /** @internal The builder's way in. */
  static [CREATE_BATCH](parts: BatchParts): RecordBatch {
    return new RecordBatch(parts);
  }

  /**
   * Rebuilds a batch from an OpenZeppelin dump (`tree.dump()` or {@link toOpenZeppelinDump}), checking that
   * its tree is the one its values give. Pass the original manifest's label and creation time to get the
   * same `manifestHash`.
   *
   * @example
   * ```ts
   * const batch = RecordBatch.fromOpenZeppelinDump(JSON.parse(await readFile("batch-0042.tree.json", "utf8")), {
   *   label: manifest.label,
   *   createdAt: manifest.createdAt,
   * });
   * ```
   */
  static fromOpenZeppelinDump(dump: OpenZeppelinBatchDump, options: BatchManifestOptions = {}): RecordBatch {
    if (typeof dump !== "object" || dump === null || dump.format !== "standard-v1") {
      throw new MedchainInputError('an OpenZeppelin dump has format "standard-v1"', { field: "format" });
    }
    if (
      !Array.isArray(dump.leafEncoding) ||
      dump.leafEncoding.length !== RECORD_LEAF_ENCODING.length ||
      dump.leafEncoding.some((type, i) => type !== RECORD_LEAF_ENCODING[i])
    ) {
      throw new MedchainInputError(`a record batch's leaf encoding is ${JSON.stringify(RECORD_LEAF_ENCODING)}`, {
        field: "leafEncoding",
      });
    }
    if (!Array.isArray(dump.values) || !Array.isArray(dump.tree)) {
      throw new MedchainInputError("an OpenZeppelin dump has `values` and `tree` arrays", { field: "values" });
    }
    const builder = new RecordBatchBuilder({ expectedCount: dump.values.length });
    for (const entry of dump.values) {
      const value: unknown = entry?.value;
      if (!Array.isArray(value) || value.length !== 3) {
        throw new MedchainInputError("each dump value is [contentHash, category, subjectCommitment]", {
          field: "values",
        });
      }
      const [contentHash, category, subject] = value as unknown[];
      builder.add({
        contentHash: contentHash as string,
        category: typeof category === "string" && /^[0-9]+$/.test(category) ? Number(category) : (category as number),
        subjectCommitment: subject as string,
      });
    }
    const batch = builder.build(options);
    const { tree, treeIndexOf } = batch.#parts;
    const matches =
      dump.tree.length === tree.length / 32 &&
      dump.tree.every((node, i) => typeof node === "string" && node.toLowerCase() === hex32(tree, i * 32)) &&
      dump.values.every((entry, position) => entry.treeIndex === treeIndexOf[position]);
    if (!matches) {
      throw new MedchainInputError("the dump's tree is not the OpenZeppelin standard tree of its values", {
        field: "tree",
      });
    }
    return batch;
  }

  /**
   * The arguments of `RecordRegistry.anchorBatch`: `[root, leafCount, manifestHash]`.
   *
   * @example
   * ```ts
   * await recordRegistry.connect(dataSteward).anchorBatch(...batch.anchorBatchArgs());
   * ```
   */
  anchorBatchArgs(): [root: string, leafCount: number, manifestHash: string] {
    return [this.root, this.leafCount, this.manifestHash];
  }

  /**
   * The position of the record with content hash `contentHash`, or -1 if the batch does not hold it.
   *
   * @example
   * ```ts
   * if (batch.indexOf(fhirContentHash(resource)) < 0) console.error("not in this batch");
   * ```
   */
  indexOf(contentHash: string): number {
    const key = new Uint8Array(32);
    writeHex32(bytes32Field(contentHash, "contentHash"), key, 0);
    return this.#parts.index.find(this.#parts.contents, key, 0);
  }

  /**
   * The record at a position or with a content hash, as anchored (lower-case hex).
   *
   * @example
   * ```ts
   * const { subjectCommitment } = batch.record(0);
   * ```
   */
  record(ref: RecordRef): RecordAnchor {
    return this.#anchorAt(this.#position(ref));
  }

  /**
   * The leaf hash of a record of the batch.
   *
   * @example
   * ```ts
   * batch.leafHash(contentHash) === recordLeafHash(batch.record(contentHash)); // true
   * ```
   */
  leafHash(ref: RecordRef): string {
    return hex32(this.#parts.tree, (this.#parts.treeIndexOf[this.#position(ref)] as number) * 32);
  }

  /**
   * The proof of one record (sibling hashes from the leaf up), as `verifyBatchRecord` takes it and as
   * OpenZeppelin's `tree.getProof` returns it.
   *
   * @example
   * ```ts
   * await recordRegistry.verifyBatchRecord(batch.root, batch.record(contentHash), batch.proof(contentHash));
   * ```
   */
  proof(ref: RecordRef): string[] {
    return this.#proofOfNode(this.#parts.treeIndexOf[this.#position(ref)] as number);
  }

  /**
   * One multiproof for several records (positions or content hashes, each once), ordered as
   * `verifyBatchRecords` expects; identical to OpenZeppelin's `tree.getMultiProof`.
   *
   * @example
   * ```ts
   * const { leaves, proof, proofFlags } = batch.multiProof([hashA, hashB, hashC]);
   * const verifications = await recordRegistry.verifyBatchRecords(batch.root, leaves, proof, proofFlags);
   * ```
   */
  multiProof(refs: readonly RecordRef[]): RecordMultiProof {
    if (refs.length === 0) {
      throw new MedchainInputError("a multiproof needs at least one record", { field: "records" });
    }
    const { tree, treeIndexOf, positionOfRank } = this.#parts;
    const seen = new Set<number>();
    const nodes = refs.map((ref) => {
      const position = this.#position(ref);
      if (seen.has(position)) {
        throw new MedchainInputError(`record at position ${position} is listed twice`, { field: "records" });
      }
      seen.add(position);
      return treeIndexOf[position] as number;
    });
    nodes.sort((a, b) => b - a);
    // OpenZeppelin's getMultiProof: a queue of nodes, deepest first; a node whose sibling is next in the
    // queue is combined with it (flag true), else its sibling comes from the proof (flag false).
    const queue = [...nodes];
    const proof: string[] = [];
    const proofFlags: boolean[] = [];
    let head = 0;
    while (head < queue.length && (queue[head] as number) > 0) {
      const node = queue[head++] as number;
      const sibling = node % 2 === 1 ? node + 1 : node - 1;
      if (head < queue.length && queue[head] === sibling) {
        proofFlags.push(true);
        head++;
      } else {
        proofFlags.push(false);
        proof.push(hex32(tree, sibling * 32));
      }
      queue.push((node - 1) >> 1);
    }
    const nodeCount = 2 * this.leafCount - 1;
    const positions = nodes.map((node) => positionOfRank[nodeCount - 1 - node] as number);
    return {
      leaves: positions.map((position) => this.#anchorAt(position)),
      leafHashes: nodes.map((node) => hex32(tree, node * 32)),
      proof,
      proofFlags,
    };
  }

  /**
   * The proof bundle of one record, optionally naming the registry the batch is anchored in.
   *
   * @example
   * ```ts
   * const bundle = batch.proofBundle(contentHash, { registry: { chainId: 2026n, address: registryAddress } });
   * ```
   */
  proofBundle(ref: RecordRef, options: { registry?: BatchRegistryLocation } = {}): RecordProofBundle {
    const registry = options.registry === undefined ? undefined : checkRegistryLocation(options.registry);
    return this.#bundleAt(this.#position(ref), registry);
  }

  /**
   * The proof bundles of all records, position by position, made lazily; `onProgress` reports phase
   * "proofs" every `progressInterval` bundles and at the end.
   *
   * @example
   * ```ts
   * for (const bundle of batch.proofBundles({ registry, onProgress })) {
   *   await outbox.put(bundle.record.contentHash, JSON.stringify(bundle));
   * }
   * ```
   */
  *proofBundles(
    options: { registry?: BatchRegistryLocation } & BatchProgressOptions = {},
  ): Generator<RecordProofBundle, void, undefined> {
    const registry = options.registry === undefined ? undefined : checkRegistryLocation(options.registry);
    const progress = new ProgressReporter(options);
    const total = this.leafCount;
    progress.report("proofs", 0, total);
    for (let position = 0; position < total; position++) {
      yield this.#bundleAt(position, registry);
      progress.report("proofs", position + 1, total);
    }
    progress.report("proofs", total, total, true);
  }

  /**
   * The batch as OpenZeppelin merkle-tree's "standard-v1" dump, for auditors' own tooling:
   * `StandardMerkleTree.load(dump)` recomputes and checks every node and leaf.
   *
   * @example
   * ```ts
   * const tree = StandardMerkleTree.load(batch.toOpenZeppelinDump());
   * tree.root === batch.root; // true
   * ```
   */
  toOpenZeppelinDump(): OpenZeppelinBatchDump {
    const { tree, treeIndexOf } = this.#parts;
    const nodes: string[] = new Array<string>(tree.length / 32);
    for (let i = 0; i < nodes.length; i++) nodes[i] = hex32(tree, i * 32);
    const values: OpenZeppelinBatchDump["values"] = [];
    for (let position = 0; position < this.leafCount; position++) {
      const { contentHash, category, subjectCommitment: subject } = this.#anchorAt(position);
      values.push({ value: [contentHash, category, subject], treeIndex: treeIndexOf[position] as number });
    }
    return { format: "standard-v1", leafEncoding: [...RECORD_LEAF_ENCODING], tree: nodes, values };
  }

  #position(ref: RecordRef): number {
    if (typeof ref === "number") {
      if (!Number.isInteger(ref) || ref < 0 || ref >= this.leafCount) {
        throw new MedchainInputError(`position ${ref} is outside the batch (0 to ${this.leafCount - 1})`, {
          field: "position",
        });
      }
      return ref;
    }
    const position = this.indexOf(ref);
    if (position < 0) {
      throw new MedchainInputError(`record ${ref.toLowerCase()} is not in this batch`, { field: "contentHash" });
    }
    return position;
  }

  #anchorAt(position: number): { contentHash: string; category: number; subjectCommitment: string } {
    const { contents, subjects, categories } = this.#parts;
    return {
      contentHash: hex32(contents, position * 32),
      category: categories[position] as number,
      subjectCommitment: hex32(subjects, position * 32),
    };
  }

  #proofOfNode(node: number): string[] {
    const proof: string[] = [];
    for (let current = node; current > 0; current = (current - 1) >> 1) {
      proof.push(hex32(this.#parts.tree, (current % 2 === 1 ? current + 1 : current - 1) * 32));
    }
    return proof;
  }

  #bundleAt(position: number, registry: { chainId: string; address: string } | undefined): RecordProofBundle {
    const node = this.#parts.treeIndexOf[position] as number;
    return {
      format: PROOF_BUNDLE_FORMAT,
      version: PROOF_BUNDLE_VERSION,
      record: this.#anchorAt(position),
      batch: {
        root: this.root,
        leafCount: this.leafCount,
        leafEncoding: [...RECORD_LEAF_ENCODING],
        manifestHash: this.manifestHash,
      },
      proof: this.#proofOfNode(node),
      leafHash: hex32(this.#parts.tree, node * 32),
      ...(registry === undefined ? {} : { registry: { ...registry } }),
    };
  }
}

// --- proof bundles -------------------------------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads a proof bundle (JSON text or the parsed object), checks every field and returns it typed, with
 * lower-case hex and a checksummed registry address. Unknown extra fields are dropped. Throws
 * {@link MedchainInputError} with a message a person can act on: malformed JSON, another format, a version
 * this SDK does not read, a missing or malformed field.
 *
 * @example
 * ```ts
 * const bundle = parseProofBundle(await readFile("record.proof.json", "utf8"));
 * ```
 */
export function parseProofBundle(json: unknown): RecordProofBundle {
  let value: unknown = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json) as unknown;
    } catch (error) {
      throw new MedchainInputError(`the proof bundle is not well-formed JSON: ${(error as Error).message}`, {
        field: "bundle",
        cause: error,
      });
    }
  }
  if (!isObject(value)) {
    throw new MedchainInputError("a proof bundle must be a JSON object", { field: "bundle" });
  }
  if (value.format !== PROOF_BUNDLE_FORMAT) {
    throw new MedchainInputError(
      `this is not a medchain record proof bundle: its format is ${shown(value.format)}, ` +
        `not "${PROOF_BUNDLE_FORMAT}"`,
      { field: "format" },
    );
  }
  if (typeof value.version !== "number" || !Number.isInteger(value.version) || value.version < 1) {
    throw new MedchainInputError(`the proof bundle's version ${shown(value.version)} is not a version number`, {
      field: "version",
    });
  }
  if (value.version !== PROOF_BUNDLE_VERSION) {
    throw new MedchainInputError(
      `proof bundle version ${value.version} is not supported; this SDK reads version ${PROOF_BUNDLE_VERSION}`,
      { field: "version" },
    );
  }
  const { record, batch, proof, leafHash, registry } = value;
  if (!isObject(record)) throw new MedchainInputError("the proof bundle has no record", { field: "record" });
  const checkedRecord = checkAnchor(record as unknown as RecordAnchor, "the bundle's record: ");
  if (!isObject(batch)) throw new MedchainInputError("the proof bundle has no batch", { field: "batch" });
  const root = bytes32Field(batch.root, "batch.root");
  if (root === ZERO_BYTES32) throw new MedchainInputError("the bundle's batch root is zero", { field: "batch.root" });
  const leafCount = batch.leafCount;
  if (typeof leafCount !== "number" || !Number.isInteger(leafCount) || leafCount < 1 || leafCount > MAX_BATCH_LEAVES) {
    throw new MedchainInputError(`a batch holds 1 to ${MAX_BATCH_LEAVES} records; ${shown(leafCount)} is outside`, {
      field: "batch.leafCount",
    });
  }
  const encoding = batch.leafEncoding;
  if (
    !Array.isArray(encoding) ||
    encoding.length !== RECORD_LEAF_ENCODING.length ||
    encoding.some((type, i) => type !== RECORD_LEAF_ENCODING[i])
  ) {
    throw new MedchainInputError(
      `the bundle's leaf encoding is ${shown(JSON.stringify(encoding))}; medchain batches use ` +
        JSON.stringify(RECORD_LEAF_ENCODING),
      { field: "batch.leafEncoding" },
    );
  }
  const manifestHash = bytes32Field(batch.manifestHash, "batch.manifestHash");
  if (!Array.isArray(proof) || proof.length > 24) {
    throw new MedchainInputError("the bundle's proof must be a list of at most 24 hashes", { field: "proof" });
  }
  const checkedProof = proof.map((hash: unknown, i) => bytes32Field(hash, `proof[${i}]`));
  const bundle: RecordProofBundle = {
    format: PROOF_BUNDLE_FORMAT,
    version: PROOF_BUNDLE_VERSION,
    record: checkedRecord,
    batch: { root, leafCount, leafEncoding: [...RECORD_LEAF_ENCODING], manifestHash },
    proof: checkedProof,
    leafHash: bytes32Field(leafHash, "leafHash"),
  };
  if (registry !== undefined) {
    if (!isObject(registry) || typeof registry.chainId !== "string" || !/^[1-9][0-9]*$/.test(registry.chainId)) {
      throw new MedchainInputError('the bundle\'s registry.chainId must be a decimal string such as "2026"', {
        field: "registry.chainId",
      });
    }
    bundle.registry = checkRegistryLocation({ chainId: BigInt(registry.chainId), address: registry.address as string });
  }
  return bundle;
}

/**
 * What a verifier holds besides the bundle: the record itself (FHIR resource or document bytes) and, to
 * check whose record it is, the patient id with the record's salt.
 *
 * @example
 * ```ts
 * const evidence: ProofBundleEvidence = { resource: fhirJsonText, patientId: 7n, subjectSalt: salt };
 * ```
 */
export interface ProofBundleEvidence {
  /** The FHIR resource (object or JSON text) the record should be. */
  resource?: unknown;
  /** The document's exact bytes, for records that are not FHIR JSON. */
  document?: Uint8Array;
  /** The patient the record should belong to (with `subjectSalt`). */
  patientId?: bigint;
  /** The record's 32-byte subject salt, as kept with the record. */
  subjectSalt?: string | Uint8Array;
}

/**
 * The answer of {@link verifyProofBundle}: `valid` when every check made passed; `problems` says what failed
 * in words; `checked` what was checked.
 *
 * @example
 * ```ts
 * const { valid, problems } = verifyProofBundle(bundle, { resource });
 * if (!valid) console.error(problems.join("\n"));
 * ```
 */
export interface ProofBundleVerification {
  valid: boolean;
  problems: string[];
  /** The root the record and proof lead to. */
  computedRoot: string;
  /** The leaf hash of the bundle's record (computed, not read from the bundle). */
  leafHash: string;
  checked: { proof: true; content: boolean; subject: boolean };
}

/**
 * Checks a proof bundle offline: that its proof places its record under its batch root and, when given,
 * that the record hashes to the bundle's content hash and that the patient id and salt give its subject
 * commitment. Malformed bundles and evidence (not FHIR, an empty document, a patient id without salt) throw
 * {@link MedchainInputError}; failed checks are reported in `problems`.
 *
 * @example
 * ```ts
 * const result = verifyProofBundle(await readFile("record.proof.json", "utf8"), {
 *   resource: await readFile("observation.json", "utf8"),
 *   patientId: 7n,
 *   subjectSalt: saltFromTheRecordSystem,
 * });
 * ```
 */
export function verifyProofBundle(
  bundle: RecordProofBundle | string,
  evidence: ProofBundleEvidence = {},
): ProofBundleVerification {
  const parsed = parseProofBundle(bundle);
  const { record, batch, proof } = parsed;
  const problems: string[] = [];
  const leafHash = recordLeafHash(record);
  if (leafHash !== parsed.leafHash) {
    problems.push(`the bundle's leafHash ${parsed.leafHash} is not the leaf of its record (${leafHash})`);
  }
  const minLength = Math.floor(Math.log2(batch.leafCount));
  const maxLength = Math.ceil(Math.log2(batch.leafCount));
  if (proof.length < minLength || proof.length > maxLength) {
    problems.push(
      `a proof for a batch of ${batch.leafCount} records has ${minLength} to ${maxLength} hashes; ` +
        `this one has ${proof.length}`,
    );
  }
  const computedRoot = recordProofRoot(leafHash, proof);
  if (computedRoot !== batch.root) {
    problems.push(
      `the proof does not place this record in batch ${batch.root}: ` +
        "it differs from what was anchored or belongs to another batch",
    );
  }

  if (evidence.resource !== undefined && evidence.document !== undefined) {
    throw new MedchainInputError("give the record either as a FHIR resource or as document bytes, not both", {
      field: "document",
    });
  }
  let content = false;
  if (evidence.resource !== undefined || evidence.document !== undefined) {
    content = true;
    const kind = evidence.resource !== undefined ? "FHIR resource" : "document";
    const hash =
      evidence.resource !== undefined
        ? fhirContentHash(evidence.resource)
        : documentContentHash(evidence.document as Uint8Array);
    if (hash !== record.contentHash) {
      problems.push(
        `the ${kind} hashes to ${hash}, not to the anchored content hash ${record.contentHash}: ` +
          "it was changed or it is another record",
      );
    }
  }
  let subject = false;
  if (evidence.patientId !== undefined || evidence.subjectSalt !== undefined) {
    if (evidence.patientId === undefined || evidence.subjectSalt === undefined) {
      throw new MedchainInputError("give both patientId and subjectSalt to check whose record this is", {
        field: evidence.patientId === undefined ? "patientId" : "subjectSalt",
      });
    }
    subject = true;
    if (subjectCommitment(evidence.patientId, evidence.subjectSalt) !== record.subjectCommitment) {
      problems.push(
        `patient ${evidence.patientId} with this salt does not give the record's subject commitment: ` +
          "wrong patient or wrong salt",
      );
    }
  }
  return { valid: problems.length === 0, problems, computedRoot, leafHash, checked: { proof: true, content, subject } };
}

/**
 * What {@link verifyProofBundleOnChain} needs of a `RecordRegistry`: the typechain contract fits.
 *
 * @example
 * ```ts
 * const registry: RecordRegistryVerifier = RecordRegistry__factory.connect(address, provider);
 * ```
 */
export type RecordRegistryVerifier = Pick<RecordRegistry, "verifyBatchRecord" | "getAddress" | "runner">;

/**
 * The registry's answer for a bundle whose record it finds in the batch (`anchored: true`), with the
 * decoded `RecordVerification`.
 *
 * @example
 * ```ts
 * if (result.anchored && result.status === RecordStatus.Superseded) console.log("a newer version exists");
 * ```
 */
export interface AnchoredRecordVerification {
  anchored: true;
  status: RecordStatus;
  /** The status's name, e.g. "Current". */
  statusName: string;
  /** memberId of the custodian organisation. */
  custodian: bigint;
  category: RecordCategory;
  /** Block time (unix seconds) of the batch's anchor. */
  anchoredAt: bigint;
  /** Block time of the supersession or retraction; 0n while current. */
  statusChangedAt: bigint;
  /** Meaningful only when `status` is Retracted. */
  retractionReason: RetractionReason;
  batchRoot: string;
  /** Doubts about the answer, e.g. the bundle names another registry. Empty when none. */
  problems: string[];
}

/**
 * The registry's answer when it refuses the bundle's proof (unknown batch, wrong proof length, a record that
 * is not the anchored one): the record is not proved to be anchored there.
 *
 * @example
 * ```ts
 * if (!result.anchored) console.error(`not anchored: ${result.reason}`);
 * ```
 */
export interface NotAnchoredVerification {
  anchored: false;
  /** The contract error's human message. */
  reason: string;
  error: MedchainContractError;
  problems: string[];
}

/**
 * The answer of {@link verifyProofBundleOnChain}: test `anchored` to read the rest.
 *
 * @example
 * ```ts
 * const result: OnChainProofVerification = await verifyProofBundleOnChain(registry, bundle);
 * console.log(result.anchored ? result.statusName : `not anchored: ${result.reason}`);
 * ```
 */
export type OnChainProofVerification = AnchoredRecordVerification | NotAnchoredVerification;

const NOT_ANCHORED_ERRORS = new Set([
  "RecordRegistryUnknownBatch",
  "RecordRegistryProofLengthMismatch",
  "RecordRegistryInvalidProof",
]);

/**
 * Asks a `RecordRegistry` (`verifyBatchRecord`, a free view call) whether the bundle's record is in its batch
 * and where it stands (Current, Superseded, Retracted). When the bundle names a registry, a different chain
 * or address is reported in `problems`. Other failures (network, a malformed bundle) throw.
 *
 * @example
 * ```ts
 * const registry = RecordRegistry__factory.connect(deployment.RecordRegistry, provider);
 * const result = await verifyProofBundleOnChain(registry, bundleJson);
 * if (result.anchored) console.log(result.statusName, "since", new Date(Number(result.anchoredAt) * 1000));
 * ```
 */
export async function verifyProofBundleOnChain(
  registry: RecordRegistryVerifier,
  bundle: RecordProofBundle | string,
): Promise<OnChainProofVerification> {
  const parsed = parseProofBundle(bundle);
  const problems: string[] = [];
  if (parsed.registry !== undefined) {
    const address = getAddress(await registry.getAddress());
    if (address !== parsed.registry.address) {
      problems.push(`the bundle names registry ${parsed.registry.address}, but this registry is ${address}`);
    }
    const provider = registry.runner?.provider ?? null;
    if (provider === null) {
      problems.push("the registry has no provider, so the bundle's chain id could not be checked");
    } else {
      const { chainId } = await provider.getNetwork();
      if (chainId.toString() !== parsed.registry.chainId) {
        problems.push(`the bundle names chain ${parsed.registry.chainId}, but this registry is on chain ${chainId}`);
      }
    }
  }
  try {
    const verification = await registry.verifyBatchRecord(parsed.batch.root, parsed.record, parsed.proof);
    const status = Number(verification.status) as RecordStatus;
    return {
      anchored: true,
      status,
      statusName: codeName(RecordStatus, status),
      custodian: verification.custodian,
      category: Number(verification.category) as RecordCategory,
      anchoredAt: verification.anchoredAt,
      statusChangedAt: verification.statusChangedAt,
      retractionReason: Number(verification.retractionReason) as RetractionReason,
      batchRoot: verification.batchRoot,
      problems,
    };
  } catch (error) {
    const decoded = decodeMedchainError(error);
    if (decoded !== undefined && NOT_ANCHORED_ERRORS.has(decoded.errorName)) {
      return { anchored: false, reason: decoded.shortMessage, error: decoded, problems };
    }
    throw decoded ?? error;
  }
}
