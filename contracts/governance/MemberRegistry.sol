// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {Duties, Duty, MemberKind, MemberStatus} from "../types/MemberCodes.sol";

/// @title MemberRegistry
/// @notice The consortium's member organisations and the operator accounts acting for them.
/// @dev Deployed behind a UUPS proxy; upgrades are restricted by the consortium authority (admin role, with
/// its execution delay). State lives in ERC-7201 namespaced storage.
/// @custom:security-contact security@medchain.example
contract MemberRegistry is IMemberRegistry, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.MemberRegistry
    struct MemberRegistryStorage {
        uint32 memberCount;
        mapping(uint32 memberId => Member) members;
        mapping(address account => Operator) operators;
    }

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.MemberRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xfb659d694f291357da6ced429f94752f1b0128063f79371f5a8d7346e1d37300;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the consortium authority (the `AccessManager`) of this proxy. Callable once.
    /// @param initialAuthority the consortium's `AccessManager`.
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IMemberRegistry
    function addMember(MemberKind kind, bytes32 metadataHash) external restricted returns (uint32 memberId) {
        MemberRegistryStorage storage $ = _storage();
        memberId = ++$.memberCount;
        uint64 now64 = uint64(block.timestamp);
        $.members[memberId] = Member({
            kind: kind,
            status: MemberStatus.Active,
            joinedAt: now64,
            statusChangedAt: now64,
            metadataHash: metadataHash
        });
        emit MemberAdded(memberId, kind, metadataHash);
    }

    /// @inheritdoc IMemberRegistry
    function updateMemberMetadata(uint32 memberId, bytes32 metadataHash) external restricted {
        Member storage member = _existingMember(memberId);
        if (member.status == MemberStatus.Removed) {
            revert MemberRegistryInvalidStatusTransition(memberId, MemberStatus.Removed);
        }
        member.metadataHash = metadataHash;
        emit MemberMetadataUpdated(memberId, metadataHash);
    }

    /// @inheritdoc IMemberRegistry
    function suspendMember(uint32 memberId, uint16 reasonCode) external restricted {
        _setStatus(memberId, MemberStatus.Active, MemberStatus.Suspended, reasonCode);
    }

    /// @inheritdoc IMemberRegistry
    function reinstateMember(uint32 memberId) external restricted {
        _setStatus(memberId, MemberStatus.Suspended, MemberStatus.Active, 0);
    }

    /// @inheritdoc IMemberRegistry
    function removeMember(uint32 memberId, uint16 reasonCode) external restricted {
        MemberStatus current = _existingMember(memberId).status;
        if (current == MemberStatus.Removed) revert MemberRegistryInvalidStatusTransition(memberId, current);
        _setStatus(memberId, current, MemberStatus.Removed, reasonCode);
    }

    /// @inheritdoc IMemberRegistry
    function addOperator(address operator, uint32 memberId, uint16 duties) external {
        _authorizeOperatorManagement(memberId);
        if (operator == address(0)) revert MemberRegistryInvalidOperator(operator);
        if (!Duties.isValid(duties)) revert MemberRegistryInvalidDuties(duties);
        MemberStatus status = _existingMember(memberId).status;
        if (status != MemberStatus.Active) revert MemberRegistryMemberNotActive(memberId, status);

        MemberRegistryStorage storage $ = _storage();
        uint32 currentMemberId = $.operators[operator].memberId;
        if (currentMemberId != 0) revert MemberRegistryOperatorAlreadyRegistered(operator, currentMemberId);

        $.operators[operator] = Operator({memberId: memberId, duties: duties, addedAt: uint64(block.timestamp)});
        emit OperatorAdded(operator, memberId, duties, msg.sender);
    }

    /// @inheritdoc IMemberRegistry
    function removeOperator(address operator) external {
        MemberRegistryStorage storage $ = _storage();
        uint32 memberId = $.operators[operator].memberId;
        if (memberId == 0) revert MemberRegistryUnknownOperator(operator);
        _authorizeOperatorManagement(memberId);

        delete $.operators[operator];
        emit OperatorRemoved(operator, memberId, msg.sender);
    }

    /// @inheritdoc IMemberRegistry
    function requireDuty(address operator, Duty duty) external view returns (uint32 memberId, MemberKind kind) {
        uint16 duties;
        (memberId, kind, duties) = _requireActiveOperator(operator);
        if (!Duties.has(duties, duty)) revert MemberRegistryMissingDuty(operator, memberId, duty);
    }

    /// @inheritdoc IMemberRegistry
    function requireActiveOperator(
        address operator
    ) external view returns (uint32 memberId, MemberKind kind, uint16 duties) {
        return _requireActiveOperator(operator);
    }

    /// @inheritdoc IMemberRegistry
    function hasDuty(address operator, Duty duty) external view returns (bool) {
        return _hasDuty(operator, duty);
    }

    /// @inheritdoc IMemberRegistry
    function getMember(uint32 memberId) external view returns (Member memory) {
        return _storage().members[memberId];
    }

    /// @inheritdoc IMemberRegistry
    function getOperator(address account) external view returns (Operator memory) {
        return _storage().operators[account];
    }

    /// @inheritdoc IMemberRegistry
    function isActiveMember(uint32 memberId) external view returns (bool) {
        return _storage().members[memberId].status == MemberStatus.Active;
    }

    /// @inheritdoc IMemberRegistry
    function memberCount() external view returns (uint32) {
        return _storage().memberCount;
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev The one place a member's status changes; every caller states the status it expects to leave.
    function _setStatus(uint32 memberId, MemberStatus expected, MemberStatus newStatus, uint16 reasonCode) private {
        Member storage member = _existingMember(memberId);
        MemberStatus current = member.status;
        if (current != expected) revert MemberRegistryInvalidStatusTransition(memberId, current);
        member.status = newStatus;
        member.statusChangedAt = uint64(block.timestamp);
        emit MemberStatusChanged(memberId, current, newStatus, reasonCode);
    }

    /// @dev An `OrgAdmin` of active organisation `memberId` manages its own operators; anyone else must be
    /// allowed by the consortium authority for the selector being called (reverts `AccessManagedUnauthorized`
    /// or, for a delayed role, consumes the scheduled operation).
    function _authorizeOperatorManagement(uint32 memberId) private {
        MemberRegistryStorage storage $ = _storage();
        if ($.operators[msg.sender].memberId == memberId && _hasDuty(msg.sender, Duty.OrgAdmin)) return;
        _checkCanCall(msg.sender, msg.data);
    }

    function _requireActiveOperator(
        address operator
    ) private view returns (uint32 memberId, MemberKind kind, uint16 duties) {
        MemberRegistryStorage storage $ = _storage();
        Operator storage entry = $.operators[operator];
        memberId = entry.memberId;
        if (memberId == 0) revert MemberRegistryUnknownOperator(operator);
        Member storage member = $.members[memberId];
        if (member.status != MemberStatus.Active) revert MemberRegistryMemberNotActive(memberId, member.status);
        return (memberId, member.kind, entry.duties);
    }

    function _hasDuty(address operator, Duty duty) private view returns (bool) {
        MemberRegistryStorage storage $ = _storage();
        Operator storage entry = $.operators[operator];
        return
            entry.memberId != 0 &&
            $.members[entry.memberId].status == MemberStatus.Active &&
            Duties.has(entry.duties, duty);
    }

    function _existingMember(uint32 memberId) private view returns (Member storage member) {
        member = _storage().members[memberId];
        if (member.status == MemberStatus.None) revert MemberRegistryUnknownMember(memberId);
    }

    function _storage() private pure returns (MemberRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
