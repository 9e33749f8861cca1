// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {PatientRegistry} from "../../contracts/identity/PatientRegistry.sol";
import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {DeactivationReason, PatientStatus} from "../../contracts/types/PatientCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";
import {CommonBase} from "./utils/Vm.sol";

/// @notice Drives PatientRegistry through random sequences of patient-lifecycle operations, each from the
/// account that may perform it, and records what it did (ghost state) for the invariants to check.
/// @dev Accounts and commitments come from small fixed sets so that sequences collide: the same person is
/// registered twice, a recovery targets an account another patient rotated to, and so on. Every operation
/// catches reverts, so a refused step does not end the sequence.
contract IdentityHandler is CommonBase {
    uint256 internal constant ACTOR_COUNT = 10;
    uint256 internal constant PERSON_COUNT = 12;

    PatientRegistry internal immutable registry;
    address[3] internal registrars; // hospital, clinic, insurer (the insurer's is always refused)
    address[] internal actors;
    address internal immutable relayer;

    // Ghost state: what the handler saw succeed.
    bytes32[] internal registeredCommitments;
    mapping(bytes32 commitment => uint64 patientId) public ghostPatientIdOfCommitment;
    uint64[] internal deactivatedIds;
    mapping(uint64 patientId => address account) public ghostAccountOf;

    // Call statistics, to see that sequences do more than revert.
    mapping(bytes32 operation => uint256) public calls;
    mapping(bytes32 operation => uint256) public successes;

    constructor(
        PatientRegistry registry_,
        address hospitalRegistrar,
        address clinicRegistrar,
        address insurerRegistrar
    ) {
        registry = registry_;
        registrars = [hospitalRegistrar, clinicRegistrar, insurerRegistrar];
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            actors.push(vm.addr(0xA11CE + i));
        }
        relayer = vm.addr(0xBEEF);
    }

    // --------------------------------------------------------------------------------------------------
    // Operations (the fuzzer's targets)
    // --------------------------------------------------------------------------------------------------

    function registerPatient(uint256 actorSeed, uint256 personSeed, uint256 registrarSeed) external {
        calls["register"]++;
        address account = _actor(actorSeed);
        bytes32 commitment = _person(personSeed);
        vm.prank(_registrar(registrarSeed));
        try registry.registerPatient(account, commitment) returns (uint64 patientId) {
            successes["register"]++;
            registeredCommitments.push(commitment);
            ghostPatientIdOfCommitment[commitment] = patientId;
            ghostAccountOf[patientId] = account;
        } catch {}
    }

    function rotateAccount(uint256 patientSeed, uint256 actorSeed) external {
        calls["rotate"]++;
        (bool found, uint64 patientId) = _patient(patientSeed);
        if (!found) return;
        address newAccount = _actor(actorSeed);
        vm.prank(registry.getPatient(patientId).account);
        try registry.rotateAccount(newAccount) {
            successes["rotate"]++;
            ghostAccountOf[patientId] = newAccount;
        } catch {}
    }

    function initiateRecovery(uint256 patientSeed, uint256 actorSeed, uint256 registrarSeed) external {
        calls["initiate"]++;
        (bool found, uint64 patientId) = _patient(patientSeed);
        if (!found) return;
        address newAccount = _actor(actorSeed);
        vm.prank(_registrar(registrarSeed));
        try registry.initiateRecovery(patientId, newAccount) {
            successes["initiate"]++;
        } catch {}
    }

    function cancelRecovery(uint256 patientSeed) external {
        calls["cancel"]++;
        (bool found, uint64 patientId) = _patient(patientSeed);
        if (!found) return;
        vm.prank(registry.getPatient(patientId).account);
        try registry.cancelRecovery(patientId) {
            successes["cancel"]++;
        } catch {}
    }

    function executeRecovery(uint256 patientSeed, uint256 waitSeed) external {
        calls["execute"]++;
        (bool found, uint64 patientId) = _patient(patientSeed);
        if (!found) return;
        vm.warp(block.timestamp + bound(waitSeed, 0, 2 * uint256(registry.recoveryDelay())));
        address pending = registry.getRecovery(patientId).newAccount;
        vm.prank(relayer);
        try registry.executeRecovery(patientId) {
            successes["execute"]++;
            ghostAccountOf[patientId] = pending;
        } catch {}
    }

    function deactivatePatient(uint256 patientSeed, uint8 reasonSeed, uint256 registrarSeed) external {
        calls["deactivate"]++;
        (bool found, uint64 patientId) = _patient(patientSeed);
        if (!found) return;
        DeactivationReason reason = DeactivationReason(reasonSeed % (uint8(type(DeactivationReason).max) + 1));
        vm.prank(_registrar(registrarSeed));
        try registry.deactivatePatient(patientId, reason) {
            successes["deactivate"]++;
            deactivatedIds.push(patientId);
        } catch {}
    }

    // --------------------------------------------------------------------------------------------------
    // Ghost state readers (views: the fuzzer does not call them)
    // --------------------------------------------------------------------------------------------------

    function registeredCommitmentCount() external view returns (uint256) {
        return registeredCommitments.length;
    }

    function registeredCommitmentAt(uint256 index) external view returns (bytes32) {
        return registeredCommitments[index];
    }

    function deactivatedCount() external view returns (uint256) {
        return deactivatedIds.length;
    }

    function deactivatedAt(uint256 index) external view returns (uint64) {
        return deactivatedIds[index];
    }

    // --------------------------------------------------------------------------------------------------
    // Input mapping
    // --------------------------------------------------------------------------------------------------

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % ACTOR_COUNT];
    }

    function _person(uint256 seed) private pure returns (bytes32) {
        return keccak256(abi.encode("medchain invariant person", seed % PERSON_COUNT));
    }

    function _registrar(uint256 seed) private view returns (address) {
        // Mostly registrars that may act; now and then the insurer's, which must be refused.
        uint256 pick = seed % 8;
        return
            registrars[
                pick < 4
                    ? 0
                    : pick < 7
                        ? 1
                        : 2
            ];
    }

    function _patient(uint256 seed) private view returns (bool found, uint64 patientId) {
        uint64 count = registry.patientCount();
        if (count == 0) return (false, 0);
        return (true, uint64(bound(seed, 1, count)));
    }
}

