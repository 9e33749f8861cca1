// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {EmergencyReason, Purpose, RecordCategory} from "../types/ConsentCodes.sol";
import {MemberKind, MemberStatus} from "../types/MemberCodes.sol";
import {RequesterClass} from "../types/ResearchCodes.sol";

/// @title IConsentRegistry
/// @notice Patients' consent to member organisations: which record categories, for which purposes, within
/// which window; signed off chain (EIP-712) and relayed so patients never pay gas; audited emergency
/// break-glass; and an access log that refuses to record an access that was not authorised.
/// Third parties (insurers beyond claims, research institutes, regulators, companies) receive grants with
/// declared terms: a requester class allowed for their member kind, and the patient's explicit opt-ins for
/// commercial use and for identifiable data, never set by default. Research purposes are never authorised
/// for a patient who opted out of research (IResearchOptOutRegistry).
/// @dev One grant per (patient, grantee) pair, in one storage slot: {isAuthorized} does constant work (plus
/// one opt-out slot in the opt-out registry for research purposes, and one terms slot for third parties).
/// History lives in events. Grants refer to `patientId` and `memberId`, never to accounts.
interface IConsentRegistry {
    /// @notice What a patient grants an organisation. Used directly and inside {DelegatedGrantRequest}.
    struct GrantRequest {
        uint64 patientId;
        uint32 grantee; // memberId of the organisation receiving access
        uint32 categories; // RecordCategory bitmask
        uint16 purposes; // Purpose bitmask
        uint64 notBefore; // first second of access
        uint64 expiresAt; // first second without access
        bytes32 consentFormHash; // keccak256 of the signed consent form's bytes, or zero
    }

    /// @notice A {GrantRequest} signed off chain by `signer` (the patient or a consent delegate) and relayed.
    /// @dev The signed data names `signer`, so a relayer cannot present one key's signature as another
    /// account's (an EOA delegate that also owns the patient's ERC-1271 wallet, say).
    struct DelegatedGrantRequest {
        GrantRequest request;
        address signer;
        uint256 nonce; // the patient's current signature nonce
        uint64 deadline; // last second (inclusive) at which the signature may be used
        bytes signature; // EIP-712 signature (65-byte ECDSA, or anything the signer's ERC-1271 wallet accepts)
    }

    /// @notice Which grant to revoke.
    struct RevokeRequest {
        uint64 patientId;
        uint32 grantee;
    }

    /// @notice A {RevokeRequest} signed off chain and relayed.
    struct DelegatedRevokeRequest {
        RevokeRequest request;
        address signer;
        uint256 nonce;
        uint64 deadline;
        bytes signature;
    }

    /// @notice A grant to a third party: the grant, the requester class the grantee acts as, and the
    /// patient's explicit opt-ins (ExplicitOptIns bits). Used directly and inside
    /// {DelegatedThirdPartyGrantRequest}.
    struct ThirdPartyGrantRequest {
        GrantRequest grant;
        RequesterClass requesterClass;
        uint8 optIns; // ExplicitOptIns: COMMERCIAL_USE, IDENTIFIABLE_DATA
    }

    /// @notice A {ThirdPartyGrantRequest} signed off chain (EIP-712) by the patient or a consent delegate.
    struct DelegatedThirdPartyGrantRequest {
        ThirdPartyGrantRequest request;
        address signer;
        uint256 nonce;
        uint64 deadline;
        bytes signature;
    }

    /// @notice The terms of a third-party grant as stored beside it (all zero for a grant to a care provider
    /// or an insurer's claims grant).
    struct ThirdPartyTerms {
        bool thirdParty; // the grant was made through {grantThirdParty} / {grantThirdPartyBySig}
        RequesterClass requesterClass;
        uint8 optIns;
    }

    /// @notice A stored grant (one slot). The consent-form hash lives beside it, read by {getConsentFormHash}.
    struct Grant {
        uint32 categories;
        uint16 purposes;
        uint64 notBefore;
        uint64 expiresAt;
        uint64 revokedAt; // 0 while not revoked
        bool grantedByDelegate; // who granted: the patient's own account (false) or a delegate (true)
        bool hasConsentForm;
    }

