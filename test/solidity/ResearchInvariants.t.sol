// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ConsentRegistry} from "../../contracts/consent/ConsentRegistry.sol";
import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IResearchOptOutRegistry} from "../../contracts/interfaces/IResearchOptOutRegistry.sol";
import {ResearchOptOutRegistry} from "../../contracts/research/ResearchOptOutRegistry.sol";
import {Categories, Purpose, Purposes, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {MemberKind} from "../../contracts/types/MemberCodes.sol";
import {DelegateScopes} from "../../contracts/types/PatientCodes.sol";
import {DataUse, ExplicitOptIns, RequesterClass} from "../../contracts/types/ResearchCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";
import {CommonBase} from "./utils/Vm.sol";

/// @notice The fixed cast the research handler works over: three patients, each with a delegate holding the
/// Research scope, and three organisations (a research institute, a company, a hospital).
struct ResearchCast {
    ConsentRegistry consentRegistry;
    ResearchOptOutRegistry researchOptOutRegistry;
    uint64[3] patientIds;
    address[3] patients;
    address[3] researchDelegates;
    uint32[3] memberIds;
    MemberKind[3] kinds;
}

/// @notice Drives ConsentRegistry and ResearchOptOutRegistry through random sequences of third-party grants
/// (any requester class, any opt-ins, any purposes, allowed or not), plain grants, revocations, opt-outs set by
/// patients and their research delegates (wholly, by category, by permission, and withdrawn), and time. Calls
/// the rules refuse simply revert; the invariants read the chain, not a model.
contract ResearchHandler is CommonBase {
    uint256 internal constant PATIENTS = 3;
    uint256 internal constant MEMBERS = 3;
    uint256 internal constant MAX_STEP = 12 hours;

    ConsentRegistry internal immutable consentRegistry;
    ResearchOptOutRegistry internal immutable researchOptOutRegistry;
    ResearchCast internal cast;

    /// @notice Successful calls per operation, so a run shows it reached the states the invariants are about.
    mapping(bytes32 operation => uint256) public successes;

    constructor(ResearchCast memory cast_) {
        cast = cast_;
        consentRegistry = cast_.consentRegistry;
        researchOptOutRegistry = cast_.researchOptOutRegistry;
    }

    function grantThirdParty(
        uint256 patientSeed,
        uint256 memberSeed,
        uint32 categories,
        uint16 purposes,
        uint8 classSeed,
        uint8 optIns
    ) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        // Mostly the class the member's kind may act as, sometimes any class.
        RequesterClass requesterClass =
            classSeed % 4 == 0
                ? RequesterClass(bound(classSeed, 0, uint256(type(RequesterClass).max)))
                : _fittingClass(cast.kinds[m]);
        IConsentRegistry.ThirdPartyGrantRequest memory request = IConsentRegistry.ThirdPartyGrantRequest({
            grant: _grantRequest(p, m, categories, purposes),
            requesterClass: requesterClass,
            optIns: uint8(bound(optIns, 0, ExplicitOptIns.ALL + 1)) // now and then an undefined bit
        });
        vm.prank(cast.patients[p]);
        try consentRegistry.grantThirdParty(request) {
            successes["grantThirdParty"]++;
        } catch {}
    }

    function grant(uint256 patientSeed, uint256 memberSeed, uint32 categories, uint16 purposes) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        vm.prank(cast.patients[p]);
        try consentRegistry.grant(_grantRequest(p, m, categories, purposes)) {
            successes["grant"]++;
        } catch {}
    }

    function revoke(uint256 patientSeed, uint256 memberSeed) external {
        (uint256 p, uint256 m) = (patientSeed % PATIENTS, memberSeed % MEMBERS);
        vm.prank(cast.patients[p]);
        try
            consentRegistry.revoke(
                IConsentRegistry.RevokeRequest({patientId: cast.patientIds[p], grantee: cast.memberIds[m]})
            )
        {
            successes["revoke"]++;
        } catch {}
    }

    function setOptOut(
        uint256 patientSeed,
        bool byDelegate,
        uint8 shape,
        uint32 categories,
        uint8 permissions
    ) external {
        uint256 p = patientSeed % PATIENTS;
        // Shapes: withdrawn, wholly, by category, by permission, anything.
        uint256 kind = shape % 5;
        bool wholly = kind == 1 || (kind == 4 && shape % 2 == 0);
        uint32 withheld = kind == 2 || kind == 4 ? uint32(bound(categories, 0, Categories.ALL)) : 0;
        uint8 permissionSet = kind == 3 || kind == 4 ? uint8(bound(permissions, 0, DataUse.ALL_PERMISSION_BITS)) : 0;
        vm.prank(byDelegate ? cast.researchDelegates[p] : cast.patients[p]);
        researchOptOutRegistry.setOptOut(cast.patientIds[p], wholly, withheld, permissionSet);
        successes["setOptOut"]++;
    }

    function warp(uint256 step) external {
        vm.warp(block.timestamp + bound(step, 1, MAX_STEP));
    }

    function _grantRequest(
        uint256 p,
        uint256 m,
        uint32 categories,
        uint16 purposes
    ) private view returns (IConsentRegistry.GrantRequest memory) {
        // Mostly research or commercial purposes, the sets these invariants are about.
        uint16 purposeSet = uint16(bound(purposes, 1, Purposes.ALL));
        if (purposes % 3 == 0) purposeSet |= Purposes.bit(Purpose.Marketing);
        if (purposes % 3 == 1) purposeSet |= Purposes.RESEARCH;
        return
            IConsentRegistry.GrantRequest({
                patientId: cast.patientIds[p],
                grantee: cast.memberIds[m],
                categories: uint32(bound(categories, 1, Categories.ALL)),
                purposes: purposeSet,
                notBefore: uint64(block.timestamp),
                expiresAt: uint64(block.timestamp + 2 days),
                consentFormHash: bytes32(0)
            });
    }

    function _fittingClass(MemberKind kind) private pure returns (RequesterClass) {
        if (kind == MemberKind.ResearchInstitute) return RequesterClass.Academic;
        if (kind == MemberKind.Company) return RequesterClass.Commercial;
        return RequesterClass.Academic; // a hospital's research arm
    }
}