/// @notice Proves that PatientRegistry's identity bookkeeping survives any sequence of registrations, key
/// rotations, recoveries (initiated, cancelled, executed after time passes) and deactivations: every patient's
/// account maps back to it, identity commitments stay unique and bound to their first patient, deactivation
/// is final, and no deactivated patient keeps a pending recovery.
contract IdentityInvariantsTest is MedchainTestBase {
    IdentityHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new IdentityHandler(patientRegistry, registrar, clinicRegistrar, insurerRegistrar);
        vm.label(address(handler), "IdentityHandler");
    }

    /// @notice The only contract the invariant fuzzer calls.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_accountMapsBackToItsPatient() public view {
        uint64 count = patientRegistry.patientCount();
        for (uint64 patientId = 1; patientId <= count; ++patientId) {
            address account = patientRegistry.getPatient(patientId).account;
            assertTrue(account != address(0), "a registered patient has an account");
            assertEq(uint256(patientRegistry.patientIdOf(account)), patientId, "patientIdOf(account)");
            assertEq(account, handler.ghostAccountOf(patientId), "account is where the handler last moved it");
        }
    }

    function invariant_commitmentsStayUnique() public view {
        uint256 registered = handler.registeredCommitmentCount();
        assertEq(registered, patientRegistry.patientCount(), "one successful registration per patient id");
        for (uint256 i = 0; i < registered; ++i) {
            bytes32 commitment = handler.registeredCommitmentAt(i);
            uint64 expected = handler.ghostPatientIdOfCommitment(commitment);
            assertEq(uint256(expected), i + 1, "ids are handed out in registration order");
            assertEq(
                uint256(patientRegistry.patientIdByCommitment(commitment)),
                expected,
                "commitment maps to the id it was registered under"
            );
        }
    }

    function invariant_deactivatedNeverReactivates() public view {
        uint256 deactivated = handler.deactivatedCount();
        for (uint256 i = 0; i < deactivated; ++i) {
            uint64 patientId = handler.deactivatedAt(i);
            assertEq(
                uint256(patientRegistry.getPatient(patientId).status),
                uint256(PatientStatus.Deactivated),
                "a deactivated patient stays deactivated"
            );
            assertEq(patientRegistry.isActivePatient(patientId), false, "isActivePatient after deactivation");
        }
    }

    function invariant_noRecoveryPendingForDeactivated() public view {
        uint64 count = patientRegistry.patientCount();
        for (uint64 patientId = 1; patientId <= count; ++patientId) {
            if (patientRegistry.getPatient(patientId).status != PatientStatus.Deactivated) continue;
            IPatientRegistry.Recovery memory recovery = patientRegistry.getRecovery(patientId);
            assertEq(recovery.newAccount, address(0), "no recovery target for a deactivated patient");
            assertEq(uint256(recovery.executableAt), 0, "no recovery time for a deactivated patient");
        }
    }
}
