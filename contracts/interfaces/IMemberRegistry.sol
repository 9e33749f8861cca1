// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Duty, MemberKind, MemberStatus} from "../types/MemberCodes.sol";

/// @title IMemberRegistry
/// @notice The consortium's member organisations (hospitals, clinics, insurers, research institutes,
/// regulators) and the operator accounts that act for them, each with a set of duties.
/// @dev Every domain contract asks one question of this registry, {requireDuty}: "which active organisation
/// does this caller act for, in which duty?". Suspending an organisation or removing an operator therefore
/// takes every power away at once, in every contract, with no per-contract bookkeeping.
interface IMemberRegistry {
    /// @notice A member organisation. Nothing identifying is stored: the organisation's public profile
    /// (name, licence number, endpoints) lives off chain and is pinned by `metadataHash`.
    struct Member {
        MemberKind kind;
        MemberStatus status;
        uint64 joinedAt;
        uint64 statusChangedAt;
        bytes32 metadataHash;
    }

    /// @notice An operator account acting for organisation `memberId` with the duties in bitmask `duties`.
    /// @dev `memberId == 0` means the account is not an operator.
    struct Operator {
        uint32 memberId;
        uint16 duties;
        uint64 addedAt;
    }

    /// @notice Emitted when organisation `memberId` joins the consortium.
    event MemberAdded(uint32 indexed memberId, MemberKind indexed kind, bytes32 metadataHash);

    /// @notice Emitted when organisation `memberId` publishes a new off-chain profile.
    event MemberMetadataUpdated(uint32 indexed memberId, bytes32 metadataHash);

    /// @notice Emitted on every status change of organisation `memberId` (suspension, reinstatement, removal).
    /// @param reasonCode consortium reason code (see docs/codes.md); 0 for reinstatement.
    event MemberStatusChanged(
        uint32 indexed memberId,
        MemberStatus previousStatus,
        MemberStatus newStatus,
        uint16 reasonCode
    );

    /// @notice Emitted when `operator` starts acting for organisation `memberId` with `duties`.
    event OperatorAdded(address indexed operator, uint32 indexed memberId, uint16 duties, address indexed addedBy);

    /// @notice Emitted when `operator` stops acting for organisation `memberId`.
    event OperatorRemoved(address indexed operator, uint32 indexed memberId, address indexed removedBy);

    /// @notice No organisation has id `memberId`.
    error MemberRegistryUnknownMember(uint32 memberId);

    /// @notice Organisation `memberId` is `status`, and the operation needs another status.
    error MemberRegistryInvalidStatusTransition(uint32 memberId, MemberStatus status);

    /// @notice Organisation `memberId` is `status`, not active: its operators have no power.
    error MemberRegistryMemberNotActive(uint32 memberId, MemberStatus status);

    /// @notice `account` cannot be an operator (the zero address).
    error MemberRegistryInvalidOperator(address account);

    /// @notice `operator` already acts for organisation `memberId`; remove it first.
    error MemberRegistryOperatorAlreadyRegistered(address operator, uint32 memberId);

    /// @notice `account` is not an operator of any organisation.
    error MemberRegistryUnknownOperator(address account);

    /// @notice `duties` is empty or holds bits that name no {Duty}.
    error MemberRegistryInvalidDuties(uint16 duties);

    /// @notice `operator` acts for organisation `memberId` but does not hold `duty`.
    error MemberRegistryMissingDuty(address operator, uint32 memberId, Duty duty);

    /// @notice Admits a new member organisation, active at once.
    /// @dev Restricted by the consortium authority (membership council). Emits {MemberAdded}.
    /// @param kind what kind of organisation it is.
    /// @param metadataHash keccak256 of the organisation's off-chain profile document.
    /// @return memberId the new organisation's id (ids start at 1).
    function addMember(MemberKind kind, bytes32 metadataHash) external returns (uint32 memberId);

    /// @notice Pins a new off-chain profile for organisation `memberId` (not removed).
    /// @dev Restricted (membership council). Emits {MemberMetadataUpdated}.
    function updateMemberMetadata(uint32 memberId, bytes32 metadataHash) external;

    /// @notice Suspends active organisation `memberId`: its operators lose every power at once.
    /// @dev Restricted (guardian, no delay: this is the emergency brake). Emits {MemberStatusChanged}.
    function suspendMember(uint32 memberId, uint16 reasonCode) external;

    /// @notice Reinstates suspended organisation `memberId`; its operators regain their duties.
    /// @dev Restricted (membership council). Emits {MemberStatusChanged}.
    function reinstateMember(uint32 memberId) external;

    /// @notice Removes organisation `memberId` for good (active or suspended).
    /// @dev Restricted (membership council). Its operator entries stay until removed, powerless.
    /// Emits {MemberStatusChanged}.
    function removeMember(uint32 memberId, uint16 reasonCode) external;

    /// @notice Makes `operator` act for active organisation `memberId` with `duties` (a {Duty} bitmask).
    /// @dev Callable by an `OrgAdmin` operator of `memberId` itself, or through the consortium authority
    /// (membership council), which is how an organisation gets its first administrator. Emits {OperatorAdded}.
    function addOperator(address operator, uint32 memberId, uint16 duties) external;

    /// @notice Stops `operator` acting for its organisation, at once and everywhere.
    /// @dev Callable by an `OrgAdmin` operator of the same (active) organisation, or through the consortium
    /// authority (guardian, no delay: a stolen key must be stopped now). Emits {OperatorRemoved}.
    function removeOperator(address operator) external;

    /// @notice The organisation that `operator` acts for, if it is active and `operator` holds `duty`.
    /// @dev The single question domain contracts ask. Reverts with {MemberRegistryUnknownOperator},
    /// {MemberRegistryMemberNotActive} or {MemberRegistryMissingDuty}.
    /// @return memberId the organisation `operator` acts for.
    /// @return kind that organisation's kind, so callers can check it (e.g. only hospitals register patients).
    function requireDuty(address operator, Duty duty) external view returns (uint32 memberId, MemberKind kind);

    /// @notice The organisation that `operator` acts for, if it is active, whatever the operator's duties.
    /// @dev For actions any operator may take for its organisation (recording an access, relaying). Reverts
    /// with {MemberRegistryUnknownOperator} or {MemberRegistryMemberNotActive}.
    /// @return memberId the organisation `operator` acts for.
    /// @return kind that organisation's kind.
    /// @return duties the operator's duty bitmask.
    function requireActiveOperator(
        address operator
    ) external view returns (uint32 memberId, MemberKind kind, uint16 duties);

    /// @notice Whether `operator` currently acts for an active organisation with `duty` (never reverts).
    function hasDuty(address operator, Duty duty) external view returns (bool);

    /// @notice Organisation `memberId` (all fields zero and status `None` if unknown).
    function getMember(uint32 memberId) external view returns (Member memory);

    /// @notice Operator entry of `account` (memberId 0 if it is not an operator).
    function getOperator(address account) external view returns (Operator memory);

    /// @notice Whether organisation `memberId` exists and is active.
    function isActiveMember(uint32 memberId) external view returns (bool);

    /// @notice How many organisations were ever admitted; ids run from 1 to this number.
    function memberCount() external view returns (uint32);
}
