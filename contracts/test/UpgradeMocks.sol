// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ClaimRegistry} from "../claims/ClaimRegistry.sol";
import {ConsentRegistry} from "../consent/ConsentRegistry.sol";
import {IConsentRegistry} from "../interfaces/IConsentRegistry.sol";
import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../interfaces/IPatientRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {IResearchOptOutRegistry} from "../interfaces/IResearchOptOutRegistry.sol";
import {MemberRegistry} from "../governance/MemberRegistry.sol";
import {PatientRegistry} from "../identity/PatientRegistry.sol";
import {RecordRegistry} from "../records/RecordRegistry.sol";
import {ResearchOptOutRegistry} from "../research/ResearchOptOutRegistry.sol";
import {StudyRegistry} from "../research/StudyRegistry.sol";

/// @notice A second MemberRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from MemberRegistry
contract MemberRegistryV2Mock is MemberRegistry {
    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A second PatientRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from PatientRegistry
contract PatientRegistryV2Mock is PatientRegistry {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IMemberRegistry memberRegistry_) PatientRegistry(memberRegistry_) {}

    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A second ConsentRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from ConsentRegistry
contract ConsentRegistryV2Mock is ConsentRegistry {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IMemberRegistry memberRegistry_,
        IPatientRegistry patientRegistry_,
        IResearchOptOutRegistry researchOptOutRegistry_
    ) ConsentRegistry(memberRegistry_, patientRegistry_, researchOptOutRegistry_) {}

    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A second RecordRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from RecordRegistry
contract RecordRegistryV2Mock is RecordRegistry {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IMemberRegistry memberRegistry_) RecordRegistry(memberRegistry_) {}

    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A second ClaimRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from ClaimRegistry
contract ClaimRegistryV2Mock is ClaimRegistry {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IMemberRegistry memberRegistry_,
        IPatientRegistry patientRegistry_,
        IConsentRegistry consentRegistry_,
        IRecordRegistry recordRegistry_
    ) ClaimRegistry(memberRegistry_, patientRegistry_, consentRegistry_, recordRegistry_) {}

    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A second StudyRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from StudyRegistry
contract StudyRegistryV2Mock is StudyRegistry {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IMemberRegistry memberRegistry_) StudyRegistry(memberRegistry_) {}

    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A second ResearchOptOutRegistry implementation, used only by tests to prove an upgrade keeps all state.
/// @custom:oz-upgrades-from ResearchOptOutRegistry
contract ResearchOptOutRegistryV2Mock is ResearchOptOutRegistry {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IPatientRegistry patientRegistry_) ResearchOptOutRegistry(patientRegistry_) {}

    /// @notice Marks the new implementation.
    function version() external pure returns (uint256) {
        return 2;
    }
}
