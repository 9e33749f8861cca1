// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

import {ClaimRegistry} from "../../../contracts/claims/ClaimRegistry.sol";
import {ConsentRegistry} from "../../../contracts/consent/ConsentRegistry.sol";
import {ConsortiumAuthority} from "../../../contracts/governance/ConsortiumAuthority.sol";
import {MemberRegistry} from "../../../contracts/governance/MemberRegistry.sol";
import {PatientRegistry} from "../../../contracts/identity/PatientRegistry.sol";
import {IConsentRegistry} from "../../../contracts/interfaces/IConsentRegistry.sol";
import {IMemberRegistry} from "../../../contracts/interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../../../contracts/interfaces/IPatientRegistry.sol";
import {IRecordRegistry} from "../../../contracts/interfaces/IRecordRegistry.sol";
import {IResearchOptOutRegistry} from "../../../contracts/interfaces/IResearchOptOutRegistry.sol";
import {RecordRegistry} from "../../../contracts/records/RecordRegistry.sol";
import {ResearchOptOutRegistry} from "../../../contracts/research/ResearchOptOutRegistry.sol";
import {ConsortiumRoles} from "../../../contracts/types/ConsortiumRoles.sol";
import {Duties, Duty, MemberKind} from "../../../contracts/types/MemberCodes.sol";
import {Test} from "./Vm.sol";

