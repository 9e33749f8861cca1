/**
 * The indexer's tables: one "current state" table per kind of thing (a grant slot, a claim, a record …)
 * and one history table per stream of events, each history row carrying its event's position (block
 * number, block timestamp, transaction hash, log index). Every medchain event lands in at least one table;
 * governance and maintenance events (upgrades, parameter changes, nonce invalidations) land in
 * `contract_events`.
 *
 * Types: uint64 ids, amounts and nonces are `numeric(78)` (`t.bigint()`, a JS bigint); uint32 ids, small
 * codes, bitmasks and unix-second timestamps are `int8` read as JS numbers; hashes and addresses are hex
 * (Ponder stores them lowercase; the API checksums addresses).
 */
import { index, onchainTable, primaryKey, relations } from "ponder";

// --- members and operators (MemberRegistry) -------------------------------------------------------------

export const members = onchainTable("members", (t) => ({
  memberId: t.int8({ mode: "number" }).primaryKey(),
  kind: t.int8({ mode: "number" }).notNull(),
  status: t.int8({ mode: "number" }).notNull(),
  metadataHash: t.hex().notNull(),
  breakGlassAllowed: t.boolean().notNull(),
  joinedAt: t.int8({ mode: "number" }).notNull(),
  updatedAt: t.int8({ mode: "number" }).notNull(),
}));

export const operators = onchainTable("operators", (t) => ({
  account: t.hex().primaryKey(),
  memberId: t.int8({ mode: "number" }).notNull(),
  duties: t.int8({ mode: "number" }).notNull(),
  addedBy: t.hex().notNull(),
  addedAt: t.int8({ mode: "number" }).notNull(),
  removed: t.boolean().notNull(),
  removedBy: t.hex(),
  removedAt: t.int8({ mode: "number" }),
}));

/** MemberAdded, MemberMetadataUpdated, MemberStatusChanged, OperatorAdded, OperatorRemoved, BreakGlassRightChanged. */
export const memberEvents = onchainTable(
  "member_events",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    memberId: t.int8({ mode: "number" }).notNull(),
    operator: t.hex(),
    actor: t.hex(),
    previousStatus: t.int8({ mode: "number" }),
    status: t.int8({ mode: "number" }),
    code: t.int8({ mode: "number" }),
    metadataHash: t.hex(),
    allowed: t.boolean(),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ memberIndex: index().on(table.memberId) }),
);

// --- patients (PatientRegistry) -------------------------------------------------------------------------

export const patients = onchainTable("patients", (t) => ({
  patientId: t.bigint().primaryKey(),
  account: t.hex().notNull(),
  identityCommitment: t.hex().notNull(),
  status: t.int8({ mode: "number" }).notNull(),
  deactivationReason: t.int8({ mode: "number" }),
  registeredBy: t.int8({ mode: "number" }).notNull(),
  registeredAt: t.int8({ mode: "number" }).notNull(),
  updatedAt: t.int8({ mode: "number" }).notNull(),
  blockNumber: t.int8({ mode: "number" }).notNull(),
  txHash: t.hex().notNull(),
}));

/** The current delegation of one delegate account for one patient. */
export const delegates = onchainTable(
  "delegates",
  (t) => ({
    patientId: t.bigint().notNull(),
    delegate: t.hex().notNull(),
    scope: t.int8({ mode: "number" }).notNull(),
    expiresAt: t.int8({ mode: "number" }).notNull(),
    appointedBy: t.int8({ mode: "number" }).notNull(),
    validFrom: t.int8({ mode: "number" }).notNull(),
    revoked: t.boolean().notNull(),
    revokedBy: t.hex(),
    updatedAt: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patientId, table.delegate] }) }),
);

/**
 * PatientRegistered, PatientAccountChanged, RecoveryInitiated, RecoveryCancelled, DelegateAppointed,
 * DelegateRevoked, PatientDeactivated: `account` is the account concerned (new account, delegate),
 * `previousAccount` the one replaced, `memberId` the organisation acting, `code` the change kind, the
 * deactivation reason or the delegate scope, `until` the recovery's executableAt or the delegation's expiry.
 */
export const patientEvents = onchainTable(
  "patient_events",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    patientId: t.bigint().notNull(),
    account: t.hex(),
    previousAccount: t.hex(),
    actor: t.hex(),
    memberId: t.int8({ mode: "number" }),
    code: t.int8({ mode: "number" }),
    until: t.int8({ mode: "number" }),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ patientIndex: index().on(table.patientId) }),
);

