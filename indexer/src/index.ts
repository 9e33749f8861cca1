/**
 * Indexing functions: every event of the seven medchain registries, written into the tables of
 * `ponder.schema.ts`. Handlers only derive rows from the event itself (never from contract reads), so
 * reindexing from the deployment's first block rebuilds exactly the same tables.
 */
import { ponder, type Context } from "ponder:registry";
import {
  accessLog,
  batches,
  breakGlassLatest,
  breakGlassSessions,
  claimAttachments,
  claimEvents,
  claims,
  contractEvents,
  datasetAccess,
  datasetEvents,
  datasets,
  delegates,
  grantEvents,
  grants,
  memberEvents,
  members,
  operators,
  patientEvents,
  patients,
  recordEvents,
  records,
  researchOptOutEvents,
  researchOptOuts,
  studies,
  studyEvents,
} from "ponder:schema";

/** What every history row records about the event it came from. */
interface Position {
  id: string;
  timestamp: number;
  blockNumber: number;
  txHash: `0x${string}`;
  logIndex: number;
}

/** The event's position; `id` (transaction hash and log index) is stable across reindexing. */
function position(event: {
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: `0x${string}` };
  log: { logIndex: number };
}): Position {
  return {
    id: `${event.transaction.hash}-${event.log.logIndex}`,
    timestamp: Number(event.block.timestamp),
    blockNumber: Number(event.block.number),
    txHash: event.transaction.hash,
    logIndex: event.log.logIndex,
  };
}

/** JSON for `contract_events.args`: bigints as decimal strings. */
function jsonArgs(args: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([key, value]) => [key, typeof value === "bigint" ? value.toString() : value]),
  );
}

// --- governance and maintenance events of every contract ------------------------------------------------

type ContractName =
  | "MemberRegistry"
  | "PatientRegistry"
  | "ResearchOptOutRegistry"
  | "ConsentRegistry"
  | "RecordRegistry"
  | "ClaimRegistry"
  | "StudyRegistry";

async function logContractEvent(
  contract: ContractName,
  name: string,
  event: Parameters<typeof position>[0] & { args: object },
  context: Pick<Context, "db">,
): Promise<void> {
  const { id, ...at } = position(event);
  await context.db.insert(contractEvents).values({ id, contract, event: name, args: jsonArgs(event.args), ...at });
}

ponder.on("MemberRegistry:Initialized", ({ event, context }) =>
  logContractEvent("MemberRegistry", "Initialized", event, context),
);
ponder.on("MemberRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("MemberRegistry", "Upgraded", event, context),
);
ponder.on("MemberRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("MemberRegistry", "AuthorityUpdated", event, context),
);
ponder.on("PatientRegistry:Initialized", ({ event, context }) =>
  logContractEvent("PatientRegistry", "Initialized", event, context),
);
ponder.on("PatientRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("PatientRegistry", "Upgraded", event, context),
);
ponder.on("PatientRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("PatientRegistry", "AuthorityUpdated", event, context),
);
ponder.on("PatientRegistry:RecoveryDelayChanged", ({ event, context }) =>
  logContractEvent("PatientRegistry", "RecoveryDelayChanged", event, context),
);
ponder.on("ResearchOptOutRegistry:Initialized", ({ event, context }) =>
  logContractEvent("ResearchOptOutRegistry", "Initialized", event, context),
);
ponder.on("ResearchOptOutRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("ResearchOptOutRegistry", "Upgraded", event, context),
);
ponder.on("ResearchOptOutRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("ResearchOptOutRegistry", "AuthorityUpdated", event, context),
);
ponder.on("ConsentRegistry:Initialized", ({ event, context }) =>
  logContractEvent("ConsentRegistry", "Initialized", event, context),
);
ponder.on("ConsentRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("ConsentRegistry", "Upgraded", event, context),
);
ponder.on("ConsentRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("ConsentRegistry", "AuthorityUpdated", event, context),
);
ponder.on("ConsentRegistry:EIP712DomainChanged", ({ event, context }) =>
  logContractEvent("ConsentRegistry", "EIP712DomainChanged", event, context),
);
ponder.on("ConsentRegistry:NoncesInvalidated", ({ event, context }) =>
  logContractEvent("ConsentRegistry", "NoncesInvalidated", event, context),
);
ponder.on("ConsentRegistry:BreakGlassDurationChanged", ({ event, context }) =>
  logContractEvent("ConsentRegistry", "BreakGlassDurationChanged", event, context),
);
ponder.on("RecordRegistry:Initialized", ({ event, context }) =>
  logContractEvent("RecordRegistry", "Initialized", event, context),
);
ponder.on("RecordRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("RecordRegistry", "Upgraded", event, context),
);
ponder.on("RecordRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("RecordRegistry", "AuthorityUpdated", event, context),
);
ponder.on("ClaimRegistry:Initialized", ({ event, context }) =>
  logContractEvent("ClaimRegistry", "Initialized", event, context),
);
ponder.on("ClaimRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("ClaimRegistry", "Upgraded", event, context),
);
ponder.on("ClaimRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("ClaimRegistry", "AuthorityUpdated", event, context),
);
ponder.on("ClaimRegistry:EIP712DomainChanged", ({ event, context }) =>
  logContractEvent("ClaimRegistry", "EIP712DomainChanged", event, context),
);
ponder.on("ClaimRegistry:ClaimNoncesInvalidated", ({ event, context }) =>
  logContractEvent("ClaimRegistry", "ClaimNoncesInvalidated", event, context),
);
ponder.on("StudyRegistry:Initialized", ({ event, context }) =>
  logContractEvent("StudyRegistry", "Initialized", event, context),
);
ponder.on("StudyRegistry:Upgraded", ({ event, context }) =>
  logContractEvent("StudyRegistry", "Upgraded", event, context),
);
ponder.on("StudyRegistry:AuthorityUpdated", ({ event, context }) =>
  logContractEvent("StudyRegistry", "AuthorityUpdated", event, context),
);

