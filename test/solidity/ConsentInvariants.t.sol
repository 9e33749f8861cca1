// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ConsentRegistry} from "../../contracts/consent/ConsentRegistry.sol";
import {MemberRegistry} from "../../contracts/governance/MemberRegistry.sol";
import {PatientRegistry} from "../../contracts/identity/PatientRegistry.sol";
import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Categories, EmergencyReason, Purpose, Purposes, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {Duties, Duty, MemberKind} from "../../contracts/types/MemberCodes.sol";
import {DeactivationReason} from "../../contracts/types/PatientCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";
import {CommonBase} from "./utils/Vm.sol";

/// @notice The fixed cast the consent handler works over: three patients (with their keys, so they can sign),
/// three organisations (two hospitals and a clinic, one clinician and one non-clinician clerk each), the
/// consortium admin, the guardian, the council, two registrars and a relayer.
struct ConsentCast {
    ConsentRegistry consentRegistry;
    MemberRegistry memberRegistry;
    PatientRegistry patientRegistry;
    uint64[3] patientIds;
    uint256[3] patientKeys;
    uint32[3] memberIds;
    address[3] clinicians; // clinicians[i] is a Clinician of memberIds[i]
    address[3] clerks; // clerks[i] is an operator of memberIds[i] without the Clinician duty
    bool[3] hospitals; // whether memberIds[i] is a hospital
    address admin; // holds the consortium's ADMIN_ROLE (sets the break-glass duration)
    address guardian;
    address council;
    address[2] registrars;
    uint256[2] registrarMembers; // index into memberIds of each registrar's organisation
    address relayer;
}

