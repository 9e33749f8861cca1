import { type RecordAnchor, RecordBatchBuilder, type RecordBatch } from "./batches.js";
import {
  ALL_CATEGORIES,
  codeName,
  DATA_USE_PERMISSIONS,
  DataUse,
  dataUseName,
  dataUsePermissionBit,
  DeidentificationMethod,
  isResearchPurpose,
  LegalBasis,
  MemberKind,
  Purpose,
  RequesterClass,
  requesterClassAllowedFor,
} from "./codes.js";
import { checkHash32, secondsToIso } from "./checks.js";
import { MedchainInputError } from "./errors.js";

/**
 * Research on de-identified data (`StudyRegistry`, docs/research.md): a research member registers a study,
 * oversight approves it, a hospital's data steward builds a cohort without the patients who opted out and
 * publishes a de-identified dataset manifest, the sponsor names its researchers, every use is logged, and the
 * dataset's destruction is attested after the term.
 *
 * The builders here check input the way the contract does, in the same order, and throw
 * {@link MedchainInputError} (with the field at fault) before anything is signed or sent.
 */

/**
 * Most DUO codes (one permission and its modifiers) a study may list: `StudyRegistry.MAX_DATA_USE_CODES`.
 *
 * @example
 * ```ts
 * if (codes.length > MAX_DATA_USE_CODES) dropSomeModifiers();
 * ```
 */
export const MAX_DATA_USE_CODES = 16;

/**
 * The smallest minimum k a study may declare: `StudyRegistry.MINIMUM_K_FLOOR`.
 *
 * @example
 * ```ts
 * const minimumK = Math.max(requestedK, MINIMUM_K_FLOOR);
 * ```
 */
export const MINIMUM_K_FLOOR = 3;

/**
 * The largest differential-privacy budget a dataset may declare, in thousandths (ε 10):
 * `StudyRegistry.MAX_EPSILON_MILLIS`.
 *
 * @example
 * ```ts
 * const epsilonMillis = Math.round(epsilon * 1000); // must be 1 to MAX_EPSILON_MILLIS
 * ```
 */
export const MAX_EPSILON_MILLIS = 10_000;

/**
 * What `StudyRegistry.registerStudy` takes (`IStudyRegistry.StudyRegistration`), as {@link studyRegistration}
 * returns it; it can be passed as is to the typechain contract.
 *
 * @example
 * ```ts
 * await studyRegistry.connect(researcher).registerStudy(studyRegistration(input));
 * ```
 */
export interface StudyRegistration {
  protocolHash: string;
  ethicsApprovalHash: string;
  ethicsApprovalExpiresAt: bigint;
  purpose: number;
  requesterClass: number;
  /** DUO ids: the permission first, then the modifiers in the order given. */
  dataUse: number[];
  diseaseCode: number;
  categories: number;
  termStart: bigint;
  termEnd: bigint;
  minimumK: number;
  legalBasis: number;
}

/**
 * Input of {@link studyRegistration}: the registration, with the disease code and legal basis optional (0,
 * None), and what the builder needs to check like the chain.
 *
 * @example
 * ```ts
 * const input: StudyRegistrationInput = {
 *   protocolHash, ethicsApprovalHash, ethicsApprovalExpiresAt: 1_800_000_000n,
 *   purpose: 7, requesterClass: 0, dataUse: [6, 18, 19], categories: categoryMask(RecordCategory.LabResult),
 *   termStart: 1_760_000_000n, termEnd: 1_775_000_000n, minimumK: 5, sponsorKind: 3,
 * };
 * ```
 */
export interface StudyRegistrationInput extends Omit<StudyRegistration, "diseaseCode" | "legalBasis"> {
  diseaseCode?: number;
  legalBasis?: number;
  /** The sponsor's `MemberKind`, when known: the requester class must be allowed for it. */
  sponsorKind?: number;
  /** The current time (unix seconds); the machine's clock unless given. */
  now?: bigint;
}