// --- MemberRegistry -------------------------------------------------------------------------------------

ponder.on("MemberRegistry:MemberAdded", async ({ event, context }) => {
  const at = position(event);
  const { memberId, kind, metadataHash } = event.args;
  await context.db.insert(members).values({
    memberId,
    kind,
    status: 1, // MemberStatus.Active: a member is admitted active
    metadataHash,
    breakGlassAllowed: false,
    joinedAt: at.timestamp,
    updatedAt: at.timestamp,
  });
  await context.db.insert(memberEvents).values({ ...at, kind: "added", memberId, code: kind, metadataHash });
});

ponder.on("MemberRegistry:MemberMetadataUpdated", async ({ event, context }) => {
  const at = position(event);
  const { memberId, metadataHash } = event.args;
  await context.db.update(members, { memberId }).set({ metadataHash, updatedAt: at.timestamp });
  await context.db.insert(memberEvents).values({ ...at, kind: "metadata", memberId, metadataHash });
});

ponder.on("MemberRegistry:MemberStatusChanged", async ({ event, context }) => {
  const at = position(event);
  const { memberId, previousStatus, newStatus, reasonCode } = event.args;
  await context.db.update(members, { memberId }).set({ status: newStatus, updatedAt: at.timestamp });
  await context.db.insert(memberEvents).values({
    ...at,
    kind: "status",
    memberId,
    previousStatus,
    status: newStatus,
    code: reasonCode,
  });
});

ponder.on("MemberRegistry:OperatorAdded", async ({ event, context }) => {
  const at = position(event);
  const { operator, memberId, duties, addedBy } = event.args;
  const row = { memberId, duties, addedBy, addedAt: at.timestamp, removed: false, removedBy: null, removedAt: null };
  await context.db
    .insert(operators)
    .values({ account: operator, ...row })
    .onConflictDoUpdate(row);
  await context.db
    .insert(memberEvents)
    .values({ ...at, kind: "operator-added", memberId, operator, actor: addedBy, code: duties });
});

ponder.on("MemberRegistry:OperatorRemoved", async ({ event, context }) => {
  const at = position(event);
  const { operator, memberId, removedBy } = event.args;
  await context.db.update(operators, { account: operator }).set({ removed: true, removedBy, removedAt: at.timestamp });
  await context.db
    .insert(memberEvents)
    .values({ ...at, kind: "operator-removed", memberId, operator, actor: removedBy });
});

// --- PatientRegistry ------------------------------------------------------------------------------------

ponder.on("PatientRegistry:PatientRegistered", async ({ event, context }) => {
  const at = position(event);
  const { patientId, account, identityCommitment, registeredBy } = event.args;
  await context.db.insert(patients).values({
    patientId,
    account,
    identityCommitment,
    status: 1, // PatientStatus.Active
    deactivationReason: null,
    registeredBy,
    registeredAt: at.timestamp,
    updatedAt: at.timestamp,
    blockNumber: at.blockNumber,
    txHash: at.txHash,
  });
  await context.db
    .insert(patientEvents)
    .values({ ...at, kind: "registered", patientId, account, memberId: registeredBy });
});