    /// @notice An emergency access opened by a clinician of organisation `memberId` (one slot).
    /// @dev `rightEpoch` is the organisation's break-glass epoch when the access was opened; governance taking
    /// the right moves the epoch on, which ends every access opened before, even if the right is given back.
    struct BreakGlass {
        uint64 endsAt; // access ends at this second (0: never opened)
        EmergencyReason reason;
        address openedBy;
        uint24 rightEpoch;
    }

    /// @notice Emitted when patient `patientId` (through `grantedBy`) grants organisation `grantee` access,
    /// replacing any earlier grant to it.
    event ConsentGranted(
        uint64 indexed patientId,
        uint32 indexed grantee,
        address indexed grantedBy,
        uint32 categories,
        uint16 purposes,
        uint64 notBefore,
        uint64 expiresAt,
        bytes32 consentFormHash
    );

    /// @notice Emitted with {ConsentGranted} when the grant is a third party's: the class it acts as and the
    /// patient's explicit opt-ins.
    event ThirdPartyTermsSet(
        uint64 indexed patientId,
        uint32 indexed grantee,
        RequesterClass requesterClass,
        uint8 optIns
    );

    /// @notice Emitted when patient `patientId`'s grant to `grantee` is revoked by `revokedBy`.
    event ConsentRevoked(uint64 indexed patientId, uint32 indexed grantee, address indexed revokedBy);

    /// @notice Emitted when patient `patientId`'s signature nonce moves to `newNonce`, voiding every
    /// outstanding signature with a lower nonce.
    event NoncesInvalidated(uint64 indexed patientId, address indexed invalidatedBy, uint256 newNonce);

    /// @notice Emitted when `clinician` of `memberId` opens emergency access to patient `patientId`.
    event BreakGlassOpened(
        uint64 indexed patientId,
        uint32 indexed memberId,
        address indexed clinician,
        EmergencyReason reason,
        uint64 endsAt
    );

    /// @notice Emitted when emergency access of `memberId` to patient `patientId` is ended early by `closedBy`.
    event BreakGlassClosed(uint64 indexed patientId, uint32 indexed memberId, address indexed closedBy);

    /// @notice Emitted when governance gives or takes organisation `memberId`'s right to break glass.
    event BreakGlassRightChanged(uint32 indexed memberId, bool allowed);

    /// @notice Emitted when governance changes how long an emergency access lasts.
    event BreakGlassDurationChanged(uint64 previousDuration, uint64 newDuration);

    /// @notice Emitted for every access an operator of `memberId` makes to patient `patientId`'s data. The
    /// contract emits it only when the access is authorised at that moment, so the log is a proof.
    /// @param recordRef an opaque, salted reference to the record read (never the record or its plain id).
    /// @param underBreakGlass whether the access relied on emergency access rather than a grant.
    event AccessLogged(
        uint64 indexed patientId,
        uint32 indexed memberId,
        address indexed operator,
        RecordCategory category,
        Purpose purpose,
        bytes32 recordRef,
        bool underBreakGlass
    );

    /// @notice `categories` is empty or holds bits that name no {RecordCategory}.
    error ConsentRegistryInvalidCategories(uint32 categories);

    /// @notice `purposes` is empty or holds bits that name no {Purpose}.
    error ConsentRegistryInvalidPurposes(uint16 purposes);

    /// @notice A grant's window must end after it starts: `expiresAt` is not after `notBefore`.
    error ConsentRegistryInvalidWindow(uint64 notBefore, uint64 expiresAt);

    /// @notice A grant must end in the future: `expiresAt` is not after `currentTime`.
    error ConsentRegistryExpiryInPast(uint64 expiresAt, uint64 currentTime);

    /// @notice Organisation `grantee` is `status`, not an active member, so it cannot receive a grant.
    error ConsentRegistryGranteeNotActive(uint32 grantee, MemberStatus status);

    /// @notice Patient `patientId` is unknown or deactivated.
    error ConsentRegistryPatientNotActive(uint64 patientId);

