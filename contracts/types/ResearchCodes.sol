// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {MemberKind} from "./MemberCodes.sol";

/// @notice Who asks for data, as a class: what a study or a third-party grant declares, checked against the
/// requesting member's {MemberKind} ({RequesterClasses.isAllowedFor}).
/// @dev Append new classes at the end: stored values and the SDK's code list depend on the order.
enum RequesterClass {
    Academic, // a university, a teaching hospital's research arm, an academic research institute
    NonProfit, // a non-profit research organisation or foundation
    Government, // a regulator or public-health authority
    Hospital, // a care provider using data for its own care or quality work
    Insurer, // an insurer (claims analysis)
    Commercial // a company: never for de-identified datasets, only with a patient's explicit opt-in
}

/// @notice Helpers for {RequesterClass}.
library RequesterClasses {
    /// @notice Whether a member of `kind` may act as `requesterClass`: hospitals as hospitals or academics
    /// (teaching hospitals), clinics as hospitals, insurers as insurers, research institutes as academics or
    /// non-profits, regulators as government, companies as commercial.
    function isAllowedFor(MemberKind kind, RequesterClass requesterClass) internal pure returns (bool) {
        if (kind == MemberKind.Hospital) {
            return requesterClass == RequesterClass.Hospital || requesterClass == RequesterClass.Academic;
        }
        if (kind == MemberKind.Clinic) return requesterClass == RequesterClass.Hospital;
        if (kind == MemberKind.Insurer) return requesterClass == RequesterClass.Insurer;
        if (kind == MemberKind.ResearchInstitute) {
            return requesterClass == RequesterClass.Academic || requesterClass == RequesterClass.NonProfit;
        }
        if (kind == MemberKind.Regulator) return requesterClass == RequesterClass.Government;
        return kind == MemberKind.Company && requesterClass == RequesterClass.Commercial;
    }
}

/// @notice What a patient explicitly opts in to on a third-party grant, as a bitmask. Never set by default:
/// a grant without the bit does not allow the use.
library ExplicitOptIns {
    /// @notice Commercial use: a commercial purpose (HMARKT) or a commercial requester.
    uint8 internal constant COMMERCIAL_USE = 1 << 0;
    /// @notice Access to data that identifies the patient (or can re-identify her) by a third party.
    uint8 internal constant IDENTIFIABLE_DATA = 1 << 1;
    /// @notice Every opt-in defined today.
    uint8 internal constant ALL = COMMERCIAL_USE | IDENTIFIABLE_DATA;

    /// @notice Whether `optIns` names only defined opt-ins.
    function isValid(uint8 optIns) internal pure returns (bool) {
        return optIns & ~ALL == 0;
    }
}

/// @notice GA4GH Data Use Ontology (DUO) terms, by their numeric `DUO:` id (DUO:0000042 is 42). A study
/// declares exactly one data use permission and any number of modifiers; a patient may opt out of research
/// under chosen permissions. The SDK's list equals this one, and both equal the published ontology (tested).
library DataUse {
    // Data use permissions (subclasses of DUO:0000001).
    uint32 internal constant NRES = 4; // no restriction
    uint32 internal constant GRU = 42; // general research use
    uint32 internal constant HMB = 6; // health or medical or biomedical research
    uint32 internal constant DS = 7; // disease specific research (with a disease code)
    uint32 internal constant POA = 11; // population origins or ancestry research only

    // Data use modifiers (subclasses of DUO:0000017).
    uint32 internal constant NMDS = 15; // no general methods research
    uint32 internal constant GSO = 16; // genetic studies only
    uint32 internal constant NPUNCU = 18; // not for profit, non commercial use only
    uint32 internal constant RS = 12; // research specific restrictions
    uint32 internal constant PUB = 19; // publication required
    uint32 internal constant COL = 20; // collaboration required
    uint32 internal constant IRB = 21; // ethics approval required
    uint32 internal constant GS = 22; // geographical restriction
    uint32 internal constant MOR = 24; // publication moratorium
    uint32 internal constant TS = 25; // time limit on use
    uint32 internal constant US = 26; // user specific restriction
    uint32 internal constant PS = 27; // project specific restriction
    uint32 internal constant IS = 28; // institution specific restriction
    uint32 internal constant RTN = 29; // return to database or resource
    uint32 internal constant CC = 43; // clinical care use
    uint32 internal constant NPOA = 44; // population origins or ancestry research prohibited
    uint32 internal constant NPU = 45; // not for profit organisation use only
    uint32 internal constant NCU = 46; // non-commercial use only

    /// @notice Every permission as one bit of an 8-bit set (what an opt-out names): NRES 0, GRU 1, HMB 2,
    /// DS 3, POA 4.
    uint8 internal constant ALL_PERMISSION_BITS = 0x1f;

    /// @notice Whether `id` is a DUO data use permission.
    function isPermission(uint32 id) internal pure returns (bool) {
        return id == NRES || id == GRU || id == HMB || id == DS || id == POA;
    }

    /// @notice The bit of permission `id` in a permission set; 0 when `id` is no permission.
    function permissionBit(uint32 id) internal pure returns (uint8) {
        if (id == NRES) return 1 << 0;
        if (id == GRU) return 1 << 1;
        if (id == HMB) return 1 << 2;
        if (id == DS) return 1 << 3;
        if (id == POA) return 1 << 4;
        return 0;
    }

    /// @notice Whether `id` is a DUO data use modifier.
    function isModifier(uint32 id) internal pure returns (bool) {
        return
            (id >= NMDS && id <= GSO) ||
            id == RS ||
            (id >= NPUNCU && id <= GS) ||
            (id >= MOR && id <= RTN) ||
            (id >= CC && id <= NCU);
    }
}

/// @notice A coded legal basis for using the data of patients who opted out of research: the exceptions
/// Taiwan's rules allow (docs/research.md). Every use is counted publicly.
/// @dev Append new bases at the end. `None` means the study has no exception: opted-out patients are
/// excluded.
enum LegalBasis {
    None,
    CommunicableDiseaseControl, // Communicable Disease Control Act: epidemic investigation and control
    CancerRegistry, // Cancer Control Act: the national cancer registry
    CourtOrder, // an order of a court or prosecutor
    PublicHealthEmergency // a declared public-health emergency
}

/// @notice How a dataset was de-identified.
/// @dev Append new methods at the end.
enum DeidentificationMethod {
    KAnonymity, // every released record is indistinguishable from at least k-1 others
    DifferentialPrivacy, // released statistics carry noise of privacy budget epsilon
    AggregateTables // only aggregate tables, every cell counting at least a minimum of people
}

/// @notice Lifecycle of a study: proposed by a research member, approved, suspended and closed by oversight.
enum StudyStatus {
    None,
    Proposed,
    Approved,
    Suspended,
    Closed
}
