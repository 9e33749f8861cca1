import { ErrorFragment, Interface, isHexString, type Result } from "ethers";

import {
  ClaimRegistry__factory,
  ConsentRegistry__factory,
  ConsortiumAuthority__factory,
  MemberRegistry__factory,
  PatientRegistry__factory,
  RecordRegistry__factory,
  ResearchOptOutRegistry__factory,
  StudyRegistry__factory,
} from "../typechain-types/index.js";
import { secondsToIso } from "./checks.js";
import {
  ClaimStatus,
  codeName,
  dataUseName,
  DeidentificationMethod,
  Duty,
  EmergencyReason,
  MemberKind,
  MemberStatus,
  Purpose,
  RecordCategory,
  RecordStatus,
  RequesterClass,
  StudyStatus,
} from "./codes.js";

/**
 * Base class of every error the SDK throws: a one-line `shortMessage`, optional `details`, the `cause`.
 *
 * @example
 * ```ts
 * if (error instanceof MedchainError) console.error(error.shortMessage, error.details ?? "");
 * ```
 */
export class MedchainError extends Error {
  /** One line a hospital engineer can act on. */
  readonly shortMessage: string;
  /** Extra facts (decoded values, the field at fault). */
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${options.details}`, {
      cause: options.cause,
    });
    this.name = "MedchainError";
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/**
 * Bad input caught before anything is signed or sent.
 *
 * @example
 * ```ts
 * try {
 *   identityCommitment(input);
 * } catch (error) {
 *   if (error instanceof MedchainInputError) console.error(`${error.field}: ${error.shortMessage}`);
 * }
 * ```
 */
export class MedchainInputError extends MedchainError {
  /** The input field at fault. */
  readonly field: string | undefined;

  constructor(shortMessage: string, options: { field?: string; cause?: unknown } = {}) {
    super(shortMessage, {
      cause: options.cause,
      ...(options.field === undefined ? {} : { details: `field: ${options.field}` }),
    });
    this.name = "MedchainInputError";
    this.field = options.field;
  }
}

/**
 * A medchain contract refused a call with one of its custom errors. `errorName` is the Solidity error's
 * name and `args` its decoded arguments (by name and by position).
 *
 * @example
 * ```ts
 * const decoded: MedchainContractError | undefined = decodeMedchainError(error);
 * if (decoded?.errorName === "PatientRegistryAccountInUse") console.error(`in use by patient ${decoded.namedArgs.patientId}`);
 * ```
 */
export class MedchainContractError extends MedchainError {
  /** The Solidity custom error's name, e.g. `PatientRegistryAccountInUse`. */
  readonly errorName: string;
  /** The decoded arguments. */
  readonly args: Result;
  /**
   * The decoded arguments by their Solidity parameter names (`{ patientId: 7n, account: "0x…" }`), for
   * logs and API responses; an unnamed parameter appears as `arg<position>`.
   */
  readonly namedArgs: Readonly<Record<string, unknown>>;
  /** The raw revert data. */
  readonly data: string;

  constructor(errorName: string, args: Result, data: string, cause?: unknown) {
    super(describeContractError(errorName, args), {
      details: `${errorName}(${args.map(String).join(", ")})`,
      cause,
    });
    this.name = "MedchainContractError";
    this.errorName = errorName;
    this.args = args;
    this.data = data;
    const inputs = medchainErrorsInterface.getError(errorName)?.inputs ?? [];
    this.namedArgs = Object.freeze(
      Object.fromEntries(args.map((value: unknown, i) => [inputs[i]?.name || `arg${i}`, value])),
    );
  }
}

/**
 * Every custom error of every medchain contract (and of the OpenZeppelin code they run on).
 *
 * @example
 * ```ts
 * const parsed = medchainErrorsInterface.parseError(revertData); // parsed?.name: "RecordRegistryAlreadyAnchored", …
 * ```
 */
export const medchainErrorsInterface: Interface = (() => {
  const seen = new Set<string>();
  const fragments: ErrorFragment[] = [];
  for (const abi of [
    MemberRegistry__factory.abi,
    PatientRegistry__factory.abi,
    ConsentRegistry__factory.abi,
    ResearchOptOutRegistry__factory.abi,
    RecordRegistry__factory.abi,
    ClaimRegistry__factory.abi,
    StudyRegistry__factory.abi,
    ConsortiumAuthority__factory.abi,
  ]) {
    for (const fragment of new Interface(abi).fragments) {
      if (fragment instanceof ErrorFragment && !seen.has(fragment.selector)) {
        seen.add(fragment.selector);
        fragments.push(fragment);
      }
    }
  }
  return new Interface(fragments);
})();

const MESSAGES: Record<string, (args: Result) => string> = {
  MemberRegistryUnknownMember: (a) => `organisation ${a[0]} is not a consortium member`,
  MemberRegistryInvalidStatusTransition: (a) =>
    `organisation ${a[0]} is ${codeName(MemberStatus, a[1])}; that change needs another status`,
  MemberRegistryMemberNotActive: (a) =>
    `organisation ${a[0]} is ${codeName(MemberStatus, a[1])}, so its operators cannot act`,
  MemberRegistryInvalidOperator: (a) => `${a[0]} cannot be an operator account`,
  MemberRegistryOperatorAlreadyRegistered: (a) =>
    `account ${a[0]} already acts for organisation ${a[1]}; remove it there first`,
  MemberRegistryUnknownOperator: (a) => `account ${a[0]} is not an operator of any member organisation`,
  MemberRegistryInvalidDuties: (a) => `duty set ${a[0]} is empty or names duties that do not exist`,
  MemberRegistryMissingDuty: (a) =>
    `operator ${a[0]} of organisation ${a[1]} does not hold the ${codeName(Duty, a[2])} duty`,
  PatientRegistryZeroCommitment: () => "the identity commitment is empty",
  PatientRegistryCommitmentAlreadyRegistered: (a) => `this person is already registered as patient ${a[1]}`,
  PatientRegistryInvalidAccount: (a) => `${a[0]} cannot be a patient's account`,
  PatientRegistryAccountInUse: (a) => `account ${a[0]} already belongs to patient ${a[1]}`,
  PatientRegistryUnknownPatient: (a) => `no patient has id ${a[0]}`,
  PatientRegistryUnknownAccount: (a) => `account ${a[0]} is not any patient's current account`,
  PatientRegistryPatientDeactivated: (a) => `patient ${a[0]} is deactivated; the identity can no longer be used`,
  PatientRegistryRegistrarNotCareProvider: (a) =>
    `registrars must act for a hospital or clinic; organisation ${a[0]} is a ${codeName(MemberKind, a[1])}`,
  PatientRegistryUnauthorizedCaller: (a) =>
    `${a[1]} is neither patient ${a[0]}'s account nor a registrar, so it cannot do this`,
  PatientRegistryNoPendingRecovery: (a) => `patient ${a[0]} has no pending key recovery`,
  PatientRegistryRecoveryNotReady: (a) => `patient ${a[0]}'s key recovery can run from ${isoTime(a[1])}`,
  PatientRegistryRecoveryInitiatorRevoked: (a) =>
    `patient ${a[0]}'s recovery is void: registrar ${a[1]} no longer acts for an active organisation; start a new one`,
  PatientRegistryInvalidDelegate: (a) => `${a[1]} cannot be a delegate of patient ${a[0]}`,
  PatientRegistryInvalidDelegateScope: (a) => `delegate scope ${a[0]} is empty or names scopes that do not exist`,
  PatientRegistryDelegateExpiryInPast: (a) => `a mandate must end in the future; ${isoTime(a[0])} has passed`,
  PatientRegistryUnknownDelegate: (a) => `${a[1]} holds no mandate for patient ${a[0]}`,
  PatientRegistryRecoveryDelayOutOfRange: (a) =>
    `the recovery delay must be between ${a[1]} and ${a[2]} seconds; ${a[0]} is not`,
  ConsentRegistryInvalidCategories: (a) => `category set ${a[0]} is empty or names categories that do not exist`,
  ConsentRegistryInvalidPurposes: (a) => `purpose set ${a[0]} is empty or names purposes that do not exist`,
  ConsentRegistryInvalidWindow: (a) => `a grant must end after it starts (notBefore ${a[0]}, expiresAt ${a[1]})`,
  ConsentRegistryExpiryInPast: (a) => `a grant must end in the future; ${isoTime(a[0])} has passed`,
  ConsentRegistryGranteeNotActive: (a) =>
    `organisation ${a[0]} is ${codeName(MemberStatus, a[1])}, not an active member, so it cannot receive consent`,
  ConsentRegistryPatientNotActive: (a) => `patient ${a[0]} is unknown or deactivated`,
  ConsentRegistryUnauthorizedActor: (a) =>
    `${a[1]} is neither patient ${a[0]}'s account nor a delegate whose mandate covers consent now`,
  ConsentRegistryNoActiveGrant: (a) => `patient ${a[0]} has no unrevoked grant to organisation ${a[1]}`,
  ConsentRegistryExpiredSignature: (a) => `the signature's deadline ${isoTime(a[0])} has passed; ask for a new one`,
  ConsentRegistryInvalidNonce: (a) =>
    `the signature carries nonce ${a[2]} but patient ${a[0]}'s current nonce is ${a[1]} (replayed or cancelled)`,
  ConsentRegistryInvalidSignature: (a) => `the signature is not ${a[0]}'s over this request on this chain and contract`,
  ConsentRegistryNonceNotIncreasing: (a) => `patient ${a[0]}'s nonce is ${a[1]}; the new nonce must be higher`,
  ConsentRegistryNonceJumpTooLarge: (a) =>
    `a nonce may move at most ${a[3]} ahead at once; patient ${a[0]}'s is ${a[1]}, ${a[2]} is too far`,
  ConsentRegistryUnknownMember: (a) => `no organisation has id ${a[0]}`,
  ConsentRegistryBreakGlassNotAllowed: (a) => `governance has taken organisation ${a[0]}'s right to break glass`,
  ConsentRegistryBreakGlassNotHospital: (a) =>
    `only hospitals open emergency access; organisation ${a[0]} is a ${codeName(MemberKind, a[1])}`,
  ConsentRegistryNoOpenBreakGlass: (a) => `organisation ${a[1]} has no open emergency access to patient ${a[0]}`,
  ConsentRegistryUnauthorizedBreakGlassClose: (a) =>
    `${a[2]} may not end organisation ${a[1]}'s emergency access to patient ${a[0]}`,
  ConsentRegistryBreakGlassDurationOutOfRange: (a) =>
    `emergency access must last between ${a[1]} and ${a[2]} seconds; ${a[0]} is not`,
  ConsentRegistryAccessNotAuthorized: (a) =>
    `organisation ${a[1]} is not authorised now to access patient ${a[0]}'s ${codeName(RecordCategory, a[2])} ` +
    `records for ${codeName(Purpose, a[3])}; the access was refused and not logged`,
  ConsentRegistryZeroRecordRef: () => "an access log entry needs a record reference",
  ConsentRegistryBreakGlassNeedsClinician: (a) =>
    `only clinicians read under emergency access; ${a[0]} of organisation ${a[1]} is not a clinician`,
  ConsentRegistryThirdPartyGrantRequired: (a) =>
    `organisation ${a[0]} is a ${codeName(MemberKind, a[1])}: a grant to it for purposes ${a[2]} must be a ` +
    "third-party grant (grantThirdParty) with a requester class and the patient's explicit opt-ins",
  ConsentRegistryRequesterClassNotAllowed: (a) =>
    `organisation ${a[0]} is a ${codeName(MemberKind, a[1])} and may not act as requester class ` +
    `${codeName(RequesterClass, a[2])}`,
  ConsentRegistryExplicitOptInRequired: (a) =>
    `patient ${a[0]}'s grant to organisation ${a[1]} needs the explicit opt-ins ${a[2]} (1 = commercial use, ` +
    `2 = identifiable data); the patient gave ${a[3]}`,
  ConsentRegistryInvalidOptIns: (a) => `opt-in set ${a[0]} names opt-ins that do not exist`,
  ResearchOptOutUnauthorizedActor: (a) =>
    `${a[1]} is neither patient ${a[0]}'s account nor a delegate whose mandate covers research now`,
  ResearchOptOutPatientNotActive: (a) => `patient ${a[0]} is unknown or deactivated`,
  ResearchOptOutInvalidCategories: (a) => `category set ${a[0]} names categories that do not exist`,
  ResearchOptOutInvalidPermissions: (a) =>
    `permission set ${a[0]} names DUO permissions that do not exist (bits: NRES 1, GRU 2, HMB 4, DS 8, POA 16)`,
  ResearchOptOutExpiredSignature: (a) =>
    `the signed opt-out's deadline ${isoTime(a[0])} has passed; ask the patient to sign again`,
  ResearchOptOutInvalidNonce: (a) =>
    `the signed opt-out carries nonce ${a[2]} but patient ${a[0]}'s current opt-out nonce is ${a[1]} (replayed, or superseded by a later change)`,
  ResearchOptOutInvalidSignature: (a) => `the signature is not ${a[0]}'s over this opt-out on this chain and contract`,
  RecordRegistryZeroContentHash: () => "a record needs a content hash; zero was given",
  RecordRegistryZeroSubjectCommitment: (a) => `record ${a[0]} needs a subject commitment; zero was given`,
  RecordRegistryUnknownCategory: (a) => `${a[0]} is not a record category`,
  RecordRegistryUnknownRetractionReason: (a) => `${a[0]} is not a retraction reason`,
  RecordRegistryCustodianNotCareProvider: (a) =>
    `only hospitals and clinics keep records; organisation ${a[0]} is a ${codeName(MemberKind, a[1])}`,
  RecordRegistryAlreadyAnchored: (a) =>
    `record ${a[0]} was already anchored by organisation ${a[1]} at ${isoTime(a[2])}`,
  RecordRegistryUnknownRecord: (a) => `no record with content hash ${a[0]} is anchored on its own`,
  RecordRegistryNotCustodian: (a) => `${a[0]} belongs to organisation ${a[1]}; organisation ${a[2]} may not change it`,
  RecordRegistryRecordNotCurrent: (a) =>
    `record ${a[0]} is ${codeName(RecordStatus, a[1])}; only the current version can be amended or retracted`,
  RecordRegistryZeroBatchRoot: () => "a batch needs a Merkle root; zero was given",
  RecordRegistryInvalidLeafCount: (a) => `a batch holds 1 to ${a[1]} records; ${a[0]} is outside`,
  RecordRegistryBatchAlreadyAnchored: (a) => `batch ${a[0]} was already anchored by organisation ${a[1]}`,
  RecordRegistryUnknownBatch: (a) => `no batch has root ${a[0]}`,
  RecordRegistryBatchRetracted: (a) => `batch ${a[0]} was retracted as a whole; its records cannot change`,
  RecordRegistryProofLengthMismatch: (a) =>
    `a proof for batch ${a[0]} has ${a[2]} to ${a[3]} hashes; this one has ${a[1]}`,
  RecordRegistryInvalidProof: (a) =>
    `the proof does not place this record in batch ${a[0]}: it differs from what was anchored or belongs to another batch`,
  RecordRegistryInvalidMultiproof: (a) => `the multiproof does not place these ${a[1]} records in batch ${a[0]}`,
  RecordRegistryInvalidMultiproofShape: (a) =>
    `a multiproof of ${a[1]} records and ${a[2]} hashes needs ${a[1]} + ${a[2]} - 1 flags and at most the batch's ` +
    `leaf count of records; ${a[3]} flags were given for batch ${a[0]}`,
  ClaimRegistryZeroClaimHash: () => "a claim needs the hash of its FHIR Claim; zero was given",
  ClaimRegistryAmountOutOfRange: (a) => `a claimed amount must be 1 to ${a[1]} minor units; ${a[0]} is outside`,
  ClaimRegistryUnknownCurrency: (a) => `${a[0]} is not an ISO 4217 numeric currency code (1 to 999; TWD is 901)`,
  ClaimRegistryInvalidServicePeriod: (a) =>
    `the service period ${isoTime(a[0])} – ${isoTime(a[1])} must start (not at zero, not in the future) before it ends`,
  ClaimRegistryProviderNotCareProvider: (a) =>
    `only hospitals and clinics submit claims; organisation ${a[0]} is a ${codeName(MemberKind, a[1])}`,
  ClaimRegistryInsurerNotActive: (a) =>
    `organisation ${a[0]} is a ${codeName(MemberStatus, a[2])} ${codeName(MemberKind, a[1])}, not an active insurer`,
  ClaimRegistryTooManyAttachments: (a) => `a claim carries at most ${a[1]} attachments; this one would carry ${a[0]}`,
  ClaimRegistryDuplicateAttachment: (a) => `attachment ${a[0]} is listed twice`,
  ClaimRegistryAttachmentNotAnchored: (a) => `attachment ${a[0]} is not a record anchored on its own; anchor it first`,
  ClaimRegistryAttachmentNotCurrent: (a) =>
    `attachment ${a[0]} is ${codeName(RecordStatus, a[1])}; attach its current version`,
  ClaimRegistryAttachmentOfAnotherCustodian: (a) =>
    `attachment ${a[0]} was anchored by organisation ${a[1]}, not by the provider, organisation ${a[2]}`,
  ClaimRegistryNotAuthorizedByPatient: (a) =>
    `patient ${a[0]} has not authorised insurer ${a[1]} for insurance claims on these record categories ` +
    `(mask ${a[2]}): no live grant covers them and no signature was given`,
  ClaimRegistryDuplicateClaim: (a) => `organisation ${a[1]} already submitted this claim (claim ${a[0]})`,
  ClaimRegistryUnknownClaim: (a) => `no claim has id ${a[0]}`,
  ClaimRegistryTransitionNotAllowed: (a) =>
    `claim ${a[0]} is ${codeName(ClaimStatus, a[1])}; it cannot become ${codeName(ClaimStatus, a[2])} from there`,
  ClaimRegistryWrongParty: (a) =>
    `only organisation ${a[1]} may take this step on claim ${a[0]}; the caller acts for organisation ${a[2]}`,
  ClaimRegistryApprovedAmountOutOfRange: (a) =>
    `an approval of claim ${a[0]} must be 1 to the claimed ${a[2]}; ${a[1]} is outside (deny the claim instead of approving 0)`,
  ClaimRegistryInvalidReason: (a) => `${a[0]} is not a reason an insurer can give`,
  ClaimRegistryZeroPaymentReference: (a) => `paying claim ${a[0]} needs a payment reference hash`,
  ClaimRegistryPatientNotActive: (a) => `patient ${a[0]} is unknown or deactivated`,
  ClaimRegistryUnauthorizedSigner: (a) =>
    `${a[1]} is neither patient ${a[0]}'s account nor a delegate whose mandate covers claims now`,
  ClaimRegistryExpiredSignature: (a) => `the authorisation's deadline ${isoTime(a[0])} has passed; ask for a new one`,
  ClaimRegistryInvalidNonce: (a) =>
    `the authorisation carries nonce ${a[2]} but patient ${a[0]}'s current claim nonce is ${a[1]} (replayed or cancelled)`,
  ClaimRegistryInvalidSignature: (a) =>
    `the signature is not ${a[0]}'s over this claim authorisation on this chain and contract`,
  ClaimRegistryInvalidNonceJump: (a) =>
    `patient ${a[0]}'s claim nonce is ${a[1]}; a new nonce must be higher and at most ${a[3]} ahead, ${a[2]} is not`,
  StudyRegistryZeroProtocolHash: () => "a study needs the hash of its protocol; zero was given",
  StudyRegistryEthicsApprovalMissing: () => "a study needs the hash of its ethics (IRB) approval; zero was given",
  StudyRegistryEthicsApprovalExpired: (a) =>
    `${studyLabel(a[0])}'s ethics approval expired at ${isoTime(a[1])} (it is now ${isoTime(a[2])}); renew it first`,
  StudyRegistryRequesterClassNotAllowed: (a) =>
    `organisation ${a[0]}, a ${codeName(MemberKind, a[1])}, may not act as ` + `${codeName(RequesterClass, a[2])}`,
  StudyRegistryCommercialUseBarred: (a) =>
    `commercial use of de-identified datasets is barred (requester class ${codeName(RequesterClass, a[0])}, ` +
    `purpose ${codeName(Purpose, a[1])}); companies need each patient's explicit opt-in`,
  StudyRegistryNotResearchPurpose: (a) => `${codeName(Purpose, a[0])} is neither a research purpose nor PublicHealth`,
  StudyRegistryNoDataUsePermission: () =>
    "the data use codes name no DUO permission (NRES, GRU, HMB, DS or POA); a study needs exactly one",
  StudyRegistryTwoDataUsePermissions: (a) =>
    `a study has exactly one DUO permission; ${dataUseName(a[0])} and ${dataUseName(a[1])} are two`,
  StudyRegistryUnknownDataUseCode: (a) => `${a[0]} is neither a DUO data use permission nor a DUO modifier`,
  StudyRegistryDuplicateDataUseCode: (a) => `${dataUseName(a[0])} is listed twice`,
  StudyRegistryTooManyDataUseCodes: (a) => `a study lists at most ${a[1]} DUO codes; this one lists ${a[0]}`,
  StudyRegistryDiseaseCodeRequired: () => "DUO DS (disease specific research) needs a MONDO disease code",
  StudyRegistryUnexpectedDiseaseCode: (a) =>
    `only DUO DS carries a disease code; ${dataUseName(a[0])} was given disease code ${a[1]}`,
  StudyRegistryInvalidCategories: (a) => `category set ${a[0]} is empty or names categories that do not exist`,
  StudyRegistryInvalidTerm: (a) =>
    `a study's term must end after it starts and after now (${isoTime(a[2])}); ${isoTime(a[0])} – ${isoTime(a[1])} does not`,
  StudyRegistryMinimumKTooLow: (a) => `a study's minimum k must be at least ${a[1]}; ${a[0]} is too low`,
  StudyRegistryUnknownStudy: (a) => `no study has id ${a[0]}`,
  StudyRegistryInvalidStatusTransition: (a) =>
    `study ${a[0]} is ${codeName(StudyStatus, a[1])}; that decision needs another status`,
  StudyRegistryStudyNotApproved: (a) =>
    `study ${a[0]} is ${codeName(StudyStatus, a[1])}, not Approved: its datasets cannot be published or used`,
  StudyRegistryCustodianNotCareProvider: (a) =>
    `only hospitals and clinics publish datasets; organisation ${a[0]} is a ${codeName(MemberKind, a[1])}`,
  StudyRegistryZeroCohortRoot: () => "a dataset needs its cohort's Merkle root; zero was given",
  StudyRegistryCohortEmpty: () => "a dataset's cohort cannot be empty",
  StudyRegistryZeroMethodDocument: () => "a dataset needs the hash of its de-identification method document",
  StudyRegistryZeroManifestHash: () => "a dataset needs the hash of its off-chain manifest; zero was given",
  StudyRegistryKBelowMinimum: (a) => `k (or minimum cell size) ${a[1]} is below study ${a[0]}'s minimum of ${a[2]}`,
  StudyRegistryInvalidPrivacyParameters: (a) =>
    `${codeName(DeidentificationMethod, a[0])} does not take k ${a[1]} and epsilon × 1000 ${a[2]}: differential ` +
    "privacy takes an epsilon (1 to 10,000 thousandths) and no k, the other methods a k and no epsilon",
  StudyRegistryCohortInconsistent: (a) =>
    `the manifest contradicts itself: a cohort of ${a[0]} cannot have k (or a minimum cell size) of ${a[1]} ` +
    `or include ${a[2]} opted-out patients`,
  StudyRegistryOptOutStateInFuture: (a) => `the opt-out state block ${a[0]} must be before the current block ${a[1]}`,
  StudyRegistryNoLegalBasis: (a) =>
    `study ${a[0]} has no legal basis, so its datasets cannot include opted-out patients (${a[1]} given)`,
  StudyRegistryUnknownDataset: (a) => `no dataset has id ${a[0]}`,
  StudyRegistryNotSponsorOperator: (a) => `${a[1]} is not a Researcher or OrgAdmin operator of study ${a[0]}'s sponsor`,
  StudyRegistryNotSponsorResearcher: (a) =>
    `${a[0]} is not an operator of organisation ${a[1]} (the sponsor) with the Researcher duty`,
  StudyRegistryNoDatasetAccess: (a) => `${a[1]} has no access to dataset ${a[0]}; the use was refused and not logged`,
  StudyRegistryOutsideTerm: (a) =>
    `study ${a[0]}'s term runs from ${isoTime(a[1])} to ${isoTime(a[2])}; it is now ${isoTime(a[3])}`,
  StudyRegistryTermNotOver: (a) =>
    `study ${a[0]} runs until ${isoTime(a[1])} and is not closed; destruction is attested after that`,
  StudyRegistryDatasetDestroyed: (a) => `dataset ${a[0]} was destroyed at ${isoTime(a[1])}`,
  StudyRegistryZeroCertificateHash: () => "a destruction attestation needs the hash of the signed certificate",
  StudyRegistryZeroAccessRef: () => "an access log entry needs a reference to what was used",
  AccessManagedUnauthorized: (a) => `${a[0]} is not allowed to call this function by the consortium authority`,
  AccessManagerNotScheduled: () => "this action goes through an execution delay: schedule it first",
  AccessManagerNotReady: () => "this scheduled action's delay has not passed yet",
  AccessManagerUnauthorizedAccount: (a) => `${a[0]} does not hold consortium role ${a[1]}`,
  InvalidInitialization: () => "this contract is already initialised",
  NotInitializing: () => "this function may only run while the contract is being initialised",
  AccessManagedInvalidAuthority: (a) => `${a[0]} is not an access manager`,
  AccessManagedRequiredDelay: (a) =>
    `${a[0]} must schedule this call through the consortium authority: it waits ${a[1]} seconds`,
  AccessManagerAlreadyScheduled: (a) => `operation ${a[0]} is already scheduled`,
  AccessManagerBadConfirmation: () => "renouncing a role needs the caller's own account as confirmation",
  AccessManagerExpired: (a) => `scheduled operation ${a[0]} expired; schedule it again`,
  AccessManagerInvalidInitialAdmin: (a) => `${a[0]} cannot be the consortium authority's first admin`,
  AccessManagerLockedFunction: (a) => `function ${a[0]} of the consortium authority cannot be called this way`,
  AccessManagerLockedRole: (a) => `consortium role ${a[0]} cannot be changed this way`,
  AccessManagerUnauthorizedCall: (a) => `${a[0]} may not call function ${a[2]} of ${a[1]}`,
  AccessManagerUnauthorizedCancel: (a) =>
    `${a[0]} may not cancel ${a[1]}'s scheduled call of function ${a[3]} on ${a[2]}`,
  AccessManagerUnauthorizedConsume: (a) => `${a[0]} may not consume a scheduled operation`,
  AddressEmptyCode: (a) => `there is no contract at ${a[0]}`,
  ERC1967InvalidImplementation: (a) => `${a[0]} is not a contract and cannot be an implementation`,
  ERC1967NonPayable: () => "this upgrade call sends value but the new implementation is not called",
  FailedCall: () => "a call to another contract failed without a reason",
  InsufficientBalance: (a) => `the balance ${a[0]} is below the ${a[1]} needed`,
  MerkleProofInvalidMultiproof: () => "the multiproof's hashes and flags do not fit together",
  SafeCastOverflowedUintDowncast: (a) => `${a[1]} does not fit in ${a[0]} bits`,
  StringTooLong: (a) => `"${a[0]}" is longer than 31 bytes, too long for an EIP-712 domain name kept in code`,
  InvalidShortString: () => "an EIP-712 domain name or version is malformed",
  UUPSUnauthorizedCallContext: () => "upgrades must be called through the proxy, not on the implementation",
  UUPSUnsupportedProxiableUUID: (a) => `the new implementation answers proxiable UUID ${a[0]}, not ERC-1967's`,
};