/**
 * What `StudyRegistry.publishDataset` takes (`IStudyRegistry.DatasetManifest`), as {@link datasetManifest}
 * returns it.
 *
 * @example
 * ```ts
 * await studyRegistry.connect(dataSteward).publishDataset(datasetManifest(input));
 * ```
 */
export interface DatasetManifest {
  studyId: bigint;
  cohortRoot: string;
  cohortSize: number;
  method: number;
  k: number;
  epsilonMillis: number;
  methodDocumentHash: string;
  optOutStateBlock: bigint;
  optedOutIncluded: number;
  manifestHash: string;
}

/**
 * Input of {@link datasetManifest}: the manifest (k, epsilon and opted-out count optional, 0) and, when known,
 * the study and the current block so the builder checks what the chain will.
 *
 * @example
 * ```ts
 * const study = await studyRegistry.getStudy(studyId);
 * const input: DatasetManifestInput = { ...cohortFields, studyId, method: 0, k: 10, study, currentBlock };
 * ```
 */
export interface DatasetManifestInput extends Omit<DatasetManifest, "k" | "epsilonMillis" | "optedOutIncluded"> {
  k?: number;
  epsilonMillis?: number;
  optedOutIncluded?: number;
  /** The study as stored (or its two fields): its minimum k and legal basis are checked. */
  study?: { minimumK: number | bigint; legalBasis: number | bigint };
  /** The chain's current block number: the opt-out state block must be before it. */
  currentBlock?: bigint;
}

/**
 * A patient's research opt-out as `ResearchOptOutRegistry.getOptOut` returns it (bitmasks of record categories
 * and of DUO permission bits: NRES 0, GRU 1, HMB 2, DS 3, POA 4).
 *
 * @example
 * ```ts
 * const optOut: ResearchOptOut = { wholly: false, categories: categoryMask(RecordCategory.Dental), permissions: 0 };
 * ```
 */
export interface ResearchOptOut {
  wholly: boolean;
  categories: number | bigint;
  permissions: number | bigint;
}

/**
 * Where {@link buildCohort} finds each patient's opt-out: a map or a function (undefined: no opt-out).
 *
 * @example
 * ```ts
 * const lookup: ResearchOptOutLookup = (patientId) => optOutsFromIndexer.get(patientId);
 * ```
 */
export type ResearchOptOutLookup =
  ReadonlyMap<bigint, ResearchOptOut> | ((patientId: bigint) => ResearchOptOut | undefined);

/**
 * One record offered to a cohort: the patient's id (never written into the cohort) and the record's anchor.
 *
 * @example
 * ```ts
 * const record: CohortRecord = { patientId: 42n, anchor: { contentHash, category: RecordCategory.LabResult, subjectCommitment } };
 * ```
 */
export interface CohortRecord {
  patientId: bigint;
  anchor: RecordAnchor;
}

/**
 * Options of {@link buildCohort}.
 *
 * @example
 * ```ts
 * const options: CohortOptions = { dataUsePermission: 6, includeOptedOutUnderLegalBasis: false };
 * ```
 */
export interface CohortOptions {
  /** The study's DUO permission id: a patient who opted out of it is left out. */
  dataUsePermission: number;
  /**
   * Keep opted-out patients' records and count them (`optedOutIncluded`): only for a study with a legal
   * basis (the contract refuses the count otherwise). False unless set.
   */
  includeOptedOutUnderLegalBasis?: boolean;
}

/**
 * What {@link buildCohort} returns: the cohort's Merkle tree (a record batch: its `root` is the manifest's
 * `cohortRoot`) and the counts the manifest declares or the custodian reports.
 *
 * @example
 * ```ts
 * const { batch, cohortSize, optedOutIncluded } = buildCohort(records, lookup, { dataUsePermission: 6 });
 * ```
 */
export interface Cohort {
  batch: RecordBatch;
  /** `batch.root`: the manifest's `cohortRoot`. */
  cohortRoot: string;
  /** Patients with at least one record in the cohort: the manifest's `cohortSize`. */
  cohortSize: number;
  /** Records in the cohort. */
  recordCount: number;
  /** Patients left out entirely by their opt-out. */
  excludedPatients: number;
  /** Records left out by an opt-out (whole, of the permission, or of their category). */
  excludedRecords: number;
  /** Opted-out patients kept under the study's legal basis: the manifest's `optedOutIncluded`. */
  optedOutIncluded: number;
}

