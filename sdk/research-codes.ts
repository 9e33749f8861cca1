/**
 * Internal code lists of issue 8 (research), used by `research.ts` and the error messages until `codes.ts`
 * carries them (another branch adds them there; the merge replaces this module). Not exported from
 * `index.ts`. Values equal `contracts/types/ResearchCodes.sol`, `ConsentCodes.sol` and `MemberCodes.sol`.
 *
 * @example
 * ```ts
 * import { RESEARCH_REQUESTER_CLASS } from "./research-codes.js";
 * ```
 */

/**
 * `Purpose` as extended for research (ConsentCodes.sol).
 *
 * @example
 * ```ts
 * RESEARCH_PURPOSE.BiomedicalResearch; // 7
 * ```
 */
export const RESEARCH_PURPOSE = {
  Treatment: 0,
  CareCoordination: 1,
  InsuranceClaim: 2,
  Research: 3,
  PublicHealth: 4,
  Marketing: 5,
  ClinicalTrialResearch: 6,
  BiomedicalResearch: 7,
  DiseaseSpecificResearch: 8,
  PopulationOriginsResearch: 9,
  PatientRequested: 10,
} as const;

/**
 * `MemberKind` with `Company` (MemberCodes.sol).
 *
 * @example
 * ```ts
 * RESEARCH_MEMBER_KIND.Company; // 5
 * ```
 */
export const RESEARCH_MEMBER_KIND = {
  Hospital: 0,
  Clinic: 1,
  Insurer: 2,
  ResearchInstitute: 3,
  Regulator: 4,
  Company: 5,
} as const;

/**
 * `RequesterClass` (ResearchCodes.sol).
 *
 * @example
 * ```ts
 * RESEARCH_REQUESTER_CLASS.Academic; // 0
 * ```
 */
export const RESEARCH_REQUESTER_CLASS = {
  Academic: 0,
  NonProfit: 1,
  Government: 2,
  Hospital: 3,
  Insurer: 4,
  Commercial: 5,
} as const;

/**
 * GA4GH DUO data use permissions by numeric id (`DataUse` in ResearchCodes.sol).
 *
 * @example
 * ```ts
 * DUO_PERMISSION.HMB; // 6 (DUO:0000006)
 * ```
 */
export const DUO_PERMISSION = { NRES: 4, GRU: 42, HMB: 6, DS: 7, POA: 11 } as const;

/**
 * GA4GH DUO data use modifiers by numeric id (`DataUse` in ResearchCodes.sol).
 *
 * @example
 * ```ts
 * DUO_MODIFIER.PUB; // 19 (DUO:0000019)
 * ```
 */
export const DUO_MODIFIER = {
  NMDS: 15,
  GSO: 16,
  NPUNCU: 18,
  RS: 12,
  PUB: 19,
  COL: 20,
  IRB: 21,
  GS: 22,
  MOR: 24,
  TS: 25,
  US: 26,
  PS: 27,
  IS: 28,
  RTN: 29,
  CC: 43,
  NPOA: 44,
  NPU: 45,
  NCU: 46,
} as const;

/**
 * `LegalBasis` (ResearchCodes.sol).
 *
 * @example
 * ```ts
 * RESEARCH_LEGAL_BASIS.CancerRegistry; // 2
 * ```
 */
export const RESEARCH_LEGAL_BASIS = {
  None: 0,
  CommunicableDiseaseControl: 1,
  CancerRegistry: 2,
  CourtOrder: 3,
  PublicHealthEmergency: 4,
} as const;

/**
 * `DeidentificationMethod` (ResearchCodes.sol).
 *
 * @example
 * ```ts
 * DEIDENTIFICATION_METHOD.DifferentialPrivacy; // 1
 * ```
 */
export const DEIDENTIFICATION_METHOD = { KAnonymity: 0, DifferentialPrivacy: 1, AggregateTables: 2 } as const;

/**
 * `StudyStatus` (ResearchCodes.sol).
 *
 * @example
 * ```ts
 * STUDY_STATUS.Approved; // 2
 * ```
 */
export const STUDY_STATUS = { None: 0, Proposed: 1, Approved: 2, Suspended: 3, Closed: 4 } as const;

/**
 * The name of DUO id `value` (`"HMB"`), or the id itself.
 *
 * @example
 * ```ts
 * duoName(6n); // "HMB"
 * ```
 */
export function duoName(value: unknown): string {
  const id = Number(value);
  const entry = [...Object.entries(DUO_PERMISSION), ...Object.entries(DUO_MODIFIER)].find(([, code]) => code === id);
  return entry === undefined
    ? `DUO:${String(value).padStart(7, "0")}`
    : `${entry[0]} (DUO:${String(id).padStart(7, "0")})`;
}
