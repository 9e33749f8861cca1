// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {Categories, EmergencyReason, Purpose, Purposes, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {Duties, Duty, MemberKind} from "../../contracts/types/MemberCodes.sol";
import {DelegateScopes} from "../../contracts/types/PatientCodes.sol";
import {DataUse, ExplicitOptIns, RequesterClass, RequesterClasses} from "../../contracts/types/ResearchCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice Proves ConsentRegistry's third-party rules: a plain grant reaches only care providers (and insurers
/// for claims alone) and never a commercial purpose; a third-party grant needs a requester class its grantee's
/// kind may act as, defined opt-ins, and the COMMERCIAL_USE opt-in for a commercial purpose or requester; the
/// signed path binds the terms (EIP-712 nested Grant); every grant write sets or clears the terms;
/// isAuthorizedForUse answers the documented matrix; research purposes are refused while the patient opts out
/// and allowed again once she opts back in; a commercial purpose needs the stored opt-in even if a grant says
/// otherwise.
contract ThirdPartyConsentTest is MedchainTestBase {
    uint256 internal constant START = 1_750_000_000;
    bytes32 internal constant COMMITMENT = keccak256("medchain third-party person 1");
    bytes32 internal constant RECORD_REF = keccak256("salted research record reference");
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;
    uint256 internal constant PURPOSE_COUNT = uint256(type(Purpose).max) + 1;
    uint256 internal constant KIND_COUNT = uint256(type(MemberKind).max) + 1;
    uint256 internal constant CLASS_COUNT = uint256(type(RequesterClass).max) + 1;

    address internal patient;
    uint256 internal patientKey;
    address internal delegate;
    uint64 internal patientId;

    uint32 internal researchInstituteId;
    uint32 internal regulatorId;
    uint32 internal companyId;
    /// @notice A `Researcher` of the research institute (logs research accesses).
    address internal instituteResearcher;
    /// @notice A `DataSteward` of the company.
    address internal companyOperator;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
        patient = makeAddr("patient");
        patientKey = uint256(keccak256("patient"));
        delegate = makeAddr("delegate");
        patientId = registerAsHospital(patient, COMMITMENT);
        instituteResearcher = makeAddr("instituteResearcher");
        companyOperator = makeAddr("companyOperator");

        vm.startPrank(council);
        researchInstituteId = memberRegistry.addMember(MemberKind.ResearchInstitute, keccak256("institute profile"));
        regulatorId = memberRegistry.addMember(MemberKind.Regulator, keccak256("regulator profile"));
        companyId = memberRegistry.addMember(MemberKind.Company, keccak256("company profile"));
        memberRegistry.addOperator(instituteResearcher, researchInstituteId, Duties.bit(Duty.Researcher));
        memberRegistry.addOperator(companyOperator, companyId, Duties.bit(Duty.DataSteward));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------------------------------------------
    // Plain grants: care providers, insurers for claims, never commercial
    // ------------------------------------------------------------------------------------------------------

    function test_grant_refusesAPlainGrantToAThirdParty() public {
        uint16 research = Purposes.bit(Purpose.Research);
        _expectPlainGrantRefused(researchInstituteId, MemberKind.ResearchInstitute, research);
        _expectPlainGrantRefused(companyId, MemberKind.Company, Purposes.bit(Purpose.Treatment));
        _expectPlainGrantRefused(companyId, MemberKind.Company, Purposes.bit(Purpose.PatientRequested));
        _expectPlainGrantRefused(regulatorId, MemberKind.Regulator, Purposes.bit(Purpose.PublicHealth));
        // An insurer beyond claims alone.
        _expectPlainGrantRefused(insurerId, MemberKind.Insurer, research);
        _expectPlainGrantRefused(
            insurerId,
            MemberKind.Insurer,
            Purposes.bit(Purpose.InsuranceClaim) | Purposes.bit(Purpose.Treatment)
        );
        // A commercial purpose, even to a hospital.
        _expectPlainGrantRefused(
            hospitalId,
            MemberKind.Hospital,
            Purposes.bit(Purpose.Marketing) | Purposes.bit(Purpose.Treatment)
        );
        assertEq(consentRegistry.nonces(patientId), 0, "refused grants move nothing");
    }

    function testFuzz_grant_plainGrantRules(uint8 kindSeed, uint16 purposes) public {
        uint32[6] memory members = [hospitalId, clinicId, insurerId, researchInstituteId, regulatorId, companyId];
        MemberKind kind = MemberKind(bound(kindSeed, 0, KIND_COUNT - 1));
        uint32 grantee = members[uint8(kind)];
        purposes = uint16(bound(purposes, 1, Purposes.ALL));
        bool allowed =
            purposes & Purposes.COMMERCIAL == 0 &&
                (kind == MemberKind.Hospital ||
                    kind == MemberKind.Clinic ||
                    (kind == MemberKind.Insurer && purposes == Purposes.bit(Purpose.InsuranceClaim)));
        IConsentRegistry.GrantRequest memory request = _request(grantee, Categories.ALL, purposes);
        if (!allowed) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IConsentRegistry.ConsentRegistryThirdPartyGrantRequired.selector,
                    grantee,
                    kind,
                    purposes
                )
            );
        }
        vm.prank(patient);
        consentRegistry.grant(request);
        assertEq(uint256(consentRegistry.getGrant(patientId, grantee).purposes), allowed ? purposes : 0, "stored");
    }

    function test_grant_allowsAnInsurerForClaimsAlone() public {
        vm.prank(patient);
        consentRegistry.grant(_request(insurerId, Categories.ALL, Purposes.bit(Purpose.InsuranceClaim)));
        assertTrue(
            consentRegistry.isAuthorized(patientId, insurerId, RecordCategory.ClaimDocument, Purpose.InsuranceClaim),
            "claims grant"
        );
        IConsentRegistry.ThirdPartyTerms memory terms = consentRegistry.getThirdPartyTerms(patientId, insurerId);
        assertFalse(terms.thirdParty, "a claims grant has no third-party terms");
    }

    function test_grantBySig_refusesAPlainSignedGrantToAThirdParty() public {
        IConsentRegistry.GrantRequest memory request = _request(
            companyId,
            Categories.ALL,
            Purposes.bit(Purpose.Research)
        );
        uint64 deadline = uint64(START + 1 days);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            patientKey,
            consentRegistry.grantDigest(request, patient, 0, deadline)
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryThirdPartyGrantRequired.selector,
                companyId,
                MemberKind.Company,
                request.purposes
            )
        );
        vm.prank(stranger);
        consentRegistry.grantBySig(
            IConsentRegistry.DelegatedGrantRequest({
                request: request,
                signer: patient,
                nonce: 0,
                deadline: deadline,
                signature: abi.encodePacked(r, s, v)
            })
        );
        assertEq(consentRegistry.nonces(patientId), 0, "the refused signature is not consumed");
    }

    // ------------------------------------------------------------------------------------------------------
    // Third-party grants: requester class, opt-ins
    // ------------------------------------------------------------------------------------------------------

    function test_grantThirdParty_requesterClassMustFitTheKind() public {
        uint32[6] memory members = [hospitalId, clinicId, insurerId, researchInstituteId, regulatorId, companyId];
        for (uint256 k = 0; k < KIND_COUNT; ++k) {
            for (uint256 c = 0; c < CLASS_COUNT; ++c) {
                MemberKind kind = MemberKind(k);
                RequesterClass requesterClass = RequesterClass(c);
                IConsentRegistry.ThirdPartyGrantRequest memory request = _thirdParty(
                    members[k],
                    Purposes.bit(Purpose.Research),
                    requesterClass,
                    ExplicitOptIns.COMMERCIAL_USE
                );
                bool allowed = RequesterClasses.isAllowedFor(kind, requesterClass);
                // The rule written out (ResearchCodes.sol): each kind's classes.
                bool expected =
                    (kind == MemberKind.Hospital &&
                        (requesterClass == RequesterClass.Hospital || requesterClass == RequesterClass.Academic)) ||
                        (kind == MemberKind.Clinic && requesterClass == RequesterClass.Hospital) ||
                        (kind == MemberKind.Insurer && requesterClass == RequesterClass.Insurer) ||
                        (kind == MemberKind.ResearchInstitute &&
                            (requesterClass == RequesterClass.Academic ||
                                requesterClass == RequesterClass.NonProfit)) ||
                        (kind == MemberKind.Regulator && requesterClass == RequesterClass.Government) ||
                        (kind == MemberKind.Company && requesterClass == RequesterClass.Commercial);
                assertEq(allowed, expected, "isAllowedFor");
                if (allowed) {
                    vm.expectEmit(true, true, true, true, address(consentRegistry));
                    emit IConsentRegistry.ThirdPartyTermsSet(
                        patientId,
                        members[k],
                        requesterClass,
                        ExplicitOptIns.COMMERCIAL_USE
                    );
                } else {
                    vm.expectRevert(
                        abi.encodeWithSelector(
                            IConsentRegistry.ConsentRegistryRequesterClassNotAllowed.selector,
                            members[k],
                            kind,
                            requesterClass
                        )
                    );
                }
                vm.prank(patient);
                consentRegistry.grantThirdParty(request);
                IConsentRegistry.ThirdPartyTerms memory terms = consentRegistry.getThirdPartyTerms(
                    patientId,
                    members[k]
                );
                if (allowed) {
                    assertTrue(terms.thirdParty, "terms stored");
                    assertEq(uint256(uint8(terms.requesterClass)), c, "class stored");
                }
            }
        }
    }

    function test_grantThirdParty_commercialPurposeNeedsTheOptIn() public {
        // A research institute acting as a non-profit, for marketing, without the commercial opt-in.
        IConsentRegistry.ThirdPartyGrantRequest memory request = _thirdParty(
            researchInstituteId,
            Purposes.bit(Purpose.Marketing) | Purposes.bit(Purpose.Research),
            RequesterClass.NonProfit,
            ExplicitOptIns.IDENTIFIABLE_DATA
        );
        _expectOptInRequired(request, ExplicitOptIns.IDENTIFIABLE_DATA);
        request.optIns = ExplicitOptIns.COMMERCIAL_USE;
        vm.prank(patient);
        consentRegistry.grantThirdParty(request);
        assertTrue(
            consentRegistry.isAuthorized(patientId, researchInstituteId, RecordCategory.Outpatient, Purpose.Marketing),
            "with the opt-in"
        );
    }

    function test_grantThirdParty_commercialRequesterNeedsTheOptIn() public {
        // A company, for research (not a commercial purpose), without the commercial opt-in.
        IConsentRegistry.ThirdPartyGrantRequest memory request = _thirdParty(
            companyId,
            Purposes.bit(Purpose.BiomedicalResearch),
            RequesterClass.Commercial,
            0
        );
        _expectOptInRequired(request, 0);
        request.optIns = ExplicitOptIns.IDENTIFIABLE_DATA;
        _expectOptInRequired(request, ExplicitOptIns.IDENTIFIABLE_DATA);
        request.optIns = ExplicitOptIns.ALL;
        vm.prank(patient);
        consentRegistry.grantThirdParty(request);
        assertEq(
            uint256(consentRegistry.getThirdPartyTerms(patientId, companyId).optIns),
            ExplicitOptIns.ALL,
            "stored"
        );
    }

    function testFuzz_grantThirdParty_refusesUndefinedOptIns(uint8 optIns) public {
        optIns = uint8(bound(optIns, ExplicitOptIns.ALL + 1, type(uint8).max));
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidOptIns.selector, optIns));
        vm.prank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(companyId, Purposes.bit(Purpose.Marketing), RequesterClass.Commercial, optIns)
        );
        assertEq(consentRegistry.nonces(patientId), 0, "nothing moved");
    }

    function test_grantThirdParty_checksTheGrantAndTheCallerAsGrantDoes() public {
        IConsentRegistry.ThirdPartyGrantRequest memory request = _thirdParty(
            researchInstituteId,
            Purposes.bit(Purpose.Research),
            RequesterClass.Academic,
            0
        );
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryUnauthorizedActor.selector, patientId, stranger)
        );
        vm.prank(stranger);
        consentRegistry.grantThirdParty(request);

        request.grant.categories = 0;
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidCategories.selector, 0));
        vm.prank(patient);
        consentRegistry.grantThirdParty(request);

        // A consent delegate may grant; the grant says so.
        request.grant.categories = Categories.ALL;
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.CONSENT, uint64(START + 30 days));
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ConsentGranted(
            patientId,
            researchInstituteId,
            delegate,
            Categories.ALL,
            request.grant.purposes,
            request.grant.notBefore,
            request.grant.expiresAt,
            bytes32(0)
        );
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ThirdPartyTermsSet(patientId, researchInstituteId, RequesterClass.Academic, 0);
        vm.prank(delegate);
        consentRegistry.grantThirdParty(request);
        assertTrue(consentRegistry.getGrant(patientId, researchInstituteId).grantedByDelegate, "by a delegate");
        assertEq(consentRegistry.nonces(patientId), 1, "a direct grant moves the nonce on");
    }

    // ------------------------------------------------------------------------------------------------------
    // The signed path
    // ------------------------------------------------------------------------------------------------------

    function test_thirdPartyGrantDigest_nestsTheSignedGrant() public view {
        IConsentRegistry.ThirdPartyGrantRequest memory request = _thirdParty(
            companyId,
            Purposes.bit(Purpose.Marketing),
            RequesterClass.Commercial,
            ExplicitOptIns.ALL
        );
        bytes32 grantTypehash = keccak256(
            "Grant(uint64 patientId,uint32 grantee,uint32 categories,uint16 purposes,uint64 notBefore,"
            "uint64 expiresAt,bytes32 consentFormHash,address signer,uint256 nonce,uint64 deadline)"
        );
        bytes32 typehash = keccak256(
            "ThirdPartyGrant(Grant grant,uint8 requesterClass,uint8 optIns)Grant(uint64 patientId,uint32 grantee,"
            "uint32 categories,uint16 purposes,uint64 notBefore,uint64 expiresAt,bytes32 consentFormHash,"
            "address signer,uint256 nonce,uint64 deadline)"
        );
        assertEq(consentRegistry.THIRD_PARTY_GRANT_TYPEHASH(), typehash, "typehash");
        IConsentRegistry.GrantRequest memory g = request.grant;
        bytes32 grantHash = keccak256(
            abi.encode(
                grantTypehash,
                g.patientId,
                g.grantee,
                g.categories,
                g.purposes,
                g.notBefore,
                g.expiresAt,
                g.consentFormHash,
                patient,
                uint256(7),
                uint64(START + 1 days)
            )
        );
        bytes32 structHash = keccak256(abi.encode(typehash, grantHash, uint8(RequesterClass.Commercial), uint8(3)));
        bytes32 expected = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        assertEq(
            consentRegistry.thirdPartyGrantDigest(request, patient, 7, uint64(START + 1 days)),
            expected,
            "digest"
        );
        // The plain grant's digest of the same grant is another message: neither signature serves the other.
        assertTrue(
            consentRegistry.grantDigest(g, patient, 7, uint64(START + 1 days)) != expected,
            "distinct from the plain digest"
        );
    }

    function test_grantThirdPartyBySig_relaysThePatientsSignatureOnce() public {
        IConsentRegistry.ThirdPartyGrantRequest memory request = _thirdParty(
            companyId,
            Purposes.bit(Purpose.Marketing),
            RequesterClass.Commercial,
            ExplicitOptIns.COMMERCIAL_USE
        );
        uint64 deadline = uint64(START + 1 days);
        bytes memory signature = _signThirdParty(request, 0, deadline);

        // The terms are signed: another class or other opt-ins are another message.
        IConsentRegistry.ThirdPartyGrantRequest memory altered = _thirdParty(
            companyId,
            Purposes.bit(Purpose.Marketing),
            RequesterClass.Commercial,
            ExplicitOptIns.ALL
        );
        _expectBySigRevert(
            altered,
            0,
            deadline,
            signature,
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidSignature.selector, patient)
        );
        // A plain grant signature over the same grant does not make a third-party grant.
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            patientKey,
            consentRegistry.grantDigest(request.grant, patient, 0, deadline)
        );
        _expectBySigRevert(
            request,
            0,
            deadline,
            abi.encodePacked(r, s, v),
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidSignature.selector, patient)
        );

        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.ThirdPartyTermsSet(
            patientId,
            companyId,
            RequesterClass.Commercial,
            ExplicitOptIns.COMMERCIAL_USE
        );
        vm.prank(stranger);
        consentRegistry.grantThirdPartyBySig(_delegated(request, 0, deadline, signature));
        assertEq(consentRegistry.nonces(patientId), 1, "nonce consumed");
        assertTrue(
            consentRegistry.isAuthorized(patientId, companyId, RecordCategory.LabResult, Purpose.Marketing),
            "granted"
        );
        _expectBySigRevert(
            request,
            0,
            deadline,
            signature,
            abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidNonce.selector, patientId, 1, 0)
        );

        // A signed request the rules refuse consumes nothing either.
        IConsentRegistry.ThirdPartyGrantRequest memory noOptIn = _thirdParty(
            companyId,
            Purposes.bit(Purpose.Marketing),
            RequesterClass.Commercial,
            0
        );
        _expectBySigRevert(
            noOptIn,
            1,
            deadline,
            _signThirdParty(noOptIn, 1, deadline),
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryExplicitOptInRequired.selector,
                patientId,
                companyId,
                ExplicitOptIns.COMMERCIAL_USE,
                0
            )
        );
        vm.warp(uint256(deadline) + 1);
        _expectBySigRevert(
            request,
            1,
            deadline,
            _signThirdParty(request, 1, deadline),
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryExpiredSignature.selector,
                deadline,
                uint64(deadline) + 1
            )
        );
        assertEq(consentRegistry.nonces(patientId), 1, "refusals consume nothing");
    }

    // ------------------------------------------------------------------------------------------------------
    // Terms follow the grant
    // ------------------------------------------------------------------------------------------------------

    function test_plainRegrant_clearsTheTerms() public {
        // The hospital's research arm, as an academic, with the identifiable-data opt-in.
        vm.prank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(
                hospitalId,
                Purposes.bit(Purpose.Research),
                RequesterClass.Academic,
                ExplicitOptIns.IDENTIFIABLE_DATA
            )
        );
        assertTrue(consentRegistry.getThirdPartyTerms(patientId, hospitalId).thirdParty, "third-party terms");

        vm.prank(patient);
        consentRegistry.grant(_request(hospitalId, Categories.ALL, Purposes.bit(Purpose.Treatment)));
        IConsentRegistry.ThirdPartyTerms memory terms = consentRegistry.getThirdPartyTerms(patientId, hospitalId);
        assertFalse(terms.thirdParty, "cleared");
        assertEq(uint256(uint8(terms.requesterClass)) + terms.optIns, 0, "all zero");
        assertFalse(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Research),
            "the research grant is replaced"
        );

        // A third-party grant with fewer opt-ins replaces a richer one.
        vm.startPrank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(companyId, Purposes.bit(Purpose.Marketing), RequesterClass.Commercial, ExplicitOptIns.ALL)
        );
        consentRegistry.grantThirdParty(
            _thirdParty(
                companyId,
                Purposes.bit(Purpose.Marketing),
                RequesterClass.Commercial,
                ExplicitOptIns.COMMERCIAL_USE
            )
        );
        vm.stopPrank();
        assertEq(
            uint256(consentRegistry.getThirdPartyTerms(patientId, companyId).optIns),
            ExplicitOptIns.COMMERCIAL_USE,
            "the newest terms"
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // isAuthorizedForUse
    // ------------------------------------------------------------------------------------------------------

    function test_isAuthorizedForUse_matrix() public {
        uint8 identifiable = ExplicitOptIns.IDENTIFIABLE_DATA;
        vm.startPrank(patient);
        // A care provider's plain grant: identifiable data, never commercial use.
        consentRegistry.grant(_request(clinicId, Categories.ALL, Purposes.bit(Purpose.Treatment)));
        // An insurer's claims grant: the same.
        consentRegistry.grant(_request(insurerId, Categories.ALL, Purposes.bit(Purpose.InsuranceClaim)));
        // A research institute without opt-ins: de-identified research only.
        consentRegistry.grantThirdParty(
            _thirdParty(researchInstituteId, Purposes.bit(Purpose.Research), RequesterClass.Academic, 0)
        );
        // A regulator with the identifiable-data opt-in.
        consentRegistry.grantThirdParty(
            _thirdParty(regulatorId, Purposes.bit(Purpose.PublicHealth), RequesterClass.Government, identifiable)
        );
        // A company with both.
        consentRegistry.grantThirdParty(
            _thirdParty(companyId, Purposes.bit(Purpose.Marketing), RequesterClass.Commercial, ExplicitOptIns.ALL)
        );
        vm.stopPrank();

        _checkUses(clinicId, Purpose.Treatment, [true, true, false, false]);
        _checkUses(insurerId, Purpose.InsuranceClaim, [true, true, false, false]);
        _checkUses(researchInstituteId, Purpose.Research, [true, false, false, false]);
        _checkUses(regulatorId, Purpose.PublicHealth, [true, true, false, false]);
        _checkUses(companyId, Purpose.Marketing, [true, true, true, true]);
        // Not authorised for the purpose: no use at all.
        _checkUses(companyId, Purpose.Research, [false, false, false, false]);
        _checkUses(hospitalId, Purpose.Treatment, [false, false, false, false]);

        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ConsentRegistryInvalidOptIns.selector, 4));
        consentRegistry.isAuthorizedForUse(patientId, companyId, RecordCategory.Medication, Purpose.Marketing, 4);
    }

    function test_isAuthorizedForUse_breakGlassAllowsIdentifiableDataWhateverTheTerms() public {
        // The hospital holds a research grant without opt-ins, then opens emergency access.
        vm.prank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(hospitalId, Purposes.bit(Purpose.Research), RequesterClass.Academic, 0)
        );
        _checkUses(hospitalId, Purpose.Research, [true, false, false, false]);
        vm.prank(clinician);
        consentRegistry.openBreakGlass(patientId, EmergencyReason.Unconscious);
        _checkUses(hospitalId, Purpose.Treatment, [true, true, false, false]);
    }

    // ------------------------------------------------------------------------------------------------------
    // Research opt-out and commercial opt-in in isAuthorized
    // ------------------------------------------------------------------------------------------------------

    function test_researchPurpose_refusedAfterOptOutAndAllowedAgainAfterOptingBackIn() public {
        vm.startPrank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(researchInstituteId, Purposes.RESEARCH, RequesterClass.Academic, 0)
        );
        consentRegistry.grant(
            _request(hospitalId, Categories.ALL, Purposes.bit(Purpose.Treatment) | Purposes.bit(Purpose.Research))
        );
        vm.stopPrank();
        _checkResearch(true, 0, "before any opt-out");

        // Wholly: every research purpose, every category; treatment untouched.
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, true, 0, 0);
        _checkResearch(false, Categories.ALL, "wholly opted out");
        assertTrue(
            consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory.LabResult, Purpose.Treatment),
            "treatment is not research"
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryAccessNotAuthorized.selector,
                patientId,
                researchInstituteId,
                RecordCategory.LabResult,
                Purpose.BiomedicalResearch
            )
        );
        vm.prank(instituteResearcher);
        consentRegistry.logAccess(patientId, RecordCategory.LabResult, Purpose.BiomedicalResearch, RECORD_REF);

        // By category: lab results and medication withheld, the rest open.
        uint32 withheld = Categories.bit(RecordCategory.LabResult) | Categories.bit(RecordCategory.Medication);
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, withheld, 0);
        _checkResearch(true, withheld, "opted out of two categories");
        assertFalse(
            consentRegistry.isAuthorizedForCategories(
                patientId,
                researchInstituteId,
                Categories.bit(RecordCategory.LabResult) | Categories.bit(RecordCategory.Outpatient),
                Purpose.Research
            ),
            "a set touching a withheld category"
        );
        assertTrue(
            consentRegistry.isAuthorizedForCategories(
                patientId,
                researchInstituteId,
                Categories.bit(RecordCategory.Outpatient) | Categories.bit(RecordCategory.Dental),
                Purpose.Research
            ),
            "a set of open categories"
        );
        vm.expectEmit(true, true, true, true, address(consentRegistry));
        emit IConsentRegistry.AccessLogged(
            patientId,
            researchInstituteId,
            instituteResearcher,
            RecordCategory.Outpatient,
            Purpose.Research,
            RECORD_REF,
            false
        );
        vm.prank(instituteResearcher);
        consentRegistry.logAccess(patientId, RecordCategory.Outpatient, Purpose.Research, RECORD_REF);

        // DUO permissions alone do not close the consent path (studies read them through isOptedOutUnder).
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, 0, DataUse.ALL_PERMISSION_BITS);
        _checkResearch(true, 0, "permissions only");

        // Back in.
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, 0, 0);
        _checkResearch(true, 0, "opted back in");
    }

    function test_researchOptOut_byADelegateWithTheResearchScope() public {
        vm.startPrank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(researchInstituteId, Purposes.bit(Purpose.Research), RequesterClass.NonProfit, 0)
        );
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.RESEARCH, uint64(START + 30 days));
        vm.stopPrank();
        vm.prank(delegate);
        researchOptOutRegistry.setOptOut(patientId, true, 0, 0);
        assertFalse(
            consentRegistry.isAuthorized(patientId, researchInstituteId, RecordCategory.Outpatient, Purpose.Research),
            "opted out by the delegate"
        );
    }

    function test_commercialPurpose_needsTheStoredOptIn() public {
        vm.prank(patient);
        consentRegistry.grantThirdParty(
            _thirdParty(companyId, Purposes.bit(Purpose.Marketing), RequesterClass.Commercial, ExplicitOptIns.ALL)
        );
        assertTrue(
            consentRegistry.isAuthorized(patientId, companyId, RecordCategory.Medication, Purpose.Marketing),
            "with the opt-in"
        );
        // No call sequence stores a commercial grant without the opt-in; write one into storage to prove the
        // check in isAuthorized stands on its own.
        bytes32 termsSlot = _termsSlot(patientId, companyId);
        uint256 word = uint256(vm.load(address(consentRegistry), termsSlot));
        assertEq(word, uint256(1) | (uint256(uint8(RequesterClass.Commercial)) << 8) | (uint256(3) << 16), "layout");
        vm.store(address(consentRegistry), termsSlot, bytes32(word & ~(uint256(ExplicitOptIns.COMMERCIAL_USE) << 16)));
        assertEq(
            uint256(consentRegistry.getThirdPartyTerms(patientId, companyId).optIns),
            ExplicitOptIns.IDENTIFIABLE_DATA,
            "opt-in gone"
        );
        assertFalse(
            consentRegistry.isAuthorized(patientId, companyId, RecordCategory.Medication, Purpose.Marketing),
            "no commercial use without the stored opt-in"
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryAccessNotAuthorized.selector,
                patientId,
                companyId,
                RecordCategory.Medication,
                Purpose.Marketing
            )
        );
        vm.prank(companyOperator);
        consentRegistry.logAccess(patientId, RecordCategory.Medication, Purpose.Marketing, RECORD_REF);
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    function _request(
        uint32 grantee,
        uint32 categories,
        uint16 purposes
    ) internal view returns (IConsentRegistry.GrantRequest memory) {
        return
            IConsentRegistry.GrantRequest({
                patientId: patientId,
                grantee: grantee,
                categories: categories,
                purposes: purposes,
                notBefore: uint64(block.timestamp),
                expiresAt: uint64(block.timestamp + 90 days),
                consentFormHash: bytes32(0)
            });
    }

    function _thirdParty(
        uint32 grantee,
        uint16 purposes,
        RequesterClass requesterClass,
        uint8 optIns
    ) internal view returns (IConsentRegistry.ThirdPartyGrantRequest memory) {
        return
            IConsentRegistry.ThirdPartyGrantRequest({
                grant: _request(grantee, Categories.ALL, purposes),
                requesterClass: requesterClass,
                optIns: optIns
            });
    }

    function _delegated(
        IConsentRegistry.ThirdPartyGrantRequest memory request,
        uint256 nonce,
        uint64 deadline,
        bytes memory signature
    ) internal view returns (IConsentRegistry.DelegatedThirdPartyGrantRequest memory) {
        return
            IConsentRegistry.DelegatedThirdPartyGrantRequest({
                request: request,
                signer: patient,
                nonce: nonce,
                deadline: deadline,
                signature: signature
            });
    }

    function _signThirdParty(
        IConsentRegistry.ThirdPartyGrantRequest memory request,
        uint256 nonce,
        uint64 deadline
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            patientKey,
            consentRegistry.thirdPartyGrantDigest(request, patient, nonce, deadline)
        );
        return abi.encodePacked(r, s, v);
    }

    function _expectBySigRevert(
        IConsentRegistry.ThirdPartyGrantRequest memory request,
        uint256 nonce,
        uint64 deadline,
        bytes memory signature,
        bytes memory revertData
    ) internal {
        IConsentRegistry.DelegatedThirdPartyGrantRequest memory delegated = _delegated(
            request,
            nonce,
            deadline,
            signature
        );
        vm.expectRevert(revertData);
        vm.prank(stranger);
        consentRegistry.grantThirdPartyBySig(delegated);
    }

    function _expectPlainGrantRefused(uint32 grantee, MemberKind kind, uint16 purposes) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryThirdPartyGrantRequired.selector,
                grantee,
                kind,
                purposes
            )
        );
        vm.prank(patient);
        consentRegistry.grant(_request(grantee, Categories.ALL, purposes));
        assertEq(uint256(consentRegistry.getGrant(patientId, grantee).expiresAt), 0, "nothing stored");
    }

    function _expectOptInRequired(IConsentRegistry.ThirdPartyGrantRequest memory request, uint8 given) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IConsentRegistry.ConsentRegistryExplicitOptInRequired.selector,
                patientId,
                request.grant.grantee,
                ExplicitOptIns.COMMERCIAL_USE,
                given
            )
        );
        vm.prank(patient);
        consentRegistry.grantThirdParty(request);
        assertEq(uint256(consentRegistry.getGrant(patientId, request.grant.grantee).expiresAt), 0, "nothing stored");
        assertFalse(consentRegistry.getThirdPartyTerms(patientId, request.grant.grantee).thirdParty, "no terms");
    }

    /// @dev `memberId`'s answers for `purpose` on the medication records, for uses none, identifiable data,
    /// commercial use, both.
    function _checkUses(uint32 memberId, Purpose purpose, bool[4] memory expected) internal view {
        uint8[4] memory uses = [0, ExplicitOptIns.IDENTIFIABLE_DATA, ExplicitOptIns.COMMERCIAL_USE, ExplicitOptIns.ALL];
        for (uint256 i = 0; i < uses.length; ++i) {
            assertEq(
                consentRegistry.isAuthorizedForUse(patientId, memberId, RecordCategory.Medication, purpose, uses[i]),
                expected[i],
                string.concat("isAuthorizedForUse, uses ", vm.toString(uint256(uses[i])))
            );
        }
    }

    /// @dev The research institute (every research purpose) and the hospital (Research) may access exactly the
    /// categories outside `withheld` for research when `open`, none otherwise.
    function _checkResearch(bool open, uint32 withheld, string memory message) internal view {
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            bool expected = open && withheld & Categories.bit(RecordCategory(c)) == 0;
            for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                if (!Purposes.isResearch(Purpose(u))) continue;
                assertEq(
                    consentRegistry.isAuthorized(patientId, researchInstituteId, RecordCategory(c), Purpose(u)),
                    expected,
                    message
                );
            }
            assertEq(
                consentRegistry.isAuthorized(patientId, hospitalId, RecordCategory(c), Purpose.Research),
                expected,
                message
            );
        }
    }

    function _termsSlot(uint64 forPatient, uint32 grantee) internal pure returns (bytes32) {
        bytes32 location =
            keccak256(abi.encode(uint256(keccak256("medchain.storage.ConsentRegistry")) - 1)) & ~bytes32(uint256(0xff));
        // thirdPartyTerms is the struct's seventh field (slot 6), after breakGlassRecords.
        bytes32 mappingSlot = bytes32(uint256(location) + 6);
        return keccak256(abi.encode(grantee, keccak256(abi.encode(forPatient, mappingSlot))));
    }

    function _domainSeparator() internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("medchain ConsentRegistry"),
                    keccak256("1"),
                    block.chainid,
                    address(consentRegistry)
                )
            );
    }
}
