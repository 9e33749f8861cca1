// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Where an anchored record stands. `None` means the content hash was never anchored on its own (a
/// record anchored only as a batch leaf has no entry until it is superseded or retracted).
/// @dev Mapped to FHIR `DocumentReference.status`: Current → current, Superseded → superseded, Retracted →
/// entered-in-error (docs/records.md).
enum RecordStatus {
    None,
    Current,
    Superseded,
    Retracted
}

/// @notice Why a custodian retracted a record or a batch. Retraction is final.
/// @dev Append new reasons at the end; the SDK's code list follows this order.
enum RetractionReason {
    EnteredInError, // anchored by mistake (FHIR entered-in-error)
    WrongPatient, // the record belongs to another patient
    WrongCategory, // anchored under the wrong record category
    DuplicateRecord, // the same record was anchored again under another content hash
    IncompleteBatch // a batch missed or mixed records; re-anchor it as a new batch
}
