// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MemberKind} from "../types/MemberCodes.sol";
import {AccountChangeKind, DeactivationReason, PatientStatus} from "../types/PatientCodes.sol";

/// @title IPatientRegistry
/// @notice Patients known to the consortium by a stable `patientId`, a current account and a salted
/// identity commitment; key rotation, delayed recovery, delegates and deactivation.
/// @dev Nothing identifying is stored: the identity commitment is a keccak256 over the consortium's secret
/// pepper and the normalised identity-document number (see docs/identity.md), so chain readers cannot test
/// guesses of an ID number, while every registrar derives the same commitment for the same person and a
/// second registration is refused. Grants, records and claims refer to `patientId`, never to an account, so
/// rotation and recovery keep them working.
interface IPatientRegistry {
    /// @notice A registered patient.
    /// @dev Packed in one slot: 20 + 1 + 1 + 4 + 6 bytes.
    struct Patient {
        address account;
        PatientStatus status;
        DeactivationReason deactivationReason; // meaningful only when status is Deactivated
        uint32 registeredBy; // memberId of the registering hospital or clinic
        uint48 registeredAt;
    }

    /// @notice A pending key recovery: `newAccount` becomes the patient's account from `executableAt` on,
    /// unless the patient's current account cancels it first, and only while `initiator` still acts as a
    /// registrar for organisation `initiatedBy`.
    struct Recovery {
        address newAccount;
        uint64 executableAt;
        uint32 initiatedBy; // memberId of the registrar's organisation
        address initiator; // the registrar's operator account
        uint64 initiatedAt;
    }

    /// @notice A delegate's mandate: what it may do (a `DelegateScopes` bitmask), from when and until when.
    /// @dev A registrar's appointment takes effect only after the recovery delay (`validFrom`), so the patient
    /// or the consortium can object before a registrar key alone hands out power over a patient.
    struct Delegation {
        uint16 scope;
        uint64 expiresAt;
        uint32 appointedBy; // memberId of the registrar's organisation, or 0 when the patient appointed
        uint64 validFrom;
    }

    /// @notice Emitted when registrar organisation `registeredBy` registers patient `patientId`.
    event PatientRegistered(
        uint64 indexed patientId,
        address indexed account,
        bytes32 indexed identityCommitment,
        uint32 registeredBy
    );

    /// @notice Emitted whenever patient `patientId`'s account changes, by rotation or by recovery.
    event PatientAccountChanged(
        uint64 indexed patientId,
        address indexed previousAccount,
        address indexed newAccount,
        AccountChangeKind changeKind
    );

    /// @notice Emitted when a registrar of `initiatedBy` starts recovering patient `patientId` to `newAccount`.
    event RecoveryInitiated(
        uint64 indexed patientId,
        address indexed newAccount,
        uint32 indexed initiatedBy,
        uint64 executableAt
    );

    /// @notice Emitted when a pending recovery of patient `patientId` is cancelled (by the patient, by a key
    /// rotation, by a newer recovery or by deactivation).
    event RecoveryCancelled(uint64 indexed patientId, address indexed newAccount, address indexed cancelledBy);

    /// @notice Emitted when `delegate` may act for patient `patientId` within `scope` from `validFrom` until
    /// `expiresAt` (appointed by the patient when `appointedBy` is 0, else by a registrar of `appointedBy`).
    event DelegateAppointed(
        uint64 indexed patientId,
        address indexed delegate,
        uint16 scope,
        uint64 expiresAt,
        uint32 appointedBy,
        uint64 validFrom
    );

    /// @notice Emitted when `delegate`'s mandate for patient `patientId` ends early (also when the delegate's
    /// account becomes the patient's own account).
    event DelegateRevoked(uint64 indexed patientId, address indexed delegate, address indexed revokedBy);

    /// @notice Emitted when a registrar of `deactivatedBy` deactivates patient `patientId` for good.
    event PatientDeactivated(uint64 indexed patientId, DeactivationReason reason, uint32 indexed deactivatedBy);

