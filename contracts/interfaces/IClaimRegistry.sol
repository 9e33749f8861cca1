// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ClaimOutcome, ClaimReason, ClaimStatus} from "../types/ClaimCodes.sol";
import {MemberKind, MemberStatus} from "../types/MemberCodes.sol";
import {RecordStatus} from "../types/RecordCodes.sol";

/// @title IClaimRegistry
/// @notice Insurance claims from a hospital or clinic (the provider) to an insurer, for a patient who consented
/// or signed: the claim's hash, amount, currency and service period, attachments that are anchored records,
/// and every step of adjudication and payment, each by the only party allowed to take it.
/// @dev A claim is keyed by `claimId = keccak256(abi.encode(provider, claimHash))`, so one provider cannot
/// submit the same claim twice. Two storage slots per claim; attachments and references live in events.
/// Every status change goes through one internal function and emits {ClaimStatusChanged}.
interface IClaimRegistry {
    /// @notice What a provider submits. Amounts are in the currency's minor units (cents, for TWD 1/100).
    struct ClaimSubmission {
        uint64 patientId;
        uint32 insurer; // memberId of an active insurer
        bytes32 claimHash; // keccak256 of the canonical FHIR Claim (docs/records.md hashing rules)
        uint128 claimedAmount; // 1 to MAX_AMOUNT
        uint16 currency; // ISO 4217 numeric code, 1 to 999 (901 = TWD)
        uint64 serviceStart; // first second of the service period
        uint64 serviceEnd; // last second of the service period (≥ serviceStart)
        bytes32[] attachments; // content hashes of records this provider anchored, current, at most MAX_ATTACHMENTS
    }

    /// @notice The patient's (or a claims delegate's) EIP-712 signature authorising one exact submission.
    struct ClaimAuthorization {
        address signer;
        uint256 nonce; // the patient's current claim-signature nonce
        uint64 deadline; // last second (inclusive) at which the signature may be used
        bytes signature; // 65-byte ECDSA, or anything the signer's ERC-1271 wallet accepts
    }

    /// @notice A stored claim (two slots).
    struct Claim {
        uint64 patientId;
        uint32 provider;
        uint32 insurer;
        uint16 currency;
        ClaimStatus status;
        ClaimReason reason; // the last denial or information-request reason
        uint8 attachmentCount;
        bool authorizedBySignature; // how the patient authorised it: a signature (true) or a consent grant
        uint64 claimedAmount;
        uint64 approvedAmount; // 0 until approved
        uint64 submittedAt;
        uint64 serviceStart;
        uint64 serviceEnd;
    }

    /// @notice Emitted once when `operator` of `provider` submits claim `claimId`, with its attachments.
    event ClaimSubmitted(
        bytes32 indexed claimId,
        uint64 indexed patientId,
        uint32 indexed insurer,
        uint32 provider,
        address operator,
        bytes32 claimHash,
        uint64 claimedAmount,
        uint16 currency,
        uint64 serviceStart,
        uint64 serviceEnd,
        bytes32[] attachments,
        bool authorizedBySignature
    );

    /// @notice Emitted for every status change of claim `claimId` (submission included), by `actor`.
    /// @param outcome the FHIR ClaimResponse outcome of the new status.
    /// @param reason why, for a denial or an information request; None otherwise.
    /// @param approvedAmount the approved amount once approved (0 before).
    /// @param referenceHash a hash the step carries: the claim hash on submission, the information request, the
    /// provider's answer or the payment reference; zero if none.
    event ClaimStatusChanged(
        bytes32 indexed claimId,
        ClaimStatus indexed status,
        address indexed actor,
        ClaimStatus previousStatus,
        ClaimOutcome outcome,
        ClaimReason reason,
        uint64 approvedAmount,
        bytes32 referenceHash
    );

    /// @notice Emitted when the provider adds `attachments` to claim `claimId` while answering a request.
    event ClaimAttachmentsAdded(bytes32 indexed claimId, bytes32[] attachments);

    /// @notice Emitted when patient `patientId`'s claim-signature nonce moves to `newNonce`.
    event ClaimNoncesInvalidated(uint64 indexed patientId, address indexed invalidatedBy, uint256 newNonce);