const UINT16_MAX = 2 ** 16 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const UINT64_MAX = 2n ** 64n - 1n;
const PERMISSIONS: readonly number[] = DATA_USE_PERMISSIONS;
const MODIFIERS: readonly number[] = Object.values(DataUse).filter((id) => !PERMISSIONS.includes(id));

function fail(message: string, field: string): never {
  throw new MedchainInputError(message, { field });
}

function wholeNumber(value: unknown, max: number, field: string, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    fail(`${what} must be a whole number from 0 to ${max}; got ${String(value)}`, field);
  }
  return value;
}

function code(value: unknown, codes: Readonly<Record<string, number>>, field: string, what: string): number {
  const max = Math.max(...Object.values(codes));
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    fail(`${String(value)} is not a ${what} (0 to ${max})`, field);
  }
  return value;
}

function time(value: unknown, field: string, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > UINT64_MAX) {
    fail(`${what} must be a bigint from 0 to 2^64 - 1 (unix seconds); got ${String(value)}`, field);
  }
  return value;
}

/**
 * `codes` checked as `StudyRegistry` checks a study's data use list (at most {@link MAX_DATA_USE_CODES}, each a
 * DUO permission or modifier, none twice, exactly one permission; the first fault in list order wins) and
 * reordered as the contract stores it: the permission first, then the modifiers in the order given.
 *
 * @example
 * ```ts
 * orderedDataUse([19, 6, 18]); // [6, 19, 18]: HMB, then PUB and NPUNCU
 * ```
 */
export function orderedDataUse(codes: readonly number[]): number[] {
  if (!Array.isArray(codes)) fail("dataUse must be an array of DUO ids", "dataUse");
  if (codes.length > MAX_DATA_USE_CODES) {
    fail(`a study lists at most ${MAX_DATA_USE_CODES} DUO codes; this one lists ${codes.length}`, "dataUse");
  }
  let permission: number | undefined;
  codes.forEach((id, index) => {
    const isPermission = PERMISSIONS.includes(id);
    if (!isPermission && !MODIFIERS.includes(id)) {
      fail(`${String(id)} is neither a DUO data use permission nor a DUO modifier`, "dataUse");
    }
    const first = codes.indexOf(id);
    if (first < index) fail(`${dataUseName(id)} is listed twice (at positions ${first} and ${index})`, "dataUse");
    if (isPermission) {
      if (permission !== undefined) {
        fail(
          `a study has exactly one DUO permission; ${dataUseName(permission)} and ${dataUseName(id)} are two`,
          "dataUse",
        );
      }
      permission = id;
    }
  });
  if (permission === undefined) {
    fail("the data use codes name no DUO permission (NRES, GRU, HMB, DS or POA); a study needs one", "dataUse");
  }
  return [permission, ...codes.filter((id) => id !== permission)];
}

/**
 * Checks a study registration as `StudyRegistry.registerStudy` does, in the same order (the commercial bar,
 * the requester class for `sponsorKind` when given, the purpose, the hashes, the ethics approval's expiry, the
 * DUO codes, the disease code, the categories, the term, the minimum k), and returns what to send, with the
 * data use codes reordered as stored. Throws {@link MedchainInputError} naming the field at fault. Whether the
 * caller holds the Researcher duty only the chain can say.
 *
 * @example
 * ```ts
 * const registration = studyRegistration({
 *   protocolHash: keccak256(protocolPdf),
 *   ethicsApprovalHash: keccak256(irbLetterPdf),
 *   ethicsApprovalExpiresAt: 1_800_000_000n,
 *   purpose: 7, // BiomedicalResearch
 *   requesterClass: 0, // Academic
 *   dataUse: [6, 18, 19], // HMB, NPUNCU, PUB
 *   categories: categoryMask(RecordCategory.LabResult, RecordCategory.Medication),
 *   termStart: 1_760_000_000n,
 *   termEnd: 1_775_000_000n,
 *   minimumK: 5,
 *   sponsorKind: 3, // ResearchInstitute
 * });
 * await studyRegistry.connect(researcher).registerStudy(registration);
 * ```
 */
