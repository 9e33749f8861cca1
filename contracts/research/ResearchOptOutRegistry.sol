// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IPatientRegistry} from "../interfaces/IPatientRegistry.sol";
import {IResearchOptOutRegistry} from "../interfaces/IResearchOptOutRegistry.sol";
import {Categories, RecordCategory} from "../types/ConsentCodes.sol";
import {DelegateScopes, PatientStatus} from "../types/PatientCodes.sol";
import {DataUse} from "../types/ResearchCodes.sol";
import {ProxyEIP712} from "../utils/ProxyEIP712.sol";

/// @title ResearchOptOutRegistry
/// @notice Patients' objections to research use of their data, wholly, by record category or by GA4GH DUO data
/// use permission, set by the patient or a delegate holding the Research scope and effective at once.
/// @dev Deployed behind a UUPS proxy; upgrades are an admin-role selector of the consortium authority and
/// nothing else is restricted: only a patient (or her delegate) changes her objection. State lives in ERC-7201
/// namespaced storage, one slot per patient, so every answer is constant work. A change may be signed off chain
/// and relayed ({setOptOutBySig}); the EIP-712 domain is {ProxyEIP712}'s (name and version in code, the proxy as
/// verifying contract, no storage), so an upgraded proxy needs no initializer for it.
/// @custom:security-contact security@medchain.example
contract ResearchOptOutRegistry is IResearchOptOutRegistry, ProxyEIP712, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.ResearchOptOutRegistry
    struct ResearchOptOutRegistryStorage {
        mapping(uint64 patientId => OptOut) optOuts;
        // Appended for signed opt-outs (upgrade-safe: new fields only at the end).
        mapping(uint64 patientId => uint256) nonces;
    }

    /// @notice EIP-712 type of a signed opt-out.
    bytes32 public constant OPT_OUT_TYPEHASH = keccak256(
        "ResearchOptOut(uint64 patientId,bool wholly,uint32 categories,uint8 permissions,address signer,"
        "uint256 nonce,uint64 deadline)"
    );

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.ResearchOptOutRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x639c83b07a2f2b26a8a874b80f57d226c212cce56c02687d15d9de3fbc070400;

    /// @notice The consortium's patient registry, asked who may act for a patient.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IPatientRegistry public immutable patientRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IPatientRegistry patientRegistry_) ProxyEIP712("medchain ResearchOptOutRegistry", "1") {
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
        _requireResearchActor(patientId, msg.sender);
        // The patient's newest word: a signed opt-out a relayer held back cannot undo it.
        ++_storage().nonces[patientId];
        _setOptOut(OptOutRequest(patientId, wholly, categories, permissions), msg.sender);
    }

    /// @inheritdoc IResearchOptOutRegistry
    function setOptOutBySig(DelegatedOptOutRequest calldata delegatedRequest) external {
        OptOutRequest calldata request = delegatedRequest.request;
        _useSignature(delegatedRequest);
        _requireResearchActor(request.patientId, delegatedRequest.signer);
        _setOptOut(request, delegatedRequest.signer);
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

    /// @inheritdoc IResearchOptOutRegistry
    function optOutNonce(uint64 patientId) external view returns (uint256) {
        return _storage().nonces[patientId];
    }

    /// @inheritdoc IResearchOptOutRegistry
    function optOutDigest(
        OptOutRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32) {
        return _hashTypedData(_optOutStructHash(request, signer, nonce, deadline));
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev The one place an objection changes; the direct and signed paths share it. An empty set is valid: it
    /// withdraws the objection.
    function _setOptOut(OptOutRequest memory request, address changedBy) private {
        if (request.categories & ~Categories.ALL != 0) revert ResearchOptOutInvalidCategories(request.categories);
        if (request.permissions & ~DataUse.ALL_PERMISSION_BITS != 0) {
            revert ResearchOptOutInvalidPermissions(request.permissions);
        }
        _storage().optOuts[request.patientId] = OptOut({
            wholly: request.wholly,
            categories: request.categories,
            permissions: request.permissions,
            updatedAt: uint64(block.timestamp)
        });
        emit ResearchOptOutChanged(
            request.patientId,
            changedBy,
            request.wholly,
            request.categories,
            request.permissions
        );
    }

    /// @dev Checks deadline, nonce and signature of a relayed opt-out, then consumes the nonce.
    function _useSignature(DelegatedOptOutRequest calldata delegatedRequest) private {
        uint64 patientId = delegatedRequest.request.patientId;
        if (block.timestamp > delegatedRequest.deadline) {
            revert ResearchOptOutExpiredSignature(delegatedRequest.deadline, uint64(block.timestamp));
        }
        ResearchOptOutRegistryStorage storage $ = _storage();
        uint256 current = $.nonces[patientId];
        if (delegatedRequest.nonce != current) {
            revert ResearchOptOutInvalidNonce(patientId, current, delegatedRequest.nonce);
        }
        bytes32 digest = _hashTypedData(
            _optOutStructHash(
                delegatedRequest.request,
                delegatedRequest.signer,
                delegatedRequest.nonce,
                delegatedRequest.deadline
            )
        );
        // EOA signatures through ECDSA.tryRecover (which refuses high-s malleable forms), contract wallets
        // through ERC-1271.
        if (!SignatureChecker.isValidSignatureNow(delegatedRequest.signer, digest, delegatedRequest.signature)) {
            revert ResearchOptOutInvalidSignature(delegatedRequest.signer);
        }
        // Checked: one step per change, so the counter never comes near 2^256.
        $.nonces[patientId] = current + 1;
    }

    /// @dev `account` must be the active patient's current account or a delegate whose mandate covers research.
    function _requireResearchActor(uint64 patientId, address account) private view {
        IPatientRegistry.Patient memory patient = patientRegistry.getPatient(patientId);
        if (patient.status != PatientStatus.Active) revert ResearchOptOutPatientNotActive(patientId);
        if (account != patient.account && !patientRegistry.canActFor(patientId, account, DelegateScopes.RESEARCH)) {
            revert ResearchOptOutUnauthorizedActor(patientId, account);
        }
    }

    function _optOutStructHash(
        OptOutRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    OPT_OUT_TYPEHASH,
                    request.patientId,
                    request.wholly,
                    request.categories,
                    request.permissions,
                    signer,
                    nonce,
                    deadline
                )
            );
    }

    function _storage() private pure returns (ResearchOptOutRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
