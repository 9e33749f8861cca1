/**
 * Code lists shared with the contracts (`contracts/types/*.sol`). The values are the on-chain encodings;
 * `test/codes.test.ts` keeps the two identical.
 *
 * @example
 * ```ts
 * import { Duty, dutyMask } from "medchain/sdk";
 * await members.addOperator(nurse, hospitalId, dutyMask(Duty.Clinician, Duty.Registrar));
 * ```
 */

/** The bitmask with bit `code` set for each code: how the contracts store sets of codes. */
function bitMask(codes: readonly number[]): number {
  return codes.reduce((mask, code) => mask | (1 << code), 0);
}

/**
 * What kind of organisation a consortium member is (`MemberKind` in Solidity).
 *
 * @example
 * ```ts
 * codeName(MemberKind, (await client.members.get(memberId)).kind); // "Hospital"
 * ```
 */
export const MemberKind = {
  Hospital: 0,
  Clinic: 1,
  Insurer: 2,
  ResearchInstitute: 3,
  Regulator: 4,
  /** A commercial organisation (pharmaceutical, health technology): third-party access only. */
  Company: 5,
} as const;
/** A {@link MemberKind} value. */
export type MemberKind = (typeof MemberKind)[keyof typeof MemberKind];

/**
 * Lifecycle of a member organisation (`MemberStatus` in Solidity); `None` marks an unknown id.
 *
 * @example
 * ```ts
 * const { status } = await client.members.get(memberId);
 * if (Number(status) === MemberStatus.Suspended) holdReferrals(memberId);
 * ```
 */
export const MemberStatus = {
  None: 0,
  Active: 1,
  Suspended: 2,
  Removed: 3,
} as const;
/** A {@link MemberStatus} value. */
export type MemberStatus = (typeof MemberStatus)[keyof typeof MemberStatus];

/**
 * A duty an operator account performs for its organisation (`Duty` in Solidity).
 *
 * @example
 * ```ts
 * await (await client.members.addOperator(nurseAccount, hospitalId, [Duty.Clinician, Duty.Registrar])).wait();
 * const canAnchor = await client.members.hasDuty(account, Duty.DataSteward);
 * ```
 */
export const Duty = {
  OrgAdmin: 0,
  Registrar: 1,
  Clinician: 2,
  ClaimsOfficer: 3,
  DataSteward: 4,
  Researcher: 5,
} as const;
/** A {@link Duty} value. */
export type Duty = (typeof Duty)[keyof typeof Duty];

/**
 * The duty bitmask an operator entry stores.
 *
 * @example
 * ```ts
 * dutyMask(Duty.OrgAdmin, Duty.Registrar); // 0b11 = 3
 * ```
 */
export function dutyMask(...duties: Duty[]): number {
  return bitMask(duties);
}

/**
 * Role ids of the consortium authority (`ConsortiumRoles` in Solidity).
 *
 * @example
 * ```ts
 * await authority.connect(admin).grantRole(ConsortiumRole.Guardian, guardianAccount, 0);
 * ```
 */
export const ConsortiumRole = {
  Admin: 0n,
  Membership: 1n,
  Guardian: 2n,
  /** The research oversight board: approves, suspends and closes studies. */
  Oversight: 3n,
} as const;
/** A {@link ConsortiumRole} value. */
export type ConsortiumRole = (typeof ConsortiumRole)[keyof typeof ConsortiumRole];

/**
 * Lifecycle of a patient (`PatientStatus` in Solidity); `None` marks an unknown id.
 *
 * @example
 * ```ts
 * codeName(PatientStatus, (await client.patients.get(patientId)).status); // "Active"
 * ```
 */
export const PatientStatus = {
  None: 0,
  Active: 1,
  Deactivated: 2,
} as const;
/** A {@link PatientStatus} value. */
export type PatientStatus = (typeof PatientStatus)[keyof typeof PatientStatus];