export function studyRegistration(input: StudyRegistrationInput): StudyRegistration {
  const purpose = code(input.purpose, Purpose, "purpose", "purpose");
  const requesterClass = code(input.requesterClass, RequesterClass, "requesterClass", "requester class");
  if (requesterClass === RequesterClass.Commercial) {
    fail("commercial use of de-identified datasets is barred: the requester class is Commercial", "requesterClass");
  }
  if (purpose === Purpose.Marketing) {
    fail("commercial use of de-identified datasets is barred: the purpose is Marketing (HMARKT)", "purpose");
  }
  if (input.sponsorKind !== undefined) {
    const kind = code(input.sponsorKind, MemberKind, "sponsorKind", "member kind");
    if (!requesterClassAllowedFor(kind as MemberKind, requesterClass as RequesterClass)) {
      fail(
        `a ${codeName(MemberKind, kind)} may not act as ` + `${codeName(RequesterClass, requesterClass)}`,
        "requesterClass",
      );
    }
  }
  if (!isResearchPurpose(purpose as Purpose) && purpose !== Purpose.PublicHealth) {
    fail(`${codeName(Purpose, purpose)} is neither a research purpose nor PublicHealth`, "purpose");
  }
  const protocolHash = checkHash32(input.protocolHash, "protocolHash", "the protocol hash");
  const ethicsApprovalHash = checkHash32(input.ethicsApprovalHash, "ethicsApprovalHash", "the ethics approval hash");
  const now = input.now ?? BigInt(Math.floor(Date.now() / 1000));
  const ethicsApprovalExpiresAt = time(input.ethicsApprovalExpiresAt, "ethicsApprovalExpiresAt", "the expiry");
  if (ethicsApprovalExpiresAt <= now) {
    fail(`the ethics approval expired at ${secondsToIso(ethicsApprovalExpiresAt)}`, "ethicsApprovalExpiresAt");
  }
  const dataUse = orderedDataUse(input.dataUse);
  const diseaseCode = wholeNumber(input.diseaseCode ?? 0, UINT32_MAX, "diseaseCode", "the disease code");
  if (dataUse[0] === DataUse.DS && diseaseCode === 0) {
    fail("DUO DS (disease specific research) needs a MONDO disease code", "diseaseCode");
  }
  if (dataUse[0] !== DataUse.DS && diseaseCode !== 0) {
    fail(`only DUO DS carries a disease code; ${dataUseName(dataUse[0])} was given ${diseaseCode}`, "diseaseCode");
  }
  const categories = wholeNumber(input.categories, UINT32_MAX, "categories", "the category set");
  if (categories === 0 || (categories & ~ALL_CATEGORIES) !== 0) {
    fail(`category set ${categories} is empty or names categories that do not exist`, "categories");
  }
  const termStart = time(input.termStart, "termStart", "the term's start");
  const termEnd = time(input.termEnd, "termEnd", "the term's end");
  if (termEnd <= termStart || termEnd <= now) {
    fail(
      `the term must end after it starts and after now; ${secondsToIso(termStart)} – ${secondsToIso(termEnd)} does not`,
      "termEnd",
    );
  }
  const minimumK = wholeNumber(input.minimumK, UINT16_MAX, "minimumK", "the minimum k");
  if (minimumK < MINIMUM_K_FLOOR)
    fail(`the minimum k must be at least ${MINIMUM_K_FLOOR}; got ${minimumK}`, "minimumK");
  const legalBasis = code(input.legalBasis ?? 0, LegalBasis, "legalBasis", "legal basis");
  return {
    protocolHash,
    ethicsApprovalHash,
    ethicsApprovalExpiresAt,
    purpose,
    requesterClass,
    dataUse,
    diseaseCode,
    categories,
    termStart,
    termEnd,
    minimumK,
    legalBasis,
  };
}

