// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MemberKind} from "../types/MemberCodes.sol";
import {RecordStatus, RetractionReason} from "../types/RecordCodes.sol";

/// @title IRecordRegistry
/// @notice Salted hashes of medical records, anchored by the hospital or clinic that keeps each record (its
/// custodian) one by one or as Merkle batches, so anyone holding a record can prove it existed unchanged at a
/// time, who anchored it, and whether it is still the current version. Never the record, never the patient.
/// @dev A single record is keyed by its content hash (one slot). A batch is keyed by its Merkle root (two
/// slots); its leaves are OpenZeppelin merkle-tree standard leaves of type `(bytes32 contentHash, uint8
/// category, bytes32 subjectCommitment)`, i.e. `keccak256(bytes.concat(keccak256(abi.encode(contentHash,
/// category, subjectCommitment))))`, with sorted-pair hashing. A batch leaf gets a record entry of its own only
/// when it is superseded or retracted. Hashing rules for content hashes and subject commitments are in
/// docs/records.md.
interface IRecordRegistry {
    /// @notice What is anchored for one record: the fields of a single anchor and of a batch leaf alike.
    struct RecordAnchor {
        bytes32 contentHash; // keccak256 of the canonical FHIR JSON or of the document's exact bytes
        uint8 category; // a RecordCategory value
        bytes32 subjectCommitment; // salted hash of the patient id, fresh salt per record (kept off chain)
    }

    /// @notice A record's entry (one slot). The subject commitment lives only in the anchoring event.
    struct Record {
        uint32 custodian; // memberId of the organisation that anchored the record
        uint8 category; // a RecordCategory value
        RecordStatus status;
        RetractionReason retractionReason; // meaningful only when `status` is Retracted
        bool inBatch; // anchored as a batch leaf (the entry exists because the leaf was superseded or retracted)
        uint64 anchoredAt; // block time of the anchor (of the batch, for a batch leaf)
        uint64 statusChangedAt; // block time of the supersession or retraction; 0 while current
    }

    /// @notice A batch's entry (one slot, plus the manifest hash beside it).
    struct Batch {
        uint32 custodian; // memberId of the organisation that anchored the batch
        uint32 leafCount; // leaves in the tree, 1 to MAX_BATCH_LEAVES
        bool retracted;
        RetractionReason retractionReason; // meaningful only when `retracted`
        uint64 anchoredAt;
        uint64 retractedAt; // 0 while not retracted
    }

    /// @notice The answer of the `verify…` views for one record.
    struct RecordVerification {
        RecordStatus status; // None: never anchored on its own (single-record views only)
        uint32 custodian;
        uint8 category;
        uint64 anchoredAt;
        uint64 statusChangedAt; // 0 while current
        RetractionReason retractionReason; // meaningful only when `status` is Retracted
        bytes32 batchRoot; // the batch the proof was checked against, zero for a single anchor
    }

    /// @notice Emitted when `operator` of organisation `custodian` anchors a single record.
    event RecordAnchored(
        bytes32 indexed contentHash,
        uint32 indexed custodian,
        address indexed operator,
        uint8 category,
        bytes32 subjectCommitment
    );

    /// @notice Emitted when record `previousContentHash` is superseded by the amendment `contentHash`.
    /// @param batchRoot the batch the superseded record was a leaf of, zero if it was anchored on its own.
    event RecordSuperseded(
        bytes32 indexed previousContentHash,
        bytes32 indexed contentHash,
        uint32 indexed custodian,
        bytes32 batchRoot
    );

    /// @notice Emitted when `operator` of `custodian` retracts record `contentHash` (entered in error and kin).
    /// @param batchRoot the batch the record was a leaf of, zero if it was anchored on its own.
    event RecordRetracted(
        bytes32 indexed contentHash,
        uint32 indexed custodian,
        address indexed operator,
        RetractionReason reason,
        bytes32 batchRoot
    );

