// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/// @title ConsortiumAuthority
/// @notice The consortium's single authority: decides which account may call which restricted function of
/// every medchain contract, with per-role execution delays. Role ids are in `types/ConsortiumRoles.sol`.
/// @dev OpenZeppelin's `AccessManager`, unchanged; named so deployments and explorers show what it is. The
/// deployment hands the admin role to the consortium's multisig or timelock with an execution delay.
contract ConsortiumAuthority is AccessManager {
    /// @param initialAdmin the account holding the admin role at deployment (the deployer, which hands it on).
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