// --- consent (ConsentRegistry) --------------------------------------------------------------------------

/** The current state of one grant slot (patient, grantee): the last grant, its third-party terms, revocation. */
export const grants = onchainTable(
  "grants",
  (t) => ({
    patientId: t.bigint().notNull(),
    grantee: t.int8({ mode: "number" }).notNull(),
    categories: t.int8({ mode: "number" }).notNull(),
    purposes: t.int8({ mode: "number" }).notNull(),
    notBefore: t.int8({ mode: "number" }).notNull(),
    expiresAt: t.int8({ mode: "number" }).notNull(),
    consentFormHash: t.hex().notNull(),
    grantedBy: t.hex().notNull(),
    requesterClass: t.int8({ mode: "number" }),
    optIns: t.int8({ mode: "number" }),
    revoked: t.boolean().notNull(),
    revokedBy: t.hex(),
    updatedAt: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patientId, table.grantee] }) }),
);

/** ConsentGranted ("granted"), ConsentRevoked ("revoked"), ThirdPartyTermsSet ("terms"). */
export const grantEvents = onchainTable(
  "grant_events",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    patientId: t.bigint().notNull(),
    grantee: t.int8({ mode: "number" }).notNull(),
    by: t.hex(),
    categories: t.int8({ mode: "number" }),
    purposes: t.int8({ mode: "number" }),
    notBefore: t.int8({ mode: "number" }),
    expiresAt: t.int8({ mode: "number" }),
    consentFormHash: t.hex(),
    requesterClass: t.int8({ mode: "number" }),
    optIns: t.int8({ mode: "number" }),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ patientIndex: index().on(table.patientId) }),
);

/** AccessLogged: every logged access, break-glass ones flagged. */
export const accessLog = onchainTable(
  "access_log",
  (t) => ({
    id: t.text().primaryKey(),
    patientId: t.bigint().notNull(),
    memberId: t.int8({ mode: "number" }).notNull(),
    operator: t.hex().notNull(),
    category: t.int8({ mode: "number" }).notNull(),
    purpose: t.int8({ mode: "number" }).notNull(),
    recordRef: t.hex().notNull(),
    underBreakGlass: t.boolean().notNull(),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ patientIndex: index().on(table.patientId), memberIndex: index().on(table.memberId) }),
);

/** BreakGlassOpened (a session), completed by BreakGlassClosed. */
export const breakGlassSessions = onchainTable(
  "break_glass_sessions",
  (t) => ({
    id: t.text().primaryKey(),
    patientId: t.bigint().notNull(),
    memberId: t.int8({ mode: "number" }).notNull(),
    clinician: t.hex().notNull(),
    reason: t.int8({ mode: "number" }).notNull(),
    openedAt: t.int8({ mode: "number" }).notNull(),
    endsAt: t.int8({ mode: "number" }).notNull(),
    closedAt: t.int8({ mode: "number" }),
    closedBy: t.hex(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ patientIndex: index().on(table.patientId) }),
);

/** The last session opened per (patient, member): where BreakGlassClosed finds the session it closes. */
export const breakGlassLatest = onchainTable(
  "break_glass_latest",
  (t) => ({
    patientId: t.bigint().notNull(),
    memberId: t.int8({ mode: "number" }).notNull(),
    sessionId: t.text().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.patientId, table.memberId] }) }),
);

// --- research opt-out, studies and datasets -------------------------------------------------------------

export const researchOptOuts = onchainTable("research_opt_outs", (t) => ({
  patientId: t.bigint().primaryKey(),
  wholly: t.boolean().notNull(),
  categories: t.int8({ mode: "number" }).notNull(),
  permissions: t.int8({ mode: "number" }).notNull(),
  changedBy: t.hex().notNull(),
  timestamp: t.int8({ mode: "number" }).notNull(),
}));

export const researchOptOutEvents = onchainTable(
  "research_opt_out_events",
  (t) => ({
    id: t.text().primaryKey(),
    patientId: t.bigint().notNull(),
    wholly: t.boolean().notNull(),
    categories: t.int8({ mode: "number" }).notNull(),
    permissions: t.int8({ mode: "number" }).notNull(),
    changedBy: t.hex().notNull(),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ patientIndex: index().on(table.patientId) }),
);

