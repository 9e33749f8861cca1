// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Lifecycle of a registered patient. `None` marks an id that was never assigned.
enum PatientStatus {
    None,
    Active,
    Deactivated
}

/// @notice Why a registrar deactivated a patient. Deactivation is final.
/// @dev Append new reasons at the end.
enum DeactivationReason {
    Deceased,
    Withdrawn, // the patient left the programme
    RegistrationError // registered in error (for example a duplicate caught off chain)
}

/// @notice How an account came to be a patient's current account.
enum AccountChangeKind {
    Rotation, // the patient moved to a new key themselves
    Recovery // a registrar's recovery took effect after its delay
}

/// @notice Bitmask of what a delegate may do for a patient. Later contracts check the bit they need.
library DelegateScopes {
    /// @notice Grant and revoke consent.
    uint16 internal constant CONSENT = 1 << 0;
    /// @notice Authorise insurance claims.
    uint16 internal constant CLAIMS = 1 << 1;
    /// @notice Opt in to or out of research use.
    uint16 internal constant RESEARCH = 1 << 2;
    /// @notice Read the patient's access log and records through the patient's channels.
    uint16 internal constant VIEW = 1 << 3;
    /// @notice Every scope defined today.
    uint16 internal constant ALL = CONSENT | CLAIMS | RESEARCH | VIEW;

    /// @notice Whether `scope` is a non-empty set of defined scopes.
    function isValid(uint16 scope) internal pure returns (bool) {
        return scope != 0 && scope & ~ALL == 0;
    }
}