    /// @notice `account` is neither patient `patientId`'s account nor a delegate whose mandate covers consent
    /// now (out of scope or expired).
    error ConsentRegistryUnauthorizedActor(uint64 patientId, address account);

    /// @notice Patient `patientId` has no unrevoked grant to organisation `grantee`.
    error ConsentRegistryNoActiveGrant(uint64 patientId, uint32 grantee);

    /// @notice The signature's `deadline` has passed (`currentTime`).
    error ConsentRegistryExpiredSignature(uint64 deadline, uint64 currentTime);

    /// @notice The request carries nonce `provided` but patient `patientId`'s current nonce is `expected`
    /// (a replayed or cancelled signature, or one signed out of order).
    error ConsentRegistryInvalidNonce(uint64 patientId, uint256 expected, uint256 provided);

    /// @notice The signature is not `signer`'s over this request on this chain and contract (wrong key,
    /// another chain id or contract, altered fields, or a malleable high-s ECDSA signature).
    error ConsentRegistryInvalidSignature(address signer);

    /// @notice A nonce can only move forward: patient `patientId`'s nonce is `current`, not below `requested`.
    error ConsentRegistryNonceNotIncreasing(uint64 patientId, uint256 current, uint256 requested);

    /// @notice A nonce may skip at most `maxJump` values at once (enough to void any realistic number of
    /// outstanding signatures, and far from the counter's end): `requested` is too far beyond `current`.
    error ConsentRegistryNonceJumpTooLarge(uint64 patientId, uint256 current, uint256 requested, uint256 maxJump);

    /// @notice No organisation has id `memberId`.
    error ConsentRegistryUnknownMember(uint32 memberId);

    /// @notice Governance has taken organisation `memberId`'s right to break glass.
    error ConsentRegistryBreakGlassNotAllowed(uint32 memberId);

    /// @notice Only hospitals open emergency access; organisation `memberId` is of `kind`.
    error ConsentRegistryBreakGlassNotHospital(uint32 memberId, MemberKind kind);

    /// @notice Organisation `memberId` has no open emergency access to patient `patientId`.
    error ConsentRegistryNoOpenBreakGlass(uint64 patientId, uint32 memberId);

    /// @notice `caller` may not end `memberId`'s emergency access to patient `patientId`: it is neither a
    /// clinician of that organisation nor the patient or a consent delegate.
    error ConsentRegistryUnauthorizedBreakGlassClose(uint64 patientId, uint32 memberId, address caller);

    /// @notice Emergency access must last within [`minDuration`, `maxDuration`] seconds; `duration` does not.
    error ConsentRegistryBreakGlassDurationOutOfRange(uint64 duration, uint64 minDuration, uint64 maxDuration);

    /// @notice A grant to member `grantee` (of `kind`) for `purposes` must go through {grantThirdParty}: the
    /// grantee is not a care provider (an insurer's grant for insurance claims alone excepted), or a purpose
    /// is commercial.
    error ConsentRegistryThirdPartyGrantRequired(uint32 grantee, MemberKind kind, uint16 purposes);

    /// @notice Member `grantee` (of `kind`) may not act as `requesterClass`.
    error ConsentRegistryRequesterClassNotAllowed(uint32 grantee, MemberKind kind, RequesterClass requesterClass);

    /// @notice The grant needs the patient's explicit opt-ins `required` (ExplicitOptIns bits); it holds `given`.
    error ConsentRegistryExplicitOptInRequired(uint64 patientId, uint32 grantee, uint8 required, uint8 given);

    /// @notice `optIns` holds bits that name no explicit opt-in.
    error ConsentRegistryInvalidOptIns(uint8 optIns);

    /// @notice Organisation `memberId` is not authorised now to access patient `patientId`'s `category`
    /// records for `purpose`; the access is refused and not logged.
    error ConsentRegistryAccessNotAuthorized(
        uint64 patientId,
        uint32 memberId,
        RecordCategory category,
        Purpose purpose
    );

    /// @notice An access log entry needs a non-zero record reference.
    error ConsentRegistryZeroRecordRef();

