// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {RecordCategory} from "../types/ConsentCodes.sol";
import {Duty, MemberKind, MemberKinds} from "../types/MemberCodes.sol";
import {RecordStatus, RetractionReason} from "../types/RecordCodes.sol";

/// @title RecordRegistry
/// @notice Content hashes of medical records anchored by their custodian hospital or clinic, one by one or
/// as Merkle batches, with amendments (supersession), retraction and `verify…` views anyone can call.
/// @dev Deployed behind a UUPS proxy; upgrades are the admin role's. State lives in ERC-7201 namespaced
/// storage. Anchoring needs an operator with the DataSteward duty of an active hospital or clinic, asked of
/// the MemberRegistry on every call, so a suspension takes effect at once.
/// @custom:security-contact security@medchain.example
contract RecordRegistry is IRecordRegistry, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.RecordRegistry
    struct RecordRegistryStorage {
        mapping(bytes32 contentHash => Record) records;
        mapping(bytes32 root => Batch) batches;
        mapping(bytes32 root => bytes32) manifestHashes;
    }

    /// @notice Most leaves one batch may hold (2^24 = 16,777,216): proofs have at most 24 hashes.
    uint32 public constant MAX_BATCH_LEAVES = 1 << 24;

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.RecordRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x9e7755a1e2871a4e82e7d43070e0a4271fbd9998ec268b2d036966761fb00900;

    /// @notice The consortium's member registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMemberRegistry public immutable memberRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IMemberRegistry memberRegistry_) {
        memberRegistry = memberRegistry_;
        _disableInitializers();
    }

    /// @notice Sets the consortium authority of this proxy. Callable once.
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IRecordRegistry
    function anchorRecord(RecordAnchor calldata record) external {
        _anchor(record, _requireCustodian());
    }

    /// @inheritdoc IRecordRegistry
    function amendRecord(bytes32 previousContentHash, RecordAnchor calldata amendment) external {
        uint32 memberId = _requireCustodian();
        Record storage previous = _storage().records[previousContentHash];
        if (previous.status == RecordStatus.None) revert RecordRegistryUnknownRecord(previousContentHash);
        _end(previousContentHash, previous, memberId, RecordStatus.Superseded, RetractionReason.EnteredInError);
        _anchor(amendment, memberId);
        emit RecordSuperseded(previousContentHash, amendment.contentHash, memberId, bytes32(0));
    }

    /// @inheritdoc IRecordRegistry
    function amendBatchRecord(
        bytes32 batchRoot,
        RecordAnchor calldata previous,
        bytes32[] calldata proof,
        RecordAnchor calldata amendment
    ) external {
        uint32 memberId = _requireCustodian();
        Batch storage batch = _requireOwnBatchLeaf(batchRoot, previous, proof, memberId);
        _endBatchLeaf(batch, previous, memberId, RecordStatus.Superseded, RetractionReason.EnteredInError);
        _anchor(amendment, memberId);
        emit RecordSuperseded(previous.contentHash, amendment.contentHash, memberId, batchRoot);
    }

    /// @inheritdoc IRecordRegistry
    function retractRecord(bytes32 contentHash, uint8 reason) external {
        uint32 memberId = _requireCustodian();
        RetractionReason retractionReason = _retractionReason(reason);
        Record storage record = _storage().records[contentHash];
        if (record.status == RecordStatus.None) revert RecordRegistryUnknownRecord(contentHash);
        _end(contentHash, record, memberId, RecordStatus.Retracted, retractionReason);
        emit RecordRetracted(contentHash, memberId, msg.sender, retractionReason, bytes32(0));
    }

    /// @inheritdoc IRecordRegistry
    function retractBatchRecord(
        bytes32 batchRoot,
        RecordAnchor calldata record,
        bytes32[] calldata proof,
        uint8 reason
    ) external {
        uint32 memberId = _requireCustodian();
        RetractionReason retractionReason = _retractionReason(reason);
        Batch storage batch = _requireOwnBatchLeaf(batchRoot, record, proof, memberId);
        _endBatchLeaf(batch, record, memberId, RecordStatus.Retracted, retractionReason);
        emit RecordRetracted(record.contentHash, memberId, msg.sender, retractionReason, batchRoot);
    }

    /// @inheritdoc IRecordRegistry
    function anchorBatch(bytes32 root, uint32 leafCount, bytes32 manifestHash) external {
        uint32 memberId = _requireCustodian();
        if (root == bytes32(0)) revert RecordRegistryZeroBatchRoot();
        if (leafCount == 0 || leafCount > MAX_BATCH_LEAVES) {
            revert RecordRegistryInvalidLeafCount(leafCount, MAX_BATCH_LEAVES);
        }
        RecordRegistryStorage storage $ = _storage();
        Batch storage batch = $.batches[root];
        if (batch.anchoredAt != 0) revert RecordRegistryBatchAlreadyAnchored(root, batch.custodian);
        $.batches[root] = Batch({
            custodian: memberId,
            leafCount: leafCount,
            retracted: false,
            retractionReason: RetractionReason.EnteredInError,
            anchoredAt: uint64(block.timestamp),
            retractedAt: 0
        });
        if (manifestHash != bytes32(0)) $.manifestHashes[root] = manifestHash;
        emit BatchAnchored(root, memberId, msg.sender, leafCount, manifestHash);
    }

    /// @inheritdoc IRecordRegistry
    function retractBatch(bytes32 root, uint8 reason) external {
        uint32 memberId = _requireCustodian();
        RetractionReason retractionReason = _retractionReason(reason);
        Batch storage batch = _storage().batches[root];
        if (batch.anchoredAt == 0) revert RecordRegistryUnknownBatch(root);
        if (batch.custodian != memberId) revert RecordRegistryNotCustodian(root, batch.custodian, memberId);
        if (batch.retracted) revert RecordRegistryBatchRetracted(root);
        batch.retracted = true;
        batch.retractionReason = retractionReason;
        batch.retractedAt = uint64(block.timestamp);
        emit BatchRetracted(root, memberId, msg.sender, retractionReason);
    }

    /// @inheritdoc IRecordRegistry
    function verifyRecord(bytes32 contentHash) external view returns (RecordVerification memory verification) {
        Record memory record = _storage().records[contentHash];
        verification = RecordVerification({
            status: record.status,
            custodian: record.custodian,
            category: record.category,
            anchoredAt: record.anchoredAt,
            statusChangedAt: record.statusChangedAt,
            retractionReason: record.retractionReason,
            batchRoot: bytes32(0)
        });
    }

    /// @inheritdoc IRecordRegistry
    function verifyBatchRecord(
        bytes32 batchRoot,
        RecordAnchor calldata record,
        bytes32[] calldata proof
    ) external view returns (RecordVerification memory) {
        Batch storage batch = _requireBatchLeaf(batchRoot, record, proof);
        return _leafVerification(batchRoot, batch, record);
    }

    /// @inheritdoc IRecordRegistry
    function verifyBatchRecords(
        bytes32 batchRoot,
        RecordAnchor[] calldata records,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external view returns (RecordVerification[] memory verifications) {
        Batch storage batch = _requireBatch(batchRoot);
        uint256 count = records.length;
        if (count == 0 || count > batch.leafCount || count + proof.length != proofFlags.length + 1) {
            revert RecordRegistryInvalidMultiproofShape(batchRoot, count, proof.length, proofFlags.length);
        }
        // Each true flag merges two nodes into one and a multiproof ends at the root: it has `count - 1` of them.
        // Other flags would make MerkleProof read past the proof (a panic) or leave proof hashes unused (its own
        // error) instead of reverting with {RecordRegistryInvalidMultiproof}.
        if (_countTrue(proofFlags) != count - 1) revert RecordRegistryInvalidMultiproof(batchRoot, count);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            leaves[i] = _leaf(records[i]);
        }
        if (!MerkleProof.multiProofVerifyCalldata(proof, proofFlags, batchRoot, leaves)) {
            revert RecordRegistryInvalidMultiproof(batchRoot, count);
        }
        verifications = new RecordVerification[](count);
        for (uint256 i = 0; i < count; ++i) {
            verifications[i] = _leafVerification(batchRoot, batch, records[i]);
        }
    }

    /// @inheritdoc IRecordRegistry
    function getRecord(bytes32 contentHash) external view returns (Record memory) {
        return _storage().records[contentHash];
    }

    /// @inheritdoc IRecordRegistry
    function getBatch(bytes32 root) external view returns (Batch memory) {
        return _storage().batches[root];
    }

    /// @inheritdoc IRecordRegistry
    function getBatchManifestHash(bytes32 root) external view returns (bytes32) {
        return _storage().manifestHashes[root];
    }

    /// @inheritdoc IRecordRegistry
    function batchLeaf(RecordAnchor calldata record) external pure returns (bytes32) {
        return _leaf(record);
    }

    /// @dev Upgrades are the admin role's (a `restricted` selector with the admin's delay).
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev The caller's organisation, if the caller may anchor for it: an operator with the DataSteward duty
    /// of an active hospital or clinic.
    function _requireCustodian() private view returns (uint32 memberId) {
        MemberKind kind;
        (memberId, kind) = memberRegistry.requireDuty(msg.sender, Duty.DataSteward);
        if (!MemberKinds.isCareProvider(kind)) {
            revert RecordRegistryCustodianNotCareProvider(memberId, kind);
        }
    }

    /// @dev The one place a single record is written.
    function _anchor(RecordAnchor calldata record, uint32 memberId) private {
        bytes32 contentHash = record.contentHash;
        if (contentHash == bytes32(0)) revert RecordRegistryZeroContentHash();
        if (record.category > uint8(type(RecordCategory).max)) revert RecordRegistryUnknownCategory(record.category);
        if (record.subjectCommitment == bytes32(0)) revert RecordRegistryZeroSubjectCommitment(contentHash);
        RecordRegistryStorage storage $ = _storage();
        Record storage existing = $.records[contentHash];
        if (existing.status != RecordStatus.None) {
            revert RecordRegistryAlreadyAnchored(contentHash, existing.custodian, existing.anchoredAt);
        }
        $.records[contentHash] = Record({
            custodian: memberId,
            category: record.category,
            status: RecordStatus.Current,
            retractionReason: RetractionReason.EnteredInError,
            inBatch: false,
            anchoredAt: uint64(block.timestamp),
            statusChangedAt: 0
        });
        emit RecordAnchored(contentHash, memberId, msg.sender, record.category, record.subjectCommitment);
    }

    /// @dev Supersedes or retracts an existing entry of the caller's organisation that is still current.
    function _end(
        bytes32 contentHash,
        Record storage record,
        uint32 memberId,
        RecordStatus newStatus,
        RetractionReason reason
    ) private {
        if (record.custodian != memberId) revert RecordRegistryNotCustodian(contentHash, record.custodian, memberId);
        if (record.status != RecordStatus.Current) revert RecordRegistryRecordNotCurrent(contentHash, record.status);
        record.status = newStatus;
        record.retractionReason = reason;
        record.statusChangedAt = uint64(block.timestamp);
    }

    /// @dev Supersedes or retracts a proved leaf of `batch`: through its entry if it has one (a single anchor
    /// of the same content by the same custodian), else by writing its first entry.
    function _endBatchLeaf(
        Batch storage batch,
        RecordAnchor calldata leaf,
        uint32 memberId,
        RecordStatus newStatus,
        RetractionReason reason
    ) private {
        Record storage record = _storage().records[leaf.contentHash];
        if (record.status != RecordStatus.None) {
            _end(leaf.contentHash, record, memberId, newStatus, reason);
            return;
        }
        _storage().records[leaf.contentHash] = Record({
            custodian: memberId,
            category: leaf.category,
            status: newStatus,
            retractionReason: reason,
            inBatch: true,
            anchoredAt: batch.anchoredAt,
            statusChangedAt: uint64(block.timestamp)
        });
    }

    /// @dev Batch `root`, which must exist.
    function _requireBatch(bytes32 root) private view returns (Batch storage batch) {
        batch = _storage().batches[root];
        if (batch.anchoredAt == 0) revert RecordRegistryUnknownBatch(root);
    }

    /// @dev Batch `root` after checking that `proof` places `record` in it.
    function _requireBatchLeaf(
        bytes32 root,
        RecordAnchor calldata record,
        bytes32[] calldata proof
    ) private view returns (Batch storage batch) {
        batch = _requireBatch(root);
        uint256 leafCount = batch.leafCount;
        // OpenZeppelin's standard tree is complete: leaves sit at depth floor(log2 n) or ceil(log2 n).
        uint256 minLength = Math.log2(leafCount);
        uint256 maxLength = Math.log2(leafCount, Math.Rounding.Ceil);
        if (proof.length < minLength || proof.length > maxLength) {
            revert RecordRegistryProofLengthMismatch(root, proof.length, minLength, maxLength);
        }
        bytes32 leaf = _leaf(record);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert RecordRegistryInvalidProof(root, leaf);
    }

    /// @dev As {_requireBatchLeaf}, for a change by the caller's organisation: its own batch, not retracted.
    function _requireOwnBatchLeaf(
        bytes32 root,
        RecordAnchor calldata record,
        bytes32[] calldata proof,
        uint32 memberId
    ) private view returns (Batch storage batch) {
        batch = _requireBatchLeaf(root, record, proof);
        if (batch.custodian != memberId) revert RecordRegistryNotCustodian(root, batch.custodian, memberId);
        if (batch.retracted) revert RecordRegistryBatchRetracted(root);
    }

    /// @dev Where a proved leaf of `batch` stands: the batch's retraction wins, then the leaf's own entry.
    function _leafVerification(
        bytes32 root,
        Batch storage batch,
        RecordAnchor calldata leaf
    ) private view returns (RecordVerification memory verification) {
        verification = RecordVerification({
            status: RecordStatus.Current,
            custodian: batch.custodian,
            category: leaf.category,
            anchoredAt: batch.anchoredAt,
            statusChangedAt: 0,
            retractionReason: RetractionReason.EnteredInError,
            batchRoot: root
        });
        if (batch.retracted) {
            verification.status = RecordStatus.Retracted;
            verification.statusChangedAt = batch.retractedAt;
            verification.retractionReason = batch.retractionReason;
            return verification;
        }
        Record storage record = _storage().records[leaf.contentHash];
        if (record.custodian == batch.custodian && record.status > RecordStatus.Current) {
            verification.status = record.status;
            verification.statusChangedAt = record.statusChangedAt;
            verification.retractionReason = record.retractionReason;
        }
    }

    /// @dev OpenZeppelin's standard Merkle leaf of `(bytes32 contentHash, uint8 category, bytes32 subjectCommitment)`.
    function _leaf(RecordAnchor calldata record) private pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(keccak256(abi.encode(record.contentHash, record.category, record.subjectCommitment)))
            );
    }

    /// @dev How many of `flags` are true.
    /// Plain calldata words, any non-zero word counted as true: MerkleProof's own reads refuse non-boolean words.
    function _countTrue(bool[] calldata flags) private pure returns (uint256 count) {
        assembly ("memory-safe") {
            let end := add(flags.offset, shl(5, flags.length))
            for {
                let position := flags.offset
            } lt(position, end) {
                position := add(position, 0x20)
            } {
                count := add(count, iszero(iszero(calldataload(position))))
            }
        }
    }

    /// @dev `reason` as a {RetractionReason}, or a revert naming it.
    function _retractionReason(uint8 reason) private pure returns (RetractionReason) {
        if (reason > uint8(type(RetractionReason).max)) revert RecordRegistryUnknownRetractionReason(reason);
        return RetractionReason(reason);
    }

    function _storage() private pure returns (RecordRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
