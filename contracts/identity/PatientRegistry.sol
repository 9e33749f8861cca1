// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../interfaces/IPatientRegistry.sol";
import {Duties, Duty, MemberKind, MemberKinds, MemberStatus} from "../types/MemberCodes.sol";
import {AccountChangeKind, DeactivationReason, DelegateScopes, PatientStatus} from "../types/PatientCodes.sol";

/// @title PatientRegistry
/// @notice Patients registered by hospital and clinic registrars: stable ids, current accounts, salted
/// identity commitments, key rotation, delayed recovery, delegates and deactivation.
/// @dev Deployed behind a UUPS proxy; upgrades and `setRecoveryDelay` are admin-role selectors of the
/// consortium authority. State lives in ERC-7201 namespaced storage. Every check is O(1).
/// @custom:security-contact security@medchain.example
contract PatientRegistry is IPatientRegistry, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.PatientRegistry
    struct PatientRegistryStorage {
        uint64 patientCount;
        uint64 recoveryDelay;
        mapping(uint64 patientId => Patient) patients;
        mapping(address account => uint64 patientId) patientIdOf;
        mapping(bytes32 identityCommitment => uint64 patientId) patientIdByCommitment;
        mapping(uint64 patientId => Recovery) recoveries;
        mapping(uint64 patientId => mapping(address delegate => Delegation)) delegations;
    }

    /// @notice Shortest recovery delay governance may set: long enough for a patient to notice and cancel.
    uint64 public constant MIN_RECOVERY_DELAY = 1 hours;
    /// @notice Longest recovery delay governance may set: a patient locked out must get back in.
    uint64 public constant MAX_RECOVERY_DELAY = 30 days;

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.PatientRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x97b936a3e687a40362a2a27ab776a60ce311ac93f6d87ca9d96ed4c0f339de00;

    /// @notice The consortium's member registry, asked who acts for which organisation in which duty.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMemberRegistry public immutable memberRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IMemberRegistry memberRegistry_) {
        memberRegistry = memberRegistry_;
        _disableInitializers();
    }

    /// @notice Sets the consortium authority and the initial recovery delay of this proxy. Callable once.
    /// @param initialAuthority the consortium's `AccessManager`.
    /// @param initialRecoveryDelay seconds a registrar's recovery waits (within the MIN/MAX bounds).
    function initialize(address initialAuthority, uint64 initialRecoveryDelay) external initializer {
        __AccessManaged_init(initialAuthority);
        _setRecoveryDelay(initialRecoveryDelay);
    }

    /// @inheritdoc IPatientRegistry
    function registerPatient(address account, bytes32 identityCommitment) external returns (uint64 patientId) {
        uint32 registrarMemberId = _requireRegistrar();
        if (identityCommitment == bytes32(0)) revert PatientRegistryZeroCommitment();
        PatientRegistryStorage storage $ = _storage();
        uint64 existing = $.patientIdByCommitment[identityCommitment];
        if (existing != 0) revert PatientRegistryCommitmentAlreadyRegistered(identityCommitment, existing);
        _requireUnusedAccount(account);

        patientId = ++$.patientCount;
        $.patients[patientId] = Patient({
            account: account,
            status: PatientStatus.Active,
            deactivationReason: DeactivationReason.Deceased, // zero value; read only once Deactivated
            registeredBy: registrarMemberId,
            registeredAt: uint48(block.timestamp)
        });
        $.patientIdOf[account] = patientId;
        $.patientIdByCommitment[identityCommitment] = patientId;
        emit PatientRegistered(patientId, account, identityCommitment, registrarMemberId);
    }

    /// @inheritdoc IPatientRegistry
    function rotateAccount(address newAccount) external {
        uint64 patientId = _storage().patientIdOf[msg.sender];
        if (patientId == 0) revert PatientRegistryUnknownAccount(msg.sender);
        _requireActivePatient(patientId);
        _cancelPendingRecovery(patientId);
        _setAccount(patientId, newAccount, AccountChangeKind.Rotation);
    }

    /// @inheritdoc IPatientRegistry
    function initiateRecovery(uint64 patientId, address newAccount) external returns (uint64 executableAt) {
        uint32 registrarMemberId = _requireRegistrar();
        _requireActivePatient(patientId);
        _requireUnusedAccount(newAccount);
        _cancelPendingRecovery(patientId);

        PatientRegistryStorage storage $ = _storage();
        executableAt = uint64(block.timestamp) + $.recoveryDelay;
        $.recoveries[patientId] = Recovery({
            newAccount: newAccount,
            executableAt: executableAt,
            initiatedBy: registrarMemberId,
            initiator: msg.sender,
            initiatedAt: uint64(block.timestamp)
        });
        emit RecoveryInitiated(patientId, newAccount, registrarMemberId, executableAt);
    }

    /// @inheritdoc IPatientRegistry
    function cancelRecovery(uint64 patientId) external {
        Patient storage patient = _requireActivePatient(patientId);
        if (msg.sender != patient.account) revert PatientRegistryUnauthorizedCaller(patientId, msg.sender);
        if (!_cancelPendingRecovery(patientId)) revert PatientRegistryNoPendingRecovery(patientId);
    }

    /// @inheritdoc IPatientRegistry
    function executeRecovery(uint64 patientId) external {
        _requireActivePatient(patientId);
        PatientRegistryStorage storage $ = _storage();
        Recovery memory recovery = $.recoveries[patientId];
        if (recovery.newAccount == address(0)) revert PatientRegistryNoPendingRecovery(patientId);
        if (block.timestamp < recovery.executableAt) {
            revert PatientRegistryRecoveryNotReady(patientId, recovery.executableAt);
        }
        if (!_keptRegistrarPowerSince(recovery.initiator, recovery.initiatedBy, recovery.initiatedAt)) {
            revert PatientRegistryRecoveryInitiatorRevoked(patientId, recovery.initiator);
        }
        delete $.recoveries[patientId];
        _setAccount(patientId, recovery.newAccount, AccountChangeKind.Recovery);
    }

    /// @inheritdoc IPatientRegistry
    function appointDelegate(uint64 patientId, address delegate, uint16 scope, uint64 expiresAt) external {
        Patient storage patient = _requireActivePatient(patientId);
        uint32 appointedBy = _requirePatientOrRegistrar(patientId, patient.account);
        if (delegate == address(0) || delegate == patient.account) {
            revert PatientRegistryInvalidDelegate(patientId, delegate);
        }
        if (!DelegateScopes.isValid(scope)) revert PatientRegistryInvalidDelegateScope(scope);
        if (expiresAt <= block.timestamp)
            revert PatientRegistryDelegateExpiryInPast(expiresAt, uint64(block.timestamp));

        PatientRegistryStorage storage $ = _storage();
        // A registrar's appointment waits out the recovery delay; the patient's own applies at once.
        uint64 validFrom = uint64(block.timestamp) + (appointedBy == 0 ? 0 : $.recoveryDelay);
        $.delegations[patientId][delegate] = Delegation({
            scope: scope,
            expiresAt: expiresAt,
            appointedBy: appointedBy,
            validFrom: validFrom
        });
        emit DelegateAppointed(patientId, delegate, scope, expiresAt, appointedBy, validFrom);
    }

    /// @inheritdoc IPatientRegistry
    function revokeDelegate(uint64 patientId, address delegate) external {
        Patient storage patient = _requireActivePatient(patientId);
        _requirePatientOrRegistrar(patientId, patient.account);
        PatientRegistryStorage storage $ = _storage();
        if ($.delegations[patientId][delegate].scope == 0) revert PatientRegistryUnknownDelegate(patientId, delegate);
        delete $.delegations[patientId][delegate];
        emit DelegateRevoked(patientId, delegate, msg.sender);
    }

    /// @inheritdoc IPatientRegistry
    function deactivatePatient(uint64 patientId, DeactivationReason reason) external {
        uint32 registrarMemberId = _requireRegistrar();
        Patient storage patient = _requireActivePatient(patientId);
        _cancelPendingRecovery(patientId);
        patient.status = PatientStatus.Deactivated;
        patient.deactivationReason = reason;
        emit PatientDeactivated(patientId, reason, registrarMemberId);
    }

    /// @inheritdoc IPatientRegistry
    function setRecoveryDelay(uint64 newDelay) external restricted {
        _setRecoveryDelay(newDelay);
    }

    /// @inheritdoc IPatientRegistry
    function getPatient(uint64 patientId) external view returns (Patient memory) {
        return _storage().patients[patientId];
    }

    /// @inheritdoc IPatientRegistry
    function patientIdOf(address account) external view returns (uint64) {
        return _storage().patientIdOf[account];
    }

    /// @inheritdoc IPatientRegistry
    function patientIdByCommitment(bytes32 identityCommitment) external view returns (uint64) {
        return _storage().patientIdByCommitment[identityCommitment];
    }

    /// @inheritdoc IPatientRegistry
    function getRecovery(uint64 patientId) external view returns (Recovery memory) {
        return _storage().recoveries[patientId];
    }

    /// @inheritdoc IPatientRegistry
    function getDelegation(uint64 patientId, address delegate) external view returns (Delegation memory) {
        return _storage().delegations[patientId][delegate];
    }

    /// @inheritdoc IPatientRegistry
    function canActFor(uint64 patientId, address account, uint16 scope) external view returns (bool) {
        PatientRegistryStorage storage $ = _storage();
        Patient storage patient = $.patients[patientId];
        if (patient.status != PatientStatus.Active || account == address(0) || !DelegateScopes.isValid(scope)) {
            return false;
        }
        if (account == patient.account) return true;
        Delegation storage delegation = $.delegations[patientId][account];
        return
            delegation.scope & scope == scope &&
            delegation.validFrom <= block.timestamp &&
            block.timestamp < delegation.expiresAt;
    }

    /// @inheritdoc IPatientRegistry
    function isActivePatient(uint64 patientId) external view returns (bool) {
        return _storage().patients[patientId].status == PatientStatus.Active;
    }

    /// @inheritdoc IPatientRegistry
    function recoveryDelay() external view returns (uint64) {
        return _storage().recoveryDelay;
    }

    /// @inheritdoc IPatientRegistry
    function patientCount() external view returns (uint64) {
        return _storage().patientCount;
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev The one place a patient's account changes (rotation and recovery share it).
    function _setAccount(uint64 patientId, address newAccount, AccountChangeKind changeKind) private {
        _requireUnusedAccount(newAccount);
        PatientRegistryStorage storage $ = _storage();
        Patient storage patient = $.patients[patientId];
        address previousAccount = patient.account;
        delete $.patientIdOf[previousAccount];
        $.patientIdOf[newAccount] = patientId;
        patient.account = newAccount;
        emit PatientAccountChanged(patientId, previousAccount, newAccount, changeKind);
        // A delegate mandate for the new account would let it act twice over; it is now the patient itself.
        if ($.delegations[patientId][newAccount].scope != 0) {
            delete $.delegations[patientId][newAccount];
            emit DelegateRevoked(patientId, newAccount, msg.sender);
        }
    }

    /// @dev Whether `operator` has acted as a registrar for active organisation `memberId` without a break
    /// since `since`: same organisation, Registrar duty, key not re-added and organisation status not changed
    /// (suspended, reinstated) after `since`.
    function _keptRegistrarPowerSince(address operator, uint32 memberId, uint64 since) private view returns (bool) {
        IMemberRegistry.Operator memory entry = memberRegistry.getOperator(operator);
        if (entry.memberId != memberId || !Duties.has(entry.duties, Duty.Registrar) || entry.addedAt > since) {
            return false;
        }
        IMemberRegistry.Member memory member = memberRegistry.getMember(memberId);
        return member.status == MemberStatus.Active && member.statusChangedAt <= since;
    }

    /// @dev Deletes a pending recovery, if any, and says whether there was one.
    function _cancelPendingRecovery(uint64 patientId) private returns (bool cancelled) {
        PatientRegistryStorage storage $ = _storage();
        address pendingAccount = $.recoveries[patientId].newAccount;
        if (pendingAccount == address(0)) return false;
        delete $.recoveries[patientId];
        emit RecoveryCancelled(patientId, pendingAccount, msg.sender);
        return true;
    }

    function _setRecoveryDelay(uint64 newDelay) private {
        if (newDelay < MIN_RECOVERY_DELAY || newDelay > MAX_RECOVERY_DELAY) {
            revert PatientRegistryRecoveryDelayOutOfRange(newDelay, MIN_RECOVERY_DELAY, MAX_RECOVERY_DELAY);
        }
        PatientRegistryStorage storage $ = _storage();
        emit RecoveryDelayChanged($.recoveryDelay, newDelay);
        $.recoveryDelay = newDelay;
    }

    /// @dev The caller must be a `Registrar` of an active hospital or clinic; returns its organisation.
    function _requireRegistrar() private view returns (uint32 memberId) {
        MemberKind kind;
        (memberId, kind) = memberRegistry.requireDuty(msg.sender, Duty.Registrar);
        if (!MemberKinds.isCareProvider(kind)) {
            revert PatientRegistryRegistrarNotCareProvider(memberId, kind);
        }
    }

    /// @dev The caller is the patient (returns 0) or a registrar (returns its organisation). An account that
    /// is neither gets {PatientRegistryUnauthorizedCaller}; an operator without the duty, or of a suspended
    /// organisation, gets the member registry's precise error.
    function _requirePatientOrRegistrar(uint64 patientId, address patientAccount) private view returns (uint32) {
        if (msg.sender == patientAccount) return 0;
        if (memberRegistry.getOperator(msg.sender).memberId == 0) {
            revert PatientRegistryUnauthorizedCaller(patientId, msg.sender);
        }
        return _requireRegistrar();
    }

    function _requireActivePatient(uint64 patientId) private view returns (Patient storage patient) {
        patient = _storage().patients[patientId];
        if (patient.status == PatientStatus.None) revert PatientRegistryUnknownPatient(patientId);
        if (patient.status == PatientStatus.Deactivated) revert PatientRegistryPatientDeactivated(patientId);
    }

    function _requireUnusedAccount(address account) private view {
        if (account == address(0)) revert PatientRegistryInvalidAccount(account);
        uint64 holder = _storage().patientIdOf[account];
        if (holder != 0) revert PatientRegistryAccountInUse(account, holder);
    }

    function _storage() private pure returns (PatientRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
