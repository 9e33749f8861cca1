// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice What kind of organisation a consortium member is. Domain contracts decide what each kind may do
/// (only hospitals and clinics register patients, for example).
/// @dev Append new kinds at the end: stored values and the SDK's code list depend on the order.
enum MemberKind {
    Hospital,
    Clinic,
    Insurer,
    ResearchInstitute,
    Regulator,
    Company // a commercial organisation (pharmaceutical, health technology): third-party access only
}

/// @notice Helpers for {MemberKind}.
library MemberKinds {
    /// @notice Whether `kind` provides care (a hospital or a clinic): the kinds that register patients, keep
    /// records and submit claims.
    function isCareProvider(MemberKind kind) internal pure returns (bool) {
        return kind == MemberKind.Hospital || kind == MemberKind.Clinic;
    }
}

/// @notice Lifecycle of a member organisation. `None` marks an id that was never assigned.
/// @dev Only `Active` members' operators hold any power; `Removed` is final.
enum MemberStatus {
    None,
    Active,
    Suspended,
    Removed
}

/// @notice A duty an operator account performs for its organisation. An operator holds a set of duties,
/// stored as a bitmask with bit `uint8(duty)` set (see {Duties}).
/// @dev Append new duties at the end and widen {Duties.ALL}.
enum Duty {
    OrgAdmin, // manages its own organisation's operators
    Registrar, // registers patients after an off-chain identity check; recovers keys; deactivates
    Clinician, // reads records under consent; opens break-glass
    ClaimsOfficer, // submits (provider) or adjudicates (insurer) claims
    DataSteward, // anchors records and publishes datasets
    Researcher // works on approved studies
}

/// @notice Bitmask helpers for sets of {Duty}.
library Duties {
    /// @notice Every duty defined today: bits 0..5, one per {Duty} value.
    uint16 internal constant ALL = (uint16(1) << (uint8(type(Duty).max) + 1)) - 1;

    /// @notice The bitmask holding only `duty`.
    function bit(Duty duty) internal pure returns (uint16) {
        return uint16(1) << uint8(duty);
    }

    /// @notice Whether `duties` contains `duty`.
    function has(uint16 duties, Duty duty) internal pure returns (bool) {
        return duties & bit(duty) != 0;
    }

    /// @notice Whether `duties` is a non-empty set of defined duties.
    function isValid(uint16 duties) internal pure returns (bool) {
        return duties != 0 && duties & ~ALL == 0;
    }
}
