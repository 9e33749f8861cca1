// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Purpose} from "../types/ConsentCodes.sol";
import {MemberKind} from "../types/MemberCodes.sol";
import {DeidentificationMethod, LegalBasis, RequesterClass, StudyStatus} from "../types/ResearchCodes.sol";

/// @title IStudyRegistry
/// @notice Research on de-identified data of many patients. A research member registers a study (protocol
/// and ethics approval hashes, GA4GH DUO use conditions, purpose, requester class, term, minimum k); the
/// consortium's oversight role, independent of the hospitals, approves, suspends and closes it; a data
/// steward of a hospital or clinic publishes de-identified dataset manifests for an approved study (cohort
/// Merkle root, size, de-identification method and parameters, the block of the opt-out state used); the
/// study's sponsor names the researchers who may use each dataset until the term ends, every use is logged,
/// and at the end a destruction certificate is attested. Commercial use is barred here: companies reach data
/// only through a patient's own third-party grant with explicit opt-in (ConsentRegistry).
/// @dev The chain proves who declared what and when, and refuses declarations that break the rules it can
/// see; it cannot see the cohort or the data. docs/research.md states the trust model.
interface IStudyRegistry {
    /// @notice What a research member declares to register a study.
    struct StudyRegistration {
        bytes32 protocolHash; // keccak256 of the study protocol document
        bytes32 ethicsApprovalHash; // keccak256 of the IRB/ERB approval letter
        uint64 ethicsApprovalExpiresAt; // the approval's expiry (unix seconds)
        Purpose purpose; // a research purpose (HRESCH or one of its kinds) or PublicHealth
        RequesterClass requesterClass; // must be allowed for the sponsor's member kind; never Commercial
        uint32[] dataUse; // DUO numeric ids: exactly one permission and any modifiers, each once
        uint32 diseaseCode; // MONDO numeric id, required with DUO DS and zero otherwise
        uint32 categories; // RecordCategory bitmask of the records the study needs
        uint64 termStart; // first second of use
        uint64 termEnd; // first second after use: datasets must be destroyed from then on
        uint16 minimumK; // smallest k (or cell size) a dataset may have; at least MINIMUM_K_FLOOR
        LegalBasis legalBasis; // None, or the legal basis that lets datasets include opted-out patients
    }

    /// @notice A study as stored.
    struct Study {
        uint32 sponsor; // memberId of the registering research member
        StudyStatus status;
        Purpose purpose;
        RequesterClass requesterClass;
        LegalBasis legalBasis;
        uint16 minimumK;
        uint32 dataUsePermission; // the DUO permission id
        uint32 diseaseCode;
        uint32 categories;
        uint64 ethicsApprovalExpiresAt;
        uint64 termStart;
        uint64 termEnd;
        uint64 registeredAt;
        uint64 statusChangedAt;
        bytes32 protocolHash;
        bytes32 ethicsApprovalHash;
    }

    /// @notice What a custodian declares to publish a de-identified dataset for a study.
    struct DatasetManifest {
        uint64 studyId;
        bytes32 cohortRoot; // Merkle root of the contributing records (the record-batch tree of docs/records.md)
        uint32 cohortSize; // patients in the cohort
        DeidentificationMethod method;
        uint32 k; // KAnonymity: k; AggregateTables: the minimum cell size; DifferentialPrivacy: 0
        uint32 epsilonMillis; // DifferentialPrivacy: epsilon × 1000; otherwise 0
        bytes32 methodDocumentHash; // keccak256 of the document describing the method and its parameters
        uint64 optOutStateBlock; // the block whose opt-out state the cohort was built against
        uint32 optedOutIncluded; // opted-out patients included under the study's legal basis (0 without one)
        bytes32 manifestHash; // keccak256 of the off-chain manifest (files, their hashes, the release)
    }