/**
 * Checks a dataset manifest as `StudyRegistry.publishDataset` does, in the same order (the hashes and cohort
 * size, the privacy parameters against the method and, with `study`, its minimum k; the opt-out state block
 * against `currentBlock` when given; opted-out patients only under the study's legal basis), and returns what
 * to send. Throws {@link MedchainInputError} naming the field at fault. Whether the study is approved and within
 * its term and ethics approval, and the caller a hospital's or clinic's data steward, only the chain can say.
 *
 * @example
 * ```ts
 * const cohort = buildCohort(records, optOuts, { dataUsePermission: Number(study.dataUsePermission) });
 * const manifest = datasetManifest({
 *   studyId,
 *   cohortRoot: cohort.cohortRoot,
 *   cohortSize: cohort.cohortSize,
 *   method: 0, // KAnonymity
 *   k: 10,
 *   methodDocumentHash: keccak256(methodPdf),
 *   optOutStateBlock: snapshotBlock,
 *   manifestHash: keccak256(releaseManifestJson),
 *   study,
 *   currentBlock: BigInt(await provider.getBlockNumber()),
 * });
 * await studyRegistry.connect(dataSteward).publishDataset(manifest);
 * ```
 */
export function datasetManifest(input: DatasetManifestInput): DatasetManifest {
  if (typeof input.studyId !== "bigint" || input.studyId <= 0n || input.studyId > UINT64_MAX) {
    fail(`study id ${String(input.studyId)} is out of range (1 to 2^64 - 1)`, "studyId");
  }
  const cohortRoot = checkHash32(input.cohortRoot, "cohortRoot", "the cohort root");
  const cohortSize = wholeNumber(input.cohortSize, UINT32_MAX, "cohortSize", "the cohort size");
  if (cohortSize === 0) fail("a dataset's cohort cannot be empty", "cohortSize");
  const methodDocumentHash = checkHash32(input.methodDocumentHash, "methodDocumentHash", "the method document hash");
  const manifestHash = checkHash32(input.manifestHash, "manifestHash", "the manifest hash");
  const method = code(input.method, DeidentificationMethod, "method", "de-identification method");
  const k = wholeNumber(input.k ?? 0, UINT32_MAX, "k", "k");
  const epsilonMillis = wholeNumber(input.epsilonMillis ?? 0, UINT32_MAX, "epsilonMillis", "epsilon × 1000");
  const methodName = codeName(DeidentificationMethod, method);
  if (method === DeidentificationMethod.DifferentialPrivacy) {
    if (k !== 0) fail(`${methodName} takes no k; got ${k}`, "k");
    if (epsilonMillis === 0 || epsilonMillis > MAX_EPSILON_MILLIS) {
      fail(`${methodName} needs epsilon × 1000 from 1 to ${MAX_EPSILON_MILLIS}; got ${epsilonMillis}`, "epsilonMillis");
    }
  } else {
    if (epsilonMillis !== 0) fail(`${methodName} takes no epsilon; got ${epsilonMillis}`, "epsilonMillis");
    if (input.study !== undefined && k < Number(input.study.minimumK)) {
      fail(`k ${k} is below the study's minimum ${Number(input.study.minimumK)}`, "k");
    }
  }
  if (k > cohortSize) fail(`k (or minimum cell size) ${k} is larger than the cohort of ${cohortSize}`, "k");
  const optOutStateBlock = time(input.optOutStateBlock, "optOutStateBlock", "the opt-out state block");
  if (input.currentBlock !== undefined && optOutStateBlock >= input.currentBlock) {
    fail(
      `the opt-out state block ${optOutStateBlock} must be before the current block ${input.currentBlock}`,
      "optOutStateBlock",
    );
  }
  const optedOutIncluded = wholeNumber(input.optedOutIncluded ?? 0, UINT32_MAX, "optedOutIncluded", "the count");
  if (optedOutIncluded > cohortSize) {
    fail(`${optedOutIncluded} opted-out patients cannot be included in a cohort of ${cohortSize}`, "optedOutIncluded");
  }
  if (optedOutIncluded !== 0 && input.study !== undefined && Number(input.study.legalBasis) === LegalBasis.None) {
    fail(
      `the study has no legal basis, so its datasets cannot include opted-out patients (${optedOutIncluded} given)`,
      "optedOutIncluded",
    );
  }
  return {
    studyId: input.studyId,
    cohortRoot,
    cohortSize,
    method,
    k,
    epsilonMillis,
    methodDocumentHash,
    optOutStateBlock,
    optedOutIncluded,
    manifestHash,
  };
}