    /// @notice Emitted when `operator` of `custodian` anchors a Merkle batch of `leafCount` records.
    /// @param manifestHash keccak256 of the custodian's off-chain batch manifest (docs/records.md), or zero.
    event BatchAnchored(
        bytes32 indexed root,
        uint32 indexed custodian,
        address indexed operator,
        uint32 leafCount,
        bytes32 manifestHash
    );

    /// @notice Emitted when `operator` of `custodian` retracts batch `root` as a whole.
    event BatchRetracted(
        bytes32 indexed root,
        uint32 indexed custodian,
        address indexed operator,
        RetractionReason reason
    );

    /// @notice A content hash of zero was given.
    error RecordRegistryZeroContentHash();

    /// @notice A subject commitment of zero was given for record `contentHash`.
    error RecordRegistryZeroSubjectCommitment(bytes32 contentHash);

    /// @notice `category` names no RecordCategory.
    error RecordRegistryUnknownCategory(uint8 category);

    /// @notice `reason` names no {RetractionReason}.
    error RecordRegistryUnknownRetractionReason(uint8 reason);

    /// @notice Only hospitals and clinics keep records; organisation `memberId` is a `kind`.
    error RecordRegistryCustodianNotCareProvider(uint32 memberId, MemberKind kind);

    /// @notice Record `contentHash` was already anchored by organisation `custodian` at `anchoredAt`.
    error RecordRegistryAlreadyAnchored(bytes32 contentHash, uint32 custodian, uint64 anchoredAt);

    /// @notice No record with content hash `contentHash` is anchored on its own.
    error RecordRegistryUnknownRecord(bytes32 contentHash);

    /// @notice Record or batch `anchor` belongs to organisation `custodian`, not to the caller's `callerMemberId`.
    error RecordRegistryNotCustodian(bytes32 anchor, uint32 custodian, uint32 callerMemberId);

    /// @notice Record `contentHash` is `status`: only a current record may be amended or retracted.
    error RecordRegistryRecordNotCurrent(bytes32 contentHash, RecordStatus status);

    /// @notice A batch root of zero was given.
    error RecordRegistryZeroBatchRoot();

    /// @notice A batch must hold 1 to `maxLeafCount` leaves; `leafCount` is outside.
    error RecordRegistryInvalidLeafCount(uint256 leafCount, uint256 maxLeafCount);

    /// @notice Batch `root` was already anchored by organisation `custodian`.
    error RecordRegistryBatchAlreadyAnchored(bytes32 root, uint32 custodian);

    /// @notice No batch has root `root`.
    error RecordRegistryUnknownBatch(bytes32 root);

    /// @notice Batch `root` was retracted as a whole; its leaves can no longer be amended or retracted.
    error RecordRegistryBatchRetracted(bytes32 root);

    /// @notice A proof for a leaf of batch `root` (with its leaf count) has `minLength` to `maxLength`
    /// hashes; `length` is outside.
    error RecordRegistryProofLengthMismatch(bytes32 root, uint256 length, uint256 minLength, uint256 maxLength);

    /// @notice The proof does not place leaf `leaf` in batch `root`: the record differs from what was anchored,
    /// or it belongs to another batch.
    error RecordRegistryInvalidProof(bytes32 root, bytes32 leaf);

    /// @notice The multiproof does not place all `leafCount` leaves in batch `root`.
    error RecordRegistryInvalidMultiproof(bytes32 root, uint256 leafCount);

    /// @notice A multiproof of `leafCount` leaves and `proofLength` hashes needs `leafCount + proofLength - 1`
    /// flags, at least one leaf and no more leaves than batch `root` holds; `flagCount` flags were given.
    error RecordRegistryInvalidMultiproofShape(bytes32 root, uint256 leafCount, uint256 proofLength, uint256 flagCount);

    /// @notice Anchors record `record` on its own, for the caller's organisation as custodian.
    /// @dev Caller: an operator with the DataSteward duty of an active hospital or clinic. Emits {RecordAnchored}.
    /// Reverts with {RecordRegistryAlreadyAnchored} if the content hash was anchored before.
    function anchorRecord(RecordAnchor calldata record) external;