/**
 * Why a registrar deactivated a patient (`DeactivationReason` in Solidity).
 *
 * @example
 * ```ts
 * await client.contracts.patientRegistry.deactivatePatient(patientId, DeactivationReason.Deceased);
 * ```
 */
export const DeactivationReason = {
  Deceased: 0,
  Withdrawn: 1,
  RegistrationError: 2,
} as const;
/** A {@link DeactivationReason} value. */
export type DeactivationReason = (typeof DeactivationReason)[keyof typeof DeactivationReason];

/**
 * How an account became a patient's current account (`AccountChangeKind` in Solidity).
 *
 * @example
 * ```ts
 * const registry = client.contracts.patientRegistry;
 * for (const log of await registry.queryFilter(registry.filters.PatientAccountChanged(patientId))) {
 *   console.log(codeName(AccountChangeKind, log.args.changeKind)); // "Rotation" or "Recovery"
 * }
 * ```
 */
export const AccountChangeKind = {
  Rotation: 0,
  Recovery: 1,
} as const;
/** An {@link AccountChangeKind} value. */
export type AccountChangeKind = (typeof AccountChangeKind)[keyof typeof AccountChangeKind];

/**
 * Bits of a delegate's mandate (`DelegateScopes` in Solidity); combine with `|`.
 *
 * @example
 * ```ts
 * const scope = DelegateScope.Consent | DelegateScope.Claims;
 * await (await patientClient.patients.appointDelegate(patientId, daughter, scope, expiresAt)).wait();
 * ```
 */
export const DelegateScope = {
  Consent: 1 << 0,
  Claims: 1 << 1,
  Research: 1 << 2,
  View: 1 << 3,
} as const;
/**
 * Every delegate scope defined today.
 *
 * @example
 * ```ts
 * const known = scope !== 0 && (scope & ~ALL_DELEGATE_SCOPES) === 0; // ALL_DELEGATE_SCOPES is 0b1111
 * ```
 */
export const ALL_DELEGATE_SCOPES = Object.values(DelegateScope).reduce((mask, bit) => mask | bit, 0);

/**
 * Consortium reason codes for suspending or removing a member organisation
 * (`reasonCode` of `MemberStatusChanged`; see docs/codes.md).
 *
 * @example
 * ```ts
 * await memberRegistry.connect(guardian).suspendMember(memberId, MembershipReason.SecurityIncident);
 * ```
 */
export const MembershipReason = {
  Unspecified: 0,
  SecurityIncident: 1,
  LicenceLapsed: 2,
  GovernanceDecision: 3,
  VoluntaryExit: 4,
} as const;
/** A {@link MembershipReason} value. */
export type MembershipReason = (typeof MembershipReason)[keyof typeof MembershipReason];

/**
 * Categories of medical records (`RecordCategory` in Solidity); a grant holds a set as a bitmask.
 *
 * @example
 * ```ts
 * categoryMask(RecordCategory.LabResult); // 0b10_0000 = 32
 * codeName(RecordCategory, 5n); // "LabResult"
 * ```
 */
export const RecordCategory = {
  Outpatient: 0,
  Inpatient: 1,
  Dental: 2,
  TraditionalChineseMedicine: 3,
  Allergy: 4,
  LabResult: 5,
  ImagingReport: 6,
  PathologyReport: 7,
  DischargeSummary: 8,
  AdvanceDirective: 9,
  PreventiveCare: 10,
  Vaccination: 11,
  Medication: 12,
  ClaimDocument: 13,
} as const;
/** A {@link RecordCategory} value. */
export type RecordCategory = (typeof RecordCategory)[keyof typeof RecordCategory];

/**
 * Why data is used (`Purpose` in Solidity); a grant holds a set as a bitmask. Each maps to an HL7 v3
 * ActReason code ({@link PURPOSE_ACT_REASON}).
 *
 * @example
 * ```ts
 * await client.consent.isAuthorized(patientId, insurerId, RecordCategory.ClaimDocument, Purpose.InsuranceClaim);
 * ```
 */