    /// @notice A dataset as stored.
    struct Dataset {
        uint64 studyId;
        uint32 custodian; // memberId of the publishing hospital or clinic
        uint32 cohortSize;
        DeidentificationMethod method;
        uint32 k;
        uint32 epsilonMillis;
        uint32 optedOutIncluded;
        uint64 optOutStateBlock;
        uint64 publishedAt;
        uint64 destroyedAt; // 0 until a destruction certificate is attested
        bytes32 cohortRoot;
        bytes32 methodDocumentHash;
        bytes32 manifestHash;
        bytes32 destructionCertificateHash;
    }

    /// @notice Emitted when `operator` of research member `sponsor` registers study `studyId`.
    event StudyRegistered(
        uint64 indexed studyId,
        uint32 indexed sponsor,
        address indexed operator,
        Purpose purpose,
        RequesterClass requesterClass,
        uint32 dataUsePermission,
        LegalBasis legalBasis,
        uint64 termEnd
    );

    /// @notice Emitted when study `studyId` moves from `previousStatus` to `status` (oversight's decision,
    /// with a reason code of the consortium's choosing for suspensions).
    event StudyStatusChanged(
        uint64 indexed studyId,
        StudyStatus previousStatus,
        StudyStatus status,
        address indexed actor,
        uint16 reasonCode
    );

    /// @notice Emitted when `custodian` publishes dataset `datasetId` for study `studyId`.
    event DatasetPublished(
        uint64 indexed datasetId,
        uint64 indexed studyId,
        uint32 indexed custodian,
        bytes32 cohortRoot,
        uint32 cohortSize,
        DeidentificationMethod method,
        uint32 k,
        uint32 epsilonMillis,
        uint64 optOutStateBlock
    );

    /// @notice Emitted when dataset `datasetId` includes `patients` opted-out patients under `legalBasis`;
    /// {legalExceptionCount} keeps the public total per basis.
    event LegalExceptionUsed(
        uint64 indexed datasetId,
        uint64 indexed studyId,
        LegalBasis indexed legalBasis,
        uint32 patients
    );

    /// @notice Emitted when `grantedBy` of the sponsor lets `researcher` use dataset `datasetId`.
    event DatasetAccessGranted(uint64 indexed datasetId, address indexed researcher, address indexed grantedBy);

    /// @notice Emitted when `revokedBy` of the sponsor withdraws `researcher`'s use of dataset `datasetId`.
    event DatasetAccessRevoked(uint64 indexed datasetId, address indexed researcher, address indexed revokedBy);

    /// @notice Emitted for every use of dataset `datasetId` by `researcher`; emitted only when the use is
    /// allowed at that moment, so the log is a proof.
    event DatasetAccessLogged(
        uint64 indexed datasetId,
        uint64 indexed studyId,
        address indexed researcher,
        bytes32 accessRef
    );

    /// @notice Emitted when `attestedBy` of the sponsor attests the destruction of dataset `datasetId`.
    event DestructionAttested(
        uint64 indexed datasetId,
        uint64 indexed studyId,
        address indexed attestedBy,
        bytes32 certificateHash
    );

    /// @notice A study needs the hash of its protocol.
    error StudyRegistryZeroProtocolHash();

    /// @notice A study needs the hash of its ethics (IRB) approval.
    error StudyRegistryEthicsApprovalMissing();

    /// @notice The ethics approval expired at `expiresAt`; it is now `currentTime`.
    error StudyRegistryEthicsApprovalExpired(uint64 studyId, uint64 expiresAt, uint64 currentTime);

    /// @notice A member of `kind` (member `memberId`) may not act as `requesterClass`.
    error StudyRegistryRequesterClassNotAllowed(uint32 memberId, MemberKind kind, RequesterClass requesterClass);

    /// @notice Commercial use of de-identified datasets is barred: `requesterClass` or `purpose` is commercial.
    error StudyRegistryCommercialUseBarred(RequesterClass requesterClass, Purpose purpose);

    /// @notice `purpose` is neither a research purpose nor PublicHealth.
    error StudyRegistryNotResearchPurpose(Purpose purpose);

    /// @notice The data use codes name no DUO permission.
    error StudyRegistryNoDataUsePermission();

    /// @notice The data use codes name two permissions, `first` and `second`; a study has exactly one.
    error StudyRegistryTwoDataUsePermissions(uint32 first, uint32 second);