export const studies = onchainTable("studies", (t) => ({
  studyId: t.bigint().primaryKey(),
  sponsor: t.int8({ mode: "number" }).notNull(),
  operator: t.hex().notNull(),
  purpose: t.int8({ mode: "number" }).notNull(),
  requesterClass: t.int8({ mode: "number" }).notNull(),
  dataUsePermission: t.int8({ mode: "number" }).notNull(),
  legalBasis: t.int8({ mode: "number" }).notNull(),
  termEnd: t.int8({ mode: "number" }).notNull(),
  status: t.int8({ mode: "number" }).notNull(),
  registeredAt: t.int8({ mode: "number" }).notNull(),
  updatedAt: t.int8({ mode: "number" }).notNull(),
  txHash: t.hex().notNull(),
}));

/** StudyStatusChanged. */
export const studyEvents = onchainTable(
  "study_events",
  (t) => ({
    id: t.text().primaryKey(),
    studyId: t.bigint().notNull(),
    previousStatus: t.int8({ mode: "number" }).notNull(),
    status: t.int8({ mode: "number" }).notNull(),
    actor: t.hex().notNull(),
    reasonCode: t.int8({ mode: "number" }).notNull(),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ studyIndex: index().on(table.studyId) }),
);

/** DatasetPublished, with its destruction attestation once made. */
export const datasets = onchainTable(
  "datasets",
  (t) => ({
    datasetId: t.bigint().primaryKey(),
    studyId: t.bigint().notNull(),
    custodian: t.int8({ mode: "number" }).notNull(),
    cohortRoot: t.hex().notNull(),
    cohortSize: t.int8({ mode: "number" }).notNull(),
    method: t.int8({ mode: "number" }).notNull(),
    k: t.int8({ mode: "number" }).notNull(),
    epsilonMillis: t.int8({ mode: "number" }).notNull(),
    optOutStateBlock: t.bigint().notNull(),
    publishedAt: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    destroyedAt: t.int8({ mode: "number" }),
    destroyedBy: t.hex(),
    destructionCertificateHash: t.hex(),
  }),
  (table) => ({ studyIndex: index().on(table.studyId) }),
);

/** Current access of one researcher account to one dataset (DatasetAccessGranted / DatasetAccessRevoked). */
export const datasetAccess = onchainTable(
  "dataset_access",
  (t) => ({
    datasetId: t.bigint().notNull(),
    researcher: t.hex().notNull(),
    grantedBy: t.hex().notNull(),
    grantedAt: t.int8({ mode: "number" }).notNull(),
    revoked: t.boolean().notNull(),
    revokedBy: t.hex(),
    revokedAt: t.int8({ mode: "number" }),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.datasetId, table.researcher] }) }),
);

/**
 * Everything that happened to a dataset: "access-granted", "access-revoked", "accessed"
 * (DatasetAccessLogged), "destroyed" (DestructionAttested), "legal-exception" (LegalExceptionUsed).
 */
export const datasetEvents = onchainTable(
  "dataset_events",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    datasetId: t.bigint().notNull(),
    studyId: t.bigint(),
    account: t.hex(),
    actor: t.hex(),
    hash: t.hex(),
    legalBasis: t.int8({ mode: "number" }),
    patients: t.int8({ mode: "number" }),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ datasetIndex: index().on(table.datasetId) }),
);

// --- records and batches (RecordRegistry) ---------------------------------------------------------------

/**
 * One row per content hash the chain has spoken of: anchored on its own (RecordAnchored), or a batch leaf
 * that was superseded or retracted (then `category`, `subjectCommitment` and `anchoredAt` are unknown).
 */
export const records = onchainTable("records", (t) => ({
  contentHash: t.hex().primaryKey(),
  custodian: t.int8({ mode: "number" }).notNull(),
  operator: t.hex(),
  category: t.int8({ mode: "number" }),
  subjectCommitment: t.hex(),
  batchRoot: t.hex(),
  anchoredAt: t.int8({ mode: "number" }),
  blockNumber: t.int8({ mode: "number" }),
  txHash: t.hex(),
  supersededBy: t.hex(),
  supersededAt: t.int8({ mode: "number" }),
  retractionReason: t.int8({ mode: "number" }),
  retractedAt: t.int8({ mode: "number" }),
}));