    /// @notice A claim hash of zero was given.
    error ClaimRegistryZeroClaimHash();

    /// @notice The claimed amount must be 1 to `maxAmount` minor units; `amount` is outside.
    error ClaimRegistryAmountOutOfRange(uint256 amount, uint256 maxAmount);

    /// @notice `currency` is not an ISO 4217 numeric code (1 to 999).
    error ClaimRegistryUnknownCurrency(uint16 currency);

    /// @notice The service period must not end before it starts, nor start at zero or in the future.
    error ClaimRegistryInvalidServicePeriod(uint64 serviceStart, uint64 serviceEnd);

    /// @notice Only hospitals and clinics submit claims; organisation `memberId` is a `kind`.
    error ClaimRegistryProviderNotCareProvider(uint32 memberId, MemberKind kind);

    /// @notice Organisation `memberId` is a `kind` in status `status`, not an active insurer.
    error ClaimRegistryInsurerNotActive(uint32 memberId, MemberKind kind, MemberStatus status);

    /// @notice A claim carries at most `maxCount` attachments; this one would carry `count`.
    error ClaimRegistryTooManyAttachments(uint256 count, uint256 maxCount);

    /// @notice Attachment `contentHash` appears twice.
    error ClaimRegistryDuplicateAttachment(bytes32 contentHash);

    /// @notice Attachment `contentHash` is not a record anchored on its own (status `None`).
    error ClaimRegistryAttachmentNotAnchored(bytes32 contentHash);

    /// @notice Attachment `contentHash` is `status`; only current records can be attached.
    error ClaimRegistryAttachmentNotCurrent(bytes32 contentHash, RecordStatus status);

    /// @notice Attachment `contentHash` was anchored by organisation `custodian`, not by the provider `provider`.
    error ClaimRegistryAttachmentOfAnotherCustodian(bytes32 contentHash, uint32 custodian, uint32 provider);

    /// @notice Patient `patientId` has not authorised insurer `insurer` for the insurance-claim purpose on the
    /// categories `categories` (a bitmask): no live grant covers them and no signature was given.
    error ClaimRegistryNotAuthorizedByPatient(uint64 patientId, uint32 insurer, uint32 categories);

    /// @notice Provider `provider` already submitted a claim with this hash, as `claimId`.
    error ClaimRegistryDuplicateClaim(bytes32 claimId, uint32 provider, bytes32 claimHash);

    /// @notice No claim has id `claimId`.
    error ClaimRegistryUnknownClaim(bytes32 claimId);

    /// @notice Claim `claimId` is `current`; it cannot move to `requested` from there.
    error ClaimRegistryTransitionNotAllowed(bytes32 claimId, ClaimStatus current, ClaimStatus requested);

    /// @notice Only the claim's `party` (its provider or its insurer) may take this step; the caller acts for
    /// `callerMemberId`.
    error ClaimRegistryWrongParty(bytes32 claimId, uint32 party, uint32 callerMemberId);

    /// @notice The approved amount must be 1 to the claimed `claimedAmount`; `approvedAmount` is outside (deny
    /// a claim instead of approving zero).
    error ClaimRegistryApprovedAmountOutOfRange(bytes32 claimId, uint256 approvedAmount, uint64 claimedAmount);

    /// @notice `reason` is not a reason this step accepts (a defined {ClaimReason} other than None).
    error ClaimRegistryInvalidReason(uint8 reason);

    /// @notice A payment needs a payment reference hash.
    error ClaimRegistryZeroPaymentReference(bytes32 claimId);

    /// @notice Patient `patientId` is unknown or deactivated.
    error ClaimRegistryPatientNotActive(uint64 patientId);

    /// @notice `signer` is neither patient `patientId`'s account nor a delegate whose mandate covers claims now.
    error ClaimRegistryUnauthorizedSigner(uint64 patientId, address signer);

    /// @notice The signature's `deadline` has passed (now `currentTime`).
    error ClaimRegistryExpiredSignature(uint64 deadline, uint64 currentTime);