    /// @notice Only clinicians read under emergency access: `operator` of `memberId` lacks the Clinician duty.
    error ConsentRegistryBreakGlassNeedsClinician(address operator, uint32 memberId);

    /// @notice Grants organisation `request.grantee` access to patient `request.patientId`'s records,
    /// replacing any earlier grant to it.
    /// @dev Caller: the patient's current account, or a delegate whose mandate covers consent. Moves the
    /// patient's nonce on, voiding every outstanding signed request (the patient's newest word wins).
    /// Emits {ConsentGranted}.
    function grant(GrantRequest calldata request) external;

    /// @notice Same as {grant}, signed off chain by the patient or a consent delegate; anyone may relay.
    /// @dev Consumes the patient's nonce. Emits {ConsentGranted}.
    function grantBySig(DelegatedGrantRequest calldata delegatedRequest) external;

    /// @notice Revokes patient `request.patientId`'s grant to `request.grantee`, at once.
    /// @dev Caller: the patient's current account or a consent delegate. Moves the patient's nonce on, voiding
    /// every outstanding signed request (a signed grant held back cannot undo this revocation). Emits
    /// {ConsentRevoked}.
    function revoke(RevokeRequest calldata request) external;

    /// @notice Same as {revoke}, signed off chain and relayed by anyone. Emits {ConsentRevoked}.
    function revokeBySig(DelegatedRevokeRequest calldata delegatedRequest) external;

    /// @notice Grants a third party access under declared terms: the grantee's member kind must allow
    /// `requesterClass`; a commercial purpose or requester needs the COMMERCIAL_USE opt-in; a third party's
    /// access to identifiable data needs the IDENTIFIABLE_DATA opt-in ({isAuthorizedForUse}).
    /// @dev Caller and nonce as {grant}. Emits {ConsentGranted} and {ThirdPartyTermsSet}.
    function grantThirdParty(ThirdPartyGrantRequest calldata request) external;

    /// @notice Same as {grantThirdParty}, signed off chain by the patient or a consent delegate; anyone may
    /// relay. Emits {ConsentGranted} and {ThirdPartyTermsSet}.
    function grantThirdPartyBySig(DelegatedThirdPartyGrantRequest calldata delegatedRequest) external;

    /// @notice Moves patient `patientId`'s signature nonce to `newNonce` (at most `MAX_NONCE_JUMP` ahead),
    /// voiding every outstanding signature with a lower nonce.
    /// @dev Caller: the patient's current account or a consent delegate. Emits {NoncesInvalidated}.
    function invalidateNonces(uint64 patientId, uint256 newNonce) external;

    /// @notice Opens emergency access of the caller's hospital to patient `patientId` for treatment, for the
    /// governance-set duration; re-opening an open access extends it (never shortens it). Always recorded.
    /// @dev Caller: a `Clinician` of an active hospital whose break-glass right governance has not taken.
    /// Emits {BreakGlassOpened}.
    /// @return endsAt when the emergency access ends.
    function openBreakGlass(uint64 patientId, EmergencyReason reason) external returns (uint64 endsAt);

    /// @notice Ends organisation `memberId`'s emergency access to patient `patientId` early.
    /// @dev Caller: a `Clinician` of `memberId`, or the patient or a consent delegate. Emits {BreakGlassClosed}.
    function closeBreakGlass(uint64 patientId, uint32 memberId) external;

    /// @notice Gives or takes organisation `memberId`'s right to break glass. Taking it ends every emergency
    /// access the organisation has open, for good: giving the right back does not revive them.
    /// @dev Restricted by the consortium authority (guardian). Reverts {ConsentRegistryUnknownMember} for an
    /// id no organisation has. Emits {BreakGlassRightChanged}.
    function setBreakGlassAllowed(uint32 memberId, bool allowed) external;

    /// @notice Sets how long an emergency access lasts.
    /// @dev Restricted by the consortium authority (admin). Emits {BreakGlassDurationChanged}.
    function setBreakGlassDuration(uint64 newDuration) external;

