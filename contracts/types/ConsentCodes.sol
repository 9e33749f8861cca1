// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Categories of medical records, after Taiwan's health passbook. A grant covers a set of them, stored
/// as a bitmask with bit `uint8(category)` set (see {Categories}). Mapped to FHIR `Consent.provision.class`
/// and `provision.code` in docs/fhir-mapping.md.
/// @dev Append new categories at the end (the mask has room for 32) and widen {Categories.ALL}.
enum RecordCategory {
    Outpatient,
    Inpatient,
    Dental,
    TraditionalChineseMedicine,
    Allergy,
    LabResult,
    ImagingReport,
    PathologyReport,
    DischargeSummary,
    AdvanceDirective, // organ donation, hospice and palliative care will
    PreventiveCare,
    Vaccination,
    Medication,
    ClaimDocument // insurance-claim documents
}

/// @notice Why data is used. A grant covers a set of purposes, stored as a bitmask with bit `uint8(purpose)`
/// set (see {Purposes}). Mapped to HL7 v3 ActReason (FHIR `Consent.provision.purpose`) in
/// docs/fhir-mapping.md.
/// @dev Append new purposes at the end (the mask has room for 16) and widen {Purposes.ALL}.
enum Purpose {
    Treatment, // TREAT
    CareCoordination, // COC
    InsuranceClaim, // CLMATTCH / HPAYMT
    Research, // HRESCH
    PublicHealth, // PUBHLTH
    Marketing, // HMARKT: commercial use; needs the patient's explicit commercial opt-in
    ClinicalTrialResearch, // CLINTRCH
    BiomedicalResearch, // BIORCH
    DiseaseSpecificResearch, // DSRCH
    PopulationOriginsResearch, // POARCH
    PatientRequested // PATRQT: the patient asked for the disclosure (to an app or company of her choice)
}

/// @notice Why a clinician opened emergency (break-glass) access without consent.
/// @dev Append new reasons at the end.
enum EmergencyReason {
    Unconscious, // the patient cannot consent and no delegate is reachable
    LifeThreatening, // delay to seek consent would endanger life
    MentalIncapacity, // the patient lacks capacity at the moment of care
    DelegateUnreachable // the patient's delegate cannot be reached in time
}

/// @notice Bitmask helpers for sets of {RecordCategory}.
library Categories {
    /// @notice Every category defined today: one bit per {RecordCategory} value.
    uint32 internal constant ALL = (uint32(1) << (uint8(type(RecordCategory).max) + 1)) - 1;

    /// @notice The bitmask holding only `category`.
    function bit(RecordCategory category) internal pure returns (uint32) {
        return uint32(1) << uint8(category);
    }

    /// @notice Whether `categories` is a non-empty set of defined categories.
    function isValid(uint32 categories) internal pure returns (bool) {
        return categories != 0 && categories & ~ALL == 0;
    }
}

/// @notice Bitmask helpers for sets of {Purpose}.
library Purposes {
    /// @notice Every purpose defined today: one bit per {Purpose} value.
    uint16 internal constant ALL = (uint16(1) << (uint8(type(Purpose).max) + 1)) - 1;

    /// @notice The research purposes (HRESCH and its kinds): what a research opt-out withholds.
    uint16 internal constant RESEARCH =
        (uint16(1) << uint8(Purpose.Research)) |
            (uint16(1) << uint8(Purpose.ClinicalTrialResearch)) |
            (uint16(1) << uint8(Purpose.BiomedicalResearch)) |
            (uint16(1) << uint8(Purpose.DiseaseSpecificResearch)) |
            (uint16(1) << uint8(Purpose.PopulationOriginsResearch));

    /// @notice The commercial purposes: a grant holding one needs the patient's explicit commercial opt-in.
    uint16 internal constant COMMERCIAL = uint16(1) << uint8(Purpose.Marketing);

    /// @notice The bitmask holding only `purpose`.
    function bit(Purpose purpose) internal pure returns (uint16) {
        return uint16(1) << uint8(purpose);
    }

    /// @notice Whether `purpose` is a research purpose ({RESEARCH}).
    function isResearch(Purpose purpose) internal pure returns (bool) {
        return RESEARCH & bit(purpose) != 0;
    }

    /// @notice Whether `purposes` is a non-empty set of defined purposes.
    function isValid(uint16 purposes) internal pure returns (bool) {
        return purposes != 0 && purposes & ~ALL == 0;
    }
}