/// @notice Drives ConsentRegistry through random sequences of grants (direct, signed, and signed then held back
/// by a relayer), revocations, nonce invalidations, time, emergency accesses opened and closed, governance
/// changing the emergency-access duration, the guardian taking and giving back break-glass rights, suspension
/// and reinstatement of organisations, deactivation of patients and accesses logged by clinicians and
/// non-clinicians, each from the account that may perform it, and keeps a ghost model of what every
/// (patient, organisation) pair may access and of every patient's signature nonce.
/// @dev The model is written from the specification, not from the contract's bookkeeping: an emergency access
/// is open while it was opened, not closed, not past its end and not ended by the guardian taking the right
/// since (giving the right back revives nothing); re-opening an open access never shortens it; only a clinician
/// logs an access that rests on break-glass alone; a patient's nonce moves on with every relayed request, every
/// direct grant or revocation, and as invalidated (at most MAX_NONCE_JUMP at once), so a signature held back
/// across the patient's newer word is void. Every operation predicts from the model whether the call must
/// succeed and counts each call whose outcome differs; the model changes only on success.
contract ConsentHandler is CommonBase {
    uint256 internal constant PATIENTS = 3;
    uint256 internal constant MEMBERS = 3;
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;
    uint256 internal constant PURPOSE_COUNT = uint256(type(Purpose).max) + 1;
    /// @dev Longest single step of time: two steps outlast an emergency access (4 hours).
    uint256 internal constant MAX_STEP = 8 hours;
    /// @dev Longest emergency access the handler sets: re-openings see both longer and shorter durations.
    uint256 internal constant MAX_HANDLER_BREAK_GLASS_DURATION = 8 hours;
    /// @dev How long a held-back signature stays usable: a few steps of time.
    uint256 internal constant HELD_SIGNATURE_LIFETIME = 12 hours;
    /// @dev Grants start within half a day of now and last up to a day, so sequences see them start and end.
    uint256 internal constant MAX_START_OFFSET = 12 hours;
    uint256 internal constant MAX_GRANT_LIFETIME = 1 days;
    bytes32 internal constant RECORD_REF = keccak256("medchain invariant record reference");

    struct GhostGrant {
        bool exists;
        bool revoked;
        uint32 categories;
        uint16 purposes;
        uint64 notBefore;
        uint64 expiresAt;
    }

    struct GhostBreakGlass {
        bool opened;
        bool closed;
        bool endedByTakingRight;
        uint64 endsAt;
    }

    /// @dev A signed grant a relayer holds back instead of relaying at once.
    struct HeldGrant {
        bool exists;
        bool voidedByDirectWord; // a direct grant or revocation came after it, while it was still fresh
        uint256 m;
        IConsentRegistry.DelegatedGrantRequest signed;
    }

    ConsentRegistry internal immutable consentRegistry;
    MemberRegistry internal immutable memberRegistry;
    PatientRegistry internal immutable patientRegistry;
    uint256 internal immutable maxNonceJump;
    ConsentCast internal cast;
    uint64 internal ghostBreakGlassDuration;

    // Ghost model, indexed [patient index][member index].
    GhostGrant[MEMBERS][PATIENTS] internal ghostGrants;
    GhostBreakGlass[MEMBERS][PATIENTS] internal ghostBreakGlass;
    bool[MEMBERS] internal ghostSuspended;
    bool[MEMBERS] internal ghostRightTaken;
    bool[PATIENTS] internal ghostDeactivated;
    uint256[PATIENTS] internal ghostNonces;
    HeldGrant[PATIENTS] internal heldGrants;

    /// @notice Calls whose outcome (success or revert) differed from the model's prediction.
    uint256 public unexpectedOutcomes;
    /// @notice The first such call, for the failure message.
    string public firstUnexpectedOutcome;

    // Call statistics and interesting states reached, for probes.
    mapping(bytes32 operation => uint256) public calls;
    mapping(bytes32 operation => uint256) public successes;
    mapping(bytes32 state => uint256) public reached;

    constructor(ConsentCast memory cast_) {
        cast = cast_;
        consentRegistry = cast_.consentRegistry;
        memberRegistry = cast_.memberRegistry;
        patientRegistry = cast_.patientRegistry;
        maxNonceJump = cast_.consentRegistry.MAX_NONCE_JUMP();
        ghostBreakGlassDuration = cast_.consentRegistry.breakGlassDuration();
    }

    // --------------------------------------------------------------------------------------------------
    // Operations (the fuzzer's targets)
    // --------------------------------------------------------------------------------------------------

    function grant(
        uint256 patientSeed,
        uint256 memberSeed,
        uint32 categories,
        uint16 purposes,
        uint256 startSeed,
        uint256 lifetimeSeed
    ) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        IConsentRegistry.GrantRequest memory request = _grantRequest(
            p,
            m,
            categories,
            purposes,
            startSeed,
            lifetimeSeed
        );
        bool expected = _grantAccepted(p, m, request);
        vm.prank(_patientAccount(p));
        try consentRegistry.grant(request) {
            _outcome("grant", true, expected, "");
            _voidHeldGrantByDirectWord(p);
            ++ghostNonces[p]; // the patient's newest word voids every outstanding signature
            _recordGrant(p, m, request);
        } catch (bytes memory reason) {
            _outcome("grant", false, expected, reason);
        }
    }

    function grantBySig(
        uint256 patientSeed,
        uint256 memberSeed,
        uint32 categories,
        uint16 purposes,
        uint256 startSeed,
        uint256 lifetimeSeed
    ) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        IConsentRegistry.GrantRequest memory request = _grantRequest(
            p,
            m,
            categories,
            purposes,
            startSeed,
            lifetimeSeed
        );
        bool expected = _grantAccepted(p, m, request);
        IConsentRegistry.DelegatedGrantRequest memory signed = _signGrant(
            p,
            request,
            uint64(block.timestamp + 1 hours)
        );
        vm.prank(cast.relayer);
        try consentRegistry.grantBySig(signed) {
            _outcome("grantBySig", true, expected, "");
            ++ghostNonces[p];
            _recordGrant(p, m, request);
        } catch (bytes memory reason) {
            _outcome("grantBySig", false, expected, reason);
        }
    }

    function revoke(uint256 patientSeed, uint256 memberSeed) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        GhostGrant storage ghost = ghostGrants[p][m];
        bool expected = !ghostDeactivated[p] && ghost.exists && !ghost.revoked;
        vm.prank(_patientAccount(p));
        try
            consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: cast.patientIds[p], grantee: _member(m)}))
        {
            _outcome("revoke", true, expected, "");
            reached[_grantInWindow(ghost) ? bytes32("revokedLiveGrant") : bytes32("revokedIdleGrant")]++;
            ghost.revoked = true;
            _voidHeldGrantByDirectWord(p);
            ++ghostNonces[p]; // the patient's newest word voids every outstanding signature
        } catch (bytes memory reason) {
            _outcome("revoke", false, expected, reason);
        }
    }

    /// @notice The patient signs a grant with the current nonce; a relayer holds it back (replacing any grant it
    /// held for the patient) until {relayHeldGrant}.
    function signGrantForLater(
        uint256 patientSeed,
        uint256 memberSeed,
        uint32 categories,
        uint16 purposes,
        uint256 startSeed,
        uint256 lifetimeSeed
    ) external {
        calls["signGrantForLater"]++;
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        IConsentRegistry.GrantRequest memory request = _grantRequest(
            p,
            m,
            categories,
            purposes,
            startSeed,
            lifetimeSeed
        );
        heldGrants[p].exists = true;
        heldGrants[p].voidedByDirectWord = false;
        heldGrants[p].m = m;
        heldGrants[p].signed = _signGrant(p, request, uint64(block.timestamp + HELD_SIGNATURE_LIFETIME));
    }

    /// @notice The relayer finally relays patient `p`'s held-back grant: void if the patient's nonce has moved
    /// on since it was signed (a direct grant or revocation, another relayed request, an invalidation) or its
    /// deadline has passed.
    function relayHeldGrant(uint256 patientSeed) external {
        uint256 p = patientSeed % PATIENTS;
        HeldGrant storage held = heldGrants[p];
        if (!held.exists) return;
        IConsentRegistry.DelegatedGrantRequest memory signed = held.signed;
        bool fresh = signed.nonce == ghostNonces[p];
        bool expected = fresh && block.timestamp <= signed.deadline && _grantAccepted(p, held.m, signed.request);
        vm.prank(cast.relayer);
        try consentRegistry.grantBySig(signed) {
            _outcome("relayHeldGrant", true, expected, "");
            reached["relayedHeldGrant"]++;
            ++ghostNonces[p];
            _recordGrant(p, held.m, signed.request);
        } catch (bytes memory reason) {
            _outcome("relayHeldGrant", false, expected, reason);
            // The deadline is checked before the nonce.
            if (!fresh && block.timestamp <= signed.deadline) {
                _expectError(
                    "relayHeldGrant",
                    reason,
                    abi.encodeWithSelector(
                        IConsentRegistry.ConsentRegistryInvalidNonce.selector,
                        cast.patientIds[p],
                        ghostNonces[p],
                        signed.nonce
                    )
                );
                if (held.voidedByDirectWord) reached["heldGrantVoidedByDirectWord"]++;
            }
        }
    }

    function invalidateNonces(uint256 patientSeed, uint256 jumpSeed) external {
        uint256 p = patientSeed % PATIENTS;
        // Mostly allowed jumps, with the refused edges (no move, one beyond the limit) among them.
        uint256 jump = bound(jumpSeed, 0, maxNonceJump + 1);
        uint256 newNonce = ghostNonces[p] + jump;
        bool expected = !ghostDeactivated[p] && jump != 0 && jump <= maxNonceJump;
        vm.prank(_patientAccount(p));
        try consentRegistry.invalidateNonces(cast.patientIds[p], newNonce) {
            _outcome("invalidateNonces", true, expected, "");
            ghostNonces[p] = newNonce;
        } catch (bytes memory reason) {
            _outcome("invalidateNonces", false, expected, reason);
            if (!ghostDeactivated[p] && jump > maxNonceJump) {
                reached["nonceJumpRefused"]++;
                _expectError(
                    "invalidateNonces",
                    reason,
                    abi.encodeWithSelector(
                        IConsentRegistry.ConsentRegistryNonceJumpTooLarge.selector,
                        cast.patientIds[p],
                        ghostNonces[p],
                        newNonce,
                        maxNonceJump
                    )
                );
            }
        }
    }

    /// @notice Governance sets another emergency-access duration (admin role).
    function setBreakGlassDuration(uint256 durationSeed) external {
        uint64 duration = uint64(
            bound(durationSeed, consentRegistry.MIN_BREAK_GLASS_DURATION(), MAX_HANDLER_BREAK_GLASS_DURATION)
        );
        vm.prank(cast.admin);
        try consentRegistry.setBreakGlassDuration(duration) {
            _outcome("setBreakGlassDuration", true, true, "");
            ghostBreakGlassDuration = duration;
        } catch (bytes memory reason) {
            _outcome("setBreakGlassDuration", false, true, reason);
        }
    }

    function advanceTime(uint256 stepSeed) external {
        calls["advanceTime"]++;
        vm.warp(block.timestamp + bound(stepSeed, 0, MAX_STEP));
        for (uint256 p = 0; p < PATIENTS; ++p) {
            for (uint256 m = 0; m < MEMBERS; ++m) {
                GhostGrant storage ghost = ghostGrants[p][m];
                if (ghost.exists && !ghost.revoked && block.timestamp >= ghost.expiresAt) {
                    reached["unrevokedGrantExpired"]++;
                }
            }
        }
    }

    function openBreakGlass(uint256 patientSeed, uint256 clinicianSeed, uint8 reasonSeed, bool reopen) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, clinicianSeed % MEMBERS);
        // Half the time re-open an open access, if the model has one (after a duration change, say).
        if (reopen) (p, m) = _pairWithOpenBreakGlass(p, m);
        bool expected = !ghostSuspended[m] && cast.hospitals[m] && !ghostRightTaken[m] && !ghostDeactivated[p];
        EmergencyReason reason = EmergencyReason(reasonSeed % (uint8(type(EmergencyReason).max) + 1));
        vm.prank(cast.clinicians[m]);
        try consentRegistry.openBreakGlass(cast.patientIds[p], reason) returns (uint64 endsAt) {
            _outcome("openBreakGlass", true, expected, "");
            GhostBreakGlass storage ghost = ghostBreakGlass[p][m];
            // now + duration, except that re-opening an open access never shortens it.
            uint64 expectedEnd = uint64(block.timestamp + ghostBreakGlassDuration);
            if (breakGlassOpen(p, m)) {
                reached["reopenedWhileOpen"]++;
                if (ghost.endsAt > expectedEnd) {
                    reached["reopenedWithoutShortening"]++;
                    expectedEnd = ghost.endsAt;
                }
            }
            if (endsAt != expectedEnd) {
                _unexpected("openBreakGlass: endsAt is not max(open endsAt, now + duration)");
            }
            if (ghost.endedByTakingRight) reached["reopenedAfterRightTaken"]++;
            ghostBreakGlass[p][m] = GhostBreakGlass({
                opened: true,
                closed: false,
                endedByTakingRight: false,
                endsAt: expectedEnd
            });
        } catch (bytes memory reason_) {
            _outcome("openBreakGlass", false, expected, reason_);
        }
    }

    function closeBreakGlass(uint256 patientSeed, uint256 memberSeed, uint256 closerSeed) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        // The organisation's own clinician, the patient, or another organisation's clinician (never allowed).
        uint256 closerKind = closerSeed % 3;
        address closer =
            closerKind == 0
                ? cast.clinicians[m]
                : closerKind == 1
                    ? _patientAccount(p)
                    : cast.clinicians[(m + 1) % MEMBERS];
        bool mayClose =
            closerKind == 0
                ? !ghostSuspended[m]
                : closerKind == 1
                    ? !ghostDeactivated[p]
                    : false;
        bool expected = breakGlassOpen(p, m) && mayClose;
        vm.prank(closer);
        try consentRegistry.closeBreakGlass(cast.patientIds[p], _member(m)) {
            _outcome("closeBreakGlass", true, expected, "");
            ghostBreakGlass[p][m].closed = true;
        } catch (bytes memory reason) {
            _outcome("closeBreakGlass", false, expected, reason);
        }
    }

    function setBreakGlassAllowed(uint256 memberSeed, bool allowed) external {
        _setBreakGlassAllowed(memberSeed % MEMBERS, allowed);
    }

    /// @notice The guardian takes organisation `m`'s right and gives it back at once: the moment at which, before
    /// the fix, its open emergency accesses came back to life.
    function takeAndGiveBackBreakGlassRight(uint256 memberSeed) external {
        uint256 m = memberSeed % MEMBERS;
        _setBreakGlassAllowed(m, false);
        _setBreakGlassAllowed(m, true);
    }

    function suspendMember(uint256 memberSeed) external {
        uint256 m = memberSeed % MEMBERS;
        bool expected = !ghostSuspended[m];
        vm.prank(cast.guardian);
        try memberRegistry.suspendMember(_member(m), 1) {
            _outcome("suspendMember", true, expected, "");
            if (_hasLiveGrantOrAccess(m)) reached["suspendedWhileAuthorized"]++;
            ghostSuspended[m] = true;
        } catch (bytes memory reason) {
            _outcome("suspendMember", false, expected, reason);
        }
    }

    function reinstateMember(uint256 memberSeed) external {
        uint256 m = memberSeed % MEMBERS;
        bool expected = ghostSuspended[m];
        vm.prank(cast.council);
        try memberRegistry.reinstateMember(_member(m)) {
            _outcome("reinstateMember", true, expected, "");
            ghostSuspended[m] = false;
        } catch (bytes memory reason) {
            _outcome("reinstateMember", false, expected, reason);
        }
    }

    function deactivatePatient(uint256 patientSeed, uint256 registrarSeed, uint256 gateSeed) external {
        // Deactivation is final: act on one call in four, so that most sequences keep most patients.
        if (gateSeed % 4 != 0) return;
        uint256 p = patientSeed % PATIENTS;
        uint256 r = registrarSeed % 2;
        bool expected = !ghostDeactivated[p] && !ghostSuspended[cast.registrarMembers[r]];
        vm.prank(cast.registrars[r]);
        try patientRegistry.deactivatePatient(cast.patientIds[p], DeactivationReason.Withdrawn) {
            _outcome("deactivatePatient", true, expected, "");
            ghostDeactivated[p] = true;
        } catch (bytes memory reason) {
            _outcome("deactivatePatient", false, expected, reason);
        }
    }

    function logAccess(
        uint256 patientSeed,
        uint256 memberSeed,
        uint8 categorySeed,
        uint8 purposeSeed,
        bool byClerk,
        uint8 focusSeed
    ) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        RecordCategory category = RecordCategory(categorySeed % CATEGORY_COUNT);
        // Half the time treatment, the purpose break-glass covers.
        Purpose purpose = purposeSeed % 2 == 0 ? Purpose.Treatment : Purpose((purposeSeed >> 1) % PURPOSE_COUNT);
        // Random pairs rarely meet an open emergency access or a live grant: a third of the time take a pair with
        // an emergency access open, a third of the time a pair with a live grant and a record it covers (when the
        // model has one).
        uint256 focus = focusSeed % 3;
        if (focus == 1) {
            (p, m) = _pairWithOpenBreakGlass(p, m);
        } else if (focus == 2) {
            (p, m) = _pairWithLiveGrant(p, m);
            (category, purpose) = _coveredRecord(p, m, category, purpose);
        }
        // The organisation's clinician, or its clerk (no Clinician duty).
        address operator = byClerk ? cast.clerks[m] : cast.clinicians[m];
        bool authorized = !ghostSuspended[m] && modelAuthorized(p, m, category, purpose);
        bool underGrant = grantCovers(p, m, category, purpose);
        // An access resting on break-glass alone is the clinicians' only.
        bool expected = authorized && (underGrant || !byClerk);
        vm.prank(operator);
        try consentRegistry.logAccess(cast.patientIds[p], category, purpose, RECORD_REF) {
            _outcome("logAccess", true, expected, "");
            if (underGrant) {
                reached[byClerk ? bytes32("loggedUnderGrantByClerk") : bytes32("loggedUnderGrant")]++;
            } else {
                reached["loggedUnderBreakGlass"]++;
            }
        } catch (bytes memory reason) {
            _outcome("logAccess", false, expected, reason);
            if (authorized && !underGrant && byClerk) {
                reached["breakGlassRefusedToClerk"]++;
                _expectError(
                    "logAccess",
                    reason,
                    abi.encodeWithSelector(
                        IConsentRegistry.ConsentRegistryBreakGlassNeedsClinician.selector,
                        operator,
                        _member(m)
                    )
                );
            }
        }
    }

    // --------------------------------------------------------------------------------------------------
    // The model (views: the fuzzer does not call them)
    // --------------------------------------------------------------------------------------------------

    /// @notice Whether organisation `m` may access patient `p`'s `category` records for `purpose` now.
    function modelAuthorized(
        uint256 p,
        uint256 m,
        RecordCategory category,
        Purpose purpose
    ) public view returns (bool) {
        if (ghostSuspended[m] || ghostDeactivated[p]) return false;
        return grantCovers(p, m, category, purpose) || (purpose == Purpose.Treatment && breakGlassOpen(p, m));
    }

    /// @notice {modelAuthorized} for every category and purpose: bit `category * PURPOSE_COUNT + purpose`.
    function modelAuthorizedMask(uint256 p, uint256 m) external view returns (uint256 mask) {
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                if (modelAuthorized(p, m, RecordCategory(c), Purpose(u))) mask |= 1 << (c * PURPOSE_COUNT + u);
            }
        }
    }

    /// @notice Whether patient `p`'s current grant to `m` is unrevoked, inside its window, and covers the pair.
    function grantCovers(uint256 p, uint256 m, RecordCategory category, Purpose purpose) public view returns (bool) {
        GhostGrant storage ghost = ghostGrants[p][m];
        return
            !ghost.revoked &&
            _grantInWindow(ghost) &&
            ghost.categories & Categories.bit(category) != 0 &&
            ghost.purposes & Purposes.bit(purpose) != 0;
    }

    /// @notice Whether patient `p` has an unrevoked grant to `m` whose window holds now.
    function grantLive(uint256 p, uint256 m) external view returns (bool) {
        GhostGrant storage ghost = ghostGrants[p][m];
        return !ghost.revoked && _grantInWindow(ghost);
    }

    /// @notice Whether patient `p`'s current grant to `m` was revoked.
    function grantRevoked(uint256 p, uint256 m) external view returns (bool) {
        return ghostGrants[p][m].revoked;
    }

    /// @notice Whether patient `p`'s current grant to `m` has reached its expiry.
    function grantExpired(uint256 p, uint256 m) external view returns (bool) {
        GhostGrant storage ghost = ghostGrants[p][m];
        return ghost.exists && block.timestamp >= ghost.expiresAt;
    }

    /// @notice Whether organisation `m` has an emergency access to patient `p` open now.
    function breakGlassOpen(uint256 p, uint256 m) public view returns (bool) {
        GhostBreakGlass storage ghost = ghostBreakGlass[p][m];
        return ghost.opened && !ghost.closed && !ghost.endedByTakingRight && block.timestamp < ghost.endsAt;
    }

    function suspended(uint256 m) external view returns (bool) {
        return ghostSuspended[m];
    }

    function deactivated(uint256 p) external view returns (bool) {
        return ghostDeactivated[p];
    }

    function patientIdAt(uint256 p) external view returns (uint64) {
        return cast.patientIds[p];
    }

    function memberIdAt(uint256 m) external view returns (uint32) {
        return cast.memberIds[m];
    }

    function nonceOf(uint256 p) external view returns (uint256) {
        return ghostNonces[p];
    }

    // --------------------------------------------------------------------------------------------------
    // Internals
    // --------------------------------------------------------------------------------------------------

    function _setBreakGlassAllowed(uint256 m, bool allowed) private {
        vm.prank(cast.guardian);
        try consentRegistry.setBreakGlassAllowed(_member(m), allowed) {
            _outcome(allowed ? bytes32("giveBreakGlassRight") : bytes32("takeBreakGlassRight"), true, true, "");
            for (uint256 p = 0; p < PATIENTS; ++p) {
                GhostBreakGlass storage ghost = ghostBreakGlass[p][m];
                if (!allowed) {
                    if (breakGlassOpen(p, m)) reached["endedByTakingRight"]++;
                    if (ghost.opened) ghost.endedByTakingRight = true;
                } else if (
                    ghostRightTaken[m] && ghost.endedByTakingRight && !ghost.closed && block.timestamp < ghost.endsAt
                ) {
                    // Before the fix, this is where the access came back to life.
                    reached["rightGivenBackBeforeAccessEnd"]++;
                }
            }
            ghostRightTaken[m] = !allowed;
        } catch (bytes memory reason) {
            _outcome(allowed ? bytes32("giveBreakGlassRight") : bytes32("takeBreakGlassRight"), false, true, reason);
        }
    }

    function _grantRequest(
        uint256 p,
        uint256 m,
        uint32 categories,
        uint16 purposes,
        uint256 startSeed,
        uint256 lifetimeSeed
    ) private view returns (IConsentRegistry.GrantRequest memory) {
        uint64 notBefore = uint64(block.timestamp - MAX_START_OFFSET + bound(startSeed, 0, 2 * MAX_START_OFFSET));
        return
            IConsentRegistry.GrantRequest({
                patientId: cast.patientIds[p],
                grantee: _member(m),
                categories: uint32(bound(categories, 1, Categories.ALL)),
                purposes: _plainPurposes(purposes),
                notBefore: notBefore,
                expiresAt: uint64(notBefore + bound(lifetimeSeed, 1, MAX_GRANT_LIFETIME)),
                consentFormHash: bytes32(0)
            });
    }

    /// @dev A non-empty purpose set a plain grant to a care provider may hold: no commercial purpose (those need a
    /// third-party grant, ThirdPartyConsent.t.sol).
    function _plainPurposes(uint16 seed) private pure returns (uint16 purposes) {
        purposes = uint16(bound(seed, 1, Purposes.ALL)) & ~Purposes.COMMERCIAL;
        if (purposes == 0) purposes = Purposes.bit(Purpose.Treatment);
    }

    /// @dev Sets and window are valid by construction; the grant must end after now, and both parties be active.
    function _grantAccepted(
        uint256 p,
        uint256 m,
        IConsentRegistry.GrantRequest memory request
    ) private view returns (bool) {
        return !ghostDeactivated[p] && !ghostSuspended[m] && request.expiresAt > block.timestamp;
    }

    /// @dev Patient `p`'s signature of `request` with the model's current nonce.
    function _signGrant(
        uint256 p,
        IConsentRegistry.GrantRequest memory request,
        uint64 deadline
    ) private view returns (IConsentRegistry.DelegatedGrantRequest memory) {
        uint256 nonce = ghostNonces[p];
        address signer = _patientAccount(p);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            cast.patientKeys[p],
            consentRegistry.grantDigest(request, signer, nonce, deadline)
        );
        return
            IConsentRegistry.DelegatedGrantRequest({
                request: request,
                signer: signer,
                nonce: nonce,
                deadline: deadline,
                signature: abi.encodePacked(r, s, v)
            });
    }

    function _recordGrant(uint256 p, uint256 m, IConsentRegistry.GrantRequest memory request) private {
        GhostGrant storage ghost = ghostGrants[p][m];
        if (ghost.revoked) reached["regrantedAfterRevoke"]++;
        if (!ghost.revoked && _grantInWindow(ghost)) reached["replacedLiveGrant"]++;
        if (request.notBefore > block.timestamp) reached["grantedForLater"]++;
        ghostGrants[p][m] = GhostGrant({
            exists: true,
            revoked: false,
            categories: request.categories,
            purposes: request.purposes,
            notBefore: request.notBefore,
            expiresAt: request.expiresAt
        });
    }

    /// @dev The first pair from (`p`, `m`) on, in row order, whose emergency access the model has open; (`p`, `m`)
    /// itself if none is.
    function _pairWithOpenBreakGlass(uint256 p, uint256 m) private view returns (uint256, uint256) {
        for (uint256 i = 0; i < PATIENTS * MEMBERS; ++i) {
            uint256 pair = (p * MEMBERS + m + i) % (PATIENTS * MEMBERS);
            if (breakGlassOpen(pair / MEMBERS, pair % MEMBERS)) return (pair / MEMBERS, pair % MEMBERS);
        }
        return (p, m);
    }

    /// @dev The first pair from (`p`, `m`) on, in row order, with an unrevoked grant in its window; (`p`, `m`)
    /// itself if none has.
    function _pairWithLiveGrant(uint256 p, uint256 m) private view returns (uint256, uint256) {
        for (uint256 i = 0; i < PATIENTS * MEMBERS; ++i) {
            uint256 pair = (p * MEMBERS + m + i) % (PATIENTS * MEMBERS);
            GhostGrant storage ghost = ghostGrants[pair / MEMBERS][pair % MEMBERS];
            if (!ghost.revoked && _grantInWindow(ghost)) return (pair / MEMBERS, pair % MEMBERS);
        }
        return (p, m);
    }

    /// @dev The first category and purpose from (`category`, `purpose`) on that the grant of (`p`, `m`) names;
    /// (`category`, `purpose`) themselves if it names none (no grant).
    function _coveredRecord(
        uint256 p,
        uint256 m,
        RecordCategory category,
        Purpose purpose
    ) private view returns (RecordCategory, Purpose) {
        GhostGrant storage ghost = ghostGrants[p][m];
        if (ghost.categories == 0) return (category, purpose);
        uint256 c = uint256(category);
        while (ghost.categories & Categories.bit(RecordCategory(c)) == 0) c = (c + 1) % CATEGORY_COUNT;
        uint256 u = uint256(purpose);
        while (ghost.purposes & Purposes.bit(Purpose(u)) == 0) u = (u + 1) % PURPOSE_COUNT;
        return (RecordCategory(c), Purpose(u));
    }

    /// @dev A direct grant or revocation of patient `p` succeeded: a held-back grant still fresh until now is void.
    function _voidHeldGrantByDirectWord(uint256 p) private {
        HeldGrant storage held = heldGrants[p];
        if (held.exists && held.signed.nonce == ghostNonces[p]) held.voidedByDirectWord = true;
    }

    /// @dev A refused call must have been refused with exactly `expected` (selector and arguments).
    function _expectError(bytes32 operation, bytes memory reason, bytes memory expected) private {
        if (keccak256(reason) != keccak256(expected)) {
            _unexpected(string.concat(_name(operation), ": refused with another error than the model's"));
        }
    }

    function _grantInWindow(GhostGrant storage ghost) private view returns (bool) {
        return ghost.exists && ghost.notBefore <= block.timestamp && block.timestamp < ghost.expiresAt;
    }

    function _hasLiveGrantOrAccess(uint256 m) private view returns (bool) {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            GhostGrant storage ghost = ghostGrants[p][m];
            if ((!ghost.revoked && _grantInWindow(ghost)) || breakGlassOpen(p, m)) return true;
        }
        return false;
    }

    function _outcome(bytes32 operation, bool succeeded, bool expected, bytes memory reason) private {
        calls[operation]++;
        if (succeeded) successes[operation]++;
        if (succeeded == expected) return;
        _unexpected(
            string.concat(
                _name(operation),
                succeeded
                    ? ": succeeded, the model expected a revert"
                    : string.concat(
                        ": reverted, the model expected success; error selector ",
                        vm.toString(bytes32(reason.length >= 4 ? bytes4(reason) : bytes4(0)))
                    )
            )
        );
    }

    /// @dev `operation` without its trailing zero bytes.
    function _name(bytes32 operation) private pure returns (string memory name) {
        uint256 length = 0;
        while (length < 32 && operation[length] != 0) ++length;
        name = new string(length);
        for (uint256 i = 0; i < length; ++i) bytes(name)[i] = operation[i];
    }

    function _unexpected(string memory description) private {
        if (unexpectedOutcomes == 0) firstUnexpectedOutcome = description;
        ++unexpectedOutcomes;
    }

    function _patientAccount(uint256 p) private view returns (address) {
        return vm.addr(cast.patientKeys[p]);
    }

    function _member(uint256 m) private view returns (uint32) {
        return cast.memberIds[m];
    }
}