ponder.on("PatientRegistry:PatientAccountChanged", async ({ event, context }) => {
  const at = position(event);
  const { patientId, previousAccount, newAccount, changeKind } = event.args;
  await context.db.update(patients, { patientId }).set({ account: newAccount, updatedAt: at.timestamp });
  await context.db.insert(patientEvents).values({
    ...at,
    kind: "account-changed",
    patientId,
    account: newAccount,
    previousAccount,
    code: changeKind,
  });
});

ponder.on("PatientRegistry:RecoveryInitiated", async ({ event, context }) => {
  const at = position(event);
  const { patientId, newAccount, initiatedBy, executableAt } = event.args;
  await context.db.insert(patientEvents).values({
    ...at,
    kind: "recovery-initiated",
    patientId,
    account: newAccount,
    actor: event.transaction.from,
    memberId: initiatedBy,
    until: Number(executableAt),
  });
});

ponder.on("PatientRegistry:RecoveryCancelled", async ({ event, context }) => {
  const at = position(event);
  const { patientId, newAccount, cancelledBy } = event.args;
  await context.db
    .insert(patientEvents)
    .values({ ...at, kind: "recovery-cancelled", patientId, account: newAccount, actor: cancelledBy });
});

ponder.on("PatientRegistry:DelegateAppointed", async ({ event, context }) => {
  const at = position(event);
  const { patientId, delegate, scope, expiresAt, appointedBy, validFrom } = event.args;
  const row = {
    scope,
    expiresAt: Number(expiresAt),
    appointedBy,
    validFrom: Number(validFrom),
    revoked: false,
    revokedBy: null,
    updatedAt: at.timestamp,
  };
  await context.db
    .insert(delegates)
    .values({ patientId, delegate, ...row })
    .onConflictDoUpdate(row);
  await context.db.insert(patientEvents).values({
    ...at,
    kind: "delegate-appointed",
    patientId,
    account: delegate,
    actor: event.transaction.from,
    memberId: appointedBy,
    code: scope,
    until: Number(expiresAt),
  });
});

ponder.on("PatientRegistry:DelegateRevoked", async ({ event, context }) => {
  const at = position(event);
  const { patientId, delegate, revokedBy } = event.args;
  await context.db
    .update(delegates, { patientId, delegate })
    .set({ revoked: true, revokedBy, updatedAt: at.timestamp });
  await context.db
    .insert(patientEvents)
    .values({ ...at, kind: "delegate-revoked", patientId, account: delegate, actor: revokedBy });
});

ponder.on("PatientRegistry:PatientDeactivated", async ({ event, context }) => {
  const at = position(event);
  const { patientId, reason, deactivatedBy } = event.args;
  await context.db
    .update(patients, { patientId })
    .set({ status: 2, deactivationReason: reason, updatedAt: at.timestamp }); // PatientStatus.Deactivated
  await context.db.insert(patientEvents).values({
    ...at,
    kind: "deactivated",
    patientId,
    actor: event.transaction.from,
    memberId: deactivatedBy,
    code: reason,
  });
});

// --- ConsentRegistry ------------------------------------------------------------------------------------

ponder.on("ConsentRegistry:ConsentGranted", async ({ event, context }) => {
  const at = position(event);
  const { patientId, grantee, grantedBy, categories, purposes, notBefore, expiresAt, consentFormHash } = event.args;
  // A plain grant clears earlier third-party terms; a third-party grant sets them again (ThirdPartyTermsSet).
  const row = {
    categories,
    purposes,
    notBefore: Number(notBefore),
    expiresAt: Number(expiresAt),
    consentFormHash,
    grantedBy,
    requesterClass: null,
    optIns: null,
    revoked: false,
    revokedBy: null,
    updatedAt: at.timestamp,
    blockNumber: at.blockNumber,
    txHash: at.txHash,
  };
  await context.db
    .insert(grants)
    .values({ patientId, grantee, ...row })
    .onConflictDoUpdate(row);
  await context.db.insert(grantEvents).values({
    ...at,
    kind: "granted",
    patientId,
    grantee,
    by: grantedBy,
    categories,
    purposes,
    notBefore: Number(notBefore),
    expiresAt: Number(expiresAt),
    consentFormHash,
  });
});

