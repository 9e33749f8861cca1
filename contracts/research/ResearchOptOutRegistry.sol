// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {IPatientRegistry} from "../interfaces/IPatientRegistry.sol";
import {IResearchOptOutRegistry} from "../interfaces/IResearchOptOutRegistry.sol";
import {Categories, RecordCategory} from "../types/ConsentCodes.sol";
import {DelegateScopes, PatientStatus} from "../types/PatientCodes.sol";
import {DataUse} from "../types/ResearchCodes.sol";

/// @title ResearchOptOutRegistry
/// @notice Patients' objections to research use of their data, wholly, by record category or by GA4GH DUO data
/// use permission, set by the patient or a delegate holding the Research scope and effective at once.
/// @dev Deployed behind a UUPS proxy; upgrades are an admin-role selector of the consortium authority and
/// nothing else is restricted: only a patient (or her delegate) changes her objection. State lives in ERC-7201
/// namespaced storage, one slot per patient, so every answer is constant work.
/// @custom:security-contact security@medchain.example
contract ResearchOptOutRegistry is IResearchOptOutRegistry, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.ResearchOptOutRegistry
    struct ResearchOptOutRegistryStorage {
        mapping(uint64 patientId => OptOut) optOuts;
    }

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.ResearchOptOutRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x639c83b07a2f2b26a8a874b80f57d226c212cce56c02687d15d9de3fbc070400;

    /// @notice The consortium's patient registry, asked who may act for a patient.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IPatientRegistry public immutable patientRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IPatientRegistry patientRegistry_) {
        patientRegistry = patientRegistry_;
        _disableInitializers();
    }

    /// @notice Sets the consortium authority of this proxy. Callable once.
    /// @param initialAuthority the consortium's `AccessManager`.
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IResearchOptOutRegistry
    function setOptOut(uint64 patientId, bool wholly, uint32 categories, uint8 permissions) external {
        IPatientRegistry.Patient memory patient = patientRegistry.getPatient(patientId);
        if (patient.status != PatientStatus.Active) revert ResearchOptOutPatientNotActive(patientId);
        if (
            msg.sender != patient.account && !patientRegistry.canActFor(patientId, msg.sender, DelegateScopes.RESEARCH)
        ) {
            revert ResearchOptOutUnauthorizedActor(patientId, msg.sender);
        }
        // An empty set is valid here: it withdraws the objection.
        if (categories & ~Categories.ALL != 0) revert ResearchOptOutInvalidCategories(categories);
        if (permissions & ~DataUse.ALL_PERMISSION_BITS != 0) revert ResearchOptOutInvalidPermissions(permissions);

        _storage().optOuts[patientId] = OptOut({
            wholly: wholly,
            categories: categories,
            permissions: permissions,
            updatedAt: uint64(block.timestamp)
        });
        emit ResearchOptOutChanged(patientId, msg.sender, wholly, categories, permissions);
    }

    /// @inheritdoc IResearchOptOutRegistry
    function getOptOut(uint64 patientId) external view returns (OptOut memory) {
        return _storage().optOuts[patientId];
    }

    /// @inheritdoc IResearchOptOutRegistry
    function isOptedOut(uint64 patientId, RecordCategory category) external view returns (bool) {
        OptOut storage optOut = _storage().optOuts[patientId];
        return optOut.wholly || optOut.categories & Categories.bit(category) != 0;
    }

    /// @inheritdoc IResearchOptOutRegistry
    function isOptedOutUnder(
        uint64 patientId,
        RecordCategory category,
        uint32 duoPermission
    ) external view returns (bool) {
        uint8 permissionBit = DataUse.permissionBit(duoPermission);
        if (permissionBit == 0) return true; // an unknown permission is never assumed to be allowed
        OptOut storage optOut = _storage().optOuts[patientId];
        return
            optOut.wholly ||
            optOut.categories & Categories.bit(category) != 0 ||
            optOut.permissions & permissionBit != 0;
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    function _storage() private pure returns (ResearchOptOutRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
