// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Categories, EmergencyReason, Purpose, Purposes, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {Duties, Duty, MemberKind, MemberStatus} from "../../contracts/types/MemberCodes.sol";
import {DeactivationReason} from "../../contracts/types/PatientCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice Proves ConsentRegistry's guarantees for arbitrary inputs: a grant authorises exactly its
/// categories × purposes within [notBefore, expiresAt); invalid sets and windows are refused with the exact
/// error; a relayed grant needs the patient's own, fresh, low-s EIP-712 signature over this proxy's domain, naming
/// its signer; a direct grant or revocation voids every signature made before it; nonces move forward at most
/// MAX_NONCE_JUMP at once; break-glass authorises treatment only, is read under by clinicians only, and is never
/// shortened by re-opening; taking an organisation's break-glass right ends its open accesses for good, and only a
/// known organisation's right can be set; and the state lives at the ERC-7201 slot the formula gives.
contract ConsentRegistryTest is MedchainTestBase {
    /// @dev The order of the secp256k1 group.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev A realistic clock, so windows may start in the past.
    uint256 internal constant START = 1_750_000_000;

    bytes32 internal constant COMMITMENT = keccak256("medchain consent person 1");
    bytes32 internal constant OTHER_COMMITMENT = keccak256("medchain consent person 2");
    bytes32 internal constant SIGNER_COMMITMENT = keccak256("medchain consent signing person");
    bytes32 internal constant RECORD_REF = keccak256("salted record reference");

    address internal patient;
    /// @dev The patient's key (`makeAddr` derives the account from it), so the patient can sign.
    uint256 internal patientKey;
    address internal otherPatient;
    uint64 internal patientId;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
        patient = makeAddr("patient");
        patientKey = uint256(keccak256("patient"));
        assertEq(vm.addr(patientKey), patient, "the patient's key");
        otherPatient = makeAddr("otherPatient");
        patientId = registerAsHospital(patient, COMMITMENT);
    }

    // ------------------------------------------------------------------------------------------------------
    // Grants: window, sets, authorisation
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_isAuthorized_matchesGrantWindow(
        uint32 categories,
        uint16 purposes,
        uint64 notBeforeOffset,
        uint64 lifetime,
        uint64 at,
        uint8 category,
        uint8 purpose
    ) public {
        // The window may have started up to 30 days ago or start up to a year from now; it ends after it starts
        // and after now.
        uint64 notBefore = uint64(START - 30 days + bound(notBeforeOffset, 0, 30 days + 365 days));
        uint256 minLifetime = notBefore < START ? START - notBefore + 1 : 1;
        IConsentRegistry.GrantRequest memory request = _request(
            patientId,
            hospitalId,
            uint32(bound(categories, 1, Categories.ALL)),
            _plainPurposes(purposes),
            notBefore,
            uint64(notBefore + bound(lifetime, minLifetime, 2 * 365 days))
        );

        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ConsentGranted(
            patientId,
            hospitalId,
            patient,
            request.categories,
            request.purposes,
            request.notBefore,
            request.expiresAt,
            bytes32(0)
        );
        vm.prank(patient);
        consentRegistry.grant(request);

        IConsentRegistry.Grant memory stored = consentRegistry.getGrant(patientId, hospitalId);
        assertEq(uint256(stored.categories), request.categories, "stored categories");
        assertEq(uint256(stored.purposes), request.purposes, "stored purposes");
        assertEq(uint256(stored.notBefore), request.notBefore, "stored notBefore");
        assertEq(uint256(stored.expiresAt), request.expiresAt, "stored expiresAt");
        assertEq(uint256(stored.revokedAt), 0, "not revoked");
        assertFalse(stored.grantedByDelegate, "granted by the patient");

        // Every category and purpose at the fuzzed moment.
        vm.warp(bound(at, START, uint256(request.expiresAt) + 30 days));
        _checkEveryPairUnderGrant(request);

        // The fuzzed pair at the window's edges, through isAuthorized and logAccess alike.
        RecordCategory fuzzedCategory = _category(category);
        Purpose fuzzedPurpose = _purpose(purpose);
        bool covered =
            request.categories & Categories.bit(fuzzedCategory) != 0 &&
                request.purposes & Purposes.bit(fuzzedPurpose) != 0;
        if (request.notBefore > START) {
            _checkGrantAt(request.notBefore - 1, fuzzedCategory, fuzzedPurpose, false);
        }
        if (request.notBefore >= START) {
            _checkGrantAt(request.notBefore, fuzzedCategory, fuzzedPurpose, covered);
        }
        _checkGrantAt(request.expiresAt - 1, fuzzedCategory, fuzzedPurpose, covered);
        _checkGrantAt(request.expiresAt, fuzzedCategory, fuzzedPurpose, false);
    }

    function testFuzz_grant_rejectsInvalidSets(uint32 categories, uint16 purposes) public {
        _checkGrantSets(categories, purposes);
        // Raw values almost never form valid sets: also try valid ones, the empty sets, and sets with a bit
        // beyond the defined values.
        uint32 validCategories = uint32(bound(categories, 1, Categories.ALL));
        uint16 validPurposes = _plainPurposes(purposes);
        uint32 strayCategory = uint32(uint256(1) << bound(categories, uint8(type(RecordCategory).max) + 1, 31));
        uint16 strayPurpose = uint16(uint256(1) << bound(purposes, uint8(type(Purpose).max) + 1, 15));
        _checkGrantSets(validCategories, validPurposes);
        _checkGrantSets(0, validPurposes);
        _checkGrantSets(validCategories, 0);
        _checkGrantSets(validCategories | strayCategory, validPurposes);
        _checkGrantSets(validCategories, validPurposes | strayPurpose);
        _checkGrantSets(categories, validPurposes);
        _checkGrantSets(validCategories, purposes);
    }

    function testFuzz_grant_rejectsBadWindows(uint64 notBefore, uint64 expiresAt) public {
        _checkGrantWindow(notBefore, expiresAt);
        // Raw values are almost never in the past: also try a window that ends before now, one that ends
        // exactly now, and one that ends before it starts.
        uint64 pastEnd = uint64(bound(expiresAt, 1, START));
        _checkGrantWindow(uint64(bound(notBefore, 0, pastEnd - 1)), pastEnd);
        _checkGrantWindow(uint64(bound(notBefore, 0, START - 1)), uint64(START));
        _checkGrantWindow(expiresAt, uint64(bound(notBefore, 0, expiresAt)));
        _checkGrantWindow(uint64(bound(notBefore, 0, START)), uint64(bound(expiresAt, START + 1, type(uint64).max)));
    }

    function test_grant_revertsForAStranger() public {
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnauthorizedActor.selector, patientId, stranger)
        );
        vm.prank(stranger);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
    }

    function test_grant_revertsForASuspendedGrantee() public {
        vm.prank(guardian);
        memberRegistry.suspendMember(clinicId, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryGranteeNotActive.selector,
                clinicId,
                MemberStatus.Suspended
            )
        );
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, clinicId));
    }

    function test_grant_revertsForADeactivatedPatient() public {
        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryPatientNotActive.selector, patientId));
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
    }

    function test_revoke_endsTheGrantAtOnceAndOnlyOnce() public {
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "granted"
        );
        assertEq(consentRegistry.nonces(patientId), 1, "a direct grant moves the nonce on");

        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ConsentRevoked(patientId, hospitalId, patient);
        vm.prank(patient);
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: patientId, grantee: hospitalId}));

        assertEq(uint256(consentRegistry.getGrant(patientId, hospitalId).revokedAt), START, "revokedAt");
        assertFalse(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "revoked"
        );
        assertEq(consentRegistry.nonces(patientId), 2, "a direct revocation moves the nonce on");
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryNoActiveGrant.selector, patientId, hospitalId)
        );
        vm.prank(patient);
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: patientId, grantee: hospitalId}));
        assertEq(consentRegistry.nonces(patientId), 2, "a refused revocation moves nothing");
    }

    function test_isAuthorized_needsAnActiveMemberAndAnActivePatient() public {
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));

        vm.prank(guardian);
        memberRegistry.suspendMember(hospitalId, 1);
        assertFalse(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "suspended member"
        );
        vm.prank(council);
        memberRegistry.reinstateMember(hospitalId);
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "reinstated member"
        );

        vm.prank(clinicRegistrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Deceased);
        assertFalse(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "deactivated patient"
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryAccessNotAuthorized.selector,
                patientId,
                hospitalId,
                RecordCategory.Outpatient,
                Purpose.Treatment
            )
        );
        vm.prank(clinician);
        consentRegistry.logAccess(patientId, RecordCategory.Outpatient, Purpose.Treatment, RECORD_REF);
    }

    // ------------------------------------------------------------------------------------------------------
    // Signed grants
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_grantBySig_acceptsOnlyThePatientsFreshSignature(
        uint256 signerKey,
        uint256 wrongKey,
        uint32 categories,
        uint16 purposes,
        uint64 lifetime,
        uint64 deadlineOffset
    ) public {
        signerKey = bound(signerKey, 1, SECP256K1_N - 1);
        wrongKey = bound(wrongKey, 1, SECP256K1_N - 1);
        vm.assume(signerKey != wrongKey);
        vm.assume(vm.addr(signerKey) != patient);
        SignedGrant memory signed = _signedGrant(signerKey, categories, purposes, lifetime, deadlineOffset);
        _checkForeignSignaturesRefused(signed, wrongKey);
        _checkMalleableAlteredAndExpiredRefused(signed);
        _checkRelayWorksOnce(signed);
    }

    function testFuzz_revoke_voidsASignedGrantWithTheEarlierNonce(
        uint256 signerKey,
        uint256 startNonce,
        uint32 categories,
        uint16 purposes,
        uint64 deadlineOffset
    ) public {
        signerKey = bound(signerKey, 1, SECP256K1_N - 1);
        address signer = vm.addr(signerKey);
        vm.assume(signer != patient);
        uint64 signerPatientId = registerAsHospital(signer, SIGNER_COMMITMENT);
        // Whatever nonce the patient has reached.
        startNonce = bound(startNonce, 0, consentRegistry.MAX_NONCE_JUMP());
        if (startNonce != 0) {
            vm.prank(signer);
            consentRegistry.invalidateNonces(signerPatientId, startNonce);
        }

        vm.prank(signer);
        consentRegistry.grant(_treatmentRequest(signerPatientId, clinicId));
        uint256 oldNonce = startNonce + 1;
        assertEq(consentRegistry.nonces(signerPatientId), oldNonce, "a direct grant moves the nonce on");

        // The patient signs another grant with the current nonce; a relayer holds it back.
        IConsentRegistry.GrantRequest memory request = _request(
            signerPatientId,
            clinicId,
            uint32(bound(categories, 1, Categories.ALL)),
            _plainPurposes(purposes),
            uint64(START),
            uint64(START + 90 days)
        );
        uint64 deadline = uint64(START + bound(deadlineOffset, 0, 30 days));
        bytes32 digest = consentRegistry.grantDigest(request, signer, oldNonce, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        assertEq(ecrecover(digest, v, r, s), signer, "a valid signature of the patient");

        // The patient's newer word: a direct revocation.
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ConsentRevoked(signerPatientId, clinicId, signer);
        vm.prank(signer);
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: signerPatientId, grantee: clinicId}));
        assertEq(consentRegistry.nonces(signerPatientId), oldNonce + 1, "a direct revocation moves the nonce on");

        // Relayed afterwards, the held-back grant is void: it cannot undo the revocation.
        _expectGrantBySigRevert(
            request,
            signer,
            oldNonce,
            deadline,
            abi.encodePacked(r, s, v),
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryInvalidNonce.selector,
                signerPatientId,
                oldNonce + 1,
                oldNonce
            )
        );
        assertEq(consentRegistry.nonces(signerPatientId), oldNonce + 1, "a void signature consumes nothing");
        assertEq(uint256(consentRegistry.getGrant(signerPatientId, clinicId).revokedAt), START, "still revoked");
        for (uint8 c = 0; c <= uint8(type(RecordCategory).max); ++c) {
            for (uint8 u = 0; u <= uint8(type(Purpose).max); ++u) {
                assertFalse(
                    consentRegistry.isAuthorized(signerPatientId, clinicId, RecordCategory(c), Purpose(u)),
                    "the revocation stands"
                );
            }
        }
    }

    function test_grant_voidsAnOutstandingSignedRevocation() public {
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
        IConsentRegistry.RevokeRequest memory request = IConsentRegistry.RevokeRequest({
            patientId: patientId,
            grantee: hospitalId
        });
        uint64 deadline = uint64(START + 1 days);
        bytes memory heldBack = _signRevoke(patientKey, request, 1, deadline);

        // The patient renews the grant directly: the revocation signed before it no longer speaks for them.
        vm.warp(START + 1 hours);
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
        assertEq(consentRegistry.nonces(patientId), 2, "the renewal moves the nonce on");
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidNonce.selector, patientId, 2, 1));
        vm.prank(stranger);
        consentRegistry.revokeBySig(_delegatedRevoke(request, patient, 1, deadline, heldBack));
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "the renewed grant stands"
        );

        // The same revocation signed with the current nonce still works, once.
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ConsentRevoked(patientId, hospitalId, patient);
        vm.prank(stranger);
        consentRegistry.revokeBySig(
            _delegatedRevoke(request, patient, 2, deadline, _signRevoke(patientKey, request, 2, deadline))
        );
        assertEq(consentRegistry.nonces(patientId), 3, "the relayed revocation consumes its nonce");
        assertFalse(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "revoked"
        );
    }

    function testFuzz_invalidateNonces_movesForwardAtMostMaxNonceJump(uint256 first, uint256 requested) public {
        uint256 maxJump = consentRegistry.MAX_NONCE_JUMP();
        assertEq(maxJump, 1_000_000, "MAX_NONCE_JUMP");
        first = bound(first, 1, maxJump);
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.NoncesInvalidated(patientId, patient, first);
        vm.prank(patient);
        consentRegistry.invalidateNonces(patientId, first);
        assertEq(consentRegistry.nonces(patientId), first, "first jump");

        // The edges of the allowed range, a raw value (almost always too far), a value within the range, and the
        // longest jump allowed.
        _checkInvalidateNonces(first);
        _checkInvalidateNonces(first + maxJump + 1);
        _checkInvalidateNonces(type(uint256).max);
        _checkInvalidateNonces(requested);
        _checkInvalidateNonces(bound(requested, first + 1, first + maxJump));
        _checkInvalidateNonces(consentRegistry.nonces(patientId) + maxJump);
    }

    // ------------------------------------------------------------------------------------------------------
    // Break-glass
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_breakGlass_authorizesTreatmentOnly(uint8 category, uint8 purpose, uint64 at) public {
        RecordCategory fuzzedCategory = _category(category);
        Purpose fuzzedPurpose = _purpose(purpose);

        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.BreakGlassOpened(
            patientId,
            hospitalId,
            clinician,
            EmergencyReason.Unconscious,
            uint64(START + BREAK_GLASS_DURATION)
        );
        vm.prank(clinician);
        uint64 endsAt = consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        assertEq(uint256(endsAt), START + BREAK_GLASS_DURATION, "endsAt");
        (uint64 openedCount, bool allowed) = consentRegistry.breakGlassRecord(hospitalId);
        assertEq(uint256(openedCount), 1, "opened once");
        assertTrue(allowed, "right held");

        vm.warp(bound(at, START, START + 2 * uint256(BREAK_GLASS_DURATION)));
        bool open = block.timestamp < endsAt;
        assertEq(consentRegistry.isBreakGlassOpen(patientId, hospitalId), open, "isBreakGlassOpen");
        for (uint8 c = 0; c <= uint8(type(RecordCategory).max); ++c) {
            for (uint8 u = 0; u <= uint8(type(Purpose).max); ++u) {
                assertEq(
                    consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory(c), Purpose(u)),
                    open && Purpose(u) == Purpose.Treatment,
                    "break-glass covers treatment, every category"
                );
            }
        }
        _checkLogAccess(clinician, fuzzedCategory, fuzzedPurpose, open && fuzzedPurpose == Purpose.Treatment, true);
        assertFalse(
            consentRegistry.isAuthorized(patientId, clinicId, fuzzedCategory, Purpose.Treatment),
            "another organisation gains nothing"
        );

        // The edges: open one second before endsAt, over at endsAt.
        vm.warp(uint256(endsAt) - 1);
        assertEq(
            consentRegistry.isAuthorized(patientId, hospitalId, fuzzedCategory, fuzzedPurpose),
            fuzzedPurpose == Purpose.Treatment,
            "last second"
        );
        vm.warp(endsAt);
        assertFalse(consentRegistry.isAuthorized(patientId, hospitalId, fuzzedCategory, fuzzedPurpose), "at endsAt");
        assertFalse(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "over at endsAt");
    }

    function test_setBreakGlassAllowed_takingTheRightEndsOpenAccessesForGood() public {
        uint64 otherPatientId = registerAsHospital(otherPatient, OTHER_COMMITMENT);
        vm.startPrank(clinician);
        uint64 endsAt = consentRegistry.openBreakGlass(patientId, EmergencyReason.LifeThreatening);
        consentRegistry.openBreakGlass(otherPatientId, EmergencyReason.Unconscious);
        vm.stopPrank();
        assertTrue(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "open");
        assertTrue(consentRegistry.isBreakGlassOpen(otherPatientId, hospitalId), "other open");

        vm.warp(START + 1 hours);
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.BreakGlassRightChanged(hospitalId, false);
        vm.prank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, false);
        (, bool allowed) = consentRegistry.breakGlassRecord(hospitalId);
        assertFalse(allowed, "right taken");
        assertFalse(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "ended by taking the right");
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryBreakGlassNotAllowed.selector, hospitalId)
        );
        vm.prank(clinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.LifeThreatening);

        vm.warp(START + 2 hours);
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.BreakGlassRightChanged(hospitalId, true);
        vm.prank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, true);
        (, allowed) = consentRegistry.breakGlassRecord(hospitalId);
        assertTrue(allowed, "right given back");

        // Still before the original endsAt, yet nothing revives.
        assertTrue(block.timestamp < endsAt, "before the original end");
        assertFalse(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "not revived");
        assertFalse(consentRegistry.isBreakGlassOpen(otherPatientId, hospitalId), "other not revived");
        for (uint8 c = 0; c <= uint8(type(RecordCategory).max); ++c) {
            assertFalse(
                consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory(c), Purpose.Treatment),
                "no treatment access revives"
            );
        }
        assertEq(uint256(consentRegistry.getBreakGlass(patientId, hospitalId).endsAt), endsAt, "stored access kept");
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryNoOpenBreakGlass.selector, patientId, hospitalId)
        );
        vm.prank(clinician);
        consentRegistry.closeBreakGlass(patientId, hospitalId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryAccessNotAuthorized.selector,
                patientId,
                hospitalId,
                RecordCategory.Outpatient,
                Purpose.Treatment
            )
        );
        vm.prank(clinician);
        consentRegistry.logAccess(patientId, RecordCategory.Outpatient, Purpose.Treatment, RECORD_REF);

        // Giving back a right already held changes nothing either.
        vm.prank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, true);
        assertFalse(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "still not revived");

        // A new opening after the right is back works, and only for the patient it names.
        vm.prank(clinician);
        uint64 newEndsAt = consentRegistry.openBreakGlass(patientId, EmergencyReason.MentalIncapacity);
        assertEq(uint256(newEndsAt), START + 2 hours + BREAK_GLASS_DURATION, "new endsAt");
        assertEq(uint256(consentRegistry.getBreakGlass(patientId, hospitalId).rightEpoch), 1, "opened in epoch 1");
        assertTrue(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "new opening is open");
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Inpatient, Purpose.Treatment),
            "new opening authorises treatment"
        );
        assertFalse(consentRegistry.isBreakGlassOpen(otherPatientId, hospitalId), "the other patient stays closed");
        _checkLogAccess(clinician, RecordCategory.Inpatient, Purpose.Treatment, true, true);
        (uint64 openedCount, ) = consentRegistry.breakGlassRecord(hospitalId);
        assertEq(uint256(openedCount), 3, "three openings counted");

        // The patient may end it early.
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.BreakGlassClosed(patientId, hospitalId, patient);
        vm.prank(patient);
        consentRegistry.closeBreakGlass(patientId, hospitalId);
        assertFalse(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "closed by the patient");
    }

    function test_setBreakGlassAllowed_leavesGrantsAndOtherHospitalsAlone() public {
        vm.startPrank(council);
        uint32 otherHospitalId = memberRegistry.addMember(MemberKind.Hospital, keccak256("other hospital profile"));
        address otherClinician = makeAddr("otherClinician");
        memberRegistry.addOperator(otherClinician, otherHospitalId, Duties.bit(Duty.Clinician));
        vm.stopPrank();

        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
        vm.prank(clinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        vm.prank(otherClinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);

        vm.prank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, false);
        assertTrue(consentRegistry.isBreakGlassOpen(patientId, otherHospitalId), "other hospital's access stays");
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "the grant still authorises"
        );
        _checkLogAccess(clinician, RecordCategory.Outpatient, Purpose.Treatment, true, false);
    }

    function test_openBreakGlass_revertsForAClinicsClinician() public {
        address clinicClinician = makeAddr("clinicClinician");
        vm.prank(council);
        memberRegistry.addOperator(clinicClinician, clinicId, Duties.bit(Duty.Clinician));
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryBreakGlassNotHospital.selector,
                clinicId,
                MemberKind.Clinic
            )
        );
        vm.prank(clinicClinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
    }

    function test_openBreakGlass_reopeningNeverShortensAnOpenAccess() public {
        vm.prank(clinician);
        uint64 firstEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        assertEq(uint256(firstEnd), START + BREAK_GLASS_DURATION, "first endsAt");

        // Governance shortens emergency accesses to the minimum; re-opening the open access keeps its later end.
        uint64 shortDuration = consentRegistry.MIN_BREAK_GLASS_DURATION();
        consentRegistry.setBreakGlassDuration(shortDuration);
        vm.warp(START + 1 hours);
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.BreakGlassOpened(
            patientId,
            hospitalId,
            clinician,
            EmergencyReason.LifeThreatening,
            firstEnd
        );
        vm.prank(clinician);
        uint64 reopenedEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.LifeThreatening);
        assertEq(uint256(reopenedEnd), firstEnd, "re-opening never shortens");
        IConsentRegistry.BreakGlass memory stored = consentRegistry.getBreakGlass(patientId, hospitalId);
        assertEq(uint256(stored.endsAt), firstEnd, "stored end kept");
        assertEq(uint256(uint8(stored.reason)), uint256(uint8(EmergencyReason.LifeThreatening)), "newest reason");
        (uint64 openedCount, ) = consentRegistry.breakGlassRecord(hospitalId);
        assertEq(uint256(openedCount), 2, "both openings counted");
        vm.warp(uint256(firstEnd) - 1);
        assertTrue(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "open until the first end");

        // Re-opening shortly before the end extends the access.
        vm.warp(uint256(firstEnd) - 5 minutes);
        vm.prank(clinician);
        uint64 extendedEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.LifeThreatening);
        assertEq(uint256(extendedEnd), uint256(firstEnd) - 5 minutes + shortDuration, "re-opening extends");
        vm.warp(firstEnd);
        assertTrue(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "open past the first end");
        vm.warp(extendedEnd);
        assertFalse(consentRegistry.isBreakGlassOpen(patientId, hospitalId), "over at the extended end");

        // An access ended by the guardian is not open: a new opening starts afresh, not from its stored end.
        consentRegistry.setBreakGlassDuration(BREAK_GLASS_DURATION);
        vm.prank(clinician);
        uint64 longEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        vm.startPrank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, false);
        consentRegistry.setBreakGlassAllowed(hospitalId, true);
        vm.stopPrank();
        consentRegistry.setBreakGlassDuration(shortDuration);
        vm.prank(clinician);
        uint64 freshEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        assertEq(uint256(freshEnd), block.timestamp + shortDuration, "a fresh access after the right was taken");
        assertTrue(freshEnd < longEnd, "the ended access's end does not carry over");

        // Likewise after the patient closes it.
        vm.warp(block.timestamp + 1 minutes);
        vm.prank(patient);
        consentRegistry.closeBreakGlass(patientId, hospitalId);
        consentRegistry.setBreakGlassDuration(BREAK_GLASS_DURATION);
        vm.prank(clinician);
        longEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        vm.prank(patient);
        consentRegistry.closeBreakGlass(patientId, hospitalId);
        consentRegistry.setBreakGlassDuration(shortDuration);
        vm.prank(clinician);
        freshEnd = consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        assertEq(uint256(freshEnd), block.timestamp + shortDuration, "a fresh access after closing");
        assertTrue(freshEnd < longEnd, "the closed access's end does not carry over");
    }

    function test_setBreakGlassAllowed_revertsForAnUnknownMember() public {
        uint32[3] memory unknownIds = [uint32(0), memberRegistry.memberCount() + 1, type(uint32).max];
        for (uint256 i = 0; i < unknownIds.length; ++i) {
            for (uint256 allowed = 0; allowed < 2; ++allowed) {
                vm.expectRevert(
                    abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnknownMember.selector, unknownIds[i])
                );
                vm.prank(guardian);
                consentRegistry.setBreakGlassAllowed(unknownIds[i], allowed == 1);
            }
            (uint64 openedCount, bool allowedNow) = consentRegistry.breakGlassRecord(unknownIds[i]);
            assertEq(uint256(openedCount), 0, "nothing recorded for an unknown id");
            assertTrue(allowedNow, "no record written");
        }
        // Every known organisation, hospital or not, may have its right set.
        vm.startPrank(guardian);
        consentRegistry.setBreakGlassAllowed(insurerId, false);
        consentRegistry.setBreakGlassAllowed(memberRegistry.memberCount(), false);
        vm.stopPrank();
        (, bool insurerAllowed) = consentRegistry.breakGlassRecord(insurerId);
        assertFalse(insurerAllowed, "a known member's right is set");
    }

    function test_logAccess_underBreakGlassNeedsAClinician() public {
        // The hospital's own administrator adds a claims officer: an operator without the Clinician duty.
        address claimsOfficer = makeAddr("claimsOfficer");
        vm.prank(orgAdmin);
        memberRegistry.addOperator(claimsOfficer, hospitalId, Duties.bit(Duty.ClaimsOfficer));

        vm.prank(clinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.Outpatient, Purpose.Treatment),
            "the organisation is authorised for treatment"
        );

        // Under break-glass alone, no operator but a clinician may read: not the claims officer, the registrar
        // nor the organisation's administrator.
        address[3] memory nonClinicians = [claimsOfficer, registrar, orgAdmin];
        for (uint256 i = 0; i < nonClinicians.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryBreakGlassNeedsClinician.selector,
                    nonClinicians[i],
                    hospitalId
                )
            );
            vm.prank(nonClinicians[i]);
            consentRegistry.logAccess(patientId, RecordCategory.Outpatient, Purpose.Treatment, RECORD_REF);
        }
        // Beyond treatment nothing is authorised in the first place.
        _checkLogAccess(claimsOfficer, RecordCategory.Outpatient, Purpose.InsuranceClaim, false, false);
        // The clinician reads under break-glass.
        _checkLogAccess(clinician, RecordCategory.Outpatient, Purpose.Treatment, true, true);

        // Under a grant, any operator of the organisation may read what the grant covers.
        IConsentRegistry.GrantRequest memory request = _treatmentRequest(patientId, hospitalId);
        request.purposes = Purposes.bit(Purpose.Treatment) | Purposes.bit(Purpose.InsuranceClaim);
        vm.prank(patient);
        consentRegistry.grant(request);
        _checkLogAccess(claimsOfficer, RecordCategory.Outpatient, Purpose.Treatment, true, false);
        _checkLogAccess(claimsOfficer, RecordCategory.Outpatient, Purpose.InsuranceClaim, true, false);
        _checkLogAccess(clinician, RecordCategory.Outpatient, Purpose.Treatment, true, false);

        // Once the grant is revoked, break-glass alone again needs a clinician.
        vm.prank(patient);
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: patientId, grantee: hospitalId}));
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryBreakGlassNeedsClinician.selector,
                claimsOfficer,
                hospitalId
            )
        );
        vm.prank(claimsOfficer);
        consentRegistry.logAccess(patientId, RecordCategory.Outpatient, Purpose.Treatment, RECORD_REF);
        _checkLogAccess(clinician, RecordCategory.Outpatient, Purpose.Treatment, true, true);
    }

    // ------------------------------------------------------------------------------------------------------
    // isAuthorizedForCategories
    // ------------------------------------------------------------------------------------------------------

    function test_isAuthorizedForCategories_needsEveryCategoryCovered() public {
        uint32 granted =
            Categories.bit(RecordCategory.LabResult) |
                Categories.bit(RecordCategory.ImagingReport) |
                Categories.bit(RecordCategory.ClaimDocument);
        vm.prank(patient);
        consentRegistry.grant(
            _request(
                patientId,
                insurerId,
                granted,
                Purposes.bit(Purpose.InsuranceClaim),
                uint64(START),
                uint64(START + 30 days)
            )
        );
        _checkCategories(insurerId, granted, Purpose.InsuranceClaim, true, "every granted category");
        _checkCategories(
            insurerId,
            Categories.bit(RecordCategory.LabResult) | Categories.bit(RecordCategory.ClaimDocument),
            Purpose.InsuranceClaim,
            true,
            "some granted categories"
        );
        _checkCategories(
            insurerId,
            Categories.bit(RecordCategory.ImagingReport),
            Purpose.InsuranceClaim,
            true,
            "one granted category"
        );
        _checkCategories(
            insurerId,
            granted | Categories.bit(RecordCategory.DischargeSummary),
            Purpose.InsuranceClaim,
            false,
            "one category missing"
        );
        _checkCategories(
            insurerId,
            Categories.bit(RecordCategory.DischargeSummary),
            Purpose.InsuranceClaim,
            false,
            "only a missing category"
        );
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, false, "every category");
        _checkCategories(insurerId, granted, Purpose.Treatment, false, "another purpose");
        _checkCategories(clinicId, granted, Purpose.InsuranceClaim, false, "another organisation");
    }

    function test_isAuthorizedForCategories_isFalseOutsideTheWindowAndOnceRevoked() public {
        vm.prank(patient);
        consentRegistry.grant(
            _request(
                patientId,
                insurerId,
                Categories.ALL,
                Purposes.bit(Purpose.InsuranceClaim),
                uint64(START + 1 days),
                uint64(START + 2 days)
            )
        );
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, false, "before notBefore");
        vm.warp(START + 1 days);
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, true, "at notBefore");
        vm.warp(START + 2 days - 1);
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, true, "the last second");
        vm.warp(START + 2 days);
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, false, "at expiresAt");

        vm.startPrank(patient);
        consentRegistry.grant(
            _request(
                patientId,
                insurerId,
                Categories.ALL,
                Purposes.bit(Purpose.InsuranceClaim),
                uint64(block.timestamp),
                uint64(block.timestamp + 1 days)
            )
        );
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: patientId, grantee: insurerId}));
        vm.stopPrank();
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, false, "revoked");
        _checkCategories(
            insurerId,
            Categories.bit(RecordCategory.ClaimDocument),
            Purpose.InsuranceClaim,
            false,
            "revoked, one category"
        );
    }

    function test_isAuthorizedForCategories_isFalseForASuspendedMemberOrADeactivatedPatient() public {
        vm.prank(patient);
        consentRegistry.grant(
            _request(
                patientId,
                insurerId,
                Categories.ALL,
                Purposes.bit(Purpose.InsuranceClaim),
                uint64(START),
                uint64(START + 30 days)
            )
        );
        vm.prank(guardian);
        memberRegistry.suspendMember(insurerId, 1);
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, false, "suspended insurer");
        vm.prank(council);
        memberRegistry.reinstateMember(insurerId);
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, true, "reinstated insurer");
        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        _checkCategories(insurerId, Categories.ALL, Purpose.InsuranceClaim, false, "deactivated patient");
    }

    function test_isAuthorizedForCategories_breakGlassCoversEveryCategoryForTreatmentOnly() public {
        vm.prank(clinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        _checkCategories(hospitalId, Categories.ALL, Purpose.Treatment, true, "treatment under break-glass");
        _checkCategories(hospitalId, Categories.ALL, Purpose.InsuranceClaim, false, "no claims under break-glass");
    }

    function test_isAuthorizedForCategories_revertsForAnInvalidMask() public {
        vm.prank(patient);
        consentRegistry.grant(_treatmentRequest(patientId, hospitalId));
        uint32 firstUnknown = uint32(1) << (uint8(type(RecordCategory).max) + 1);
        uint32[5] memory masks = [0, firstUnknown, uint32(1) << 31, Categories.ALL | firstUnknown, type(uint32).max];
        for (uint256 i = 0; i < masks.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidCategories.selector, masks[i])
            );
            consentRegistry.isAuthorizedForCategories(patientId, hospitalId, masks[i], Purpose.Treatment);
        }
        _checkCategories(hospitalId, Categories.ALL, Purpose.Treatment, true, "every defined category is valid");
    }

    function testFuzz_isAuthorizedForCategories_isIsAuthorizedForEveryCategory(
        uint32 granted,
        uint16 purposes,
        uint32 asked,
        uint8 purpose,
        uint64 at
    ) public {
        IConsentRegistry.GrantRequest memory request = _request(
            patientId,
            hospitalId,
            uint32(bound(granted, 1, Categories.ALL)),
            _plainPurposes(purposes),
            uint64(START + 1 days),
            uint64(START + 30 days)
        );
        vm.prank(patient);
        consentRegistry.grant(request);
        vm.warp(bound(at, START, START + 31 days));
        // Half the time a subset of the grant, so that both answers come up.
        uint32 mask = uint32(bound(asked, 1, Categories.ALL));
        if (asked % 2 == 0 && mask & request.categories != 0) mask &= request.categories;
        Purpose fuzzedPurpose = _purpose(purpose);

        bool every = true;
        for (uint8 c = 0; c <= uint8(type(RecordCategory).max); ++c) {
            if (mask & (uint32(1) << c) == 0) continue;
            every = every && consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory(c), fuzzedPurpose);
        }
        bool inWindow = request.notBefore <= block.timestamp && block.timestamp < request.expiresAt;
        bool expected =
            inWindow && mask & request.categories == mask && request.purposes & Purposes.bit(fuzzedPurpose) != 0;
        assertEq(every, expected, "isAuthorized for every category");
        assertEq(
            consentRegistry.isAuthorizedForCategories(patientId, hospitalId, mask, fuzzedPurpose),
            expected,
            "isAuthorizedForCategories"
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // EIP-712 and ERC-7201
    // ------------------------------------------------------------------------------------------------------

    function test_grantDigest_isTheEip712DigestOverTheProxysDomain() public view {
        bytes32 typehash = keccak256(
            "Grant(uint64 patientId,uint32 grantee,uint32 categories,uint16 purposes,uint64 notBefore,"
            "uint64 expiresAt,bytes32 consentFormHash,address signer,uint256 nonce,uint64 deadline)"
        );
        assertEq(consentRegistry.GRANT_TYPEHASH(), typehash, "GRANT_TYPEHASH");

        IConsentRegistry.GrantRequest memory request = _request(
            patientId,
            clinicId,
            Categories.bit(RecordCategory.LabResult) | Categories.bit(RecordCategory.Medication),
            Purposes.bit(Purpose.Treatment) | Purposes.bit(Purpose.Research),
            uint64(START + 1 days),
            uint64(START + 90 days)
        );
        request.consentFormHash = keccak256("signed consent form");
        uint256 nonce = 7;
        uint64 deadline = uint64(START + 1 hours);

        bytes32 structHash = keccak256(
            abi.encode(
                typehash,
                request.patientId,
                request.grantee,
                request.categories,
                request.purposes,
                request.notBefore,
                request.expiresAt,
                request.consentFormHash,
                patient,
                nonce,
                deadline
            )
        );
        bytes32 expected = keccak256(
            abi.encodePacked(hex"1901", _domainSeparator(address(consentRegistry)), structHash)
        );
        assertEq(consentRegistry.grantDigest(request, patient, nonce, deadline), expected, "grantDigest");
        // The signer is part of the signed data: the same request signed as another account is another digest.
        assertTrue(
            consentRegistry.grantDigest(request, stranger, nonce, deadline) != expected,
            "the digest binds the signer"
        );

        // The domain is the proxy's: the implementation, asked directly, signs another domain.
        bytes32 implementationDigest = keccak256(
            abi.encodePacked(hex"1901", _domainSeparator(address(consentRegistryImplementation)), structHash)
        );
        assertEq(
            consentRegistryImplementation.grantDigest(request, patient, nonce, deadline),
            implementationDigest,
            "implementation digest"
        );
        assertTrue(implementationDigest != expected, "proxy and implementation domains differ");
    }

    function test_revokeDigest_isTheEip712DigestOverTheProxysDomain() public view {
        bytes32 typehash = keccak256(
            "Revoke(uint64 patientId,uint32 grantee,address signer,uint256 nonce,uint64 deadline)"
        );
        assertEq(consentRegistry.REVOKE_TYPEHASH(), typehash, "REVOKE_TYPEHASH");
        IConsentRegistry.RevokeRequest memory request = IConsentRegistry.RevokeRequest({
            patientId: patientId,
            grantee: insurerId
        });
        bytes32 structHash = keccak256(
            abi.encode(typehash, request.patientId, request.grantee, patient, 3, uint64(START))
        );
        bytes32 expected = keccak256(
            abi.encodePacked(hex"1901", _domainSeparator(address(consentRegistry)), structHash)
        );
        assertEq(consentRegistry.revokeDigest(request, patient, 3, uint64(START)), expected, "revokeDigest");
        assertTrue(
            consentRegistry.revokeDigest(request, stranger, 3, uint64(START)) != expected,
            "the digest binds the signer"
        );
    }

    function test_eip712Domain_describesTheProxysDomain() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = consentRegistry.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "fields: name, version, chainId, verifyingContract");
        assertEq(name, "medchain ConsentRegistry", "name");
        assertEq(version, "1", "version");
        assertEq(chainId, block.chainid, "chainId");
        assertEq(verifyingContract, address(consentRegistry), "verifyingContract is the proxy");
        assertEq(salt, bytes32(0), "no salt");
        assertEq(extensions.length, 0, "no extensions");
    }

    function test_storageLocation_consentRegistryIsTheErc7201Slot() public {
        bytes32 slot = _erc7201("medchain.storage.ConsentRegistry");
        assertEq(slot, 0x80e1fcfec8e344e24e12631955810b9b03d53389bc92288e366e92e5a6cab500, "documented constant");

        uint256 word = uint256(vm.load(address(consentRegistry), slot));
        assertEq(word & type(uint64).max, BREAK_GLASS_DURATION, "breakGlassDuration in the low 64 bits");
        assertEq(word >> 64, 0, "nothing else in the slot");
        assertEq(
            vm.load(address(consentRegistryImplementation), slot),
            bytes32(0),
            "the implementation holds no state"
        );

        consentRegistry.setBreakGlassDuration(1 hours);
        word = uint256(vm.load(address(consentRegistry), slot));
        assertEq(word & type(uint64).max, 1 hours, "new duration in the low 64 bits");
        assertEq(uint256(consentRegistry.breakGlassDuration()), 1 hours, "breakGlassDuration()");

        // breakGlassRecords: namespace + 5. The record packs openedCount (64 bits), revoked (8), rightEpoch (24).
        bytes32 recordSlot = keccak256(abi.encode(uint256(hospitalId), uint256(slot) + 5));
        vm.prank(clinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        vm.prank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, false);
        uint256 record = uint256(vm.load(address(consentRegistry), recordSlot));
        assertEq(record & type(uint64).max, 1, "openedCount");
        assertEq((record >> 64) & 0xff, 1, "revoked");
        assertEq((record >> 72) & type(uint24).max, 1, "rightEpoch moved on");

        vm.startPrank(guardian);
        consentRegistry.setBreakGlassAllowed(hospitalId, false); // taking a taken right again: same epoch
        consentRegistry.setBreakGlassAllowed(hospitalId, true);
        consentRegistry.setBreakGlassAllowed(hospitalId, false);
        vm.stopPrank();
        record = uint256(vm.load(address(consentRegistry), recordSlot));
        assertEq((record >> 64) & 0xff, 1, "revoked again");
        assertEq((record >> 72) & type(uint24).max, 2, "one epoch per taking of a held right");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    function _request(
        uint64 forPatient,
        uint32 grantee,
        uint32 categories,
        uint16 purposes,
        uint64 notBefore,
        uint64 expiresAt
    ) internal pure returns (IConsentRegistry.GrantRequest memory) {
        return
            IConsentRegistry.GrantRequest({
                patientId: forPatient,
                grantee: grantee,
                categories: categories,
                purposes: purposes,
                notBefore: notBefore,
                expiresAt: expiresAt,
                consentFormHash: bytes32(0)
            });
    }

    function _treatmentRequest(
        uint64 forPatient,
        uint32 grantee
    ) internal view returns (IConsentRegistry.GrantRequest memory) {
        return
            _request(
                forPatient,
                grantee,
                Categories.ALL,
                Purposes.bit(Purpose.Treatment),
                uint64(block.timestamp),
                uint64(block.timestamp + 30 days)
            );
    }

    function _delegated(
        IConsentRegistry.GrantRequest memory request,
        address signer,
        uint256 nonce,
        uint64 deadline,
        bytes memory signature
    ) internal pure returns (IConsentRegistry.DelegatedGrantRequest memory) {
        return
            IConsentRegistry.DelegatedGrantRequest({
                request: request,
                signer: signer,
                nonce: nonce,
                deadline: deadline,
                signature: signature
            });
    }

    /// @dev A grant request for a new patient whose account is `vm.addr(signerKey)`, and its signature (nonce 0).
    struct SignedGrant {
        IConsentRegistry.GrantRequest request;
        address signer;
        uint64 deadline;
        bytes32 digest;
        uint8 v;
        bytes32 r;
        bytes32 s;
        bytes signature;
    }

    function _signedGrant(
        uint256 signerKey,
        uint32 categories,
        uint16 purposes,
        uint64 lifetime,
        uint64 deadlineOffset
    ) internal returns (SignedGrant memory signed) {
        signed.signer = vm.addr(signerKey);
        uint64 signerPatientId = registerAsHospital(signed.signer, SIGNER_COMMITMENT);
        signed.request = _request(
            signerPatientId,
            clinicId,
            uint32(bound(categories, 1, Categories.ALL)),
            _plainPurposes(purposes),
            uint64(START),
            uint64(START + bound(lifetime, 1, 365 days))
        );
        signed.deadline = uint64(START + bound(deadlineOffset, 0, 30 days));
        signed.digest = consentRegistry.grantDigest(signed.request, signed.signer, 0, signed.deadline);
        (signed.v, signed.r, signed.s) = vm.sign(signerKey, signed.digest);
        signed.signature = abi.encodePacked(signed.r, signed.s, signed.v);
    }

    /// @dev Another key's signature is refused, whether claimed as the patient's or as its own, and the patient's
    /// signature cannot be passed off as another account's.
    function _checkForeignSignaturesRefused(SignedGrant memory signed, uint256 wrongKey) internal {
        // Another key's signature, claimed as the patient's.
        (uint8 wrongV, bytes32 wrongR, bytes32 wrongS) = vm.sign(wrongKey, signed.digest);
        bytes memory wrongSignature = abi.encodePacked(wrongR, wrongS, wrongV);
        _expectGrantBySigRevert(
            signed.request,
            signed.signer,
            0,
            signed.deadline,
            wrongSignature,
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidSignature.selector, signed.signer)
        );
        // The patient's own signature, presented as another account's: the signed data names the patient.
        address wrongSigner = vm.addr(wrongKey);
        _expectGrantBySigRevert(
            signed.request,
            wrongSigner,
            0,
            signed.deadline,
            signed.signature,
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidSignature.selector, wrongSigner)
        );
        // Another key's valid signature as itself (over the digest naming it): it is neither the patient nor a
        // consent delegate.
        (wrongV, wrongR, wrongS) = vm.sign(
            wrongKey,
            consentRegistry.grantDigest(signed.request, wrongSigner, 0, signed.deadline)
        );
        _expectGrantBySigRevert(
            signed.request,
            wrongSigner,
            0,
            signed.deadline,
            abi.encodePacked(wrongR, wrongS, wrongV),
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryUnauthorizedActor.selector,
                signed.request.patientId,
                wrongSigner
            )
        );
    }

    /// @dev The high-s twin of the patient's signature, the signature over an altered request, and the signature
    /// after its deadline are all refused.
    function _checkMalleableAlteredAndExpiredRefused(SignedGrant memory signed) internal {
        // The high-s twin of the patient's signature recovers the same address through the bare precompile,
        // but the contract refuses malleable signatures.
        bytes32 twinS = bytes32(SECP256K1_N - uint256(signed.s));
        uint8 twinV = signed.v == 27 ? 28 : 27;
        assertEq(ecrecover(signed.digest, twinV, signed.r, twinS), signed.signer, "the twin is a valid signature");
        _expectGrantBySigRevert(
            signed.request,
            signed.signer,
            0,
            signed.deadline,
            abi.encodePacked(signed.r, twinS, twinV),
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidSignature.selector, signed.signer)
        );

        // The signature binds every field: one second more of access is another request.
        IConsentRegistry.GrantRequest memory altered = _request(
            signed.request.patientId,
            signed.request.grantee,
            signed.request.categories,
            signed.request.purposes,
            signed.request.notBefore,
            signed.request.expiresAt + 1
        );
        _expectGrantBySigRevert(
            altered,
            signed.signer,
            0,
            signed.deadline,
            signed.signature,
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidSignature.selector, signed.signer)
        );

        // One second after its deadline the signature is void.
        vm.warp(uint256(signed.deadline) + 1);
        _expectGrantBySigRevert(
            signed.request,
            signed.signer,
            0,
            signed.deadline,
            signed.signature,
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryExpiredSignature.selector,
                signed.deadline,
                signed.deadline + 1
            )
        );
        vm.warp(START);
    }

    /// @dev The patient's own signature, relayed by anyone, works once; relaying it again is a stale nonce.
    function _checkRelayWorksOnce(SignedGrant memory signed) internal {
        uint64 signerPatientId = signed.request.patientId;
        assertEq(consentRegistry.nonces(signerPatientId), 0, "nonce before");
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ConsentGranted(
            signerPatientId,
            clinicId,
            signed.signer,
            signed.request.categories,
            signed.request.purposes,
            signed.request.notBefore,
            signed.request.expiresAt,
            bytes32(0)
        );
        vm.prank(stranger);
        consentRegistry.grantBySig(_delegated(signed.request, signed.signer, 0, signed.deadline, signed.signature));
        assertEq(consentRegistry.nonces(signerPatientId), 1, "nonce consumed");
        IConsentRegistry.Grant memory stored = consentRegistry.getGrant(signerPatientId, clinicId);
        assertEq(uint256(stored.categories), signed.request.categories, "stored categories");
        assertEq(uint256(stored.purposes), signed.request.purposes, "stored purposes");
        assertEq(uint256(stored.expiresAt), signed.request.expiresAt, "stored expiresAt");
        assertFalse(stored.grantedByDelegate, "granted by the patient's own key");

        _expectGrantBySigRevert(
            signed.request,
            signed.signer,
            0,
            signed.deadline,
            signed.signature,
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidNonce.selector, signerPatientId, 1, 0)
        );
        assertEq(consentRegistry.nonces(signerPatientId), 1, "a replay consumes nothing");
    }

    function _delegatedRevoke(
        IConsentRegistry.RevokeRequest memory request,
        address signer,
        uint256 nonce,
        uint64 deadline,
        bytes memory signature
    ) internal pure returns (IConsentRegistry.DelegatedRevokeRequest memory) {
        return
            IConsentRegistry.DelegatedRevokeRequest({
                request: request,
                signer: signer,
                nonce: nonce,
                deadline: deadline,
                signature: signature
            });
    }

    /// @dev `vm.addr(key)`'s signature of `request` with `nonce` and `deadline`.
    function _signRevoke(
        uint256 key,
        IConsentRegistry.RevokeRequest memory request,
        uint256 nonce,
        uint64 deadline
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            key,
            consentRegistry.revokeDigest(request, vm.addr(key), nonce, deadline)
        );
        return abi.encodePacked(r, s, v);
    }

    /// @dev The patient's move of its nonce to `requested` is refused with the exact error when it does not move
    /// forward or jumps more than MAX_NONCE_JUMP, and takes effect otherwise.
    function _checkInvalidateNonces(uint256 requested) internal {
        uint256 current = consentRegistry.nonces(patientId);
        uint256 maxJump = consentRegistry.MAX_NONCE_JUMP();
        bool valid = requested > current && requested - current <= maxJump;
        if (requested <= current) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryNonceNotIncreasing.selector,
                    patientId,
                    current,
                    requested
                )
            );
        } else if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryNonceJumpTooLarge.selector,
                    patientId,
                    current,
                    requested,
                    maxJump
                )
            );
        } else {
            vm.expectEmit(true, true, true, true, address(consentRegistry));
            emit IConsentRegistry.NoncesInvalidated(patientId, patient, requested);
        }
        vm.prank(patient);
        consentRegistry.invalidateNonces(patientId, requested);
        assertEq(consentRegistry.nonces(patientId), valid ? requested : current, "nonce after invalidateNonces");
    }

    function _expectGrantBySigRevert(
        IConsentRegistry.GrantRequest memory request,
        address signer,
        uint256 nonce,
        uint64 deadline,
        bytes memory signature,
        bytes memory revertData
    ) internal {
        IConsentRegistry.DelegatedGrantRequest memory delegated = _delegated(
            request,
            signer,
            nonce,
            deadline,
            signature
        );
        vm.expectRevert(revertData);
        vm.prank(stranger);
        consentRegistry.grantBySig(delegated);
    }

    /// @dev Now, the hospital may access exactly the pairs `request` covers if now is inside its window, and no
    /// other organisation may access anything.
    function _checkEveryPairUnderGrant(IConsentRegistry.GrantRequest memory request) internal view {
        bool inWindow = request.notBefore <= block.timestamp && block.timestamp < request.expiresAt;
        for (uint8 c = 0; c <= uint8(type(RecordCategory).max); ++c) {
            for (uint8 u = 0; u <= uint8(type(Purpose).max); ++u) {
                bool expected =
                    inWindow && request.categories & (uint32(1) << c) != 0 && request.purposes & (uint16(1) << u) != 0;
                assertEq(
                    consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory(c), Purpose(u)),
                    expected,
                    "isAuthorized at the fuzzed moment"
                );
                assertFalse(
                    consentRegistry.isAuthorized(patientId, clinicId, RecordCategory(c), Purpose(u)),
                    "another organisation gains nothing"
                );
            }
        }
    }

    /// @dev At `at`, the hospital's access to (`category`, `purpose`) under the grant is `expected`, through both
    /// isAuthorized and logAccess.
    function _checkGrantAt(uint256 at, RecordCategory category, Purpose purpose, bool expected) internal {
        vm.warp(at);
        assertEq(
            consentRegistry.isAuthorized(patientId, hospitalId, category, purpose),
            expected,
            "isAuthorized at a window edge"
        );
        _checkLogAccess(clinician, category, purpose, expected, false);
    }

    /// @dev `operator` (of the hospital) may log an access to (`category`, `purpose`) exactly when `expected`.
    function _checkLogAccess(
        address operator,
        RecordCategory category,
        Purpose purpose,
        bool expected,
        bool underBreakGlass
    ) internal {
        if (expected) {
            vm.expectEmit(true, true, true, true, address(consentRegistry));
            emit IConsentRegistry.AccessLogged(
                patientId,
                hospitalId,
                operator,
                category,
                purpose,
                RECORD_REF,
                underBreakGlass
            );
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryAccessNotAuthorized.selector,
                    patientId,
                    hospitalId,
                    category,
                    purpose
                )
            );
        }
        vm.prank(operator);
        consentRegistry.logAccess(patientId, category, purpose, RECORD_REF);
    }

    /// @dev A grant of `categories` × `purposes` is refused with the exact error when either set is invalid
    /// (categories are checked first), and stored otherwise.
    function _checkGrantSets(uint32 categories, uint16 purposes) internal {
        IConsentRegistry.GrantRequest memory request = _request(
            patientId,
            clinicId,
            categories,
            purposes,
            uint64(START),
            uint64(START + 1 days)
        );
        bool commercial = purposes & Purposes.COMMERCIAL != 0;
        if (!Categories.isValid(categories)) {
            assertTrue(categories == 0 || categories > Categories.ALL, "invalid means empty or beyond ALL");
            vm.expectRevert(
                abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidCategories.selector, categories)
            );
        } else if (!Purposes.isValid(purposes)) {
            assertTrue(purposes == 0 || purposes > Purposes.ALL, "invalid means empty or beyond ALL");
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidPurposes.selector, purposes));
        } else if (commercial) {
            // A commercial purpose needs a third-party grant, whoever the grantee.
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryThirdPartyGrantRequired.selector,
                    clinicId,
                    MemberKind.Clinic,
                    purposes
                )
            );
        }
        vm.prank(patient);
        consentRegistry.grant(request);
        if (Categories.isValid(categories) && Purposes.isValid(purposes) && !commercial) {
            IConsentRegistry.Grant memory stored = consentRegistry.getGrant(patientId, clinicId);
            assertEq(uint256(stored.categories), categories, "valid categories stored");
            assertEq(uint256(stored.purposes), purposes, "valid purposes stored");
        }
    }

    /// @dev A grant over [`notBefore`, `expiresAt`) is refused with the exact error when the window is empty or
    /// over by now, and stored otherwise.
    function _checkGrantWindow(uint64 notBefore, uint64 expiresAt) internal {
        IConsentRegistry.GrantRequest memory request = _request(
            patientId,
            clinicId,
            Categories.ALL,
            Purposes.ALL & ~Purposes.COMMERCIAL,
            notBefore,
            expiresAt
        );
        bool valid = expiresAt > notBefore && expiresAt > block.timestamp;
        if (expiresAt <= notBefore) {
            vm.expectRevert(
                abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidWindow.selector, notBefore, expiresAt)
            );
        } else if (expiresAt <= block.timestamp) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryExpiryInPast.selector,
                    expiresAt,
                    uint64(block.timestamp)
                )
            );
        }
        vm.prank(patient);
        consentRegistry.grant(request);
        if (valid) {
            IConsentRegistry.Grant memory stored = consentRegistry.getGrant(patientId, clinicId);
            assertEq(uint256(stored.notBefore), notBefore, "valid notBefore stored");
            assertEq(uint256(stored.expiresAt), expiresAt, "valid expiresAt stored");
        }
    }

    /// @dev Whether the patient's records of every category in `categories` are open to `memberId` for `purpose`.
    function _checkCategories(
        uint32 memberId,
        uint32 categories,
        Purpose purpose,
        bool expected,
        string memory message
    ) internal view {
        assertEq(
            consentRegistry.isAuthorizedForCategories(patientId, memberId, categories, purpose),
            expected,
            string.concat("isAuthorizedForCategories: ", message)
        );
    }

    /// @dev A non-empty purpose set a plain grant to a care provider may hold: no commercial purpose (those need a
    /// third-party grant, ThirdPartyConsent.t.sol).
    function _plainPurposes(uint16 seed) internal pure returns (uint16 purposes) {
        purposes = uint16(bound(seed, 1, Purposes.ALL)) & ~Purposes.COMMERCIAL;
        if (purposes == 0) purposes = Purposes.bit(Purpose.Treatment);
    }

    function _category(uint8 seed) internal pure returns (RecordCategory) {
        return RecordCategory(bound(seed, 0, uint8(type(RecordCategory).max)));
    }

    function _purpose(uint8 seed) internal pure returns (Purpose) {
        return Purpose(bound(seed, 0, uint8(type(Purpose).max)));
    }

    function _domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("medchain ConsentRegistry"),
                    keccak256("1"),
                    block.chainid,
                    verifyingContract
                )
            );
    }

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
