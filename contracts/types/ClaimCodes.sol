// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Where an insurance claim stands. `None` marks an id that was never submitted.
/// @dev Lifecycle (docs/claims.md): Submitted → InReview → (InformationRequested → InReview)* → Approved,
/// PartiallyApproved or Denied; Approved and PartiallyApproved → Paid; Submitted, InReview and
/// InformationRequested → Withdrawn. Denied, Paid and Withdrawn are final.
enum ClaimStatus {
    None,
    Submitted,
    InReview,
    InformationRequested,
    Approved,
    PartiallyApproved,
    Denied,
    Paid,
    Withdrawn
}

/// @notice The FHIR `ClaimResponse.outcome` a status change corresponds to (docs/claims.md).
enum ClaimOutcome {
    Queued, // submitted, in review, waiting for information
    Complete, // approved in full, denied or paid: adjudication finished
    Partial, // approved for less than claimed
    Error // withdrawn by the provider: no adjudication (FHIR Claim.status cancelled)
}

/// @notice Why an insurer denies a claim or asks for more information (after X12 claim adjustment reason
/// groups, simplified). Zero means no reason (every other status change).
/// @dev Append new reasons at the end.
enum ClaimReason {
    None,
    NotCovered, // the service is not covered by the policy
    PolicyInactive, // no policy in force for the service period
    NotMedicallyNecessary,
    BenefitLimitReached,
    DuplicateService, // already paid under another claim
    MissingDocuments, // documents the claim needs are missing or illegible
    ItemisedReceiptNeeded,
    MedicalRecordNeeded,
    Other
}