ponder.on("ConsentRegistry:ThirdPartyTermsSet", async ({ event, context }) => {
  const at = position(event);
  const { patientId, grantee, requesterClass, optIns } = event.args;
  // The terms follow the ConsentGranted of the same call: they were set by whoever granted.
  const grant = await context.db.update(grants, { patientId, grantee }).set({ requesterClass, optIns });
  await context.db.insert(grantEvents).values({
    ...at,
    kind: "terms",
    patientId,
    grantee,
    by: grant.grantedBy,
    requesterClass,
    optIns,
  });
});

ponder.on("ConsentRegistry:ConsentRevoked", async ({ event, context }) => {
  const at = position(event);
  const { patientId, grantee, revokedBy } = event.args;
  await context.db
    .update(grants, { patientId, grantee })
    .set({ revoked: true, revokedBy, updatedAt: at.timestamp, blockNumber: at.blockNumber, txHash: at.txHash });
  await context.db.insert(grantEvents).values({ ...at, kind: "revoked", patientId, grantee, by: revokedBy });
});

ponder.on("ConsentRegistry:AccessLogged", async ({ event, context }) => {
  const at = position(event);
  await context.db.insert(accessLog).values({ ...at, ...event.args });
});

ponder.on("ConsentRegistry:BreakGlassOpened", async ({ event, context }) => {
  const at = position(event);
  const { patientId, memberId, clinician, reason, endsAt } = event.args;
  await context.db.insert(breakGlassSessions).values({
    ...at,
    patientId,
    memberId,
    clinician,
    reason,
    openedAt: at.timestamp,
    endsAt: Number(endsAt),
    closedAt: null,
    closedBy: null,
  });
  await context.db
    .insert(breakGlassLatest)
    .values({ patientId, memberId, sessionId: at.id })
    .onConflictDoUpdate({ sessionId: at.id });
});

ponder.on("ConsentRegistry:BreakGlassClosed", async ({ event, context }) => {
  const at = position(event);
  const { patientId, memberId, closedBy } = event.args;
  const latest = await context.db.find(breakGlassLatest, { patientId, memberId });
  if (latest === null) return; // the contract only closes an open session, so this cannot happen
  await context.db.update(breakGlassSessions, { id: latest.sessionId }).set({ closedAt: at.timestamp, closedBy });
});

ponder.on("ConsentRegistry:BreakGlassRightChanged", async ({ event, context }) => {
  const at = position(event);
  const { memberId, allowed } = event.args;
  if ((await context.db.find(members, { memberId })) !== null) {
    await context.db.update(members, { memberId }).set({ breakGlassAllowed: allowed, updatedAt: at.timestamp });
  }
  await context.db.insert(memberEvents).values({ ...at, kind: "break-glass-right", memberId, allowed });
});

// --- ResearchOptOutRegistry -----------------------------------------------------------------------------

ponder.on("ResearchOptOutRegistry:ResearchOptOutChanged", async ({ event, context }) => {
  const at = position(event);
  const { patientId, changedBy, wholly, categories, permissions } = event.args;
  const row = { wholly, categories, permissions, changedBy, timestamp: at.timestamp };
  await context.db
    .insert(researchOptOuts)
    .values({ patientId, ...row })
    .onConflictDoUpdate(row);
  await context.db.insert(researchOptOutEvents).values({ ...at, patientId, ...row });
});

// --- StudyRegistry --------------------------------------------------------------------------------------

ponder.on("StudyRegistry:StudyRegistered", async ({ event, context }) => {
  const at = position(event);
  const { studyId, sponsor, operator, purpose, requesterClass, dataUsePermission, legalBasis, termEnd } = event.args;
  await context.db.insert(studies).values({
    studyId,
    sponsor,
    operator,
    purpose,
    requesterClass,
    dataUsePermission,
    legalBasis,
    termEnd: Number(termEnd),
    status: 1, // StudyStatus.Proposed (a StudyStatusChanged follows when the contract moves it on)
    registeredAt: at.timestamp,
    updatedAt: at.timestamp,
    txHash: at.txHash,
  });
});

ponder.on("StudyRegistry:StudyStatusChanged", async ({ event, context }) => {
  const at = position(event);
  const { studyId, previousStatus, status, actor, reasonCode } = event.args;
  await context.db.update(studies, { studyId }).set({ status, updatedAt: at.timestamp });
  await context.db.insert(studyEvents).values({ ...at, studyId, previousStatus, status, actor, reasonCode });
});

