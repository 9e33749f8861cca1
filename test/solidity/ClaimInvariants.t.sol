// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ClaimRegistry} from "../../contracts/claims/ClaimRegistry.sol";
import {ConsentRegistry} from "../../contracts/consent/ConsentRegistry.sol";
import {MemberRegistry} from "../../contracts/governance/MemberRegistry.sol";
import {IClaimRegistry} from "../../contracts/interfaces/IClaimRegistry.sol";
import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IMemberRegistry} from "../../contracts/interfaces/IMemberRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {ClaimReason, ClaimStatus} from "../../contracts/types/ClaimCodes.sol";
import {Categories, Purpose, Purposes, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {Duties, Duty, MemberKind, MemberStatus} from "../../contracts/types/MemberCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";
import {CommonBase} from "./utils/Vm.sol";

/// @notice What a successful call did to a claim: its submission or one lifecycle step.
enum ClaimStep {
    Submit,
    StartReview,
    RequestInformation,
    ProvideInformation,
    Approve,
    Deny,
    MarkPaid,
    Withdraw
}

/// @notice The fixed cast the claim handler works over: two patients (with their keys, so they can sign), two
/// providers (the hospital and the clinic, three records each anchored on their own) and two insurers, one
/// claims officer per organisation, a stranger, the guardian and the council.
struct ClaimCast {
    ClaimRegistry claimRegistry;
    ConsentRegistry consentRegistry;
    MemberRegistry memberRegistry;
    uint64[2] patientIds;
    uint256[2] patientKeys;
    uint32[4] memberIds; // 0, 1: the providers (hospital, clinic); 2, 3: the insurers
    address[4] officers; // officers[i] is a ClaimsOfficer of memberIds[i]
    bytes32[3][2] records; // records[i]: current records provider i anchored on their own
    RecordCategory[3] recordCategories; // records[i][r] is of category recordCategories[r]
    address stranger;
    address guardian;
    address council;
}

/// @notice The handler's model of one claim.
struct GhostClaim {
    bytes32 id;
    uint8 patient;
    uint8 provider; // index into ClaimCast.memberIds (0 or 1)
    uint8 insurer; // index into ClaimCast.memberIds (2 or 3)
    bool bySignature;
    ClaimStatus status;
    ClaimReason reason;
    uint8 attachmentCount;
    uint64 claimedAmount;
    uint64 approvedAmount;
}

/// @notice A lifecycle call the handler makes: the step, its caller and its arguments.
struct StepCall {
    ClaimStep step;
    address actor;
    uint128 amount; // approveClaim
    uint8 reason; // requestInformation, denyClaim
    bytes32 referenceHash; // requestInformation, provideInformation, markPaid
    uint256 attachments; // provideInformation: how many of the provider's first records to add
}

/// @notice One successful call: on which claim, which step, which organisation's operator took it (as the member
/// registry saw the caller at that moment), and the status before and after.
struct TakenStep {
    uint256 claim;
    ClaimStep step;
    uint32 actorMember;
    ClaimStatus from;
    ClaimStatus to;
}

/// @notice Drives ClaimRegistry through random sequences of claims (consent-based and signed), lifecycle steps
/// (review, information requests, answers with and without new attachments, approvals for random amounts,
/// denials with random reasons, payments, withdrawals) taken by random actors (the claim's provider's and
/// insurer's officers, the other insurer's and the other provider's officers, a stranger), patients revoking and
/// giving back their consent, and the guardian suspending and the council reinstating organisations; and keeps a
/// ghost model of every claim, its status history and every step taken.
/// @dev The model is written from the interface's NatSpec and ClaimCodes.sol's lifecycle, not from the contract.
/// Every call predicts its outcome, and for a refusal the exact error in the contract's documented order (caller,
/// party, the step's arguments, then the transition); each call whose outcome or error differs, or that changes
/// a claim it should not, is counted. The model changes only on success.
contract ClaimHandler is CommonBase {
    uint256 internal constant PATIENTS = 2;
    uint256 internal constant MEMBERS = 4;
    uint256 internal constant RECORDS = 3;
    /// @dev Few enough claims that sequences of 32 calls take several of them far down the lifecycle.
    uint256 internal constant MAX_CLAIMS = 4;
    uint64 internal constant MAX_CLAIMED = 1e12;
    uint256 internal constant MAX_ATTACHMENTS = 10;
    bytes32 internal constant REFERENCE = keccak256("medchain invariant reference");

    ClaimRegistry internal immutable claimRegistry;
    ConsentRegistry internal immutable consentRegistry;
    MemberRegistry internal immutable memberRegistry;
    ClaimCast internal cast;

    GhostClaim[] internal ghostClaims;
    mapping(uint256 claim => ClaimStatus[]) internal histories;
    /// @dev The first final status a claim reached (None while it has reached none).
    mapping(uint256 claim => ClaimStatus) public terminalStatus;
    TakenStep[] internal takenSteps;
    bool[MEMBERS] internal ghostSuspended;
    bool[2][PATIENTS] internal ghostConsent; // [patient][insurer - 2]: a live insurance-claim grant of everything
    uint256[PATIENTS] internal ghostNonces;
    uint256 internal claimsMade;

    /// @notice Calls whose outcome (success or the exact error) or effect differed from the model's.
    uint256 public unexpectedOutcomes;
    /// @notice The first such call, for the failure message.
    string public firstUnexpectedOutcome;

    // Call statistics, for probes.
    mapping(ClaimStep step => uint256) public calls;
    mapping(ClaimStep step => uint256) public successes;
    mapping(ClaimStatus status => uint256) public reached;

    constructor(ClaimCast memory cast_) {
        cast = cast_;
        claimRegistry = cast_.claimRegistry;
        consentRegistry = cast_.consentRegistry;
        memberRegistry = cast_.memberRegistry;
        for (uint256 p = 0; p < PATIENTS; ++p) ghostConsent[p] = [true, true];
    }

    // --------------------------------------------------------------------------------------------------
    // Operations (the fuzzer's targets)
    // --------------------------------------------------------------------------------------------------

    /// @notice A provider's officer submits a claim for a patient to an insurer, with 0 to 3 of its records,
    /// authorised by the patient's grant or, relayed, by the patient's signature.
    function submitClaim(
        uint256 patientSeed,
        uint256 providerSeed,
        uint256 insurerSeed,
        uint256 amountSeed,
        uint256 attachmentSeed,
        bool bySignature
    ) external {
        if (ghostClaims.length >= MAX_CLAIMS) return;
        GhostClaim memory ghost;
        ghost.patient = uint8(patientSeed % PATIENTS);
        ghost.provider = uint8(providerSeed % 2);
        ghost.insurer = uint8(2 + (insurerSeed % 2));
        ghost.bySignature = bySignature;
        ghost.claimedAmount = uint64(bound(amountSeed, 1, MAX_CLAIMED));
        ghost.attachmentCount = uint8(attachmentSeed % (RECORDS + 1));
        IClaimRegistry.ClaimSubmission memory submission = _submission(ghost, claimsMade++);
        ghost.id = claimRegistry.claimIdOf(_member(ghost.provider), submission.claimHash);

        bytes memory expected = _submitError(ghost);
        bytes memory data =
            bySignature
                ? abi.encodeCall(IClaimRegistry.submitClaimWithAuthorization, (submission, _sign(ghost, submission)))
                : abi.encodeCall(IClaimRegistry.submitClaim, (submission));
        address officer = cast.officers[ghost.provider];
        vm.prank(officer);
        (bool success, bytes memory returned) = address(claimRegistry).call(data);
        _outcome(ClaimStep.Submit, success, returned, expected);
        if (!success) {
            if (claimRegistry.getClaim(ghost.id).status != ClaimStatus.None) _unexpected("submit: refused but stored");
            return;
        }
        if (bySignature) ++ghostNonces[ghost.patient];
        ghost.status = ClaimStatus.Submitted;
        ghostClaims.push(ghost);
        uint256 c = ghostClaims.length - 1;
        histories[c].push(ClaimStatus.Submitted);
        _recordStep(c, ClaimStep.Submit, officer, ClaimStatus.None, ClaimStatus.Submitted);
    }

    /// @notice Someone takes a lifecycle step on a claim. Half the time the step is one the claim's status
    /// allows, half the time one it does not; most of the time the actor is the step's party; the arguments are
    /// random around their edges.
    function takeStep(
        uint256 claimSeed,
        uint256 stepSeed,
        uint256 actorSeed,
        uint256 amountSeed,
        uint256 reasonSeed,
        uint256 attachmentSeed
    ) external {
        if (ghostClaims.length == 0) return;
        uint256 c = claimSeed % ghostClaims.length;
        GhostClaim memory ghost = ghostClaims[c];
        StepCall memory call = StepCall({
            step: _pickStep(ghost.status, stepSeed),
            actor: address(0),
            amount: _pickAmount(ghost.claimedAmount, amountSeed),
            reason: reasonSeed % 4 == 0 ? uint8(reasonSeed >> 8) : uint8(1 + ((reasonSeed >> 8) % 9)),
            referenceHash: reasonSeed % 8 == 1 ? bytes32(0) : keccak256(abi.encode(REFERENCE, reasonSeed)),
            attachments: 0
        });
        call.actor = _pickActor(ghost, call.step, actorSeed);
        if (call.step == ClaimStep.ProvideInformation) call.attachments = attachmentSeed % (RECORDS + 1);
        _take(c, ghost, call);
    }

    /// @notice The party of the next step of a claim that is not final takes a step its status allows, with valid
    /// arguments: what moves claims down the lifecycle (refused only while a party is suspended or, for new
    /// attachments, without a live grant).
    function advanceClaim(uint256 claimSeed, uint256 choiceSeed, uint256 argumentSeed) external {
        if (ghostClaims.length == 0) return;
        uint256 c = claimSeed % ghostClaims.length;
        for (uint256 i = 0; i < ghostClaims.length && _isTerminal(ghostClaims[c].status); ++i) {
            c = (c + 1) % ghostClaims.length;
        }
        GhostClaim memory ghost = ghostClaims[c];
        if (_isTerminal(ghost.status)) return;
        // Withdrawal ends a claim early: take it one time in eight only (it is the last allowed step listed).
        (ClaimStep[5] memory allowed, uint256 n) = _allowedSteps(ghost.status);
        if (choiceSeed % 8 != 0 && n > 1 && allowed[n - 1] == ClaimStep.Withdraw) --n;
        ClaimStep step = allowed[(choiceSeed >> 3) % n];
        StepCall memory call = StepCall({
            step: step,
            actor: cast.officers[_isProviderStep(step) ? ghost.provider : ghost.insurer],
            amount: argumentSeed % 2 == 0
                ? ghost.claimedAmount
                : uint128(bound(argumentSeed >> 1, 1, ghost.claimedAmount)),
            reason: uint8(1 + ((argumentSeed >> 8) % 9)),
            referenceHash: keccak256(abi.encode(REFERENCE, argumentSeed)),
            attachments: step == ClaimStep.ProvideInformation ? (argumentSeed >> 16) % 2 : 0
        });
        _take(c, ghost, call);
    }

    /// @dev Makes `call` on claim `c`, checks its outcome, error and effect against the model, and on success
    /// moves the model.
    function _take(uint256 c, GhostClaim memory ghost, StepCall memory call) private {
        (bytes memory expected, ClaimStatus target) = _predict(ghost, call);
        vm.prank(call.actor);
        (bool success, bytes memory returned) = address(claimRegistry).call(_stepCall(ghost, call));
        _outcome(call.step, success, returned, expected);
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(ghost.id);
        if (!success) {
            if (
                stored.status != ghost.status ||
                stored.approvedAmount != ghost.approvedAmount ||
                stored.reason != ghost.reason ||
                stored.attachmentCount != ghost.attachmentCount
            ) {
                _unexpected("takeStep: a refused step changed the claim");
            }
            return;
        }
        if (_isTerminal(ghost.status)) _unexpected("takeStep: a final claim moved");
        if (stored.status != target) _unexpected("takeStep: the claim reached another status than the step's");
        _recordSuccess(c, call, ghost.status, stored.status);
    }

    /// @notice The patient revokes its grant to an insurer, or gives it back (every category, claims only).
    function toggleConsent(uint256 patientSeed, uint256 insurerSeed) external {
        uint256 p = patientSeed % PATIENTS;
        uint256 i = insurerSeed % 2;
        address account = vm.addr(cast.patientKeys[p]);
        uint32 insurer = cast.memberIds[2 + i];
        if (ghostConsent[p][i]) {
            vm.prank(account);
            consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: cast.patientIds[p], grantee: insurer}));
            ghostConsent[p][i] = false;
        } else if (!ghostSuspended[2 + i]) {
            vm.prank(account);
            consentRegistry.grant(_grantRequest(cast.patientIds[p], insurer));
            ghostConsent[p][i] = true;
        }
    }

    /// @notice The guardian suspends an organisation (one call in three), or the council reinstates it.
    function toggleSuspension(uint256 memberSeed, uint256 gateSeed) external {
        uint256 m = memberSeed % MEMBERS;
        if (ghostSuspended[m]) {
            vm.prank(cast.council);
            memberRegistry.reinstateMember(cast.memberIds[m]);
            ghostSuspended[m] = false;
        } else if (gateSeed % 3 == 0) {
            vm.prank(cast.guardian);
            memberRegistry.suspendMember(cast.memberIds[m], 1);
            ghostSuspended[m] = true;
        }
    }

    // --------------------------------------------------------------------------------------------------
    // The model (views: the fuzzer does not call them)
    // --------------------------------------------------------------------------------------------------

    function claimCount() external view returns (uint256) {
        return ghostClaims.length;
    }

    function claimAt(uint256 c) external view returns (GhostClaim memory) {
        return ghostClaims[c];
    }

    function historyOf(uint256 c) external view returns (ClaimStatus[] memory) {
        return histories[c];
    }

    function stepCount() external view returns (uint256) {
        return takenSteps.length;
    }

    function stepAt(uint256 s) external view returns (TakenStep memory) {
        return takenSteps[s];
    }

    function memberIdAt(uint256 m) external view returns (uint32) {
        return cast.memberIds[m];
    }

    function patientIdAt(uint256 p) external view returns (uint64) {
        return cast.patientIds[p];
    }

    function nonceOf(uint256 p) external view returns (uint256) {
        return ghostNonces[p];
    }

    // --------------------------------------------------------------------------------------------------
    // Internals: choices
    // --------------------------------------------------------------------------------------------------

    /// @dev Half the time one of the steps `status` allows, otherwise one it does not (any step from a final
    /// status).
    function _pickStep(ClaimStatus status, uint256 seed) private pure returns (ClaimStep) {
        ClaimStep[7] memory steps;
        uint256 n = 0;
        for (uint256 s = uint256(ClaimStep.StartReview); s <= uint256(ClaimStep.Withdraw); ++s) {
            if (_allowedFrom(ClaimStep(s), status) == (seed % 2 == 0)) steps[n++] = ClaimStep(s);
        }
        return n == 0 ? ClaimStep(1 + ((seed >> 1) % 7)) : steps[(seed >> 1) % n];
    }

    /// @dev The lifecycle steps `status` allows, in ClaimStep order (so Withdraw, when allowed, comes last).
    function _allowedSteps(ClaimStatus status) private pure returns (ClaimStep[5] memory allowed, uint256 n) {
        for (uint256 s = uint256(ClaimStep.StartReview); s <= uint256(ClaimStep.Withdraw); ++s) {
            if (_allowedFrom(ClaimStep(s), status)) allowed[n++] = ClaimStep(s);
        }
    }

    /// @dev Half the time the step's party's officer; otherwise the claim's provider's or insurer's officer, the
    /// other insurer's, the other provider's, or a stranger.
    function _pickActor(GhostClaim memory ghost, ClaimStep step, uint256 seed) private view returns (address) {
        uint256 choice = seed % 10;
        if (choice < 5) return cast.officers[_isProviderStep(step) ? ghost.provider : ghost.insurer];
        if (choice == 5) return cast.officers[ghost.provider];
        if (choice == 6) return cast.officers[ghost.insurer];
        if (choice == 7) return cast.officers[5 - ghost.insurer];
        if (choice == 8) return cast.officers[1 - ghost.provider];
        return cast.stranger;
    }

    /// @dev The claimed amount, an amount below it, an edge beyond the range (0 or one more), or a raw value.
    function _pickAmount(uint64 claimed, uint256 seed) private pure returns (uint128) {
        uint256 choice = seed % 4;
        if (choice == 0) return claimed;
        if (choice == 1) return uint128(bound(seed >> 2, 1, claimed));
        if (choice == 2) return (seed >> 2) % 2 == 0 ? 0 : uint128(claimed) + 1;
        return uint128(seed >> 2);
    }

    // --------------------------------------------------------------------------------------------------
    // Internals: the model's predictions
    // --------------------------------------------------------------------------------------------------

    /// @dev The error a submission must be refused with (empty: it must succeed). Hashes are fresh, amounts,
    /// currencies and periods valid, attachments the provider's current records, patients active, signatures
    /// fresh: only suspensions and consent decide.
    function _submitError(GhostClaim memory ghost) private view returns (bytes memory) {
        if (ghostSuspended[ghost.provider]) {
            return
                abi.encodeWithSelector(
                    IMemberRegistry.MemberRegistryMemberNotActive.selector,
                    _member(ghost.provider),
                    MemberStatus.Suspended
                );
        }
        if (ghostSuspended[ghost.insurer]) {
            return
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryInsurerNotActive.selector,
                    _member(ghost.insurer),
                    MemberKind.Insurer,
                    MemberStatus.Suspended
                );
        }
        if (!ghost.bySignature && !ghostConsent[ghost.patient][ghost.insurer - 2]) {
            return
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryNotAuthorizedByPatient.selector,
                    cast.patientIds[ghost.patient],
                    _member(ghost.insurer),
                    _attachedCategories(ghost.attachmentCount) | Categories.bit(RecordCategory.ClaimDocument)
                );
        }
        return "";
    }

    /// @dev The error `call` must be refused with (empty: it must succeed), in the contract's order: the caller,
    /// the party, the step's arguments, new attachments, then the transition; and the status it leads to.
    function _predict(
        GhostClaim memory ghost,
        StepCall memory call
    ) private view returns (bytes memory expected, ClaimStatus target) {
        (expected, target) = _stepError(ghost, call.step, call.actor, call.amount, call.reason, call.referenceHash);
        if (call.attachments != 0 && expected.length == 0) expected = _attachmentError(ghost, call.attachments);
        if (expected.length == 0 && !_allowedFrom(call.step, ghost.status)) {
            expected = abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryTransitionNotAllowed.selector,
                ghost.id,
                ghost.status,
                target
            );
        }
    }

    /// @dev The error `step` must be refused with for its caller or its arguments (empty if neither refuses it),
    /// and the status it leads to.
    function _stepError(
        GhostClaim memory ghost,
        ClaimStep step,
        address actor,
        uint128 amount,
        uint8 reason,
        bytes32 referenceHash
    ) private view returns (bytes memory error, ClaimStatus target) {
        target = _target(step, amount == ghost.claimedAmount);
        (bool isOfficer, uint256 m) = _officerIndex(actor);
        if (!isOfficer) {
            return (abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, actor), target);
        }
        if (ghostSuspended[m]) {
            return (
                abi.encodeWithSelector(
                    IMemberRegistry.MemberRegistryMemberNotActive.selector,
                    _member(m),
                    MemberStatus.Suspended
                ),
                target
            );
        }
        uint32 party = _member(_isProviderStep(step) ? ghost.provider : ghost.insurer);
        if (_member(m) != party) {
            return (
                abi.encodeWithSelector(IClaimRegistry.ClaimRegistryWrongParty.selector, ghost.id, party, _member(m)),
                target
            );
        }
        if ((step == ClaimStep.RequestInformation || step == ClaimStep.Deny) && (reason == 0 || reason > 9)) {
            return (abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidReason.selector, reason), target);
        }
        if (step == ClaimStep.Approve && (amount == 0 || amount > ghost.claimedAmount)) {
            return (
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryApprovedAmountOutOfRange.selector,
                    ghost.id,
                    uint256(amount),
                    ghost.claimedAmount
                ),
                target
            );
        }
        if (step == ClaimStep.MarkPaid && referenceHash == bytes32(0)) {
            return (
                abi.encodeWithSelector(IClaimRegistry.ClaimRegistryZeroPaymentReference.selector, ghost.id),
                target
            );
        }
        return ("", target);
    }

    /// @dev The error an answer with `count` new attachments must be refused with (empty if none).
    function _attachmentError(GhostClaim memory ghost, uint256 count) private view returns (bytes memory) {
        uint256 total = ghost.attachmentCount + count;
        if (total > MAX_ATTACHMENTS) {
            return
                abi.encodeWithSelector(IClaimRegistry.ClaimRegistryTooManyAttachments.selector, total, MAX_ATTACHMENTS);
        }
        // New attachments need a live grant, even for a claim first authorised by signature; a grant authorises
        // nothing while its grantee is suspended (ConsentRegistry.isAuthorizedForCategories).
        if (!ghostConsent[ghost.patient][ghost.insurer - 2] || ghostSuspended[ghost.insurer]) {
            return
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryNotAuthorizedByPatient.selector,
                    cast.patientIds[ghost.patient],
                    _member(ghost.insurer),
                    _attachedCategories(count)
                );
        }
        return "";
    }

    // --------------------------------------------------------------------------------------------------
    // Internals: calls and bookkeeping
    // --------------------------------------------------------------------------------------------------

    function _stepCall(GhostClaim memory ghost, StepCall memory call) private view returns (bytes memory) {
        ClaimStep step = call.step;
        if (step == ClaimStep.StartReview) return abi.encodeCall(IClaimRegistry.startReview, (ghost.id));
        if (step == ClaimStep.RequestInformation) {
            return abi.encodeCall(IClaimRegistry.requestInformation, (ghost.id, call.reason, call.referenceHash));
        }
        if (step == ClaimStep.ProvideInformation) {
            bytes32[] memory added = new bytes32[](call.attachments);
            for (uint256 i = 0; i < call.attachments; ++i) added[i] = cast.records[ghost.provider][i];
            return abi.encodeCall(IClaimRegistry.provideInformation, (ghost.id, added, call.referenceHash));
        }
        if (step == ClaimStep.Approve) return abi.encodeCall(IClaimRegistry.approveClaim, (ghost.id, call.amount));
        if (step == ClaimStep.Deny) return abi.encodeCall(IClaimRegistry.denyClaim, (ghost.id, call.reason));
        if (step == ClaimStep.MarkPaid) {
            return abi.encodeCall(IClaimRegistry.markPaid, (ghost.id, call.referenceHash));
        }
        return abi.encodeCall(IClaimRegistry.withdrawClaim, (ghost.id));
    }

    /// @dev A step succeeded: the model follows it.
    function _recordSuccess(uint256 c, StepCall memory call, ClaimStatus from, ClaimStatus to) private {
        GhostClaim storage ghost = ghostClaims[c];
        ghost.status = to;
        if (call.step == ClaimStep.Approve) ghost.approvedAmount = uint64(call.amount);
        if (call.step == ClaimStep.RequestInformation || call.step == ClaimStep.Deny) {
            ghost.reason = ClaimReason(call.reason);
        }
        ghost.attachmentCount += uint8(call.attachments);
        histories[c].push(to);
        if (_isTerminal(to)) terminalStatus[c] = to;
        _recordStep(c, call.step, call.actor, from, to);
    }

    function _submission(
        GhostClaim memory ghost,
        uint256 serial
    ) private view returns (IClaimRegistry.ClaimSubmission memory submission) {
        submission.patientId = cast.patientIds[ghost.patient];
        submission.insurer = _member(ghost.insurer);
        submission.claimHash = keccak256(abi.encode("medchain invariant claim", serial));
        submission.claimedAmount = ghost.claimedAmount;
        submission.currency = 901;
        submission.serviceStart = uint64(block.timestamp - 2 days);
        submission.serviceEnd = uint64(block.timestamp - 1 days);
        submission.attachments = new bytes32[](ghost.attachmentCount);
        for (uint256 i = 0; i < ghost.attachmentCount; ++i) {
            submission.attachments[i] = cast.records[ghost.provider][i];
        }
    }

    /// @dev The patient's signature of `submission` by the ghost's provider with the model's nonce.
    function _sign(
        GhostClaim memory ghost,
        IClaimRegistry.ClaimSubmission memory submission
    ) private view returns (IClaimRegistry.ClaimAuthorization memory authorization) {
        authorization.signer = vm.addr(cast.patientKeys[ghost.patient]);
        authorization.nonce = ghostNonces[ghost.patient];
        authorization.deadline = uint64(block.timestamp + 1 hours);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            cast.patientKeys[ghost.patient],
            claimRegistry.claimAuthorizationDigest(
                submission,
                _member(ghost.provider),
                authorization.signer,
                authorization.nonce,
                authorization.deadline
            )
        );
        authorization.signature = abi.encodePacked(r, s, v);
    }

    function _grantRequest(
        uint64 patientId,
        uint32 insurer
    ) private view returns (IConsentRegistry.GrantRequest memory) {
        return
            IConsentRegistry.GrantRequest({
                patientId: patientId,
                grantee: insurer,
                categories: Categories.ALL,
                purposes: Purposes.bit(Purpose.InsuranceClaim),
                notBefore: uint64(block.timestamp),
                expiresAt: uint64(block.timestamp + 3650 days),
                consentFormHash: bytes32(0)
            });
    }

    /// @dev Records which organisation `actor` acts for now, as the member registry says.
    function _recordStep(uint256 c, ClaimStep step, address actor, ClaimStatus from, ClaimStatus to) private {
        takenSteps.push(
            TakenStep({
                claim: c,
                step: step,
                actorMember: memberRegistry.getOperator(actor).memberId,
                from: from,
                to: to
            })
        );
        reached[to]++;
    }

    function _outcome(ClaimStep step, bool success, bytes memory returned, bytes memory expected) private {
        calls[step]++;
        if (success) successes[step]++;
        string memory name = vm.toString(uint256(step));
        if (success && expected.length != 0) {
            _unexpected(string.concat("step ", name, ": succeeded, the model expected a refusal"));
        } else if (!success && keccak256(returned) != keccak256(expected)) {
            _unexpected(
                string.concat(
                    "step ",
                    name,
                    expected.length == 0 ? ": refused, the model expected success: " : ": refused with another error: ",
                    vm.toString(returned)
                )
            );
        }
    }

    function _unexpected(string memory description) private {
        if (unexpectedOutcomes == 0) firstUnexpectedOutcome = description;
        ++unexpectedOutcomes;
    }

    // --------------------------------------------------------------------------------------------------
    // Internals: the lifecycle (ClaimCodes.sol) and the cast
    // --------------------------------------------------------------------------------------------------

    function _allowedFrom(ClaimStep step, ClaimStatus from) private pure returns (bool) {
        if (step == ClaimStep.StartReview) return from == ClaimStatus.Submitted;
        if (step == ClaimStep.ProvideInformation) return from == ClaimStatus.InformationRequested;
        if (step == ClaimStep.MarkPaid) return from == ClaimStatus.Approved || from == ClaimStatus.PartiallyApproved;
        if (step == ClaimStep.Withdraw) {
            return
                from == ClaimStatus.Submitted ||
                from == ClaimStatus.InReview ||
                from == ClaimStatus.InformationRequested;
        }
        if (step == ClaimStep.Submit) return from == ClaimStatus.None;
        return from == ClaimStatus.InReview; // RequestInformation, Approve, Deny
    }

    function _target(ClaimStep step, bool inFull) private pure returns (ClaimStatus) {
        if (step == ClaimStep.StartReview || step == ClaimStep.ProvideInformation) return ClaimStatus.InReview;
        if (step == ClaimStep.RequestInformation) return ClaimStatus.InformationRequested;
        if (step == ClaimStep.Approve) return inFull ? ClaimStatus.Approved : ClaimStatus.PartiallyApproved;
        if (step == ClaimStep.Deny) return ClaimStatus.Denied;
        if (step == ClaimStep.MarkPaid) return ClaimStatus.Paid;
        if (step == ClaimStep.Withdraw) return ClaimStatus.Withdrawn;
        return ClaimStatus.Submitted;
    }

    function _isProviderStep(ClaimStep step) private pure returns (bool) {
        return step == ClaimStep.Submit || step == ClaimStep.ProvideInformation || step == ClaimStep.Withdraw;
    }

    function _isTerminal(ClaimStatus status) private pure returns (bool) {
        return status == ClaimStatus.Denied || status == ClaimStatus.Paid || status == ClaimStatus.Withdrawn;
    }

    /// @dev The categories of a provider's first `count` records (attachments are always taken from the first).
    function _attachedCategories(uint256 count) private view returns (uint32 mask) {
        for (uint256 r = 0; r < count; ++r) mask |= Categories.bit(cast.recordCategories[r]);
    }

    function _officerIndex(address actor) private view returns (bool, uint256) {
        for (uint256 m = 0; m < MEMBERS; ++m) {
            if (cast.officers[m] == actor) return (true, m);
        }
        return (false, 0);
    }

    function _member(uint256 m) private view returns (uint32) {
        return cast.memberIds[m];
    }
}