/// @notice Proves that, whatever sequence of grants, signed grants (relayed at once or held back), revocations,
/// nonce invalidations, time, emergency accesses, duration changes, the guardian taking and giving back
/// break-glass rights, suspensions, deactivations and logged accesses, ConsentRegistry authorises exactly what
/// the specification says: never through a revoked or expired grant without an open emergency access, never
/// more than treatment through break-glass, never for a deactivated patient or a suspended organisation, and in
/// every case exactly the ghost model's answer; every call (a held-back signature after the patient's newer
/// word, a non-clinician's access under break-glass alone) succeeds exactly when the model says so, and every
/// patient's nonce is the model's.
contract ConsentInvariantsTest is MedchainTestBase {
    uint256 internal constant PATIENTS = 3;
    uint256 internal constant MEMBERS = 3;
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;
    uint256 internal constant PURPOSE_COUNT = uint256(type(Purpose).max) + 1;

    ConsentHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.warp(1_750_000_000);

        ConsentCast memory cast;
        cast.consentRegistry = consentRegistry;
        cast.memberRegistry = memberRegistry;
        cast.patientRegistry = patientRegistry;
        cast.admin = address(this); // MedchainTestBase makes the test contract the authority's admin
        cast.guardian = guardian;
        cast.council = council;
        cast.registrars = [registrar, clinicRegistrar];
        cast.registrarMembers = [uint256(0), 1];
        cast.relayer = stranger;

        // Organisations: the hospital, the clinic (its clinician may not break glass) and a second hospital.
        // Each has a clerk too: a claims officer, who may read under a grant but not under break-glass alone.
        address clinicClinician = makeAddr("clinicClinician");
        address otherClinician = makeAddr("otherClinician");
        address hospitalClerk = makeAddr("hospitalClerk");
        address clinicClerk = makeAddr("clinicClerk");
        address otherClerk = makeAddr("otherClerk");
        vm.startPrank(council);
        uint32 otherHospitalId = memberRegistry.addMember(MemberKind.Hospital, keccak256("other hospital profile"));
        memberRegistry.addOperator(clinicClinician, clinicId, Duties.bit(Duty.Clinician));
        memberRegistry.addOperator(otherClinician, otherHospitalId, Duties.bit(Duty.Clinician));
        memberRegistry.addOperator(clinicClerk, clinicId, Duties.bit(Duty.ClaimsOfficer));
        memberRegistry.addOperator(otherClerk, otherHospitalId, Duties.bit(Duty.ClaimsOfficer));
        vm.stopPrank();
        vm.prank(orgAdmin);
        memberRegistry.addOperator(hospitalClerk, hospitalId, Duties.bit(Duty.ClaimsOfficer));
        cast.memberIds = [hospitalId, clinicId, otherHospitalId];
        cast.clinicians = [clinician, clinicClinician, otherClinician];
        cast.clerks = [hospitalClerk, clinicClerk, otherClerk];
        cast.hospitals = [true, false, true];

        for (uint256 p = 0; p < PATIENTS; ++p) {
            cast.patientKeys[p] = 0xC0A5E17 + p;
            cast.patientIds[p] = registerAsHospital(
                vm.addr(cast.patientKeys[p]),
                keccak256(abi.encode("medchain consent invariant person", p))
            );
        }

        handler = new ConsentHandler(cast);
        vm.label(address(handler), "ConsentHandler");
    }

    /// @notice The only contract the invariant fuzzer calls.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_revokedGrantNeverAuthorizesWithoutBreakGlass() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            for (uint256 m = 0; m < MEMBERS; ++m) {
                if (!handler.grantRevoked(p, m)) continue;
                _checkOnlyTreatmentUnderBreakGlass(p, m, "a revoked grant authorises nothing");
            }
        }
    }

    function invariant_expiredGrantNeverAuthorizesWithoutBreakGlass() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            for (uint256 m = 0; m < MEMBERS; ++m) {
                if (!handler.grantExpired(p, m)) continue;
                _checkOnlyTreatmentUnderBreakGlass(p, m, "an expired grant authorises nothing");
            }
        }
    }

    function invariant_breakGlassNeverAuthorizesNonTreatment() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            for (uint256 m = 0; m < MEMBERS; ++m) {
                (uint64 patientId, uint32 memberId) = _ids(p, m);
                bool live = handler.grantLive(p, m);
                for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
                    for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                        if (Purpose(u) == Purpose.Treatment) continue;
                        bool authorized = consentRegistry.isAuthorized(
                            patientId,
                            memberId,
                            RecordCategory(c),
                            Purpose(u)
                        );
                        if (!live) {
                            assertFalse(authorized, "without a live grant, nothing but treatment");
                        } else if (authorized) {
                            assertTrue(
                                handler.grantCovers(p, m, RecordCategory(c), Purpose(u)),
                                "beyond treatment, only what the grant covers"
                            );
                        }
                    }
                }
            }
        }
    }

    function invariant_deactivatedPatientNeverAuthorized() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            if (!handler.deactivated(p)) continue;
            assertFalse(patientRegistry.isActivePatient(handler.patientIdAt(p)), "deactivated for good");
            for (uint256 m = 0; m < MEMBERS; ++m) {
                _checkNothingAuthorized(p, m, "a deactivated patient's records are closed to all");
            }
        }
    }

    function invariant_suspendedMemberNeverAuthorized() public view {
        for (uint256 m = 0; m < MEMBERS; ++m) {
            if (!handler.suspended(m)) continue;
            assertFalse(memberRegistry.isActiveMember(handler.memberIdAt(m)), "suspended organisation inactive");
            for (uint256 p = 0; p < PATIENTS; ++p) {
                _checkNothingAuthorized(p, m, "a suspended organisation may access nothing");
            }
        }
    }

    function invariant_isAuthorizedMatchesGhostModel() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            for (uint256 m = 0; m < MEMBERS; ++m) {
                (uint64 patientId, uint32 memberId) = _ids(p, m);
                uint256 expected = handler.modelAuthorizedMask(p, m);
                for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
                    for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                        assertEq(
                            consentRegistry.isAuthorized(patientId, memberId, RecordCategory(c), Purpose(u)),
                            expected & (1 << (c * PURPOSE_COUNT + u)) != 0,
                            "isAuthorized equals the model"
                        );
                    }
                }
            }
        }
    }

    function invariant_isBreakGlassOpenMatchesGhostModel() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            for (uint256 m = 0; m < MEMBERS; ++m) {
                (uint64 patientId, uint32 memberId) = _ids(p, m);
                assertEq(
                    consentRegistry.isBreakGlassOpen(patientId, memberId),
                    handler.breakGlassOpen(p, m),
                    "isBreakGlassOpen equals the model"
                );
            }
        }
    }

    function invariant_everyCallSucceedsExactlyWhenTheModelSaysSo() public view {
        assertEq(handler.unexpectedOutcomes(), 0, handler.firstUnexpectedOutcome());
        for (uint256 p = 0; p < PATIENTS; ++p) {
            assertEq(
                consentRegistry.nonces(handler.patientIdAt(p)),
                handler.nonceOf(p),
                "the nonce moves once per relayed grant, direct grant or revocation, and as invalidated"
            );
        }
    }

    /// @dev Organisation `m` may access patient `p`'s records only for treatment, and only while the model has
    /// an emergency access open.
    function _checkOnlyTreatmentUnderBreakGlass(uint256 p, uint256 m, string memory message) private view {
        (uint64 patientId, uint32 memberId) = _ids(p, m);
        bool breakGlass = handler.breakGlassOpen(p, m);
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                if (consentRegistry.isAuthorized(patientId, memberId, RecordCategory(c), Purpose(u))) {
                    assertTrue(breakGlass && Purpose(u) == Purpose.Treatment, message);
                }
            }
        }
    }

    function _checkNothingAuthorized(uint256 p, uint256 m, string memory message) private view {
        (uint64 patientId, uint32 memberId) = _ids(p, m);
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                assertFalse(consentRegistry.isAuthorized(patientId, memberId, RecordCategory(c), Purpose(u)), message);
            }
        }
    }

    function _ids(uint256 p, uint256 m) private view returns (uint64 patientId, uint32 memberId) {
        return (handler.patientIdAt(p), handler.memberIdAt(m));
    }
}
