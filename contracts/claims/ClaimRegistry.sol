// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IClaimRegistry} from "../interfaces/IClaimRegistry.sol";
import {IConsentRegistry} from "../interfaces/IConsentRegistry.sol";
import {IMemberRegistry} from "../interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../interfaces/IPatientRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {ClaimOutcome, ClaimReason, ClaimStatus} from "../types/ClaimCodes.sol";
import {Categories, Purpose, RecordCategory} from "../types/ConsentCodes.sol";
import {Duty, MemberKind, MemberKinds, MemberStatus} from "../types/MemberCodes.sol";
import {DelegateScopes, PatientStatus} from "../types/PatientCodes.sol";
import {RecordStatus} from "../types/RecordCodes.sol";
import {ProxyEIP712} from "../utils/ProxyEIP712.sol";

/// @title ClaimRegistry
/// @notice Insurance claims from providers (hospitals, clinics) to insurers for patients who consented or
/// signed, with anchored attachments and a lifecycle in which each step belongs to one party.
/// @dev Deployed behind a UUPS proxy; upgrades are the admin role's. State lives in ERC-7201 namespaced
/// storage. The EIP-712 domain is {ProxyEIP712}'s (name and version in code, the proxy as verifying
/// contract), like the ConsentRegistry's. Every status change, submission included, goes through {_transition}.
/// @custom:security-contact security@medchain.example
contract ClaimRegistry is IClaimRegistry, ProxyEIP712, AccessManagedUpgradeable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:medchain.storage.ClaimRegistry
    struct ClaimRegistryStorage {
        mapping(bytes32 claimId => Claim) claims;
        mapping(uint64 patientId => uint256) nonces;
    }

    /// @notice EIP-712 type of a patient's authorisation of one exact claim.
    bytes32 public constant CLAIM_AUTHORIZATION_TYPEHASH = keccak256(
        "ClaimAuthorization(uint64 patientId,uint32 provider,uint32 insurer,bytes32 claimHash,uint128 claimedAmount,"
        "uint16 currency,uint64 serviceStart,uint64 serviceEnd,bytes32[] attachments,address signer,uint256 nonce,"
        "uint64 deadline)"
    );

    /// @notice Most attachments one claim may carry over its life (submission and answers together).
    uint256 public constant MAX_ATTACHMENTS = 10;
    /// @notice Largest amount, in minor units, a claim may state (the amounts are stored in 64 bits).
    uint256 public constant MAX_AMOUNT = type(uint64).max;
    /// @notice Largest ISO 4217 numeric currency code.
    uint16 public constant MAX_CURRENCY = 999;
    /// @notice How far `invalidateClaimNonces` may move a patient's nonce at once (as in the ConsentRegistry).
    uint256 public constant MAX_NONCE_JUMP = 1_000_000;

    // Which statuses each step may start from, as bitmasks with bit `uint8(status)` set.
    uint256 private constant FROM_NONE = 1 << uint8(ClaimStatus.None);
    uint256 private constant FROM_SUBMITTED = 1 << uint8(ClaimStatus.Submitted);
    uint256 private constant FROM_IN_REVIEW = 1 << uint8(ClaimStatus.InReview);
    uint256 private constant FROM_INFORMATION_REQUESTED = 1 << uint8(ClaimStatus.InformationRequested);
    uint256 private constant FROM_APPROVED =
        (1 << uint8(ClaimStatus.Approved)) | (1 << uint8(ClaimStatus.PartiallyApproved));
    uint256 private constant FROM_UNDECIDED = FROM_SUBMITTED | FROM_IN_REVIEW | FROM_INFORMATION_REQUESTED;

    // keccak256(abi.encode(uint256(keccak256("medchain.storage.ClaimRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x92abaf69bca991947706ce44c619e30ce4dfd7fb9c40fd2bddf31876d979f900;

    /// @notice The consortium's member registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMemberRegistry public immutable memberRegistry;
    /// @notice The consortium's patient registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IPatientRegistry public immutable patientRegistry;
    /// @notice The consortium's consent registry.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IConsentRegistry public immutable consentRegistry;
    /// @notice The consortium's record registry (attachments must be anchored there).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IRecordRegistry public immutable recordRegistry;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IMemberRegistry memberRegistry_,
        IPatientRegistry patientRegistry_,
        IConsentRegistry consentRegistry_,
        IRecordRegistry recordRegistry_
    ) ProxyEIP712("medchain ClaimRegistry", "1") {
        memberRegistry = memberRegistry_;
        patientRegistry = patientRegistry_;
        consentRegistry = consentRegistry_;
        recordRegistry = recordRegistry_;
        _disableInitializers();
    }

    /// @notice Sets the consortium authority of this proxy. Callable once.
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    /// @inheritdoc IClaimRegistry
    function submitClaim(ClaimSubmission calldata submission) external returns (bytes32 claimId) {
        (uint32 provider, uint32 categories) = _checkSubmission(submission);
        if (
            !consentRegistry.isAuthorizedForCategories(
                submission.patientId,
                submission.insurer,
                categories,
                Purpose.InsuranceClaim
            )
        ) revert ClaimRegistryNotAuthorizedByPatient(submission.patientId, submission.insurer, categories);
        return _submit(submission, provider, false);
    }

    /// @inheritdoc IClaimRegistry
    function submitClaimWithAuthorization(
        ClaimSubmission calldata submission,
        ClaimAuthorization calldata authorization
    ) external returns (bytes32 claimId) {
        (uint32 provider, ) = _checkSubmission(submission);
        _requireClaimSigner(submission.patientId, authorization.signer);
        _useSignature(
            submission.patientId,
            authorization,
            _authorizationStructHash(
                submission,
                provider,
                authorization.signer,
                authorization.nonce,
                authorization.deadline
            )
        );
        return _submit(submission, provider, true);
    }

    /// @inheritdoc IClaimRegistry
    function startReview(bytes32 claimId) external {
        Claim storage claim = _requireInsurer(claimId);
        _transition(claimId, claim, FROM_SUBMITTED, ClaimStatus.InReview, ClaimReason.None, bytes32(0));
    }

    /// @inheritdoc IClaimRegistry
    function requestInformation(bytes32 claimId, uint8 reason, bytes32 requestHash) external {
        Claim storage claim = _requireInsurer(claimId);
        ClaimReason claimReason = _reason(reason);
        _transition(claimId, claim, FROM_IN_REVIEW, ClaimStatus.InformationRequested, claimReason, requestHash);
    }

    /// @inheritdoc IClaimRegistry
    function provideInformation(bytes32 claimId, bytes32[] calldata attachments, bytes32 responseHash) external {
        Claim storage claim = _requireProvider(claimId);
        if (attachments.length != 0) {
            uint256 total = claim.attachmentCount + attachments.length;
            if (total > MAX_ATTACHMENTS) revert ClaimRegistryTooManyAttachments(total, MAX_ATTACHMENTS);
            uint32 categories = _checkAttachments(attachments, claim.provider);
            if (
                !consentRegistry.isAuthorizedForCategories(
                    claim.patientId,
                    claim.insurer,
                    categories,
                    Purpose.InsuranceClaim
                )
            ) revert ClaimRegistryNotAuthorizedByPatient(claim.patientId, claim.insurer, categories);
            claim.attachmentCount = uint8(total);
        }
        _transition(claimId, claim, FROM_INFORMATION_REQUESTED, ClaimStatus.InReview, ClaimReason.None, responseHash);
        if (attachments.length != 0) emit ClaimAttachmentsAdded(claimId, attachments);
    }

    /// @inheritdoc IClaimRegistry
    function approveClaim(bytes32 claimId, uint128 approvedAmount) external {
        Claim storage claim = _requireInsurer(claimId);
        uint64 claimedAmount = claim.claimedAmount;
        if (approvedAmount == 0 || approvedAmount > claimedAmount) {
            revert ClaimRegistryApprovedAmountOutOfRange(claimId, approvedAmount, claimedAmount);
        }
        claim.approvedAmount = uint64(approvedAmount);
        ClaimStatus decision = approvedAmount == claimedAmount ? ClaimStatus.Approved : ClaimStatus.PartiallyApproved;
        _transition(claimId, claim, FROM_IN_REVIEW, decision, ClaimReason.None, bytes32(0));
    }

    /// @inheritdoc IClaimRegistry
    function denyClaim(bytes32 claimId, uint8 reason) external {
        Claim storage claim = _requireInsurer(claimId);
        ClaimReason claimReason = _reason(reason);
        _transition(claimId, claim, FROM_IN_REVIEW, ClaimStatus.Denied, claimReason, bytes32(0));
    }

    /// @inheritdoc IClaimRegistry
    function markPaid(bytes32 claimId, bytes32 paymentReferenceHash) external {
        Claim storage claim = _requireInsurer(claimId);
        if (paymentReferenceHash == bytes32(0)) revert ClaimRegistryZeroPaymentReference(claimId);
        _transition(claimId, claim, FROM_APPROVED, ClaimStatus.Paid, ClaimReason.None, paymentReferenceHash);
    }

    /// @inheritdoc IClaimRegistry
    function withdrawClaim(bytes32 claimId) external {
        Claim storage claim = _requireProvider(claimId);
        _transition(claimId, claim, FROM_UNDECIDED, ClaimStatus.Withdrawn, ClaimReason.None, bytes32(0));
    }

    /// @inheritdoc IClaimRegistry
    function invalidateClaimNonces(uint64 patientId, uint256 newNonce) external {
        _requireClaimSigner(patientId, msg.sender);
        ClaimRegistryStorage storage $ = _storage();
        uint256 current = $.nonces[patientId];
        if (newNonce <= current || newNonce - current > MAX_NONCE_JUMP) {
            revert ClaimRegistryInvalidNonceJump(patientId, current, newNonce, MAX_NONCE_JUMP);
        }
        $.nonces[patientId] = newNonce;
        emit ClaimNoncesInvalidated(patientId, msg.sender, newNonce);
    }

    /// @inheritdoc IClaimRegistry
    function getClaim(bytes32 claimId) external view returns (Claim memory) {
        return _storage().claims[claimId];
    }

    /// @inheritdoc IClaimRegistry
    function claimIdOf(uint32 provider, bytes32 claimHash) external pure returns (bytes32) {
        return _claimId(provider, claimHash);
    }

    /// @inheritdoc IClaimRegistry
    function claimNonces(uint64 patientId) external view returns (uint256) {
        return _storage().nonces[patientId];
    }

    /// @inheritdoc IClaimRegistry
    function claimAuthorizationDigest(
        ClaimSubmission calldata submission,
        uint32 provider,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32) {
        return _hashTypedData(_authorizationStructHash(submission, provider, signer, nonce, deadline));
    }

    /// @dev Upgrades go through the consortium authority: `upgradeToAndCall` is an admin-role selector.
    function _authorizeUpgrade(address) internal override restricted {}

    /// @dev The one place a claim's status changes: checks the step may start from the current status, stores
    /// the new status and reason, and emits the one event shape every step shares.
    function _transition(
        bytes32 claimId,
        Claim storage claim,
        uint256 allowedFrom,
        ClaimStatus to,
        ClaimReason reason,
        bytes32 referenceHash
    ) private {
        ClaimStatus from = claim.status;
        if (allowedFrom & (1 << uint8(from)) == 0) revert ClaimRegistryTransitionNotAllowed(claimId, from, to);
        claim.status = to;
        if (reason != ClaimReason.None) claim.reason = reason;
        // Only an approval or a payment has an approved amount: other steps skip reading the second slot.
        uint64 approvedAmount =
            (to == ClaimStatus.Approved || to == ClaimStatus.PartiallyApproved || to == ClaimStatus.Paid)
                ? claim.approvedAmount
                : 0;
        emit ClaimStatusChanged(claimId, to, msg.sender, from, _outcome(to), reason, approvedAmount, referenceHash);
    }

    /// @dev Checks everything a submission needs but the patient's authorisation; returns the provider and the
    /// categories the insurer will receive (ClaimDocument and every attachment's category).
    function _checkSubmission(
        ClaimSubmission calldata submission
    ) private view returns (uint32 provider, uint32 categories) {
        MemberKind kind;
        (provider, kind) = memberRegistry.requireDuty(msg.sender, Duty.ClaimsOfficer);
        if (!MemberKinds.isCareProvider(kind)) {
            revert ClaimRegistryProviderNotCareProvider(provider, kind);
        }
        if (submission.claimHash == bytes32(0)) revert ClaimRegistryZeroClaimHash();
        if (submission.claimedAmount == 0 || submission.claimedAmount > MAX_AMOUNT) {
            revert ClaimRegistryAmountOutOfRange(submission.claimedAmount, MAX_AMOUNT);
        }
        if (submission.currency == 0 || submission.currency > MAX_CURRENCY) {
            revert ClaimRegistryUnknownCurrency(submission.currency);
        }
        if (
            submission.serviceStart == 0 ||
            submission.serviceEnd < submission.serviceStart ||
            submission.serviceStart > block.timestamp
        ) revert ClaimRegistryInvalidServicePeriod(submission.serviceStart, submission.serviceEnd);
        IMemberRegistry.Member memory insurer = memberRegistry.getMember(submission.insurer);
        if (insurer.kind != MemberKind.Insurer || insurer.status != MemberStatus.Active) {
            revert ClaimRegistryInsurerNotActive(submission.insurer, insurer.kind, insurer.status);
        }
        if (submission.attachments.length > MAX_ATTACHMENTS) {
            revert ClaimRegistryTooManyAttachments(submission.attachments.length, MAX_ATTACHMENTS);
        }
        categories = _checkAttachments(submission.attachments, provider) | Categories.bit(RecordCategory.ClaimDocument);
    }

    /// @dev Each attachment: listed once, anchored on its own by `provider`, current. Returns their categories.
    function _checkAttachments(
        bytes32[] calldata attachments,
        uint32 provider
    ) private view returns (uint32 categories) {
        for (uint256 i = 0; i < attachments.length; ++i) {
            bytes32 contentHash = attachments[i];
            for (uint256 j = 0; j < i; ++j) {
                if (attachments[j] == contentHash) revert ClaimRegistryDuplicateAttachment(contentHash);
            }
            IRecordRegistry.Record memory record = recordRegistry.getRecord(contentHash);
            if (record.status == RecordStatus.None) revert ClaimRegistryAttachmentNotAnchored(contentHash);
            if (record.custodian != provider) {
                revert ClaimRegistryAttachmentOfAnotherCustodian(contentHash, record.custodian, provider);
            }
            if (record.status != RecordStatus.Current) {
                revert ClaimRegistryAttachmentNotCurrent(contentHash, record.status);
            }
            categories |= uint32(1) << record.category;
        }
    }

    /// @dev Stores a checked and authorised submission and moves it from None to Submitted.
    function _submit(
        ClaimSubmission calldata submission,
        uint32 provider,
        bool bySignature
    ) private returns (bytes32 claimId) {
        claimId = _claimId(provider, submission.claimHash);
        Claim storage claim = _storage().claims[claimId];
        if (claim.status != ClaimStatus.None) {
            revert ClaimRegistryDuplicateClaim(claimId, provider, submission.claimHash);
        }
        _storage().claims[claimId] = Claim({
            patientId: submission.patientId,
            provider: provider,
            insurer: submission.insurer,
            currency: submission.currency,
            status: ClaimStatus.None,
            reason: ClaimReason.None,
            attachmentCount: uint8(submission.attachments.length),
            authorizedBySignature: bySignature,
            claimedAmount: uint64(submission.claimedAmount),
            approvedAmount: 0,
            submittedAt: uint64(block.timestamp),
            serviceStart: submission.serviceStart,
            serviceEnd: submission.serviceEnd
        });
        emit ClaimSubmitted(
            claimId,
            submission.patientId,
            submission.insurer,
            provider,
            msg.sender,
            submission.claimHash,
            uint64(submission.claimedAmount),
            submission.currency,
            submission.serviceStart,
            submission.serviceEnd,
            submission.attachments,
            bySignature
        );
        _transition(claimId, claim, FROM_NONE, ClaimStatus.Submitted, ClaimReason.None, submission.claimHash);
    }

    /// @dev The claim, if the caller is a ClaimsOfficer of its insurer (an active organisation).
    function _requireInsurer(bytes32 claimId) private view returns (Claim storage claim) {
        claim = _requireClaim(claimId);
        (uint32 memberId, ) = memberRegistry.requireDuty(msg.sender, Duty.ClaimsOfficer);
        if (memberId != claim.insurer) revert ClaimRegistryWrongParty(claimId, claim.insurer, memberId);
    }

    /// @dev The claim, if the caller is a ClaimsOfficer of its provider (an active organisation).
    function _requireProvider(bytes32 claimId) private view returns (Claim storage claim) {
        claim = _requireClaim(claimId);
        (uint32 memberId, ) = memberRegistry.requireDuty(msg.sender, Duty.ClaimsOfficer);
        if (memberId != claim.provider) revert ClaimRegistryWrongParty(claimId, claim.provider, memberId);
    }

    function _requireClaim(bytes32 claimId) private view returns (Claim storage claim) {
        claim = _storage().claims[claimId];
        if (claim.status == ClaimStatus.None) revert ClaimRegistryUnknownClaim(claimId);
    }

    /// @dev `account` must be the active patient's current account or a delegate whose mandate covers claims.
    function _requireClaimSigner(uint64 patientId, address account) private view {
        IPatientRegistry.Patient memory patient = patientRegistry.getPatient(patientId);
        if (patient.status != PatientStatus.Active) revert ClaimRegistryPatientNotActive(patientId);
        if (account != patient.account && !patientRegistry.canActFor(patientId, account, DelegateScopes.CLAIMS)) {
            revert ClaimRegistryUnauthorizedSigner(patientId, account);
        }
    }

    /// @dev Checks deadline, nonce and signature of a relayed authorisation, then consumes the nonce.
    function _useSignature(uint64 patientId, ClaimAuthorization calldata authorization, bytes32 structHash) private {
        if (block.timestamp > authorization.deadline) {
            revert ClaimRegistryExpiredSignature(authorization.deadline, uint64(block.timestamp));
        }
        ClaimRegistryStorage storage $ = _storage();
        uint256 current = $.nonces[patientId];
        if (authorization.nonce != current) revert ClaimRegistryInvalidNonce(patientId, current, authorization.nonce);
        bytes32 digest = _hashTypedData(structHash);
        // EOA signatures through ECDSA.tryRecover (which refuses high-s malleable forms), contract wallets
        // through ERC-1271.
        if (!SignatureChecker.isValidSignatureNow(authorization.signer, digest, authorization.signature)) {
            revert ClaimRegistryInvalidSignature(authorization.signer);
        }
        $.nonces[patientId] = current + 1;
    }

    function _authorizationStructHash(
        ClaimSubmission calldata submission,
        uint32 provider,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) private pure returns (bytes32) {
        // Two abi.encode halves of static words: the same bytes as one abi.encode, without a deep stack.
        return
            keccak256(
                bytes.concat(
                    abi.encode(
                        CLAIM_AUTHORIZATION_TYPEHASH,
                        submission.patientId,
                        provider,
                        submission.insurer,
                        submission.claimHash,
                        submission.claimedAmount,
                        submission.currency
                    ),
                    abi.encode(
                        submission.serviceStart,
                        submission.serviceEnd,
                        keccak256(abi.encodePacked(submission.attachments)),
                        signer,
                        nonce,
                        deadline
                    )
                )
            );
    }

    function _claimId(uint32 provider, bytes32 claimHash) private pure returns (bytes32) {
        return keccak256(abi.encode(provider, claimHash));
    }

    /// @dev `reason` as a {ClaimReason} a denial or an information request may give (defined, not None).
    function _reason(uint8 reason) private pure returns (ClaimReason) {
        if (reason == 0 || reason > uint8(type(ClaimReason).max)) revert ClaimRegistryInvalidReason(reason);
        return ClaimReason(reason);
    }

    /// @dev The FHIR ClaimResponse outcome of a status.
    function _outcome(ClaimStatus status) private pure returns (ClaimOutcome) {
        if (status == ClaimStatus.PartiallyApproved) return ClaimOutcome.Partial;
        if (status == ClaimStatus.Withdrawn) return ClaimOutcome.Error;
        if (status == ClaimStatus.Approved || status == ClaimStatus.Denied || status == ClaimStatus.Paid) {
            return ClaimOutcome.Complete;
        }
        return ClaimOutcome.Queued;
    }

    function _storage() private pure returns (ClaimRegistryStorage storage $) {
        assembly ("memory-safe") {
            $.slot := STORAGE_LOCATION
        }
    }
}
