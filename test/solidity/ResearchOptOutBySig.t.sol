// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {IResearchOptOutRegistry} from "../../contracts/interfaces/IResearchOptOutRegistry.sol";
import {MockERC1271Wallet} from "../../contracts/test/MockERC1271Wallet.sol";
import {ResearchOptOutRegistryV2Mock} from "../../contracts/test/UpgradeMocks.sol";
import {Categories, RecordCategory} from "../../contracts/types/ConsentCodes.sol";
import {DeactivationReason, DelegateScopes} from "../../contracts/types/PatientCodes.sol";
import {DataUse} from "../../contracts/types/ResearchCodes.sol";
import {MedchainTestBase} from "./utils/MedchainTestBase.sol";

/// @notice Proves ResearchOptOutRegistry.setOptOutBySig: only a fresh, in-time EIP-712 signature of the patient's
/// current account or of a delegate with the Research scope (an EOA's low-s signature, or whatever the signer's
/// ERC-1271 wallet accepts) changes the objection, once; every refusal is the exact custom error and changes
/// nothing; a direct change voids outstanding signatures; the digest is the proxy's EIP-712 digest; the nonces
/// survive an upgrade at the ERC-7201 slot.
contract ResearchOptOutBySigTest is MedchainTestBase {
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes32 internal constant COMMITMENT = keccak256("medchain signed opt-out person 1");
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    uint256 internal patientKey;
    address internal patient;
    uint256 internal delegateKey;
    address internal delegate;
    uint64 internal patientId;

    function setUp() public override {
        super.setUp();
        vm.warp(START);
        patientKey = uint256(keccak256("signed opt-out patient"));
        patient = vm.addr(patientKey);
        delegateKey = uint256(keccak256("signed opt-out delegate"));
        delegate = vm.addr(delegateKey);
        patientId = registerAsHospital(patient, COMMITMENT);
    }

    // ------------------------------------------------------------------------------------------------------
    // Accepted once, refused otherwise
    // ------------------------------------------------------------------------------------------------------

    struct Signed {
        IResearchOptOutRegistry.OptOutRequest request;
        address signer;
        uint64 deadline;
        bytes32 digest;
        uint8 v;
        bytes32 r;
        bytes32 s;
        bytes signature;
    }

    function testFuzz_setOptOutBySig_acceptsOnlyThePatientsFreshSignatureOnce(
        uint256 signerKey,
        uint256 wrongKey,
        bool wholly,
        uint32 categories,
        uint8 permissions,
        uint64 deadlineOffset
    ) public {
        signerKey = bound(signerKey, 1, SECP256K1_N - 1);
        wrongKey = bound(wrongKey, 1, SECP256K1_N - 1);
        vm.assume(signerKey != wrongKey);
        vm.assume(vm.addr(signerKey) != patient);
        Signed memory signed;
        signed.signer = vm.addr(signerKey);
        signed.request = IResearchOptOutRegistry.OptOutRequest({
            patientId: registerAsHospital(signed.signer, keccak256("medchain signed opt-out person 2")),
            wholly: wholly,
            categories: uint32(bound(categories, 0, Categories.ALL)),
            permissions: uint8(bound(permissions, 0, DataUse.ALL_PERMISSION_BITS))
        });
        signed.deadline = uint64(START + bound(deadlineOffset, 0, 30 days));
        signed.digest = researchOptOutRegistry.optOutDigest(signed.request, signed.signer, 0, signed.deadline);
        (signed.v, signed.r, signed.s) = vm.sign(signerKey, signed.digest);
        signed.signature = abi.encodePacked(signed.r, signed.s, signed.v);

        _checkForeignSignaturesRefused(signed, wrongKey);
        _checkMalleableAlteredStaleAndExpiredRefused(signed);
        _checkRelayWorksOnce(signed);
    }

    /// @dev Another key's signature is refused, whether claimed as the patient's or as its own, and the patient's
    /// signature cannot be passed off as another account's.
    function _checkForeignSignaturesRefused(Signed memory signed, uint256 wrongKey) internal {
        (uint8 wrongV, bytes32 wrongR, bytes32 wrongS) = vm.sign(wrongKey, signed.digest);
        _expectBySigRevert(
            _delegated(signed.request, signed.signer, 0, signed.deadline, abi.encodePacked(wrongR, wrongS, wrongV)),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidSignature.selector, signed.signer)
        );
        address wrongSigner = vm.addr(wrongKey);
        _expectBySigRevert(
            _delegated(signed.request, wrongSigner, 0, signed.deadline, signed.signature),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidSignature.selector, wrongSigner)
        );
        (wrongV, wrongR, wrongS) = vm.sign(
            wrongKey,
            researchOptOutRegistry.optOutDigest(signed.request, wrongSigner, 0, signed.deadline)
        );
        _expectBySigRevert(
            _delegated(signed.request, wrongSigner, 0, signed.deadline, abi.encodePacked(wrongR, wrongS, wrongV)),
            abi.encodeWithSelector(
                IResearchOptOutRegistry.ResearchOptOutUnauthorizedActor.selector,
                signed.request.patientId,
                wrongSigner
            )
        );
    }

    /// @dev The high-s twin, the signature over an altered request, another nonce and a passed deadline are all
    /// refused.
    function _checkMalleableAlteredStaleAndExpiredRefused(Signed memory signed) internal {
        bytes32 twinS = bytes32(SECP256K1_N - uint256(signed.s));
        uint8 twinV = signed.v == 27 ? 28 : 27;
        assertEq(ecrecover(signed.digest, twinV, signed.r, twinS), signed.signer, "the twin is a valid signature");
        _expectBySigRevert(
            _delegated(signed.request, signed.signer, 0, signed.deadline, abi.encodePacked(signed.r, twinS, twinV)),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidSignature.selector, signed.signer)
        );
        IResearchOptOutRegistry.OptOutRequest memory altered = IResearchOptOutRegistry.OptOutRequest({
            patientId: signed.request.patientId,
            wholly: !signed.request.wholly,
            categories: signed.request.categories,
            permissions: signed.request.permissions
        });
        _expectBySigRevert(
            _delegated(altered, signed.signer, 0, signed.deadline, signed.signature),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidSignature.selector, signed.signer)
        );
        _expectBySigRevert(
            _delegated(signed.request, signed.signer, 1, signed.deadline, signed.signature),
            abi.encodeWithSelector(
                IResearchOptOutRegistry.ResearchOptOutInvalidNonce.selector,
                signed.request.patientId,
                0,
                1
            )
        );
        vm.warp(uint256(signed.deadline) + 1);
        _expectBySigRevert(
            _delegated(signed.request, signed.signer, 0, signed.deadline, signed.signature),
            abi.encodeWithSelector(
                IResearchOptOutRegistry.ResearchOptOutExpiredSignature.selector,
                signed.deadline,
                signed.deadline + 1
            )
        );
        vm.warp(START);
    }

    /// @dev Relayed by anyone, the signature works once (the event names the signer); again, it is a stale nonce.
    function _checkRelayWorksOnce(Signed memory signed) internal {
        IResearchOptOutRegistry.OptOutRequest memory request = signed.request;
        vm.expectEmit(true, true, true, true, address(researchOptOutRegistry));
        emit IResearchOptOutRegistry.ResearchOptOutChanged(
            request.patientId,
            signed.signer,
            request.wholly,
            request.categories,
            request.permissions
        );
        vm.prank(stranger);
        researchOptOutRegistry.setOptOutBySig(_delegated(request, signed.signer, 0, signed.deadline, signed.signature));
        IResearchOptOutRegistry.OptOut memory stored = researchOptOutRegistry.getOptOut(request.patientId);
        assertEq(stored.wholly, request.wholly, "wholly");
        assertEq(uint256(stored.categories), request.categories, "categories");
        assertEq(uint256(stored.permissions), request.permissions, "permissions");
        assertEq(uint256(stored.updatedAt), START, "updatedAt");
        assertEq(researchOptOutRegistry.optOutNonce(request.patientId), 1, "nonce consumed");

        _expectBySigRevert(
            _delegated(request, signed.signer, 0, signed.deadline, signed.signature),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidNonce.selector, request.patientId, 1, 0)
        );
    }

    function test_setOptOutBySig_aResearchDelegateMayAndOthersMayNot() public {
        // A delegate without the Research scope is refused.
        vm.prank(patient);
        patientRegistry.appointDelegate(
            patientId,
            delegate,
            DelegateScopes.CONSENT | DelegateScopes.CLAIMS,
            uint64(START + 30 days)
        );
        IResearchOptOutRegistry.DelegatedOptOutRequest memory signed = _sign(delegateKey, _wholly(), 0);
        _expectBySigRevert(
            signed,
            abi.encodeWithSelector(
                IResearchOptOutRegistry.ResearchOptOutUnauthorizedActor.selector,
                patientId,
                delegate
            )
        );

        // With the Research scope it works, and the event names the delegate.
        vm.prank(patient);
        patientRegistry.appointDelegate(patientId, delegate, DelegateScopes.RESEARCH, uint64(START + 30 days));
        vm.expectEmit(true, true, true, true, address(researchOptOutRegistry));
        emit IResearchOptOutRegistry.ResearchOptOutChanged(patientId, delegate, true, 0, 0);
        vm.prank(stranger);
        researchOptOutRegistry.setOptOutBySig(signed);
        assertTrue(researchOptOutRegistry.isOptedOut(patientId, RecordCategory.LabResult), "set by the delegate");
    }

    function test_setOptOutBySig_refusesAnUnknownOrDeactivatedPatient() public {
        IResearchOptOutRegistry.OptOutRequest memory request = _wholly();
        request.patientId = patientId + 1;
        IResearchOptOutRegistry.DelegatedOptOutRequest memory signed = _sign(patientKey, request, 0);
        _expectBySigRevert(
            signed,
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutPatientNotActive.selector, patientId + 1)
        );

        signed = _sign(patientKey, _wholly(), 0);
        vm.prank(registrar);
        patientRegistry.deactivatePatient(patientId, DeactivationReason.Withdrawn);
        _expectBySigRevert(
            signed,
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutPatientNotActive.selector, patientId)
        );
    }

    function testFuzz_setOptOutBySig_refusesUndefinedBits(uint32 categoryStray, uint8 permissionStray) public {
        categoryStray = uint32(bound(categoryStray, Categories.ALL + 1, type(uint32).max));
        permissionStray = uint8(bound(permissionStray, DataUse.ALL_PERMISSION_BITS + 1, type(uint8).max));
        vm.assume(categoryStray & ~Categories.ALL != 0 && permissionStray & ~DataUse.ALL_PERMISSION_BITS != 0);

        IResearchOptOutRegistry.OptOutRequest memory request = _wholly();
        request.categories = categoryStray;
        _expectBySigRevert(
            _sign(patientKey, request, 0),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidCategories.selector, categoryStray)
        );
        request.categories = 0;
        request.permissions = permissionStray;
        _expectBySigRevert(
            _sign(patientKey, request, 0),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidPermissions.selector, permissionStray)
        );
    }

    function test_setOptOut_voidsAnOutstandingSignedOptOut() public {
        // The patient signs an objection; a relayer holds it back; the patient then withdraws it directly.
        IResearchOptOutRegistry.DelegatedOptOutRequest memory heldBack = _sign(patientKey, _wholly(), 0);
        vm.prank(patient);
        researchOptOutRegistry.setOptOut(patientId, false, 0, 0);
        assertEq(researchOptOutRegistry.optOutNonce(patientId), 1, "a direct change moves the nonce on");
        _expectBySigRevert(
            heldBack,
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidNonce.selector, patientId, 1, 0)
        );
        assertFalse(researchOptOutRegistry.getOptOut(patientId).wholly, "the newest word stands");
    }

    function test_setOptOutBySig_acceptsAContractWalletsSignatureOnly() public {
        uint256 ownerKey = uint256(keccak256("opt-out wallet owner"));
        MockERC1271Wallet wallet = new MockERC1271Wallet(vm.addr(ownerKey));
        uint64 walletPatientId = registerAsHospital(address(wallet), keccak256("medchain opt-out wallet person"));
        IResearchOptOutRegistry.OptOutRequest memory request = _wholly();
        request.patientId = walletPatientId;
        uint64 deadline = uint64(START + 1 hours);
        bytes32 digest = researchOptOutRegistry.optOutDigest(request, address(wallet), 0, deadline);

        // A key that does not own the wallet: the wallet says no.
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(patientKey, digest);
        _expectBySigRevert(
            _delegated(request, address(wallet), 0, deadline, abi.encodePacked(r, s, v)),
            abi.encodeWithSelector(IResearchOptOutRegistry.ResearchOptOutInvalidSignature.selector, address(wallet))
        );

        (v, r, s) = vm.sign(ownerKey, digest);
        vm.expectEmit(true, true, true, true, address(researchOptOutRegistry));
        emit IResearchOptOutRegistry.ResearchOptOutChanged(walletPatientId, address(wallet), true, 0, 0);
        vm.prank(stranger);
        researchOptOutRegistry.setOptOutBySig(
            _delegated(request, address(wallet), 0, deadline, abi.encodePacked(r, s, v))
        );
        assertEq(researchOptOutRegistry.optOutNonce(walletPatientId), 1, "the wallet's patient's nonce");
    }

    // ------------------------------------------------------------------------------------------------------
    // Digest, domain, upgrades and storage
    // ------------------------------------------------------------------------------------------------------

    function testFuzz_optOutDigest_isTheEip712DigestOverTheProxysDomain(
        bool wholly,
        uint32 categories,
        uint8 permissions,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) public view {
        IResearchOptOutRegistry.OptOutRequest memory request = IResearchOptOutRegistry.OptOutRequest(
            patientId,
            wholly,
            categories,
            permissions
        );
        bytes32 typeHash = keccak256(
            "ResearchOptOut(uint64 patientId,bool wholly,uint32 categories,uint8 permissions,address signer,"
            "uint256 nonce,uint64 deadline)"
        );
        assertEq(researchOptOutRegistry.OPT_OUT_TYPEHASH(), typeHash, "typehash");
        bytes32 structHash = keccak256(
            abi.encode(typeHash, patientId, wholly, categories, permissions, signer, nonce, deadline)
        );
        bytes32 domainSeparator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256("medchain ResearchOptOutRegistry"),
                keccak256("1"),
                block.chainid,
                address(researchOptOutRegistry)
            )
        );
        assertEq(
            researchOptOutRegistry.optOutDigest(request, signer, nonce, deadline),
            keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash)),
            "digest"
        );
    }

    function test_eip712Domain_describesTheProxysDomain() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifying,
            ,

        ) = researchOptOutRegistry.eip712Domain();
        assertEq(uint8(fields), 0x0f, "fields");
        assertEq(name, "medchain ResearchOptOutRegistry", "name");
        assertEq(version, "1", "version");
        assertEq(chainId, block.chainid, "chain id");
        assertEq(verifying, address(researchOptOutRegistry), "the proxy");
    }

    function test_upgrade_keepsTheNoncesAtTheErc7201Slot() public {
        vm.prank(stranger);
        researchOptOutRegistry.setOptOutBySig(_sign(patientKey, _wholly(), 0));
        bytes32 location = _erc7201("medchain.storage.ResearchOptOutRegistry");
        // The appended mapping is the struct's second member: slot location + 1.
        bytes32 slot = keccak256(abi.encode(patientId, uint256(location) + 1));
        assertEq(uint256(vm.load(address(researchOptOutRegistry), slot)), 1, "nonce at the namespaced slot");

        ResearchOptOutRegistryV2Mock next = new ResearchOptOutRegistryV2Mock(
            IPatientRegistry(address(patientRegistry))
        );
        researchOptOutRegistry.upgradeToAndCall(address(next), "");
        assertEq(researchOptOutRegistry.optOutNonce(patientId), 1, "nonce kept");
        assertTrue(researchOptOutRegistry.getOptOut(patientId).wholly, "objection kept");
        // Signatures keep working on the upgraded proxy: the domain lives in code, not storage.
        vm.prank(stranger);
        researchOptOutRegistry.setOptOutBySig(_sign(patientKey, _none(), 1));
        assertFalse(researchOptOutRegistry.getOptOut(patientId).wholly, "withdrawn after the upgrade");
    }

    // ------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------

    function _wholly() internal view returns (IResearchOptOutRegistry.OptOutRequest memory) {
        return
            IResearchOptOutRegistry.OptOutRequest({patientId: patientId, wholly: true, categories: 0, permissions: 0});
    }

    function _none() internal view returns (IResearchOptOutRegistry.OptOutRequest memory) {
        return
            IResearchOptOutRegistry.OptOutRequest({patientId: patientId, wholly: false, categories: 0, permissions: 0});
    }

    /// @dev `vm.addr(key)`'s signature of `request` with `nonce`, valid for an hour.
    function _sign(
        uint256 key,
        IResearchOptOutRegistry.OptOutRequest memory request,
        uint256 nonce
    ) internal view returns (IResearchOptOutRegistry.DelegatedOptOutRequest memory) {
        uint64 deadline = uint64(block.timestamp + 1 hours);
        address signer = vm.addr(key);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            key,
            researchOptOutRegistry.optOutDigest(request, signer, nonce, deadline)
        );
        return _delegated(request, signer, nonce, deadline, abi.encodePacked(r, s, v));
    }

    function _delegated(
        IResearchOptOutRegistry.OptOutRequest memory request,
        address signer,
        uint256 nonce,
        uint64 deadline,
        bytes memory signature
    ) internal pure returns (IResearchOptOutRegistry.DelegatedOptOutRequest memory) {
        return
            IResearchOptOutRegistry.DelegatedOptOutRequest({
                request: request,
                signer: signer,
                nonce: nonce,
                deadline: deadline,
                signature: signature
            });
    }

    /// @dev Expects `setOptOutBySig(signed)` to revert with exactly `expected` and to change nothing.
    function _expectBySigRevert(
        IResearchOptOutRegistry.DelegatedOptOutRequest memory signed,
        bytes memory expected
    ) internal {
        uint64 id = signed.request.patientId;
        IResearchOptOutRegistry.OptOut memory before = researchOptOutRegistry.getOptOut(id);
        uint256 nonceBefore = researchOptOutRegistry.optOutNonce(id);
        vm.expectRevert(expected);
        vm.prank(stranger);
        researchOptOutRegistry.setOptOutBySig(signed);
        IResearchOptOutRegistry.OptOut memory after_ = researchOptOutRegistry.getOptOut(id);
        assertEq(after_.wholly, before.wholly, "wholly unchanged");
        assertEq(uint256(after_.categories), before.categories, "categories unchanged");
        assertEq(uint256(after_.permissions), before.permissions, "permissions unchanged");
        assertEq(uint256(after_.updatedAt), before.updatedAt, "updatedAt unchanged");
        assertEq(researchOptOutRegistry.optOutNonce(id), nonceBefore, "nonce unchanged");
    }

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }
}