export const Purpose = {
  Treatment: 0,
  CareCoordination: 1,
  InsuranceClaim: 2,
  Research: 3,
  PublicHealth: 4,
  /** Commercial use: needs the patient's explicit commercial opt-in on a third-party grant. */
  Marketing: 5,
  ClinicalTrialResearch: 6,
  BiomedicalResearch: 7,
  DiseaseSpecificResearch: 8,
  PopulationOriginsResearch: 9,
  /** The patient asked for the disclosure (to an app or company of her choice). */
  PatientRequested: 10,
} as const;
/** A {@link Purpose} value. */
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

/**
 * The HL7 v3 ActReason code (FHIR `Consent.provision.purpose`, system
 * `http://terminology.hl7.org/CodeSystem/v3-ActReason`) of each purpose.
 *
 * @example
 * ```ts
 * PURPOSE_ACT_REASON[Purpose.BiomedicalResearch]; // "BIORCH"
 * ```
 */
export const PURPOSE_ACT_REASON: Readonly<Record<Purpose, string>> = {
  [Purpose.Treatment]: "TREAT",
  [Purpose.CareCoordination]: "COC",
  [Purpose.InsuranceClaim]: "CLMATTCH",
  [Purpose.Research]: "HRESCH",
  [Purpose.PublicHealth]: "PUBHLTH",
  [Purpose.Marketing]: "HMARKT",
  [Purpose.ClinicalTrialResearch]: "CLINTRCH",
  [Purpose.BiomedicalResearch]: "BIORCH",
  [Purpose.DiseaseSpecificResearch]: "DSRCH",
  [Purpose.PopulationOriginsResearch]: "POARCH",
  [Purpose.PatientRequested]: "PATRQT",
};

/**
 * Why a clinician opened emergency access (`EmergencyReason` in Solidity).
 *
 * @example
 * ```ts
 * await (await clinicianClient.consent.openBreakGlass(patientId, EmergencyReason.Unconscious)).wait();
 * ```
 */
export const EmergencyReason = {
  Unconscious: 0,
  LifeThreatening: 1,
  MentalIncapacity: 2,
  DelegateUnreachable: 3,
} as const;
/** An {@link EmergencyReason} value. */
export type EmergencyReason = (typeof EmergencyReason)[keyof typeof EmergencyReason];

/**
 * Where an anchored record stands (`RecordStatus` in Solidity); `None`: never anchored on its own.
 *
 * @example
 * ```ts
 * codeName(RecordStatus, (await client.records.verify(contentHash)).status); // "Current", "Superseded", …
 * ```
 */
export const RecordStatus = {
  None: 0,
  Current: 1,
  Superseded: 2,
  Retracted: 3,
} as const;
/** A {@link RecordStatus} value. */
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];

/**
 * Why a custodian retracted a record or a batch (`RetractionReason` in Solidity).
 *
 * @example
 * ```ts
 * await (await client.records.retract(contentHash, RetractionReason.WrongPatient)).wait();
 * ```
 */
export const RetractionReason = {
  EnteredInError: 0,
  WrongPatient: 1,
  WrongCategory: 2,
  DuplicateRecord: 3,
  IncompleteBatch: 4,
} as const;
/** A {@link RetractionReason} value. */
export type RetractionReason = (typeof RetractionReason)[keyof typeof RetractionReason];

/**
 * Where an insurance claim stands (`ClaimStatus` in Solidity); `None` marks an id never submitted.
 *
 * @example
 * ```ts
 * const { status } = await client.claims.get(claimId);
 * if (Number(status) === ClaimStatus.InformationRequested) await answer(claimId); // codeName(ClaimStatus, 3n)
 * ```
 */
export const ClaimStatus = {
  None: 0,
  Submitted: 1,
  InReview: 2,
  InformationRequested: 3,
  Approved: 4,
  PartiallyApproved: 5,
  Denied: 6,
  Paid: 7,
  Withdrawn: 8,
} as const;
/** A {@link ClaimStatus} value. */
export type ClaimStatus = (typeof ClaimStatus)[keyof typeof ClaimStatus];

