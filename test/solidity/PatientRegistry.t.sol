// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

import {MemberRegistry} from "../../contracts/governance/MemberRegistry.sol";
import {PatientRegistry} from "../../contracts/identity/PatientRegistry.sol";
import {IMemberRegistry} from "../../contracts/interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {ConsortiumRoles} from "../../contracts/types/ConsortiumRoles.sol";
import {Duty, MemberKind, MemberStatus} from "../../contracts/types/MemberCodes.sol";
import {
    AccountChangeKind,
    DeactivationReason,
    DelegateScopes,
    PatientStatus
} from "../../contracts/types/PatientCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice Proves PatientRegistry's guarantees for arbitrary inputs: an identity commitment registers once,
/// a registrar's recovery runs only after the recovery delay and never once cancelled, the delay stays within
/// its bounds, delegates act only within their scope and before expiry, errors raised by MemberRegistry reach
/// the caller unchanged, and both registries keep their state at the ERC-7201 slots the formula gives.
contract PatientRegistryTest is MedchainTestBase {
    bytes32 internal constant COMMITMENT = keccak256("medchain test person 1");
    bytes32 internal constant OTHER_COMMITMENT = keccak256("medchain test person 2");

    address internal patient;
    address internal otherPatient;
    address internal newAccount;
    address internal delegate;

    function setUp() public override {
        super.setUp();
        patient = makeAddr("patient");
        otherPatient = makeAddr("otherPatient");
        newAccount = makeAddr("newAccount");
        delegate = makeAddr("delegate");
    }

    // ------------------------------------------------------------------------------------------------------
    // Deployment and wiring
    // ------------------------------------------------------------------------------------------------------

    function test_setUp_wiresRolesAsIgnitionDoes() public view {
        bytes4[] memory membership = membershipSelectors();
        for (uint256 i = 0; i < membership.length; ++i) {
            assertEq(
                uint256(authority.getTargetFunctionRole(address(memberRegistry), membership[i])),
                ConsortiumRoles.MEMBERSHIP_ROLE,
                "membership selector role"
            );
        }
        bytes4[] memory guardianOnly = guardianSelectors();
        for (uint256 i = 0; i < guardianOnly.length; ++i) {
            assertEq(
                uint256(authority.getTargetFunctionRole(address(memberRegistry), guardianOnly[i])),
                ConsortiumRoles.GUARDIAN_ROLE,
                "guardian selector role"
            );
        }
        assertEq(
            uint256(
                authority.getTargetFunctionRole(address(patientRegistry), PatientRegistry.setRecoveryDelay.selector)
            ),
            ConsortiumRoles.ADMIN_ROLE,
            "setRecoveryDelay stays with the admin"
        );
        assertEq(
            uint256(
                authority.getTargetFunctionRole(
                    address(memberRegistry),
                    bytes4(keccak256("upgradeToAndCall(address,bytes)"))
                )
            ),
            ConsortiumRoles.ADMIN_ROLE,
            "upgrades stay with the admin"
        );
        assertEq(
            uint256(authority.getRoleGuardian(ConsortiumRoles.MEMBERSHIP_ROLE)),
            ConsortiumRoles.GUARDIAN_ROLE,
            "membership role guardian"
        );
        (bool isCouncil, ) = authority.hasRole(ConsortiumRoles.MEMBERSHIP_ROLE, council);
        (bool isGuardian, ) = authority.hasRole(ConsortiumRoles.GUARDIAN_ROLE, guardian);
        (bool isAdmin, ) = authority.hasRole(ConsortiumRoles.ADMIN_ROLE, address(this));
        assertTrue(isCouncil && isGuardian && isAdmin, "roles granted");
        assertEq(patientRegistry.authority(), address(authority), "patient registry authority");
        assertEq(address(patientRegistry.memberRegistry()), address(memberRegistry), "member registry proxy");
        assertEq(uint256(patientRegistry.recoveryDelay()), RECOVERY_DELAY, "initial recovery delay");
        assertEq(uint256(memberRegistry.memberCount()), 3, "three members");
        assertTrue(memberRegistry.hasDuty(registrar, Duty.Registrar), "hospital registrar");
        assertTrue(memberRegistry.hasDuty(clinicRegistrar, Duty.Registrar), "clinic registrar");
        assertTrue(memberRegistry.hasDuty(insurerRegistrar, Duty.Registrar), "insurer registrar");
        assertTrue(memberRegistry.hasDuty(clinician, Duty.Clinician), "clinician");
        assertTrue(memberRegistry.hasDuty(orgAdmin, Duty.OrgAdmin), "org admin");
    }

    function test_initialize_revertsOnTheImplementation() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        patientRegistryImplementation.initialize(address(authority), RECOVERY_DELAY);
    }

    function test_initialize_revertsOnTheProxyTwice() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        patientRegistry.initialize(address(authority), RECOVERY_DELAY);
    }

    // ------------------------------------------------------------------------------------------------------
    // registerPatient
    // ------------------------------------------------------------------------------------------------------

    function test_registerPatient_storesPatientAndEmits() public {
        vm.expectEmit(true, true, true, true, address(patientRegistry));
        emit IPatientRegistry.PatientRegistered(1, patient, COMMITMENT, hospitalId);
        uint64 patientId = registerAsHospital(patient, COMMITMENT);

        assertEq(uint256(patientId), 1, "first id");
        IPatientRegistry.Patient memory stored = patientRegistry.getPatient(patientId);
        assertEq(stored.account, patient, "account");
        assertEq(uint256(stored.status), uint256(PatientStatus.Active), "status");
        assertEq(uint256(stored.registeredBy), hospitalId, "registered by");
        assertEq(uint256(stored.registeredAt), block.timestamp, "registered at");
        assertEq(uint256(patientRegistry.patientIdOf(patient)), 1, "patientIdOf");
        assertEq(uint256(patientRegistry.patientIdByCommitment(COMMITMENT)), 1, "patientIdByCommitment");
        assertEq(uint256(patientRegistry.patientCount()), 1, "patientCount");
    }

    function testFuzz_registerPatient_commitmentIsUnique(bytes32 commitment, address first, address second) public {
        vm.assume(commitment != bytes32(0));
        vm.assume(first != address(0) && second != address(0) && first != second);

        uint64 patientId = registerAsHospital(first, commitment);

        // Another registrar, another organisation, another account: the same person is still refused.
        vm.expectRevert(
            abi.encodeWithSelector(
                IPatientRegistry.PatientRegistryCommitmentAlreadyRegistered.selector,
                commitment,
                patientId
            )
        );
        vm.prank(clinicRegistrar);
        patientRegistry.registerPatient(second, commitment);

        assertEq(uint256(patientRegistry.patientCount()), 1, "patientCount unchanged");
        assertEq(uint256(patientRegistry.patientIdOf(second)), 0, "second account not bound");
        assertEq(uint256(patientRegistry.patientIdOf(first)), patientId, "first account still bound");
        assertEq(uint256(patientRegistry.patientIdByCommitment(commitment)), patientId, "commitment still maps");
    }

    function testFuzz_registerPatient_distinctCommitmentsGetDistinctIds(bytes32 a, bytes32 b) public {
        vm.assume(a != bytes32(0) && b != bytes32(0) && a != b);

        uint64 idA = registerAsHospital(patient, a);
        vm.prank(clinicRegistrar);
        uint64 idB = patientRegistry.registerPatient(otherPatient, b);

        assertEq(uint256(idA), 1, "first id");
        assertEq(uint256(idB), 2, "second id");
        assertEq(uint256(patientRegistry.patientIdByCommitment(a)), idA, "a maps to its id");
        assertEq(uint256(patientRegistry.patientIdByCommitment(b)), idB, "b maps to its id");
        assertEq(uint256(patientRegistry.patientIdOf(patient)), idA, "first account");
        assertEq(uint256(patientRegistry.patientIdOf(otherPatient)), idB, "second account");
        assertEq(uint256(patientRegistry.getPatient(idB).registeredBy), clinicId, "clinic registered b");
        assertEq(uint256(patientRegistry.patientCount()), 2, "patientCount");
    }

    function test_registerPatient_revertsForZeroCommitment() public {
        vm.expectRevert(abi.encodeWithSelector(IPatientRegistry.PatientRegistryZeroCommitment.selector));
        vm.prank(registrar);
        patientRegistry.registerPatient(patient, bytes32(0));
    }

    function test_registerPatient_revertsForZeroAccount() public {
        vm.expectRevert(abi.encodeWithSelector(IPatientRegistry.PatientRegistryInvalidAccount.selector, address(0)));
        vm.prank(registrar);
        patientRegistry.registerPatient(address(0), COMMITMENT);
    }

    function test_registerPatient_revertsForAccountInUse() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        vm.expectRevert(
            abi.encodeWithSelector(IPatientRegistry.PatientRegistryAccountInUse.selector, patient, patientId)
        );
        vm.prank(registrar);
        patientRegistry.registerPatient(patient, OTHER_COMMITMENT);
    }

    function test_registerPatient_revertsForInsurerRegistrar() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPatientRegistry.PatientRegistryRegistrarNotCareProvider.selector,
                insurerId,
                MemberKind.Insurer
            )
        );
        vm.prank(insurerRegistrar);
        patientRegistry.registerPatient(patient, COMMITMENT);
    }

    function test_registerPatient_bubblesMemberRegistryMissingDuty() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMissingDuty.selector,
                clinician,
                hospitalId,
                Duty.Registrar
            )
        );
        vm.prank(clinician);
        patientRegistry.registerPatient(patient, COMMITMENT);
    }

    function test_registerPatient_bubblesMemberRegistryUnknownOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger));
        vm.prank(stranger);
        patientRegistry.registerPatient(patient, COMMITMENT);
    }

    function test_registerPatient_bubblesMemberRegistryMemberNotActive() public {
        vm.prank(guardian);
        memberRegistry.suspendMember(hospitalId, 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMemberNotActive.selector,
                hospitalId,
                MemberStatus.Suspended
            )
        );
        vm.prank(registrar);
        patientRegistry.registerPatient(patient, COMMITMENT);
    }

    // ------------------------------------------------------------------------------------------------------
    // Recovery
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_executeRecovery_waitsForDelay(uint256 waited) public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        uint256 start = block.timestamp;
        vm.prank(registrar);
        uint64 executableAt = patientRegistry.initiateRecovery(patientId, newAccount);
        assertEq(uint256(executableAt), start + RECOVERY_DELAY, "executableAt");

        waited = bound(waited, 0, 2 * uint256(RECOVERY_DELAY));
        vm.warp(start + waited);

        if (block.timestamp < executableAt) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPatientRegistry.PatientRegistryRecoveryNotReady.selector,
                    patientId,
                    executableAt
                )
            );
            vm.prank(stranger);
            patientRegistry.executeRecovery(patientId);

            assertEq(patientRegistry.getPatient(patientId).account, patient, "account unchanged");
            assertEq(uint256(patientRegistry.patientIdOf(patient)), patientId, "old account still bound");
            assertEq(uint256(patientRegistry.patientIdOf(newAccount)), 0, "new account not bound");
            assertEq(patientRegistry.getRecovery(patientId).newAccount, newAccount, "recovery still pending");
        } else {
            vm.expectEmit(true, true, true, true, address(patientRegistry));
            emit IPatientRegistry.PatientAccountChanged(patientId, patient, newAccount, AccountChangeKind.Recovery);
            vm.prank(stranger); // anyone may execute a recovery that is due
            patientRegistry.executeRecovery(patientId);

            assertEq(patientRegistry.getPatient(patientId).account, newAccount, "account recovered");
            assertEq(uint256(patientRegistry.patientIdOf(newAccount)), patientId, "new account bound");
            assertEq(uint256(patientRegistry.patientIdOf(patient)), 0, "old account released");
            assertEq(patientRegistry.getRecovery(patientId).newAccount, address(0), "recovery consumed");
        }
    }

    function test_executeRecovery_runsExactlyAtExecutableAt() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        vm.prank(registrar);
        uint64 executableAt = patientRegistry.initiateRecovery(patientId, newAccount);

        vm.warp(executableAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IPatientRegistry.PatientRegistryRecoveryNotReady.selector, patientId, executableAt)
        );
        patientRegistry.executeRecovery(patientId);

        vm.warp(executableAt);
        patientRegistry.executeRecovery(patientId);
        assertEq(uint256(patientRegistry.patientIdOf(newAccount)), patientId, "recovered at executableAt");
    }

    function testFuzz_cancelledRecoveryNeverExecutes(uint256 waited) public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        uint256 start = block.timestamp;
        vm.prank(clinicRegistrar);
        patientRegistry.initiateRecovery(patientId, newAccount);

        vm.expectEmit(true, true, true, true, address(patientRegistry));
        emit IPatientRegistry.RecoveryCancelled(patientId, newAccount, patient);
        vm.prank(patient);
        patientRegistry.cancelRecovery(patientId);

        waited = bound(waited, 0, 10 * 365 days);
        vm.warp(start + waited);
        vm.expectRevert(abi.encodeWithSelector(IPatientRegistry.PatientRegistryNoPendingRecovery.selector, patientId));
        vm.prank(newAccount);
        patientRegistry.executeRecovery(patientId);

        assertEq(patientRegistry.getPatient(patientId).account, patient, "account unchanged");
        assertEq(uint256(patientRegistry.patientIdOf(newAccount)), 0, "new account not bound");
    }

    function test_cancelRecovery_revertsForAnyoneButThePatient() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        vm.prank(registrar);
        patientRegistry.initiateRecovery(patientId, newAccount);

        vm.expectRevert(
            abi.encodeWithSelector(IPatientRegistry.PatientRegistryUnauthorizedCaller.selector, patientId, newAccount)
        );
        vm.prank(newAccount);
        patientRegistry.cancelRecovery(patientId);
    }

    function test_rotateAccount_cancelsPendingRecovery() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        vm.prank(registrar);
        patientRegistry.initiateRecovery(patientId, newAccount);

        vm.prank(patient);
        patientRegistry.rotateAccount(otherPatient);
        assertEq(patientRegistry.getRecovery(patientId).newAccount, address(0), "recovery cancelled by rotation");

        vm.warp(block.timestamp + RECOVERY_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IPatientRegistry.PatientRegistryNoPendingRecovery.selector, patientId));
        patientRegistry.executeRecovery(patientId);
        assertEq(uint256(patientRegistry.patientIdOf(otherPatient)), patientId, "rotated account stays");
    }

    function test_deactivatePatient_cancelsRecoveryForGood() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        vm.prank(registrar);
        patientRegistry.initiateRecovery(patientId, newAccount);

        vm.prank(clinicRegistrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        IPatientRegistry.Patient memory stored = patientRegistry.getPatient(patientId);
        assertEq(uint256(stored.status), uint256(PatientStatus.Deactivated), "deactivated");
        assertEq(uint256(stored.deactivationReason), uint256(DeactivationReason.Withdrawn), "reason");
        assertEq(patientRegistry.getRecovery(patientId).newAccount, address(0), "recovery cancelled");

        vm.warp(block.timestamp + RECOVERY_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IPatientRegistry.PatientRegistryPatientDeactivated.selector, patientId));
        patientRegistry.executeRecovery(patientId);

        // The identity stays taken.
        vm.expectRevert(
            abi.encodeWithSelector(
                IPatientRegistry.PatientRegistryCommitmentAlreadyRegistered.selector,
                COMMITMENT,
                patientId
            )
        );
        vm.prank(registrar);
        patientRegistry.registerPatient(newAccount, COMMITMENT);
    }

    // ------------------------------------------------------------------------------------------------------
    // setRecoveryDelay
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_setRecoveryDelay_bounds(uint64 delay) public {
        uint64 minDelay = patientRegistry.MIN_RECOVERY_DELAY();
        uint64 maxDelay = patientRegistry.MAX_RECOVERY_DELAY();

        _checkSetRecoveryDelay(delay, minDelay, maxDelay);
        // A raw uint64 almost never lands in [1 hour, 30 days]: also try one value inside and one outside.
        _checkSetRecoveryDelay(uint64(bound(delay, minDelay, maxDelay)), minDelay, maxDelay);
        uint64 outside =
            delay % 2 == 0
                ? uint64(bound(delay, 0, minDelay - 1))
                : uint64(bound(delay, uint256(maxDelay) + 1, type(uint64).max));
        _checkSetRecoveryDelay(outside, minDelay, maxDelay);
    }

    function _checkSetRecoveryDelay(uint64 delay, uint64 minDelay, uint64 maxDelay) private {
        uint64 before = patientRegistry.recoveryDelay();
        if (delay >= minDelay && delay <= maxDelay) {
            vm.expectEmit(true, true, true, true, address(patientRegistry));
            emit IPatientRegistry.RecoveryDelayChanged(before, delay);
            patientRegistry.setRecoveryDelay(delay);
            assertEq(uint256(patientRegistry.recoveryDelay()), delay, "delay set");
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPatientRegistry.PatientRegistryRecoveryDelayOutOfRange.selector,
                    delay,
                    minDelay,
                    maxDelay
                )
            );
            patientRegistry.setRecoveryDelay(delay);
            assertEq(uint256(patientRegistry.recoveryDelay()), before, "delay unchanged");
        }
    }

    function test_setRecoveryDelay_revertsForNonAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, council));
        vm.prank(council);
        patientRegistry.setRecoveryDelay(1 days);
    }

    function test_setRecoveryDelay_appliesToTheNextRecovery() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        patientRegistry.setRecoveryDelay(1 hours);
        vm.prank(registrar);
        uint64 executableAt = patientRegistry.initiateRecovery(patientId, newAccount);
        assertEq(uint256(executableAt), block.timestamp + 1 hours, "new delay used");
    }

    // ------------------------------------------------------------------------------------------------------
    // Delegates
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_canActFor_respectsScopeAndExpiry(
        uint16 scope,
        uint16 asked,
        uint64 expiresIn,
        uint64 later
    ) public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        uint256 start = block.timestamp;

        if (!DelegateScopes.isValid(scope)) {
            vm.expectRevert(
                abi.encodeWithSelector(IPatientRegistry.PatientRegistryInvalidDelegateScope.selector, scope)
            );
            vm.prank(patient);
            patientRegistry.appointDelegate(patientId, delegate, scope, uint64(start + 1));
            scope = uint16(bound(scope, 1, DelegateScopes.ALL));
        }
        uint256 lifetime = bound(expiresIn, 1, 365 days);
        uint64 expiresAt = uint64(start + lifetime);
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, delegate, scope, expiresAt);

        vm.warp(start + bound(later, 0, 2 * lifetime));
        bool live = block.timestamp < expiresAt;

        assertEq(
            patientRegistry.canActFor(patientId, delegate, asked),
            asked != 0 && asked & scope == asked && live,
            "delegate, arbitrary scope"
        );
        uint16 within = asked & scope;
        assertEq(patientRegistry.canActFor(patientId, delegate, within), within != 0 && live, "delegate, within scope");
        assertEq(patientRegistry.canActFor(patientId, delegate, scope), live, "delegate, whole scope");
        assertEq(
            patientRegistry.canActFor(patientId, patient, asked),
            DelegateScopes.isValid(asked),
            "the patient may within any defined scope"
        );
        assertEq(patientRegistry.canActFor(patientId, stranger, asked), false, "a stranger never may");
        assertEq(patientRegistry.canActFor(patientId, address(0), asked), false, "the zero address never may");

        // Deactivation ends every power.
        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Deceased);
        assertEq(patientRegistry.canActFor(patientId, patient, asked), false, "deactivated: patient");
        assertEq(patientRegistry.canActFor(patientId, delegate, within), false, "deactivated: delegate");
    }

    function test_appointDelegate_revertsForExpiryInPast() public {
        uint64 patientId = registerAsHospital(patient, COMMITMENT);
        uint64 now64 = uint64(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(IPatientRegistry.PatientRegistryDelegateExpiryInPast.selector, now64, now64)
        );
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.CONSENT, now64);
    }

    // ------------------------------------------------------------------------------------------------------
    // ERC-7201 storage locations
    // ------------------------------------------------------------------------------------------------------

    function test_storageLocation_patientRegistryIsTheErc7201Slot() public {
        bytes32 slot = _erc7201("medchain.storage.PatientRegistry");
        assertEq(slot, 0x97b936a3e687a40362a2a27ab776a60ce311ac93f6d87ca9d96ed4c0f339de00, "documented constant");

        uint256 word = uint256(vm.load(address(patientRegistry), slot));
        assertEq(word & type(uint64).max, 0, "no patients yet");
        assertEq((word >> 64) & type(uint64).max, RECOVERY_DELAY, "initial delay in the next 64 bits");

        registerAsHospital(patient, COMMITMENT);
        vm.prank(clinicRegistrar);
        patientRegistry.registerPatient(otherPatient, OTHER_COMMITMENT);
        patientRegistry.setRecoveryDelay(5 hours);

        word = uint256(vm.load(address(patientRegistry), slot));
        assertEq(word & type(uint64).max, 2, "patientCount in the low 64 bits");
        assertEq((word >> 64) & type(uint64).max, 5 hours, "recoveryDelay in the next 64 bits");
        assertEq(word >> 128, 0, "nothing else in the slot");
    }

    function test_storageLocation_patientRegistryMappingsFollowTheNamespace() public {
        bytes32 slot = _erc7201("medchain.storage.PatientRegistry");
        uint64 patientId = registerAsHospital(patient, COMMITMENT);

        // patients: namespace + 1. Patient packs account (160 bits), status (8), reason (8), registeredBy (32).
        bytes32 patientSlot = keccak256(abi.encode(uint256(patientId), uint256(slot) + 1));
        uint256 packed = uint256(vm.load(address(patientRegistry), patientSlot));
        assertEq(address(uint160(packed)), patient, "patients[id].account");
        assertEq((packed >> 160) & 0xff, uint256(PatientStatus.Active), "patients[id].status");
        assertEq((packed >> 176) & type(uint32).max, hospitalId, "patients[id].registeredBy");

        // patientIdOf: namespace + 2; patientIdByCommitment: namespace + 3.
        bytes32 idOfSlot = keccak256(abi.encode(patient, uint256(slot) + 2));
        assertEq(uint256(vm.load(address(patientRegistry), idOfSlot)), patientId, "patientIdOf[account]");
        bytes32 byCommitmentSlot = keccak256(abi.encode(COMMITMENT, uint256(slot) + 3));
        assertEq(uint256(vm.load(address(patientRegistry), byCommitmentSlot)), patientId, "patientIdByCommitment");
    }

    function test_storageLocation_memberRegistryIsTheErc7201Slot() public {
        bytes32 slot = _erc7201("medchain.storage.MemberRegistry");
        assertEq(slot, 0xfb659d694f291357da6ced429f94752f1b0128063f79371f5a8d7346e1d37300, "documented constant");

        uint256 word = uint256(vm.load(address(memberRegistry), slot));
        assertEq(word & type(uint32).max, 3, "memberCount in the low 32 bits");
        assertEq(word >> 32, 0, "nothing else in the slot");

        vm.prank(council);
        memberRegistry.addMember(MemberKind.Regulator, keccak256("regulator profile"));
        word = uint256(vm.load(address(memberRegistry), slot));
        assertEq(word & type(uint32).max, 4, "memberCount after a fourth member");

        // operators: namespace + 2. Operator packs memberId (32 bits), duties (16), addedAt (64).
        bytes32 operatorSlot = keccak256(abi.encode(clinicRegistrar, uint256(slot) + 2));
        uint256 packed = uint256(vm.load(address(memberRegistry), operatorSlot));
        assertEq(packed & type(uint32).max, clinicId, "operators[clinicRegistrar].memberId");
        assertEq((packed >> 32) & type(uint16).max, uint256(1) << uint8(Duty.Registrar), "operators[...].duties");
    }

    function test_storageLocation_implementationsHoldNoState() public view {
        bytes32 patientSlot = _erc7201("medchain.storage.PatientRegistry");
        bytes32 memberSlot = _erc7201("medchain.storage.MemberRegistry");
        assertEq(vm.load(address(patientRegistryImplementation), patientSlot), bytes32(0), "patient implementation");
        assertEq(vm.load(address(memberRegistryImplementation), memberSlot), bytes32(0), "member implementation");
    }

    function _erc7201(string memory namespace) private pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
