// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IStudyRegistry} from "../interfaces/IStudyRegistry.sol";
import {Categories, Purpose, Purposes} from "../types/ConsentCodes.sol";
import {Duties, Duty, MemberKind, MemberKinds} from "../types/MemberCodes.sol";
import {
    DataUse,
    DeidentificationMethod,
    LegalBasis,
    RequesterClass,
    RequesterClasses,
    StudyStatus
} from "../types/ResearchCodes.sol";

/// @title StudyRegistry
/// @notice Studies on de-identified data of many patients, their datasets, who may use them, every use, and
/// the destruction of each dataset at the end of its study's term (see {IStudyRegistry}).
/// @dev Deployed behind a UUPS proxy; upgrades are the admin role's, the study lifecycle the oversight
/// role's (`restricted` selectors mapped through the consortium authority). State lives in ERC-7201
/// namespaced storage. Every actor's organisation is asked of the MemberRegistry on every call, so a
/// suspension takes effect at once. Every status change goes through {_transition}. No loop runs over
/// storage that users can grow: a study's data use list is bounded by {MAX_DATA_USE_CODES}.
/// @custom:security-contact security@medchain.example
contract StudyRegistry is IStudyRegistry, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.StudyRegistry
    struct StudyRegistryStorage {
        mapping(uint64 studyId => Study) studies;
        mapping(uint64 studyId => uint32[]) dataUse;
        mapping(uint64 datasetId => Dataset) datasets;
        mapping(uint64 datasetId => mapping(address researcher => bool)) access;
        mapping(LegalBasis legalBasis => uint256) legalExceptions;
        uint64 studyCount;
        uint64 datasetCount;
    }

    /// @dev Why a researcher may not use a dataset now; `None` when she may. The first failing check wins.
    enum UseRefusal {
        None,
        UnknownDataset,
        NoAccess,
        NotResearcher,
        Destroyed,
        NotApproved,
        OutsideTerm,
        EthicsExpired
    }

    /// @notice Most DUO codes (one permission and its modifiers) a study may list.
    uint256 public constant MAX_DATA_USE_CODES = 16;
    /// @notice The smallest `minimumK` a study may declare: no dataset is ever released with k (or a cell
    /// size) below it.
    uint16 public constant MINIMUM_K_FLOOR = 3;
    /// @notice The largest differential-privacy budget a dataset may declare, in thousandths (ε 10).
    uint32 public constant MAX_EPSILON_MILLIS = 10_000;

    // Which statuses each oversight decision may start from, as bitmasks with bit `uint8(status)` set.
    uint256 private constant FROM_PROPOSED = 1 << uint8(StudyStatus.Proposed);
    uint256 private constant FROM_APPROVED = 1 << uint8(StudyStatus.Approved);
    uint256 private constant FROM_SUSPENDED = 1 << uint8(StudyStatus.Suspended);
    uint256 private constant FROM_OPEN = FROM_PROPOSED | FROM_APPROVED | FROM_SUSPENDED;

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.StudyRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x48b8aadaa1872b07ea3de5309f4fb02def5f3aaa41a655e02180047098659b00;

    /// @notice The consortium's member registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMemberRegistry public immutable memberRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IMemberRegistry memberRegistry_) {
        memberRegistry = memberRegistry_;
        _disableInitializers();
    }

    /// @notice Sets the consortium authority of this proxy. Callable once.
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IStudyRegistry
    /// @dev Checks run in this order: the caller's Researcher duty (MemberRegistry errors), the commercial bar
    /// (before the requester class, so a commercial request always gets {StudyRegistryCommercialUseBarred},
    /// whoever makes it: a Company member asking as Commercial is barred, asking as anything else is a class
    /// its kind does not allow), the requester class, the purpose, the hashes and the ethics approval's expiry,
    /// the data use codes, the disease code, the categories, the term, the minimum k.
    function registerStudy(StudyRegistration calldata registration) external returns (uint64 studyId) {
        (uint32 sponsor, MemberKind kind) = memberRegistry.requireDuty(msg.sender, Duty.Researcher);
        uint32[] memory dataUse = _checkRegistration(registration, sponsor, kind);
        StudyRegistryStorage storage $ = _storage();
        studyId = ++$.studyCount;
        $.studies[studyId] = Study({
            sponsor: sponsor,
            status: StudyStatus.Proposed,
            purpose: registration.purpose,
            requesterClass: registration.requesterClass,
            legalBasis: registration.legalBasis,
            minimumK: registration.minimumK,
            dataUsePermission: dataUse[0],
            diseaseCode: registration.diseaseCode,
            categories: registration.categories,
            ethicsApprovalExpiresAt: registration.ethicsApprovalExpiresAt,
            termStart: registration.termStart,
            termEnd: registration.termEnd,
            registeredAt: uint64(block.timestamp),
            statusChangedAt: uint64(block.timestamp),
            protocolHash: registration.protocolHash,
            ethicsApprovalHash: registration.ethicsApprovalHash
        });
        $.dataUse[studyId] = dataUse;
        emit StudyRegistered(
            studyId,
            sponsor,
            msg.sender,
            registration.purpose,
            registration.requesterClass,
            dataUse[0],
            registration.legalBasis,
            registration.termEnd
        );
    }

    /// @inheritdoc IStudyRegistry
    function approveStudy(uint64 studyId) external restricted {
        _requireEthicsApproval(studyId, _requireStudy(studyId));
        _transition(studyId, FROM_PROPOSED, StudyStatus.Approved, 0);
    }

    /// @inheritdoc IStudyRegistry
    function suspendStudy(uint64 studyId, uint16 reasonCode) external restricted {
        _transition(studyId, FROM_APPROVED, StudyStatus.Suspended, reasonCode);
    }

    /// @inheritdoc IStudyRegistry
    function reinstateStudy(uint64 studyId) external restricted {
        _transition(studyId, FROM_SUSPENDED, StudyStatus.Approved, 0);
    }

    /// @inheritdoc IStudyRegistry
    function closeStudy(uint64 studyId, uint16 reasonCode) external restricted {
        _transition(studyId, FROM_OPEN, StudyStatus.Closed, reasonCode);
    }

    /// @inheritdoc IStudyRegistry
    /// @dev Checks run in this order: the caller's DataSteward duty (MemberRegistry errors) and care-provider
    /// kind, the study (known, approved, within its term and its ethics approval), the hashes and cohort size,
    /// the privacy parameters, the opt-out state block, the legal basis for opted-out patients.
    function publishDataset(DatasetManifest calldata manifest) external returns (uint64 datasetId) {
        (uint32 custodian, MemberKind kind) = memberRegistry.requireDuty(msg.sender, Duty.DataSteward);
        if (!MemberKinds.isCareProvider(kind)) revert StudyRegistryCustodianNotCareProvider(custodian, kind);
        LegalBasis legalBasis = _checkManifest(manifest);
        StudyRegistryStorage storage $ = _storage();
        datasetId = ++$.datasetCount;
        $.datasets[datasetId] = Dataset({
            studyId: manifest.studyId,
            custodian: custodian,
            cohortSize: manifest.cohortSize,
            method: manifest.method,
            k: manifest.k,
            epsilonMillis: manifest.epsilonMillis,
            optedOutIncluded: manifest.optedOutIncluded,
            optOutStateBlock: manifest.optOutStateBlock,
            publishedAt: uint64(block.timestamp),
            destroyedAt: 0,
            cohortRoot: manifest.cohortRoot,
            methodDocumentHash: manifest.methodDocumentHash,
            manifestHash: manifest.manifestHash,
            destructionCertificateHash: bytes32(0)
        });
        emit DatasetPublished(
            datasetId,
            manifest.studyId,
            custodian,
            manifest.cohortRoot,
            manifest.cohortSize,
            manifest.method,
            manifest.k,
            manifest.epsilonMillis,
            manifest.optOutStateBlock
        );
        if (manifest.optedOutIncluded != 0) {
            $.legalExceptions[legalBasis] += manifest.optedOutIncluded;
            emit LegalExceptionUsed(datasetId, manifest.studyId, legalBasis, manifest.optedOutIncluded);
        }
    }

    /// @inheritdoc IStudyRegistry
    /// @dev Checks run in this order: the dataset, the caller (MemberRegistry errors when it is no operator
    /// of an active organisation), destruction, the researcher. Granting again is allowed and logged again.
    function grantDatasetAccess(uint64 datasetId, address researcher) external {
        Dataset storage dataset = _requireDataset(datasetId);
        uint32 sponsor = _requireSponsorOperator(dataset.studyId);
        if (dataset.destroyedAt != 0) revert StudyRegistryDatasetDestroyed(datasetId, dataset.destroyedAt);
        if (!_isResearcherOf(researcher, sponsor)) revert StudyRegistryNotSponsorResearcher(researcher, sponsor);
        _storage().access[datasetId][researcher] = true;
        emit DatasetAccessGranted(datasetId, researcher, msg.sender);
    }

    /// @inheritdoc IStudyRegistry
    /// @dev Checks run in this order: the dataset, the caller, destruction, the access to withdraw (a researcher
    /// who left the sponsor may still lose hers).
    function revokeDatasetAccess(uint64 datasetId, address researcher) external {
        Dataset storage dataset = _requireDataset(datasetId);
        _requireSponsorOperator(dataset.studyId);
        if (dataset.destroyedAt != 0) revert StudyRegistryDatasetDestroyed(datasetId, dataset.destroyedAt);
        mapping(address => bool) storage access = _storage().access[datasetId];
        if (!access[researcher]) revert StudyRegistryNoDatasetAccess(datasetId, researcher);
        access[researcher] = false;
        emit DatasetAccessRevoked(datasetId, researcher, msg.sender);
    }

    /// @inheritdoc IStudyRegistry
    /// @dev Refuses with the first failing check of {canUseDataset} (in the order of {UseRefusal}), then a zero
    /// `accessRef`.
    function logDatasetAccess(uint64 datasetId, bytes32 accessRef) external {
        Dataset storage dataset = _storage().datasets[datasetId];
        uint64 studyId = dataset.studyId;
        Study storage study = _storage().studies[studyId];
        UseRefusal refusal = _useRefusal(datasetId, dataset, study, msg.sender);
        if (refusal != UseRefusal.None) _revertUseRefusal(refusal, datasetId, dataset, study, msg.sender);
        if (accessRef == bytes32(0)) revert StudyRegistryZeroAccessRef();
        emit DatasetAccessLogged(datasetId, studyId, msg.sender, accessRef);
    }

    /// @inheritdoc IStudyRegistry
    /// @dev Checks run in this order: the dataset, the caller, a previous attestation, the end of the term (or
    /// the study's closure), the certificate hash.
    function attestDestruction(uint64 datasetId, bytes32 certificateHash) external {
        Dataset storage dataset = _requireDataset(datasetId);
        uint64 studyId = dataset.studyId;
        _requireSponsorOperator(studyId);
        if (dataset.destroyedAt != 0) revert StudyRegistryDatasetDestroyed(datasetId, dataset.destroyedAt);
        Study storage study = _storage().studies[studyId];
        uint64 currentTime = uint64(block.timestamp);
        if (currentTime < study.termEnd && study.status != StudyStatus.Closed) {
            revert StudyRegistryTermNotOver(studyId, study.termEnd, currentTime);
        }
        if (certificateHash == bytes32(0)) revert StudyRegistryZeroCertificateHash();
        dataset.destroyedAt = currentTime;
        dataset.destructionCertificateHash = certificateHash;
        emit DestructionAttested(datasetId, studyId, msg.sender, certificateHash);
    }

    /// @inheritdoc IStudyRegistry
    function getStudy(uint64 studyId) external view returns (Study memory) {
        return _storage().studies[studyId];
    }

    /// @inheritdoc IStudyRegistry
    function getStudyDataUse(uint64 studyId) external view returns (uint32[] memory) {
        return _storage().dataUse[studyId];
    }

    /// @inheritdoc IStudyRegistry
    function getDataset(uint64 datasetId) external view returns (Dataset memory) {
        return _storage().datasets[datasetId];
    }

    /// @inheritdoc IStudyRegistry
    function canUseDataset(uint64 datasetId, address researcher) external view returns (bool) {
        Dataset storage dataset = _storage().datasets[datasetId];
        Study storage study = _storage().studies[dataset.studyId];
        return _useRefusal(datasetId, dataset, study, researcher) == UseRefusal.None;
    }

    /// @inheritdoc IStudyRegistry
    function legalExceptionCount(LegalBasis legalBasis) external view returns (uint256) {
        return _storage().legalExceptions[legalBasis];
    }

    /// @inheritdoc IStudyRegistry
    function studyCount() external view returns (uint64) {
        return _storage().studyCount;
    }

    /// @inheritdoc IStudyRegistry
    function datasetCount() external view returns (uint64) {
        return _storage().datasetCount;
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev The one place a study's status changes after registration: checks the decision may start from the
    /// current status, stores the new status and its time, and emits the one event shape every decision shares.
    function _transition(uint64 studyId, uint256 allowedFrom, StudyStatus to, uint16 reasonCode) private {
        Study storage study = _requireStudy(studyId);
        StudyStatus from = study.status;
        if (allowedFrom & (1 << uint8(from)) == 0) revert StudyRegistryInvalidStatusTransition(studyId, from);
        study.status = to;
        study.statusChangedAt = uint64(block.timestamp);
        emit StudyStatusChanged(studyId, from, to, msg.sender, reasonCode);
    }

    /// @dev Checks a registration (in the order {registerStudy} documents) for member `sponsor` of `kind`;
    /// returns its data use codes, the permission first.
    function _checkRegistration(
        StudyRegistration calldata registration,
        uint32 sponsor,
        MemberKind kind
    ) private view returns (uint32[] memory dataUse) {
        RequesterClass requesterClass = registration.requesterClass;
        Purpose purpose = registration.purpose;
        if (requesterClass == RequesterClass.Commercial || Purposes.COMMERCIAL & Purposes.bit(purpose) != 0) {
            revert StudyRegistryCommercialUseBarred(requesterClass, purpose);
        }
        if (!RequesterClasses.isAllowedFor(kind, requesterClass)) {
            revert StudyRegistryRequesterClassNotAllowed(sponsor, kind, requesterClass);
        }
        if (!Purposes.isResearch(purpose) && purpose != Purpose.PublicHealth) {
            revert StudyRegistryNotResearchPurpose(purpose);
        }
        if (registration.protocolHash == bytes32(0)) revert StudyRegistryZeroProtocolHash();
        if (registration.ethicsApprovalHash == bytes32(0)) revert StudyRegistryEthicsApprovalMissing();
        uint64 currentTime = uint64(block.timestamp);
        if (registration.ethicsApprovalExpiresAt <= currentTime) {
            revert StudyRegistryEthicsApprovalExpired(0, registration.ethicsApprovalExpiresAt, currentTime);
        }
        dataUse = _orderedDataUse(registration.dataUse);
        uint32 permission = dataUse[0];
        if (permission == DataUse.DS) {
            if (registration.diseaseCode == 0) revert StudyRegistryDiseaseCodeRequired();
        } else if (registration.diseaseCode != 0) {
            revert StudyRegistryUnexpectedDiseaseCode(permission, registration.diseaseCode);
        }
        if (!Categories.isValid(registration.categories)) {
            revert StudyRegistryInvalidCategories(registration.categories);
        }
        if (registration.termEnd <= registration.termStart || registration.termEnd <= currentTime) {
            revert StudyRegistryInvalidTerm(registration.termStart, registration.termEnd, currentTime);
        }
        if (registration.minimumK < MINIMUM_K_FLOOR) {
            revert StudyRegistryMinimumKTooLow(registration.minimumK, MINIMUM_K_FLOOR);
        }
    }

    /// @dev Checks a manifest (in the order {publishDataset} documents) after the custodian; returns the study's
    /// legal basis.
    function _checkManifest(DatasetManifest calldata manifest) private view returns (LegalBasis legalBasis) {
        uint64 studyId = manifest.studyId;
        Study storage study = _requireStudy(studyId);
        if (study.status != StudyStatus.Approved) revert StudyRegistryStudyNotApproved(studyId, study.status);
        _requireWithinTerm(studyId, study);
        _requireEthicsApproval(studyId, study);
        if (manifest.cohortRoot == bytes32(0)) revert StudyRegistryZeroCohortRoot();
        if (manifest.cohortSize == 0) revert StudyRegistryCohortEmpty();
        if (manifest.methodDocumentHash == bytes32(0)) revert StudyRegistryZeroMethodDocument();
        if (manifest.manifestHash == bytes32(0)) revert StudyRegistryZeroManifestHash();
        _checkPrivacyParameters(studyId, study.minimumK, manifest.method, manifest.k, manifest.epsilonMillis);
        if (manifest.optedOutIncluded > manifest.cohortSize || manifest.k > manifest.cohortSize) {
            revert StudyRegistryCohortInconsistent(manifest.cohortSize, manifest.k, manifest.optedOutIncluded);
        }
        if (manifest.optOutStateBlock >= block.number) {
            revert StudyRegistryOptOutStateInFuture(manifest.optOutStateBlock, block.number);
        }
        legalBasis = study.legalBasis;
        if (manifest.optedOutIncluded != 0 && legalBasis == LegalBasis.None) {
            revert StudyRegistryNoLegalBasis(studyId, manifest.optedOutIncluded);
        }
    }

    /// @dev `codes` checked (at most {MAX_DATA_USE_CODES}, each a DUO permission or modifier, none twice, exactly
    /// one permission) and reordered: the permission first, then the modifiers in the order given. The first
    /// fault in list order wins (an unknown or repeated code before a second permission).
    function _orderedDataUse(uint32[] calldata codes) private pure returns (uint32[] memory ordered) {
        uint256 count = codes.length;
        if (count > MAX_DATA_USE_CODES) revert StudyRegistryTooManyDataUseCodes(count, MAX_DATA_USE_CODES);
        uint32 permission;
        for (uint256 i = 0; i < count; ++i) {
            uint32 code = codes[i];
            bool isPermission = DataUse.isPermission(code);
            if (!isPermission && !DataUse.isModifier(code)) revert StudyRegistryUnknownDataUseCode(code);
            for (uint256 j = 0; j < i; ++j) {
                if (codes[j] == code) revert StudyRegistryDuplicateDataUseCode(code);
            }
            if (isPermission) {
                if (permission != 0) revert StudyRegistryTwoDataUsePermissions(permission, code);
                permission = code;
            }
        }
        if (permission == 0) revert StudyRegistryNoDataUsePermission();
        ordered = new uint32[](count);
        ordered[0] = permission;
        uint256 next = 1;
        for (uint256 i = 0; i < count; ++i) {
            if (codes[i] != permission) {
                ordered[next] = codes[i];
                ++next;
            }
        }
    }

    /// @dev Whether `k` and `epsilonMillis` fit `method` and the study's minimum k.
    function _checkPrivacyParameters(
        uint64 studyId,
        uint16 minimumK,
        DeidentificationMethod method,
        uint32 k,
        uint32 epsilonMillis
    ) private pure {
        if (method == DeidentificationMethod.DifferentialPrivacy) {
            if (k != 0 || epsilonMillis == 0 || epsilonMillis > MAX_EPSILON_MILLIS) {
                revert StudyRegistryInvalidPrivacyParameters(method, k, epsilonMillis);
            }
            return;
        }
        if (epsilonMillis != 0) revert StudyRegistryInvalidPrivacyParameters(method, k, epsilonMillis);
        if (k < minimumK) revert StudyRegistryKBelowMinimum(studyId, k, minimumK);
    }

    /// @dev The first reason `researcher` may not use `dataset` now, or `None`.
    function _useRefusal(
        uint64 datasetId,
        Dataset storage dataset,
        Study storage study,
        address researcher
    ) private view returns (UseRefusal) {
        if (dataset.studyId == 0) return UseRefusal.UnknownDataset;
        if (!_storage().access[datasetId][researcher]) return UseRefusal.NoAccess;
        if (!_isResearcherOf(researcher, study.sponsor)) return UseRefusal.NotResearcher;
        if (dataset.destroyedAt != 0) return UseRefusal.Destroyed;
        if (study.status != StudyStatus.Approved) return UseRefusal.NotApproved;
        if (block.timestamp < study.termStart || block.timestamp >= study.termEnd) return UseRefusal.OutsideTerm;
        if (block.timestamp >= study.ethicsApprovalExpiresAt) return UseRefusal.EthicsExpired;
        return UseRefusal.None;
    }

    /// @dev Reverts with the custom error of `refusal`.
    function _revertUseRefusal(
        UseRefusal refusal,
        uint64 datasetId,
        Dataset storage dataset,
        Study storage study,
        address researcher
    ) private view {
        uint64 studyId = dataset.studyId;
        if (refusal == UseRefusal.UnknownDataset) revert StudyRegistryUnknownDataset(datasetId);
        if (refusal == UseRefusal.NoAccess) revert StudyRegistryNoDatasetAccess(datasetId, researcher);
        if (refusal == UseRefusal.NotResearcher) revert StudyRegistryNotSponsorResearcher(researcher, study.sponsor);
        if (refusal == UseRefusal.Destroyed) revert StudyRegistryDatasetDestroyed(datasetId, dataset.destroyedAt);
        if (refusal == UseRefusal.NotApproved) revert StudyRegistryStudyNotApproved(studyId, study.status);
        if (refusal == UseRefusal.OutsideTerm) _requireWithinTerm(studyId, study);
        _requireEthicsApproval(studyId, study);
    }

    /// @dev Study `studyId`, which must exist.
    function _requireStudy(uint64 studyId) private view returns (Study storage study) {
        study = _storage().studies[studyId];
        if (study.status == StudyStatus.None) revert StudyRegistryUnknownStudy(studyId);
    }

    /// @dev Dataset `datasetId`, which must exist.
    function _requireDataset(uint64 datasetId) private view returns (Dataset storage dataset) {
        dataset = _storage().datasets[datasetId];
        if (dataset.studyId == 0) revert StudyRegistryUnknownDataset(datasetId);
    }

    /// @dev Now must be within the study's term, from `termStart` to before `termEnd`.
    function _requireWithinTerm(uint64 studyId, Study storage study) private view {
        uint64 currentTime = uint64(block.timestamp);
        if (currentTime < study.termStart || currentTime >= study.termEnd) {
            revert StudyRegistryOutsideTerm(studyId, study.termStart, study.termEnd, currentTime);
        }
    }

    /// @dev The study's ethics approval must not have expired.
    function _requireEthicsApproval(uint64 studyId, Study storage study) private view {
        uint64 currentTime = uint64(block.timestamp);
        if (currentTime >= study.ethicsApprovalExpiresAt) {
            revert StudyRegistryEthicsApprovalExpired(studyId, study.ethicsApprovalExpiresAt, currentTime);
        }
    }

    /// @dev The caller must act for study `studyId`'s (active) sponsor with the Researcher or OrgAdmin duty.
    /// Returns the sponsor.
    function _requireSponsorOperator(uint64 studyId) private view returns (uint32 sponsor) {
        sponsor = _storage().studies[studyId].sponsor;
        (uint32 memberId, , uint16 duties) = memberRegistry.requireActiveOperator(msg.sender);
        if (memberId != sponsor || !(Duties.has(duties, Duty.Researcher) || Duties.has(duties, Duty.OrgAdmin))) {
            revert StudyRegistryNotSponsorOperator(studyId, msg.sender);
        }
    }

    /// @dev Whether `researcher` acts for `sponsor`, an active organisation, with the Researcher duty.
    function _isResearcherOf(address researcher, uint32 sponsor) private view returns (bool) {
        return
            memberRegistry.getOperator(researcher).memberId == sponsor &&
            memberRegistry.hasDuty(researcher, Duty.Researcher);
    }

    function _storage() private pure returns (StudyRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
