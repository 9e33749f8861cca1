// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Role ids of the consortium's `AccessManager` (the authority of every medchain contract).
/// @dev `ADMIN_ROLE` (0) and `PUBLIC_ROLE` (type(uint64).max) are OpenZeppelin's. Every restricted selector
/// that is not mapped to another role belongs to `ADMIN_ROLE`, which is how upgrades and parameter changes
/// stay with the admin (a multisig or timelock acting through an execution delay). The SDK mirrors these
/// values; a test keeps the two identical.
library ConsortiumRoles {
    /// @notice The consortium admin: role management, upgrades, protocol parameters.
    uint64 internal constant ADMIN_ROLE = 0;
    /// @notice The membership council: admits, reinstates and removes member organisations.
    uint64 internal constant MEMBERSHIP_ROLE = 1;
    /// @notice The security guardian: suspends organisations and removes operator accounts at once, and
    /// cancels scheduled membership operations.
    uint64 internal constant GUARDIAN_ROLE = 2;
    /// @notice The research oversight board (independent of the hospitals): approves, suspends and closes
    /// studies.
    uint64 internal constant OVERSIGHT_ROLE = 3;
}
