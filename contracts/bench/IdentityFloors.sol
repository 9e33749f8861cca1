// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IdentityFloors
/// @notice Benchmark floors: the storage writes and events of each governance and identity operation, with no
/// access control, no validation and no cross-contract calls. `scripts/bench-gas.ts` reports medchain's gas
/// as a ratio of these. Never deployed outside benchmarks.
contract IdentityFloors {
    struct Member {
        uint8 kind;
        uint8 status;
        uint64 joinedAt;
        uint64 statusChangedAt;
        bytes32 metadataHash;
    }

    struct Patient {
        address account;
        uint8 status;
        uint8 reason;
        uint32 registeredBy;
        uint48 registeredAt;
    }

    struct Pending {
        address newAccount;
        uint64 executableAt;
        uint32 initiatedBy;
        address initiator;
    }

    uint32 internal memberCount;
    uint64 internal patientCount;
    mapping(uint32 memberId => Member) internal members;
    mapping(address account => uint256 packedOperator) internal operators;
    mapping(uint64 patientId => Patient) internal patients;
    mapping(address account => uint64 patientId) internal patientIdOf;
    mapping(bytes32 commitment => uint64 patientId) internal patientIdByCommitment;
    mapping(uint64 patientId => Pending) internal recoveries;
    mapping(uint64 patientId => mapping(address delegate => uint256 packedDelegation)) internal delegations;

    /// @notice Same shape as the real event.
    event MemberAdded(uint32 indexed memberId, uint8 indexed kind, bytes32 metadataHash);
    /// @notice Same shape as the real event.
    event MemberStatusChanged(uint32 indexed memberId, uint8 previousStatus, uint8 newStatus, uint16 reasonCode);
    /// @notice Same shape as the real event.
    event OperatorAdded(address indexed operator, uint32 indexed memberId, uint16 duties, address indexed addedBy);
    /// @notice Same shape as the real event.
    event PatientRegistered(uint64 indexed patientId, address indexed account, bytes32 indexed commitment, uint32 by);
    /// @notice Same shape as the real event.
    event PatientAccountChanged(uint64 indexed patientId, address indexed previous, address indexed next, uint8 kind);
    /// @notice Same shape as the real event.
    event RecoveryInitiated(uint64 indexed patientId, address indexed newAccount, uint32 indexed by, uint64 at);
    /// @notice Same shape as the real event.
    event DelegateAppointed(uint64 indexed patientId, address indexed delegate, uint16 scope, uint64 until, uint32 by);

    /// @notice Floor of `addMember`.
    function addMember(uint8 kind, bytes32 metadataHash) external {
        uint32 memberId = ++memberCount;
        members[memberId] = Member(kind, 1, uint64(block.timestamp), uint64(block.timestamp), metadataHash);
        emit MemberAdded(memberId, kind, metadataHash);
    }

    /// @notice Floor of `suspendMember`.
    function suspendMember(uint32 memberId, uint16 reasonCode) external {
        Member storage member = members[memberId];
        member.status = 2;
        member.statusChangedAt = uint64(block.timestamp);
        emit MemberStatusChanged(memberId, 1, 2, reasonCode);
    }

    /// @notice Floor of `addOperator`.
    function addOperator(address operator, uint32 memberId, uint16 duties) external {
        operators[operator] = uint256(memberId) | (uint256(duties) << 32) | (block.timestamp << 48);
        emit OperatorAdded(operator, memberId, duties, msg.sender);
    }

    /// @notice Floor of `registerPatient`.
    function registerPatient(address account, bytes32 commitment) external {
        uint64 patientId = ++patientCount;
        patients[patientId] = Patient(account, 1, 0, 1, uint48(block.timestamp));
        patientIdOf[account] = patientId;
        patientIdByCommitment[commitment] = patientId;
        emit PatientRegistered(patientId, account, commitment, 1);
    }

    /// @notice Floor of `rotateAccount`.
    function rotateAccount(address newAccount) external {
        uint64 patientId = patientIdOf[msg.sender];
        delete patientIdOf[msg.sender];
        patientIdOf[newAccount] = patientId;
        patients[patientId].account = newAccount;
        emit PatientAccountChanged(patientId, msg.sender, newAccount, 0);
    }

    /// @notice Floor of `initiateRecovery`.
    function initiateRecovery(uint64 patientId, address newAccount) external {
        uint64 executableAt = uint64(block.timestamp) + 3 days;
        recoveries[patientId] = Pending(newAccount, executableAt, 1, msg.sender);
        emit RecoveryInitiated(patientId, newAccount, 1, executableAt);
    }

    /// @notice Floor of `executeRecovery`.
    function executeRecovery(uint64 patientId) external {
        address newAccount = recoveries[patientId].newAccount;
        delete recoveries[patientId];
        address previous = patients[patientId].account;
        delete patientIdOf[previous];
        patientIdOf[newAccount] = patientId;
        patients[patientId].account = newAccount;
        emit PatientAccountChanged(patientId, previous, newAccount, 1);
    }

    /// @notice Floor of `appointDelegate`.
    function appointDelegate(uint64 patientId, address delegate, uint16 scope, uint64 expiresAt) external {
        delegations[patientId][delegate] = uint256(scope) | (uint256(expiresAt) << 16);
        emit DelegateAppointed(patientId, delegate, scope, expiresAt, 0);
    }
}