    /// @notice Anchors `amendment` as the new version of the single record `previousContentHash`, which becomes
    /// superseded. Both belong to the caller's organisation.
    /// @dev Emits {RecordAnchored} and {RecordSuperseded}. The previous record must be current.
    function amendRecord(bytes32 previousContentHash, RecordAnchor calldata amendment) external;

    /// @notice Anchors `amendment` as the new version of batch leaf `previous` of batch `batchRoot`, proved by
    /// `proof`; the leaf becomes superseded.
    /// @dev Emits {RecordAnchored} and {RecordSuperseded}. The batch must be the caller's and not retracted.
    function amendBatchRecord(
        bytes32 batchRoot,
        RecordAnchor calldata previous,
        bytes32[] calldata proof,
        RecordAnchor calldata amendment
    ) external;

    /// @notice Retracts the caller's current single record `contentHash` for `reason` (a {RetractionReason}).
    /// @dev Emits {RecordRetracted}. Final: a retracted record can be neither amended nor anchored again.
    function retractRecord(bytes32 contentHash, uint8 reason) external;

    /// @notice Retracts one leaf of the caller's batch `batchRoot`, proved by `proof`, for `reason`.
    /// @dev Emits {RecordRetracted}. The rest of the batch stays current.
    function retractBatchRecord(
        bytes32 batchRoot,
        RecordAnchor calldata record,
        bytes32[] calldata proof,
        uint8 reason
    ) external;

    /// @notice Anchors a Merkle batch of `leafCount` records with root `root` for the caller's organisation.
    /// @param manifestHash keccak256 of the off-chain batch manifest an auditor can ask for, or zero.
    /// @dev Caller as for {anchorRecord}. Emits {BatchAnchored}. The contract cannot see the leaves: the leaf
    /// count bounds the proof lengths it accepts, so a custodian that states a wrong count makes its own proofs
    /// fail.
    function anchorBatch(bytes32 root, uint32 leafCount, bytes32 manifestHash) external;

    /// @notice Retracts the caller's batch `root` as a whole for `reason`: every leaf reads as retracted.
    /// @dev Emits {BatchRetracted}. Final.
    function retractBatch(bytes32 root, uint8 reason) external;

    /// @notice Where single record `contentHash` stands; status None if it was never anchored on its own.
    function verifyRecord(bytes32 contentHash) external view returns (RecordVerification memory);

    /// @notice Checks that `record` is a leaf of batch `batchRoot` with `proof` and says where it stands.
    /// @dev Reverts with {RecordRegistryUnknownBatch}, {RecordRegistryProofLengthMismatch} or
    /// {RecordRegistryInvalidProof} when the record is not proved to be in the batch.
    function verifyBatchRecord(
        bytes32 batchRoot,
        RecordAnchor calldata record,
        bytes32[] calldata proof
    ) external view returns (RecordVerification memory);

    /// @notice Checks that all `records` are leaves of batch `batchRoot` with one OpenZeppelin multiproof
    /// (`proof`, `proofFlags`) and says where each stands, in the order given.
    /// @dev `records` must be in the multiproof's order (OpenZeppelin merkle-tree's `getMultiProof(...).leaves`).
    /// Reverts with {RecordRegistryUnknownBatch}, {RecordRegistryInvalidMultiproofShape} or
    /// {RecordRegistryInvalidMultiproof} when the records are not proved to be in the batch.
    function verifyBatchRecords(
        bytes32 batchRoot,
        RecordAnchor[] calldata records,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external view returns (RecordVerification[] memory);

    /// @notice The entry of record `contentHash` (all zero if it has none).
    function getRecord(bytes32 contentHash) external view returns (Record memory);

    /// @notice The entry of batch `root` (all zero if unknown).
    function getBatch(bytes32 root) external view returns (Batch memory);

    /// @notice The manifest hash given when batch `root` was anchored.
    function getBatchManifestHash(bytes32 root) external view returns (bytes32);

    /// @notice The Merkle leaf of `record`: OpenZeppelin's standard leaf of `(bytes32, uint8, bytes32)`.
    function batchLeaf(RecordAnchor calldata record) external pure returns (bytes32);
}