/**
 * The FHIR `ClaimResponse.outcome` of a claim status (`ClaimOutcome` in Solidity).
 *
 * @example
 * ```ts
 * claimOutcomeOf(ClaimStatus.PartiallyApproved) === ClaimOutcome.Partial; // true
 * ```
 */
export const ClaimOutcome = {
  Queued: 0,
  Complete: 1,
  Partial: 2,
  Error: 3,
} as const;
/** A {@link ClaimOutcome} value. */
export type ClaimOutcome = (typeof ClaimOutcome)[keyof typeof ClaimOutcome];

/**
 * Why an insurer denies a claim or asks for information (`ClaimReason` in Solidity); `None` otherwise.
 *
 * @example
 * ```ts
 * await (await insurerClient.claims.decide(claimId, { kind: "deny", reason: ClaimReason.NotCovered })).wait();
 * ```
 */
export const ClaimReason = {
  None: 0,
  NotCovered: 1,
  PolicyInactive: 2,
  NotMedicallyNecessary: 3,
  BenefitLimitReached: 4,
  DuplicateService: 5,
  MissingDocuments: 6,
  ItemisedReceiptNeeded: 7,
  MedicalRecordNeeded: 8,
  Other: 9,
} as const;
/** A {@link ClaimReason} value. */
export type ClaimReason = (typeof ClaimReason)[keyof typeof ClaimReason];

/**
 * Every category bit defined today (`Categories.ALL`).
 *
 * @example
 * ```ts
 * ALL_CATEGORIES === categoryMask(...Object.values(RecordCategory)); // true: 0x3fff
 * ```
 */
export const ALL_CATEGORIES = (1 << Object.keys(RecordCategory).length) - 1;
/**
 * Every purpose bit defined today (`Purposes.ALL`).
 *
 * @example
 * ```ts
 * ALL_PURPOSES === purposeMask(...Object.values(Purpose)); // true: 0b11_1111
 * ```
 */
export const ALL_PURPOSES = (1 << Object.keys(Purpose).length) - 1;
/**
 * The research purposes, HRESCH and its kinds (`Purposes.RESEARCH`): what a research opt-out withholds.
 *
 * @example
 * ```ts
 * (purposes & RESEARCH_PURPOSES) !== 0; // the grant covers some research
 * ```
 */
export const RESEARCH_PURPOSES =
  (1 << Purpose.Research) |
  (1 << Purpose.ClinicalTrialResearch) |
  (1 << Purpose.BiomedicalResearch) |
  (1 << Purpose.DiseaseSpecificResearch) |
  (1 << Purpose.PopulationOriginsResearch);
/**
 * The commercial purposes (`Purposes.COMMERCIAL`): a grant holding one needs the COMMERCIAL_USE opt-in.
 *
 * @example
 * ```ts
 * const commercial = (request.purposes & COMMERCIAL_PURPOSES) !== 0;
 * ```
 */
export const COMMERCIAL_PURPOSES = 1 << Purpose.Marketing;

/**
 * Whether `purpose` is a research purpose (`Purposes.isResearch`).
 *
 * @example
 * ```ts
 * isResearchPurpose(Purpose.DiseaseSpecificResearch); // true
 * ```
 */
export function isResearchPurpose(purpose: Purpose): boolean {
  return (RESEARCH_PURPOSES & (1 << purpose)) !== 0;
}

/**
 * The category bitmask a grant stores.
 *
 * @example
 * ```ts
 * categoryMask(RecordCategory.Medication, RecordCategory.LabResult); // 0b1_0000_0010_0000
 * ```
 */
export function categoryMask(...categories: RecordCategory[]): number {
  return bitMask(categories);
}

/**
 * The purpose bitmask a grant stores.
 *
 * @example
 * ```ts
 * purposeMask(Purpose.Treatment, Purpose.CareCoordination); // 0b11
 * ```
 */
export function purposeMask(...purposes: Purpose[]): number {
  return bitMask(purposes);
}