export const batches = onchainTable("batches", (t) => ({
  root: t.hex().primaryKey(),
  custodian: t.int8({ mode: "number" }).notNull(),
  operator: t.hex().notNull(),
  leafCount: t.int8({ mode: "number" }).notNull(),
  manifestHash: t.hex().notNull(),
  anchoredAt: t.int8({ mode: "number" }).notNull(),
  blockNumber: t.int8({ mode: "number" }).notNull(),
  txHash: t.hex().notNull(),
  retractionReason: t.int8({ mode: "number" }),
  retractedAt: t.int8({ mode: "number" }),
  retractedBy: t.hex(),
}));

/** RecordAnchored, RecordSuperseded, RecordRetracted, BatchAnchored, BatchRetracted, in order. */
export const recordEvents = onchainTable(
  "record_events",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    contentHash: t.hex(),
    previousContentHash: t.hex(),
    batchRoot: t.hex(),
    custodian: t.int8({ mode: "number" }).notNull(),
    operator: t.hex(),
    code: t.int8({ mode: "number" }),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ contentIndex: index().on(table.contentHash) }),
);

// --- claims (ClaimRegistry) -----------------------------------------------------------------------------

export const claims = onchainTable(
  "claims",
  (t) => ({
    claimId: t.hex().primaryKey(),
    patientId: t.bigint().notNull(),
    insurer: t.int8({ mode: "number" }).notNull(),
    provider: t.int8({ mode: "number" }).notNull(),
    operator: t.hex().notNull(),
    claimHash: t.hex().notNull(),
    claimedAmount: t.bigint().notNull(),
    currency: t.int8({ mode: "number" }).notNull(),
    serviceStart: t.int8({ mode: "number" }).notNull(),
    serviceEnd: t.int8({ mode: "number" }).notNull(),
    attachments: t.hex().array().notNull(),
    authorizedBySignature: t.boolean().notNull(),
    status: t.int8({ mode: "number" }).notNull(),
    outcome: t.int8({ mode: "number" }).notNull(),
    reason: t.int8({ mode: "number" }).notNull(),
    approvedAmount: t.bigint().notNull(),
    submittedAt: t.int8({ mode: "number" }).notNull(),
    updatedAt: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({
    patientIndex: index().on(table.patientId),
    insurerIndex: index().on(table.insurer),
    providerIndex: index().on(table.provider),
  }),
);

/** ClaimStatusChanged: the claim's timeline, from None → Submitted on. */
export const claimEvents = onchainTable(
  "claim_events",
  (t) => ({
    id: t.text().primaryKey(),
    claimId: t.hex().notNull(),
    status: t.int8({ mode: "number" }).notNull(),
    previousStatus: t.int8({ mode: "number" }).notNull(),
    actor: t.hex().notNull(),
    outcome: t.int8({ mode: "number" }).notNull(),
    reason: t.int8({ mode: "number" }).notNull(),
    approvedAmount: t.bigint().notNull(),
    referenceHash: t.hex().notNull(),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ claimIndex: index().on(table.claimId) }),
);

/** A claim's attachments in order: those of ClaimSubmitted, then each ClaimAttachmentsAdded (information provided). */
export const claimAttachments = onchainTable(
  "claim_attachments",
  (t) => ({
    id: t.text().primaryKey(),
    claimId: t.hex().notNull(),
    contentHash: t.hex().notNull(),
    position: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ claimIndex: index().on(table.claimId) }),
);

// --- everything else ------------------------------------------------------------------------------------

/**
 * Governance and maintenance events of every contract: Initialized, Upgraded, AuthorityUpdated,
 * EIP712DomainChanged, NoncesInvalidated, ClaimNoncesInvalidated, BreakGlassDurationChanged,
 * RecoveryDelayChanged. `args` holds the event's arguments as JSON (integers as decimal strings).
 */
export const contractEvents = onchainTable(
  "contract_events",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    event: t.text().notNull(),
    args: t.json().notNull(),
    timestamp: t.int8({ mode: "number" }).notNull(),
    blockNumber: t.int8({ mode: "number" }).notNull(),
    txHash: t.hex().notNull(),
    logIndex: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({ contractIndex: index().on(table.contract, table.event) }),
);

export const claimsRelations = relations(claims, ({ many }) => ({ timeline: many(claimEvents) }));
export const claimEventsRelations = relations(claimEvents, ({ one }) => ({
  claim: one(claims, { fields: [claimEvents.claimId], references: [claims.claimId] }),
}));
export const studiesRelations = relations(studies, ({ many }) => ({ datasets: many(datasets) }));
export const datasetsRelations = relations(datasets, ({ one }) => ({
  study: one(studies, { fields: [datasets.studyId], references: [studies.studyId] }),
}));
