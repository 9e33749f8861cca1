// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

import {IMemberRegistry} from "../../contracts/interfaces/IMemberRegistry.sol";
import {IStudyRegistry} from "../../contracts/interfaces/IStudyRegistry.sol";
import {StudyRegistry} from "../../contracts/research/StudyRegistry.sol";
import {StudyRegistryV2Mock} from "../../contracts/test/UpgradeMocks.sol";
import {Categories, Purpose, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {ConsortiumRoles} from "../../contracts/types/ConsortiumRoles.sol";
import {Duties, Duty, MemberKind, MemberStatus} from "../../contracts/types/MemberCodes.sol";
import {
    DataUse,
    DeidentificationMethod,
    LegalBasis,
    RequesterClass,
    StudyStatus
} from "../../contracts/types/ResearchCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice The block-number cheatcode, which test/solidity/utils/Vm.sol does not declare (yet).
interface VmBlocks {
    /// @notice Sets `block.number`.
    function roll(uint256 newHeight) external;
}

/// @notice Proves StudyRegistry's guarantees: only a Researcher of a member whose kind allows the declared
/// requester class registers a study, never for commercial use, with a research (or public-health) purpose,
/// a protocol, a live ethics approval, exactly one DUO permission and known modifiers each once, a disease code
/// exactly with DUO DS, valid categories, a future term and a minimum k of at least the floor; only the
/// oversight role moves a study through Proposed → Approved ⇄ Suspended → Closed; only a DataSteward of a
/// hospital or clinic publishes datasets, for an approved study within its term and ethics approval, with
/// privacy parameters that fit the method and the study's minimum k, an opt-out state from a past block, and
/// opted-out patients only under the study's legal basis (counted publicly); only the sponsor's Researcher or
/// OrgAdmin operators grant, revoke and attest destruction, only to the sponsor's researchers, and destruction
/// only after the term or the closure; a use is logged only while it is allowed. Every refusal names its exact
/// cause and changes nothing; the state lives at the ERC-7201 slot the formula gives and survives an upgrade.
contract StudyRegistryTest is MedchainTestBase {
    /// @dev A realistic clock and block height.
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant START_BLOCK = 1_000;
    uint64 internal constant TERM = 180 days;
    uint64 internal constant ETHICS_VALIDITY = 365 days;
    uint16 internal constant MINIMUM_K = 5;
    uint32 internal constant MONDO_DIABETES = 5015; // MONDO:0005015 diabetes mellitus
    uint256 internal constant PURPOSE_COUNT = uint256(type(Purpose).max) + 1;
    uint256 internal constant KIND_COUNT = uint256(type(MemberKind).max) + 1;
    uint256 internal constant CLASS_COUNT = uint256(type(RequesterClass).max) + 1;

    StudyRegistry internal studyRegistryImplementation;
    StudyRegistry internal studyRegistry;

    /// @notice Holds OVERSIGHT_ROLE (no execution delay), mapped to the four lifecycle selectors.
    address internal oversight;
    /// @notice `Researcher` of the research institute (registers the fixture's studies).
    address internal researcher;
    /// @notice A second `Researcher` of the research institute.
    address internal secondResearcher;
    /// @notice `OrgAdmin` of the research institute.
    address internal instituteAdmin;
    /// @notice `DataSteward` of the research institute: neither Researcher nor OrgAdmin.
    address internal instituteSteward;
    /// @notice `Researcher` of another research institute.
    address internal otherResearcher;
    /// @notice `Researcher` of the company.
    address internal companyResearcher;
    /// @notice `Researcher` of the hospital (a teaching hospital's research arm).
    address internal hospitalResearcher;

    uint32 internal instituteId;
    uint32 internal otherInstituteId;
    uint32 internal companyId;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
        VmBlocks(address(vm)).roll(START_BLOCK);

        studyRegistryImplementation = new StudyRegistry(IMemberRegistry(address(memberRegistry)));
        studyRegistry = StudyRegistry(
            address(
                new ERC1967Proxy(
                    address(studyRegistryImplementation),
                    abi.encodeCall(StudyRegistry.initialize, (address(authority)))
                )
            )
        );
        vm.label(address(studyRegistry), "StudyRegistry");

        oversight = makeAddr("oversight");
        authority.labelRole(ConsortiumRoles.OVERSIGHT_ROLE, "OVERSIGHT");
        authority.setTargetFunctionRole(address(studyRegistry), oversightSelectors(), ConsortiumRoles.OVERSIGHT_ROLE);
        authority.grantRole(ConsortiumRoles.OVERSIGHT_ROLE, oversight, 0);

        researcher = makeAddr("researcher");
        secondResearcher = makeAddr("secondResearcher");
        instituteAdmin = makeAddr("instituteAdmin");
        instituteSteward = makeAddr("instituteSteward");
        otherResearcher = makeAddr("otherResearcher");
        companyResearcher = makeAddr("companyResearcher");
        hospitalResearcher = makeAddr("hospitalResearcher");

        vm.startPrank(council);
        instituteId = memberRegistry.addMember(MemberKind.ResearchInstitute, keccak256("institute profile"));
        otherInstituteId = memberRegistry.addMember(MemberKind.ResearchInstitute, keccak256("other institute"));
        companyId = memberRegistry.addMember(MemberKind.Company, keccak256("company profile"));
        memberRegistry.addOperator(instituteAdmin, instituteId, Duties.bit(Duty.OrgAdmin));
        memberRegistry.addOperator(otherResearcher, otherInstituteId, Duties.bit(Duty.Researcher));
        memberRegistry.addOperator(companyResearcher, companyId, Duties.bit(Duty.Researcher));
        vm.stopPrank();
        vm.startPrank(instituteAdmin);
        memberRegistry.addOperator(researcher, instituteId, Duties.bit(Duty.Researcher));
        memberRegistry.addOperator(secondResearcher, instituteId, Duties.bit(Duty.Researcher));
        memberRegistry.addOperator(instituteSteward, instituteId, Duties.bit(Duty.DataSteward));
        vm.stopPrank();
        vm.prank(orgAdmin);
        memberRegistry.addOperator(hospitalResearcher, hospitalId, Duties.bit(Duty.Researcher));
    }

    /// @notice The selectors the oversight role holds (what the research deployment module maps).
    function oversightSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](4);
        selectors[0] = StudyRegistry.approveStudy.selector;
        selectors[1] = StudyRegistry.suspendStudy.selector;
        selectors[2] = StudyRegistry.reinstateStudy.selector;
        selectors[3] = StudyRegistry.closeStudy.selector;
    }

    // ------------------------------------------------------------------------------------------------------
    // Deployment, upgrade, storage
    // ------------------------------------------------------------------------------------------------------

    function test_setUp_deploysAndWiresTheOversightRole() public view {
        assertEq(studyRegistry.authority(), address(authority), "study registry authority");
        assertEq(address(studyRegistry.memberRegistry()), address(memberRegistry), "member registry proxy");
        assertEq(
            address(studyRegistryImplementation.memberRegistry()),
            address(memberRegistry),
            "the implementation's immutable"
        );
        assertEq(studyRegistry.MAX_DATA_USE_CODES(), 16, "MAX_DATA_USE_CODES");
        assertEq(studyRegistry.MINIMUM_K_FLOOR(), 3, "MINIMUM_K_FLOOR");
        assertEq(studyRegistry.MAX_EPSILON_MILLIS(), 10_000, "MAX_EPSILON_MILLIS");
        bytes4[] memory selectors = oversightSelectors();
        for (uint256 i = 0; i < selectors.length; ++i) {
            assertEq(
                authority.getTargetFunctionRole(address(studyRegistry), selectors[i]),
                ConsortiumRoles.OVERSIGHT_ROLE,
                "a lifecycle selector is oversight's"
            );
        }
        assertEq(
            authority.getTargetFunctionRole(
                address(studyRegistry),
                bytes4(keccak256("upgradeToAndCall(address,bytes)"))
            ),
            ConsortiumRoles.ADMIN_ROLE,
            "upgrades stay with the admin"
        );
        assertEq(studyRegistry.studyCount(), 0, "no study");
        assertEq(studyRegistry.datasetCount(), 0, "no dataset");
    }

    function test_initialize_revertsOnTheImplementationAndOnTheProxyTwice() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        studyRegistryImplementation.initialize(address(authority));
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        studyRegistry.initialize(stranger);
        assertEq(studyRegistry.authority(), address(authority), "authority unchanged");
    }

    function test_upgradeToAndCall_isTheAdminsAndKeepsState() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        IStudyRegistry.Study memory study = studyRegistry.getStudy(studyId);
        IStudyRegistry.Dataset memory dataset = studyRegistry.getDataset(datasetId);
        uint32[] memory dataUse = studyRegistry.getStudyDataUse(studyId);
        StudyRegistryV2Mock v2 = new StudyRegistryV2Mock(IMemberRegistry(address(memberRegistry)));

        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, oversight));
        vm.prank(oversight);
        studyRegistry.upgradeToAndCall(address(v2), "");

        studyRegistry.upgradeToAndCall(address(v2), "");
        assertEq(StudyRegistryV2Mock(address(studyRegistry)).version(), 2, "upgraded");
        assertEq(abi.encode(studyRegistry.getStudy(studyId)), abi.encode(study), "study kept");
        assertEq(abi.encode(studyRegistry.getDataset(datasetId)), abi.encode(dataset), "dataset kept");
        assertEq(abi.encode(studyRegistry.getStudyDataUse(studyId)), abi.encode(dataUse), "data use kept");
        assertTrue(studyRegistry.canUseDataset(datasetId, researcher), "access kept");
        assertEq(studyRegistry.studyCount(), 1, "study count kept");
        assertEq(studyRegistry.datasetCount(), 1, "dataset count kept");
    }

    function test_storageLocation_isTheErc7201Slot() public {
        bytes32 slot = _erc7201("medchain.storage.StudyRegistry");
        assertEq(slot, 0x48b8aadaa1872b07ea3de5309f4fb02def5f3aaa41a655e02180047098659b00, "documented constant");
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        _registerAs(researcher, _registration());

        // studies: namespace + 0. The first word packs sponsor (32), status (8), purpose (8), class (8),
        // legal basis (8), minimumK (16), permission (32), disease (32), categories (32), ethics expiry (64).
        uint256 word = uint256(vm.load(address(studyRegistry), keccak256(abi.encode(uint256(studyId), slot))));
        assertEq(word & type(uint32).max, instituteId, "studies[1].sponsor");
        assertEq((word >> 32) & 0xff, uint8(StudyStatus.Approved), "studies[1].status");
        assertEq((word >> 40) & 0xff, uint8(Purpose.BiomedicalResearch), "studies[1].purpose");
        assertEq((word >> 64) & 0xffff, MINIMUM_K, "studies[1].minimumK");
        assertEq((word >> 80) & type(uint32).max, DataUse.HMB, "studies[1].dataUsePermission");
        // dataUse: namespace + 1 (a dynamic array: its length at the mapping slot).
        bytes32 dataUseSlot = keccak256(abi.encode(uint256(studyId), uint256(slot) + 1));
        assertEq(uint256(vm.load(address(studyRegistry), dataUseSlot)), 3, "dataUse[1].length");
        // datasets: namespace + 2. The first word starts with studyId (64) and custodian (32).
        word = uint256(vm.load(address(studyRegistry), keccak256(abi.encode(uint256(datasetId), uint256(slot) + 2))));
        assertEq(word & type(uint64).max, studyId, "datasets[1].studyId");
        assertEq((word >> 64) & type(uint32).max, hospitalId, "datasets[1].custodian");
        // access: namespace + 3.
        bytes32 accessSlot = keccak256(
            abi.encode(researcher, keccak256(abi.encode(uint256(datasetId), uint256(slot) + 3)))
        );
        assertEq(uint256(vm.load(address(studyRegistry), accessSlot)), 1, "access[1][researcher]");
        // studyCount and datasetCount share namespace + 5.
        word = uint256(vm.load(address(studyRegistry), bytes32(uint256(slot) + 5)));
        assertEq(word & type(uint64).max, 2, "studyCount");
        assertEq((word >> 64) & type(uint64).max, 1, "datasetCount");
        assertEq(vm.load(address(studyRegistryImplementation), bytes32(uint256(slot) + 5)), bytes32(0), "no state");
    }

    function test_storageLocation_legalExceptionsAtNamespacePlusFour() public {
        uint64 studyId = _approvedStudyWithBasis(LegalBasis.CancerRegistry);
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        manifest.optedOutIncluded = 7;
        vm.prank(dataSteward);
        studyRegistry.publishDataset(manifest);
        bytes32 slot = _erc7201("medchain.storage.StudyRegistry");
        bytes32 countSlot = keccak256(abi.encode(uint256(LegalBasis.CancerRegistry), uint256(slot) + 4));
        assertEq(uint256(vm.load(address(studyRegistry), countSlot)), 7, "legalExceptions[CancerRegistry]");
    }

    // ------------------------------------------------------------------------------------------------------
    // registerStudy
    // ------------------------------------------------------------------------------------------------------

    function test_registerStudy_storesPermissionFirstAndEmits() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.dataUse = _codes3(DataUse.NPUNCU, DataUse.HMB, DataUse.PUB);
        registration.legalBasis = LegalBasis.PublicHealthEmergency;
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.StudyRegistered(
            1,
            instituteId,
            researcher,
            Purpose.BiomedicalResearch,
            RequesterClass.Academic,
            DataUse.HMB,
            LegalBasis.PublicHealthEmergency,
            uint64(START) + TERM
        );
        vm.prank(researcher);
        uint64 studyId = studyRegistry.registerStudy(registration);
        assertEq(studyId, 1, "ids run from 1");
        assertEq(studyRegistry.studyCount(), 1, "studyCount");

        IStudyRegistry.Study memory study = studyRegistry.getStudy(studyId);
        assertEq(study.sponsor, instituteId, "sponsor");
        assertEq(uint8(study.status), uint8(StudyStatus.Proposed), "status");
        assertEq(uint8(study.purpose), uint8(Purpose.BiomedicalResearch), "purpose");
        assertEq(uint8(study.requesterClass), uint8(RequesterClass.Academic), "requesterClass");
        assertEq(uint8(study.legalBasis), uint8(LegalBasis.PublicHealthEmergency), "legalBasis");
        assertEq(study.minimumK, MINIMUM_K, "minimumK");
        assertEq(study.dataUsePermission, DataUse.HMB, "dataUsePermission");
        assertEq(study.diseaseCode, 0, "diseaseCode");
        assertEq(study.categories, registration.categories, "categories");
        assertEq(study.ethicsApprovalExpiresAt, registration.ethicsApprovalExpiresAt, "ethics expiry");
        assertEq(study.termStart, registration.termStart, "termStart");
        assertEq(study.termEnd, registration.termEnd, "termEnd");
        assertEq(study.registeredAt, START, "registeredAt");
        assertEq(study.statusChangedAt, START, "statusChangedAt");
        assertEq(study.protocolHash, registration.protocolHash, "protocolHash");
        assertEq(study.ethicsApprovalHash, registration.ethicsApprovalHash, "ethicsApprovalHash");
        assertEq(
            abi.encode(studyRegistry.getStudyDataUse(studyId)),
            abi.encode(_codes3(DataUse.HMB, DataUse.NPUNCU, DataUse.PUB)),
            "the permission first, then the modifiers in order"
        );

        assertEq(_registerAs(researcher, _registration()), 2, "the next id");
        assertEq(studyRegistry.studyCount(), 2, "studyCount");
    }

    function test_registerStudy_acceptsAHospitalAsAcademicAndAsHospital() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        assertEq(_registerAs(hospitalResearcher, registration), 1, "academic");
        registration.requesterClass = RequesterClass.Hospital;
        registration.purpose = Purpose.PublicHealth;
        assertEq(_registerAs(hospitalResearcher, registration), 2, "hospital, public health");
        assertEq(studyRegistry.getStudy(2).sponsor, hospitalId, "sponsor");
    }

    function test_registerStudy_revertsForNonResearchers() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        _expectRegisterRefused(
            stranger,
            registration,
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger)
        );
        _expectRegisterRefused(
            instituteAdmin,
            registration,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMissingDuty.selector,
                instituteAdmin,
                instituteId,
                Duty.Researcher
            )
        );
        vm.prank(guardian);
        memberRegistry.suspendMember(instituteId, 1);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMemberNotActive.selector,
                instituteId,
                MemberStatus.Suspended
            )
        );
    }

    function test_registerStudy_barsCommercialUseForEveryone() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.requesterClass = RequesterClass.Commercial;
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryCommercialUseBarred.selector,
                RequesterClass.Commercial,
                Purpose.BiomedicalResearch
            )
        );
        registration = _registration();
        registration.purpose = Purpose.Marketing;
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryCommercialUseBarred.selector,
                RequesterClass.Academic,
                Purpose.Marketing
            )
        );
    }

    function testFuzz_registerStudy_aCompanyIsBarredOrNotAllowedNeverAccepted(
        uint8 classSeed,
        uint8 purposeSeed
    ) public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.requesterClass = RequesterClass(bound(classSeed, 0, CLASS_COUNT - 1));
        registration.purpose = Purpose(bound(purposeSeed, 0, PURPOSE_COUNT - 1));
        bytes memory expected =
            (registration.requesterClass == RequesterClass.Commercial || registration.purpose == Purpose.Marketing)
                ? abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryCommercialUseBarred.selector,
                    registration.requesterClass,
                    registration.purpose
                )
                : abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryRequesterClassNotAllowed.selector,
                    companyId,
                    MemberKind.Company,
                    registration.requesterClass
                );
        _expectRegisterRefused(companyResearcher, registration, expected);
    }

    function testFuzz_registerStudy_requesterClassMustFitTheMemberKind(uint8 kindSeed, uint8 classSeed) public {
        MemberKind kind = MemberKind(bound(kindSeed, 0, KIND_COUNT - 1));
        RequesterClass requesterClass = RequesterClass(bound(classSeed, 0, CLASS_COUNT - 1));
        address member = makeAddr("fuzzed researcher");
        vm.prank(council);
        uint32 memberId = memberRegistry.addMember(kind, keccak256("fuzzed member"));
        vm.prank(council);
        memberRegistry.addOperator(member, memberId, Duties.bit(Duty.Researcher));
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.requesterClass = requesterClass;

        if (requesterClass == RequesterClass.Commercial) {
            _expectRegisterRefused(
                member,
                registration,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryCommercialUseBarred.selector,
                    requesterClass,
                    registration.purpose
                )
            );
        } else if (_allowedTable(kind, requesterClass)) {
            assertEq(_registerAs(member, registration), 1, "accepted");
            assertEq(studyRegistry.getStudy(1).sponsor, memberId, "sponsor");
        } else {
            _expectRegisterRefused(
                member,
                registration,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryRequesterClassNotAllowed.selector,
                    memberId,
                    kind,
                    requesterClass
                )
            );
        }
    }

    function test_registerStudy_acceptsOnlyResearchAndPublicHealthPurposes() public {
        for (uint256 p = 0; p < PURPOSE_COUNT; ++p) {
            Purpose purpose = Purpose(p);
            IStudyRegistry.StudyRegistration memory registration = _registration();
            registration.purpose = purpose;
            bool research =
                purpose == Purpose.Research ||
                    purpose == Purpose.ClinicalTrialResearch ||
                    purpose == Purpose.BiomedicalResearch ||
                    purpose == Purpose.DiseaseSpecificResearch ||
                    purpose == Purpose.PopulationOriginsResearch ||
                    purpose == Purpose.PublicHealth;
            if (research) {
                uint64 before = studyRegistry.studyCount();
                assertEq(_registerAs(researcher, registration), before + 1, string.concat("purpose ", vm.toString(p)));
            } else if (purpose == Purpose.Marketing) {
                _expectRegisterRefused(
                    researcher,
                    registration,
                    abi.encodeWithSelector(
                        IStudyRegistry.StudyRegistryCommercialUseBarred.selector,
                        RequesterClass.Academic,
                        purpose
                    )
                );
            } else {
                _expectRegisterRefused(
                    researcher,
                    registration,
                    abi.encodeWithSelector(IStudyRegistry.StudyRegistryNotResearchPurpose.selector, purpose)
                );
            }
        }
        assertEq(studyRegistry.studyCount(), 6, "five research purposes and public health");
    }

    function test_registerStudy_revertsForMissingHashes() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.protocolHash = bytes32(0);
        registration.ethicsApprovalHash = bytes32(0); // the protocol is checked first
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryZeroProtocolHash.selector)
        );
        registration = _registration();
        registration.ethicsApprovalHash = bytes32(0);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryEthicsApprovalMissing.selector)
        );
    }

    function test_registerStudy_revertsForAnExpiredEthicsApproval() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        uint64[2] memory expiries = [uint64(START), uint64(START - 1)];
        for (uint256 i = 0; i < expiries.length; ++i) {
            registration.ethicsApprovalExpiresAt = expiries[i];
            _expectRegisterRefused(
                researcher,
                registration,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryEthicsApprovalExpired.selector,
                    uint64(0),
                    expiries[i],
                    uint64(START)
                )
            );
        }
        registration.ethicsApprovalExpiresAt = uint64(START + 1);
        assertEq(_registerAs(researcher, registration), 1, "one second left is enough to register");
    }

    function test_registerStudy_dataUseRefusals() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.dataUse = new uint32[](0);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoDataUsePermission.selector)
        );
        registration.dataUse = _codes3(DataUse.NPUNCU, DataUse.PUB, DataUse.IRB);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoDataUsePermission.selector)
        );
        registration.dataUse = _codes3(DataUse.GRU, DataUse.PUB, DataUse.HMB);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryTwoDataUsePermissions.selector, DataUse.GRU, DataUse.HMB)
        );
        registration.dataUse = _codes3(DataUse.HMB, DataUse.PUB, DataUse.PUB);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryDuplicateDataUseCode.selector, DataUse.PUB)
        );
        registration.dataUse = _codes3(DataUse.HMB, DataUse.PUB, DataUse.HMB);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryDuplicateDataUseCode.selector, DataUse.HMB)
        );
        uint32[7] memory unknown = [uint32(0), 1, 17, 23, 47, 5015, type(uint32).max];
        for (uint256 i = 0; i < unknown.length; ++i) {
            registration.dataUse = _codes3(DataUse.HMB, DataUse.PUB, unknown[i]);
            _expectRegisterRefused(
                researcher,
                registration,
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownDataUseCode.selector, unknown[i])
            );
        }
        registration.dataUse = new uint32[](17);
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryTooManyDataUseCodes.selector, uint256(17), uint256(16))
        );
    }

    function test_registerStudy_acceptsSixteenCodesAndEveryPermissionAndModifier() public {
        uint32[] memory modifiers = _allModifiers();
        assertEq(modifiers.length, 18, "DUO has eighteen modifiers here");
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.dataUse = new uint32[](16);
        registration.dataUse[0] = DataUse.GRU;
        for (uint256 i = 1; i < 16; ++i) registration.dataUse[i] = modifiers[i - 1];
        uint64 studyId = _registerAs(researcher, registration);
        assertEq(abi.encode(studyRegistry.getStudyDataUse(studyId)), abi.encode(registration.dataUse), "all kept");

        // The three remaining modifiers, with each permission in turn.
        uint32[5] memory permissions = [DataUse.NRES, DataUse.GRU, DataUse.HMB, DataUse.DS, DataUse.POA];
        for (uint256 p = 0; p < permissions.length; ++p) {
            registration.dataUse = new uint32[](4);
            registration.dataUse[0] = modifiers[15];
            registration.dataUse[1] = modifiers[16];
            registration.dataUse[2] = permissions[p];
            registration.dataUse[3] = modifiers[17];
            registration.diseaseCode = permissions[p] == DataUse.DS ? MONDO_DIABETES : 0;
            studyId = _registerAs(researcher, registration);
            assertEq(studyRegistry.getStudy(studyId).dataUsePermission, permissions[p], "permission");
            assertEq(
                abi.encode(studyRegistry.getStudyDataUse(studyId)),
                abi.encode(_codes4(permissions[p], modifiers[15], modifiers[16], modifiers[17])),
                "reordered"
            );
        }
    }

    /// @dev Random lists drawn from every permission, every modifier and some unknown ids: accepted iff at most
    /// 16 codes, all known, none twice, exactly one permission; otherwise refused with the first fault in list
    /// order (the count before anything else, no permission last).
    function testFuzz_registerStudy_dataUseLists(uint256 lengthSeed, uint256 seed) public {
        uint32[] memory pool = _codePool();
        uint256 length = bound(lengthSeed, 0, 20);
        uint32[] memory codes = new uint32[](length);
        for (uint256 i = 0; i < length; ++i) {
            codes[i] = pool[uint256(keccak256(abi.encode(seed, i))) % pool.length];
        }
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.dataUse = codes;

        // The property, stated independently of the order of checks.
        uint256 permissions;
        bool allKnown = true;
        bool distinct = true;
        bool disease;
        for (uint256 i = 0; i < length; ++i) {
            if (DataUse.isPermission(codes[i])) ++permissions;
            if (codes[i] == DataUse.DS) disease = true;
            if (!DataUse.isPermission(codes[i]) && !DataUse.isModifier(codes[i])) allKnown = false;
            for (uint256 j = 0; j < i; ++j) if (codes[j] == codes[i]) distinct = false;
        }
        registration.diseaseCode = disease ? MONDO_DIABETES : 0;
        bool accepted = length <= 16 && allKnown && distinct && permissions == 1;

        if (accepted) {
            uint64 studyId = _registerAs(researcher, registration);
            uint32[] memory stored = studyRegistry.getStudyDataUse(studyId);
            assertEq(stored.length, length, "every code kept");
            assertTrue(DataUse.isPermission(stored[0]), "the permission first");
            assertEq(studyRegistry.getStudy(studyId).dataUsePermission, stored[0], "the study's permission");
            uint256 next = 1;
            for (uint256 i = 0; i < length; ++i) {
                if (codes[i] != stored[0]) assertEq(stored[next++], codes[i], "modifiers in order");
            }
        } else {
            _expectRegisterRefused(researcher, registration, _expectedDataUseError(codes));
        }
    }

    function test_registerStudy_diseaseCodeExactlyWithDs() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.dataUse = _codes3(DataUse.PUB, DataUse.DS, DataUse.IRB);
        registration.purpose = Purpose.DiseaseSpecificResearch;
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryDiseaseCodeRequired.selector)
        );
        registration.diseaseCode = MONDO_DIABETES;
        uint64 studyId = _registerAs(researcher, registration);
        assertEq(studyRegistry.getStudy(studyId).diseaseCode, MONDO_DIABETES, "disease code kept");
        assertEq(studyRegistry.getStudy(studyId).dataUsePermission, DataUse.DS, "DS");

        registration = _registration();
        registration.diseaseCode = MONDO_DIABETES;
        _expectRegisterRefused(
            researcher,
            registration,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryUnexpectedDiseaseCode.selector,
                DataUse.HMB,
                MONDO_DIABETES
            )
        );
    }

    function test_registerStudy_revertsForInvalidCategories() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        uint32[3] memory invalid = [uint32(0), Categories.ALL + 1, type(uint32).max];
        for (uint256 i = 0; i < invalid.length; ++i) {
            registration.categories = invalid[i];
            _expectRegisterRefused(
                researcher,
                registration,
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryInvalidCategories.selector, invalid[i])
            );
        }
        registration.categories = Categories.ALL;
        assertEq(_registerAs(researcher, registration), 1, "every category");
    }

    function test_registerStudy_revertsForAnInvalidTerm() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        uint64 now_ = uint64(START);
        uint64[2][4] memory terms = [
            [now_ + 10 days, now_ + 10 days], // ends as it starts
            [now_ + 10 days, now_ + 9 days], // ends before it starts
            [now_ - 10 days, now_], // ends now
            [now_ - 10 days, now_ - 1] // ended
        ];
        for (uint256 i = 0; i < terms.length; ++i) {
            registration.termStart = terms[i][0];
            registration.termEnd = terms[i][1];
            _expectRegisterRefused(
                researcher,
                registration,
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryInvalidTerm.selector, terms[i][0], terms[i][1], now_)
            );
        }
        registration.termStart = now_ - 10 days;
        registration.termEnd = now_ + 1;
        assertEq(_registerAs(researcher, registration), 1, "a term that started and ends in a second");
    }

    function testFuzz_registerStudy_minimumKFloor(uint16 minimumK) public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.minimumK = minimumK;
        if (minimumK < 3) {
            _expectRegisterRefused(
                researcher,
                registration,
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryMinimumKTooLow.selector, minimumK, uint16(3))
            );
        } else {
            assertEq(studyRegistry.getStudy(_registerAs(researcher, registration)).minimumK, minimumK, "kept");
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Oversight: approveStudy, suspendStudy, reinstateStudy, closeStudy
    // ------------------------------------------------------------------------------------------------------

    function test_lifecycle_oversightMovesAStudyAndEmits() public {
        uint64 studyId = _registerAs(researcher, _registration());
        _expectStatusChange(studyId, StudyStatus.Proposed, StudyStatus.Approved, 0);
        vm.warp(START + 1 days);
        vm.prank(oversight);
        studyRegistry.approveStudy(studyId);
        assertEq(studyRegistry.getStudy(studyId).statusChangedAt, START + 1 days, "statusChangedAt");

        _expectStatusChange(studyId, StudyStatus.Approved, StudyStatus.Suspended, 42);
        vm.prank(oversight);
        studyRegistry.suspendStudy(studyId, 42);
        _expectStatusChange(studyId, StudyStatus.Suspended, StudyStatus.Approved, 0);
        vm.prank(oversight);
        studyRegistry.reinstateStudy(studyId);
        _expectStatusChange(studyId, StudyStatus.Approved, StudyStatus.Closed, 7);
        vm.warp(START + 2 days);
        vm.prank(oversight);
        studyRegistry.closeStudy(studyId, 7);
        IStudyRegistry.Study memory study = studyRegistry.getStudy(studyId);
        assertEq(uint8(study.status), uint8(StudyStatus.Closed), "closed");
        assertEq(study.statusChangedAt, START + 2 days, "statusChangedAt");
        assertEq(study.registeredAt, START, "registeredAt unchanged");
    }

    function test_approveStudy_revertsOnceTheEthicsApprovalExpired() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        uint64 studyId = _registerAs(researcher, registration);
        vm.warp(registration.ethicsApprovalExpiresAt);
        vm.prank(oversight);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryEthicsApprovalExpired.selector,
                studyId,
                registration.ethicsApprovalExpiresAt,
                registration.ethicsApprovalExpiresAt
            )
        );
        studyRegistry.approveStudy(studyId);
        assertEq(uint8(studyRegistry.getStudy(studyId).status), uint8(StudyStatus.Proposed), "still proposed");
    }

    function test_lifecycle_closesFromProposedAndFromSuspended() public {
        uint64 proposed = _registerAs(researcher, _registration());
        _expectStatusChange(proposed, StudyStatus.Proposed, StudyStatus.Closed, 3);
        vm.prank(oversight);
        studyRegistry.closeStudy(proposed, 3);
        uint64 suspended = _approvedStudy();
        vm.prank(oversight);
        studyRegistry.suspendStudy(suspended, 1);
        _expectStatusChange(suspended, StudyStatus.Suspended, StudyStatus.Closed, 4);
        vm.prank(oversight);
        studyRegistry.closeStudy(suspended, 4);
    }

    /// @dev Every decision from every status: allowed exactly as the lifecycle says, else refused with the status.
    function test_lifecycle_everyOtherTransitionIsRefused() public {
        StudyStatus[4] memory statuses = [
            StudyStatus.Proposed,
            StudyStatus.Approved,
            StudyStatus.Suspended,
            StudyStatus.Closed
        ];
        for (uint256 s = 0; s < statuses.length; ++s) {
            for (uint256 decision = 0; decision < 4; ++decision) {
                uint64 studyId = _studyIn(statuses[s]);
                bool allowed =
                    (decision == 0 && statuses[s] == StudyStatus.Proposed) ||
                        (decision == 1 && statuses[s] == StudyStatus.Approved) ||
                        (decision == 2 && statuses[s] == StudyStatus.Suspended) ||
                        (decision == 3 && statuses[s] != StudyStatus.Closed);
                IStudyRegistry.Study memory before = studyRegistry.getStudy(studyId);
                vm.prank(oversight);
                (bool success, bytes memory returned) = address(studyRegistry).call(_decision(decision, studyId));
                string memory message = string.concat(
                    "decision ",
                    vm.toString(decision),
                    " from ",
                    vm.toString(uint256(statuses[s]))
                );
                assertEq(success, allowed, message);
                if (!allowed) {
                    assertEq(
                        returned,
                        abi.encodeWithSelector(
                            IStudyRegistry.StudyRegistryInvalidStatusTransition.selector,
                            studyId,
                            statuses[s]
                        ),
                        message
                    );
                    assertEq(abi.encode(studyRegistry.getStudy(studyId)), abi.encode(before), "unchanged");
                }
            }
        }
    }

    function test_lifecycle_revertsForAnUnknownStudyAndForAnyoneButOversight() public {
        _registerAs(researcher, _registration());
        uint64[2] memory unknown = [uint64(0), uint64(2)];
        for (uint256 i = 0; i < unknown.length; ++i) {
            for (uint256 decision = 0; decision < 4; ++decision) {
                vm.prank(oversight);
                (bool success, bytes memory returned) = address(studyRegistry).call(_decision(decision, unknown[i]));
                assertFalse(success, "unknown study");
                assertEq(
                    returned,
                    abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownStudy.selector, unknown[i]),
                    "UnknownStudy"
                );
            }
        }
        address[4] memory others = [researcher, instituteAdmin, guardian, council];
        for (uint256 i = 0; i < others.length; ++i) {
            for (uint256 decision = 0; decision < 4; ++decision) {
                vm.prank(others[i]);
                (bool success, bytes memory returned) = address(studyRegistry).call(_decision(decision, 1));
                assertFalse(success, "not oversight");
                assertEq(
                    returned,
                    abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, others[i]),
                    "AccessManagedUnauthorized"
                );
            }
        }
        assertEq(uint8(studyRegistry.getStudy(1).status), uint8(StudyStatus.Proposed), "still proposed");
    }

    // ------------------------------------------------------------------------------------------------------
    // publishDataset
    // ------------------------------------------------------------------------------------------------------

    function test_publishDataset_storesAndEmits() public {
        uint64 studyId = _approvedStudy();
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        vm.warp(START + 3 days);
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.DatasetPublished(
            1,
            studyId,
            hospitalId,
            manifest.cohortRoot,
            manifest.cohortSize,
            manifest.method,
            manifest.k,
            manifest.epsilonMillis,
            manifest.optOutStateBlock
        );
        vm.prank(dataSteward);
        uint64 datasetId = studyRegistry.publishDataset(manifest);
        assertEq(datasetId, 1, "ids run from 1");
        assertEq(studyRegistry.datasetCount(), 1, "datasetCount");

        IStudyRegistry.Dataset memory dataset = studyRegistry.getDataset(datasetId);
        assertEq(dataset.studyId, studyId, "studyId");
        assertEq(dataset.custodian, hospitalId, "custodian");
        assertEq(dataset.cohortSize, manifest.cohortSize, "cohortSize");
        assertEq(uint8(dataset.method), uint8(manifest.method), "method");
        assertEq(dataset.k, manifest.k, "k");
        assertEq(dataset.epsilonMillis, 0, "epsilonMillis");
        assertEq(dataset.optedOutIncluded, 0, "optedOutIncluded");
        assertEq(dataset.optOutStateBlock, manifest.optOutStateBlock, "optOutStateBlock");
        assertEq(dataset.publishedAt, START + 3 days, "publishedAt");
        assertEq(dataset.destroyedAt, 0, "destroyedAt");
        assertEq(dataset.cohortRoot, manifest.cohortRoot, "cohortRoot");
        assertEq(dataset.methodDocumentHash, manifest.methodDocumentHash, "methodDocumentHash");
        assertEq(dataset.manifestHash, manifest.manifestHash, "manifestHash");
        assertEq(dataset.destructionCertificateHash, bytes32(0), "destructionCertificateHash");

        vm.prank(clinicDataSteward);
        assertEq(studyRegistry.publishDataset(manifest), 2, "a clinic publishes too");
        assertEq(studyRegistry.getDataset(2).custodian, clinicId, "the clinic's");
        assertEq(studyRegistry.getDataset(0).studyId, 0, "no dataset 0");
    }

    function test_publishDataset_revertsForCallersThatAreNoHospitalOrClinicDataSteward() public {
        uint64 studyId = _approvedStudy();
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        _expectPublishRefused(
            stranger,
            manifest,
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger)
        );
        _expectPublishRefused(
            researcher,
            manifest,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMissingDuty.selector,
                researcher,
                instituteId,
                Duty.DataSteward
            )
        );
        _expectPublishRefused(
            insurerDataSteward,
            manifest,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryCustodianNotCareProvider.selector,
                insurerId,
                MemberKind.Insurer
            )
        );
        _expectPublishRefused(
            instituteSteward,
            manifest,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryCustodianNotCareProvider.selector,
                instituteId,
                MemberKind.ResearchInstitute
            )
        );
    }

    function test_publishDataset_revertsForAnUnknownOrUnapprovedStudy() public {
        uint64 studyId = _registerAs(researcher, _registration());
        IStudyRegistry.DatasetManifest memory manifest = _manifest(0);
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownStudy.selector, uint64(0))
        );
        manifest.studyId = 9;
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownStudy.selector, uint64(9))
        );
        manifest.studyId = studyId;
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryStudyNotApproved.selector, studyId, StudyStatus.Proposed)
        );
        StudyStatus[2] memory stopped = [StudyStatus.Suspended, StudyStatus.Closed];
        for (uint256 i = 0; i < stopped.length; ++i) {
            uint64 other = _studyIn(stopped[i]);
            _expectPublishRefused(
                dataSteward,
                _manifest(other),
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryStudyNotApproved.selector, other, stopped[i])
            );
        }
    }

    function test_publishDataset_onlyWithinTheTermAndTheEthicsApproval() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.termStart = uint64(START) + 10 days;
        registration.termEnd = uint64(START) + 100 days;
        registration.ethicsApprovalExpiresAt = uint64(START) + 50 days;
        uint64 studyId = _registerAs(researcher, registration);
        vm.prank(oversight);
        studyRegistry.approveStudy(studyId);
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);

        uint64[2] memory outside = [uint64(START), uint64(START) + 10 days - 1];
        for (uint256 i = 0; i < outside.length; ++i) {
            vm.warp(outside[i]);
            _expectPublishRefused(
                dataSteward,
                manifest,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryOutsideTerm.selector,
                    studyId,
                    registration.termStart,
                    registration.termEnd,
                    outside[i]
                )
            );
        }
        vm.warp(START + 10 days);
        vm.prank(dataSteward);
        assertEq(studyRegistry.publishDataset(manifest), 1, "the term's first second");
        vm.warp(START + 50 days - 1);
        vm.prank(dataSteward);
        assertEq(studyRegistry.publishDataset(manifest), 2, "the ethics approval's last second");
        vm.warp(START + 50 days);
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryEthicsApprovalExpired.selector,
                studyId,
                registration.ethicsApprovalExpiresAt,
                uint64(START + 50 days)
            )
        );
        vm.warp(START + 100 days);
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryOutsideTerm.selector,
                studyId,
                registration.termStart,
                registration.termEnd,
                uint64(START + 100 days)
            )
        );
    }

    function test_publishDataset_revertsForMissingHashesOrAnEmptyCohort() public {
        uint64 studyId = _approvedStudy();
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        manifest.cohortRoot = bytes32(0);
        manifest.cohortSize = 0; // the root is checked first
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryZeroCohortRoot.selector)
        );
        manifest = _manifest(studyId);
        manifest.cohortSize = 0;
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryCohortEmpty.selector)
        );
        manifest = _manifest(studyId);
        manifest.methodDocumentHash = bytes32(0);
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryZeroMethodDocument.selector)
        );
        manifest = _manifest(studyId);
        manifest.manifestHash = bytes32(0);
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryZeroManifestHash.selector)
        );
    }

    function test_publishDataset_revertsForAManifestThatContradictsItself() public {
        uint64 studyId = _approvedStudyWithBasis(LegalBasis.CommunicableDiseaseControl);
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        manifest.cohortSize = MINIMUM_K;
        manifest.optedOutIncluded = MINIMUM_K + 1;
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryCohortInconsistent.selector,
                MINIMUM_K,
                MINIMUM_K,
                MINIMUM_K + 1
            )
        );
        manifest = _manifest(studyId);
        manifest.k = manifest.cohortSize + 1;
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryCohortInconsistent.selector,
                manifest.cohortSize,
                manifest.cohortSize + 1,
                0
            )
        );
        // Every patient opted out and included under the legal basis, k equal to the cohort: accepted.
        manifest = _manifest(studyId);
        manifest.cohortSize = MINIMUM_K;
        manifest.optedOutIncluded = MINIMUM_K;
        vm.prank(dataSteward);
        studyRegistry.publishDataset(manifest);
        assertEq(studyRegistry.legalExceptionCount(LegalBasis.CommunicableDiseaseControl), MINIMUM_K, "counted");
    }

    function test_publishDataset_privacyParametersFitTheMethod() public {
        uint64 studyId = _approvedStudy();
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        DeidentificationMethod[2] memory withK = [
            DeidentificationMethod.KAnonymity,
            DeidentificationMethod.AggregateTables
        ];
        for (uint256 i = 0; i < withK.length; ++i) {
            manifest.method = withK[i];
            manifest.k = MINIMUM_K;
            manifest.epsilonMillis = 1;
            _expectPublishRefused(
                dataSteward,
                manifest,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryInvalidPrivacyParameters.selector,
                    withK[i],
                    uint32(MINIMUM_K),
                    uint32(1)
                )
            );
            manifest.epsilonMillis = 0;
            manifest.k = MINIMUM_K - 1;
            _expectPublishRefused(
                dataSteward,
                manifest,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryKBelowMinimum.selector,
                    studyId,
                    uint32(MINIMUM_K - 1),
                    MINIMUM_K
                )
            );
        }

        manifest.method = DeidentificationMethod.DifferentialPrivacy;
        uint32[2][4] memory invalid = [[uint32(0), 0], [uint32(0), 10_001], [uint32(5), 1_000], [uint32(1), 0]];
        for (uint256 i = 0; i < invalid.length; ++i) {
            manifest.k = invalid[i][0];
            manifest.epsilonMillis = invalid[i][1];
            _expectPublishRefused(
                dataSteward,
                manifest,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryInvalidPrivacyParameters.selector,
                    DeidentificationMethod.DifferentialPrivacy,
                    invalid[i][0],
                    invalid[i][1]
                )
            );
        }
        manifest.k = 0;
        manifest.epsilonMillis = 10_000;
        vm.prank(dataSteward);
        uint64 datasetId = studyRegistry.publishDataset(manifest);
        assertEq(studyRegistry.getDataset(datasetId).epsilonMillis, 10_000, "epsilon 10 at most");
        manifest.epsilonMillis = 1;
        vm.prank(dataSteward);
        studyRegistry.publishDataset(manifest);
    }

    function testFuzz_publishDataset_kAgainstTheStudysMinimum(uint16 minimumK, uint32 k, bool aggregate) public {
        minimumK = uint16(bound(minimumK, 3, type(uint16).max));
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.minimumK = minimumK;
        uint64 studyId = _registerAs(researcher, registration);
        vm.prank(oversight);
        studyRegistry.approveStudy(studyId);
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        manifest.method = aggregate ? DeidentificationMethod.AggregateTables : DeidentificationMethod.KAnonymity;
        manifest.k = k;
        manifest.cohortSize = type(uint32).max; // any k fits the cohort: only the study's minimum decides
        if (k >= minimumK) {
            vm.prank(dataSteward);
            assertEq(studyRegistry.getDataset(studyRegistry.publishDataset(manifest)).k, k, "accepted");
        } else {
            _expectPublishRefused(
                dataSteward,
                manifest,
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryKBelowMinimum.selector, studyId, k, minimumK)
            );
        }
    }

    function test_publishDataset_optOutStateMustBeFromAPastBlock() public {
        uint64 studyId = _approvedStudy();
        IStudyRegistry.DatasetManifest memory manifest = _manifest(studyId);
        uint64[2] memory future = [uint64(START_BLOCK), uint64(START_BLOCK + 1)];
        for (uint256 i = 0; i < future.length; ++i) {
            manifest.optOutStateBlock = future[i];
            _expectPublishRefused(
                dataSteward,
                manifest,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryOptOutStateInFuture.selector,
                    future[i],
                    uint256(START_BLOCK)
                )
            );
        }
        manifest.optOutStateBlock = uint64(START_BLOCK - 1);
        vm.prank(dataSteward);
        studyRegistry.publishDataset(manifest);
    }

    function test_publishDataset_optedOutPatientsOnlyUnderALegalBasisAndCounted() public {
        uint64 plain = _approvedStudy();
        IStudyRegistry.DatasetManifest memory manifest = _manifest(plain);
        manifest.optedOutIncluded = 3;
        _expectPublishRefused(
            dataSteward,
            manifest,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoLegalBasis.selector, plain, uint32(3))
        );

        uint64 studyId = _approvedStudyWithBasis(LegalBasis.CommunicableDiseaseControl);
        manifest.studyId = studyId;
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.LegalExceptionUsed(1, studyId, LegalBasis.CommunicableDiseaseControl, 3);
        vm.prank(dataSteward);
        studyRegistry.publishDataset(manifest);
        manifest.optedOutIncluded = 40;
        vm.prank(clinicDataSteward);
        studyRegistry.publishDataset(manifest);
        manifest.optedOutIncluded = 0;
        vm.prank(clinicDataSteward);
        studyRegistry.publishDataset(manifest);
        assertEq(studyRegistry.legalExceptionCount(LegalBasis.CommunicableDiseaseControl), 43, "counted");
        assertEq(studyRegistry.getDataset(2).optedOutIncluded, 40, "kept per dataset");
        assertEq(studyRegistry.legalExceptionCount(LegalBasis.None), 0, "none under None");
        assertEq(studyRegistry.legalExceptionCount(LegalBasis.CourtOrder), 0, "none under another basis");
    }

    // ------------------------------------------------------------------------------------------------------
    // grantDatasetAccess, revokeDatasetAccess
    // ------------------------------------------------------------------------------------------------------

    function test_grantDatasetAccess_bySponsorResearcherOrOrgAdminEmits() public {
        (uint64 studyId, uint64 datasetId) = _publishedDataset();
        assertFalse(studyRegistry.canUseDataset(datasetId, researcher), "no access yet");
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.DatasetAccessGranted(datasetId, researcher, instituteAdmin);
        vm.prank(instituteAdmin);
        studyRegistry.grantDatasetAccess(datasetId, researcher);
        assertTrue(studyRegistry.canUseDataset(datasetId, researcher), "granted by the admin");

        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.DatasetAccessGranted(datasetId, secondResearcher, researcher);
        vm.prank(researcher);
        studyRegistry.grantDatasetAccess(datasetId, secondResearcher);
        assertTrue(studyRegistry.canUseDataset(datasetId, secondResearcher), "granted by a researcher");
        assertEq(studyRegistry.getStudy(studyId).sponsor, instituteId, "the sponsor");
    }

    function test_grantDatasetAccess_refusals() public {
        (uint64 studyId, uint64 datasetId) = _publishedDataset();
        _expectGrantRefused(
            instituteAdmin,
            9,
            researcher,
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownDataset.selector, uint64(9))
        );
        _expectGrantRefused(
            stranger,
            datasetId,
            researcher,
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger)
        );
        address[3] memory notSponsorOperators = [otherResearcher, dataSteward, instituteSteward];
        for (uint256 i = 0; i < notSponsorOperators.length; ++i) {
            _expectGrantRefused(
                notSponsorOperators[i],
                datasetId,
                researcher,
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryNotSponsorOperator.selector,
                    studyId,
                    notSponsorOperators[i]
                )
            );
        }
        address[4] memory notSponsorResearchers = [otherResearcher, instituteAdmin, instituteSteward, stranger];
        for (uint256 i = 0; i < notSponsorResearchers.length; ++i) {
            _expectGrantRefused(
                instituteAdmin,
                datasetId,
                notSponsorResearchers[i],
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryNotSponsorResearcher.selector,
                    notSponsorResearchers[i],
                    instituteId
                )
            );
        }
        vm.prank(guardian);
        memberRegistry.suspendMember(instituteId, 1);
        _expectGrantRefused(
            instituteAdmin,
            datasetId,
            researcher,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMemberNotActive.selector,
                instituteId,
                MemberStatus.Suspended
            )
        );
    }

    function test_grantAndRevoke_refusedOnceDestroyed() public {
        (, uint64 datasetId) = _grantedDataset();
        uint64 destroyedAt = _destroy(datasetId);
        bytes memory expected = abi.encodeWithSelector(
            IStudyRegistry.StudyRegistryDatasetDestroyed.selector,
            datasetId,
            destroyedAt
        );
        _expectGrantRefused(instituteAdmin, datasetId, secondResearcher, expected);
        vm.expectRevert(expected);
        vm.prank(instituteAdmin);
        studyRegistry.revokeDatasetAccess(datasetId, researcher);
    }

    function test_revokeDatasetAccess_withdrawsAndEmits() public {
        (, uint64 datasetId) = _grantedDataset();
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.DatasetAccessRevoked(datasetId, researcher, secondResearcher);
        vm.prank(secondResearcher);
        studyRegistry.revokeDatasetAccess(datasetId, researcher);
        assertFalse(studyRegistry.canUseDataset(datasetId, researcher), "revoked");
        vm.expectRevert(
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoDatasetAccess.selector, datasetId, researcher)
        );
        vm.prank(researcher);
        studyRegistry.logDatasetAccess(datasetId, keccak256("query"));
    }

    function test_revokeDatasetAccess_refusals() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        bytes[4] memory expected = [
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownDataset.selector, uint64(9)),
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNotSponsorOperator.selector, studyId, otherResearcher),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoDatasetAccess.selector, datasetId, secondResearcher)
        ];
        address[4] memory callers = [instituteAdmin, stranger, otherResearcher, instituteAdmin];
        uint64[4] memory datasets = [uint64(9), datasetId, datasetId, datasetId];
        address[4] memory targets = [researcher, researcher, researcher, secondResearcher];
        for (uint256 i = 0; i < expected.length; ++i) {
            vm.expectRevert(expected[i]);
            vm.prank(callers[i]);
            studyRegistry.revokeDatasetAccess(datasets[i], targets[i]);
        }
        assertTrue(studyRegistry.canUseDataset(datasetId, researcher), "access kept");
    }

    function test_revokeDatasetAccess_worksForAResearcherWhoLeftTheSponsor() public {
        (, uint64 datasetId) = _grantedDataset();
        vm.prank(instituteAdmin);
        memberRegistry.removeOperator(researcher);
        vm.prank(instituteAdmin);
        studyRegistry.revokeDatasetAccess(datasetId, researcher);
        assertFalse(studyRegistry.canUseDataset(datasetId, researcher), "revoked");
    }

    // ------------------------------------------------------------------------------------------------------
    // logDatasetAccess, canUseDataset
    // ------------------------------------------------------------------------------------------------------

    function test_logDatasetAccess_emitsWhileAllowed() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        bytes32 accessRef = keccak256("query 1: HbA1c by age band");
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.DatasetAccessLogged(datasetId, studyId, researcher, accessRef);
        vm.prank(researcher);
        studyRegistry.logDatasetAccess(datasetId, accessRef);
    }

    function test_logDatasetAccess_revertsForZeroRefOrUnknownDatasetOrNoAccess() public {
        (, uint64 datasetId) = _grantedDataset();
        _expectLogRefused(
            researcher,
            datasetId,
            bytes32(0),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryZeroAccessRef.selector),
            true
        );
        _expectLogRefused(
            researcher,
            9,
            keccak256("ref"),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownDataset.selector, uint64(9)),
            false
        );
        address[3] memory without = [secondResearcher, instituteAdmin, stranger];
        for (uint256 i = 0; i < without.length; ++i) {
            _expectLogRefused(
                without[i],
                datasetId,
                keccak256("ref"),
                abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoDatasetAccess.selector, datasetId, without[i]),
                false
            );
        }
    }

    function test_logDatasetAccess_revertsOnceTheResearcherLeftOrTheSponsorIsSuspended() public {
        (, uint64 datasetId) = _grantedDataset();
        bytes memory expected = abi.encodeWithSelector(
            IStudyRegistry.StudyRegistryNotSponsorResearcher.selector,
            researcher,
            instituteId
        );
        vm.prank(guardian);
        memberRegistry.suspendMember(instituteId, 1);
        _expectLogRefused(researcher, datasetId, keccak256("ref"), expected, false);
        vm.prank(council);
        memberRegistry.reinstateMember(instituteId);
        assertTrue(studyRegistry.canUseDataset(datasetId, researcher), "reinstated");
        vm.prank(instituteAdmin);
        memberRegistry.removeOperator(researcher);
        _expectLogRefused(researcher, datasetId, keccak256("ref"), expected, false);
    }

    function test_logDatasetAccess_revertsUnlessTheStudyIsApproved() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        vm.prank(oversight);
        studyRegistry.suspendStudy(studyId, 9);
        _expectLogRefused(
            researcher,
            datasetId,
            keccak256("ref"),
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryStudyNotApproved.selector,
                studyId,
                StudyStatus.Suspended
            ),
            false
        );
        vm.prank(oversight);
        studyRegistry.reinstateStudy(studyId);
        assertTrue(studyRegistry.canUseDataset(datasetId, researcher), "reinstated");
        vm.prank(oversight);
        studyRegistry.closeStudy(studyId, 9);
        _expectLogRefused(
            researcher,
            datasetId,
            keccak256("ref"),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryStudyNotApproved.selector, studyId, StudyStatus.Closed),
            false
        );
    }

    function test_logDatasetAccess_revertsAfterTheTermOrTheEthicsApproval() public {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.ethicsApprovalExpiresAt = uint64(START) + 30 days;
        uint64 studyId = _registerAs(researcher, registration);
        vm.prank(oversight);
        studyRegistry.approveStudy(studyId);
        vm.prank(dataSteward);
        uint64 datasetId = studyRegistry.publishDataset(_manifest(studyId));
        vm.prank(instituteAdmin);
        studyRegistry.grantDatasetAccess(datasetId, researcher);

        vm.warp(START + 30 days - 1);
        assertTrue(studyRegistry.canUseDataset(datasetId, researcher), "the approval's last second");
        vm.warp(START + 30 days);
        _expectLogRefused(
            researcher,
            datasetId,
            keccak256("ref"),
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryEthicsApprovalExpired.selector,
                studyId,
                uint64(START + 30 days),
                uint64(START + 30 days)
            ),
            false
        );
        vm.warp(START + TERM);
        _expectLogRefused(
            researcher,
            datasetId,
            keccak256("ref"),
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryOutsideTerm.selector,
                studyId,
                registration.termStart,
                registration.termEnd,
                uint64(START + TERM)
            ),
            false
        );
    }

    function test_logDatasetAccess_revertsAfterDestruction() public {
        (, uint64 datasetId) = _grantedDataset();
        // _destroy closes the study, which refuses use anyway: destruction is reported first.
        uint64 destroyedAt = _destroy(datasetId);
        _expectLogRefused(
            researcher,
            datasetId,
            keccak256("ref"),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryDatasetDestroyed.selector, datasetId, destroyedAt),
            false
        );
    }

    function test_canUseDataset_isFalseForAnUnknownDataset() public view {
        assertFalse(studyRegistry.canUseDataset(0, researcher), "dataset 0");
        assertFalse(studyRegistry.canUseDataset(1, researcher), "dataset 1 before any");
    }

    // ------------------------------------------------------------------------------------------------------
    // attestDestruction
    // ------------------------------------------------------------------------------------------------------

    function test_attestDestruction_afterTheTermStoresAndEmits() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        bytes32 certificate = keccak256("signed destruction certificate");
        vm.warp(START + TERM - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryTermNotOver.selector,
                studyId,
                uint64(START + TERM),
                uint64(START + TERM - 1)
            )
        );
        vm.prank(instituteAdmin);
        studyRegistry.attestDestruction(datasetId, certificate);
        assertEq(studyRegistry.getDataset(datasetId).destroyedAt, 0, "not destroyed");

        vm.warp(START + TERM);
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.DestructionAttested(datasetId, studyId, researcher, certificate);
        vm.prank(researcher);
        studyRegistry.attestDestruction(datasetId, certificate);
        IStudyRegistry.Dataset memory dataset = studyRegistry.getDataset(datasetId);
        assertEq(dataset.destroyedAt, START + TERM, "destroyedAt");
        assertEq(dataset.destructionCertificateHash, certificate, "certificate");
        assertFalse(studyRegistry.canUseDataset(datasetId, researcher), "no use after destruction");

        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyRegistry.StudyRegistryDatasetDestroyed.selector,
                datasetId,
                uint64(START + TERM)
            )
        );
        vm.prank(instituteAdmin);
        studyRegistry.attestDestruction(datasetId, keccak256("another certificate"));
        assertEq(studyRegistry.getDataset(datasetId).destructionCertificateHash, certificate, "once");
    }

    function test_attestDestruction_afterClosureBeforeTheTermEnds() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        vm.prank(oversight);
        studyRegistry.closeStudy(studyId, 5);
        vm.prank(instituteAdmin);
        studyRegistry.attestDestruction(datasetId, keccak256("certificate"));
        assertEq(studyRegistry.getDataset(datasetId).destroyedAt, START, "destroyed at closure");
    }

    function test_attestDestruction_refusals() public {
        (uint64 studyId, uint64 datasetId) = _grantedDataset();
        vm.warp(START + TERM);
        bytes[5] memory expected = [
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownDataset.selector, uint64(9)),
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNotSponsorOperator.selector, studyId, otherResearcher),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryNotSponsorOperator.selector, studyId, instituteSteward),
            abi.encodeWithSelector(IStudyRegistry.StudyRegistryZeroCertificateHash.selector)
        ];
        address[5] memory callers = [instituteAdmin, stranger, otherResearcher, instituteSteward, instituteAdmin];
        uint64[5] memory datasets = [uint64(9), datasetId, datasetId, datasetId, datasetId];
        bytes32[5] memory certificates = [keccak256("c"), keccak256("c"), keccak256("c"), keccak256("c"), bytes32(0)];
        for (uint256 i = 0; i < expected.length; ++i) {
            vm.expectRevert(expected[i]);
            vm.prank(callers[i]);
            studyRegistry.attestDestruction(datasets[i], certificates[i]);
        }
        assertEq(studyRegistry.getDataset(datasetId).destroyedAt, 0, "not destroyed");
    }

    // ------------------------------------------------------------------------------------------------------
    // Fixtures and helpers
    // ------------------------------------------------------------------------------------------------------

    /// @dev A valid registration: biomedical research, academic, HMB + NPUNCU + PUB, lab results and
    /// medication, a 180-day term from now, an ethics approval for a year, minimum k 5, no legal basis.
    function _registration() internal pure returns (IStudyRegistry.StudyRegistration memory) {
        return
            IStudyRegistry.StudyRegistration({
                protocolHash: keccak256("protocol v1"),
                ethicsApprovalHash: keccak256("IRB approval letter"),
                ethicsApprovalExpiresAt: uint64(START) + ETHICS_VALIDITY,
                purpose: Purpose.BiomedicalResearch,
                requesterClass: RequesterClass.Academic,
                dataUse: _codes3(DataUse.HMB, DataUse.NPUNCU, DataUse.PUB),
                diseaseCode: 0,
                categories: Categories.bit(RecordCategory.LabResult) | Categories.bit(RecordCategory.Medication),
                termStart: uint64(START),
                termEnd: uint64(START) + TERM,
                minimumK: MINIMUM_K,
                legalBasis: LegalBasis.None
            });
    }

    /// @dev A valid manifest for `studyId`: k-anonymity with the study's minimum k, the previous block's opt-outs.
    function _manifest(uint64 studyId) internal pure returns (IStudyRegistry.DatasetManifest memory) {
        return
            IStudyRegistry.DatasetManifest({
                studyId: studyId,
                cohortRoot: keccak256("cohort root"),
                cohortSize: 1_200,
                method: DeidentificationMethod.KAnonymity,
                k: MINIMUM_K,
                epsilonMillis: 0,
                methodDocumentHash: keccak256("k-anonymity method document"),
                optOutStateBlock: uint64(START_BLOCK - 1),
                optedOutIncluded: 0,
                manifestHash: keccak256("release manifest")
            });
    }

    function _registerAs(
        address caller,
        IStudyRegistry.StudyRegistration memory registration
    ) internal returns (uint64 studyId) {
        vm.prank(caller);
        studyId = studyRegistry.registerStudy(registration);
    }

    function _approvedStudy() internal returns (uint64 studyId) {
        studyId = _registerAs(researcher, _registration());
        vm.prank(oversight);
        studyRegistry.approveStudy(studyId);
    }

    function _approvedStudyWithBasis(LegalBasis legalBasis) internal returns (uint64 studyId) {
        IStudyRegistry.StudyRegistration memory registration = _registration();
        registration.purpose = Purpose.PublicHealth;
        registration.legalBasis = legalBasis;
        studyId = _registerAs(researcher, registration);
        vm.prank(oversight);
        studyRegistry.approveStudy(studyId);
    }

    /// @dev A fresh study in `status`.
    function _studyIn(StudyStatus status) internal returns (uint64 studyId) {
        studyId = _registerAs(researcher, _registration());
        if (status == StudyStatus.Proposed) return studyId;
        vm.startPrank(oversight);
        if (status == StudyStatus.Closed) {
            studyRegistry.closeStudy(studyId, 1);
        } else {
            studyRegistry.approveStudy(studyId);
            if (status == StudyStatus.Suspended) studyRegistry.suspendStudy(studyId, 1);
        }
        vm.stopPrank();
    }

    function _publishedDataset() internal returns (uint64 studyId, uint64 datasetId) {
        studyId = _approvedStudy();
        vm.prank(dataSteward);
        datasetId = studyRegistry.publishDataset(_manifest(studyId));
    }

    function _grantedDataset() internal returns (uint64 studyId, uint64 datasetId) {
        (studyId, datasetId) = _publishedDataset();
        vm.prank(instituteAdmin);
        studyRegistry.grantDatasetAccess(datasetId, researcher);
    }

    /// @dev Closes the dataset's study if its term is still running, then attests the destruction.
    function _destroy(uint64 datasetId) internal returns (uint64 destroyedAt) {
        uint64 studyId = studyRegistry.getDataset(datasetId).studyId;
        if (studyRegistry.getStudy(studyId).status != StudyStatus.Closed) {
            vm.prank(oversight);
            studyRegistry.closeStudy(studyId, 1);
        }
        vm.prank(instituteAdmin);
        studyRegistry.attestDestruction(datasetId, keccak256("certificate"));
        destroyedAt = studyRegistry.getDataset(datasetId).destroyedAt;
    }

    /// @dev The calldata of oversight decision `decision` (approve, suspend, reinstate, close) on `studyId`.
    function _decision(uint256 decision, uint64 studyId) internal pure returns (bytes memory) {
        if (decision == 0) return abi.encodeCall(StudyRegistry.approveStudy, (studyId));
        if (decision == 1) return abi.encodeCall(StudyRegistry.suspendStudy, (studyId, 1));
        if (decision == 2) return abi.encodeCall(StudyRegistry.reinstateStudy, (studyId));
        return abi.encodeCall(StudyRegistry.closeStudy, (studyId, 1));
    }

    function _expectStatusChange(uint64 studyId, StudyStatus from, StudyStatus to, uint16 reasonCode) internal {
        vm.expectEmit(true, true, true, true, address(studyRegistry));
        emit IStudyRegistry.StudyStatusChanged(studyId, from, to, oversight, reasonCode);
    }

    /// @dev `caller`'s registration is refused with exactly `expected`, and no study is added.
    function _expectRegisterRefused(
        address caller,
        IStudyRegistry.StudyRegistration memory registration,
        bytes memory expected
    ) internal {
        uint64 count = studyRegistry.studyCount();
        vm.expectRevert(expected);
        vm.prank(caller);
        studyRegistry.registerStudy(registration);
        assertEq(studyRegistry.studyCount(), count, "no study added");
        assertEq(uint8(studyRegistry.getStudy(count + 1).status), uint8(StudyStatus.None), "nothing stored");
        assertEq(studyRegistry.getStudyDataUse(count + 1).length, 0, "no data use stored");
    }

    /// @dev `caller`'s publication is refused with exactly `expected`; no dataset, no legal exception counted.
    function _expectPublishRefused(
        address caller,
        IStudyRegistry.DatasetManifest memory manifest,
        bytes memory expected
    ) internal {
        uint64 count = studyRegistry.datasetCount();
        uint256 exceptions;
        for (uint256 b = 0; b <= uint256(type(LegalBasis).max); ++b) {
            exceptions += studyRegistry.legalExceptionCount(LegalBasis(b));
        }
        vm.expectRevert(expected);
        vm.prank(caller);
        studyRegistry.publishDataset(manifest);
        assertEq(studyRegistry.datasetCount(), count, "no dataset added");
        assertEq(studyRegistry.getDataset(count + 1).studyId, 0, "nothing stored");
        uint256 after_;
        for (uint256 b = 0; b <= uint256(type(LegalBasis).max); ++b) {
            after_ += studyRegistry.legalExceptionCount(LegalBasis(b));
        }
        assertEq(after_, exceptions, "no legal exception counted");
    }

    /// @dev `caller`'s grant to `target` is refused with exactly `expected`, and `target` gets no access.
    function _expectGrantRefused(address caller, uint64 datasetId, address target, bytes memory expected) internal {
        bool before = studyRegistry.canUseDataset(datasetId, target);
        vm.expectRevert(expected);
        vm.prank(caller);
        studyRegistry.grantDatasetAccess(datasetId, target);
        assertEq(studyRegistry.canUseDataset(datasetId, target), before, "access unchanged");
    }

    /// @dev `caller`'s log entry is refused with exactly `expected`; `canUseDataset` agrees with `usable`.
    function _expectLogRefused(
        address caller,
        uint64 datasetId,
        bytes32 accessRef,
        bytes memory expected,
        bool usable
    ) internal {
        assertEq(studyRegistry.canUseDataset(datasetId, caller), usable, "canUseDataset agrees");
        vm.expectRevert(expected);
        vm.prank(caller);
        studyRegistry.logDatasetAccess(datasetId, accessRef);
    }

    /// @dev RequesterClasses.isAllowedFor, restated as the table of docs/research.md: per MemberKind, the
    /// RequesterClass bits it may act as (Academic 0, NonProfit 1, Government 2, Hospital 3, Insurer 4,
    /// Commercial 5).
    function _allowedTable(MemberKind kind, RequesterClass requesterClass) internal pure returns (bool) {
        uint8[6] memory allowedClasses = [
            uint8(0x09), // Hospital: Academic, Hospital
            0x08, // Clinic: Hospital
            0x10, // Insurer: Insurer
            0x03, // ResearchInstitute: Academic, NonProfit
            0x04, // Regulator: Government
            0x20 // Company: Commercial
        ];
        return allowedClasses[uint8(kind)] & (uint8(1) << uint8(requesterClass)) != 0;
    }

    /// @dev The refusal of a list that breaks a rule: the count first, then the first unknown, repeated or
    /// second-permission code in list order, then the missing permission.
    function _expectedDataUseError(uint32[] memory codes) internal pure returns (bytes memory) {
        if (codes.length > 16) {
            return
                abi.encodeWithSelector(
                    IStudyRegistry.StudyRegistryTooManyDataUseCodes.selector,
                    codes.length,
                    uint256(16)
                );
        }
        uint32 permission;
        for (uint256 i = 0; i < codes.length; ++i) {
            bool isPermission = DataUse.isPermission(codes[i]);
            if (!isPermission && !DataUse.isModifier(codes[i])) {
                return abi.encodeWithSelector(IStudyRegistry.StudyRegistryUnknownDataUseCode.selector, codes[i]);
            }
            for (uint256 j = 0; j < i; ++j) {
                if (codes[j] == codes[i]) {
                    return abi.encodeWithSelector(IStudyRegistry.StudyRegistryDuplicateDataUseCode.selector, codes[i]);
                }
            }
            if (isPermission) {
                if (permission != 0) {
                    return
                        abi.encodeWithSelector(
                            IStudyRegistry.StudyRegistryTwoDataUsePermissions.selector,
                            permission,
                            codes[i]
                        );
                }
                permission = codes[i];
            }
        }
        return abi.encodeWithSelector(IStudyRegistry.StudyRegistryNoDataUsePermission.selector);
    }

    /// @dev Every DUO modifier id, as the published ontology lists them under DUO:0000017.
    function _allModifiers() internal pure returns (uint32[] memory modifiers) {
        uint32[18] memory ids = [uint32(12), 15, 16, 18, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 43, 44, 45, 46];
        modifiers = new uint32[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            assertTrue(DataUse.isModifier(ids[i]), "a modifier");
            modifiers[i] = ids[i];
        }
    }

    /// @dev The fuzz pool: the 5 permissions, the 18 modifiers and 5 unknown ids (the two ontology roots among them).
    function _codePool() internal pure returns (uint32[] memory pool) {
        uint32[] memory modifiers = _allModifiers();
        pool = new uint32[](28);
        pool[0] = DataUse.NRES;
        pool[1] = DataUse.GRU;
        pool[2] = DataUse.HMB;
        pool[3] = DataUse.DS;
        pool[4] = DataUse.POA;
        for (uint256 i = 0; i < modifiers.length; ++i) pool[5 + i] = modifiers[i];
        pool[23] = 1; // DUO:0000001, the permission root
        pool[24] = 17; // DUO:0000017, the modifier root
        pool[25] = 0;
        pool[26] = 23;
        pool[27] = 47;
    }

    function _codes3(uint32 a, uint32 b, uint32 c) internal pure returns (uint32[] memory codes) {
        codes = new uint32[](3);
        codes[0] = a;
        codes[1] = b;
        codes[2] = c;
    }

    function _codes4(uint32 a, uint32 b, uint32 c, uint32 d) internal pure returns (uint32[] memory codes) {
        codes = new uint32[](4);
        codes[0] = a;
        codes[1] = b;
        codes[2] = c;
        codes[3] = d;
    }

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