ponder.on("StudyRegistry:DatasetPublished", async ({ event, context }) => {
  const at = position(event);
  const a = event.args;
  await context.db.insert(datasets).values({
    datasetId: a.datasetId,
    studyId: a.studyId,
    custodian: a.custodian,
    cohortRoot: a.cohortRoot,
    cohortSize: a.cohortSize,
    method: a.method,
    k: a.k,
    epsilonMillis: a.epsilonMillis,
    optOutStateBlock: a.optOutStateBlock,
    publishedAt: at.timestamp,
    txHash: at.txHash,
  });
});

ponder.on("StudyRegistry:DatasetAccessGranted", async ({ event, context }) => {
  const at = position(event);
  const { datasetId, researcher, grantedBy } = event.args;
  const row = { grantedBy, grantedAt: at.timestamp, revoked: false, revokedBy: null, revokedAt: null };
  await context.db
    .insert(datasetAccess)
    .values({ datasetId, researcher, ...row })
    .onConflictDoUpdate(row);
  await context.db
    .insert(datasetEvents)
    .values({ ...at, kind: "access-granted", datasetId, account: researcher, actor: grantedBy });
});

ponder.on("StudyRegistry:DatasetAccessRevoked", async ({ event, context }) => {
  const at = position(event);
  const { datasetId, researcher, revokedBy } = event.args;
  await context.db
    .update(datasetAccess, { datasetId, researcher })
    .set({ revoked: true, revokedBy, revokedAt: at.timestamp });
  await context.db
    .insert(datasetEvents)
    .values({ ...at, kind: "access-revoked", datasetId, account: researcher, actor: revokedBy });
});

ponder.on("StudyRegistry:DatasetAccessLogged", async ({ event, context }) => {
  const at = position(event);
  const { datasetId, studyId, researcher, accessRef } = event.args;
  await context.db
    .insert(datasetEvents)
    .values({ ...at, kind: "accessed", datasetId, studyId, account: researcher, actor: researcher, hash: accessRef });
});

ponder.on("StudyRegistry:DestructionAttested", async ({ event, context }) => {
  const at = position(event);
  const { datasetId, studyId, attestedBy, certificateHash } = event.args;
  await context.db
    .update(datasets, { datasetId })
    .set({ destroyedAt: at.timestamp, destroyedBy: attestedBy, destructionCertificateHash: certificateHash });
  await context.db
    .insert(datasetEvents)
    .values({ ...at, kind: "destroyed", datasetId, studyId, actor: attestedBy, hash: certificateHash });
});

ponder.on("StudyRegistry:LegalExceptionUsed", async ({ event, context }) => {
  const at = position(event);
  const { datasetId, studyId, legalBasis, patients: patientCount } = event.args;
  await context.db.insert(datasetEvents).values({
    ...at,
    kind: "legal-exception",
    datasetId,
    studyId,
    actor: event.transaction.from,
    legalBasis,
    patients: patientCount,
  });
});

// --- RecordRegistry -------------------------------------------------------------------------------------

/** The record row of a content hash, created bare for a batch leaf the chain speaks of for the first time. */
async function ensureRecord(
  context: Pick<Context, "db">,
  contentHash: `0x${string}`,
  custodian: number,
  batchRoot: `0x${string}`,
): Promise<void> {
  await context.db
    .insert(records)
    .values({ contentHash, custodian, batchRoot: isZero(batchRoot) ? null : batchRoot })
    .onConflictDoNothing();
}

const isZero = (hash: `0x${string}`) => /^0x0*$/.test(hash);

ponder.on("RecordRegistry:RecordAnchored", async ({ event, context }) => {
  const at = position(event);
  const { contentHash, custodian, operator, category, subjectCommitment } = event.args;
  await context.db.insert(records).values({
    contentHash,
    custodian,
    operator,
    category,
    subjectCommitment,
    batchRoot: null,
    anchoredAt: at.timestamp,
    blockNumber: at.blockNumber,
    txHash: at.txHash,
  });
  await context.db.insert(recordEvents).values({ ...at, kind: "anchored", contentHash, custodian, operator });
});

ponder.on("RecordRegistry:RecordSuperseded", async ({ event, context }) => {
  const at = position(event);
  const { previousContentHash, contentHash, custodian, batchRoot } = event.args;
  await ensureRecord(context, previousContentHash, custodian, batchRoot);
  await context.db
    .update(records, { contentHash: previousContentHash })
    .set({ supersededBy: contentHash, supersededAt: at.timestamp });
  await context.db.insert(recordEvents).values({
    ...at,
    kind: "superseded",
    contentHash,
    previousContentHash,
    batchRoot: isZero(batchRoot) ? null : batchRoot,
    custodian,
    operator: event.transaction.from,
  });
});