    /// @notice The signature carries `nonce` but patient `patientId`'s current claim nonce is `expected`.
    error ClaimRegistryInvalidNonce(uint64 patientId, uint256 expected, uint256 nonce);

    /// @notice The signature is not `signer`'s over this authorisation on this chain and contract.
    error ClaimRegistryInvalidSignature(address signer);

    /// @notice Patient `patientId`'s claim nonce is `current`; the new nonce `newNonce` must be higher and at most
    /// `maxJump` ahead.
    error ClaimRegistryInvalidNonceJump(uint64 patientId, uint256 current, uint256 newNonce, uint256 maxJump);

    /// @notice Submits a claim authorised by the patient's live consent grant to the insurer (insurance-claim
    /// purpose, covering ClaimDocument and every attachment's category).
    /// @dev Caller: a ClaimsOfficer operator of an active hospital or clinic. Emits {ClaimSubmitted} and
    /// {ClaimStatusChanged}.
    /// @return claimId `keccak256(abi.encode(provider, claimHash))`.
    function submitClaim(ClaimSubmission calldata submission) external returns (bytes32 claimId);

    /// @notice Submits a claim authorised by the patient's (or a claims delegate's) EIP-712 signature over this
    /// exact submission, relayed by the provider: the patient pays no gas.
    /// @dev As {submitClaim}; consumes the patient's claim nonce.
    function submitClaimWithAuthorization(
        ClaimSubmission calldata submission,
        ClaimAuthorization calldata authorization
    ) external returns (bytes32 claimId);

    /// @notice The insurer takes claim `claimId` into review (Submitted → InReview).
    function startReview(bytes32 claimId) external;

    /// @notice The insurer asks the provider for more information (InReview → InformationRequested).
    /// @param reason a {ClaimReason} other than None.
    /// @param requestHash hash of the request document, or zero.
    function requestInformation(bytes32 claimId, uint8 reason, bytes32 requestHash) external;

    /// @notice The provider answers an information request, optionally with new attachments, and the claim
    /// returns to review (InformationRequested → InReview).
    /// @dev New attachments need the patient's live consent grant to the insurer for their categories, even for a
    /// claim first authorised by signature: revoking consent after submission blocks new attachments.
    function provideInformation(bytes32 claimId, bytes32[] calldata attachments, bytes32 responseHash) external;

    /// @notice The insurer approves `approvedAmount` (InReview → Approved when it is the claimed amount,
    /// PartiallyApproved when less).
    function approveClaim(bytes32 claimId, uint128 approvedAmount) external;

    /// @notice The insurer denies the claim for `reason` (InReview → Denied, final).
    function denyClaim(bytes32 claimId, uint8 reason) external;

    /// @notice The insurer records the payment (Approved or PartiallyApproved → Paid, final).
    /// @param paymentReferenceHash hash of the insurer's payment reference (never an account number).
    function markPaid(bytes32 claimId, bytes32 paymentReferenceHash) external;

    /// @notice The provider withdraws the claim before a decision (Submitted, InReview or InformationRequested →
    /// Withdrawn, final).
    function withdrawClaim(bytes32 claimId) external;

    /// @notice Voids every outstanding claim authorisation of patient `patientId` by moving its nonce to `newNonce`.
    /// @dev Caller: the patient's account or a delegate with the claims scope.
    function invalidateClaimNonces(uint64 patientId, uint256 newNonce) external;

    /// @notice Claim `claimId` (all zero if unknown).
    function getClaim(bytes32 claimId) external view returns (Claim memory);

    /// @notice The id a claim with `claimHash` from provider `provider` has or would have.
    function claimIdOf(uint32 provider, bytes32 claimHash) external pure returns (bytes32);

    /// @notice Patient `patientId`'s current claim-signature nonce.
    function claimNonces(uint64 patientId) external view returns (uint256);

    /// @notice The EIP-712 digest `signer` signs to authorise `submission` by `provider` with `nonce` and
    /// `deadline`.
    function claimAuthorizationDigest(
        ClaimSubmission calldata submission,
        uint32 provider,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32);
}