/**
 * The name of `value` in a code list (e.g. `codeName(RecordCategory, 5n)` is `"LabResult"`), or the value
 * itself as a string when the list has no such code.
 *
 * @example
 * ```ts
 * codeName(Purpose, event.args.purpose); // "Treatment"
 * ```
 */
export function codeName(codes: Readonly<Record<string, number | bigint>>, value: unknown): string {
  if (typeof value !== "number" && typeof value !== "bigint") return String(value);
  const wanted = BigInt(value);
  return Object.keys(codes).find((name) => BigInt(codes[name] ?? -1) === wanted) ?? String(value);
}

/**
 * Who asks for data, as a class (`RequesterClass` in Solidity), checked against the member's kind.
 *
 * @example
 * ```ts
 * const request = thirdPartyGrantRequest({ grant, granteeKind: MemberKind.ResearchInstitute, requesterClass: RequesterClass.Academic });
 * ```
 */
export const RequesterClass = {
  Academic: 0,
  NonProfit: 1,
  Government: 2,
  Hospital: 3,
  Insurer: 4,
  Commercial: 5,
} as const;
/** A {@link RequesterClass} value. */
export type RequesterClass = (typeof RequesterClass)[keyof typeof RequesterClass];

/**
 * Whether a member of `kind` may act as `requesterClass` (`RequesterClasses.isAllowedFor`): hospitals as
 * hospitals or academics, clinics as hospitals, insurers as insurers, research institutes as academics or
 * non-profits, regulators as government, companies as commercial.
 *
 * @example
 * ```ts
 * requesterClassAllowedFor(MemberKind.Company, RequesterClass.Academic); // false
 * ```
 */
export function requesterClassAllowedFor(kind: MemberKind, requesterClass: RequesterClass): boolean {
  switch (kind) {
    case MemberKind.Hospital:
      return requesterClass === RequesterClass.Hospital || requesterClass === RequesterClass.Academic;
    case MemberKind.Clinic:
      return requesterClass === RequesterClass.Hospital;
    case MemberKind.Insurer:
      return requesterClass === RequesterClass.Insurer;
    case MemberKind.ResearchInstitute:
      return requesterClass === RequesterClass.Academic || requesterClass === RequesterClass.NonProfit;
    case MemberKind.Regulator:
      return requesterClass === RequesterClass.Government;
    case MemberKind.Company:
      return requesterClass === RequesterClass.Commercial;
  }
}

/**
 * What a patient explicitly opts in to on a third-party grant (`ExplicitOptIns` in Solidity); combine with `|`.
 *
 * @example
 * ```ts
 * const optIns = [ExplicitOptIn.CommercialUse, ExplicitOptIn.IdentifiableData]; // only what the patient ticked
 * ```
 */
export const ExplicitOptIn = {
  /** Commercial use: a commercial purpose (HMARKT) or a commercial requester. */
  CommercialUse: 1 << 0,
  /** Access by a third party to data that identifies the patient (or can re-identify her). */
  IdentifiableData: 1 << 1,
} as const;
/**
 * Every explicit opt-in defined today (`ExplicitOptIns.ALL`).
 *
 * @example
 * ```ts
 * (optIns & ~ALL_EXPLICIT_OPT_INS) === 0; // names only defined opt-ins
 * ```
 */
export const ALL_EXPLICIT_OPT_INS = Object.values(ExplicitOptIn).reduce((mask, bit) => mask | bit, 0);

/**
 * GA4GH Data Use Ontology terms by shorthand, valued by their numeric `DUO:` id (`DataUse` in Solidity;
 * `DUO:0000042` is 42). NRES, GRU, HMB, DS and POA are data use permissions; the rest are modifiers.
 *
 * @example
 * ```ts
 * const study = { dataUse: [DataUse.HMB, DataUse.IRB, DataUse.NCU] };
 * ```
 */