    /// @notice `code` is neither a DUO permission nor a DUO modifier.
    error StudyRegistryUnknownDataUseCode(uint32 code);

    /// @notice `code` is listed twice.
    error StudyRegistryDuplicateDataUseCode(uint32 code);

    /// @notice `count` data use codes are more than the `max` a study may list.
    error StudyRegistryTooManyDataUseCodes(uint256 count, uint256 max);

    /// @notice DUO DS (disease specific research) needs a disease code.
    error StudyRegistryDiseaseCodeRequired();

    /// @notice Only DUO DS carries a disease code; `permission` was given `diseaseCode`.
    error StudyRegistryUnexpectedDiseaseCode(uint32 permission, uint32 diseaseCode);

    /// @notice `categories` is empty or names categories that do not exist.
    error StudyRegistryInvalidCategories(uint32 categories);

    /// @notice The term must end after it starts and after now.
    error StudyRegistryInvalidTerm(uint64 termStart, uint64 termEnd, uint64 currentTime);

    /// @notice `minimumK` is below the floor every study keeps.
    error StudyRegistryMinimumKTooLow(uint16 minimumK, uint16 floor);

    /// @notice There is no study `studyId`.
    error StudyRegistryUnknownStudy(uint64 studyId);

    /// @notice Study `studyId` is `status`, which does not allow this change.
    error StudyRegistryInvalidStatusTransition(uint64 studyId, StudyStatus status);

    /// @notice Study `studyId` is `status`, not Approved.
    error StudyRegistryStudyNotApproved(uint64 studyId, StudyStatus status);

    /// @notice The custodian (member `memberId`, of `kind`) is not a hospital or clinic.
    error StudyRegistryCustodianNotCareProvider(uint32 memberId, MemberKind kind);

    /// @notice A dataset needs its cohort's Merkle root.
    error StudyRegistryZeroCohortRoot();

    /// @notice A dataset's cohort cannot be empty.
    error StudyRegistryCohortEmpty();

    /// @notice A dataset needs the hash of its de-identification method document.
    error StudyRegistryZeroMethodDocument();

    /// @notice The dataset's `k` (or minimum cell size) is below study `studyId`'s minimum.
    error StudyRegistryKBelowMinimum(uint64 studyId, uint32 k, uint16 minimumK);

    /// @notice The privacy parameters do not fit `method` (epsilon only with differential privacy, and
    /// then above zero and at most MAX_EPSILON_MILLIS; k only without it).
    error StudyRegistryInvalidPrivacyParameters(DeidentificationMethod method, uint32 k, uint32 epsilonMillis);

    /// @notice A dataset needs the hash of its off-chain manifest (its files, their hashes, the release).
    error StudyRegistryZeroManifestHash();

    /// @notice The manifest contradicts itself: more opted-out patients included than the cohort holds, or a
    /// k (or minimum cell size) larger than the cohort.
    error StudyRegistryCohortInconsistent(uint32 cohortSize, uint32 k, uint32 optedOutIncluded);

    /// @notice The opt-out state block `optOutStateBlock` is not before the current block `currentBlock`.
    error StudyRegistryOptOutStateInFuture(uint64 optOutStateBlock, uint256 currentBlock);

    /// @notice Study `studyId` has no legal basis, so its datasets cannot include opted-out patients.
    error StudyRegistryNoLegalBasis(uint64 studyId, uint32 optedOutIncluded);

    /// @notice There is no dataset `datasetId`.
    error StudyRegistryUnknownDataset(uint64 datasetId);

    /// @notice `account` is not an operator of study `studyId`'s sponsor with the Researcher or OrgAdmin duty.
    error StudyRegistryNotSponsorOperator(uint64 studyId, address account);

    /// @notice `researcher` is not an operator of the sponsor (member `sponsor`) with the Researcher duty.
    error StudyRegistryNotSponsorResearcher(address researcher, uint32 sponsor);

    /// @notice `researcher` has no access to dataset `datasetId`.
    error StudyRegistryNoDatasetAccess(uint64 datasetId, address researcher);