ponder.on("RecordRegistry:RecordRetracted", async ({ event, context }) => {
  const at = position(event);
  const { contentHash, custodian, operator, reason, batchRoot } = event.args;
  await ensureRecord(context, contentHash, custodian, batchRoot);
  await context.db.update(records, { contentHash }).set({ retractionReason: reason, retractedAt: at.timestamp });
  await context.db.insert(recordEvents).values({
    ...at,
    kind: "retracted",
    contentHash,
    batchRoot: isZero(batchRoot) ? null : batchRoot,
    custodian,
    operator,
    code: reason,
  });
});

ponder.on("RecordRegistry:BatchAnchored", async ({ event, context }) => {
  const at = position(event);
  const { root, custodian, operator, leafCount, manifestHash } = event.args;
  await context.db.insert(batches).values({
    root,
    custodian,
    operator,
    leafCount,
    manifestHash,
    anchoredAt: at.timestamp,
    blockNumber: at.blockNumber,
    txHash: at.txHash,
  });
  await context.db
    .insert(recordEvents)
    .values({ ...at, kind: "batch-anchored", batchRoot: root, custodian, operator, code: leafCount });
});

ponder.on("RecordRegistry:BatchRetracted", async ({ event, context }) => {
  const at = position(event);
  const { root, custodian, operator, reason } = event.args;
  await context.db
    .update(batches, { root })
    .set({ retractionReason: reason, retractedAt: at.timestamp, retractedBy: operator });
  await context.db
    .insert(recordEvents)
    .values({ ...at, kind: "batch-retracted", batchRoot: root, custodian, operator, code: reason });
});

// --- ClaimRegistry --------------------------------------------------------------------------------------

ponder.on("ClaimRegistry:ClaimSubmitted", async ({ event, context }) => {
  const at = position(event);
  const a = event.args;
  await context.db.insert(claims).values({
    claimId: a.claimId,
    patientId: a.patientId,
    insurer: a.insurer,
    provider: a.provider,
    operator: a.operator,
    claimHash: a.claimHash,
    claimedAmount: a.claimedAmount,
    currency: a.currency,
    serviceStart: Number(a.serviceStart),
    serviceEnd: Number(a.serviceEnd),
    attachments: [...a.attachments],
    authorizedBySignature: a.authorizedBySignature,
    status: 0, // ClaimStatus.None until the ClaimStatusChanged (None → Submitted) that follows
    outcome: 0,
    reason: 0,
    approvedAmount: 0n,
    submittedAt: at.timestamp,
    updatedAt: at.timestamp,
  });
  await insertAttachments(context, a.claimId, a.attachments, 0, at);
});

ponder.on("ClaimRegistry:ClaimStatusChanged", async ({ event, context }) => {
  const at = position(event);
  const { claimId, status, actor, previousStatus, outcome, reason, approvedAmount, referenceHash } = event.args;
  await context.db
    .update(claims, { claimId })
    .set({ status, outcome, reason, approvedAmount, updatedAt: at.timestamp });
  await context.db.insert(claimEvents).values({
    ...at,
    claimId,
    status,
    previousStatus,
    actor,
    outcome,
    reason,
    approvedAmount,
    referenceHash,
  });
});

ponder.on("ClaimRegistry:ClaimAttachmentsAdded", async ({ event, context }) => {
  const at = position(event);
  const { claimId, attachments } = event.args;
  const claim = await context.db.find(claims, { claimId });
  const before = claim?.attachments ?? [];
  await context.db.update(claims, { claimId }).set({ attachments: [...before, ...attachments] });
  await insertAttachments(context, claimId, attachments, before.length, at);
});

/** One `claim_attachments` row per hash, numbered on from `first` (the claim's attachments so far). */
async function insertAttachments(
  context: Pick<Context, "db">,
  claimId: `0x${string}`,
  attachments: readonly `0x${string}`[],
  first: number,
  at: Position,
): Promise<void> {
  if (attachments.length === 0) return;
  await context.db.insert(claimAttachments).values(
    attachments.map((contentHash, i) => ({
      id: `${at.id}-${i}`,
      claimId,
      contentHash,
      position: first + i,
      blockNumber: at.blockNumber,
      txHash: at.txHash,
      logIndex: at.logIndex,
    })),
  );
}
