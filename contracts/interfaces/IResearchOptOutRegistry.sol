// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {RecordCategory} from "../types/ConsentCodes.sol";

/// @title IResearchOptOutRegistry
/// @notice Patients' objections to research use of their data (Taiwan's 2022 Constitutional Court judgment
/// 111-Hsien-Pan-13 and the law that followed: a right to opt out of research use, wholly or in part). A
/// patient (or a delegate holding the Research scope) opts out of all research, of chosen record categories,
/// or of chosen GA4GH DUO data use permissions; the change is effective in the same block and the registry
/// answers in constant time (one slot per patient). Opting back in is the same call with nothing named.
/// @dev The ConsentRegistry consults {isOptedOut} for every research purpose, so an opted-out patient is
/// never authorised for research whatever grant exists; the StudyRegistry's dataset manifests name the block
/// of the opt-out state their cohort was built from. Exceptions under a legal basis are counted by the
/// StudyRegistry (docs/research.md).
interface IResearchOptOutRegistry {
    /// @notice A patient's objection to research use. All zero: no objection.
    struct OptOut {
        bool wholly; // every research use, every category, every permission
        uint32 categories; // RecordCategory bitmask of categories withheld from research
        uint8 permissions; // DUO permission bits withheld (DataUse.permissionBit: NRES, GRU, HMB, DS, POA)
        uint64 updatedAt; // block time of the last change (0: never set)
    }

    /// @notice What a patient asks: the objection {setOptOut} sets. Used inside {DelegatedOptOutRequest}.
    struct OptOutRequest {
        uint64 patientId;
        bool wholly; // every research use
        uint32 categories; // RecordCategory bitmask withheld
        uint8 permissions; // DUO permission bits withheld
    }

    /// @notice An {OptOutRequest} signed off chain by `signer` (the patient or a Research-scope delegate) and
    /// relayed by anyone.
    /// @dev The signed data names `signer`, so a relayer cannot present one key's signature as another
    /// account's (an EOA delegate that also owns the patient's ERC-1271 wallet, say).
    struct DelegatedOptOutRequest {
        OptOutRequest request;
        address signer;
        uint256 nonce; // the patient's current opt-out signature nonce ({optOutNonce})
        uint64 deadline; // last second (inclusive) at which the signature may be used
        bytes signature; // EIP-712 signature (65-byte ECDSA, low s, or anything the signer's ERC-1271 wallet accepts)
    }

    /// @notice Emitted when patient `patientId`'s objection changes (by the patient or a delegate).
    event ResearchOptOutChanged(
        uint64 indexed patientId,
        address indexed changedBy,
        bool wholly,
        uint32 categories,
        uint8 permissions
    );

    /// @notice `account` is neither patient `patientId`'s account nor a delegate of hers with the Research scope.
    error ResearchOptOutUnauthorizedActor(uint64 patientId, address account);

    /// @notice Patient `patientId` does not exist or is deactivated.
    error ResearchOptOutPatientNotActive(uint64 patientId);

    /// @notice `categories` holds bits that name no {RecordCategory}.
    error ResearchOptOutInvalidCategories(uint32 categories);

    /// @notice `permissions` holds bits that name no DUO permission.
    error ResearchOptOutInvalidPermissions(uint8 permissions);

    /// @notice The signature's deadline `deadline` is before the block time `currentTime`.
    error ResearchOptOutExpiredSignature(uint64 deadline, uint64 currentTime);

    /// @notice The request carries nonce `provided` but patient `patientId`'s current opt-out nonce is
    /// `expected` (a replayed signature, one superseded by a direct change, or one signed out of order).
    error ResearchOptOutInvalidNonce(uint64 patientId, uint256 expected, uint256 provided);

    /// @notice The signature is not `signer`'s over this request on this chain and contract (wrong key,
    /// another chain id or contract, altered fields, or a malleable high-s ECDSA signature).
    error ResearchOptOutInvalidSignature(address signer);

    /// @notice Sets patient `patientId`'s objection: `wholly`, or the `categories` and DUO `permissions`
    /// withheld (all false/zero to withdraw the objection). Callable by the patient's account or a delegate
    /// with the Research scope; effective at once.
    /// @dev Moves the patient's opt-out nonce on, voiding every outstanding signed opt-out (the patient's newest
    /// word wins over one a relayer held back). Emits {ResearchOptOutChanged}.
    function setOptOut(uint64 patientId, bool wholly, uint32 categories, uint8 permissions) external;

    /// @notice Same as {setOptOut}, signed off chain (EIP-712, this proxy's domain) by the patient's account or a
    /// delegate with the Research scope; anyone may relay, so the patient needs no gas.
    /// @dev Checks the deadline, the patient's current opt-out nonce and the signature (ECDSA low s, or
    /// ERC-1271 for a contract signer), consumes the nonce, then applies {setOptOut}'s rules with the signer as
    /// the actor. Emits {ResearchOptOutChanged} with `changedBy` the signer.
    function setOptOutBySig(DelegatedOptOutRequest calldata delegatedRequest) external;

    /// @notice Patient `patientId`'s current opt-out signature nonce: the one the next signed opt-out must carry.
    function optOutNonce(uint64 patientId) external view returns (uint256);

    /// @notice The EIP-712 digest `signer` signs for `request` with `nonce` and `deadline`.
    function optOutDigest(
        OptOutRequest calldata request,
        address signer,
        uint256 nonce,
        uint64 deadline
    ) external view returns (bytes32);

    /// @notice Patient `patientId`'s objection as stored.
    function getOptOut(uint64 patientId) external view returns (OptOut memory);

    /// @notice Whether patient `patientId` objects to research use of `category` records: wholly, or for the
    /// category. Constant work: one slot.
    function isOptedOut(uint64 patientId, RecordCategory category) external view returns (bool);

    /// @notice Whether patient `patientId` objects to research use of `category` records under DUO permission
    /// `duoPermission` (its numeric id): wholly, for the category, or for the permission. An unknown
    /// permission id counts as objected to.
    function isOptedOutUnder(
        uint64 patientId,
        RecordCategory category,
        uint32 duoPermission
    ) external view returns (bool);
}