    /// @notice Emitted when governance changes the recovery delay.
    event RecoveryDelayChanged(uint64 previousDelay, uint64 newDelay);

    /// @notice The identity commitment is zero.
    error PatientRegistryZeroCommitment();

    /// @notice `identityCommitment` already belongs to patient `patientId`: the person is registered.
    error PatientRegistryCommitmentAlreadyRegistered(bytes32 identityCommitment, uint64 patientId);

    /// @notice `account` cannot be a patient's account (the zero address).
    error PatientRegistryInvalidAccount(address account);

    /// @notice `account` is already the account of patient `patientId`.
    error PatientRegistryAccountInUse(address account, uint64 patientId);

    /// @notice No patient has id `patientId`.
    error PatientRegistryUnknownPatient(uint64 patientId);

    /// @notice `account` is not any patient's current account.
    error PatientRegistryUnknownAccount(address account);

    /// @notice Patient `patientId` is deactivated: the identity can no longer be used.
    error PatientRegistryPatientDeactivated(uint64 patientId);

    /// @notice A registrar must act for a hospital or a clinic; organisation `memberId` is of `kind`.
    error PatientRegistryRegistrarNotCareProvider(uint32 memberId, MemberKind kind);

    /// @notice `caller` is neither patient `patientId`'s account nor an operator of any organisation.
    error PatientRegistryUnauthorizedCaller(uint64 patientId, address caller);

    /// @notice Patient `patientId` has no pending recovery.
    error PatientRegistryNoPendingRecovery(uint64 patientId);

    /// @notice Patient `patientId`'s recovery cannot run before `executableAt`.
    error PatientRegistryRecoveryNotReady(uint64 patientId, uint64 executableAt);

    /// @notice Patient `patientId`'s recovery was started by `initiator`, which has not kept its power since:
    /// it no longer acts as a registrar for the same active organisation, or its key or its organisation's
    /// status changed after the recovery started (withdrawn and re-added, suspended and reinstated). The
    /// recovery can never run; a registrar may start a new one.
    error PatientRegistryRecoveryInitiatorRevoked(uint64 patientId, address initiator);

    /// @notice `delegate` cannot be a delegate of patient `patientId` (zero address or the patient's own account).
    error PatientRegistryInvalidDelegate(uint64 patientId, address delegate);

    /// @notice `scope` is empty or holds bits that name no delegate scope.
    error PatientRegistryInvalidDelegateScope(uint16 scope);

    /// @notice A mandate must end in the future: `expiresAt` is not after `currentTime`.
    error PatientRegistryDelegateExpiryInPast(uint64 expiresAt, uint64 currentTime);

    /// @notice `delegate` holds no mandate for patient `patientId`.
    error PatientRegistryUnknownDelegate(uint64 patientId, address delegate);

    /// @notice The recovery delay must lie within [`minDelay`, `maxDelay`] seconds; `delay` does not.
    error PatientRegistryRecoveryDelayOutOfRange(uint64 delay, uint64 minDelay, uint64 maxDelay);

    /// @notice Registers a patient after an off-chain identity check.
    /// @dev Caller: a `Registrar` operator of an active hospital or clinic. Emits {PatientRegistered}.
    /// @param account the patient's account (usually a key on their phone).
    /// @param identityCommitment the patient's salted identity commitment; unique and non-zero.
    /// @return patientId the new patient's stable id (ids start at 1).
    function registerPatient(address account, bytes32 identityCommitment) external returns (uint64 patientId);

    /// @notice Moves the caller (a patient's current account) to `newAccount`. Cancels any pending recovery.
    /// @dev Emits {PatientAccountChanged} and, if one was pending, {RecoveryCancelled}.
    function rotateAccount(address newAccount) external;