    /// @notice Study `studyId`'s term runs from `termStart` to `termEnd`; it is now `currentTime`.
    error StudyRegistryOutsideTerm(uint64 studyId, uint64 termStart, uint64 termEnd, uint64 currentTime);

    /// @notice Study `studyId` is still running (term ends `termEnd`, it is `currentTime`) and not closed.
    error StudyRegistryTermNotOver(uint64 studyId, uint64 termEnd, uint64 currentTime);

    /// @notice Dataset `datasetId` was destroyed at `destroyedAt`.
    error StudyRegistryDatasetDestroyed(uint64 datasetId, uint64 destroyedAt);

    /// @notice A destruction attestation needs the hash of the signed certificate.
    error StudyRegistryZeroCertificateHash();

    /// @notice An access log entry needs an opaque reference to what was used.
    error StudyRegistryZeroAccessRef();

    /// @notice Registers a study for the caller's research member (Researcher duty; the member's kind must
    /// allow `requesterClass`). Returns its id; the study waits for oversight's approval.
    function registerStudy(StudyRegistration calldata registration) external returns (uint64 studyId);

    /// @notice Oversight approves a proposed study (Proposed → Approved) whose ethics approval has not expired.
    function approveStudy(uint64 studyId) external;

    /// @notice Oversight suspends an approved study (Approved → Suspended) for `reasonCode`: no dataset may be
    /// published or used while suspended.
    function suspendStudy(uint64 studyId, uint16 reasonCode) external;

    /// @notice Oversight lifts a suspension (Suspended → Approved).
    function reinstateStudy(uint64 studyId) external;

    /// @notice Oversight closes a study for good (any status but Closed → Closed).
    function closeStudy(uint64 studyId, uint16 reasonCode) external;

    /// @notice A data steward of a hospital or clinic publishes a de-identified dataset for an approved study
    /// within its term and ethics approval. Returns the dataset's id.
    function publishDataset(DatasetManifest calldata manifest) external returns (uint64 datasetId);

    /// @notice The sponsor's Researcher or OrgAdmin operator lets `researcher` (an operator of the sponsor with
    /// the Researcher duty) use dataset `datasetId` until the study's term ends.
    function grantDatasetAccess(uint64 datasetId, address researcher) external;

    /// @notice The sponsor's Researcher or OrgAdmin operator withdraws `researcher`'s access.
    function revokeDatasetAccess(uint64 datasetId, address researcher) external;

    /// @notice The caller (a researcher with access) logs a use of dataset `datasetId`; refused outside the
    /// term, after the ethics approval expired, unless the study is approved, or after destruction.
    function logDatasetAccess(uint64 datasetId, bytes32 accessRef) external;

    /// @notice The sponsor's Researcher or OrgAdmin operator attests that dataset `datasetId` was destroyed,
    /// with the hash of the signed certificate, once the term is over or the study closed. Once per dataset.
    function attestDestruction(uint64 datasetId, bytes32 certificateHash) external;

    /// @notice Study `studyId` as stored (status None when there is no such study).
    function getStudy(uint64 studyId) external view returns (Study memory);

    /// @notice Study `studyId`'s DUO codes: the permission first, then the modifiers in registration order.
    function getStudyDataUse(uint64 studyId) external view returns (uint32[] memory);

    /// @notice Dataset `datasetId` as stored (studyId 0 when there is no such dataset).
    function getDataset(uint64 datasetId) external view returns (Dataset memory);

    /// @notice Whether `researcher` may use dataset `datasetId` now (granted, study approved, within term and
    /// ethics approval, not destroyed, still a researcher of the sponsor).
    function canUseDataset(uint64 datasetId, address researcher) external view returns (bool);

    /// @notice How many opted-out patients datasets have included under `legalBasis`, in total.
    function legalExceptionCount(LegalBasis legalBasis) external view returns (uint256);

    /// @notice How many studies were ever registered (ids run from 1).
    function studyCount() external view returns (uint64);

    /// @notice How many datasets were ever published (ids run from 1).
    function datasetCount() external view returns (uint64);
}
