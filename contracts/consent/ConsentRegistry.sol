// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IConsentRegistry} from "../interfaces/IConsentRegistry.sol";
import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../interfaces/IPatientRegistry.sol";
import {IResearchOptOutRegistry} from "../interfaces/IResearchOptOutRegistry.sol";
import {Categories, EmergencyReason, Purpose, Purposes, RecordCategory} from "../types/ConsentCodes.sol";
import {Duties, Duty, MemberKind, MemberKinds, MemberStatus} from "../types/MemberCodes.sol";
import {DelegateScopes, PatientStatus} from "../types/PatientCodes.sol";
import {ExplicitOptIns, RequesterClass, RequesterClasses} from "../types/ResearchCodes.sol";
import {ProxyEIP712} from "../utils/ProxyEIP712.sol";

/// @title ConsentRegistry
/// @notice Patients' consent to member organisations, signed directly or off chain (EIP-712, relayed), with
/// audited emergency break-glass and an access log that records only authorised accesses. Third parties
/// receive grants with declared terms (requester class, explicit opt-ins); research purposes honour the
/// patient's research opt-out.
/// @dev Deployed behind a UUPS proxy; upgrades and `setBreakGlassDuration` are admin-role selectors,
/// `setBreakGlassAllowed` is the guardian's. State lives in ERC-7201 namespaced storage. The EIP-712 domain
/// is {ProxyEIP712}'s: name and version in code, the proxy as verifying contract, no storage.
/// @custom:security-contact security@medchain.example
contract ConsentRegistry is IConsentRegistry, ProxyEIP712, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @dev How an access is authorised, if at all.
    enum Authorization {
        None,
        Grant,
        BreakGlass
    }

    /// @dev Per-organisation break-glass bookkeeping.
    struct BreakGlassRecord {
        uint64 openedCount;
        bool revoked; // governance took the right away
        uint24 rightEpoch; // moves on each time the right is taken; accesses from older epochs are over
    }

    /// @custom:storage-location erc7201:medchain.storage.ConsentRegistry
    struct ConsentRegistryStorage {
        uint64 breakGlassDuration;
        mapping(uint64 patientId => mapping(uint32 grantee => Grant)) grants;
        mapping(uint64 patientId => mapping(uint32 grantee => bytes32)) consentForms;
        mapping(uint64 patientId => uint256) nonces;
        mapping(uint64 patientId => mapping(uint32 memberId => BreakGlass)) breakGlass;
        mapping(uint32 memberId => BreakGlassRecord) breakGlassRecords;
        // Appended for third-party grants (upgrade-safe: new fields only at the end).
        mapping(uint64 patientId => mapping(uint32 grantee => ThirdPartyTerms)) thirdPartyTerms;
    }

    /// @notice EIP-712 type of a signed grant.
    bytes32 public constant GRANT_TYPEHASH = keccak256(
        "Grant(uint64 patientId,uint32 grantee,uint32 categories,uint16 purposes,uint64 notBefore,"
        "uint64 expiresAt,bytes32 consentFormHash,address signer,uint256 nonce,uint64 deadline)"
    );
    /// @notice EIP-712 type of a signed third-party grant: the signed {GRANT_TYPEHASH} grant, nested as an
    /// EIP-712 struct member (its type appended to the encoding), with the requester class and the opt-ins.
    bytes32 public constant THIRD_PARTY_GRANT_TYPEHASH = keccak256(
        "ThirdPartyGrant(Grant grant,uint8 requesterClass,uint8 optIns)"
        "Grant(uint64 patientId,uint32 grantee,uint32 categories,uint16 purposes,uint64 notBefore,"
        "uint64 expiresAt,bytes32 consentFormHash,address signer,uint256 nonce,uint64 deadline)"
    );
    /// @notice EIP-712 type of a signed revocation.
    bytes32 public constant REVOKE_TYPEHASH = keccak256(
        "Revoke(uint64 patientId,uint32 grantee,address signer,uint256 nonce,uint64 deadline)"
    );

    /// @notice How far `invalidateNonces` may move a patient's nonce at once. At one jump per block the
    /// counter would need ~10^64 years to near 2^256, so it never wraps.
    uint256 public constant MAX_NONCE_JUMP = 1_000_000;

    /// @notice Shortest emergency access governance may set.
    uint64 public constant MIN_BREAK_GLASS_DURATION = 15 minutes;
    /// @notice Longest emergency access governance may set: beyond it, consent must be sought.
    uint64 public constant MAX_BREAK_GLASS_DURATION = 72 hours;

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.ConsentRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x80e1fcfec8e344e24e12631955810b9b03d53389bc92288e366e92e5a6cab500;

    /// @notice The consortium's member registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMemberRegistry public immutable memberRegistry;
    /// @notice The consortium's patient registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IPatientRegistry public immutable patientRegistry;
    /// @notice The consortium's research opt-out registry, consulted for research purposes only.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IResearchOptOutRegistry public immutable researchOptOutRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IMemberRegistry memberRegistry_,
        IPatientRegistry patientRegistry_,
        IResearchOptOutRegistry researchOptOutRegistry_
    ) ProxyEIP712("medchain ConsentRegistry", "1") {
        memberRegistry = memberRegistry_;
        patientRegistry = patientRegistry_;
        researchOptOutRegistry = researchOptOutRegistry_;
        _disableInitializers();
    }

    /// @notice Sets the consortium authority and the emergency-access duration of this proxy. Callable once.
    function initialize(address initialAuthority, uint64 initialBreakGlassDuration) external initializer {
        __AccessManaged_init(initialAuthority);
        _setBreakGlassDuration(initialBreakGlassDuration);
    }

    /// @inheritdoc IConsentRegistry
    function grant(GrantRequest calldata request) external {
        bool byDelegate = _requireConsentActor(request.patientId, msg.sender);
        _supersedeSignatures(request.patientId);
        _grantToCareProvider(request, msg.sender, byDelegate);
    }

    /// @inheritdoc IConsentRegistry
    function grantBySig(DelegatedGrantRequest calldata delegatedRequest) external {
        GrantRequest calldata request = delegatedRequest.request;
        _useSignature(
            request.patientId,
            delegatedRequest.signer,
            delegatedRequest.nonce,
            delegatedRequest.deadline,
            _grantStructHash(request, delegatedRequest.signer, delegatedRequest.nonce, delegatedRequest.deadline),
            delegatedRequest.signature
        );
        bool byDelegate = _requireConsentActor(request.patientId, delegatedRequest.signer);
        _grantToCareProvider(request, delegatedRequest.signer, byDelegate);
    }

    /// @inheritdoc IConsentRegistry
    function revoke(RevokeRequest calldata request) external {
        _requireConsentActor(request.patientId, msg.sender);
        _supersedeSignatures(request.patientId);
        _revoke(request.patientId, request.grantee, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function revokeBySig(DelegatedRevokeRequest calldata delegatedRequest) external {
        RevokeRequest calldata request = delegatedRequest.request;
        _useSignature(
            request.patientId,
            delegatedRequest.signer,
            delegatedRequest.nonce,
            delegatedRequest.deadline,
            _revokeStructHash(request, delegatedRequest.signer, delegatedRequest.nonce, delegatedRequest.deadline),
            delegatedRequest.signature
        );
        _requireConsentActor(request.patientId, delegatedRequest.signer);
        _revoke(request.patientId, request.grantee, delegatedRequest.signer);
    }

    /// @inheritdoc IConsentRegistry
    function grantThirdParty(ThirdPartyGrantRequest calldata request) external {
        bool byDelegate = _requireConsentActor(request.grant.patientId, msg.sender);
        _supersedeSignatures(request.grant.patientId);
        _grantToThirdParty(request, msg.sender, byDelegate);
    }

    /// @inheritdoc IConsentRegistry
    function grantThirdPartyBySig(DelegatedThirdPartyGrantRequest calldata delegatedRequest) external {
        ThirdPartyGrantRequest calldata request = delegatedRequest.request;
        _useSignature(
            request.grant.patientId,
            delegatedRequest.signer,
            delegatedRequest.nonce,
            delegatedRequest.deadline,
            _thirdPartyGrantStructHash(
                request,
                delegatedRequest.signer,
                delegatedRequest.nonce,
                delegatedRequest.deadline
            ),
            delegatedRequest.signature
        );
        bool byDelegate = _requireConsentActor(request.grant.patientId, delegatedRequest.signer);
        _grantToThirdParty(request, delegatedRequest.signer, byDelegate);
    }

    /// @inheritdoc IConsentRegistry
    function invalidateNonces(uint64 patientId, uint256 newNonce) external {
        _requireConsentActor(patientId, msg.sender);
        ConsentRegistryStorage storage $ = _storage();
        uint256 current = $.nonces[patientId];
        if (newNonce <= current) revert ConsentRegistryNonceNotIncreasing(patientId, current, newNonce);
        if (newNonce - current > MAX_NONCE_JUMP) {
            revert ConsentRegistryNonceJumpTooLarge(patientId, current, newNonce, MAX_NONCE_JUMP);
        }
        $.nonces[patientId] = newNonce;
        emit NoncesInvalidated(patientId, msg.sender, newNonce);
    }

    /// @inheritdoc IConsentRegistry
    function openBreakGlass(uint64 patientId, EmergencyReason reason) external returns (uint64 endsAt) {
        (uint32 memberId, MemberKind kind) = memberRegistry.requireDuty(msg.sender, Duty.Clinician);
        if (kind != MemberKind.Hospital) revert ConsentRegistryBreakGlassNotHospital(memberId, kind);
        ConsentRegistryStorage storage $ = _storage();
        BreakGlassRecord storage record = $.breakGlassRecords[memberId];
        if (record.revoked) revert ConsentRegistryBreakGlassNotAllowed(memberId);
        if (!patientRegistry.isActivePatient(patientId)) revert ConsentRegistryPatientNotActive(patientId);

        endsAt = uint64(block.timestamp) + $.breakGlassDuration;
        if (_isBreakGlassOpen(patientId, memberId)) {
            uint64 currentEnd = $.breakGlass[patientId][memberId].endsAt;
            if (currentEnd > endsAt) endsAt = currentEnd; // re-opening never shortens an open access
        }
        $.breakGlass[patientId][memberId] = BreakGlass({
            endsAt: endsAt,
            reason: reason,
            openedBy: msg.sender,
            rightEpoch: record.rightEpoch
        });
        ++record.openedCount;
        emit BreakGlassOpened(patientId, memberId, msg.sender, reason, endsAt);
    }

    /// @inheritdoc IConsentRegistry
    function closeBreakGlass(uint64 patientId, uint32 memberId) external {
        if (!_isBreakGlassOpen(patientId, memberId)) revert ConsentRegistryNoOpenBreakGlass(patientId, memberId);
        if (!_mayCloseBreakGlass(patientId, memberId)) {
            revert ConsentRegistryUnauthorizedBreakGlassClose(patientId, memberId, msg.sender);
        }
        _storage().breakGlass[patientId][memberId].endsAt = uint64(block.timestamp);
        emit BreakGlassClosed(patientId, memberId, msg.sender);
    }

    /// @inheritdoc IConsentRegistry
    function setBreakGlassAllowed(uint32 memberId, bool allowed) external restricted {
        if (memberRegistry.getMember(memberId).status == MemberStatus.None) {
            revert ConsentRegistryUnknownMember(memberId);
        }
        BreakGlassRecord storage record = _storage().breakGlassRecords[memberId];
        if (!allowed && !record.revoked) {
            // Ends every access opened so far. 2^24 takings of one organisation's right would overflow and
            // revert: far beyond any governance history.
            ++record.rightEpoch;
        }
        record.revoked = !allowed;
        emit BreakGlassRightChanged(memberId, allowed);
    }

    /// @inheritdoc IConsentRegistry
    function setBreakGlassDuration(uint64 newDuration) external restricted {
        _setBreakGlassDuration(newDuration);
    }

    /// @inheritdoc IConsentRegistry
    function logAccess(uint64 patientId, RecordCategory category, Purpose purpose, bytes32 recordRef) external {
        if (recordRef == bytes32(0)) revert ConsentRegistryZeroRecordRef();
        (uint32 memberId, , uint16 duties) = memberRegistry.requireActiveOperator(msg.sender);
        // requireActiveOperator has just established that the caller's organisation is active.
        Authorization authorization = _authorization(patientId, memberId, Categories.bit(category), purpose, true);
        if (authorization == Authorization.None) {
            revert ConsentRegistryAccessNotAuthorized(patientId, memberId, category, purpose);
        }
        if (authorization == Authorization.BreakGlass && !Duties.has(duties, Duty.Clinician)) {
            revert ConsentRegistryBreakGlassNeedsClinician(msg.sender, memberId);
        }
        emit AccessLogged(
            patientId,
            memberId,
            msg.sender,
            category,
            purpose,
            recordRef,
            authorization == Authorization.BreakGlass
        );
    }

    /// @inheritdoc IConsentRegistry
    function isAuthorized(
        uint64 patientId,
        uint32 memberId,
        RecordCategory category,
        Purpose purpose
    ) external view returns (bool) {
        return _authorization(patientId, memberId, Categories.bit(category), purpose, false) != Authorization.None;
    }

    /// @inheritdoc IConsentRegistry
    function isAuthorizedForCategories(
        uint64 patientId,
        uint32 memberId,
        uint32 categories,
        Purpose purpose
    ) external view returns (bool) {
        if (!Categories.isValid(categories)) revert ConsentRegistryInvalidCategories(categories);
        return _authorization(patientId, memberId, categories, purpose, false) != Authorization.None;
    }

    /// @inheritdoc IConsentRegistry
    function isAuthorizedForUse(
        uint64 patientId,
        uint32 memberId,
        RecordCategory category,
        Purpose purpose,
        uint8 uses
    ) external view returns (bool) {
        if (!ExplicitOptIns.isValid(uses)) revert ConsentRegistryInvalidOptIns(uses);
        Authorization authorization = _authorization(patientId, memberId, Categories.bit(category), purpose, false);
        if (authorization == Authorization.None) return false;
        // Emergency access and a care provider's (or an insurer's claims) grant serve the patient's own care and
        // claims: identifiable data, never commercial use. A third party's grant allows what its opt-ins name.
        ThirdPartyTerms memory terms = _storage().thirdPartyTerms[patientId][memberId];
        uint8 allowed =
            authorization == Authorization.Grant && terms.thirdParty ? terms.optIns : ExplicitOptIns.IDENTIFIABLE_DATA;
        return uses & allowed == uses;
    }

    /// @inheritdoc IConsentRegistry
    function getThirdPartyTerms(uint64 patientId, uint32 grantee) external view returns (ThirdPartyTerms memory) {
        return _storage().thirdPartyTerms[patientId][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function getGrant(uint64 patientId, uint32 grantee) external view returns (Grant memory) {
        return _storage().grants[patientId][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function getConsentFormHash(uint64 patientId, uint32 grantee) external view returns (bytes32) {
        return _storage().consentForms[patientId][grantee];
    }

    /// @inheritdoc IConsentRegistry
    function getBreakGlass(uint64 patientId, uint32 memberId) external view returns (BreakGlass memory) {
        return _storage().breakGlass[patientId][memberId];
    }

    /// @inheritdoc IConsentRegistry
    function isBreakGlassOpen(uint64 patientId, uint32 memberId) external view returns (bool) {
        return _isBreakGlassOpen(patientId, memberId);
    }

    /// @inheritdoc IConsentRegistry
    function breakGlassRecord(uint32 memberId) external view returns (uint64 openedCount, bool allowed) {
        BreakGlassRecord storage record = _storage().breakGlassRecords[memberId];
        return (record.openedCount, !record.revoked);
    }

    /// @inheritdoc IConsentRegistry
    function breakGlassDuration() external view returns (uint64) {
        return _storage().breakGlassDuration;
    }

    /// @inheritdoc IConsentRegistry
    function nonces(uint64 patientId) external view returns (uint256) {
        return _storage().nonces[patientId];
    }

    /// @inheritdoc IConsentRegistry
    function grantDigest(
        GrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32) {
        return _hashTypedData(_grantStructHash(request, signer, nonce, deadline));
    }

    /// @inheritdoc IConsentRegistry
    function revokeDigest(
        RevokeRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32) {
        return _hashTypedData(_revokeStructHash(request, signer, nonce, deadline));
    }

    /// @inheritdoc IConsentRegistry
    function thirdPartyGrantDigest(
        ThirdPartyGrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32) {
        return _hashTypedData(_thirdPartyGrantStructHash(request, signer, nonce, deadline));
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev A plain grant: to a care provider, or to an insurer for insurance claims alone, and never for a
    /// commercial purpose. Clears the terms of an earlier third-party grant to the same grantee.
    function _grantToCareProvider(GrantRequest calldata request, address grantedBy, bool byDelegate) private {
        MemberKind kind = _checkGrant(request);
        if (
            request.purposes & Purposes.COMMERCIAL != 0 ||
            !(MemberKinds.isCareProvider(kind) ||
                (kind == MemberKind.Insurer && request.purposes == Purposes.bit(Purpose.InsuranceClaim)))
        ) {
            revert ConsentRegistryThirdPartyGrantRequired(request.grantee, kind, request.purposes);
        }
        _writeGrant(request, grantedBy, byDelegate);
        mapping(uint32 => ThirdPartyTerms) storage termsOf = _storage().thirdPartyTerms[request.patientId];
        if (termsOf[request.grantee].thirdParty) delete termsOf[request.grantee];
    }

    /// @dev A third-party grant: the grantee's kind must allow the requester class, and commercial use needs
    /// the patient's explicit opt-in. Stores the terms beside the grant.
    function _grantToThirdParty(ThirdPartyGrantRequest calldata request, address grantedBy, bool byDelegate) private {
        GrantRequest calldata grantRequest = request.grant;
        MemberKind kind = _checkGrant(grantRequest);
        RequesterClass requesterClass = request.requesterClass;
        if (!RequesterClasses.isAllowedFor(kind, requesterClass)) {
            revert ConsentRegistryRequesterClassNotAllowed(grantRequest.grantee, kind, requesterClass);
        }
        uint8 optIns = request.optIns;
        if (!ExplicitOptIns.isValid(optIns)) revert ConsentRegistryInvalidOptIns(optIns);
        if (
            (grantRequest.purposes & Purposes.COMMERCIAL != 0 || requesterClass == RequesterClass.Commercial) &&
            optIns & ExplicitOptIns.COMMERCIAL_USE == 0
        ) {
            revert ConsentRegistryExplicitOptInRequired(
                grantRequest.patientId,
                grantRequest.grantee,
                ExplicitOptIns.COMMERCIAL_USE,
                optIns
            );
        }
        _writeGrant(grantRequest, grantedBy, byDelegate);
        _storage().thirdPartyTerms[grantRequest.patientId][grantRequest.grantee] = ThirdPartyTerms({
            thirdParty: true,
            requesterClass: requesterClass,
            optIns: optIns
        });
        emit ThirdPartyTermsSet(grantRequest.patientId, grantRequest.grantee, requesterClass, optIns);
    }

    /// @dev The checks every grant passes (sets, window, an active grantee); returns the grantee's kind.
    function _checkGrant(GrantRequest calldata request) private view returns (MemberKind kind) {
        if (!Categories.isValid(request.categories)) revert ConsentRegistryInvalidCategories(request.categories);
        if (!Purposes.isValid(request.purposes)) revert ConsentRegistryInvalidPurposes(request.purposes);
        if (request.expiresAt <= request.notBefore) {
            revert ConsentRegistryInvalidWindow(request.notBefore, request.expiresAt);
        }
        if (request.expiresAt <= block.timestamp) {
            revert ConsentRegistryExpiryInPast(request.expiresAt, uint64(block.timestamp));
        }
        IMemberRegistry.Member memory grantee = memberRegistry.getMember(request.grantee);
        if (grantee.status != MemberStatus.Active)
            revert ConsentRegistryGranteeNotActive(request.grantee, grantee.status);
        kind = grantee.kind;
    }

    /// @dev The one place a grant is written; direct and signed paths, plain and third-party, share it.
    function _writeGrant(GrantRequest calldata request, address grantedBy, bool byDelegate) private {
        ConsentRegistryStorage storage $ = _storage();
        Grant storage stored = $.grants[request.patientId][request.grantee];
        bool hadConsentForm = stored.hasConsentForm;
        bool hasConsentForm = request.consentFormHash != bytes32(0);
        $.grants[request.patientId][request.grantee] = Grant({
            categories: request.categories,
            purposes: request.purposes,
            notBefore: request.notBefore,
            expiresAt: request.expiresAt,
            revokedAt: 0,
            grantedByDelegate: byDelegate,
            hasConsentForm: hasConsentForm
        });
        if (hasConsentForm) {
            $.consentForms[request.patientId][request.grantee] = request.consentFormHash;
        } else if (hadConsentForm) {
            delete $.consentForms[request.patientId][request.grantee];
        }
        emit ConsentGranted(
            request.patientId,
            request.grantee,
            grantedBy,
            request.categories,
            request.purposes,
            request.notBefore,
            request.expiresAt,
            request.consentFormHash
        );
    }

    /// @dev The one place a grant is revoked; direct and signed paths share it.
    function _revoke(uint64 patientId, uint32 grantee, address revokedBy) private {
        Grant storage stored = _storage().grants[patientId][grantee];
        if (stored.expiresAt == 0 || stored.revokedAt != 0) revert ConsentRegistryNoActiveGrant(patientId, grantee);
        stored.revokedAt = uint64(block.timestamp);
        emit ConsentRevoked(patientId, grantee, revokedBy);
    }

    /// @dev A direct grant or revocation is the patient's newest word: it voids every outstanding signature
    /// (which may say otherwise), as if the patient had used the current nonce.
    function _supersedeSignatures(uint64 patientId) private {
        ++_storage().nonces[patientId];
    }

    /// @dev Checks deadline, nonce and signature of a relayed request, then consumes the nonce.
    function _useSignature(
        uint64 patientId,
        address signer,
        uint256 nonce,
        uint64 deadline,
        bytes32 structHash,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert ConsentRegistryExpiredSignature(deadline, uint64(block.timestamp));
        ConsentRegistryStorage storage $ = _storage();
        uint256 current = $.nonces[patientId];
        if (nonce != current) revert ConsentRegistryInvalidNonce(patientId, current, nonce);
        bytes32 digest = _hashTypedData(structHash);
        // EOA signatures through ECDSA.tryRecover (which refuses high-s malleable forms), contract
        // wallets through ERC-1271.
        if (!SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
            revert ConsentRegistryInvalidSignature(signer);
        }
        // Checked: with MAX_NONCE_JUMP the counter cannot come near 2^256, and if it ever did the
        // transaction would revert rather than wrap to an old nonce.
        $.nonces[patientId] = current + 1;
    }

    /// @dev `account` must be the patient's current account (returns false) or a delegate whose mandate
    /// covers consent now (returns true), for an active patient.
    function _requireConsentActor(uint64 patientId, address account) private view returns (bool byDelegate) {
        IPatientRegistry.Patient memory patient = patientRegistry.getPatient(patientId);
        if (patient.status != PatientStatus.Active) revert ConsentRegistryPatientNotActive(patientId);
        if (account == patient.account) return false;
        if (!patientRegistry.canActFor(patientId, account, DelegateScopes.CONSENT)) {
            revert ConsentRegistryUnauthorizedActor(patientId, account);
        }
        return true;
    }

    /// @dev A clinician of the organisation itself, or the patient or a consent delegate, may end it early.
    function _mayCloseBreakGlass(uint64 patientId, uint32 memberId) private view returns (bool) {
        if (
            memberRegistry.getOperator(msg.sender).memberId == memberId &&
            memberRegistry.hasDuty(msg.sender, Duty.Clinician)
        ) return true;
        return patientRegistry.canActFor(patientId, msg.sender, DelegateScopes.CONSENT);
    }

    /// @dev Constant work: the grant slot, the break-glass slots only without a grant, then one status read in
    /// each registry only when a grant or an emergency access applies, and last one opt-out slot (research
    /// purposes) or one terms slot (commercial purposes). `categories` is a non-empty bitmask; a grant must
    /// cover all of it, and a research opt-out of any of it refuses the whole.
    function _authorization(
        uint64 patientId,
        uint32 memberId,
        uint32 categories,
        Purpose purpose,
        bool memberKnownActive
    ) private view returns (Authorization authorization) {
        ConsentRegistryStorage storage $ = _storage();
        Grant memory stored = $.grants[patientId][memberId];
        uint16 purposeBit = Purposes.bit(purpose);
        if (
            stored.revokedAt == 0 &&
            stored.notBefore <= block.timestamp &&
            block.timestamp < stored.expiresAt &&
            stored.categories & categories == categories &&
            stored.purposes & purposeBit != 0
        ) {
            authorization = Authorization.Grant;
        } else if (purpose == Purpose.Treatment && _isBreakGlassOpen(patientId, memberId)) {
            authorization = Authorization.BreakGlass;
        } else {
            return Authorization.None;
        }
        if (!memberKnownActive && !memberRegistry.isActiveMember(memberId)) return Authorization.None;
        if (!patientRegistry.isActivePatient(patientId)) return Authorization.None;
        // Only research and commercial purposes pay for a further read (break-glass is for treatment alone).
        if (purposeBit & (Purposes.RESEARCH | Purposes.COMMERCIAL) == 0) return authorization;
        if (purposeBit & Purposes.RESEARCH != 0) {
            IResearchOptOutRegistry.OptOut memory optOut = researchOptOutRegistry.getOptOut(patientId);
            if (optOut.wholly || optOut.categories & categories != 0) return Authorization.None;
        } else {
            // A commercial purpose. Defence in depth: a grant covering a commercial purpose was only ever stored with the opt-in.
            if ($.thirdPartyTerms[patientId][memberId].optIns & ExplicitOptIns.COMMERCIAL_USE == 0) {
                return Authorization.None;
            }
        }
    }

    /// @dev Open: not ended, the organisation still holds the right, and opened since the right was last taken.
    function _isBreakGlassOpen(uint64 patientId, uint32 memberId) private view returns (bool) {
        ConsentRegistryStorage storage $ = _storage();
        BreakGlass storage breakGlass = $.breakGlass[patientId][memberId];
        BreakGlassRecord storage record = $.breakGlassRecords[memberId];
        return block.timestamp < breakGlass.endsAt && !record.revoked && breakGlass.rightEpoch == record.rightEpoch;
    }

    function _setBreakGlassDuration(uint64 newDuration) private {
        if (newDuration < MIN_BREAK_GLASS_DURATION || newDuration > MAX_BREAK_GLASS_DURATION) {
            revert ConsentRegistryBreakGlassDurationOutOfRange(
                newDuration,
                MIN_BREAK_GLASS_DURATION,
                MAX_BREAK_GLASS_DURATION
            );
        }
        ConsentRegistryStorage storage $ = _storage();
        emit BreakGlassDurationChanged($.breakGlassDuration, newDuration);
        $.breakGlassDuration = newDuration;
    }

    function _grantStructHash(
        GrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    GRANT_TYPEHASH,
                    request.patientId,
                    request.grantee,
                    request.categories,
                    request.purposes,
                    request.notBefore,
                    request.expiresAt,
                    request.consentFormHash,
                    signer,
                    nonce,
                    deadline
                )
            );
    }

    function _thirdPartyGrantStructHash(
        ThirdPartyGrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    THIRD_PARTY_GRANT_TYPEHASH,
                    _grantStructHash(request.grant, signer, nonce, deadline),
                    request.requesterClass,
                    request.optIns
                )
            );
    }

    function _revokeStructHash(
        RevokeRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(REVOKE_TYPEHASH, request.patientId, request.grantee, signer, nonce, deadline));
    }

    function _storage() private pure returns (ConsentRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