    /// @notice Starts recovering patient `patientId` to `newAccount`, effective after the recovery delay.
    /// @dev Caller: a `Registrar` of an active hospital or clinic, after an off-chain identity check. A newer
    /// recovery replaces a pending one. Emits {RecoveryInitiated}.
    /// @return executableAt when {executeRecovery} may run.
    function initiateRecovery(uint64 patientId, address newAccount) external returns (uint64 executableAt);

    /// @notice Cancels patient `patientId`'s pending recovery. Caller: the patient's current account.
    /// @dev Emits {RecoveryCancelled}.
    function cancelRecovery(uint64 patientId) external;

    /// @notice Completes patient `patientId`'s pending recovery once its delay has passed. Anyone may call
    /// (the new account or a hospital relayer).
    /// @dev Refused while the registrar that started it no longer acts for its organisation, or that
    /// organisation is not active: suspending a hospital or withdrawing a stolen registrar key stops the
    /// recoveries it started, too. Emits {PatientAccountChanged}.
    function executeRecovery(uint64 patientId) external;

    /// @notice Lets `delegate` act for patient `patientId` within `scope` until `expiresAt`; replaces any
    /// earlier mandate of `delegate`. The patient's own appointments take effect at once; a registrar's (guardian
    /// of a minor or of an incapacitated patient, after an off-chain check) after the recovery delay, during
    /// which the patient or another registrar can revoke it.
    /// @dev Caller: the patient's current account, or a `Registrar` of an active hospital or clinic.
    /// Emits {DelegateAppointed}.
    function appointDelegate(uint64 patientId, address delegate, uint16 scope, uint64 expiresAt) external;

    /// @notice Ends `delegate`'s mandate for patient `patientId`.
    /// @dev Caller: the patient's current account or a `Registrar` of an active hospital or clinic.
    /// Emits {DelegateRevoked}.
    function revokeDelegate(uint64 patientId, address delegate) external;

    /// @notice Deactivates patient `patientId` for good (death, withdrawal, registration error); cancels any
    /// pending recovery. The commitment stays taken and the account stays bound, so the identity cannot be reused.
    /// @dev Caller: a `Registrar` of an active hospital or clinic. Emits {PatientDeactivated}.
    function deactivatePatient(uint64 patientId, DeactivationReason reason) external;

    /// @notice Sets how long a registrar's recovery waits for the patient to object.
    /// @dev Restricted by the consortium authority (admin role). Emits {RecoveryDelayChanged}.
    function setRecoveryDelay(uint64 newDelay) external;

    /// @notice Patient `patientId` (status `None` if unknown).
    function getPatient(uint64 patientId) external view returns (Patient memory);

    /// @notice The patient whose current account is `account`, or 0.
    function patientIdOf(address account) external view returns (uint64);

    /// @notice The patient registered under `identityCommitment`, or 0.
    function patientIdByCommitment(bytes32 identityCommitment) external view returns (uint64);

    /// @notice Patient `patientId`'s pending recovery (zero if none).
    function getRecovery(uint64 patientId) external view returns (Recovery memory);

    /// @notice `delegate`'s mandate for patient `patientId` (zero if none; may have expired).
    function getDelegation(uint64 patientId, address delegate) external view returns (Delegation memory);

    /// @notice Whether `account` may act for active patient `patientId` within every bit of `scope` now:
    /// the patient's own account always may; a delegate may within an unexpired mandate covering `scope`.
    /// An empty `scope`, or one naming undefined bits, is never granted.
    /// @dev The check later contracts (consent, claims, research) make for patient-side actions.
    function canActFor(uint64 patientId, address account, uint16 scope) external view returns (bool);

    /// @notice Whether patient `patientId` exists and is active.
    function isActivePatient(uint64 patientId) external view returns (bool);

    /// @notice Seconds a registrar's recovery waits before it can be executed.
    function recoveryDelay() external view returns (uint64);

    /// @notice How many patients were ever registered; ids run from 1 to this number.
    function patientCount() external view returns (uint64);
}
