// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

import {IClaimRegistry} from "../../contracts/interfaces/IClaimRegistry.sol";
import {IConsentRegistry} from "../../contracts/interfaces/IConsentRegistry.sol";
import {IMemberRegistry} from "../../contracts/interfaces/IMemberRegistry.sol";
import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {MockERC1271Wallet} from "../../contracts/test/MockERC1271Wallet.sol";
import {ClaimRegistryV2Mock} from "../../contracts/test/UpgradeMocks.sol";
import {ClaimOutcome, ClaimReason, ClaimStatus} from "../../contracts/types/ClaimCodes.sol";
import {ConsortiumRoles} from "../../contracts/types/ConsortiumRoles.sol";
import {Categories, Purpose, Purposes, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {Duties, Duty, MemberKind, MemberStatus} from "../../contracts/types/MemberCodes.sol";
import {DeactivationReason, DelegateScopes} from "../../contracts/types/PatientCodes.sol";
import {RecordStatus, RetractionReason} from "../../contracts/types/RecordCodes.sol";
import {ExplicitOptIns, RequesterClass} from "../../contracts/types/ResearchCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice Proves ClaimRegistry's guarantees: only a ClaimsOfficer of an active hospital or clinic submits, to an
/// active insurer, a claim with a non-zero hash, an amount of 1 to MAX_AMOUNT, an ISO 4217 currency, a service
/// period that has started and does not end before it starts, and up to MAX_ATTACHMENTS distinct current records
/// the provider anchored on its own; the patient authorises it either by a live insurance-claim grant to the
/// insurer covering ClaimDocument and every attachment's category, or by a fresh EIP-712 signature of the patient
/// or a claims delegate over exactly this submission, this provider and this proxy's domain; one provider submits
/// one claim hash once; every step of the lifecycle is taken only by its party (the provider withdraws and
/// answers, the insurer reviews, asks, approves, denies and pays), only from the statuses the lifecycle allows,
/// with the exact outcome, reason and amounts in its event; new attachments always need a live grant; every
/// refusal names its exact cause and changes nothing; and the state lives at the ERC-7201 slot the formula gives.
contract ClaimRegistryTest is MedchainTestBase {
    /// @dev Every lifecycle step, for the table of statuses × steps.
    enum Step {
        StartReview,
        RequestInformation,
        ProvideInformation,
        ApproveInFull,
        ApprovePartially,
        Deny,
        MarkPaid,
        Withdraw
    }

    /// @dev The order of the secp256k1 group.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev A realistic clock, so service periods may lie in the past.
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant STATUS_COUNT = uint256(type(ClaimStatus).max) + 1;
    uint256 internal constant STEP_COUNT = uint256(type(Step).max) + 1;
    uint256 internal constant CATEGORY_COUNT = uint256(type(RecordCategory).max) + 1;
    /// @dev ISO 4217 numeric code of the New Taiwan dollar.
    uint16 internal constant TWD = 901;
    /// @dev NT$1,250.00 in minor units.
    uint128 internal constant AMOUNT = 125_000;
    uint128 internal constant PARTIAL_AMOUNT = 100_000;

    bytes32 internal constant COMMITMENT = keccak256("medchain claims person 1");
    bytes32 internal constant CLAIM_HASH = keccak256("canonical FHIR Claim 1");
    bytes32 internal constant REQUEST_HASH = keccak256("information request");
    bytes32 internal constant RESPONSE_HASH = keccak256("provider's answer");
    bytes32 internal constant PAYMENT_REFERENCE = keccak256("insurer payment reference");
    bytes32 internal constant MANIFEST = keccak256("medchain batch manifest");

    address internal patient;
    /// @dev The patient's key (`makeAddr` derives the account from it), so the patient can sign.
    uint256 internal patientKey;
    uint64 internal patientId;

    /// @dev A second insurer and its claims officer: never the party of the claims below.
    uint32 internal otherInsurerId;
    address internal otherInsurerClaimsOfficer;

    /// @dev Records the hospital's data steward anchored on their own (LabResult, ImagingReport, DischargeSummary).
    bytes32 internal labResult;
    bytes32 internal imagingReport;
    bytes32 internal dischargeSummary;
    /// @dev An outpatient record the clinic's data steward anchored.
    bytes32 internal clinicRecord;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
        patient = makeAddr("patient");
        patientKey = uint256(keccak256("patient"));
        assertEq(vm.addr(patientKey), patient, "the patient's key");
        patientId = registerAsHospital(patient, COMMITMENT);

        otherInsurerClaimsOfficer = makeAddr("otherInsurerClaimsOfficer");
        vm.startPrank(council);
        otherInsurerId = memberRegistry.addMember(MemberKind.Insurer, keccak256("other insurer profile"));
        memberRegistry.addOperator(otherInsurerClaimsOfficer, otherInsurerId, Duties.bit(Duty.ClaimsOfficer));
        vm.stopPrank();

        labResult = _anchor(dataSteward, "lab result", RecordCategory.LabResult);
        imagingReport = _anchor(dataSteward, "imaging report", RecordCategory.ImagingReport);
        dischargeSummary = _anchor(dataSteward, "discharge summary", RecordCategory.DischargeSummary);
        clinicRecord = _anchor(clinicDataSteward, "clinic visit", RecordCategory.Outpatient);
    }

    // ------------------------------------------------------------------------------------------------------
    // Deployment and wiring
    // ------------------------------------------------------------------------------------------------------

    function test_setUp_deploysAsTheClaimsModuleDoes() public view {
        assertEq(claimRegistry.authority(), address(authority), "claim registry authority");
        assertEq(address(claimRegistry.memberRegistry()), address(memberRegistry), "member registry proxy");
        assertEq(address(claimRegistry.patientRegistry()), address(patientRegistry), "patient registry proxy");
        assertEq(address(claimRegistry.consentRegistry()), address(consentRegistry), "consent registry proxy");
        assertEq(address(claimRegistry.recordRegistry()), address(recordRegistry), "record registry proxy");
        assertEq(
            address(claimRegistryImplementation.consentRegistry()),
            address(consentRegistry),
            "the implementation's immutable"
        );
        assertEq(claimRegistry.MAX_ATTACHMENTS(), 10, "MAX_ATTACHMENTS");
        assertEq(claimRegistry.MAX_AMOUNT(), type(uint64).max, "MAX_AMOUNT");
        assertEq(uint256(claimRegistry.MAX_CURRENCY()), 999, "MAX_CURRENCY");
        assertEq(claimRegistry.MAX_NONCE_JUMP(), 1_000_000, "MAX_NONCE_JUMP");
        assertEq(
            uint256(
                authority.getTargetFunctionRole(
                    address(claimRegistry),
                    bytes4(keccak256("upgradeToAndCall(address,bytes)"))
                )
            ),
            ConsortiumRoles.ADMIN_ROLE,
            "upgrades stay with the admin"
        );
        address[3] memory officers = [hospitalClaimsOfficer, clinicClaimsOfficer, insurerClaimsOfficer];
        uint32[3] memory members = [hospitalId, clinicId, insurerId];
        for (uint256 i = 0; i < officers.length; ++i) {
            assertTrue(memberRegistry.hasDuty(officers[i], Duty.ClaimsOfficer), "a claims officer");
            assertEq(memberRegistry.getOperator(officers[i]).memberId, members[i], "of its organisation");
        }
    }

    function test_initialize_revertsOnTheImplementation() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        claimRegistryImplementation.initialize(address(authority));
    }

    function test_initialize_revertsOnTheProxyTwice() public {
        vm.expectRevert(abi.encodeWithSelector(Initializable.InvalidInitialization.selector));
        claimRegistry.initialize(stranger);
        assertEq(claimRegistry.authority(), address(authority), "authority unchanged");
    }

    function test_upgradeToAndCall_isTheAdminsAndKeepsState() public {
        _grantInsurer(_defaultCategories());
        bytes32 claimId = _submit(_defaultSubmission());
        vm.prank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);
        vm.prank(patient);
        claimRegistry.invalidateClaimNonces(patientId, 4);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        ClaimRegistryV2Mock v2 = new ClaimRegistryV2Mock(
            IMemberRegistry(address(memberRegistry)),
            IPatientRegistry(address(patientRegistry)),
            IConsentRegistry(address(consentRegistry)),
            IRecordRegistry(address(recordRegistry))
        );

        vm.expectRevert(
            abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, insurerClaimsOfficer)
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.upgradeToAndCall(address(v2), "");

        claimRegistry.upgradeToAndCall(address(v2), "");
        assertEq(ClaimRegistryV2Mock(address(claimRegistry)).version(), 2, "upgraded");
        _assertClaim(claimRegistry.getClaim(claimId), before, "the claim after the upgrade");
        assertEq(claimRegistry.claimNonces(patientId), 4, "the nonce after the upgrade");
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, AMOUNT);
        assertEq(uint256(claimRegistry.getClaim(claimId).status), uint256(ClaimStatus.Approved), "still works");
    }

    function test_storageLocation_claimRegistryIsTheErc7201Slot() public {
        bytes32 slot = _erc7201("medchain.storage.ClaimRegistry");
        assertEq(slot, 0x92abaf69bca991947706ce44c619e30ce4dfd7fb9c40fd2bddf31876d979f900, "documented constant");

        _grantInsurer(_defaultCategories());
        bytes32 claimId = _submit(_defaultSubmission());
        vm.startPrank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);
        claimRegistry.requestInformation(claimId, uint8(ClaimReason.ItemisedReceiptNeeded), REQUEST_HASH);
        vm.stopPrank();
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, new bytes32[](0), RESPONSE_HASH);
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, PARTIAL_AMOUNT);

        // claims: namespace + 0, two slots. Slot 0 packs patientId (64 bits), provider (32), insurer (32),
        // currency (16), status (8), reason (8), attachmentCount (8), authorizedBySignature (8), claimedAmount (64).
        bytes32 claimSlot = keccak256(abi.encode(claimId, slot));
        uint256 word = uint256(vm.load(address(claimRegistry), claimSlot));
        assertEq(word & type(uint64).max, patientId, "claims[c].patientId");
        assertEq((word >> 64) & type(uint32).max, hospitalId, "claims[c].provider");
        assertEq((word >> 96) & type(uint32).max, insurerId, "claims[c].insurer");
        assertEq((word >> 128) & type(uint16).max, TWD, "claims[c].currency");
        assertEq((word >> 144) & 0xff, uint8(ClaimStatus.PartiallyApproved), "claims[c].status");
        assertEq((word >> 152) & 0xff, uint8(ClaimReason.ItemisedReceiptNeeded), "claims[c].reason");
        assertEq((word >> 160) & 0xff, 2, "claims[c].attachmentCount");
        assertEq((word >> 168) & 0xff, 0, "claims[c].authorizedBySignature");
        assertEq((word >> 176) & type(uint64).max, AMOUNT, "claims[c].claimedAmount");
        assertEq(word >> 240, 0, "nothing else in slot 0");
        // Slot 1 packs approvedAmount, submittedAt, serviceStart and serviceEnd (64 bits each).
        word = uint256(vm.load(address(claimRegistry), bytes32(uint256(claimSlot) + 1)));
        assertEq(word & type(uint64).max, PARTIAL_AMOUNT, "claims[c].approvedAmount");
        assertEq((word >> 64) & type(uint64).max, START, "claims[c].submittedAt");
        assertEq((word >> 128) & type(uint64).max, START - 3 days, "claims[c].serviceStart");
        assertEq(word >> 192, START - 1 days, "claims[c].serviceEnd");
        assertEq(
            vm.load(address(claimRegistry), bytes32(uint256(claimSlot) + 2)),
            bytes32(0),
            "a claim takes two slots"
        );

        // nonces: namespace + 1.
        vm.prank(patient);
        claimRegistry.invalidateClaimNonces(patientId, 77);
        assertEq(
            uint256(vm.load(address(claimRegistry), keccak256(abi.encode(uint256(patientId), uint256(slot) + 1)))),
            77,
            "nonces[p]"
        );
        assertEq(vm.load(address(claimRegistryImplementation), slot), bytes32(0), "the implementation holds no state");
        assertEq(
            vm.load(address(claimRegistryImplementation), claimSlot),
            bytes32(0),
            "the implementation holds no claim"
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
        ) = claimRegistry.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "fields: name, version, chainId, verifyingContract");
        assertEq(name, "medchain ClaimRegistry", "name");
        assertEq(version, "1", "version");
        assertEq(chainId, block.chainid, "chainId");
        assertEq(verifyingContract, address(claimRegistry), "verifyingContract is the proxy");
        assertEq(salt, bytes32(0), "no salt");
        assertEq(extensions.length, 0, "no extensions");
    }

    function testFuzz_claimIdOf_isTheHashOfProviderAndClaimHash(uint32 provider, bytes32 claimHash) public view {
        assertEq(claimRegistry.claimIdOf(provider, claimHash), keccak256(abi.encode(provider, claimHash)), "claimIdOf");
    }

    function test_getClaim_isAllZeroForAnUnknownClaim() public view {
        _assertNoClaim(keccak256("never submitted"), "unknown claim");
        assertEq(claimRegistry.claimNonces(patientId), 0, "no nonce used");
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaim: the happy paths
    // ------------------------------------------------------------------------------------------------------

    function test_submitClaim_storesAndEmits() public {
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        bytes32 claimId = claimRegistry.claimIdOf(hospitalId, CLAIM_HASH);
        assertEq(claimId, keccak256(abi.encode(hospitalId, CLAIM_HASH)), "claimIdOf");

        _expectSubmitted(claimId, submission, hospitalId, hospitalClaimsOfficer, false);
        vm.prank(hospitalClaimsOfficer);
        assertEq(claimRegistry.submitClaim(submission), claimId, "returned claimId");

        _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, hospitalId, false), "stored claim");
        assertEq(claimRegistry.claimNonces(patientId), 0, "a consent-based claim uses no nonce");
        _assertNoClaim(claimRegistry.claimIdOf(clinicId, CLAIM_HASH), "another provider's id stays free");
    }

    function test_submitClaim_byTheClinicWithItsOwnRecord() public {
        _grantInsurer(Categories.bit(RecordCategory.Outpatient) | Categories.bit(RecordCategory.ClaimDocument));
        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, _list(clinicRecord));
        bytes32 claimId = claimRegistry.claimIdOf(clinicId, CLAIM_HASH);
        _expectSubmitted(claimId, submission, clinicId, clinicClaimsOfficer, false);
        vm.prank(clinicClaimsOfficer);
        claimRegistry.submitClaim(submission);
        _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, clinicId, false), "clinic claim");
    }

    function test_submitClaim_withoutAttachmentsNeedsOnlyClaimDocuments() public {
        _grantInsurer(Categories.bit(RecordCategory.ClaimDocument));
        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, new bytes32[](0));
        bytes32 claimId = _submit(submission);
        _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, hospitalId, false), "stored claim");
    }

    function test_submitClaim_acceptsTheEdgesOfEveryRange() public {
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();

        // The largest amount, the first and the last currency, a one-second service period that starts now.
        submission.claimedAmount = uint128(claimRegistry.MAX_AMOUNT());
        submission.currency = 1;
        submission.serviceStart = uint64(START);
        submission.serviceEnd = uint64(START);
        bytes32 claimId = _submit(submission);
        _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, hospitalId, false), "edges 1");

        // The smallest amount, the last currency, a service period that started at second 1.
        submission.claimHash = keccak256("canonical FHIR Claim 2");
        submission.claimedAmount = 1;
        submission.currency = 999;
        submission.serviceStart = 1;
        claimId = _submit(submission);
        _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, hospitalId, false), "edges 2");
    }

    function test_submitClaim_acceptsMaxAttachments() public {
        bytes32[] memory attachments = _hospitalRecords(10, RecordCategory.LabResult);
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, attachments);
        bytes32 claimId = _submit(submission);
        assertEq(uint256(claimRegistry.getClaim(claimId).attachmentCount), 10, "ten attachments");
    }

    function testFuzz_submitClaim_needsAGrantCoveringClaimDocumentsAndEveryAttachment(
        uint32 granted,
        uint16 attachedSeed
    ) public {
        // One current record of the hospital in each category but ClaimDocument; attach up to MAX_ATTACHMENTS.
        uint32 grantedCategories = uint32(bound(granted, 1, Categories.ALL));
        bytes32[] memory byCategory = new bytes32[](CATEGORY_COUNT - 1);
        for (uint256 c = 0; c + 1 < CATEGORY_COUNT; ++c) {
            byCategory[c] = _anchor(dataSteward, string.concat("fuzz record ", vm.toString(c)), RecordCategory(c));
        }
        uint256 attached = uint256(attachedSeed) & ((1 << (CATEGORY_COUNT - 1)) - 1);
        bytes32[] memory attachments = new bytes32[](_popcount(attached) > 10 ? 10 : _popcount(attached));
        uint32 needed = Categories.bit(RecordCategory.ClaimDocument);
        uint256 n = 0;
        for (uint256 c = 0; c + 1 < CATEGORY_COUNT && n < attachments.length; ++c) {
            if (attached & (1 << c) == 0) continue;
            attachments[n++] = byCategory[c];
            needed |= Categories.bit(RecordCategory(c));
        }
        _grantInsurer(grantedCategories);

        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, attachments);
        bytes32 claimId = claimRegistry.claimIdOf(hospitalId, CLAIM_HASH);
        if (grantedCategories & needed == needed) {
            _expectSubmitted(claimId, submission, hospitalId, hospitalClaimsOfficer, false);
            vm.prank(hospitalClaimsOfficer);
            claimRegistry.submitClaim(submission);
            assertEq(uint256(claimRegistry.getClaim(claimId).status), uint256(ClaimStatus.Submitted), "submitted");
        } else {
            _expectSubmitRevert(
                submission,
                hospitalClaimsOfficer,
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryNotAuthorizedByPatient.selector,
                    patientId,
                    insurerId,
                    needed
                )
            );
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaim: the patient's consent
    // ------------------------------------------------------------------------------------------------------

    function test_submitClaim_revertsWithoutAGrant() public {
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));
    }

    function test_submitClaim_revertsForAGrantOutsideItsWindow() public {
        // A grant that starts tomorrow, then the same grant once it has ended.
        vm.prank(patient);
        consentRegistry.grant(
            _grantRequest(insurerId, _defaultCategories(), uint64(START + 1 days), uint64(START + 2 days))
        );
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));

        vm.warp(START + 2 days);
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));

        // One second before its end it authorises.
        vm.warp(START + 2 days - 1);
        _submit(_defaultSubmission());
    }

    function test_submitClaim_revertsForARevokedGrant() public {
        _grantInsurer(_defaultCategories());
        vm.prank(patient);
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: patientId, grantee: insurerId}));
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));
    }

    function test_submitClaim_revertsForAGrantMissingACategory() public {
        // The grant covers the default attachments, not the discharge summary.
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, _list(labResult, dischargeSummary));
        _expectSubmitRevert(
            submission,
            hospitalClaimsOfficer,
            _notAuthorized(
                Categories.bit(RecordCategory.LabResult) |
                    Categories.bit(RecordCategory.DischargeSummary) |
                    Categories.bit(RecordCategory.ClaimDocument)
            )
        );

        // A grant of every attachment's category but not of ClaimDocument itself.
        _grantInsurer(Categories.bit(RecordCategory.LabResult) | Categories.bit(RecordCategory.ImagingReport));
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));
    }

    function test_submitClaim_revertsForAGrantForAnotherPurposeOrToAnotherInsurer() public {
        vm.startPrank(patient);
        IConsentRegistry.GrantRequest memory request = _grantRequest(
            insurerId,
            Categories.ALL,
            uint64(START),
            uint64(START + 30 days)
        );
        // Every other purpose, even commercial ones, through a third-party grant with every opt-in.
        request.purposes = Purposes.ALL & ~Purposes.bit(Purpose.InsuranceClaim);
        consentRegistry.grantThirdParty(
            IConsentRegistry.ThirdPartyGrantRequest({
                grant: request,
                requesterClass: RequesterClass.Insurer,
                optIns: ExplicitOptIns.ALL
            })
        );
        consentRegistry.grant(_grantRequest(otherInsurerId, Categories.ALL, uint64(START), uint64(START + 30 days)));
        vm.stopPrank();
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));
    }

    function test_submitClaim_revertsForADeactivatedPatient() public {
        _grantInsurer(_defaultCategories());
        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Deceased);
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, _notAuthorized(_defaultCategories()));
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaim: the insurer
    // ------------------------------------------------------------------------------------------------------

    function test_submitClaim_revertsUnlessTheInsurerIsAnActiveInsurer() public {
        _grantInsurer(_defaultCategories());
        // Active organisations that are not insurers.
        _checkInsurerRefused(hospitalId, MemberKind.Hospital, MemberStatus.Active);
        _checkInsurerRefused(clinicId, MemberKind.Clinic, MemberStatus.Active);
        // Unknown ids read as a zero member: kind 0 (Hospital), status None.
        _checkInsurerRefused(0, MemberKind.Hospital, MemberStatus.None);
        _checkInsurerRefused(memberRegistry.memberCount() + 1, MemberKind.Hospital, MemberStatus.None);
        _checkInsurerRefused(type(uint32).max, MemberKind.Hospital, MemberStatus.None);

        // A suspended insurer, until reinstated; a removed one for good.
        vm.prank(guardian);
        memberRegistry.suspendMember(insurerId, 1);
        _checkInsurerRefused(insurerId, MemberKind.Insurer, MemberStatus.Suspended);
        vm.prank(council);
        memberRegistry.reinstateMember(insurerId);
        bytes32 claimId = _submit(_defaultSubmission());
        assertEq(uint256(claimRegistry.getClaim(claimId).insurer), insurerId, "reinstated: accepted");

        vm.prank(council);
        memberRegistry.removeMember(otherInsurerId, 2);
        _checkInsurerRefused(otherInsurerId, MemberKind.Insurer, MemberStatus.Removed);
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaim: the submission's fields
    // ------------------------------------------------------------------------------------------------------

    function test_submitClaim_revertsForAZeroClaimHash() public {
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        submission.claimHash = bytes32(0);
        submission.claimedAmount = 0; // the hash is checked first
        _expectSubmitRevert(
            submission,
            hospitalClaimsOfficer,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryZeroClaimHash.selector)
        );
    }

    function test_submitClaim_revertsForAnAmountOutOfRange() public {
        _grantInsurer(_defaultCategories());
        uint256 maxAmount = claimRegistry.MAX_AMOUNT();
        uint128[3] memory amounts = [uint128(0), uint128(maxAmount) + 1, type(uint128).max];
        for (uint256 i = 0; i < amounts.length; ++i) {
            IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
            submission.claimedAmount = amounts[i];
            _expectSubmitRevert(
                submission,
                hospitalClaimsOfficer,
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryAmountOutOfRange.selector,
                    uint256(amounts[i]),
                    maxAmount
                )
            );
        }
    }

    function test_submitClaim_revertsForAnUnknownCurrency() public {
        _grantInsurer(_defaultCategories());
        uint16[3] memory currencies = [uint16(0), 1000, type(uint16).max];
        for (uint256 i = 0; i < currencies.length; ++i) {
            IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
            submission.currency = currencies[i];
            _expectSubmitRevert(
                submission,
                hospitalClaimsOfficer,
                abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnknownCurrency.selector, currencies[i])
            );
        }
    }

    function test_submitClaim_revertsForAnInvalidServicePeriod() public {
        _grantInsurer(_defaultCategories());
        // [start, end]: ends before it starts; starts at zero (with either end); starts in the future.
        uint64[2][5] memory periods = [
            [uint64(START - 1 days), uint64(START - 1 days - 1)],
            [uint64(0), uint64(0)],
            [uint64(0), uint64(START - 1 days)],
            [uint64(START + 1), uint64(START + 1)],
            [uint64(START + 1 days), uint64(START + 2 days)]
        ];
        for (uint256 i = 0; i < periods.length; ++i) {
            IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
            submission.serviceStart = periods[i][0];
            submission.serviceEnd = periods[i][1];
            _expectSubmitRevert(
                submission,
                hospitalClaimsOfficer,
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryInvalidServicePeriod.selector,
                    periods[i][0],
                    periods[i][1]
                )
            );
        }
    }

    /// @dev The first failing check names the refusal: hash, amount, currency, service period, in that order.
    function testFuzz_submitClaim_checksAmountCurrencyAndPeriodInOrder(
        uint128 amount,
        uint16 currency,
        uint64 serviceStart,
        uint64 serviceEnd,
        bool nearRanges
    ) public {
        if (nearRanges) {
            // Raw values are rarely valid: also draw them around the edges of each range.
            amount = uint128(bound(amount, 0, uint256(type(uint64).max) + 1));
            currency = uint16(bound(currency, 0, 1000));
            serviceStart = uint64(bound(serviceStart, 0, START + 1));
            serviceEnd = uint64(bound(serviceEnd, serviceStart > 0 ? serviceStart - 1 : 0, START + 1 days));
        }
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        submission.claimedAmount = amount;
        submission.currency = currency;
        submission.serviceStart = serviceStart;
        submission.serviceEnd = serviceEnd;

        bytes memory expected;
        if (amount == 0 || amount > type(uint64).max) {
            expected = abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAmountOutOfRange.selector,
                uint256(amount),
                uint256(type(uint64).max)
            );
        } else if (currency == 0 || currency > 999) {
            expected = abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnknownCurrency.selector, currency);
        } else if (serviceStart == 0 || serviceEnd < serviceStart || serviceStart > START) {
            expected = abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryInvalidServicePeriod.selector,
                serviceStart,
                serviceEnd
            );
        }
        if (expected.length != 0) {
            _expectSubmitRevert(submission, hospitalClaimsOfficer, expected);
        } else {
            bytes32 claimId = _submit(submission);
            _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, hospitalId, false), "stored");
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaim: attachments
    // ------------------------------------------------------------------------------------------------------

    function test_submitClaim_revertsForAnAttachmentNotAnchoredOnItsOwn() public {
        _grantInsurer(Categories.ALL);
        // Never anchored at all.
        bytes32 unknown = keccak256("never anchored");
        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(labResult, unknown)),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryAttachmentNotAnchored.selector, unknown)
        );

        // A current leaf of the hospital's batch: it has no entry of its own.
        IRecordRegistry.RecordAnchor memory leaf = _recordAnchor("batch leaf", RecordCategory.LabResult);
        bytes32 root = recordRegistry.batchLeaf(leaf); // a one-leaf tree's root is its leaf
        vm.prank(dataSteward);
        recordRegistry.anchorBatch(root, 1, MANIFEST);
        assertEq(
            uint256(recordRegistry.verifyBatchRecord(root, leaf, new bytes32[](0)).status),
            uint256(RecordStatus.Current),
            "the leaf is a current record of the batch"
        );
        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(leaf.contentHash)),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryAttachmentNotAnchored.selector, leaf.contentHash)
        );
    }

    function test_submitClaim_revertsForARetractedOrSupersededAttachment() public {
        _grantInsurer(Categories.ALL);
        vm.startPrank(dataSteward);
        recordRegistry.retractRecord(imagingReport, uint8(RetractionReason.WrongPatient));
        recordRegistry.amendRecord(labResult, _recordAnchor("lab result v2", RecordCategory.LabResult));
        vm.stopPrank();

        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(dischargeSummary, imagingReport)),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentNotCurrent.selector,
                imagingReport,
                RecordStatus.Retracted
            )
        );
        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(labResult)),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentNotCurrent.selector,
                labResult,
                RecordStatus.Superseded
            )
        );
        // The amendment is current and may be attached.
        bytes32 amendment = _recordAnchor("lab result v2", RecordCategory.LabResult).contentHash;
        _submit(_submission(CLAIM_HASH, _list(amendment, dischargeSummary)));
    }

    function test_submitClaim_revertsForAnAttachmentOfAnotherCustodian() public {
        _grantInsurer(Categories.ALL);
        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(labResult, clinicRecord)),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentOfAnotherCustodian.selector,
                clinicRecord,
                clinicId,
                hospitalId
            )
        );
        // The other way round: the clinic attaching the hospital's record.
        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(clinicRecord, labResult)),
            clinicClaimsOfficer,
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentOfAnotherCustodian.selector,
                labResult,
                hospitalId,
                clinicId
            )
        );
    }

    function test_submitClaim_revertsForADuplicatedAttachment() public {
        _grantInsurer(Categories.ALL);
        _expectSubmitRevert(
            _submission(CLAIM_HASH, _list(labResult, imagingReport, labResult)),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryDuplicateAttachment.selector, labResult)
        );
    }

    function test_submitClaim_revertsForMoreThanMaxAttachments() public {
        _grantInsurer(Categories.ALL);
        bytes32[] memory attachments = _hospitalRecords(11, RecordCategory.LabResult);
        _expectSubmitRevert(
            _submission(CLAIM_HASH, attachments),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryTooManyAttachments.selector, 11, 10)
        );
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaim: duplicates and callers
    // ------------------------------------------------------------------------------------------------------

    function test_submitClaim_revertsForADuplicateClaimWhateverItsStatus() public {
        _grantInsurer(Categories.ALL);
        bytes32 claimId = _submit(_defaultSubmission());
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(claimId);
        bytes memory expected = abi.encodeWithSelector(
            IClaimRegistry.ClaimRegistryDuplicateClaim.selector,
            claimId,
            hospitalId,
            CLAIM_HASH
        );

        // The same hash with other fields, later, and once the claim was withdrawn.
        vm.warp(START + 1 days);
        IClaimRegistry.ClaimSubmission memory again = _submission(CLAIM_HASH, _list(dischargeSummary));
        again.claimedAmount = 1;
        _expectSubmitRevert(again, hospitalClaimsOfficer, expected);
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.withdrawClaim(claimId);
        stored.status = ClaimStatus.Withdrawn;
        _expectSubmitRevert(_defaultSubmission(), hospitalClaimsOfficer, expected);
        _assertClaim(claimRegistry.getClaim(claimId), stored, "the first claim stands");

        // Another provider may use the same hash: it is another claim.
        IClaimRegistry.ClaimSubmission memory clinics = _submission(CLAIM_HASH, _list(clinicRecord));
        vm.prank(clinicClaimsOfficer);
        bytes32 clinicClaimId = claimRegistry.submitClaim(clinics);
        assertTrue(clinicClaimId != claimId, "another provider, another id");
        _assertClaim(claimRegistry.getClaim(clinicClaimId), _storedClaim(clinics, clinicId, false), "clinic claim");
    }

    function test_submitClaim_revertsForANonOperator() public {
        _grantInsurer(Categories.ALL);
        _expectSubmitRevert(
            _defaultSubmission(),
            stranger,
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger)
        );
        // Nor the patient.
        _expectSubmitRevert(
            _defaultSubmission(),
            patient,
            abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, patient)
        );
    }

    function test_submitClaim_revertsForAnOperatorWithoutTheClaimsOfficerDuty() public {
        _grantInsurer(Categories.ALL);
        address[4] memory others = [registrar, clinician, dataSteward, orgAdmin];
        for (uint256 i = 0; i < others.length; ++i) {
            _expectSubmitRevert(
                _defaultSubmission(),
                others[i],
                abi.encodeWithSelector(
                    IMemberRegistry.MemberRegistryMissingDuty.selector,
                    others[i],
                    hospitalId,
                    Duty.ClaimsOfficer
                )
            );
        }
    }

    function test_submitClaim_revertsForASuspendedOrganisationUntilReinstated() public {
        _grantInsurer(Categories.ALL);
        vm.prank(guardian);
        memberRegistry.suspendMember(hospitalId, 1);
        _expectSubmitRevert(
            _defaultSubmission(),
            hospitalClaimsOfficer,
            abi.encodeWithSelector(
                IMemberRegistry.MemberRegistryMemberNotActive.selector,
                hospitalId,
                MemberStatus.Suspended
            )
        );
        vm.prank(council);
        memberRegistry.reinstateMember(hospitalId);
        _submit(_defaultSubmission());
    }

    function test_submitClaim_revertsForAnInsurersClaimsOfficer() public {
        _grantInsurer(Categories.ALL);
        // Even with no attachments (they would be another custodian's): the caller is checked first.
        _expectSubmitRevert(
            _submission(CLAIM_HASH, new bytes32[](0)),
            insurerClaimsOfficer,
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryProviderNotCareProvider.selector,
                insurerId,
                MemberKind.Insurer
            )
        );
    }

    function testFuzz_submitClaim_onlyHospitalsAndClinicsSubmit(uint8 kind, uint16 otherDuties) public {
        MemberKind memberKind = MemberKind(bound(kind, 0, uint8(type(MemberKind).max)));
        uint16 duties = uint16(bound(otherDuties, 0, Duties.ALL)) | Duties.bit(Duty.ClaimsOfficer);
        address officer = makeAddr("fuzzed claims officer");
        vm.startPrank(council);
        uint32 memberId = memberRegistry.addMember(memberKind, keccak256("fuzzed member"));
        memberRegistry.addOperator(officer, memberId, duties);
        vm.stopPrank();
        _grantInsurer(Categories.bit(RecordCategory.ClaimDocument));

        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, new bytes32[](0));
        if (memberKind == MemberKind.Hospital || memberKind == MemberKind.Clinic) {
            _expectSubmitted(claimRegistry.claimIdOf(memberId, CLAIM_HASH), submission, memberId, officer, false);
            vm.prank(officer);
            claimRegistry.submitClaim(submission);
        } else {
            _expectSubmitRevert(
                submission,
                officer,
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryProviderNotCareProvider.selector,
                    memberId,
                    memberKind
                )
            );
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // submitClaimWithAuthorization
    // ------------------------------------------------------------------------------------------------------

    function test_claimAuthorizationDigest_isTheEip712DigestOverTheProxysDomain() public view {
        bytes32 typehash = keccak256(
            "ClaimAuthorization(uint64 patientId,uint32 provider,uint32 insurer,bytes32 claimHash,"
            "uint128 claimedAmount,uint16 currency,uint64 serviceStart,uint64 serviceEnd,bytes32[] attachments,"
            "address signer,uint256 nonce,uint64 deadline)"
        );
        assertEq(claimRegistry.CLAIM_AUTHORIZATION_TYPEHASH(), typehash, "CLAIM_AUTHORIZATION_TYPEHASH");

        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        uint256 nonce = 7;
        uint64 deadline = uint64(START + 1 hours);
        bytes32 expected = keccak256(
            abi.encodePacked(
                hex"1901",
                _domainSeparator(address(claimRegistry)),
                _structHash(typehash, submission, hospitalId, patient, nonce, deadline)
            )
        );
        assertEq(
            claimRegistry.claimAuthorizationDigest(submission, hospitalId, patient, nonce, deadline),
            expected,
            "claimAuthorizationDigest"
        );

        // An empty list of attachments hashes as keccak256 of no bytes (EIP-712 arrays).
        IClaimRegistry.ClaimSubmission memory bare = _submission(CLAIM_HASH, new bytes32[](0));
        assertEq(
            claimRegistry.claimAuthorizationDigest(bare, hospitalId, patient, nonce, deadline),
            keccak256(
                abi.encodePacked(
                    hex"1901",
                    _domainSeparator(address(claimRegistry)),
                    _structHash(typehash, bare, hospitalId, patient, nonce, deadline)
                )
            ),
            "claimAuthorizationDigest without attachments"
        );

        // The provider, the signer, the nonce, the deadline and every field of the submission are signed.
        assertTrue(
            claimRegistry.claimAuthorizationDigest(submission, clinicId, patient, nonce, deadline) != expected,
            "binds the provider"
        );
        assertTrue(
            claimRegistry.claimAuthorizationDigest(submission, hospitalId, stranger, nonce, deadline) != expected,
            "binds the signer"
        );
        assertTrue(
            claimRegistry.claimAuthorizationDigest(submission, hospitalId, patient, nonce + 1, deadline) != expected,
            "binds the nonce"
        );
        assertTrue(
            claimRegistry.claimAuthorizationDigest(submission, hospitalId, patient, nonce, deadline + 1) != expected,
            "binds the deadline"
        );
        IClaimRegistry.ClaimSubmission memory reordered = _submission(CLAIM_HASH, _list(imagingReport, labResult));
        assertTrue(
            claimRegistry.claimAuthorizationDigest(reordered, hospitalId, patient, nonce, deadline) != expected,
            "binds the order of the attachments"
        );

        // The domain is the proxy's: the implementation, asked directly, signs another domain.
        bytes32 implementationDigest = keccak256(
            abi.encodePacked(
                hex"1901",
                _domainSeparator(address(claimRegistryImplementation)),
                _structHash(typehash, submission, hospitalId, patient, nonce, deadline)
            )
        );
        assertEq(
            claimRegistryImplementation.claimAuthorizationDigest(submission, hospitalId, patient, nonce, deadline),
            implementationDigest,
            "implementation digest"
        );
        assertTrue(implementationDigest != expected, "proxy and implementation domains differ");
    }

    function test_submitClaimWithAuthorization_thePatientsSignatureNeedsNoGrant() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        uint64 deadline = uint64(START + 1 hours);
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(patientKey, submission, hospitalId, 0, deadline);
        assertEq(
            uint256(consentRegistry.getGrant(patientId, insurerId).expiresAt),
            0,
            "the patient never granted the insurer anything"
        );
        // The digest the patient signed recovers to the patient.
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            patientKey,
            claimRegistry.claimAuthorizationDigest(submission, hospitalId, patient, 0, deadline)
        );
        assertEq(
            ecrecover(claimRegistry.claimAuthorizationDigest(submission, hospitalId, patient, 0, deadline), v, r, s),
            patient,
            "signed by the patient"
        );

        bytes32 claimId = claimRegistry.claimIdOf(hospitalId, CLAIM_HASH);
        _expectSubmitted(claimId, submission, hospitalId, hospitalClaimsOfficer, true);
        vm.prank(hospitalClaimsOfficer);
        assertEq(claimRegistry.submitClaimWithAuthorization(submission, authorization), claimId, "returned claimId");

        _assertClaim(claimRegistry.getClaim(claimId), _storedClaim(submission, hospitalId, true), "stored claim");
        assertEq(claimRegistry.claimNonces(patientId), 1, "nonce consumed");
        assertEq(consentRegistry.nonces(patientId), 0, "the consent nonce is another counter");
    }

    function test_submitClaimWithAuthorization_acceptsASignatureAtItsDeadline() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            patientKey,
            submission,
            hospitalId,
            0,
            uint64(START + 1 hours)
        );
        vm.warp(START + 1 hours);
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        assertEq(claimRegistry.claimNonces(patientId), 1, "nonce consumed");
    }

    function test_submitClaimWithAuthorization_aClaimsDelegateMaySign() public {
        uint256 delegateKey = uint256(keccak256("claims delegate"));
        address delegate = vm.addr(delegateKey);
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.CLAIMS, uint64(START + 30 days));

        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            delegateKey,
            submission,
            hospitalId,
            0,
            uint64(START + 1 hours)
        );
        bytes32 claimId = claimRegistry.claimIdOf(hospitalId, CLAIM_HASH);
        _expectSubmitted(claimId, submission, hospitalId, hospitalClaimsOfficer, true);
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        assertEq(claimRegistry.claimNonces(patientId), 1, "the delegate used the patient's nonce");
    }

    function test_submitClaimWithAuthorization_revertsForASignerWithoutTheClaimsMandate() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        uint64 deadline = uint64(START + 1 hours);

        // A delegate with every scope but CLAIMS.
        uint256 consentDelegateKey = uint256(keccak256("consent delegate"));
        address consentDelegate = vm.addr(consentDelegateKey);
        vm.prank(patient);
        patientRegistry.appointDelegate(
            patientId,
            consentDelegate,
            DelegateScopes.ALL & ~DelegateScopes.CLAIMS,
            uint64(START + 30 days)
        );
        _expectSignedSubmitRevert(
            submission,
            _sign(consentDelegateKey, submission, hospitalId, 0, deadline),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnauthorizedSigner.selector, patientId, consentDelegate)
        );

        // A claims delegate whose mandate has ended.
        uint256 pastDelegateKey = uint256(keccak256("past claims delegate"));
        address pastDelegate = vm.addr(pastDelegateKey);
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, pastDelegate, DelegateScopes.CLAIMS, uint64(START + 1 hours));
        vm.warp(START + 1 hours);
        _expectSignedSubmitRevert(
            submission,
            _sign(pastDelegateKey, submission, hospitalId, 0, deadline),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnauthorizedSigner.selector, patientId, pastDelegate)
        );

        // A registrar's appointment, before the recovery delay has passed.
        uint256 pendingDelegateKey = uint256(keccak256("pending claims delegate"));
        address pendingDelegate = vm.addr(pendingDelegateKey);
        vm.prank(registrar);
        patientRegistry.appointDelegate(patientId, pendingDelegate, DelegateScopes.CLAIMS, uint64(START + 30 days));
        _expectSignedSubmitRevert(
            submission,
            _sign(pendingDelegateKey, submission, hospitalId, 0, deadline),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnauthorizedSigner.selector, patientId, pendingDelegate)
        );

        // Anyone else, the provider's own officer included.
        uint256 strangerKey = uint256(keccak256("stranger"));
        assertEq(vm.addr(strangerKey), stranger, "the stranger's key");
        _expectSignedSubmitRevert(
            submission,
            _sign(strangerKey, submission, hospitalId, 0, deadline),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnauthorizedSigner.selector, patientId, stranger)
        );
        uint256 officerKey = uint256(keccak256("hospitalClaimsOfficer"));
        _expectSignedSubmitRevert(
            submission,
            _sign(officerKey, submission, hospitalId, 0, deadline),
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryUnauthorizedSigner.selector,
                patientId,
                hospitalClaimsOfficer
            )
        );
    }

    function test_submitClaimWithAuthorization_revertsAfterTheDeadline() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        uint64 deadline = uint64(START + 1 hours);
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(patientKey, submission, hospitalId, 0, deadline);
        vm.warp(uint256(deadline) + 1);
        _expectSignedSubmitRevert(
            submission,
            authorization,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryExpiredSignature.selector, deadline, deadline + 1)
        );
    }

    function test_submitClaimWithAuthorization_revertsForAWrongNonceAndOnReplay() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        uint64 deadline = uint64(START + 1 hours);
        // Signed with a nonce ahead of the patient's.
        _expectSignedSubmitRevert(
            submission,
            _sign(patientKey, submission, hospitalId, 1, deadline),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidNonce.selector, patientId, 0, 1)
        );

        // Relayed once; the same signature again is a stale nonce (checked before the duplicate claim).
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(patientKey, submission, hospitalId, 0, deadline);
        vm.prank(hospitalClaimsOfficer);
        bytes32 claimId = claimRegistry.submitClaimWithAuthorization(submission, authorization);
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(claimId);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidNonce.selector, patientId, 1, 0));
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        assertEq(claimRegistry.claimNonces(patientId), 1, "a replay consumes nothing");
        _assertClaim(claimRegistry.getClaim(claimId), stored, "the claim stands");

        // A fresh signature over the same submission with the new nonce: the claim already exists.
        IClaimRegistry.ClaimAuthorization memory fresh = _sign(patientKey, submission, hospitalId, 1, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryDuplicateClaim.selector, claimId, hospitalId, CLAIM_HASH)
        );
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, fresh);
        assertEq(claimRegistry.claimNonces(patientId), 1, "a refused duplicate consumes nothing");
    }

    function test_submitClaimWithAuthorization_revertsForAnotherKeysSignature() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        uint64 deadline = uint64(START + 1 hours);
        // Another key's signature, presented as the patient's.
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            uint256(keccak256("another key")),
            submission,
            hospitalId,
            0,
            deadline
        );
        authorization.signer = patient;
        _expectSignedSubmitRevert(
            submission,
            authorization,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidSignature.selector, patient)
        );

        // The high-s twin of the patient's own signature.
        bytes32 digest = claimRegistry.claimAuthorizationDigest(submission, hospitalId, patient, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(patientKey, digest);
        bytes32 twinS = bytes32(SECP256K1_N - uint256(s));
        uint8 twinV = v == 27 ? 28 : 27;
        assertEq(ecrecover(digest, twinV, r, twinS), patient, "the twin is a valid signature");
        authorization.signature = abi.encodePacked(r, twinS, twinV);
        _expectSignedSubmitRevert(
            submission,
            authorization,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidSignature.selector, patient)
        );

        // No signature at all.
        authorization.signature = "";
        _expectSignedSubmitRevert(
            submission,
            authorization,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidSignature.selector, patient)
        );
    }

    function test_submitClaimWithAuthorization_revertsForASignatureOverAnotherSubmission() public {
        IClaimRegistry.ClaimSubmission memory signedFor = _defaultSubmission();
        uint64 deadline = uint64(START + 1 hours);
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(patientKey, signedFor, hospitalId, 0, deadline);
        bytes memory invalid = abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidSignature.selector, patient);

        // Fewer attachments, other attachments, attachments in another order.
        _expectSignedSubmitRevert(_submission(CLAIM_HASH, _list(labResult)), authorization, invalid);
        _expectSignedSubmitRevert(_submission(CLAIM_HASH, _list(labResult, dischargeSummary)), authorization, invalid);
        _expectSignedSubmitRevert(_submission(CLAIM_HASH, _list(imagingReport, labResult)), authorization, invalid);
        // One minor unit more, another currency, another insurer, another service period.
        IClaimRegistry.ClaimSubmission memory altered = _defaultSubmission();
        altered.claimedAmount = AMOUNT + 1;
        _expectSignedSubmitRevert(altered, authorization, invalid);
        altered = _defaultSubmission();
        altered.currency = 840;
        _expectSignedSubmitRevert(altered, authorization, invalid);
        altered = _defaultSubmission();
        altered.insurer = otherInsurerId;
        _expectSignedSubmitRevert(altered, authorization, invalid);
        altered = _defaultSubmission();
        altered.serviceEnd = altered.serviceEnd + 1;
        _expectSignedSubmitRevert(altered, authorization, invalid);
        // Another deadline than the one signed.
        authorization.deadline = deadline + 1;
        _expectSignedSubmitRevert(signedFor, authorization, invalid);
    }

    function test_submitClaimWithAuthorization_revertsWhenAnotherProviderRelaysIt() public {
        // The patient signs the hospital's claim (no attachments, so any provider could file it).
        IClaimRegistry.ClaimSubmission memory submission = _submission(CLAIM_HASH, new bytes32[](0));
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            patientKey,
            submission,
            hospitalId,
            0,
            uint64(START + 1 hours)
        );
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidSignature.selector, patient));
        vm.prank(clinicClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        _assertNoClaim(claimRegistry.claimIdOf(clinicId, CLAIM_HASH), "no clinic claim");
        assertEq(claimRegistry.claimNonces(patientId), 0, "nonce unchanged");
    }

    function test_submitClaimWithAuthorization_revertsForAnInactivePatient() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            patientKey,
            submission,
            hospitalId,
            0,
            uint64(START + 1 hours)
        );
        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        _expectSignedSubmitRevert(
            submission,
            authorization,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryPatientNotActive.selector, patientId)
        );

        // An unknown patient id.
        IClaimRegistry.ClaimSubmission memory unknown = _defaultSubmission();
        unknown.patientId = 999;
        authorization = _sign(patientKey, unknown, hospitalId, 0, uint64(START + 1 hours));
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryPatientNotActive.selector, 999));
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(unknown, authorization);
    }

    function test_submitClaimWithAuthorization_checksTheSubmissionAndTheCallerFirst() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        submission.claimHash = bytes32(0);
        _expectSignedSubmitRevert(
            submission,
            _sign(patientKey, submission, hospitalId, 0, uint64(START + 1 hours)),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryZeroClaimHash.selector)
        );
        submission = _submission(CLAIM_HASH, _list(clinicRecord));
        _expectSignedSubmitRevert(
            submission,
            _sign(patientKey, submission, hospitalId, 0, uint64(START + 1 hours)),
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentOfAnotherCustodian.selector,
                clinicRecord,
                clinicId,
                hospitalId
            )
        );
        submission = _defaultSubmission();
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            patientKey,
            submission,
            insurerId,
            0,
            uint64(START + 1 hours)
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryProviderNotCareProvider.selector,
                insurerId,
                MemberKind.Insurer
            )
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        vm.expectRevert(abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger));
        vm.prank(stranger);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        assertEq(claimRegistry.claimNonces(patientId), 0, "nonce unchanged");
    }

    function test_submitClaimWithAuthorization_acceptsAContractWalletsSignature() public {
        uint256 ownerKey = uint256(keccak256("wallet owner"));
        MockERC1271Wallet wallet = new MockERC1271Wallet(vm.addr(ownerKey));
        uint64 walletPatientId = registerAsHospital(address(wallet), keccak256("medchain claims wallet person"));

        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        submission.patientId = walletPatientId;
        uint64 deadline = uint64(START + 1 hours);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            ownerKey,
            claimRegistry.claimAuthorizationDigest(submission, hospitalId, address(wallet), 0, deadline)
        );
        IClaimRegistry.ClaimAuthorization memory authorization = IClaimRegistry.ClaimAuthorization({
            signer: address(wallet),
            nonce: 0,
            deadline: deadline,
            signature: abi.encodePacked(r, s, v)
        });
        vm.prank(hospitalClaimsOfficer);
        bytes32 claimId = claimRegistry.submitClaimWithAuthorization(submission, authorization);
        assertTrue(claimRegistry.getClaim(claimId).authorizedBySignature, "authorised by the wallet");
        assertEq(claimRegistry.claimNonces(walletPatientId), 1, "the wallet's patient's nonce");
    }

    // ------------------------------------------------------------------------------------------------------
    // invalidateClaimNonces
    // ------------------------------------------------------------------------------------------------------

    function test_invalidateClaimNonces_voidsOutstandingSignatures() public {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            patientKey,
            submission,
            hospitalId,
            0,
            uint64(START + 1 hours)
        );
        vm.expectEmit(true, true, true, true, address(claimRegistry));
        emit IClaimRegistry.ClaimNoncesInvalidated(patientId, patient, 5);
        vm.prank(patient);
        claimRegistry.invalidateClaimNonces(patientId, 5);
        assertEq(claimRegistry.claimNonces(patientId), 5, "nonce moved");
        assertEq(consentRegistry.nonces(patientId), 0, "the consent nonce is another counter");
        _expectSignedSubmitRevert(
            submission,
            authorization,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidNonce.selector, patientId, 5, 0)
        );
        // A signature with the new nonce works.
        authorization = _sign(patientKey, submission, hospitalId, 5, uint64(START + 1 hours));
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        assertEq(claimRegistry.claimNonces(patientId), 6, "nonce consumed");
    }

    function test_invalidateClaimNonces_isThePatientsOrAClaimsDelegates() public {
        address claimsDelegate = makeAddr("claims delegate");
        address consentDelegate = makeAddr("consent delegate");
        vm.startPrank(patient);
        patientRegistry.appointDelegate(patientId, claimsDelegate, DelegateScopes.CLAIMS, uint64(START + 1 days));
        patientRegistry.appointDelegate(patientId, consentDelegate, DelegateScopes.CONSENT, uint64(START + 1 days));
        vm.stopPrank();

        vm.expectEmit(true, true, true, true, address(claimRegistry));
        emit IClaimRegistry.ClaimNoncesInvalidated(patientId, claimsDelegate, 3);
        vm.prank(claimsDelegate);
        claimRegistry.invalidateClaimNonces(patientId, 3);
        assertEq(claimRegistry.claimNonces(patientId), 3, "moved by the claims delegate");

        address[4] memory refused = [consentDelegate, stranger, hospitalClaimsOfficer, registrar];
        for (uint256 i = 0; i < refused.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnauthorizedSigner.selector, patientId, refused[i])
            );
            vm.prank(refused[i]);
            claimRegistry.invalidateClaimNonces(patientId, 4);
        }
        assertEq(claimRegistry.claimNonces(patientId), 3, "refusals move nothing");

        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryPatientNotActive.selector, patientId));
        vm.prank(patient);
        claimRegistry.invalidateClaimNonces(patientId, 4);
        assertEq(claimRegistry.claimNonces(patientId), 3, "a deactivated patient's nonce stays");
    }

    function test_invalidateClaimNonces_movesForwardAtMostMaxNonceJump() public {
        uint256 maxJump = claimRegistry.MAX_NONCE_JUMP();
        _checkInvalidateClaimNonces(0); // no move
        _checkInvalidateClaimNonces(maxJump + 1); // one beyond
        _checkInvalidateClaimNonces(maxJump); // the largest jump
        _checkInvalidateClaimNonces(maxJump); // the same nonce again
        _checkInvalidateClaimNonces(maxJump - 1); // backwards
        _checkInvalidateClaimNonces(2 * maxJump + 1); // one beyond, from there
        _checkInvalidateClaimNonces(maxJump + 1); // one step
        _checkInvalidateClaimNonces(type(uint256).max); // far beyond
    }

    function testFuzz_invalidateClaimNonces_movesForwardAtMostMaxNonceJump(uint256 first, uint256 requested) public {
        uint256 maxJump = claimRegistry.MAX_NONCE_JUMP();
        _checkInvalidateClaimNonces(bound(first, 1, maxJump));
        uint256 current = claimRegistry.claimNonces(patientId);
        _checkInvalidateClaimNonces(requested);
        // Raw values are almost always beyond the limit: also try one near the current nonce.
        _checkInvalidateClaimNonces(bound(requested, current > 2 ? current - 2 : 0, current + maxJump + 2));
    }

    // ------------------------------------------------------------------------------------------------------
    // The lifecycle, step by step
    // ------------------------------------------------------------------------------------------------------

    function test_lifecycle_reviewRequestAnswerApproveInFullAndPay() public {
        _grantInsurer(_defaultCategories());
        bytes32 claimId = _submit(_defaultSubmission());
        IClaimRegistry.Claim memory expected = _storedClaim(_defaultSubmission(), hospitalId, false);

        vm.warp(START + 1 days);
        _expectStatusChanged(
            claimId,
            ClaimStatus.InReview,
            insurerClaimsOfficer,
            ClaimStatus.Submitted,
            ClaimOutcome.Queued,
            ClaimReason.None,
            0,
            bytes32(0)
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);
        expected.status = ClaimStatus.InReview;
        _assertClaim(claimRegistry.getClaim(claimId), expected, "in review");

        _expectStatusChanged(
            claimId,
            ClaimStatus.InformationRequested,
            insurerClaimsOfficer,
            ClaimStatus.InReview,
            ClaimOutcome.Queued,
            ClaimReason.MedicalRecordNeeded,
            0,
            REQUEST_HASH
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.requestInformation(claimId, uint8(ClaimReason.MedicalRecordNeeded), REQUEST_HASH);
        expected.status = ClaimStatus.InformationRequested;
        expected.reason = ClaimReason.MedicalRecordNeeded;
        _assertClaim(claimRegistry.getClaim(claimId), expected, "information requested");

        _expectStatusChanged(
            claimId,
            ClaimStatus.InReview,
            hospitalClaimsOfficer,
            ClaimStatus.InformationRequested,
            ClaimOutcome.Queued,
            ClaimReason.None,
            0,
            RESPONSE_HASH
        );
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, new bytes32[](0), RESPONSE_HASH);
        expected.status = ClaimStatus.InReview;
        _assertClaim(claimRegistry.getClaim(claimId), expected, "answered: the request's reason is kept");

        _expectStatusChanged(
            claimId,
            ClaimStatus.Approved,
            insurerClaimsOfficer,
            ClaimStatus.InReview,
            ClaimOutcome.Complete,
            ClaimReason.None,
            uint64(AMOUNT),
            bytes32(0)
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, AMOUNT);
        expected.status = ClaimStatus.Approved;
        expected.approvedAmount = uint64(AMOUNT);
        _assertClaim(claimRegistry.getClaim(claimId), expected, "approved in full");

        vm.warp(START + 30 days);
        _expectStatusChanged(
            claimId,
            ClaimStatus.Paid,
            insurerClaimsOfficer,
            ClaimStatus.Approved,
            ClaimOutcome.Complete,
            ClaimReason.None,
            uint64(AMOUNT),
            PAYMENT_REFERENCE
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.markPaid(claimId, PAYMENT_REFERENCE);
        expected.status = ClaimStatus.Paid;
        _assertClaim(claimRegistry.getClaim(claimId), expected, "paid");
    }

    function test_approveClaim_forLessIsAPartialApprovalThenPaid() public {
        bytes32 claimId = _claimIn(ClaimStatus.InReview, CLAIM_HASH);
        _expectStatusChanged(
            claimId,
            ClaimStatus.PartiallyApproved,
            insurerClaimsOfficer,
            ClaimStatus.InReview,
            ClaimOutcome.Partial,
            ClaimReason.None,
            uint64(PARTIAL_AMOUNT),
            bytes32(0)
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, PARTIAL_AMOUNT);
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(claimId);
        assertEq(uint256(stored.status), uint256(ClaimStatus.PartiallyApproved), "partially approved");
        assertEq(uint256(stored.approvedAmount), PARTIAL_AMOUNT, "approved amount");
        assertEq(uint256(stored.claimedAmount), AMOUNT, "claimed amount kept");

        _expectStatusChanged(
            claimId,
            ClaimStatus.Paid,
            insurerClaimsOfficer,
            ClaimStatus.PartiallyApproved,
            ClaimOutcome.Complete,
            ClaimReason.None,
            uint64(PARTIAL_AMOUNT),
            PAYMENT_REFERENCE
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.markPaid(claimId, PAYMENT_REFERENCE);
        stored.status = ClaimStatus.Paid;
        _assertClaim(claimRegistry.getClaim(claimId), stored, "paid the approved amount");
    }

    function test_approveClaim_revertsForZeroOrMoreThanClaimed() public {
        bytes32 claimId = _claimIn(ClaimStatus.InReview, CLAIM_HASH);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        uint128[4] memory amounts = [uint128(0), AMOUNT + 1, uint128(type(uint64).max) + 1, type(uint128).max];
        for (uint256 i = 0; i < amounts.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryApprovedAmountOutOfRange.selector,
                    claimId,
                    uint256(amounts[i]),
                    uint64(AMOUNT)
                )
            );
            vm.prank(insurerClaimsOfficer);
            claimRegistry.approveClaim(claimId, amounts[i]);
            _assertClaim(claimRegistry.getClaim(claimId), before, "refused approval changes nothing");
        }
        // One minor unit is a partial approval.
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, 1);
        assertEq(uint256(claimRegistry.getClaim(claimId).approvedAmount), 1, "one minor unit");
    }

    function testFuzz_approveClaim_approvesOneToTheClaimedAmount(uint128 claimed, uint128 approved) public {
        claimed = uint128(bound(claimed, 1, type(uint64).max));
        // The full amount a third of the time, an amount up to the claimed one another third.
        if (approved % 3 == 0) approved = claimed;
        else if (approved % 3 == 1) approved = uint128(bound(approved, 0, claimed));
        _grantInsurer(_defaultCategories());
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        submission.claimedAmount = claimed;
        bytes32 claimId = _submit(submission);
        vm.prank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);

        if (approved == 0 || approved > claimed) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryApprovedAmountOutOfRange.selector,
                    claimId,
                    uint256(approved),
                    uint64(claimed)
                )
            );
        } else {
            ClaimStatus decision = approved == claimed ? ClaimStatus.Approved : ClaimStatus.PartiallyApproved;
            _expectStatusChanged(
                claimId,
                decision,
                insurerClaimsOfficer,
                ClaimStatus.InReview,
                approved == claimed ? ClaimOutcome.Complete : ClaimOutcome.Partial,
                ClaimReason.None,
                uint64(approved),
                bytes32(0)
            );
        }
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, approved);
        IClaimRegistry.Claim memory stored = claimRegistry.getClaim(claimId);
        bool accepted = approved != 0 && approved <= claimed;
        assertEq(uint256(stored.approvedAmount), accepted ? approved : 0, "approved amount");
        assertTrue(stored.approvedAmount <= stored.claimedAmount, "never more than claimed");
    }

    function test_requestInformation_acceptsEveryReasonAndRefusesNoneAndUnknown() public {
        bytes32 claimId = _claimIn(ClaimStatus.InReview, CLAIM_HASH);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        uint8[3] memory invalid = [uint8(0), uint8(type(ClaimReason).max) + 1, type(uint8).max];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidReason.selector, invalid[i]));
            vm.prank(insurerClaimsOfficer);
            claimRegistry.requestInformation(claimId, invalid[i], REQUEST_HASH);
            _assertClaim(claimRegistry.getClaim(claimId), before, "a refused request changes nothing");
        }
        // Every defined reason 1..9, each followed by the provider's answer; a request may carry no hash.
        for (uint8 reason = 1; reason <= uint8(type(ClaimReason).max); ++reason) {
            _expectStatusChanged(
                claimId,
                ClaimStatus.InformationRequested,
                insurerClaimsOfficer,
                ClaimStatus.InReview,
                ClaimOutcome.Queued,
                ClaimReason(reason),
                0,
                bytes32(0)
            );
            vm.prank(insurerClaimsOfficer);
            claimRegistry.requestInformation(claimId, reason, bytes32(0));
            assertEq(uint256(claimRegistry.getClaim(claimId).reason), reason, "the request's reason stored");
            vm.prank(hospitalClaimsOfficer);
            claimRegistry.provideInformation(claimId, new bytes32[](0), bytes32(0));
        }
    }

    function test_denyClaim_storesTheReasonAndIsFinal() public {
        bytes32 claimId = _claimIn(ClaimStatus.InReview, CLAIM_HASH);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        uint8[2] memory invalid = [uint8(0), uint8(type(ClaimReason).max) + 1];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInvalidReason.selector, invalid[i]));
            vm.prank(insurerClaimsOfficer);
            claimRegistry.denyClaim(claimId, invalid[i]);
            _assertClaim(claimRegistry.getClaim(claimId), before, "a refused denial changes nothing");
        }

        _expectStatusChanged(
            claimId,
            ClaimStatus.Denied,
            insurerClaimsOfficer,
            ClaimStatus.InReview,
            ClaimOutcome.Complete,
            ClaimReason.PolicyInactive,
            0,
            bytes32(0)
        );
        vm.prank(insurerClaimsOfficer);
        claimRegistry.denyClaim(claimId, uint8(ClaimReason.PolicyInactive));
        before.status = ClaimStatus.Denied;
        before.reason = ClaimReason.PolicyInactive;
        _assertClaim(claimRegistry.getClaim(claimId), before, "denied");
    }

    function test_denyClaim_acceptsEveryDefinedReason() public {
        for (uint8 reason = 1; reason <= uint8(type(ClaimReason).max); ++reason) {
            bytes32 claimId = _claimIn(ClaimStatus.InReview, keccak256(abi.encode("denied claim", reason)));
            vm.prank(insurerClaimsOfficer);
            claimRegistry.denyClaim(claimId, reason);
            assertEq(uint256(claimRegistry.getClaim(claimId).reason), reason, "the denial's reason stored");
        }
    }

    function test_markPaid_revertsForAZeroPaymentReference() public {
        bytes32 claimId = _claimIn(ClaimStatus.Approved, CLAIM_HASH);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryZeroPaymentReference.selector, claimId));
        vm.prank(insurerClaimsOfficer);
        claimRegistry.markPaid(claimId, bytes32(0));
        _assertClaim(claimRegistry.getClaim(claimId), before, "still approved");
    }

    function test_withdrawClaim_fromEveryUndecidedStatus() public {
        ClaimStatus[3] memory undecided = [
            ClaimStatus.Submitted,
            ClaimStatus.InReview,
            ClaimStatus.InformationRequested
        ];
        for (uint256 i = 0; i < undecided.length; ++i) {
            bytes32 claimId = _claimIn(undecided[i], keccak256(abi.encode("withdrawn claim", i)));
            IClaimRegistry.Claim memory expected = claimRegistry.getClaim(claimId);
            _expectStatusChanged(
                claimId,
                ClaimStatus.Withdrawn,
                hospitalClaimsOfficer,
                undecided[i],
                ClaimOutcome.Error,
                ClaimReason.None,
                0,
                bytes32(0)
            );
            vm.prank(hospitalClaimsOfficer);
            claimRegistry.withdrawClaim(claimId);
            expected.status = ClaimStatus.Withdrawn;
            _assertClaim(claimRegistry.getClaim(claimId), expected, "withdrawn");
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // provideInformation: new attachments
    // ------------------------------------------------------------------------------------------------------

    function test_provideInformation_addsAttachmentsTheGrantCovers() public {
        _grantInsurer(_defaultCategories() | Categories.bit(RecordCategory.DischargeSummary));
        bytes32 claimId = _claimIn(ClaimStatus.InformationRequested, CLAIM_HASH);
        IClaimRegistry.Claim memory expected = claimRegistry.getClaim(claimId);
        bytes32[] memory added = _list(dischargeSummary, imagingReport);

        _expectStatusChanged(
            claimId,
            ClaimStatus.InReview,
            hospitalClaimsOfficer,
            ClaimStatus.InformationRequested,
            ClaimOutcome.Queued,
            ClaimReason.None,
            0,
            RESPONSE_HASH
        );
        vm.expectEmit(true, true, true, true, address(claimRegistry));
        emit IClaimRegistry.ClaimAttachmentsAdded(claimId, added);
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, added, RESPONSE_HASH);

        expected.status = ClaimStatus.InReview;
        expected.attachmentCount += 2;
        _assertClaim(claimRegistry.getClaim(claimId), expected, "two more attachments");
    }

    function test_provideInformation_newAttachmentsNeedAGrantEvenForASignedClaim() public {
        // Authorised by signature, without any grant.
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        IClaimRegistry.ClaimAuthorization memory authorization = _sign(
            patientKey,
            submission,
            hospitalId,
            0,
            uint64(START + 1 hours)
        );
        vm.prank(hospitalClaimsOfficer);
        bytes32 claimId = claimRegistry.submitClaimWithAuthorization(submission, authorization);
        vm.startPrank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);
        claimRegistry.requestInformation(claimId, uint8(ClaimReason.MedicalRecordNeeded), REQUEST_HASH);
        vm.stopPrank();
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);

        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryNotAuthorizedByPatient.selector,
                patientId,
                insurerId,
                Categories.bit(RecordCategory.DischargeSummary)
            )
        );
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, _list(dischargeSummary), RESPONSE_HASH);
        _assertClaim(claimRegistry.getClaim(claimId), before, "a refused answer changes nothing");

        // A grant of the new attachment's category alone suffices (ClaimDocument is not needed again).
        _grantInsurer(Categories.bit(RecordCategory.DischargeSummary));
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, _list(dischargeSummary), RESPONSE_HASH);
        assertEq(uint256(claimRegistry.getClaim(claimId).attachmentCount), 3, "attached");
        assertTrue(claimRegistry.getClaim(claimId).authorizedBySignature, "still authorised by signature");
    }

    function test_provideInformation_afterRevocationRefusesNewAttachmentsButTheClaimStays() public {
        _grantInsurer(Categories.ALL);
        bytes32 claimId = _claimIn(ClaimStatus.InformationRequested, CLAIM_HASH);
        vm.prank(patient);
        consentRegistry.revoke(IConsentRegistry.RevokeRequest({patientId: patientId, grantee: insurerId}));
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);

        vm.expectRevert(
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryNotAuthorizedByPatient.selector,
                patientId,
                insurerId,
                Categories.bit(RecordCategory.DischargeSummary) | Categories.bit(RecordCategory.ImagingReport)
            )
        );
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, _list(dischargeSummary, imagingReport), RESPONSE_HASH);
        _assertClaim(claimRegistry.getClaim(claimId), before, "the claim stays as it was");

        // An answer without attachments still goes through, and the claim goes on to payment.
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, new bytes32[](0), RESPONSE_HASH);
        vm.startPrank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimId, AMOUNT);
        claimRegistry.markPaid(claimId, PAYMENT_REFERENCE);
        vm.stopPrank();
        assertEq(uint256(claimRegistry.getClaim(claimId).status), uint256(ClaimStatus.Paid), "paid");
    }

    function test_provideInformation_revertsForTooManyAttachmentsInTotal() public {
        _grantInsurer(Categories.ALL);
        bytes32[] memory records = _hospitalRecords(10, RecordCategory.Medication);
        bytes32[] memory first = new bytes32[](8);
        for (uint256 i = 0; i < 8; ++i) first[i] = records[i];
        bytes32 claimId = _submit(_submission(CLAIM_HASH, first));
        vm.startPrank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);
        claimRegistry.requestInformation(claimId, uint8(ClaimReason.MissingDocuments), REQUEST_HASH);
        vm.stopPrank();
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);

        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryTooManyAttachments.selector, 11, 10));
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, _list(records[8], records[9], labResult), RESPONSE_HASH);
        _assertClaim(claimRegistry.getClaim(claimId), before, "a refused answer changes nothing");

        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, _list(records[8], records[9]), RESPONSE_HASH);
        assertEq(uint256(claimRegistry.getClaim(claimId).attachmentCount), 10, "exactly the maximum");

        // Full: not one more, in the next round.
        vm.prank(insurerClaimsOfficer);
        claimRegistry.requestInformation(claimId, uint8(ClaimReason.MissingDocuments), REQUEST_HASH);
        vm.expectRevert(abi.encodeWithSelector(IClaimRegistry.ClaimRegistryTooManyAttachments.selector, 11, 10));
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.provideInformation(claimId, _list(labResult), RESPONSE_HASH);
    }

    function test_provideInformation_checksEachNewAttachment() public {
        _grantInsurer(Categories.ALL);
        bytes32 claimId = _claimIn(ClaimStatus.InformationRequested, CLAIM_HASH);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        bytes32 unknown = keccak256("never anchored");
        vm.prank(dataSteward);
        recordRegistry.retractRecord(imagingReport, uint8(RetractionReason.EnteredInError));

        bytes32[][4] memory lists = [
            _list(dischargeSummary, dischargeSummary),
            _list(unknown),
            _list(clinicRecord),
            _list(dischargeSummary, imagingReport)
        ];
        bytes[4] memory errors = [
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryDuplicateAttachment.selector, dischargeSummary),
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryAttachmentNotAnchored.selector, unknown),
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentOfAnotherCustodian.selector,
                clinicRecord,
                clinicId,
                hospitalId
            ),
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryAttachmentNotCurrent.selector,
                imagingReport,
                RecordStatus.Retracted
            )
        ];
        for (uint256 i = 0; i < lists.length; ++i) {
            vm.expectRevert(errors[i]);
            vm.prank(hospitalClaimsOfficer);
            claimRegistry.provideInformation(claimId, lists[i], RESPONSE_HASH);
            _assertClaim(claimRegistry.getClaim(claimId), before, "a refused answer changes nothing");
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Transitions: every status × every step
    // ------------------------------------------------------------------------------------------------------

    /// @dev From each status a claim can be in, each step either succeeds (exactly the lifecycle's edges, with the
    /// lifecycle's target status) or is refused with TransitionNotAllowed(claimId, current, requested) and changes
    /// nothing; a claim in any status refuses a second submission of its hash.
    function test_transitions_everyStatusTimesEveryStep() public {
        _grantInsurer(Categories.ALL);
        uint256 allowed = 0;
        for (uint256 s = 1; s < STATUS_COUNT; ++s) {
            ClaimStatus current = ClaimStatus(s);
            bytes32 claimHash = keccak256(abi.encode("table claim", s));
            bytes32 claimId = _claimIn(current, claimHash);
            IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
            assertEq(uint256(before.status), s, "the claim is in the status");

            for (uint256 a = 0; a < STEP_COUNT; ++a) {
                Step step = Step(a);
                string memory message = string.concat("status ", vm.toString(s), ", step ", vm.toString(a));
                if (!_stepAllowedFrom(step, current)) {
                    vm.prank(_stepCaller(step));
                    (bool success, bytes memory returned) = address(claimRegistry).call(_stepCall(step, claimId));
                    assertFalse(success, string.concat(message, ": refused"));
                    assertEq(
                        returned,
                        abi.encodeWithSelector(
                            IClaimRegistry.ClaimRegistryTransitionNotAllowed.selector,
                            claimId,
                            current,
                            _stepTarget(step)
                        ),
                        string.concat(message, ": revert data")
                    );
                    continue;
                }
                // An allowed step, on a claim of its own in the same status.
                ++allowed;
                bytes32 otherId = _claimIn(current, keccak256(abi.encode("table claim", s, a)));
                vm.prank(_stepCaller(step));
                (bool ok, ) = address(claimRegistry).call(_stepCall(step, otherId));
                assertTrue(ok, string.concat(message, ": allowed"));
                assertEq(
                    uint256(claimRegistry.getClaim(otherId).status),
                    uint256(_stepTarget(step)),
                    string.concat(message, ": the lifecycle's target")
                );
            }
            _assertClaim(claimRegistry.getClaim(claimId), before, "refused steps change nothing");
            _expectSubmitRevert(
                _submission(claimHash, _list(labResult)),
                hospitalClaimsOfficer,
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryDuplicateClaim.selector,
                    claimId,
                    hospitalId,
                    claimHash
                )
            );
            _assertClaim(claimRegistry.getClaim(claimId), before, "a refused duplicate changes nothing");
        }
        // The lifecycle's edges: Submitted → InReview, Withdrawn; InReview → InformationRequested, Approved,
        // PartiallyApproved, Denied, Withdrawn; InformationRequested → InReview, Withdrawn; (Partially)Approved →
        // Paid.
        assertEq(allowed, 2 + 5 + 2 + 2, "eleven allowed steps");
    }

    // ------------------------------------------------------------------------------------------------------
    // Who takes each step
    // ------------------------------------------------------------------------------------------------------

    function test_insurerSteps_revertForTheProviderAnotherProviderAndAnotherInsurer() public {
        _grantInsurer(Categories.ALL);
        Step[5] memory steps = [
            Step.StartReview,
            Step.RequestInformation,
            Step.ApproveInFull,
            Step.Deny,
            Step.MarkPaid
        ];
        address[3] memory callers = [hospitalClaimsOfficer, clinicClaimsOfficer, otherInsurerClaimsOfficer];
        uint32[3] memory callerIds = [hospitalId, clinicId, otherInsurerId];
        for (uint256 i = 0; i < steps.length; ++i) {
            bytes32 claimId = _claimIn(_statusFor(steps[i]), keccak256(abi.encode("insurer step", i)));
            for (uint256 j = 0; j < callers.length; ++j) {
                _checkStepRefused(
                    steps[i],
                    claimId,
                    callers[j],
                    abi.encodeWithSelector(
                        IClaimRegistry.ClaimRegistryWrongParty.selector,
                        claimId,
                        insurerId,
                        callerIds[j]
                    )
                );
            }
        }
    }

    function test_providerSteps_revertForTheInsurerAnotherInsurerAndAnotherProvider() public {
        _grantInsurer(Categories.ALL);
        Step[2] memory steps = [Step.ProvideInformation, Step.Withdraw];
        address[3] memory callers = [insurerClaimsOfficer, otherInsurerClaimsOfficer, clinicClaimsOfficer];
        uint32[3] memory callerIds = [insurerId, otherInsurerId, clinicId];
        for (uint256 i = 0; i < steps.length; ++i) {
            bytes32 claimId = _claimIn(_statusFor(steps[i]), keccak256(abi.encode("provider step", i)));
            for (uint256 j = 0; j < callers.length; ++j) {
                _checkStepRefused(
                    steps[i],
                    claimId,
                    callers[j],
                    abi.encodeWithSelector(
                        IClaimRegistry.ClaimRegistryWrongParty.selector,
                        claimId,
                        hospitalId,
                        callerIds[j]
                    )
                );
            }
        }
    }

    function test_everyStep_revertsForNonOperatorsAndOperatorsWithoutTheDuty() public {
        _grantInsurer(Categories.ALL);
        for (uint256 a = 0; a < STEP_COUNT; ++a) {
            Step step = Step(a);
            bytes32 claimId = _claimIn(_statusFor(step), keccak256(abi.encode("caller check", a)));
            _checkStepRefused(
                step,
                claimId,
                stranger,
                abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, stranger)
            );
            _checkStepRefused(
                step,
                claimId,
                patient,
                abi.encodeWithSelector(IMemberRegistry.MemberRegistryUnknownOperator.selector, patient)
            );
            // The party's own operators without the ClaimsOfficer duty.
            bool providerStep = step == Step.ProvideInformation || step == Step.Withdraw;
            address noDuty = providerStep ? dataSteward : insurerRegistrar;
            _checkStepRefused(
                step,
                claimId,
                noDuty,
                abi.encodeWithSelector(
                    IMemberRegistry.MemberRegistryMissingDuty.selector,
                    noDuty,
                    providerStep ? hospitalId : insurerId,
                    Duty.ClaimsOfficer
                )
            );
        }
    }

    function test_everyStep_revertsForAnUnknownClaim() public {
        bytes32 unknown = claimRegistry.claimIdOf(hospitalId, keccak256("never submitted"));
        for (uint256 a = 0; a < STEP_COUNT; ++a) {
            // The claim is looked up before the caller: even a stranger learns only that it is unknown.
            address[2] memory callers = [_stepCaller(Step(a)), stranger];
            for (uint256 j = 0; j < callers.length; ++j) {
                vm.prank(callers[j]);
                (bool success, bytes memory returned) = address(claimRegistry).call(_stepCall(Step(a), unknown));
                assertFalse(success, "refused");
                assertEq(
                    returned,
                    abi.encodeWithSelector(IClaimRegistry.ClaimRegistryUnknownClaim.selector, unknown),
                    "unknown claim"
                );
            }
        }
        _assertNoClaim(unknown, "still unknown");
    }

    function test_insurerSteps_revertWhileTheInsurerIsSuspended() public {
        _grantInsurer(Categories.ALL);
        Step[5] memory steps = [
            Step.StartReview,
            Step.RequestInformation,
            Step.ApproveInFull,
            Step.Deny,
            Step.MarkPaid
        ];
        bytes32[5] memory claimIds;
        for (uint256 i = 0; i < steps.length; ++i) {
            claimIds[i] = _claimIn(_statusFor(steps[i]), keccak256(abi.encode("suspended insurer", i)));
        }
        vm.prank(guardian);
        memberRegistry.suspendMember(insurerId, 1);
        for (uint256 i = 0; i < steps.length; ++i) {
            _checkStepRefused(
                steps[i],
                claimIds[i],
                insurerClaimsOfficer,
                abi.encodeWithSelector(
                    IMemberRegistry.MemberRegistryMemberNotActive.selector,
                    insurerId,
                    MemberStatus.Suspended
                )
            );
        }
        // The provider may still withdraw an undecided claim from a suspended insurer.
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.withdrawClaim(claimIds[0]);
        assertEq(uint256(claimRegistry.getClaim(claimIds[0]).status), uint256(ClaimStatus.Withdrawn), "withdrawn");

        // Reinstated, the insurer adjudicates again.
        vm.prank(council);
        memberRegistry.reinstateMember(insurerId);
        vm.prank(insurerClaimsOfficer);
        claimRegistry.approveClaim(claimIds[2], AMOUNT);
        assertEq(uint256(claimRegistry.getClaim(claimIds[2]).status), uint256(ClaimStatus.Approved), "approved");
    }

    function test_providerSteps_revertWhileTheProviderIsSuspended() public {
        _grantInsurer(Categories.ALL);
        bytes32 answered = _claimIn(ClaimStatus.InformationRequested, keccak256("suspended provider 1"));
        bytes32 withdrawn = _claimIn(ClaimStatus.Submitted, keccak256("suspended provider 2"));
        vm.prank(guardian);
        memberRegistry.suspendMember(hospitalId, 1);
        bytes memory expected = abi.encodeWithSelector(
            IMemberRegistry.MemberRegistryMemberNotActive.selector,
            hospitalId,
            MemberStatus.Suspended
        );
        _checkStepRefused(Step.ProvideInformation, answered, hospitalClaimsOfficer, expected);
        _checkStepRefused(Step.Withdraw, withdrawn, hospitalClaimsOfficer, expected);
        // The insurer may still adjudicate a suspended provider's claim.
        vm.prank(insurerClaimsOfficer);
        claimRegistry.startReview(withdrawn);
        assertEq(uint256(claimRegistry.getClaim(withdrawn).status), uint256(ClaimStatus.InReview), "in review");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers: steps
    // ------------------------------------------------------------------------------------------------------

    function _stepCall(Step step, bytes32 claimId) internal pure returns (bytes memory) {
        if (step == Step.StartReview) return abi.encodeCall(IClaimRegistry.startReview, (claimId));
        if (step == Step.RequestInformation) {
            return
                abi.encodeCall(
                    IClaimRegistry.requestInformation,
                    (claimId, uint8(ClaimReason.MissingDocuments), REQUEST_HASH)
                );
        }
        if (step == Step.ProvideInformation) {
            return abi.encodeCall(IClaimRegistry.provideInformation, (claimId, new bytes32[](0), RESPONSE_HASH));
        }
        if (step == Step.ApproveInFull) return abi.encodeCall(IClaimRegistry.approveClaim, (claimId, AMOUNT));
        if (step == Step.ApprovePartially) {
            return abi.encodeCall(IClaimRegistry.approveClaim, (claimId, PARTIAL_AMOUNT));
        }
        if (step == Step.Deny)
            return abi.encodeCall(IClaimRegistry.denyClaim, (claimId, uint8(ClaimReason.NotCovered)));
        if (step == Step.MarkPaid) return abi.encodeCall(IClaimRegistry.markPaid, (claimId, PAYMENT_REFERENCE));
        return abi.encodeCall(IClaimRegistry.withdrawClaim, (claimId));
    }

    /// @dev The party's claims officer: the hospital's for the provider's steps, the insurer's for the rest.
    function _stepCaller(Step step) internal view returns (address) {
        return step == Step.ProvideInformation || step == Step.Withdraw ? hospitalClaimsOfficer : insurerClaimsOfficer;
    }

    /// @dev The status each step leads to (docs: the lifecycle in ClaimCodes.sol).
    function _stepTarget(Step step) internal pure returns (ClaimStatus) {
        if (step == Step.StartReview || step == Step.ProvideInformation) return ClaimStatus.InReview;
        if (step == Step.RequestInformation) return ClaimStatus.InformationRequested;
        if (step == Step.ApproveInFull) return ClaimStatus.Approved;
        if (step == Step.ApprovePartially) return ClaimStatus.PartiallyApproved;
        if (step == Step.Deny) return ClaimStatus.Denied;
        if (step == Step.MarkPaid) return ClaimStatus.Paid;
        return ClaimStatus.Withdrawn;
    }

    /// @dev The lifecycle's edges, written from ClaimCodes.sol's NatSpec.
    function _stepAllowedFrom(Step step, ClaimStatus from) internal pure returns (bool) {
        if (step == Step.StartReview) return from == ClaimStatus.Submitted;
        if (step == Step.ProvideInformation) return from == ClaimStatus.InformationRequested;
        if (step == Step.MarkPaid) return from == ClaimStatus.Approved || from == ClaimStatus.PartiallyApproved;
        if (step == Step.Withdraw) {
            return
                from == ClaimStatus.Submitted ||
                from == ClaimStatus.InReview ||
                from == ClaimStatus.InformationRequested;
        }
        // RequestInformation, ApproveInFull, ApprovePartially, Deny.
        return from == ClaimStatus.InReview;
    }

    /// @dev A status from which `step` is allowed.
    function _statusFor(Step step) internal pure returns (ClaimStatus) {
        if (step == Step.StartReview || step == Step.Withdraw) return ClaimStatus.Submitted;
        if (step == Step.ProvideInformation) return ClaimStatus.InformationRequested;
        if (step == Step.MarkPaid) return ClaimStatus.Approved;
        return ClaimStatus.InReview;
    }

    /// @dev `step` on `claimId` by `caller` is refused with exactly `expected`, and the claim stays as it was.
    function _checkStepRefused(Step step, bytes32 claimId, address caller, bytes memory expected) internal {
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        vm.prank(caller);
        (bool success, bytes memory returned) = address(claimRegistry).call(_stepCall(step, claimId));
        string memory message = string.concat("step ", vm.toString(uint256(step)), " by ", vm.toString(caller));
        assertFalse(success, string.concat(message, ": refused"));
        assertEq(returned, expected, string.concat(message, ": revert data"));
        _assertClaim(claimRegistry.getClaim(claimId), before, string.concat(message, ": claim unchanged"));
    }

    /// @dev A claim of the hospital for the patient to the insurer, with the lab result attached, brought to
    /// `target` by the parties (needs a grant covering LabResult and ClaimDocument).
    function _claimIn(ClaimStatus target, bytes32 claimHash) internal returns (bytes32 claimId) {
        if (
            !consentRegistry.isAuthorizedForCategories(
                patientId,
                insurerId,
                _defaultCategories(),
                Purpose.InsuranceClaim
            )
        ) {
            _grantInsurer(Categories.ALL);
        }
        claimId = _submit(_submission(claimHash, _list(labResult)));
        if (target == ClaimStatus.Submitted) return claimId;
        if (target == ClaimStatus.Withdrawn) {
            vm.prank(hospitalClaimsOfficer);
            claimRegistry.withdrawClaim(claimId);
            return claimId;
        }
        vm.startPrank(insurerClaimsOfficer);
        claimRegistry.startReview(claimId);
        if (target == ClaimStatus.InformationRequested) {
            claimRegistry.requestInformation(claimId, uint8(ClaimReason.MissingDocuments), REQUEST_HASH);
        } else if (target == ClaimStatus.Denied) {
            claimRegistry.denyClaim(claimId, uint8(ClaimReason.NotCovered));
        } else if (target != ClaimStatus.InReview) {
            claimRegistry.approveClaim(claimId, target == ClaimStatus.PartiallyApproved ? PARTIAL_AMOUNT : AMOUNT);
            if (target == ClaimStatus.Paid) claimRegistry.markPaid(claimId, PAYMENT_REFERENCE);
        }
        vm.stopPrank();
        assertEq(uint256(claimRegistry.getClaim(claimId).status), uint256(target), "brought to the status");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers: submissions
    // ------------------------------------------------------------------------------------------------------

    /// @dev The hospital's claim for the patient to the insurer: NT$1,250.00 for a stay that ended yesterday.
    function _submission(
        bytes32 claimHash,
        bytes32[] memory attachments
    ) internal view returns (IClaimRegistry.ClaimSubmission memory) {
        return
            IClaimRegistry.ClaimSubmission({
                patientId: patientId,
                insurer: insurerId,
                claimHash: claimHash,
                claimedAmount: AMOUNT,
                currency: TWD,
                serviceStart: uint64(START - 3 days),
                serviceEnd: uint64(START - 1 days),
                attachments: attachments
            });
    }

    /// @dev {_submission} with the lab result and the imaging report attached.
    function _defaultSubmission() internal view returns (IClaimRegistry.ClaimSubmission memory) {
        return _submission(CLAIM_HASH, _list(labResult, imagingReport));
    }

    /// @dev The categories {_defaultSubmission} sends the insurer.
    function _defaultCategories() internal pure returns (uint32) {
        return
            Categories.bit(RecordCategory.LabResult) |
            Categories.bit(RecordCategory.ImagingReport) |
            Categories.bit(RecordCategory.ClaimDocument);
    }

    function _submit(IClaimRegistry.ClaimSubmission memory submission) internal returns (bytes32 claimId) {
        vm.prank(hospitalClaimsOfficer);
        claimId = claimRegistry.submitClaim(submission);
    }

    /// @dev The patient grants the insurer the insurance-claim purpose on `categories` for a year from now.
    function _grantInsurer(uint32 categories) internal {
        vm.prank(patient);
        consentRegistry.grant(
            _grantRequest(insurerId, categories, uint64(block.timestamp), uint64(block.timestamp + 365 days))
        );
    }

    function _grantRequest(
        uint32 grantee,
        uint32 categories,
        uint64 notBefore,
        uint64 expiresAt
    ) internal view returns (IConsentRegistry.GrantRequest memory) {
        return
            IConsentRegistry.GrantRequest({
                patientId: patientId,
                grantee: grantee,
                categories: categories,
                purposes: Purposes.bit(Purpose.InsuranceClaim),
                notBefore: notBefore,
                expiresAt: expiresAt,
                consentFormHash: bytes32(0)
            });
    }

    function _notAuthorized(uint32 categories) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IClaimRegistry.ClaimRegistryNotAuthorizedByPatient.selector,
                patientId,
                insurerId,
                categories
            );
    }

    /// @dev `vm.addr(key)`'s authorisation of `submission` by `provider` with `nonce` and `deadline`.
    function _sign(
        uint256 key,
        IClaimRegistry.ClaimSubmission memory submission,
        uint32 provider,
        uint256 nonce,
        uint64 deadline
    ) internal view returns (IClaimRegistry.ClaimAuthorization memory authorization) {
        authorization.signer = vm.addr(key);
        authorization.nonce = nonce;
        authorization.deadline = deadline;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            key,
            claimRegistry.claimAuthorizationDigest(submission, provider, authorization.signer, nonce, deadline)
        );
        authorization.signature = abi.encodePacked(r, s, v);
    }

    /// @dev The EIP-712 struct hash of a claim authorisation, encoded field by field from the type string.
    function _structHash(
        bytes32 typehash,
        IClaimRegistry.ClaimSubmission memory submission,
        uint32 provider,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) internal pure returns (bytes32) {
        bytes memory head = abi.encode(
            typehash,
            submission.patientId,
            provider,
            submission.insurer,
            submission.claimHash,
            submission.claimedAmount,
            submission.currency
        );
        bytes memory tail = abi.encode(
            submission.serviceStart,
            submission.serviceEnd,
            keccak256(abi.encodePacked(submission.attachments)),
            signer,
            nonce,
            deadline
        );
        assertEq(head.length + tail.length, 13 * 32, "thirteen words");
        return keccak256(bytes.concat(head, tail));
    }

    function _domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("medchain ClaimRegistry"),
                    keccak256("1"),
                    block.chainid,
                    verifyingContract
                )
            );
    }

    /// @dev Submitting `submission` as `caller` is refused with exactly `revertData`; no claim is stored under the
    /// hash for any provider and the patient's nonce stays.
    function _expectSubmitRevert(
        IClaimRegistry.ClaimSubmission memory submission,
        address caller,
        bytes memory revertData
    ) internal {
        uint256 nonce = claimRegistry.claimNonces(submission.patientId);
        IClaimRegistry.Claim memory hospitals = claimRegistry.getClaim(
            claimRegistry.claimIdOf(hospitalId, submission.claimHash)
        );
        vm.expectRevert(revertData);
        vm.prank(caller);
        claimRegistry.submitClaim(submission);
        _assertClaim(
            claimRegistry.getClaim(claimRegistry.claimIdOf(hospitalId, submission.claimHash)),
            hospitals,
            "refused: the hospital's claims unchanged"
        );
        if (caller != hospitalClaimsOfficer) {
            (bool isOperator, uint32 memberId) = _memberOf(caller);
            if (isOperator) _assertNoClaim(claimRegistry.claimIdOf(memberId, submission.claimHash), "refused: none");
        }
        assertEq(claimRegistry.claimNonces(submission.patientId), nonce, "refused: nonce unchanged");
    }

    /// @dev The hospital's relayed submission of `submission` under `authorization` is refused with exactly
    /// `revertData`; nothing is stored and the nonce stays.
    function _expectSignedSubmitRevert(
        IClaimRegistry.ClaimSubmission memory submission,
        IClaimRegistry.ClaimAuthorization memory authorization,
        bytes memory revertData
    ) internal {
        uint256 nonce = claimRegistry.claimNonces(submission.patientId);
        bytes32 claimId = claimRegistry.claimIdOf(hospitalId, submission.claimHash);
        IClaimRegistry.Claim memory before = claimRegistry.getClaim(claimId);
        vm.expectRevert(revertData);
        vm.prank(hospitalClaimsOfficer);
        claimRegistry.submitClaimWithAuthorization(submission, authorization);
        _assertClaim(claimRegistry.getClaim(claimId), before, "refused: claim unchanged");
        assertEq(claimRegistry.claimNonces(submission.patientId), nonce, "refused: nonce unchanged");
    }

    function _checkInsurerRefused(uint32 insurer, MemberKind kind, MemberStatus status) internal {
        IClaimRegistry.ClaimSubmission memory submission = _defaultSubmission();
        submission.insurer = insurer;
        _expectSubmitRevert(
            submission,
            hospitalClaimsOfficer,
            abi.encodeWithSelector(IClaimRegistry.ClaimRegistryInsurerNotActive.selector, insurer, kind, status)
        );
    }

    /// @dev The patient's move of its claim nonce to `requested` is refused with the exact error when it does not
    /// move forward or jumps more than MAX_NONCE_JUMP, and takes effect otherwise.
    function _checkInvalidateClaimNonces(uint256 requested) internal {
        uint256 current = claimRegistry.claimNonces(patientId);
        uint256 maxJump = claimRegistry.MAX_NONCE_JUMP();
        bool valid = requested > current && requested - current <= maxJump;
        if (valid) {
            vm.expectEmit(true, true, true, true, address(claimRegistry));
            emit IClaimRegistry.ClaimNoncesInvalidated(patientId, patient, requested);
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClaimRegistry.ClaimRegistryInvalidNonceJump.selector,
                    patientId,
                    current,
                    requested,
                    maxJump
                )
            );
        }
        vm.prank(patient);
        claimRegistry.invalidateClaimNonces(patientId, requested);
        assertEq(claimRegistry.claimNonces(patientId), valid ? requested : current, "nonce after the call");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers: expectations
    // ------------------------------------------------------------------------------------------------------

    function _expectSubmitted(
        bytes32 claimId,
        IClaimRegistry.ClaimSubmission memory submission,
        uint32 provider,
        address operator,
        bool bySignature
    ) internal {
        vm.expectEmit(true, true, true, true, address(claimRegistry));
        emit IClaimRegistry.ClaimSubmitted(
            claimId,
            submission.patientId,
            submission.insurer,
            provider,
            operator,
            submission.claimHash,
            uint64(submission.claimedAmount),
            submission.currency,
            submission.serviceStart,
            submission.serviceEnd,
            submission.attachments,
            bySignature
        );
        _expectStatusChanged(
            claimId,
            ClaimStatus.Submitted,
            operator,
            ClaimStatus.None,
            ClaimOutcome.Queued,
            ClaimReason.None,
            0,
            submission.claimHash
        );
    }

    function _expectStatusChanged(
        bytes32 claimId,
        ClaimStatus status,
        address actor,
        ClaimStatus previousStatus,
        ClaimOutcome outcome,
        ClaimReason reason,
        uint64 approvedAmount,
        bytes32 referenceHash
    ) internal {
        vm.expectEmit(true, true, true, true, address(claimRegistry));
        emit IClaimRegistry.ClaimStatusChanged(
            claimId,
            status,
            actor,
            previousStatus,
            outcome,
            reason,
            approvedAmount,
            referenceHash
        );
    }

    /// @dev The claim `submission` by `provider` is stored as, just after its submission now.
    function _storedClaim(
        IClaimRegistry.ClaimSubmission memory submission,
        uint32 provider,
        bool bySignature
    ) internal view returns (IClaimRegistry.Claim memory) {
        return
            IClaimRegistry.Claim({
                patientId: submission.patientId,
                provider: provider,
                insurer: submission.insurer,
                currency: submission.currency,
                status: ClaimStatus.Submitted,
                reason: ClaimReason.None,
                attachmentCount: uint8(submission.attachments.length),
                authorizedBySignature: bySignature,
                claimedAmount: uint64(submission.claimedAmount),
                approvedAmount: 0,
                submittedAt: uint64(block.timestamp),
                serviceStart: submission.serviceStart,
                serviceEnd: submission.serviceEnd
            });
    }

    function _assertClaim(
        IClaimRegistry.Claim memory actual,
        IClaimRegistry.Claim memory expected,
        string memory message
    ) internal pure {
        assertEq(uint256(actual.patientId), expected.patientId, string.concat(message, ": patientId"));
        assertEq(uint256(actual.provider), expected.provider, string.concat(message, ": provider"));
        assertEq(uint256(actual.insurer), expected.insurer, string.concat(message, ": insurer"));
        assertEq(uint256(actual.currency), expected.currency, string.concat(message, ": currency"));
        assertEq(uint256(actual.status), uint256(expected.status), string.concat(message, ": status"));
        assertEq(uint256(actual.reason), uint256(expected.reason), string.concat(message, ": reason"));
        assertEq(
            uint256(actual.attachmentCount),
            expected.attachmentCount,
            string.concat(message, ": attachmentCount")
        );
        assertEq(
            actual.authorizedBySignature,
            expected.authorizedBySignature,
            string.concat(message, ": authorizedBySignature")
        );
        assertEq(uint256(actual.claimedAmount), expected.claimedAmount, string.concat(message, ": claimedAmount"));
        assertEq(uint256(actual.approvedAmount), expected.approvedAmount, string.concat(message, ": approvedAmount"));
        assertEq(uint256(actual.submittedAt), expected.submittedAt, string.concat(message, ": submittedAt"));
        assertEq(uint256(actual.serviceStart), expected.serviceStart, string.concat(message, ": serviceStart"));
        assertEq(uint256(actual.serviceEnd), expected.serviceEnd, string.concat(message, ": serviceEnd"));
    }

    function _assertNoClaim(bytes32 claimId, string memory message) internal view {
        IClaimRegistry.Claim memory none;
        _assertClaim(claimRegistry.getClaim(claimId), none, message);
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers: records and values
    // ------------------------------------------------------------------------------------------------------

    function _recordAnchor(
        string memory name,
        RecordCategory category
    ) internal pure returns (IRecordRegistry.RecordAnchor memory) {
        return
            IRecordRegistry.RecordAnchor({
                contentHash: keccak256(abi.encode("content", name)),
                category: uint8(category),
                subjectCommitment: keccak256(abi.encode("subject", name))
            });
    }

    /// @dev `steward` anchors the record `name` of `category` on its own; returns its content hash.
    function _anchor(address steward, string memory name, RecordCategory category) internal returns (bytes32) {
        IRecordRegistry.RecordAnchor memory record = _recordAnchor(name, category);
        vm.prank(steward);
        recordRegistry.anchorRecord(record);
        return record.contentHash;
    }

    /// @dev `count` fresh records of the hospital in `category`.
    function _hospitalRecords(uint256 count, RecordCategory category) internal returns (bytes32[] memory records) {
        records = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            records[i] = _anchor(dataSteward, string.concat("hospital record ", vm.toString(i)), category);
        }
    }

    function _list(bytes32 a) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](1);
        list[0] = a;
    }

    function _list(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](2);
        (list[0], list[1]) = (a, b);
    }

    function _list(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory list) {
        list = new bytes32[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }

    function _memberOf(address account) internal view returns (bool isOperator, uint32 memberId) {
        memberId = memberRegistry.getOperator(account).memberId;
        isOperator = memberId != 0;
    }

    function _popcount(uint256 x) internal pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) ++count;
    }

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
