// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

import {IMemberRegistry} from "../../contracts/interfaces/IMemberRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {RecordRegistryV2Mock} from "../../contracts/test/UpgradeMocks.sol";
import {ConsortiumRoles} from "../../contracts/types/ConsortiumRoles.sol";
import {RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {Duties, Duty, MemberKind, MemberStatus} from "../../contracts/types/MemberCodes.sol";
import {RecordStatus, RetractionReason} from "../../contracts/types/RecordCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";
import {StandardMerkleTree} from "./utils/StandardMerkleTree.sol";

/// @notice Proves RecordRegistry's guarantees: only a DataSteward of an active hospital or clinic anchors, amends
/// or retracts, and only its own organisation's records and batches; every refusal names its exact cause and
/// changes nothing; a content hash and a batch root are anchored once; a record or batch leaf is amended or
/// retracted only while current, and retraction is final; a batch's retraction wins over its leaves' own state;
/// batch leaves are OpenZeppelin merkle-tree standard leaves, and a proof or multiproof built as OpenZeppelin's
/// JavaScript merkle-tree library builds it verifies every member of the batch and nothing else; and the state
/// lives at the ERC-7201 slot the formula gives.
contract RecordRegistryTest is MedchainTestBase {
    using StandardMerkleTree for bytes32[];

    /// @dev A realistic clock.
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;
    uint256 internal constant REASON_COUNT = uint256(type(RetractionReason).max) + 1;
    /// @dev The largest batch the fuzz tests build (the issue's 1..64).
    uint256 internal constant MAX_FUZZ_LEAVES = 64;
    bytes32 internal constant MANIFEST = keccak256("medchain batch manifest");

    /// @dev The root of the golden tree, as OpenZeppelin's JavaScript merkle-tree library (npm package
    /// openzeppelin/merkle-tree 1.0.8) computes it: `StandardMerkleTree.of(values, ["bytes32", "uint8",
    /// "bytes32"])` with values `[bytes32(0x1000 + i), 3 * i, bytes32(0x2000 + i)]` for i = 0..4. The tests
    /// below also hold the library's heap array, proof of value 0 and multiproof of values 0, 2 and 3.
    bytes32 internal constant GOLDEN_ROOT = 0x22f8567764a4c6c8c9f4e20451788a8ec7f561b99710e4b05060b77c6d5399dd;

    // ------------------------------------------------------------------------------------------------------
    // Fixture: a single record and a five-leaf batch of the hospital
    // ------------------------------------------------------------------------------------------------------

    /// @dev A record the hospital anchors on its own in {_anchorFixture}.
    IRecordRegistry.RecordAnchor internal single;
    /// @dev The hospital's five-leaf batch of {_anchorFixture}.
    IRecordRegistry.RecordAnchor[] internal batchRecords;
    bytes32[] internal batchTree;
    bytes32 internal batchRoot;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
    }

    // ------------------------------------------------------------------------------------------------------
    // Deployment and wiring
    // ------------------------------------------------------------------------------------------------------

    function test_setUp_deploysAsTheRecordsModuleDoes() public view {
        assertEq(recordRegistry.authority(), address(authority), "record registry authority");
        assertEq(address(recordRegistry.memberRegistry()), address(memberRegistry), "member registry proxy");
        assertEq(
            address(recordRegistryImplementation.memberRegistry()),
            address(memberRegistry),
            "the implementation's immutable"
        );
        assertEq(uint256(recordRegistry.MAX_BATCH_LEAVES()), 1 << 24, "MAX_BATCH_LEAVES");
        assertEq(
            uint256(
                authority.getTargetFunctionRole(
                    address(recordRegistry),
                    bytes4(keccak256("upgradeToAndCall(address,bytes)"))
                )
            ),
            ConsortiumRoles.ADMIN_ROLE,
            "upgrades stay with the admin"
        );
        assertTrue(memberRegistry.hasDuty(dataSteward, Duty.DataSteward), "hospital data steward");
        assertTrue(memberRegistry.hasDuty(clinicDataSteward, Duty.DataSteward), "clinic data steward");
        assertTrue(memberRegistry.hasDuty(insurerDataSteward, Duty.DataSteward), "insurer data steward");
        assertEq(memberRegistry.getOperator(dataSteward).memberId, hospitalId, "steward of the hospital");
        assertEq(memberRegistry.getOperator(clinicDataSteward).memberId, clinicId, "steward of the clinic");
        assertEq(memberRegistry.getOperator(insurerDataSteward).memberId, insurerId, "steward of the insurer");
    }

    function test_initialize_revertsOnTheImplementation() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        recordRegistryImplementation.initialize(address(authority));
    }

    function test_initialize_revertsOnTheProxyTwice() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        recordRegistry.initialize(stranger);
        assertEq(recordRegistry.authority(), address(authority), "authority unchanged");
    }

    function test_upgradeToAndCall_isTheAdminsAndKeepsState() public {
        _anchorFixture();
        RecordRegistryV2Mock v2 = new RecordRegistryV2Mock(IMemberRegistry(address(memberRegistry)));

        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, dataSteward));
        vm.prank(dataSteward);
        recordRegistry.upgradeToAndCall(address(v2), "");

        recordRegistry.upgradeToAndCall(address(v2), "");
        assertEq(RecordRegistryV2Mock(address(recordRegistry)).version(), 2, "upgraded");
        _assertFixtureUntouched("after the upgrade");
    }

    function test_storageLocation_recordRegistryIsTheErc7201Slot() public {
        bytes32 slot = _erc7201("medchain.storage.RecordRegistry");
        assertEq(slot, 0x9e7755a1e2871a4e82e7d43070e0a4271fbd9998ec268b2d036966761fb00900, "documented constant");
        _anchorFixture();
        vm.warp(START + 1 hours);
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.WrongPatient));

        // records: namespace + 0. Record packs custodian (32 bits), category (8), status (8), reason (8),
        // inBatch (8), anchoredAt (64), statusChangedAt (64).
        uint256 word = uint256(vm.load(address(recordRegistry), keccak256(abi.encode(single.contentHash, slot))));
        assertEq(word & type(uint32).max, hospitalId, "records[h].custodian");
        assertEq((word >> 32) & 0xff, single.category, "records[h].category");
        assertEq((word >> 40) & 0xff, uint8(RecordStatus.Retracted), "records[h].status");
        assertEq((word >> 48) & 0xff, uint8(RetractionReason.WrongPatient), "records[h].retractionReason");
        assertEq((word >> 56) & 0xff, 0, "records[h].inBatch");
        assertEq((word >> 64) & type(uint64).max, START, "records[h].anchoredAt");
        assertEq((word >> 128) & type(uint64).max, START + 1 hours, "records[h].statusChangedAt");
        assertEq(word >> 192, 0, "nothing else in the slot");

        // batches: namespace + 1. Batch packs custodian (32), leafCount (32), retracted (8), reason (8),
        // anchoredAt (64), retractedAt (64).
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.IncompleteBatch));
        word = uint256(vm.load(address(recordRegistry), keccak256(abi.encode(batchRoot, uint256(slot) + 1))));
        assertEq(word & type(uint32).max, hospitalId, "batches[r].custodian");
        assertEq((word >> 32) & type(uint32).max, batchRecords.length, "batches[r].leafCount");
        assertEq((word >> 64) & 0xff, 1, "batches[r].retracted");
        assertEq((word >> 72) & 0xff, uint8(RetractionReason.IncompleteBatch), "batches[r].retractionReason");
        assertEq((word >> 80) & type(uint64).max, START, "batches[r].anchoredAt");
        assertEq((word >> 144) & type(uint64).max, START + 1 hours, "batches[r].retractedAt");
        assertEq(word >> 208, 0, "nothing else in the slot");

        // manifestHashes: namespace + 2.
        assertEq(
            vm.load(address(recordRegistry), keccak256(abi.encode(batchRoot, uint256(slot) + 2))),
            MANIFEST,
            "manifestHashes[r]"
        );
        assertEq(vm.load(address(recordRegistryImplementation), slot), bytes32(0), "the implementation holds no state");
    }

    // ------------------------------------------------------------------------------------------------------
    // Who may anchor, amend and retract
    // ------------------------------------------------------------------------------------------------------

    function test_everyChange_revertsForANonOperator() public {
        _anchorFixture();
        _checkEveryChangeRefused(
            stranger,
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger)
        );
    }

    function test_everyChange_revertsForAnOperatorWithoutTheDataStewardDuty() public {
        _anchorFixture();
        address[3] memory others = [registrar, clinician, orgAdmin];
        for (uint256 i = 0; i < others.length; ++i) {
            _checkEveryChangeRefused(
                others[i],
                abi.encodeWithSelector(
                    IMemberRegistry.MemberRegistryMissingDuty.selector,
                    others[i],
                    hospitalId,
                    Duty.DataSteward
                )
            );
        }
    }

    function test_everyChange_revertsForASuspendedOrganisationUntilReinstated() public {
        _anchorFixture();
        vm.prank(guardian);
        memberRegistry.suspendMember(hospitalId, 1);
        _checkEveryChangeRefused(
            dataSteward,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMemberNotActive.selector,
                hospitalId,
                MemberStatus.Suspended
            )
        );
        // What was anchored still reads as before: verification does not depend on membership.
        assertEq(
            uint256(recordRegistry.verifyRecord(single.contentHash).status),
            uint256(RecordStatus.Current),
            "a suspended custodian's record stays current"
        );

        vm.prank(council);
        memberRegistry.reinstateMember(hospitalId);
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.EnteredInError));
        assertEq(
            uint256(recordRegistry.verifyRecord(single.contentHash).status),
            uint256(RecordStatus.Retracted),
            "reinstated: the steward may act again"
        );
    }

    function test_everyChange_revertsForARemovedOrganisation() public {
        _anchorFixture();
        vm.prank(council);
        memberRegistry.removeMember(hospitalId, 2);
        _checkEveryChangeRefused(
            dataSteward,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMemberNotActive.selector,
                hospitalId,
                MemberStatus.Removed
            )
        );
    }

    function test_everyChange_revertsForAnInsurersDataSteward() public {
        _anchorFixture();
        _checkEveryChangeRefused(
            insurerDataSteward,
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryCustodianNotCareProvider.selector,
                insurerId,
                MemberKind.Insurer
            )
        );
    }

    function testFuzz_anchorRecord_onlyHospitalsAndClinicsKeepRecords(uint8 kind, uint16 otherDuties) public {
        MemberKind memberKind = MemberKind(bound(kind, 0, uint8(type(MemberKind).max)));
        uint16 duties = uint16(bound(otherDuties, 0, Duties.ALL)) | Duties.bit(Duty.DataSteward);
        address steward = makeAddr("fuzzed data steward");
        vm.startPrank(council);
        uint32 memberId = memberRegistry.addMember(memberKind, keccak256("fuzzed member"));
        memberRegistry.addOperator(steward, memberId, duties);
        vm.stopPrank();

        IRecordRegistry.RecordAnchor memory record = _record("fuzzed custodian's record");
        if (memberKind == MemberKind.Hospital || memberKind == MemberKind.Clinic) {
            vm.expectEmit(true, true, true, true, address(recordRegistry));
            emit IRecordRegistry.RecordAnchored(
                record.contentHash,
                memberId,
                steward,
                record.category,
                record.subjectCommitment
            );
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRecordRegistry.RecordRegistryCustodianNotCareProvider.selector,
                    memberId,
                    memberKind
                )
            );
        }
        vm.prank(steward);
        recordRegistry.anchorRecord(record);
    }

    // ------------------------------------------------------------------------------------------------------
    // anchorRecord
    // ------------------------------------------------------------------------------------------------------

    function test_anchorRecord_storesAndEmits() public {
        IRecordRegistry.RecordAnchor memory record = _record("discharge summary");
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordAnchored(
            record.contentHash,
            hospitalId,
            dataSteward,
            record.category,
            record.subjectCommitment
        );
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);

        _assertRecord(
            recordRegistry.getRecord(record.contentHash),
            _entry(hospitalId, record.category, RecordStatus.Current, RetractionReason.EnteredInError, false, START, 0),
            "stored entry"
        );
        _assertVerification(
            recordRegistry.verifyRecord(record.contentHash),
            _current(hospitalId, record.category, START, bytes32(0)),
            "verifyRecord: current"
        );
    }

    function test_anchorRecord_acceptsEveryCategory() public {
        for (uint256 c = 0; c < CATEGORY_COUNT; ++c) {
            IRecordRegistry.RecordAnchor memory record = _record(string.concat("category ", vm.toString(c)));
            record.category = uint8(c);
            vm.prank(clinicDataSteward);
            recordRegistry.anchorRecord(record);
            assertEq(recordRegistry.verifyRecord(record.contentHash).category, c, "category kept");
        }
    }

    function test_verifyRecord_isNoneForAnUnknownRecord() public view {
        _assertVerification(
            recordRegistry.verifyRecord(keccak256("never anchored")),
            _ended(RecordStatus.None, 0, 0, 0, 0, RetractionReason.EnteredInError, bytes32(0)),
            "verifyRecord: none"
        );
    }

    function test_anchorRecord_revertsForZeroContentHash() public {
        IRecordRegistry.RecordAnchor memory record = _record("no content hash");
        record.contentHash = bytes32(0);
        record.category = 200; // the content hash is checked first
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryZeroContentHash.selector));
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        _assertNoEntry(bytes32(0), "nothing stored under zero");
    }

    function test_anchorRecord_revertsForZeroSubjectCommitment() public {
        IRecordRegistry.RecordAnchor memory record = _record("no subject");
        record.subjectCommitment = bytes32(0);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryZeroSubjectCommitment.selector, record.contentHash)
        );
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        _assertNoEntry(record.contentHash, "nothing stored");
    }

    function testFuzz_anchorRecord_revertsForUnknownCategory(uint8 category) public {
        category = uint8(bound(category, CATEGORY_COUNT, type(uint8).max));
        IRecordRegistry.RecordAnchor memory record = _record("unknown category");
        record.category = category;
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownCategory.selector, category));
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        _assertNoEntry(record.contentHash, "nothing stored");
    }

    function test_anchorRecord_revertsForAnUnknownCategoryJustPastTheLast() public {
        IRecordRegistry.RecordAnchor memory record = _record("category 14");
        record.category = uint8(CATEGORY_COUNT);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownCategory.selector, uint8(CATEGORY_COUNT))
        );
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        _assertNoEntry(record.contentHash, "nothing stored");
    }

    function test_anchorRecord_revertsForADuplicateWhateverItsStatus() public {
        IRecordRegistry.RecordAnchor memory record = _record("anchored once");
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        IRecordRegistry.Record memory stored = recordRegistry.getRecord(record.contentHash);
        bytes memory expected = abi.encodeWithSelector(
            IRecordRegistry.RecordRegistryAlreadyAnchored.selector,
            record.contentHash,
            hospitalId,
            uint64(START)
        );

        // Later, by the custodian itself or by another organisation, with other fields or the same.
        vm.warp(START + 1 days);
        IRecordRegistry.RecordAnchor memory again = record;
        again.category = uint8(RecordCategory.Vaccination);
        again.subjectCommitment = keccak256("another subject");
        vm.expectRevert(expected);
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        vm.expectRevert(expected);
        vm.prank(clinicDataSteward);
        recordRegistry.anchorRecord(again);
        _assertRecord(recordRegistry.getRecord(record.contentHash), stored, "the first anchor stands");

        // Nor once superseded, nor once retracted.
        vm.prank(dataSteward);
        recordRegistry.amendRecord(record.contentHash, _record("its amendment"));
        vm.expectRevert(expected);
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(record);
        IRecordRegistry.RecordAnchor memory amendment = _record("its amendment");
        vm.prank(dataSteward);
        recordRegistry.retractRecord(amendment.contentHash, uint8(RetractionReason.WrongPatient));
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryAlreadyAnchored.selector,
                amendment.contentHash,
                hospitalId,
                uint64(START + 1 days)
            )
        );
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(amendment);
        assertEq(
            uint256(recordRegistry.getRecord(amendment.contentHash).status),
            uint256(RecordStatus.Retracted),
            "retraction is final"
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // amendRecord
    // ------------------------------------------------------------------------------------------------------

    function test_amendRecord_supersedesThePreviousAndAnchorsTheAmendment() public {
        IRecordRegistry.RecordAnchor memory previous = _record("lab result v1");
        IRecordRegistry.RecordAnchor memory amendment = _record("lab result v2");
        amendment.category = uint8(RecordCategory.PathologyReport);
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(previous);

        vm.warp(START + 2 days);
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordAnchored(
            amendment.contentHash,
            hospitalId,
            dataSteward,
            amendment.category,
            amendment.subjectCommitment
        );
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordSuperseded(previous.contentHash, amendment.contentHash, hospitalId, bytes32(0));
        vm.prank(dataSteward);
        recordRegistry.amendRecord(previous.contentHash, amendment);

        _assertRecord(
            recordRegistry.getRecord(previous.contentHash),
            _entry(
                hospitalId,
                previous.category,
                RecordStatus.Superseded,
                RetractionReason.EnteredInError,
                false,
                START,
                START + 2 days
            ),
            "previous entry"
        );
        _assertVerification(
            recordRegistry.verifyRecord(previous.contentHash),
            _ended(
                RecordStatus.Superseded,
                hospitalId,
                previous.category,
                START,
                START + 2 days,
                RetractionReason.EnteredInError,
                bytes32(0)
            ),
            "verifyRecord: superseded"
        );
        _assertVerification(
            recordRegistry.verifyRecord(amendment.contentHash),
            _current(hospitalId, amendment.category, START + 2 days, bytes32(0)),
            "verifyRecord: the amendment is current"
        );

        // The amendment may itself be amended.
        vm.prank(dataSteward);
        recordRegistry.amendRecord(amendment.contentHash, _record("lab result v3"));
        assertEq(
            uint256(recordRegistry.verifyRecord(amendment.contentHash).status),
            uint256(RecordStatus.Superseded),
            "v2 superseded by v3"
        );
    }

    function test_amendRecord_revertsForAnUnknownRecord() public {
        IRecordRegistry.RecordAnchor memory amendment = _record("amendment of nothing");
        bytes32 unknown = keccak256("unknown record");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownRecord.selector, unknown));
        vm.prank(dataSteward);
        recordRegistry.amendRecord(unknown, amendment);
        _assertNoEntry(unknown, "still unknown");
        _assertNoEntry(amendment.contentHash, "the amendment was not anchored");
    }

    function test_amendRecord_revertsForARecordOfAnotherCustodian() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor memory amendment = _record("the clinic's amendment");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryNotCustodian.selector,
                single.contentHash,
                hospitalId,
                clinicId
            )
        );
        vm.prank(clinicDataSteward);
        recordRegistry.amendRecord(single.contentHash, amendment);
        _assertNoEntry(amendment.contentHash, "the amendment was not anchored");
        _assertFixtureUntouched("after the clinic's attempt");
    }

    function test_amendRecord_revertsForASupersededRecord() public {
        _anchorFixture();
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, _record("first amendment"));
        IRecordRegistry.Record memory stored = recordRegistry.getRecord(single.contentHash);

        IRecordRegistry.RecordAnchor memory second = _record("second amendment");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                single.contentHash,
                RecordStatus.Superseded
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, second);
        _assertRecord(recordRegistry.getRecord(single.contentHash), stored, "unchanged");
        _assertNoEntry(second.contentHash, "the second amendment was not anchored");
    }

    function test_amendRecord_revertsForARetractedRecord() public {
        _anchorFixture();
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.DuplicateRecord));
        IRecordRegistry.Record memory stored = recordRegistry.getRecord(single.contentHash);

        IRecordRegistry.RecordAnchor memory amendment = _record("amendment of a retracted record");
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                single.contentHash,
                RecordStatus.Retracted
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, amendment);
        _assertRecord(recordRegistry.getRecord(single.contentHash), stored, "unchanged");
        _assertNoEntry(amendment.contentHash, "the amendment was not anchored");
    }

    function test_amendRecord_revertsForAnInvalidAmendmentAndKeepsThePreviousCurrent() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor memory amendment = _record("invalid amendment");

        amendment.contentHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryZeroContentHash.selector));
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, amendment);

        amendment = _record("invalid amendment");
        amendment.category = uint8(CATEGORY_COUNT);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownCategory.selector, uint8(CATEGORY_COUNT))
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, amendment);

        amendment = _record("invalid amendment");
        amendment.subjectCommitment = bytes32(0);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryZeroSubjectCommitment.selector, amendment.contentHash)
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, amendment);

        // An amendment whose content is already anchored, by anyone, and the record as its own amendment.
        IRecordRegistry.RecordAnchor memory clinics = _record("the clinic's record");
        vm.prank(clinicDataSteward);
        recordRegistry.anchorRecord(clinics);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryAlreadyAnchored.selector,
                clinics.contentHash,
                clinicId,
                uint64(START)
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, clinics);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryAlreadyAnchored.selector,
                single.contentHash,
                hospitalId,
                uint64(START)
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, single);

        _assertNoEntry(_record("invalid amendment").contentHash, "no amendment anchored");
        _assertFixtureUntouched("after the invalid amendments");
    }

    function test_amendRecord_isForSingleAnchorsOnly() public {
        _anchorFixture();
        // A batch leaf has no entry of its own while current: amendRecord does not know it.
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownRecord.selector, batchRecords[0].contentHash)
        );
        vm.prank(dataSteward);
        recordRegistry.amendRecord(batchRecords[0].contentHash, _record("amendment of a leaf"));
        _assertFixtureUntouched("after amending a leaf as a single record");
    }

    // ------------------------------------------------------------------------------------------------------
    // retractRecord
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_retractRecord_storesTheReasonAndEmits(uint8 reason, uint32 later) public {
        reason = uint8(bound(reason, 0, REASON_COUNT - 1));
        uint256 retractedAt = START + bound(later, 0, 3650 days);
        _anchorFixture();
        vm.warp(retractedAt);
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordRetracted(
            single.contentHash,
            hospitalId,
            dataSteward,
            RetractionReason(reason),
            bytes32(0)
        );
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, reason);

        _assertRecord(
            recordRegistry.getRecord(single.contentHash),
            _entry(
                hospitalId,
                single.category,
                RecordStatus.Retracted,
                RetractionReason(reason),
                false,
                START,
                retractedAt
            ),
            "retracted entry"
        );
        _assertVerification(
            recordRegistry.verifyRecord(single.contentHash),
            _ended(
                RecordStatus.Retracted,
                hospitalId,
                single.category,
                START,
                retractedAt,
                RetractionReason(reason),
                bytes32(0)
            ),
            "verifyRecord: retracted"
        );
    }

    function testFuzz_retractRecord_revertsForUnknownReason(uint8 reason) public {
        reason = uint8(bound(reason, REASON_COUNT, type(uint8).max));
        _anchorFixture();
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownRetractionReason.selector, reason));
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, reason);
        _assertFixtureUntouched("after an unknown reason");
    }

    function test_retractRecord_revertsForAnUnknownRecord() public {
        bytes32 unknown = keccak256("unknown record");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownRecord.selector, unknown));
        vm.prank(dataSteward);
        recordRegistry.retractRecord(unknown, uint8(RetractionReason.EnteredInError));
        _assertNoEntry(unknown, "still unknown");
    }

    function test_retractRecord_revertsForARecordOfAnotherCustodian() public {
        _anchorFixture();
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryNotCustodian.selector,
                single.contentHash,
                hospitalId,
                clinicId
            )
        );
        vm.prank(clinicDataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.EnteredInError));
        _assertFixtureUntouched("after the clinic's attempt");
    }

    function test_retractRecord_isFinal() public {
        _anchorFixture();
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.WrongCategory));
        IRecordRegistry.Record memory stored = recordRegistry.getRecord(single.contentHash);
        vm.warp(START + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                single.contentHash,
                RecordStatus.Retracted
            )
        );
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.WrongPatient));
        _assertRecord(recordRegistry.getRecord(single.contentHash), stored, "first retraction stands");
    }

    function test_retractRecord_revertsForASupersededRecord() public {
        _anchorFixture();
        vm.prank(dataSteward);
        recordRegistry.amendRecord(single.contentHash, _record("amendment"));
        IRecordRegistry.Record memory stored = recordRegistry.getRecord(single.contentHash);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                single.contentHash,
                RecordStatus.Superseded
            )
        );
        vm.prank(dataSteward);
        recordRegistry.retractRecord(single.contentHash, uint8(RetractionReason.EnteredInError));
        _assertRecord(recordRegistry.getRecord(single.contentHash), stored, "still superseded");
    }

    // ------------------------------------------------------------------------------------------------------
    // anchorBatch and retractBatch
    // ------------------------------------------------------------------------------------------------------

    function test_anchorBatch_storesAndEmits() public {
        bytes32 root = keccak256("a batch root");
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.BatchAnchored(root, clinicId, clinicDataSteward, 42, MANIFEST);
        vm.prank(clinicDataSteward);
        recordRegistry.anchorBatch(root, 42, MANIFEST);

        _assertBatch(
            recordRegistry.getBatch(root),
            _batchEntry(clinicId, 42, false, RetractionReason.EnteredInError, START, 0),
            "stored batch"
        );
        assertEq(recordRegistry.getBatchManifestHash(root), MANIFEST, "manifest hash");

        bytes32 withoutManifest = keccak256("a batch root without manifest");
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.BatchAnchored(withoutManifest, hospitalId, dataSteward, 1, bytes32(0));
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(withoutManifest, 1, bytes32(0));
        assertEq(recordRegistry.getBatchManifestHash(withoutManifest), bytes32(0), "no manifest hash");
        assertEq(recordRegistry.getBatch(withoutManifest).custodian, hospitalId, "custodian");
    }

    function test_anchorBatch_revertsForZeroRoot() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryZeroBatchRoot.selector));
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(bytes32(0), 0, MANIFEST); // the root is checked before the leaf count
        _assertNoBatch(bytes32(0), "nothing stored under zero");
    }

    function test_anchorBatch_leafCountIsOneToMaxBatchLeaves() public {
        uint32 maxLeaves = recordRegistry.MAX_BATCH_LEAVES();
        bytes32 root = keccak256("leaf count root");
        uint32[3] memory invalid = [uint32(0), maxLeaves + 1, type(uint32).max];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRecordRegistry.RecordRegistryInvalidLeafCount.selector,
                    uint256(invalid[i]),
                    uint256(maxLeaves)
                )
            );
            vm.prank(dataSteward);
            recordRegistry.anchorBatch(root, invalid[i], MANIFEST);
            _assertNoBatch(root, "no batch with an invalid leaf count");
        }

        vm.prank(dataSteward);
        recordRegistry.anchorBatch(root, maxLeaves, MANIFEST);
        assertEq(recordRegistry.getBatch(root).leafCount, maxLeaves, "MAX_BATCH_LEAVES accepted");
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(keccak256("one leaf"), 1, MANIFEST);
        assertEq(recordRegistry.getBatch(keccak256("one leaf")).leafCount, 1, "one leaf accepted");
    }

    function test_anchorBatch_revertsForADuplicate() public {
        _anchorFixture();
        IRecordRegistry.Batch memory stored = recordRegistry.getBatch(batchRoot);
        vm.warp(START + 1 days);
        bytes memory expected = abi.encodeWithSelector(
            IRecordRegistry.RecordRegistryBatchAlreadyAnchored.selector,
            batchRoot,
            hospitalId
        );
        vm.expectRevert(expected);
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(batchRoot, uint32(batchRecords.length), MANIFEST);
        vm.expectRevert(expected);
        vm.prank(clinicDataSteward);
        recordRegistry.anchorBatch(batchRoot, 7, keccak256("the clinic's manifest"));

        // Nor once retracted.
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.IncompleteBatch));
        stored = recordRegistry.getBatch(batchRoot);
        vm.expectRevert(expected);
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(batchRoot, uint32(batchRecords.length), MANIFEST);
        _assertBatch(recordRegistry.getBatch(batchRoot), stored, "the first anchor stands");
        assertEq(recordRegistry.getBatchManifestHash(batchRoot), MANIFEST, "the first manifest stands");
    }

    function testFuzz_retractBatch_storesTheReasonAndEmits(uint8 reason, uint32 later) public {
        reason = uint8(bound(reason, 0, REASON_COUNT - 1));
        uint256 retractedAt = START + bound(later, 0, 3650 days);
        _anchorFixture();
        vm.warp(retractedAt);
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.BatchRetracted(batchRoot, hospitalId, dataSteward, RetractionReason(reason));
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, reason);

        _assertBatch(
            recordRegistry.getBatch(batchRoot),
            _batchEntry(hospitalId, uint32(batchRecords.length), true, RetractionReason(reason), START, retractedAt),
            "retracted batch"
        );
        // Every leaf reads as retracted, for the batch's reason.
        for (uint256 i = 0; i < batchRecords.length; ++i) {
            _assertVerification(
                recordRegistry.verifyBatchRecord(batchRoot, batchRecords[i], _proofOf(batchTree, batchRecords[i])),
                _ended(
                    RecordStatus.Retracted,
                    hospitalId,
                    batchRecords[i].category,
                    START,
                    retractedAt,
                    RetractionReason(reason),
                    batchRoot
                ),
                "a leaf of a retracted batch"
            );
        }
    }

    function test_retractBatch_revertsForAnUnknownBatch() public {
        bytes32 unknown = keccak256("unknown batch");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownBatch.selector, unknown));
        vm.prank(dataSteward);
        recordRegistry.retractBatch(unknown, uint8(RetractionReason.IncompleteBatch));
        _assertNoBatch(unknown, "still unknown");
    }

    function test_retractBatch_revertsForABatchOfAnotherCustodian() public {
        _anchorFixture();
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryNotCustodian.selector, batchRoot, hospitalId, clinicId)
        );
        vm.prank(clinicDataSteward);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.IncompleteBatch));
        _assertFixtureUntouched("after the clinic's attempt");
    }

    function test_retractBatch_isFinal() public {
        _anchorFixture();
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.IncompleteBatch));
        IRecordRegistry.Batch memory stored = recordRegistry.getBatch(batchRoot);
        vm.warp(START + 1 days);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryBatchRetracted.selector, batchRoot));
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.WrongPatient));
        _assertBatch(recordRegistry.getBatch(batchRoot), stored, "the first retraction stands");
    }

    function testFuzz_retractBatch_revertsForUnknownReason(uint8 reason) public {
        reason = uint8(bound(reason, REASON_COUNT, type(uint8).max));
        _anchorFixture();
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownRetractionReason.selector, reason));
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, reason);
        _assertFixtureUntouched("after an unknown reason");
    }

    // ------------------------------------------------------------------------------------------------------
    // Batch leaves: hashing, proofs, verifyBatchRecord
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_batchLeaf_isTheStandardLeaf(bytes32 contentHash, uint8 category, bytes32 subject) public view {
        IRecordRegistry.RecordAnchor memory record = IRecordRegistry.RecordAnchor({
            contentHash: contentHash,
            category: category,
            subjectCommitment: subject
        });
        bytes32 expected = keccak256(bytes.concat(keccak256(abi.encode(contentHash, category, subject))));
        assertEq(recordRegistry.batchLeaf(record), expected, "batchLeaf");
        assertEq(_leaf(record), expected, "the test's leaf");
    }

    function test_standardMerkleTree_matchesOpenZeppelinMerkleTree() public pure {
        IRecordRegistry.RecordAnchor[] memory records = _goldenRecords();
        bytes32[] memory tree = StandardMerkleTree.build(_leaves(records));
        bytes32[9] memory expected = [
            GOLDEN_ROOT,
            bytes32(0xb2622566c1783f2357433ceb306cd3d1eb7cc91040c726bb26924120b1bc6939),
            0xaf31c8d1140803aed6c0cf76413b0edaf5de72911ed0823deebdfce2fdc3a27b,
            0x562f5f96973a79c17c33655dfd5bad9e7fb5b8bb870cb27b0256ba99321af161,
            0xe0bb0e67022994e0536151d736740deb9f13b51c1e990d8edb38770dab50c153,
            0xd98daa0f5f93740f445a3c19d4f6bc0f4a6c635306b946ef822789d9585ebfc9,
            0x6d19c4e1cd34eeb8a284a7e644394dc07669d4a29abafa06f9326cd44475ed59,
            0x693997d636eaf2bf3e8b3abe90f841f074087c61dd265255cdb45d42599b4b56,
            0x066b500893f681ccd789f20f1abfa384075eccffdb44bec288ecf9d97ddb17a3
        ];
        assertEq(tree.length, expected.length, "2n - 1 nodes");
        for (uint256 i = 0; i < expected.length; ++i) {
            assertEq(tree[i], expected[i], string.concat("tree[", vm.toString(i), "]"));
        }
        // `getProof(0)` (value 0 sits at tree index 7) and `getMultiProof([0, 2, 3])` of the library.
        bytes32[] memory proof = tree.proofOf(_leaf(records[0]));
        assertEq(tree.indexOf(_leaf(records[0])), 7, "value 0 at tree index 7");
        assertEq(proof.length, 3, "proof length");
        assertEq(proof[0], expected[8], "proof[0]");
        assertEq(proof[1], expected[4], "proof[1]");
        assertEq(proof[2], expected[2], "proof[2]");
        assertEq(StandardMerkleTree.processProof(_leaf(records[0]), proof), GOLDEN_ROOT, "processProof");

        (bytes32[] memory leaves, bytes32[] memory multiproof, bool[] memory flags) = tree.getMultiProof(
            _indices3(7, 5, 4)
        );
        assertEq(leaves.length, 3, "multiproof leaves");
        assertEq(leaves[0], expected[7], "leaves[0]: value 0");
        assertEq(leaves[1], expected[5], "leaves[1]: value 2");
        assertEq(leaves[2], expected[4], "leaves[2]: value 3");
        assertEq(multiproof.length, 2, "multiproof hashes");
        assertEq(multiproof[0], expected[8], "multiproof[0]");
        assertEq(multiproof[1], expected[6], "multiproof[1]");
        assertEq(flags.length, 4, "flags");
        assertTrue(!flags[0] && !flags[1] && flags[2] && flags[3], "flags: false, false, true, true");
    }

    function test_verifyBatchRecord_currentLeafOfTheGoldenTree() public {
        IRecordRegistry.RecordAnchor[] memory records = _goldenRecords();
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.BatchAnchored(GOLDEN_ROOT, hospitalId, dataSteward, 5, MANIFEST);
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(GOLDEN_ROOT, 5, MANIFEST);

        // The library's proof of value 0, as the SDK would send it.
        bytes32[] memory proof = new bytes32[](3);
        proof[0] = 0x066b500893f681ccd789f20f1abfa384075eccffdb44bec288ecf9d97ddb17a3;
        proof[1] = 0xe0bb0e67022994e0536151d736740deb9f13b51c1e990d8edb38770dab50c153;
        proof[2] = 0xaf31c8d1140803aed6c0cf76413b0edaf5de72911ed0823deebdfce2fdc3a27b;
        vm.warp(START + 30 days);
        _assertVerification(
            recordRegistry.verifyBatchRecord(GOLDEN_ROOT, records[0], proof),
            _current(hospitalId, records[0].category, START, GOLDEN_ROOT),
            "value 0 is current"
        );
        // A leaf of a batch has no entry of its own while current.
        _assertNoEntry(records[0].contentHash, "no entry for a current leaf");
        assertEq(
            uint256(recordRegistry.verifyRecord(records[0].contentHash).status),
            uint256(RecordStatus.None),
            "verifyRecord does not know batch leaves"
        );
    }

    function test_verifyBatchRecord_everyLeafOfEveryTreeUpTo17Leaves() public {
        for (uint256 n = 1; n <= 17; ++n) {
            IRecordRegistry.RecordAnchor[] memory records = _randomRecords(n, n, "small tree");
            bytes32[] memory tree = _anchorTree(clinicDataSteward, records);
            uint256 minLength = StandardMerkleTree.minProofLength(n);
            uint256 maxLength = StandardMerkleTree.maxProofLength(n);
            for (uint256 i = 0; i < n; ++i) {
                bytes32[] memory proof = _proofOf(tree, records[i]);
                assertTrue(proof.length >= minLength && proof.length <= maxLength, "proof length within bounds");
                _assertVerification(
                    recordRegistry.verifyBatchRecord(tree.root(), records[i], proof),
                    _current(clinicId, records[i].category, START, tree.root()),
                    string.concat("leaf ", vm.toString(i), " of ", vm.toString(n))
                );
            }
        }
    }

    function test_verifyBatchRecord_revertsForAnUnknownBatch() public {
        _anchorFixture();
        bytes32 unknown = keccak256("unknown batch");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownBatch.selector, unknown));
        recordRegistry.verifyBatchRecord(unknown, batchRecords[0], _proofOf(batchTree, batchRecords[0]));
    }

    function test_verifyBatchRecord_proofLengthFollowsTheLeafCount() public {
        // n = 1: 0..0; n = 5: 2..3; n = 8: 3..3; n = 2^24: 24..24; n = 2^24 - 1: 23..24.
        _checkProofLengths(1, 0, 0);
        _checkProofLengths(2, 1, 1);
        _checkProofLengths(3, 1, 2);
        _checkProofLengths(5, 2, 3);
        _checkProofLengths(8, 3, 3);
        _checkProofLengths(9, 3, 4);
        _checkProofLengths(1 << 24, 24, 24);
        _checkProofLengths((1 << 24) - 1, 23, 24);
    }

    function testFuzz_verifyBatchRecord_proofLengthBounds(uint32 leafCount, uint256 length) public {
        leafCount = uint32(bound(leafCount, 1, recordRegistry.MAX_BATCH_LEAVES()));
        length = bound(length, 0, 30);
        bytes32 root = keccak256(abi.encode("fuzzed leaf count", leafCount));
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(root, leafCount, bytes32(0));
        IRecordRegistry.RecordAnchor memory record = _record("not a leaf");
        bytes32[] memory proof = new bytes32[](length);
        for (uint256 i = 0; i < length; ++i) proof[i] = keccak256(abi.encode(i));
        _expectProofRefused(root, leafCount, record, proof, "fuzzed length");
    }

    function test_verifyBatchRecord_revertsForALeafOfAnotherBatch() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor[] memory others = _randomRecords(99, batchRecords.length, "another batch");
        bytes32[] memory otherTree = _anchorTree(dataSteward, others);
        // Both ways round, with proofs of the right length.
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidProof.selector, batchRoot, _leaf(others[1]))
        );
        recordRegistry.verifyBatchRecord(batchRoot, others[1], _proofOf(otherTree, others[1]));
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryInvalidProof.selector,
                otherTree.root(),
                _leaf(batchRecords[2])
            )
        );
        recordRegistry.verifyBatchRecord(otherTree.root(), batchRecords[2], _proofOf(batchTree, batchRecords[2]));
    }

    function test_verifyBatchRecord_revertsForAChangedField() public {
        _anchorFixture();
        for (uint256 field = 0; field < 3; ++field) {
            IRecordRegistry.RecordAnchor memory changed = _mutate(batchRecords[3], field, 1);
            vm.expectRevert(
                abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidProof.selector, batchRoot, _leaf(changed))
            );
            recordRegistry.verifyBatchRecord(batchRoot, changed, _proofOf(batchTree, batchRecords[3]));
        }
    }

    function test_verifyBatchRecord_refusesAProofOneLevelShortInAFullTree() public {
        // In a full tree every leaf is at the same depth: a proof that stops one level short (an inner node taken
        // for a leaf) is refused for its length before any hashing.
        IRecordRegistry.RecordAnchor[] memory records = _randomRecords(4, 4, "full tree");
        bytes32[] memory tree = _anchorTree(dataSteward, records);
        bytes32[] memory shortProof = new bytes32[](1);
        shortProof[0] = tree[2];
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryProofLengthMismatch.selector, tree.root(), 1, 2, 2)
        );
        recordRegistry.verifyBatchRecord(tree.root(), records[0], shortProof);
    }

    // ------------------------------------------------------------------------------------------------------
    // amendBatchRecord and retractBatchRecord
    // ------------------------------------------------------------------------------------------------------

    function test_amendBatchRecord_supersedesTheLeafAndAnchorsTheAmendment() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor memory previous = batchRecords[1];
        IRecordRegistry.RecordAnchor memory amendment = _record("amended leaf");
        bytes32[] memory proof = _proofOf(batchTree, previous);
        vm.warp(START + 3 days);
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordAnchored(
            amendment.contentHash,
            hospitalId,
            dataSteward,
            amendment.category,
            amendment.subjectCommitment
        );
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordSuperseded(previous.contentHash, amendment.contentHash, hospitalId, batchRoot);
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, previous, proof, amendment);

        _assertVerification(
            recordRegistry.verifyBatchRecord(batchRoot, previous, proof),
            _ended(
                RecordStatus.Superseded,
                hospitalId,
                previous.category,
                START,
                START + 3 days,
                RetractionReason.EnteredInError,
                batchRoot
            ),
            "the leaf is superseded"
        );
        _assertRecord(
            recordRegistry.getRecord(previous.contentHash),
            _entry(
                hospitalId,
                previous.category,
                RecordStatus.Superseded,
                RetractionReason.EnteredInError,
                true,
                START,
                START + 3 days
            ),
            "the leaf's first entry"
        );
        _assertVerification(
            recordRegistry.verifyRecord(amendment.contentHash),
            _current(hospitalId, amendment.category, START + 3 days, bytes32(0)),
            "the amendment is a current single record"
        );
        _assertOtherLeavesCurrent(1, "the rest of the batch");

        // Superseded once: neither amended nor retracted again.
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                previous.contentHash,
                RecordStatus.Superseded
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, previous, proof, _record("second amendment"));
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                previous.contentHash,
                RecordStatus.Superseded
            )
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(batchRoot, previous, proof, uint8(RetractionReason.EnteredInError));
        _assertNoEntry(_record("second amendment").contentHash, "no second amendment");
    }

    function test_amendBatchRecord_revertsForALeafOfAnotherCustodiansBatch() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor memory amendment = _record("the clinic's amendment");
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryNotCustodian.selector, batchRoot, hospitalId, clinicId)
        );
        vm.prank(clinicDataSteward);
        recordRegistry.amendBatchRecord(batchRoot, batchRecords[0], _proofOf(batchTree, batchRecords[0]), amendment);
        _assertNoEntry(amendment.contentHash, "no amendment");
        _assertFixtureUntouched("after the clinic's attempt");
    }

    function test_amendBatchRecord_revertsForALeafOfARetractedBatch() public {
        _anchorFixture();
        vm.prank(dataSteward);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.IncompleteBatch));
        IRecordRegistry.RecordAnchor memory amendment = _record("amendment of a retracted batch's leaf");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryBatchRetracted.selector, batchRoot));
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, batchRecords[0], _proofOf(batchTree, batchRecords[0]), amendment);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryBatchRetracted.selector, batchRoot));
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(
            batchRoot,
            batchRecords[0],
            _proofOf(batchTree, batchRecords[0]),
            uint8(RetractionReason.EnteredInError)
        );
        _assertNoEntry(amendment.contentHash, "no amendment");
        _assertNoEntry(batchRecords[0].contentHash, "no entry for the leaf");
    }

    function test_amendBatchRecord_revertsForAnUnknownBatchOrAnUnprovedLeaf() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor memory amendment = _record("amendment");
        bytes32[] memory proof = _proofOf(batchTree, batchRecords[0]);
        bytes32 unknown = keccak256("unknown batch");

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownBatch.selector, unknown));
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(unknown, batchRecords[0], proof, amendment);

        IRecordRegistry.RecordAnchor memory changed = _mutate(batchRecords[0], 2, 7);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidProof.selector, batchRoot, _leaf(changed))
        );
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, changed, proof, amendment);

        bytes32[] memory tooLong = new bytes32[](4);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryProofLengthMismatch.selector, batchRoot, 4, 2, 3)
        );
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, batchRecords[0], tooLong, amendment);

        _assertNoEntry(amendment.contentHash, "no amendment");
        _assertNoEntry(changed.contentHash, "no entry for the changed record");
        _assertFixtureUntouched("after the refused amendments");
    }

    function test_amendBatchRecord_revertsForAnInvalidAmendmentAndKeepsTheLeafCurrent() public {
        _anchorFixture();
        IRecordRegistry.RecordAnchor memory previous = batchRecords[4];
        bytes32[] memory proof = _proofOf(batchTree, previous);
        IRecordRegistry.RecordAnchor memory amendment = _record("invalid amendment");
        amendment.contentHash = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryZeroContentHash.selector));
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, previous, proof, amendment);

        // The leaf as its own amendment: its new entry makes the content hash known, so the whole call fails.
        vm.warp(START + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryAlreadyAnchored.selector,
                previous.contentHash,
                hospitalId,
                uint64(START)
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, previous, proof, previous);

        _assertNoEntry(previous.contentHash, "the leaf still has no entry");
        _assertFixtureUntouched("after the invalid amendments");
    }

    function test_amendBatchRecord_supersedesTheSameCustodiansSingleAnchorOfTheLeaf() public {
        _anchorFixture();
        // The hospital anchored the content of leaf 2 on its own too, then amends the leaf: one entry, one status.
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(batchRecords[2]);
        vm.warp(START + 1 days);
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(
            batchRoot,
            batchRecords[2],
            _proofOf(batchTree, batchRecords[2]),
            _record("amendment of a leaf anchored twice")
        );
        _assertRecord(
            recordRegistry.getRecord(batchRecords[2].contentHash),
            _entry(
                hospitalId,
                batchRecords[2].category,
                RecordStatus.Superseded,
                RetractionReason.EnteredInError,
                false,
                START,
                START + 1 days
            ),
            "the single anchor's entry is superseded"
        );
        assertEq(
            uint256(
                recordRegistry
                    .verifyBatchRecord(batchRoot, batchRecords[2], _proofOf(batchTree, batchRecords[2]))
                    .status
            ),
            uint256(RecordStatus.Superseded),
            "and so is the leaf"
        );
    }

    function test_batchLeaf_ignoresAnotherCustodiansEntryForTheSameContent() public {
        _anchorFixture();
        // The clinic anchored the same content on its own: the hospital's leaf does not read the clinic's entry,
        // and the hospital cannot end its leaf through it (the content hash keys one entry). Pinned as current
        // behaviour.
        vm.prank(clinicDataSteward);
        recordRegistry.anchorRecord(batchRecords[0]);
        vm.prank(clinicDataSteward);
        recordRegistry.retractRecord(batchRecords[0].contentHash, uint8(RetractionReason.WrongPatient));
        bytes32[] memory proof = _proofOf(batchTree, batchRecords[0]);
        _assertVerification(
            recordRegistry.verifyBatchRecord(batchRoot, batchRecords[0], proof),
            _current(hospitalId, batchRecords[0].category, START, batchRoot),
            "the hospital's leaf stays current"
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryNotCustodian.selector,
                batchRecords[0].contentHash,
                clinicId,
                hospitalId
            )
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(batchRoot, batchRecords[0], proof, uint8(RetractionReason.EnteredInError));
    }

    function testFuzz_retractBatchRecord_retractsOneLeafAndEmits(uint8 reason, uint256 index) public {
        reason = uint8(bound(reason, 0, REASON_COUNT - 1));
        _anchorFixture();
        index = bound(index, 0, batchRecords.length - 1);
        IRecordRegistry.RecordAnchor memory record = batchRecords[index];
        bytes32[] memory proof = _proofOf(batchTree, record);
        vm.warp(START + 5 days);
        vm.expectEmit(true, true, true, true, address(recordRegistry));
        emit IRecordRegistry.RecordRetracted(
            record.contentHash,
            hospitalId,
            dataSteward,
            RetractionReason(reason),
            batchRoot
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(batchRoot, record, proof, reason);

        _assertVerification(
            recordRegistry.verifyBatchRecord(batchRoot, record, proof),
            _ended(
                RecordStatus.Retracted,
                hospitalId,
                record.category,
                START,
                START + 5 days,
                RetractionReason(reason),
                batchRoot
            ),
            "the leaf is retracted"
        );
        _assertRecord(
            recordRegistry.getRecord(record.contentHash),
            _entry(
                hospitalId,
                record.category,
                RecordStatus.Retracted,
                RetractionReason(reason),
                true,
                START,
                START + 5 days
            ),
            "the leaf's first entry"
        );
        _assertOtherLeavesCurrent(index, "the rest of the batch");

        // Final.
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                record.contentHash,
                RecordStatus.Retracted
            )
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(batchRoot, record, proof, reason);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryRecordNotCurrent.selector,
                record.contentHash,
                RecordStatus.Retracted
            )
        );
        vm.prank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, record, proof, _record("amendment of a retracted leaf"));
    }

    function test_retractBatchRecord_revertsForALeafOfAnotherCustodiansBatch() public {
        _anchorFixture();
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryNotCustodian.selector, batchRoot, hospitalId, clinicId)
        );
        vm.prank(clinicDataSteward);
        recordRegistry.retractBatchRecord(
            batchRoot,
            batchRecords[0],
            _proofOf(batchTree, batchRecords[0]),
            uint8(RetractionReason.EnteredInError)
        );
        _assertFixtureUntouched("after the clinic's attempt");
    }

    function test_retractBatchRecord_revertsForUnknownReasonOrUnprovedLeaf() public {
        _anchorFixture();
        bytes32[] memory proof = _proofOf(batchTree, batchRecords[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownRetractionReason.selector, uint8(REASON_COUNT))
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(batchRoot, batchRecords[0], proof, uint8(REASON_COUNT));

        IRecordRegistry.RecordAnchor memory changed = _mutate(batchRecords[0], 0, 3);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidProof.selector, batchRoot, _leaf(changed))
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(batchRoot, changed, proof, uint8(RetractionReason.EnteredInError));

        bytes32 unknown = keccak256("unknown batch");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownBatch.selector, unknown));
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(unknown, batchRecords[0], proof, uint8(RetractionReason.EnteredInError));

        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordRegistryProofLengthMismatch.selector, batchRoot, 1, 2, 3)
        );
        vm.prank(dataSteward);
        recordRegistry.retractBatchRecord(
            batchRoot,
            batchRecords[0],
            new bytes32[](1),
            uint8(RetractionReason.EnteredInError)
        );
        _assertNoEntry(changed.contentHash, "no entry for the changed record");
        _assertFixtureUntouched("after the refused retractions");
    }

    function test_retractBatch_winsOverTheLeavesOwnState() public {
        _anchorFixture();
        bytes32[] memory proof0 = _proofOf(batchTree, batchRecords[0]);
        bytes32[] memory proof1 = _proofOf(batchTree, batchRecords[1]);
        vm.warp(START + 1 days);
        vm.startPrank(dataSteward);
        recordRegistry.amendBatchRecord(batchRoot, batchRecords[0], proof0, _record("amendment of leaf 0"));
        recordRegistry.retractBatchRecord(batchRoot, batchRecords[1], proof1, uint8(RetractionReason.WrongCategory));
        vm.warp(START + 2 days);
        recordRegistry.retractBatch(batchRoot, uint8(RetractionReason.IncompleteBatch));
        vm.stopPrank();

        // Superseded, retracted and current leaves alike read as the batch's retraction.
        for (uint256 i = 0; i < batchRecords.length; ++i) {
            _assertVerification(
                recordRegistry.verifyBatchRecord(batchRoot, batchRecords[i], _proofOf(batchTree, batchRecords[i])),
                _ended(
                    RecordStatus.Retracted,
                    hospitalId,
                    batchRecords[i].category,
                    START,
                    START + 2 days,
                    RetractionReason.IncompleteBatch,
                    batchRoot
                ),
                string.concat("leaf ", vm.toString(i), " of the retracted batch")
            );
        }
        // The leaves' own entries are kept as they were.
        assertEq(
            uint256(recordRegistry.getRecord(batchRecords[0].contentHash).status),
            uint256(RecordStatus.Superseded),
            "leaf 0's entry"
        );
        assertEq(
            uint256(recordRegistry.getRecord(batchRecords[1].contentHash).retractionReason),
            uint256(RetractionReason.WrongCategory),
            "leaf 1's entry"
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // verifyBatchRecords (multiproofs)
    // ------------------------------------------------------------------------------------------------------

    function test_verifyBatchRecords_goldenMultiproofWithEveryStatus() public {
        IRecordRegistry.RecordAnchor[] memory golden = _goldenRecords();
        bytes32[] memory tree = _anchorTree(dataSteward, golden);
        assertEq(tree.root(), GOLDEN_ROOT, "golden root");
        vm.warp(START + 1 days);
        vm.startPrank(dataSteward);
        recordRegistry.amendBatchRecord(GOLDEN_ROOT, golden[2], _proofOf(tree, golden[2]), _record("amended v2"));
        recordRegistry.retractBatchRecord(
            GOLDEN_ROOT,
            golden[3],
            _proofOf(tree, golden[3]),
            uint8(RetractionReason.WrongPatient)
        );
        vm.stopPrank();

        // `getMultiProof([0, 2, 3])` of the library: leaves in the order values 0, 2, 3.
        IRecordRegistry.RecordAnchor[] memory records = new IRecordRegistry.RecordAnchor[](3);
        records[0] = golden[0];
        records[1] = golden[2];
        records[2] = golden[3];
        bytes32[] memory proof = new bytes32[](2);
        proof[0] = 0x066b500893f681ccd789f20f1abfa384075eccffdb44bec288ecf9d97ddb17a3;
        proof[1] = 0x6d19c4e1cd34eeb8a284a7e644394dc07669d4a29abafa06f9326cd44475ed59;
        bool[] memory flags = new bool[](4);
        flags[2] = true;
        flags[3] = true;

        IRecordRegistry.RecordVerification[] memory verifications = recordRegistry.verifyBatchRecords(
            GOLDEN_ROOT,
            records,
            proof,
            flags
        );
        assertEq(verifications.length, 3, "one answer per record");
        _assertVerification(
            verifications[0],
            _current(hospitalId, golden[0].category, START, GOLDEN_ROOT),
            "value 0 current"
        );
        _assertVerification(
            verifications[1],
            _ended(
                RecordStatus.Superseded,
                hospitalId,
                golden[2].category,
                START,
                START + 1 days,
                RetractionReason.EnteredInError,
                GOLDEN_ROOT
            ),
            "value 2 superseded"
        );
        _assertVerification(
            verifications[2],
            _ended(
                RecordStatus.Retracted,
                hospitalId,
                golden[3].category,
                START,
                START + 1 days,
                RetractionReason.WrongPatient,
                GOLDEN_ROOT
            ),
            "value 3 retracted"
        );

        // The same multiproof from the Solidity builder.
        (bytes32[] memory leaves, bytes32[] memory built, bool[] memory builtFlags) = tree.getMultiProof(
            _indices3(4, 7, 5)
        );
        assertEq(leaves[0], _leaf(records[0]), "builder: leaves[0]");
        assertEq(abi.encode(built), abi.encode(proof), "builder: proof");
        assertEq(abi.encode(builtFlags), abi.encode(flags), "builder: flags");

        // Every leaf at once, and a single leaf (a multiproof of one leaf is its proof, all flags false).
        _checkMultiproof(GOLDEN_ROOT, tree, golden, type(uint256).max);
        _checkMultiproof(GOLDEN_ROOT, tree, golden, 1 << 4);
    }

    function test_verifyBatchRecords_revertsForAnUnknownBatch() public {
        bytes32 unknown = keccak256("unknown batch");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordRegistryUnknownBatch.selector, unknown));
        recordRegistry.verifyBatchRecords(unknown, _goldenRecords(), new bytes32[](0), new bool[](4));
    }

    function test_verifyBatchRecords_revertsForABadShape() public {
        IRecordRegistry.RecordAnchor[] memory golden = _goldenRecords();
        _anchorTree(dataSteward, golden);
        // No records (the empty multiproof proves nothing, even with the root as its proof).
        bytes32[] memory rootOnly = new bytes32[](1);
        rootOnly[0] = GOLDEN_ROOT;
        _expectShapeRevert(new IRecordRegistry.RecordAnchor[](0), rootOnly, new bool[](0));
        // More records than the batch holds.
        IRecordRegistry.RecordAnchor[] memory six = new IRecordRegistry.RecordAnchor[](6);
        for (uint256 i = 0; i < 6; ++i) six[i] = golden[i % 5];
        _expectShapeRevert(six, new bytes32[](0), new bool[](5));
        // Flags for leaves + hashes - 1 steps, one too many or too few.
        IRecordRegistry.RecordAnchor[] memory three = new IRecordRegistry.RecordAnchor[](3);
        three[0] = golden[0];
        three[1] = golden[2];
        three[2] = golden[3];
        _expectShapeRevert(three, new bytes32[](2), new bool[](5));
        _expectShapeRevert(three, new bytes32[](2), new bool[](3));
        _expectShapeRevert(three, new bytes32[](0), new bool[](0));
    }

    function test_verifyBatchRecords_revertsForAnInvalidMultiproof() public {
        IRecordRegistry.RecordAnchor[] memory golden = _goldenRecords();
        bytes32[] memory tree = _anchorTree(dataSteward, golden);
        (bytes32[] memory leaves, bytes32[] memory proof, bool[] memory flags) = tree.getMultiProof(_indices3(7, 5, 4));
        IRecordRegistry.RecordAnchor[] memory records = _recordsOf(golden, leaves);

        // A changed record.
        records[1] = _mutate(records[1], 1, 1);
        _expectInvalidMultiproof(records, proof, flags);
        // Records in another order than the multiproof's.
        records = _recordsOf(golden, leaves);
        (records[0], records[2]) = (records[2], records[0]);
        _expectInvalidMultiproof(records, proof, flags);
        // A changed proof hash.
        records = _recordsOf(golden, leaves);
        proof[1] = keccak256("not a node");
        _expectInvalidMultiproof(records, proof, flags);
        // Records of another batch.
        IRecordRegistry.RecordAnchor[] memory others = _randomRecords(7, 5, "another batch");
        bytes32[] memory otherTree = StandardMerkleTree.build(_leaves(others));
        (leaves, proof, flags) = otherTree.getMultiProof(_indices3(7, 5, 4));
        _expectInvalidMultiproof(_recordsOf(others, leaves), proof, flags);
    }

    function test_verifyBatchRecords_revertsForFlagsThatDoNotMatchTheProof() public {
        // Flags of the right count whose true flags do not merge `records - 1` times: the multiproof reads past its
        // hashes (or leaves hashes unused). Still an invalid multiproof, not a panic or a library error.
        IRecordRegistry.RecordAnchor[] memory golden = _goldenRecords();
        bytes32[] memory tree = _anchorTree(dataSteward, golden);
        (bytes32[] memory leaves, bytes32[] memory proof, ) = tree.getMultiProof(_indices3(7, 5, 4));
        IRecordRegistry.RecordAnchor[] memory records = _recordsOf(golden, leaves);
        bool[] memory flags = new bool[](4); // all false: three proof hashes needed, two given
        _expectInvalidMultiproof(records, proof, flags);
        flags[3] = true; // one merge: still three proof hashes needed
        _expectInvalidMultiproof(records, proof, flags);
        for (uint256 i = 0; i < 4; ++i) flags[i] = true; // four merges: proof hashes left over
        _expectInvalidMultiproof(records, proof, flags);
        // One record, one proof hash too many for its flags: all true reads hashes not computed yet.
        IRecordRegistry.RecordAnchor[] memory one = new IRecordRegistry.RecordAnchor[](1);
        one[0] = golden[0];
        bytes32[] memory proof0 = _proofOf(tree, golden[0]);
        bool[] memory merged = new bool[](3);
        merged[0] = true;
        _expectInvalidMultiproof(one, proof0, merged);
    }

    function testFuzz_verifyBatchRecords_anyFlagsEndInTheRegistrysErrors(
        uint256 seed,
        uint256 flagBits,
        uint256 proofChoice
    ) public {
        IRecordRegistry.RecordAnchor[] memory records = _randomRecords(seed, bound(seed, 1, 16), "multiproof batch");
        bytes32[] memory tree = _anchorTree(dataSteward, records);
        (IRecordRegistry.RecordAnchor[] memory ordered, bytes32[] memory proof, ) = _multiproof(
            tree,
            records,
            uint256(keccak256(abi.encode(seed, "subset")))
        );
        // The honest proof hashes, or nodes of the tree picked at random, as many as the tree has or fewer.
        if (proofChoice % 2 == 1) {
            proof = new bytes32[](bound(proofChoice >> 1, 0, tree.length));
            for (uint256 i = 0; i < proof.length; ++i) {
                proof[i] = tree[uint256(keccak256(abi.encode(seed, proofChoice, i))) % tree.length];
            }
        }
        // Random flags of the right count.
        bool[] memory flags = new bool[](ordered.length + proof.length - 1);
        for (uint256 i = 0; i < flags.length; ++i) flags[i] = (flagBits >> (i % 256)) & 1 == 1;
        _checkMultiproofOutcome(tree, ordered, proof, flags);
    }

    // ------------------------------------------------------------------------------------------------------
    // Fuzzed batches: every member verifies, nothing else does
    // ------------------------------------------------------------------------------------------------------

    /// @dev What {testFuzz_batch_everyMemberVerifiesAndNothingElse} checks each member against.
    struct FuzzedBatches {
        uint256 seed;
        bytes32[] tree;
        uint32 custodian;
        uint64 anchoredAt;
        bytes32[] otherTree;
        IRecordRegistry.RecordAnchor outsider;
    }

    function testFuzz_batch_everyMemberVerifiesAndNothingElse(uint256 seed, uint256 otherSeed, uint64 at) public {
        FuzzedBatches memory f;
        f.seed = seed;
        bool byClinic = uint256(keccak256(abi.encode(seed, "custodian"))) % 2 == 1;
        f.custodian = byClinic ? clinicId : hospitalId;
        f.anchoredAt = uint64(bound(at, START, START + 3650 days));
        vm.warp(f.anchoredAt);
        IRecordRegistry.RecordAnchor[] memory records = _randomRecords(
            seed,
            bound(seed, 1, MAX_FUZZ_LEAVES),
            "fuzzed batch"
        );
        f.tree = _anchorTree(byClinic ? clinicDataSteward : dataSteward, records);
        f.otherTree = _anchorTree(
            byClinic ? dataSteward : clinicDataSteward,
            _randomRecords(otherSeed, bound(otherSeed, 1, MAX_FUZZ_LEAVES), "another fuzzed batch")
        );
        f.outsider = _randomRecord(seed, type(uint256).max, "not in the batch");
        vm.warp(uint256(f.anchoredAt) + 1 days);

        for (uint256 i = 0; i < records.length; ++i) {
            _checkFuzzedMember(f, records[i], i);
        }
        // A multiproof of a random subset verifies too.
        _checkMultiproof(f.tree.root(), f.tree, records, uint256(keccak256(abi.encode(seed, "subset"))));
    }

    /// @dev (a) Member `i`, `record`, verifies as current with the batch's custodian and time; (b) with its proof,
    /// the record with a field changed does not verify, nor a record outside the batch; (c) its proof does not
    /// place it in the other batch.
    function _checkFuzzedMember(
        FuzzedBatches memory f,
        IRecordRegistry.RecordAnchor memory record,
        uint256 i
    ) internal view {
        bytes32 root = f.tree.root();
        uint256 n = f.tree.leafCount();
        bytes32[] memory proof = _proofOf(f.tree, record);
        _assertVerification(
            recordRegistry.verifyBatchRecord(root, record, proof),
            _current(f.custodian, record.category, f.anchoredAt, root),
            "a member verifies"
        );
        uint256 salt = uint256(keccak256(abi.encode(f.seed, i, "mutation")));
        _expectProofRefused(root, n, _mutate(record, salt % 3, salt >> 8), proof, "a changed field");
        _expectProofRefused(root, n, f.outsider, proof, "an outsider with a member's proof");
        _expectProofRefused(
            f.otherTree.root(),
            f.otherTree.leafCount(),
            record,
            proof,
            "a member against another batch"
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers: checks
    // ------------------------------------------------------------------------------------------------------

    /// @dev Anchors the fixture: the hospital's single record {single} and its five-leaf batch {batchRecords}.
    function _anchorFixture() internal {
        single = _record("the hospital's single record");
        vm.prank(dataSteward);
        recordRegistry.anchorRecord(single);
        IRecordRegistry.RecordAnchor[] memory records = _randomRecords(5, 5, "the hospital's batch");
        for (uint256 i = 0; i < records.length; ++i) batchRecords.push(records[i]);
        bytes32[] memory tree = _anchorTree(dataSteward, records);
        for (uint256 i = 0; i < tree.length; ++i) batchTree.push(tree[i]);
        batchRoot = tree.root();
    }

    /// @dev The fixture reads as anchored: the single record current and without changes, the batch current with
    /// all its leaves, and no entry for any leaf.
    function _assertFixtureUntouched(string memory message) internal view {
        _assertRecord(
            recordRegistry.getRecord(single.contentHash),
            _entry(hospitalId, single.category, RecordStatus.Current, RetractionReason.EnteredInError, false, START, 0),
            string.concat(message, ": single record")
        );
        _assertBatch(
            recordRegistry.getBatch(batchRoot),
            _batchEntry(hospitalId, uint32(batchRecords.length), false, RetractionReason.EnteredInError, START, 0),
            string.concat(message, ": batch")
        );
        assertEq(recordRegistry.getBatchManifestHash(batchRoot), MANIFEST, string.concat(message, ": manifest"));
        _assertOtherLeavesCurrent(type(uint256).max, message);
        for (uint256 i = 0; i < batchRecords.length; ++i) {
            _assertNoEntry(batchRecords[i].contentHash, string.concat(message, ": no leaf entry"));
        }
    }

    /// @dev Every leaf of the fixture's batch but `except` verifies as current.
    function _assertOtherLeavesCurrent(uint256 except, string memory message) internal view {
        for (uint256 i = 0; i < batchRecords.length; ++i) {
            if (i == except) continue;
            _assertVerification(
                recordRegistry.verifyBatchRecord(batchRoot, batchRecords[i], _proofOf(batchTree, batchRecords[i])),
                _current(hospitalId, batchRecords[i].category, START, batchRoot),
                string.concat(message, ": leaf ", vm.toString(i), " current")
            );
        }
    }

    /// @dev Every anchoring, amending or retracting call, each with arguments that would succeed for the hospital's
    /// steward, is refused for `caller` with exactly `expected`, and the fixture stays as it was.
    function _checkEveryChangeRefused(address caller, bytes memory expected) internal {
        IRecordRegistry.RecordAnchor memory fresh = _record("a fresh record");
        bytes32[] memory proof = _proofOf(batchTree, batchRecords[0]);
        bytes32 freshRoot = keccak256("a fresh batch root");
        bytes[7] memory calls = [
            abi.encodeCall(IRecordRegistry.anchorRecord, (fresh)),
            abi.encodeCall(IRecordRegistry.amendRecord, (single.contentHash, fresh)),
            abi.encodeCall(IRecordRegistry.amendBatchRecord, (batchRoot, batchRecords[0], proof, fresh)),
            abi.encodeCall(IRecordRegistry.retractRecord, (single.contentHash, uint8(RetractionReason.WrongPatient))),
            abi.encodeCall(
                IRecordRegistry.retractBatchRecord,
                (batchRoot, batchRecords[0], proof, uint8(RetractionReason.WrongPatient))
            ),
            abi.encodeCall(IRecordRegistry.anchorBatch, (freshRoot, 3, MANIFEST)),
            abi.encodeCall(IRecordRegistry.retractBatch, (batchRoot, uint8(RetractionReason.IncompleteBatch)))
        ];
        for (uint256 i = 0; i < calls.length; ++i) {
            vm.prank(caller);
            (bool success, bytes memory returned) = address(recordRegistry).call(calls[i]);
            string memory message = string.concat("call ", vm.toString(i), " by ", vm.toString(caller));
            assertFalse(success, string.concat(message, ": refused"));
            assertEq(returned, expected, string.concat(message, ": revert data"));
        }
        _assertNoEntry(fresh.contentHash, "no fresh record");
        _assertNoBatch(freshRoot, "no fresh batch");
        _assertFixtureUntouched(string.concat("after the calls of ", vm.toString(caller)));
    }

    /// @dev A batch of `leafCount` leaves accepts proofs of exactly `minLength` to `maxLength` hashes.
    function _checkProofLengths(uint32 leafCount, uint256 minLength, uint256 maxLength) internal {
        assertEq(StandardMerkleTree.minProofLength(leafCount), minLength, "the tree's shallowest leaf");
        assertEq(StandardMerkleTree.maxProofLength(leafCount), maxLength, "the tree's deepest leaf");
        bytes32 root = keccak256(abi.encode("proof lengths", leafCount));
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(root, leafCount, bytes32(0));
        IRecordRegistry.RecordAnchor memory record = _record("proof length probe");
        uint256[4] memory lengths = [minLength, maxLength, maxLength + 1, minLength == 0 ? 0 : minLength - 1];
        for (uint256 i = 0; i < lengths.length; ++i) {
            bytes32[] memory proof = new bytes32[](lengths[i]);
            bool inRange = lengths[i] >= minLength && lengths[i] <= maxLength;
            vm.expectRevert(
                inRange
                    ? abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidProof.selector, root, _leaf(record))
                    : abi.encodeWithSelector(
                        IRecordRegistry.RecordRegistryProofLengthMismatch.selector,
                        root,
                        lengths[i],
                        minLength,
                        maxLength
                    )
            );
            recordRegistry.verifyBatchRecord(root, record, proof);
        }
    }

    /// @dev `record` with `proof` is refused for batch `root` of `leafCount` leaves: for the proof's length if
    /// the tree has no leaf at that depth, else as an invalid proof naming the record's leaf.
    function _expectProofRefused(
        bytes32 root,
        uint256 leafCount,
        IRecordRegistry.RecordAnchor memory record,
        bytes32[] memory proof,
        string memory message
    ) internal view {
        uint256 minLength = StandardMerkleTree.minProofLength(leafCount);
        uint256 maxLength = StandardMerkleTree.maxProofLength(leafCount);
        bytes memory expected =
            proof.length < minLength || proof.length > maxLength
                ? abi.encodeWithSelector(
                    IRecordRegistry.RecordRegistryProofLengthMismatch.selector,
                    root,
                    proof.length,
                    minLength,
                    maxLength
                )
                : abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidProof.selector, root, _leaf(record));
        try recordRegistry.verifyBatchRecord(root, record, proof) returns (IRecordRegistry.RecordVerification memory) {
            revert(string.concat(message, ": verified"));
        } catch (bytes memory reason) {
            assertEq(reason, expected, message);
        }
    }

    /// @dev The multiproof of the leaves of `tree` (built from `records`) picked by the bits of `mask` (leaf `k`
    /// in sorted order for bit `k`; at least one) verifies every picked record, in the proof's order, as its
    /// single proof does.
    function _checkMultiproof(
        bytes32 root,
        bytes32[] memory tree,
        IRecordRegistry.RecordAnchor[] memory records,
        uint256 mask
    ) internal view {
        (IRecordRegistry.RecordAnchor[] memory ordered, bytes32[] memory proof, bool[] memory flags) = _multiproof(
            tree,
            records,
            mask
        );
        IRecordRegistry.RecordVerification[] memory verifications = recordRegistry.verifyBatchRecords(
            root,
            ordered,
            proof,
            flags
        );
        assertEq(verifications.length, ordered.length, "one answer per record");
        for (uint256 i = 0; i < ordered.length; ++i) {
            _assertVerification(
                verifications[i],
                recordRegistry.verifyBatchRecord(root, ordered[i], _proofOf(tree, ordered[i])),
                "the multiproof answers as the single proofs"
            );
        }
    }

    /// @dev The records picked by `mask` from `tree` (see {_checkMultiproof}) in the multiproof's order, and
    /// the multiproof.
    function _multiproof(
        bytes32[] memory tree,
        IRecordRegistry.RecordAnchor[] memory records,
        uint256 mask
    )
        internal
        pure
        returns (IRecordRegistry.RecordAnchor[] memory ordered, bytes32[] memory proof, bool[] memory flags)
    {
        uint256 n = tree.leafCount();
        uint256 picked = 0;
        for (uint256 k = 0; k < n; ++k) if ((mask >> (k % 256)) & 1 == 1) ++picked;
        if (picked == 0) {
            mask = 1;
            picked = 1;
        }
        uint256[] memory indices = new uint256[](picked);
        uint256 next = 0;
        for (uint256 k = 0; k < n; ++k) {
            if ((mask >> (k % 256)) & 1 == 1) indices[next++] = tree.length - 1 - k;
        }
        bytes32[] memory leaves;
        (leaves, proof, flags) = tree.getMultiProof(indices);
        ordered = _recordsOf(records, leaves);
    }

    /// @dev A multiproof of a well-formed shape for the hospital's batch `tree` (anchored at START) either
    /// rebuilds the root, and then every record reads as a current member, or is refused with exactly
    /// {IRecordRegistry.RecordRegistryInvalidMultiproof}: never a panic, never MerkleProof's own error.
    function _checkMultiproofOutcome(
        bytes32[] memory tree,
        IRecordRegistry.RecordAnchor[] memory records,
        bytes32[] memory proof,
        bool[] memory flags
    ) internal view {
        bytes32 root = tree.root();
        try recordRegistry.verifyBatchRecords(root, records, proof, flags) returns (
            IRecordRegistry.RecordVerification[] memory verifications
        ) {
            assertEq(verifications.length, records.length, "one answer per record");
            for (uint256 i = 0; i < records.length; ++i) {
                _assertVerification(
                    verifications[i],
                    _current(hospitalId, records[i].category, START, root),
                    "a record the multiproof placed"
                );
                // The multiproof rebuilt the root, so each record is a member of the tree.
                tree.indexOf(_leaf(records[i]));
            }
        } catch (bytes memory reason) {
            assertEq(
                reason,
                abi.encodeWithSelector(IRecordRegistry.RecordRegistryInvalidMultiproof.selector, root, records.length),
                "refused as an invalid multiproof"
            );
        }
    }

    function _expectShapeRevert(
        IRecordRegistry.RecordAnchor[] memory records,
        bytes32[] memory proof,
        bool[] memory flags
    ) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryInvalidMultiproofShape.selector,
                GOLDEN_ROOT,
                records.length,
                proof.length,
                flags.length
            )
        );
        recordRegistry.verifyBatchRecords(GOLDEN_ROOT, records, proof, flags);
    }

    function _expectInvalidMultiproof(
        IRecordRegistry.RecordAnchor[] memory records,
        bytes32[] memory proof,
        bool[] memory flags
    ) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordRegistryInvalidMultiproof.selector,
                GOLDEN_ROOT,
                records.length
            )
        );
        recordRegistry.verifyBatchRecords(GOLDEN_ROOT, records, proof, flags);
    }

    function _assertVerification(
        IRecordRegistry.RecordVerification memory actual,
        IRecordRegistry.RecordVerification memory expected,
        string memory message
    ) internal pure {
        assertEq(uint256(actual.status), uint256(expected.status), string.concat(message, ": status"));
        assertEq(actual.custodian, expected.custodian, string.concat(message, ": custodian"));
        assertEq(actual.category, expected.category, string.concat(message, ": category"));
        assertEq(actual.anchoredAt, expected.anchoredAt, string.concat(message, ": anchoredAt"));
        assertEq(actual.statusChangedAt, expected.statusChangedAt, string.concat(message, ": statusChangedAt"));
        assertEq(
            uint256(actual.retractionReason),
            uint256(expected.retractionReason),
            string.concat(message, ": retractionReason")
        );
        assertEq(actual.batchRoot, expected.batchRoot, string.concat(message, ": batchRoot"));
    }

    function _assertRecord(
        IRecordRegistry.Record memory actual,
        IRecordRegistry.Record memory expected,
        string memory message
    ) internal pure {
        assertEq(actual.custodian, expected.custodian, string.concat(message, ": custodian"));
        assertEq(actual.category, expected.category, string.concat(message, ": category"));
        assertEq(uint256(actual.status), uint256(expected.status), string.concat(message, ": status"));
        assertEq(
            uint256(actual.retractionReason),
            uint256(expected.retractionReason),
            string.concat(message, ": retractionReason")
        );
        assertEq(actual.inBatch, expected.inBatch, string.concat(message, ": inBatch"));
        assertEq(actual.anchoredAt, expected.anchoredAt, string.concat(message, ": anchoredAt"));
        assertEq(actual.statusChangedAt, expected.statusChangedAt, string.concat(message, ": statusChangedAt"));
    }

    function _assertBatch(
        IRecordRegistry.Batch memory actual,
        IRecordRegistry.Batch memory expected,
        string memory message
    ) internal pure {
        assertEq(actual.custodian, expected.custodian, string.concat(message, ": custodian"));
        assertEq(actual.leafCount, expected.leafCount, string.concat(message, ": leafCount"));
        assertEq(actual.retracted, expected.retracted, string.concat(message, ": retracted"));
        assertEq(
            uint256(actual.retractionReason),
            uint256(expected.retractionReason),
            string.concat(message, ": retractionReason")
        );
        assertEq(actual.anchoredAt, expected.anchoredAt, string.concat(message, ": anchoredAt"));
        assertEq(actual.retractedAt, expected.retractedAt, string.concat(message, ": retractedAt"));
    }

    function _assertNoEntry(bytes32 contentHash, string memory message) internal view {
        _assertRecord(
            recordRegistry.getRecord(contentHash),
            _entry(0, 0, RecordStatus.None, RetractionReason.EnteredInError, false, 0, 0),
            message
        );
    }

    function _assertNoBatch(bytes32 root, string memory message) internal view {
        _assertBatch(
            recordRegistry.getBatch(root),
            _batchEntry(0, 0, false, RetractionReason.EnteredInError, 0, 0),
            message
        );
        assertEq(recordRegistry.getBatchManifestHash(root), bytes32(0), string.concat(message, ": manifest"));
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers: values
    // ------------------------------------------------------------------------------------------------------

    function _record(string memory name) internal pure returns (IRecordRegistry.RecordAnchor memory) {
        return
            IRecordRegistry.RecordAnchor({
                contentHash: keccak256(abi.encode("content", name)),
                category: uint8(RecordCategory.LabResult),
                subjectCommitment: keccak256(abi.encode("subject", name))
            });
    }

    /// @dev Record `i` of the random batch `seed` tagged `tag`: random content, category and subject.
    function _randomRecord(
        uint256 seed,
        uint256 i,
        string memory tag
    ) internal pure returns (IRecordRegistry.RecordAnchor memory) {
        bytes32 base = keccak256(abi.encode(tag, seed, i));
        return
            IRecordRegistry.RecordAnchor({
                contentHash: keccak256(abi.encode(base, "content")),
                category: uint8(uint256(keccak256(abi.encode(base, "category"))) % CATEGORY_COUNT),
                subjectCommitment: keccak256(abi.encode(base, "subject"))
            });
    }

    function _randomRecords(
        uint256 seed,
        uint256 n,
        string memory tag
    ) internal pure returns (IRecordRegistry.RecordAnchor[] memory records) {
        records = new IRecordRegistry.RecordAnchor[](n);
        for (uint256 i = 0; i < n; ++i) records[i] = _randomRecord(seed, i, tag);
    }

    /// @dev The values of the golden tree: `[bytes32(0x1000 + i), 3 * i, bytes32(0x2000 + i)]`, i = 0..4.
    function _goldenRecords() internal pure returns (IRecordRegistry.RecordAnchor[] memory records) {
        records = new IRecordRegistry.RecordAnchor[](5);
        for (uint256 i = 0; i < 5; ++i) {
            records[i] = IRecordRegistry.RecordAnchor({
                contentHash: bytes32(0x1000 + i),
                category: uint8(3 * i),
                subjectCommitment: bytes32(0x2000 + i)
            });
        }
    }

    /// @dev `record` with field `field` (0: content hash, 1: category, 2: subject) changed by nonzero `delta`.
    function _mutate(
        IRecordRegistry.RecordAnchor memory record,
        uint256 field,
        uint256 delta
    ) internal pure returns (IRecordRegistry.RecordAnchor memory changed) {
        changed = IRecordRegistry.RecordAnchor({
            contentHash: record.contentHash,
            category: record.category,
            subjectCommitment: record.subjectCommitment
        });
        if (field == 0) {
            changed.contentHash = record.contentHash ^ bytes32(delta | 1);
        } else if (field == 1) {
            changed.category = uint8((uint256(record.category) + 1 + (delta % 255)) % 256);
        } else {
            changed.subjectCommitment = record.subjectCommitment ^ bytes32(delta | 1);
        }
    }

    function _leaf(IRecordRegistry.RecordAnchor memory record) internal pure returns (bytes32) {
        return StandardMerkleTree.leafHash(abi.encode(record.contentHash, record.category, record.subjectCommitment));
    }

    function _leaves(IRecordRegistry.RecordAnchor[] memory records) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](records.length);
        for (uint256 i = 0; i < records.length; ++i) leaves[i] = _leaf(records[i]);
    }

    /// @dev The records of `records` whose leaves are `leaves`, in that order.
    function _recordsOf(
        IRecordRegistry.RecordAnchor[] memory records,
        bytes32[] memory leaves
    ) internal pure returns (IRecordRegistry.RecordAnchor[] memory ordered) {
        bytes32[] memory all = _leaves(records);
        ordered = new IRecordRegistry.RecordAnchor[](leaves.length);
        for (uint256 i = 0; i < leaves.length; ++i) {
            for (uint256 j = 0; j < all.length; ++j) {
                if (all[j] == leaves[i]) {
                    ordered[i] = records[j];
                    break;
                }
            }
        }
    }

    function _proofOf(
        bytes32[] memory tree,
        IRecordRegistry.RecordAnchor memory record
    ) internal pure returns (bytes32[] memory) {
        return tree.proofOf(_leaf(record));
    }

    /// @dev Builds the tree of `records` and anchors it as `steward`, with the manifest hash {MANIFEST}.
    function _anchorTree(
        address steward,
        IRecordRegistry.RecordAnchor[] memory records
    ) internal returns (bytes32[] memory tree) {
        tree = StandardMerkleTree.build(_leaves(records));
        vm.prank(steward);
        recordRegistry.anchorBatch(tree.root(), uint32(records.length), MANIFEST);
    }

    function _indices3(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory indices) {
        indices = new uint256[](3);
        indices[0] = a;
        indices[1] = b;
        indices[2] = c;
    }

    function _current(
        uint32 custodian,
        uint8 category,
        uint256 anchoredAt,
        bytes32 root
    ) internal pure returns (IRecordRegistry.RecordVerification memory) {
        return _ended(RecordStatus.Current, custodian, category, anchoredAt, 0, RetractionReason.EnteredInError, root);
    }

    function _ended(
        RecordStatus status,
        uint32 custodian,
        uint8 category,
        uint256 anchoredAt,
        uint256 statusChangedAt,
        RetractionReason reason,
        bytes32 root
    ) internal pure returns (IRecordRegistry.RecordVerification memory) {
        return
            IRecordRegistry.RecordVerification({
                status: status,
                custodian: custodian,
                category: category,
                anchoredAt: uint64(anchoredAt),
                statusChangedAt: uint64(statusChangedAt),
                retractionReason: reason,
                batchRoot: root
            });
    }

    function _entry(
        uint32 custodian,
        uint8 category,
        RecordStatus status,
        RetractionReason reason,
        bool inBatch,
        uint256 anchoredAt,
        uint256 statusChangedAt
    ) internal pure returns (IRecordRegistry.Record memory) {
        return
            IRecordRegistry.Record({
                custodian: custodian,
                category: category,
                status: status,
                retractionReason: reason,
                inBatch: inBatch,
                anchoredAt: uint64(anchoredAt),
                statusChangedAt: uint64(statusChangedAt)
            });
    }

    function _batchEntry(
        uint32 custodian,
        uint32 leafCount,
        bool retracted,
        RetractionReason reason,
        uint256 anchoredAt,
        uint256 retractedAt
    ) internal pure returns (IRecordRegistry.Batch memory) {
        return
            IRecordRegistry.Batch({
                custodian: custodian,
                leafCount: leafCount,
                retracted: retracted,
                retractionReason: reason,
                anchoredAt: uint64(anchoredAt),
                retractedAt: uint64(retractedAt)
            });
    }

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