/// @notice Proves that, whatever sequence of submissions (by consent or signature), lifecycle steps by any actor
/// with any arguments, revocations and regrants of consent, suspensions and reinstatements, ClaimRegistry keeps its
/// lifecycle: a final status (Denied, Paid, Withdrawn) never changes; the approved amount never exceeds the
/// claimed one, and is non-zero exactly while approved, partially approved or paid; a claim is paid only right
/// after an approval; every successful step was taken by an operator of the step's party (the provider submits,
/// answers and withdraws; the insurer reviews, asks, approves, denies and pays); every claim's status history
/// follows the lifecycle's graph; and every call succeeds, or is refused with exactly the error, the model gives.
contract ClaimInvariantsTest is MedchainTestBase {
    ClaimHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.warp(1_750_000_000);

        ClaimCast memory cast;
        cast.claimRegistry = claimRegistry;
        cast.consentRegistry = consentRegistry;
        cast.memberRegistry = memberRegistry;
        cast.stranger = stranger;
        cast.guardian = guardian;
        cast.council = council;

        address otherInsurerClaimsOfficer = makeAddr("otherInsurerClaimsOfficer");
        vm.startPrank(council);
        uint32 otherInsurerId = memberRegistry.addMember(MemberKind.Insurer, keccak256("other insurer profile"));
        memberRegistry.addOperator(otherInsurerClaimsOfficer, otherInsurerId, Duties.bit(Duty.ClaimsOfficer));
        vm.stopPrank();
        cast.memberIds = [hospitalId, clinicId, insurerId, otherInsurerId];
        cast.officers = [hospitalClaimsOfficer, clinicClaimsOfficer, insurerClaimsOfficer, otherInsurerClaimsOfficer];

        // Each provider's records: a lab result, an imaging report, a discharge summary.
        address[2] memory stewards = [dataSteward, clinicDataSteward];
        cast.recordCategories = [
            RecordCategory.LabResult,
            RecordCategory.ImagingReport,
            RecordCategory.DischargeSummary
        ];
        for (uint256 i = 0; i < 2; ++i) {
            for (uint256 r = 0; r < 3; ++r) {
                IRecordRegistry.RecordAnchor memory record = IRecordRegistry.RecordAnchor({
                    contentHash: keccak256(abi.encode("medchain invariant record", i, r)),
                    category: uint8(cast.recordCategories[r]),
                    subjectCommitment: keccak256(abi.encode("medchain invariant subject", i, r))
                });
                vm.prank(stewards[i]);
                recordRegistry.anchorRecord(record);
                cast.records[i][r] = record.contentHash;
            }
        }

        // Two patients, each granting both insurers the insurance-claim purpose on every category.
        for (uint256 p = 0; p < 2; ++p) {
            cast.patientKeys[p] = 0xC1A1E + p;
            address account = vm.addr(cast.patientKeys[p]);
            cast.patientIds[p] = registerAsHospital(
                account,
                keccak256(abi.encode("medchain claim invariant person", p))
            );
            for (uint256 i = 2; i < 4; ++i) {
                vm.prank(account);
                consentRegistry.grant(
                    IConsentRegistry.GrantRequest({
                        patientId: cast.patientIds[p],
                        grantee: cast.memberIds[i],
                        categories: Categories.ALL,
                        purposes: Purposes.bit(Purpose.InsuranceClaim),
                        notBefore: uint64(block.timestamp),
                        expiresAt: uint64(block.timestamp + 3650 days),
                        consentFormHash: bytes32(0)
                    })
                );
            }
        }

        handler = new ClaimHandler(cast);
        vm.label(address(handler), "ClaimHandler");
    }

    /// @notice The only contract the invariant fuzzer calls.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    // ------------------------------------------------------------------------------------------------------
    // A fixed sequence: the handler's model reaches every status (so the invariants are not vacuous)
    // ------------------------------------------------------------------------------------------------------

    function test_handler_reachesEveryStatusWithTheModelsPredictions() public {
        // Claim 0 by consent, claim 1 by signature, claim 2 by consent, claim 3 by signature.
        for (uint256 i = 0; i < 4; ++i) handler.submitClaim(i, i, i, 1_000 + i, i, i % 2 == 1);
        // Steps: an even step seed 2k picks the k-th step the status allows (in ClaimStep order), an odd one
        // 2k + 1 the k-th it does not; an actor seed below 5 picks the step's party; amount seed 0 approves in
        // full, 5 approves one minor unit.
        handler.takeStep(0, 0, 0, 0, 1 << 8, 0); // 0: start review
        handler.takeStep(0, 0, 0, 0, 1 << 8, 0); // 0: request information (reason 1)
        handler.takeStep(0, 0, 0, 0, 1 << 8, 2); // 0: answer with two records
        handler.takeStep(0, 2, 0, 0, 1 << 8, 0); // 0: approve in full
        handler.takeStep(0, 0, 0, 0, 1 << 8, 0); // 0: pay
        handler.takeStep(1, 0, 0, 0, 1 << 8, 0); // 1: start review
        handler.takeStep(1, 2, 0, 5, 1 << 8, 0); // 1: approve for less
        handler.takeStep(1, 1, 0, 0, 1 << 8, 0); // 1: the insurer tries to review it again (refused)
        handler.takeStep(2, 0, 0, 0, 1 << 8, 0); // 2: start review
        handler.takeStep(2, 4, 0, 0, 1 << 8, 0); // 2: deny (reason 1)
        handler.takeStep(3, 2, 0, 0, 1 << 8, 0); // 3: withdraw
        handler.takeStep(2, 0, 9, 0, 1 << 8, 0); // 2: a stranger tries a step on a denied claim
        handler.takeStep(0, 1, 7, 0, 1 << 8, 0); // 0: the other insurer tries a step

        assertEq(handler.unexpectedOutcomes(), 0, handler.firstUnexpectedOutcome());
        ClaimStatus[4] memory finals = [
            ClaimStatus.Paid,
            ClaimStatus.PartiallyApproved,
            ClaimStatus.Denied,
            ClaimStatus.Withdrawn
        ];
        for (uint256 c = 0; c < 4; ++c) {
            assertEq(
                uint256(claimRegistry.getClaim(handler.claimAt(c).id).status),
                uint256(finals[c]),
                string.concat("claim ", vm.toString(c))
            );
        }
        for (uint256 s = 1; s <= uint256(type(ClaimStatus).max); ++s) {
            assertTrue(handler.reached(ClaimStatus(s)) > 0, string.concat("reached status ", vm.toString(s)));
        }
        _checkAll();
    }

    // ------------------------------------------------------------------------------------------------------
    // Invariants
    // ------------------------------------------------------------------------------------------------------

    function invariant_terminalStatusesNeverChange() public view {
        for (uint256 c = 0; c < handler.claimCount(); ++c) {
            _checkTerminal(c);
        }
    }

    function invariant_approvedAmountNeverExceedsClaimed() public view {
        for (uint256 c = 0; c < handler.claimCount(); ++c) {
            _checkAmounts(c);
        }
    }

    function invariant_paidOnlyAfterApproval() public view {
        for (uint256 c = 0; c < handler.claimCount(); ++c) {
            _checkPaidAfterApproval(c);
        }
    }

    function invariant_everyStepTakenByItsParty() public view {
        for (uint256 s = 0; s < handler.stepCount(); ++s) {
            _checkParty(handler.stepAt(s));
        }
    }

    function invariant_statusHistoryFollowsTheLifecycle() public view {
        for (uint256 c = 0; c < handler.claimCount(); ++c) {
            _checkHistory(c);
        }
    }

    function invariant_everyCallSucceedsExactlyWhenTheModelSaysSo() public view {
        assertEq(handler.unexpectedOutcomes(), 0, handler.firstUnexpectedOutcome());
        for (uint256 p = 0; p < 2; ++p) {
            assertEq(
                claimRegistry.claimNonces(handler.patientIdAt(p)),
                handler.nonceOf(p),
                "the claim nonce moves once per signed claim"
            );
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------------------------------------------

    function _checkAll() private view {
        for (uint256 c = 0; c < handler.claimCount(); ++c) {
            _checkTerminal(c);
            _checkAmounts(c);
            _checkPaidAfterApproval(c);
            _checkHistory(c);
        }
        for (uint256 s = 0; s < handler.stepCount(); ++s) _checkParty(handler.stepAt(s));
    }

    /// @dev Once final, the claim keeps the final status it first reached, and its history ends there.
    function _checkTerminal(uint256 c) private view {
        ClaimStatus terminal = handler.terminalStatus(c);
        ClaimStatus[] memory history = handler.historyOf(c);
        for (uint256 k = 0; k < history.length; ++k) {
            if (_isTerminal(history[k])) {
                assertEq(k, history.length - 1, "nothing follows a final status");
                assertEq(uint256(history[k]), uint256(terminal), "the first final status is the last");
            }
        }
        if (terminal == ClaimStatus.None) return;
        assertEq(
            uint256(claimRegistry.getClaim(handler.claimAt(c).id).status),
            uint256(terminal),
            "a final status never changes"
        );
    }

    function _checkAmounts(uint256 c) private view {
        GhostClaim memory ghost = handler.claimAt(c);
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(ghost.id);
        assertTrue(stored.approvedAmount <= stored.claimedAmount, "approved never exceeds claimed");
        bool approved =
            stored.status == ClaimStatus.Approved ||
                stored.status == ClaimStatus.PartiallyApproved ||
                stored.status == ClaimStatus.Paid;
        assertEq(stored.approvedAmount > 0, approved, "an approved amount exactly while approved or paid");
        if (stored.status == ClaimStatus.Approved) {
            assertEq(uint256(stored.approvedAmount), stored.claimedAmount, "approved in full");
        }
        if (stored.status == ClaimStatus.PartiallyApproved) {
            assertTrue(stored.approvedAmount < stored.claimedAmount, "approved for less");
        }
        assertEq(uint256(stored.claimedAmount), ghost.claimedAmount, "claimed amount as submitted");
        assertEq(uint256(stored.approvedAmount), ghost.approvedAmount, "approved amount as the model's");
    }

    function _checkPaidAfterApproval(uint256 c) private view {
        ClaimStatus[] memory history = handler.historyOf(c);
        for (uint256 k = 0; k < history.length; ++k) {
            if (history[k] != ClaimStatus.Paid) continue;
            assertTrue(k > 0, "paid is never the first status");
            assertTrue(
                history[k - 1] == ClaimStatus.Approved || history[k - 1] == ClaimStatus.PartiallyApproved,
                "paid only right after an approval"
            );
        }
    }

    /// @dev Submitting, answering and withdrawing are the provider's; every other step is the insurer's.
    function _checkParty(TakenStep memory step) private view {
        GhostClaim memory ghost = handler.claimAt(step.claim);
        bool providerStep =
            step.step == ClaimStep.Submit ||
                step.step == ClaimStep.ProvideInformation ||
                step.step == ClaimStep.Withdraw;
        uint32 party = handler.memberIdAt(providerStep ? ghost.provider : ghost.insurer);
        assertEq(uint256(step.actorMember), party, "every step by an operator of its party");
        assertTrue(_edge(step.from, step.to), "every step is an edge of the lifecycle");
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(ghost.id);
        assertEq(uint256(providerStep ? stored.provider : stored.insurer), party, "the party the claim names");
    }

    /// @dev Submitted first, then only the lifecycle's edges, ending in the stored status; the claim's fixed
    /// fields and last reason are the model's.
    function _checkHistory(uint256 c) private view {
        GhostClaim memory ghost = handler.claimAt(c);
        ClaimStatus[] memory history = handler.historyOf(c);
        assertEq(uint256(history[0]), uint256(ClaimStatus.Submitted), "a history starts at Submitted");
        for (uint256 k = 1; k < history.length; ++k) {
            assertTrue(_edge(history[k - 1], history[k]), "every change is an edge of the lifecycle");
        }
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(ghost.id);
        assertEq(uint256(stored.status), uint256(history[history.length - 1]), "the history ends at the status");
        assertEq(uint256(stored.status), uint256(ghost.status), "the model's status");
        assertEq(uint256(stored.reason), uint256(ghost.reason), "the model's last reason");
        assertEq(uint256(stored.patientId), handler.patientIdAt(ghost.patient), "patient");
        assertEq(uint256(stored.provider), handler.memberIdAt(ghost.provider), "provider");
        assertEq(uint256(stored.insurer), handler.memberIdAt(ghost.insurer), "insurer");
        assertEq(stored.authorizedBySignature, ghost.bySignature, "how it was authorised");
        assertEq(uint256(stored.attachmentCount), ghost.attachmentCount, "attachments");
    }

    /// @dev The lifecycle's graph (ClaimCodes.sol), submission included.
    function _edge(ClaimStatus from, ClaimStatus to) private pure returns (bool) {
        if (from == ClaimStatus.None) return to == ClaimStatus.Submitted;
        if (from == ClaimStatus.Submitted) return to == ClaimStatus.InReview || to == ClaimStatus.Withdrawn;
        if (from == ClaimStatus.InReview) {
            return
                to == ClaimStatus.InformationRequested ||
                to == ClaimStatus.Approved ||
                to == ClaimStatus.PartiallyApproved ||
                to == ClaimStatus.Denied ||
                to == ClaimStatus.Withdrawn;
        }
        if (from == ClaimStatus.InformationRequested) {
            return to == ClaimStatus.InReview || to == ClaimStatus.Withdrawn;
        }
        if (from == ClaimStatus.Approved || from == ClaimStatus.PartiallyApproved) return to == ClaimStatus.Paid;
        return false; // Denied, Paid and Withdrawn are final
    }

    function _isTerminal(ClaimStatus status) private pure returns (bool) {
        return status == ClaimStatus.Denied || status == ClaimStatus.Paid || status == ClaimStatus.Withdrawn;
    }
}