/**
 * Whether `optOut` withholds a record of `category` from a study under DUO permission `dataUsePermission`: a
 * whole opt-out, an opt-out of that permission, or of that category.
 *
 * @example
 * ```ts
 * optOutApplies({ wholly: false, categories: 0, permissions: 0b100 }, 6, RecordCategory.LabResult); // true: HMB
 * ```
 */
export function optOutApplies(
  optOut: ResearchOptOut | undefined,
  dataUsePermission: number,
  category: number,
): boolean {
  if (optOut === undefined) return false;
  if (optOut.wholly) return true;
  const permissionBit = BigInt(dataUsePermissionBit(dataUsePermission));
  if ((BigInt(optOut.permissions) & permissionBit) !== 0n) return true;
  return (BigInt(optOut.categories) & (1n << BigInt(category))) !== 0n;
}

/**
 * Builds a study's cohort: leaves out every record an opt-out withholds ({@link optOutApplies}; with
 * `includeOptedOutUnderLegalBasis`, keeps them and counts their patients instead) and returns the cohort's
 * Merkle tree, built by {@link RecordBatchBuilder} (so its root is a record-batch root), with the counts the
 * manifest declares. Throws {@link MedchainInputError} when nothing is left, or for a record the batch refuses.
 *
 * @example
 * ```ts
 * const optOuts = new Map([[42n, { wholly: true, categories: 0, permissions: 0 }]]);
 * const cohort = buildCohort(records, optOuts, { dataUsePermission: 6 }); // HMB
 * console.log(cohort.cohortRoot, cohort.cohortSize, cohort.excludedPatients);
 * ```
 */
export function buildCohort(
  records: Iterable<CohortRecord>,
  optOutOf: ResearchOptOutLookup,
  options: CohortOptions,
): Cohort {
  if (!PERMISSIONS.includes(options.dataUsePermission)) {
    fail(`${String(options.dataUsePermission)} is not a DUO data use permission`, "dataUsePermission");
  }
  const lookup = typeof optOutOf === "function" ? optOutOf : (patientId: bigint) => optOutOf.get(patientId);
  const includeOptedOut = options.includeOptedOutUnderLegalBasis === true;
  const builder = new RecordBatchBuilder();
  const included = new Set<bigint>();
  const excluded = new Set<bigint>();
  const optedOutKept = new Set<bigint>();
  let excludedRecords = 0;
  for (const record of records) {
    if (typeof record.patientId !== "bigint") fail("every record needs a bigint patientId", "records");
    const applies = optOutApplies(lookup(record.patientId), options.dataUsePermission, Number(record.anchor.category));
    if (applies && !includeOptedOut) {
      excludedRecords++;
      excluded.add(record.patientId);
      continue;
    }
    builder.add(record.anchor);
    included.add(record.patientId);
    if (applies) optedOutKept.add(record.patientId);
  }
  if (builder.size === 0) {
    fail(
      excludedRecords === 0
        ? "the cohort is empty: no records were offered"
        : `the cohort is empty: every one of the ${excludedRecords} records offered is withheld by an opt-out`,
      "records",
    );
  }
  const batch = builder.build();
  let excludedPatients = 0;
  for (const patientId of excluded) if (!included.has(patientId)) excludedPatients++;
  return {
    batch,
    cohortRoot: batch.root,
    cohortSize: included.size,
    recordCount: batch.leafCount,
    excludedPatients,
    excludedRecords,
    optedOutIncluded: optedOutKept.size,
  };
}
