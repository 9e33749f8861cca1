// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {IResearchOptOutRegistry} from "../../contracts/interfaces/IResearchOptOutRegistry.sol";
import {ResearchOptOutRegistryV2Mock} from "../../contracts/test/UpgradeMocks.sol";
import {Categories, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {DeactivationReason, DelegateScopes} from "../../contracts/types/PatientCodes.sol";
import {DataUse} from "../../contracts/types/ResearchCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice Proves ResearchOptOutRegistry's guarantees: only the patient's current account or a delegate whose
/// mandate covers research now sets an active patient's objection; undefined categories and permissions are
/// refused with the exact error and change nothing; any combination of wholly, categories and DUO permissions
/// is answered as specified, and the objection is withdrawn by naming nothing; unknown permissions count as
/// objected to; upgrades stay with the admin and keep the state, which lives at the ERC-7201 slot.
contract ResearchOptOutRegistryTest is MedchainTestBase {
    uint256 internal constant START = 1_750_000_000;
    bytes32 internal constant COMMITMENT = keccak256("medchain opt-out person 1");
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;

    address internal patient;
    address internal delegate;
    uint64 internal patientId;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
        patient = makeAddr("patient");
        delegate = makeAddr("delegate");
        patientId = registerAsHospital(patient, COMMITMENT);
    }

    // ------------------------------------------------------------------------------------------------------
    // Deployment
    // ------------------------------------------------------------------------------------------------------

    function test_deployment_linksThePatientRegistryAndTheAuthority() public {
        assertEq(address(researchOptOutRegistry.patientRegistry()), address(patientRegistry), "patient registry");
        assertEq(researchOptOutRegistry.authority(), address(authority), "authority");
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        researchOptOutRegistry.initialize(stranger);
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        researchOptOutRegistryImplementation.initialize(stranger);
    }

    // ------------------------------------------------------------------------------------------------------
    // Answers for any objection
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_setOptOut_answersEveryCombinationAsSpecified(
        bool wholly,
        uint32 categories,
        uint8 permissions,
        uint32 otherId
    ) public {
        categories = uint32(bound(categories, 0, Categories.ALL));
        permissions = uint8(bound(permissions, 0, DataUse.ALL_PERMISSION_BITS));
        vm.warp(START + 1 hours);

        vm.expectEmit(true, true, true, true, address(researchOptOutRegistry));
        emit IResearchOptOutRegistry.ResearchOptOutChanged(patientId, patient, wholly, categories, permissions);
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, wholly, categories, permissions);

        IResearchOptOutRegistry.OptOut memory stored = researchOptOutRegistry.getOptOut(patientId);
        assertEq(stored.wholly, wholly, "wholly");
        assertEq(uint256(stored.categories), categories, "categories");
        assertEq(uint256(stored.permissions), permissions, "permissions");
        assertEq(uint256(stored.updatedAt), START + 1 hours, "updatedAt");

        uint32[5] memory permissionIds = [DataUse.NRES, DataUse.GRU, DataUse.HMB, DataUse.DS, DataUse.POA];
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            RecordCategory category = RecordCategory(c);
            bool byCategory = wholly || categories & Categories.bit(RecordCategory(c)) != 0;
            assertEq(researchOptOutRegistry.isOptedOut(patientId, category), byCategory, "isOptedOut");
            for (uint256 i = 0; i < permissionIds.length; ++i) {
                assertEq(
                    researchOptOutRegistry.isOptedOutUnder(patientId, category, permissionIds[i]),
                    byCategory || permissions & uint8(uint256(1) << i) != 0,
                    "isOptedOutUnder a permission"
                );
            }
            // Anything but a permission (a modifier, a stray id) counts as objected to.
            uint32 notAPermission = DataUse.isPermission(otherId) ? DataUse.IRB : otherId;
            assertTrue(
                researchOptOutRegistry.isOptedOutUnder(patientId, category, notAPermission),
                "an unknown permission is objected to"
            );
        }
        // Another patient's answers do not move.
        assertFalse(researchOptOutRegistry.isOptedOut(patientId + 1, RecordCategory.LabResult), "another patient");
    }

    function test_setOptOut_namingNothingWithdrawsTheObjection() public {
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, true, Categories.ALL, DataUse.ALL_PERMISSION_BITS);
        assertTrue(researchOptOutRegistry.isOptedOut(patientId, RecordCategory.Outpatient), "opted out");

        vm.warp(START + 1 days);
        vm.expectEmit(true, true, true, true, address(researchOptOutRegistry));
        emit IResearchOptOutRegistry.ResearchOptOutChanged(patientId, patient, false, 0, 0);
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, 0, 0);

        IResearchOptOutRegistry.OptOut memory stored = researchOptOutRegistry.getOptOut(patientId);
        assertFalse(stored.wholly, "no longer wholly");
        assertEq(uint256(stored.categories) + stored.permissions, 0, "nothing withheld");
        assertEq(uint256(stored.updatedAt), START + 1 days, "the change is dated");
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            assertFalse(researchOptOutRegistry.isOptedOut(patientId, RecordCategory(c)), "opted back in");
            assertFalse(
                researchOptOutRegistry.isOptedOutUnder(patientId, RecordCategory(c), DataUse.GRU),
                "opted back in under GRU"
            );
        }
    }

    function test_views_ofAPatientWhoNeverObjected() public view {
        IResearchOptOutRegistry.OptOut memory stored = researchOptOutRegistry.getOptOut(patientId);
        assertEq(uint256(stored.updatedAt), 0, "never set");
        assertFalse(researchOptOutRegistry.isOptedOut(patientId, RecordCategory.Medication), "no objection");
        assertFalse(
            researchOptOutRegistry.isOptedOutUnder(patientId, RecordCategory.Medication, DataUse.HMB),
            "no objection under HMB"
        );
        assertTrue(
            researchOptOutRegistry.isOptedOutUnder(patientId, RecordCategory.Medication, 0),
            "id 0 is no permission"
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // Invalid sets
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_setOptOut_refusesUndefinedCategories(uint32 categories, uint8 stray) public {
        uint32 strayBit = uint32(uint256(1) << bound(stray, CATEGORY_COUNT, 31));
        _expectRefusedCategories(categories | strayBit);
        if (categories & ~Categories.ALL != 0) _expectRefusedCategories(categories);
    }

    function testFuzz_setOptOut_refusesUndefinedPermissions(uint8 permissions, uint8 stray) public {
        uint8 strayBit = uint8(1) << uint8(bound(stray, 5, 7));
        _expectRefusedPermissions(permissions | strayBit);
        if (permissions & ~DataUse.ALL_PERMISSION_BITS != 0) _expectRefusedPermissions(permissions);
    }

    // ------------------------------------------------------------------------------------------------------
    // Who may set it
    // ------------------------------------------------------------------------------------------------------

    function test_setOptOut_aDelegateWithTheResearchScopeMay() public {
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.RESEARCH, uint64(START + 30 days));

        vm.expectEmit(true, true, true, true, address(researchOptOutRegistry));
        emit IResearchOptOutRegistry.ResearchOptOutChanged(patientId, delegate, false, 1 << 5, 0);
        vm.prank(delegate);
        researchOptOutRegistry.setOptOut(patientId, false, Categories.bit(RecordCategory.LabResult), 0);
        assertTrue(researchOptOutRegistry.isOptedOut(patientId, RecordCategory.LabResult), "set by the delegate");

        // Once the mandate has expired, no more.
        vm.warp(START + 30 days);
        _expectUnauthorized(delegate);
    }

    function test_setOptOut_refusesADelegateWithoutTheResearchScope() public {
        vm.prank(patient);
        patientRegistry.appointDelegate(
            patientId,
            delegate,
            DelegateScopes.CONSENT | DelegateScopes.CLAIMS | DelegateScopes.VIEW,
            uint64(START + 30 days)
        );
        _expectUnauthorized(delegate);
    }

    function test_setOptOut_refusesARegistrarAppointedDelegateBeforeTheRecoveryDelay() public {
        vm.prank(registrar);
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.RESEARCH, uint64(START + 30 days));
        _expectUnauthorized(delegate);
        vm.warp(START + RECOVERY_DELAY);
        vm.prank(delegate);
        researchOptOutRegistry.setOptOut(patientId, true, 0, 0);
        assertTrue(researchOptOutRegistry.isOptedOut(patientId, RecordCategory.Dental), "after the delay");
    }

    function test_setOptOut_refusesOtherAccounts() public {
        _expectUnauthorized(stranger);
        _expectUnauthorized(registrar); // a registrar acts on patients' identities, not on their choices
        _expectUnauthorized(address(this)); // the consortium admin neither
        address otherPatient = makeAddr("otherPatient");
        registerAsHospital(otherPatient, keccak256("medchain opt-out person 2"));
        _expectUnauthorized(otherPatient);
    }

    function test_setOptOut_followsTheCurrentAccount() public {
        address newAccount = makeAddr("newAccount");
        vm.prank(patient);
        patientRegistry.rotateAccount(newAccount);
        _expectUnauthorized(patient);
        vm.prank(newAccount);
        researchOptOutRegistry.setOptOut(patientId, true, 0, 0);
        assertTrue(researchOptOutRegistry.getOptOut(patientId).wholly, "set by the new account");
    }

    function test_setOptOut_refusesAnUnknownOrDeactivatedPatient() public {
        vm.expectRevert(
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutPatientNotActive.selector, patientId + 1)
        );
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId + 1, true, 0, 0);

        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        // Checked before the caller: even the (former) patient's account gets the patient's status.
        vm.expectRevert(
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutPatientNotActive.selector, patientId)
        );
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, true, 0, 0);
        assertEq(uint256(researchOptOutRegistry.getOptOut(patientId).updatedAt), 0, "nothing stored");
    }

    // ------------------------------------------------------------------------------------------------------
    // Upgrades and storage
    // ------------------------------------------------------------------------------------------------------

    function test_upgrade_onlyTheAdminAndTheStateStays() public {
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, Categories.bit(RecordCategory.Vaccination), 1 << 4);
        ResearchOptOutRegistryV2Mock next = new ResearchOptOutRegistryV2Mock(
            IPatientRegistry(address(patientRegistry))
        );

        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, patient));
        vm.prank(patient);
        researchOptOutRegistry.upgradeToAndCall(address(next), "");

        researchOptOutRegistry.upgradeToAndCall(address(next), ""); // the test contract is the admin
        assertEq(ResearchOptOutRegistryV2Mock(address(researchOptOutRegistry)).version(), 2, "upgraded");
        IResearchOptOutRegistry.OptOut memory stored = researchOptOutRegistry.getOptOut(patientId);
        assertEq(uint256(stored.categories), Categories.bit(RecordCategory.Vaccination), "categories kept");
        assertEq(uint256(stored.permissions), 1 << 4, "permissions kept");
        assertEq(uint256(stored.updatedAt), START, "updatedAt kept");
    }

    function test_storage_livesAtTheErc7201Slot() public {
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, true, 0x2a, 0x11);
        bytes32 location = _erc7201("medchain.storage.ResearchOptOutRegistry");
        bytes32 slot = keccak256(abi.encode(patientId, location));
        uint256 word = uint256(vm.load(address(researchOptOutRegistry), slot));
        // Packed in declaration order: wholly (8 bits), categories (32), permissions (8), updatedAt (64).
        assertEq(word & 0xff, 1, "wholly");
        assertEq((word >> 8) & type(uint32).max, 0x2a, "categories");
        assertEq((word >> 40) & 0xff, 0x11, "permissions");
        assertEq((word >> 48) & type(uint64).max, START, "updatedAt");
        assertEq(uint256(vm.load(address(researchOptOutRegistryImplementation), slot)), 0, "not the implementation");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    function _expectUnauthorized(address account) internal {
        IResearchOptOutRegistry.OptOut memory before = researchOptOutRegistry.getOptOut(patientId);
        vm.expectRevert(
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutUnauthorizedActor.selector, patientId, account)
        );
        vm.prank(account);
        researchOptOutRegistry.setOptOut(patientId, true, Categories.ALL, DataUse.ALL_PERMISSION_BITS);
        _checkUnchanged(before);
    }

    function _expectRefusedCategories(uint32 categories) internal {
        IResearchOptOutRegistry.OptOut memory before = researchOptOutRegistry.getOptOut(patientId);
        vm.expectRevert(
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidCategories.selector, categories)
        );
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, categories, 0);
        _checkUnchanged(before);
    }

    function _expectRefusedPermissions(uint8 permissions) internal {
        IResearchOptOutRegistry.OptOut memory before = researchOptOutRegistry.getOptOut(patientId);
        vm.expectRevert(
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidPermissions.selector, permissions)
        );
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, true, Categories.bit(RecordCategory.Allergy), permissions);
        _checkUnchanged(before);
    }

    function _checkUnchanged(IResearchOptOutRegistry.OptOut memory before) internal view {
        IResearchOptOutRegistry.OptOut memory stored = researchOptOutRegistry.getOptOut(patientId);
        assertEq(stored.wholly, before.wholly, "wholly unchanged");
        assertEq(uint256(stored.categories), before.categories, "categories unchanged");
        assertEq(uint256(stored.permissions), before.permissions, "permissions unchanged");
        assertEq(uint256(stored.updatedAt), before.updatedAt, "updatedAt unchanged");
    }

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