    /// @notice Records that the caller's organisation accessed patient `patientId`'s `category` record
    /// `recordRef` for `purpose`. Refused unless {isAuthorized} holds at this moment.
    /// @dev Caller: any operator of an active organisation; under emergency access only a `Clinician`.
    /// Emits {AccessLogged}.
    function logAccess(uint64 patientId, RecordCategory category, Purpose purpose, bytes32 recordRef) external;

    /// @notice Whether organisation `memberId` may access patient `patientId`'s `category` records for
    /// `purpose` now: an unrevoked grant covering both, inside its window, or an open emergency access (for
    /// treatment only); and in every case an active organisation and an active patient. A research purpose is
    /// never authorised while the patient opts out of research for the category; a commercial purpose never
    /// without the patient's explicit COMMERCIAL_USE opt-in.
    /// @dev Constant work: one grant slot (and, only without a grant, one break-glass slot), then one status
    /// read in each of the member and patient registries; one opt-out slot for research purposes, one terms
    /// slot for commercial ones.
    function isAuthorized(
        uint64 patientId,
        uint32 memberId,
        RecordCategory category,
        Purpose purpose
    ) external view returns (bool);

    /// @notice Whether {isAuthorized} holds for every category in the bitmask `categories` at once: what a
    /// contract asks before sending several kinds of records (a claim with its attachments) in one step.
    /// @dev Same constant work as {isAuthorized}. Reverts with {ConsentRegistryInvalidCategories} when
    /// `categories` is empty or names categories that do not exist.
    function isAuthorizedForCategories(
        uint64 patientId,
        uint32 memberId,
        uint32 categories,
        Purpose purpose
    ) external view returns (bool);

    /// @notice Patient `patientId`'s stored grant to `grantee` (all zero if never granted).
    function getGrant(uint64 patientId, uint32 grantee) external view returns (Grant memory);

    /// @notice The consent-form hash bound to patient `patientId`'s grant to `grantee` (zero if none).
    function getConsentFormHash(uint64 patientId, uint32 grantee) external view returns (bytes32);

    /// @notice Organisation `memberId`'s emergency access to patient `patientId` as stored (zero if never
    /// opened); whether it is open now is {isBreakGlassOpen}.
    function getBreakGlass(uint64 patientId, uint32 memberId) external view returns (BreakGlass memory);

    /// @notice Whether organisation `memberId` has an emergency access to patient `patientId` open now: not
    /// ended (by time or early) and opened since governance last took the organisation's right.
    function isBreakGlassOpen(uint64 patientId, uint32 memberId) external view returns (bool);

    /// @notice How many emergency accesses organisation `memberId` has opened, and whether it may break glass.
    function breakGlassRecord(uint32 memberId) external view returns (uint64 openedCount, bool allowed);

    /// @notice Seconds an emergency access lasts.
    function breakGlassDuration() external view returns (uint64);

    /// @notice Whether organisation `memberId` may access patient `patientId`'s `category` records for `purpose`
    /// in the ways `uses` names (ExplicitOptIns bits: COMMERCIAL_USE, IDENTIFIABLE_DATA): {isAuthorized},
    /// and the grant's terms allow every use named. A care provider's or an insurer's claims grant allows
    /// identifiable data (the patient's own care and claims), never commercial use.
    function isAuthorizedForUse(
        uint64 patientId,
        uint32 memberId,
        RecordCategory category,
        Purpose purpose,
        uint8 uses
    ) external view returns (bool);

    /// @notice The terms stored beside patient `patientId`'s grant to `grantee`.
    function getThirdPartyTerms(uint64 patientId, uint32 grantee) external view returns (ThirdPartyTerms memory);

    /// @notice Patient `patientId`'s current signature nonce.
    function nonces(uint64 patientId) external view returns (uint256);

    /// @notice The EIP-712 digest `signer` signs for `request` with `nonce` and `deadline`.
    function grantDigest(
        GrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest `signer` signs for `request` with `nonce` and `deadline`.
    function revokeDigest(
        RevokeRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest `signer` signs for a third-party grant `request` with `nonce` and `deadline`.
    function thirdPartyGrantDigest(
        ThirdPartyGrantRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32);
}