/** A contract timestamp as an ISO date; an absurd one (beyond year 275760) is named in seconds instead of throwing. */
const isoTime = (seconds: unknown): string => secondsToIso(BigInt(String(seconds)));

/** "study 3", or "the study" for id 0 (a registration, before the study has an id). */
const studyLabel = (studyId: unknown): string => (BigInt(String(studyId)) === 0n ? "the study" : `study ${studyId}`);

/**
 * The human names of emergency reasons, for messages and narratives.
 *
 * @example
 * ```ts
 * emergencyReasonName(EmergencyReason.Unconscious); // "Unconscious"
 * emergencyReasonName(1n); // "LifeThreatening"
 * ```
 */
export const emergencyReasonName = (reason: unknown): string => codeName(EmergencyReason, reason);

function describeContractError(errorName: string, args: Result): string {
  const message = MESSAGES[errorName];
  if (message !== undefined) return message(args);
  return `the contract refused the call with ${errorName}`;
}

/** Finds revert data in an ethers error, a JSON-RPC error, or a plain hex string. */
function revertDataOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (typeof current === "string") return isHexString(current) && current.length >= 10 ? current : undefined;
    if (typeof current !== "object") return undefined;
    const candidate = current as { data?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
    if (typeof candidate.data === "string" && isHexString(candidate.data) && candidate.data.length >= 10) {
      return candidate.data;
    }
    current = candidate.info?.error ?? candidate.error ?? candidate.cause ?? candidate.data;
  }
  return undefined;
}

/**
 * Decodes a failed call into a {@link MedchainContractError}, or returns `undefined` when the failure
 * carries no medchain custom error (out of gas, a network error, …).
 *
 * @example
 * ```ts
 * try {
 *   await patientRegistry.rotateAccount(newAccount);
 * } catch (error) {
 *   const decoded = decodeMedchainError(error);
 *   if (decoded?.errorName === "PatientRegistryAccountInUse") console.error(decoded.shortMessage);
 *   else throw error;
 * }
 * ```
 */
export function decodeMedchainError(error: unknown): MedchainContractError | undefined {
  const data = revertDataOf(error);
  if (data === undefined) return undefined;
  const parsed = medchainErrorsInterface.parseError(data);
  if (parsed === null) return undefined;
  return new MedchainContractError(parsed.name, parsed.args, data, error);
}