export const DataUse = {
  NRES: 4,
  GRU: 42,
  HMB: 6,
  DS: 7,
  POA: 11,
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
/** A {@link DataUse} value (a DUO numeric id). */
export type DataUse = (typeof DataUse)[keyof typeof DataUse];

/**
 * The DUO data use permissions in the order of their bit in a permission set (`DataUse.permissionBit`).
 *
 * @example
 * ```ts
 * DATA_USE_PERMISSIONS.includes(DataUse.HMB); // true: HMB is a permission, not a modifier
 * ```
 */
export const DATA_USE_PERMISSIONS: readonly DataUse[] = [
  DataUse.NRES,
  DataUse.GRU,
  DataUse.HMB,
  DataUse.DS,
  DataUse.POA,
];
/**
 * Every permission bit (`DataUse.ALL_PERMISSION_BITS`).
 *
 * @example
 * ```ts
 * await (await patientClient.research.optOut(patientId, { permissions: ALL_DATA_USE_PERMISSION_BITS })).wait();
 * ```
 */
export const ALL_DATA_USE_PERMISSION_BITS = (1 << DATA_USE_PERMISSIONS.length) - 1;

/**
 * The bit of DUO permission `id` in a permission set (what a research opt-out names), or 0 when `id` is no
 * data use permission (`DataUse.permissionBit`).
 *
 * @example
 * ```ts
 * dataUsePermissionBit(DataUse.GRU) | dataUsePermissionBit(DataUse.POA); // 0b10010
 * ```
 */
export function dataUsePermissionBit(id: number): number {
  const index = (DATA_USE_PERMISSIONS as readonly number[]).indexOf(id);
  return index < 0 ? 0 : 1 << index;
}

/**
 * The name of DUO id `value` with its `DUO:` id (`"HMB (DUO:0000006)"`), or the bare `DUO:` id when this
 * list does not know it.
 *
 * @example
 * ```ts
 * dataUseName(DataUse.HMB); // "HMB (DUO:0000006)"
 * ```
 */
export function dataUseName(value: unknown): string {
  const id = Number(value);
  const name = Object.entries(DataUse).find(([, code]) => code === id)?.[0];
  const curie = `DUO:${String(value).padStart(7, "0")}`;
  return name === undefined ? curie : `${name} (${curie})`;
}

/**
 * A coded legal basis for using opted-out patients' data (`LegalBasis` in Solidity); `None`: no exception.
 *
 * @example
 * ```ts
 * const registration = studyRegistration({ ...input, purpose: Purpose.PublicHealth, legalBasis: LegalBasis.CommunicableDiseaseControl });
 * ```
 */
export const LegalBasis = {
  None: 0,
  CommunicableDiseaseControl: 1,
  CancerRegistry: 2,
  CourtOrder: 3,
  PublicHealthEmergency: 4,
} as const;
/** A {@link LegalBasis} value. */
export type LegalBasis = (typeof LegalBasis)[keyof typeof LegalBasis];

/**
 * How a dataset was de-identified (`DeidentificationMethod` in Solidity).
 *
 * @example
 * ```ts
 * const manifest = datasetManifest({ ...input, method: DeidentificationMethod.KAnonymity, k: 5 });
 * ```
 */
export const DeidentificationMethod = {
  KAnonymity: 0,
  DifferentialPrivacy: 1,
  AggregateTables: 2,
} as const;
/** A {@link DeidentificationMethod} value. */
export type DeidentificationMethod = (typeof DeidentificationMethod)[keyof typeof DeidentificationMethod];

/**
 * Lifecycle of a study (`StudyStatus` in Solidity); `None` marks an unknown id.
 *
 * @example
 * ```ts
 * (await client.research.study(studyId)).status === BigInt(StudyStatus.Approved);
 * ```
 */
export const StudyStatus = {
  None: 0,
  Proposed: 1,
  Approved: 2,
  Suspended: 3,
  Closed: 4,
} as const;
/** A {@link StudyStatus} value. */
export type StudyStatus = (typeof StudyStatus)[keyof typeof StudyStatus];