/// @notice Proves that, whatever sequence of grants, third-party grants, revocations, opt-outs and time, a
/// patient who opts out of research (wholly, or for a category) is never authorised for any research purpose on
/// that category, by any organisation, whatever grant exists; and that a commercial purpose is never authorised
/// unless the grantee's stored terms hold the patient's COMMERCIAL_USE opt-in.
contract ResearchInvariantsTest is MedchainTestBase {
    uint256 internal constant PATIENTS = 3;
    uint256 internal constant MEMBERS = 3;
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;
    uint256 internal constant PURPOSE_COUNT = uint256(type(Purpose).max) + 1;

    ResearchHandler internal handler;
    ResearchCast internal cast;

    function setUp() public override {
        super.setUp();
        vm.warp(1_750_000_000);

        cast.consentRegistry = consentRegistry;
        cast.researchOptOutRegistry = researchOptOutRegistry;
        vm.startPrank(council);
        uint32 instituteId = memberRegistry.addMember(MemberKind.ResearchInstitute, keccak256("institute profile"));
        uint32 companyId = memberRegistry.addMember(MemberKind.Company, keccak256("company profile"));
        vm.stopPrank();
        cast.memberIds = [instituteId, companyId, hospitalId];
        cast.kinds = [MemberKind.ResearchInstitute, MemberKind.Company, MemberKind.Hospital];

        for (uint256 p = 0; p < PATIENTS; ++p) {
            address patient = makeAddr(string.concat("research patient ", vm.toString(p)));
            address researchDelegate = makeAddr(string.concat("research delegate ", vm.toString(p)));
            uint64 patientId = registerAsHospital(patient, keccak256(abi.encode("medchain research person", p)));
            vm.prank(patient);
            patientRegistry.appointDelegate(patientId, researchDelegate, DelegateScopes.RESEARCH, type(uint64).max);
            cast.patients[p] = patient;
            cast.researchDelegates[p] = researchDelegate;
            cast.patientIds[p] = patientId;
        }

        handler = new ResearchHandler(cast);
        vm.label(address(handler), "ResearchHandler");
    }

    /// @notice The only contract the invariant fuzzer calls.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_optedOutPatientNeverAuthorizedForResearch() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            uint64 patientId = cast.patientIds[p];
            IResearchOptOutRegistry.OptOut memory optOut = researchOptOutRegistry.getOptOut(patientId);
            if (!optOut.wholly && optOut.categories == 0) continue;
            for (uint256 m = 0; m < MEMBERS; ++m) {
                uint32 memberId = cast.memberIds[m];
                for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
                    if (!optOut.wholly && optOut.categories & Categories.bit(RecordCategory(c)) == 0) continue;
                    for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                        if (!Purposes.isResearch(Purpose(u))) continue;
                        assertFalse(
                            consentRegistry.isAuthorized(patientId, memberId, RecordCategory(c), Purpose(u)),
                            "an opted-out patient is never authorised for research"
                        );
                    }
                }
                for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                    if (!Purposes.isResearch(Purpose(u))) continue;
                    assertFalse(
                        consentRegistry.isAuthorizedForCategories(patientId, memberId, Categories.ALL, Purpose(u)),
                        "nor for a set of categories touching an opted-out one"
                    );
                }
            }
        }
    }

    function invariant_commercialPurposeNeedsTheStoredOptIn() public view {
        for (uint256 p = 0; p < PATIENTS; ++p) {
            uint64 patientId = cast.patientIds[p];
            for (uint256 m = 0; m < MEMBERS; ++m) {
                uint32 memberId = cast.memberIds[m];
                IConsentRegistry.ThirdPartyTerms memory terms = consentRegistry.getThirdPartyTerms(patientId, memberId);
                bool optedIn = terms.thirdParty && terms.optIns & ExplicitOptIns.COMMERCIAL_USE != 0;
                for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
                    for (uint256 u = 0; u < PURPOSE_COUNT; ++u) {
                        if (Purposes.bit(Purpose(u)) & Purposes.COMMERCIAL == 0) continue;
                        if (consentRegistry.isAuthorized(patientId, memberId, RecordCategory(c), Purpose(u))) {
                            assertTrue(optedIn, "commercial use only with the patient's explicit opt-in");
                        }
                    }
                }
                // A commercial requester's live grant always carries the opt-in, whatever its purposes.
                if (terms.thirdParty && terms.requesterClass == RequesterClass.Commercial) {
                    assertTrue(optedIn, "a commercial requester's terms hold the opt-in");
                }
            }
        }
    }
}