/// @notice The medchain system as the Ignition modules deploy it, built in Solidity: the consortium
/// authority (admin: the test contract), MemberRegistry, PatientRegistry, ResearchOptOutRegistry,
/// ConsentRegistry, RecordRegistry and ClaimRegistry behind ERC-1967 proxies, the role selectors wired as in
/// `ignition/modules/Governance.ts` and `ignition/modules/Consent.ts` (`ignition/modules/OptOut.ts`,
/// `ignition/modules/Records.ts` and `ignition/modules/Claims.ts` wire none: upgrades stay with the admin),
/// three member organisations and their operators.
abstract contract MedchainTestBase is Test {
    /// @notice The recovery delay Ignition deploys with (`DEFAULT_RECOVERY_DELAY_SECONDS`).
    uint64 internal constant RECOVERY_DELAY = 3 days;
    /// @notice The emergency-access duration Ignition deploys with (`DEFAULT_BREAK_GLASS_DURATION_SECONDS`).
    uint64 internal constant BREAK_GLASS_DURATION = 4 hours;

    ConsortiumAuthority internal authority;
    MemberRegistry internal memberRegistryImplementation;
    MemberRegistry internal memberRegistry;
    PatientRegistry internal patientRegistryImplementation;
    PatientRegistry internal patientRegistry;
    ResearchOptOutRegistry internal researchOptOutRegistryImplementation;
    ResearchOptOutRegistry internal researchOptOutRegistry;
    ConsentRegistry internal consentRegistryImplementation;
    ConsentRegistry internal consentRegistry;
    RecordRegistry internal recordRegistryImplementation;
    RecordRegistry internal recordRegistry;
    ClaimRegistry internal claimRegistryImplementation;
    ClaimRegistry internal claimRegistry;

    /// @notice Holds MEMBERSHIP_ROLE (no execution delay).
    address internal council;
    /// @notice Holds GUARDIAN_ROLE (no execution delay).
    address internal guardian;
    /// @notice `OrgAdmin` of the hospital.
    address internal orgAdmin;
    /// @notice `Registrar` of the hospital.
    address internal registrar;
    /// @notice `Registrar` of the clinic.
    address internal clinicRegistrar;
    /// @notice `Registrar` of the insurer (an operator that may not register patients).
    address internal insurerRegistrar;
    /// @notice `Clinician` of the hospital.
    address internal clinician;
    /// @notice `DataSteward` of the hospital (anchors the hospital's records).
    address internal dataSteward;
    /// @notice `DataSteward` of the clinic.
    address internal clinicDataSteward;
    /// @notice `DataSteward` of the insurer (an operator with the duty that may not anchor records).
    address internal insurerDataSteward;
    /// @notice `ClaimsOfficer` of the hospital (submits the hospital's claims as their provider).
    address internal hospitalClaimsOfficer;
    /// @notice `ClaimsOfficer` of the clinic (submits the clinic's claims as their provider).
    address internal clinicClaimsOfficer;
    /// @notice `ClaimsOfficer` of the insurer (adjudicates and pays the claims sent to it; may not submit).
    address internal insurerClaimsOfficer;
    /// @notice Neither an operator nor a patient.
    address internal stranger;

    uint32 internal hospitalId;
    uint32 internal clinicId;
    uint32 internal insurerId;

    function setUp() public virtual {
        council = makeAddr("council");
        guardian = makeAddr("guardian");
        orgAdmin = makeAddr("orgAdmin");
        registrar = makeAddr("registrar");
        clinicRegistrar = makeAddr("clinicRegistrar");
        insurerRegistrar = makeAddr("insurerRegistrar");
        clinician = makeAddr("clinician");
        dataSteward = makeAddr("dataSteward");
        clinicDataSteward = makeAddr("clinicDataSteward");
        insurerDataSteward = makeAddr("insurerDataSteward");
        hospitalClaimsOfficer = makeAddr("hospitalClaimsOfficer");
        clinicClaimsOfficer = makeAddr("clinicClaimsOfficer");
        insurerClaimsOfficer = makeAddr("insurerClaimsOfficer");
        stranger = makeAddr("stranger");

        // Governance module: authority, MemberRegistry proxy.
        authority = new ConsortiumAuthority(address(this));
        memberRegistryImplementation = new MemberRegistry();
        memberRegistry = MemberRegistry(
            address(
                new ERC1967Proxy(
                    address(memberRegistryImplementation),
                    abi.encodeCall(MemberRegistry.initialize, (address(authority)))
                )
            )
        );
        vm.label(address(authority), "ConsortiumAuthority");
        vm.label(address(memberRegistry), "MemberRegistry");

        // Identity module: PatientRegistry proxy over the member registry proxy.
        patientRegistryImplementation = new PatientRegistry(IMemberRegistry(address(memberRegistry)));
        patientRegistry = PatientRegistry(
            address(
                new ERC1967Proxy(
                    address(patientRegistryImplementation),
                    abi.encodeCall(PatientRegistry.initialize, (address(authority), RECOVERY_DELAY))
                )
            )
        );
        vm.label(address(patientRegistry), "PatientRegistry");

        // OptOut module: ResearchOptOutRegistry proxy over the patient registry proxy.
        researchOptOutRegistryImplementation = new ResearchOptOutRegistry(IPatientRegistry(address(patientRegistry)));
        researchOptOutRegistry = ResearchOptOutRegistry(
            address(
                new ERC1967Proxy(
                    address(researchOptOutRegistryImplementation),
                    abi.encodeCall(ResearchOptOutRegistry.initialize, (address(authority)))
                )
            )
        );
        vm.label(address(researchOptOutRegistry), "ResearchOptOutRegistry");

        // Consent module: ConsentRegistry proxy over the member, patient and opt-out registry proxies.
        consentRegistryImplementation = new ConsentRegistry(
            IMemberRegistry(address(memberRegistry)),
            IPatientRegistry(address(patientRegistry)),
            IResearchOptOutRegistry(address(researchOptOutRegistry))
        );
        consentRegistry = ConsentRegistry(
            address(
                new ERC1967Proxy(
                    address(consentRegistryImplementation),
                    abi.encodeCall(ConsentRegistry.initialize, (address(authority), BREAK_GLASS_DURATION))
                )
            )
        );
        vm.label(address(consentRegistry), "ConsentRegistry");

        // Records module: RecordRegistry proxy over the member registry proxy.
        recordRegistryImplementation = new RecordRegistry(IMemberRegistry(address(memberRegistry)));
        recordRegistry = RecordRegistry(
            address(
                new ERC1967Proxy(
                    address(recordRegistryImplementation),
                    abi.encodeCall(RecordRegistry.initialize, (address(authority)))
                )
            )
        );
        vm.label(address(recordRegistry), "RecordRegistry");

        // Claims module: ClaimRegistry proxy over the member, patient, consent and record registry proxies.
        claimRegistryImplementation = new ClaimRegistry(
            IMemberRegistry(address(memberRegistry)),
            IPatientRegistry(address(patientRegistry)),
            IConsentRegistry(address(consentRegistry)),
            IRecordRegistry(address(recordRegistry))
        );
        claimRegistry = ClaimRegistry(
            address(
                new ERC1967Proxy(
                    address(claimRegistryImplementation),
                    abi.encodeCall(ClaimRegistry.initialize, (address(authority)))
                )
            )
        );
        vm.label(address(claimRegistry), "ClaimRegistry");

        // Governance module: labels, selector roles, role guardian, grants.
        authority.labelRole(ConsortiumRoles.MEMBERSHIP_ROLE, "MEMBERSHIP");
        authority.labelRole(ConsortiumRoles.GUARDIAN_ROLE, "GUARDIAN");
        authority.setTargetFunctionRole(
            address(memberRegistry),
            membershipSelectors(),
            ConsortiumRoles.MEMBERSHIP_ROLE
        );
        authority.setTargetFunctionRole(address(memberRegistry), guardianSelectors(), ConsortiumRoles.GUARDIAN_ROLE);
        // Consent module: the guardian may take (or give back) an organisation's break-glass right at once.
        authority.setTargetFunctionRole(
            address(consentRegistry),
            consentGuardianSelectors(),
            ConsortiumRoles.GUARDIAN_ROLE
        );
        authority.setRoleGuardian(ConsortiumRoles.MEMBERSHIP_ROLE, ConsortiumRoles.GUARDIAN_ROLE);
        authority.grantRole(ConsortiumRoles.MEMBERSHIP_ROLE, council, 0);
        authority.grantRole(ConsortiumRoles.GUARDIAN_ROLE, guardian, 0);

        // Members and their first operators, admitted by the council.
        vm.startPrank(council);
        hospitalId = memberRegistry.addMember(MemberKind.Hospital, keccak256("hospital profile"));
        clinicId = memberRegistry.addMember(MemberKind.Clinic, keccak256("clinic profile"));
        insurerId = memberRegistry.addMember(MemberKind.Insurer, keccak256("insurer profile"));
        memberRegistry.addOperator(orgAdmin, hospitalId, Duties.bit(Duty.OrgAdmin));
        memberRegistry.addOperator(clinicRegistrar, clinicId, Duties.bit(Duty.Registrar));
        memberRegistry.addOperator(insurerRegistrar, insurerId, Duties.bit(Duty.Registrar));
        memberRegistry.addOperator(clinicDataSteward, clinicId, Duties.bit(Duty.DataSteward));
        memberRegistry.addOperator(insurerDataSteward, insurerId, Duties.bit(Duty.DataSteward));
        memberRegistry.addOperator(clinicClaimsOfficer, clinicId, Duties.bit(Duty.ClaimsOfficer));
        memberRegistry.addOperator(insurerClaimsOfficer, insurerId, Duties.bit(Duty.ClaimsOfficer));
        vm.stopPrank();

        // The hospital's own administrator adds the rest of its staff.
        vm.startPrank(orgAdmin);
        memberRegistry.addOperator(registrar, hospitalId, Duties.bit(Duty.Registrar));
        memberRegistry.addOperator(clinician, hospitalId, Duties.bit(Duty.Clinician));
        memberRegistry.addOperator(dataSteward, hospitalId, Duties.bit(Duty.DataSteward));
        memberRegistry.addOperator(hospitalClaimsOfficer, hospitalId, Duties.bit(Duty.ClaimsOfficer));
        vm.stopPrank();
    }

    /// @notice `MEMBERSHIP_SELECTORS` of `ignition/modules/roles.ts`.
    function membershipSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](5);
        selectors[0] = MemberRegistry.addMember.selector;
        selectors[1] = MemberRegistry.updateMemberMetadata.selector;
        selectors[2] = MemberRegistry.reinstateMember.selector;
        selectors[3] = MemberRegistry.removeMember.selector;
        selectors[4] = MemberRegistry.addOperator.selector;
    }

    /// @notice `GUARDIAN_SELECTORS` of `ignition/modules/roles.ts`.
    function guardianSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](2);
        selectors[0] = MemberRegistry.suspendMember.selector;
        selectors[1] = MemberRegistry.removeOperator.selector;
    }

    /// @notice `CONSENT_GUARDIAN_SELECTORS` of `ignition/modules/roles.ts`.
    function consentGuardianSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](1);
        selectors[0] = ConsentRegistry.setBreakGlassAllowed.selector;
    }

    /// @notice Registers `account` under `commitment` as the hospital's registrar.
    function registerAsHospital(address account, bytes32 commitment) internal returns (uint64 patientId) {
        vm.prank(registrar);
        patientId = patientRegistry.registerPatient(account, commitment);
    }
}
