/**
 * The indexer's query API (docs/indexer.md), consumed by the web app. JSON rules: integers that can exceed
 * 2^53 (patient ids, amounts, uint64 study and dataset ids) are decimal strings; uint32 member ids, codes,
 * bitmasks and unix-second timestamps are numbers; hashes are lowercase 0x strings and addresses are
 * checksummed. Lists are newest first. Errors are `{ "error": { "code", "message" } }`: 400 for a malformed
 * parameter, 404 for an unknown id. Ponder's own GraphQL (`/graphql`) and SQL-over-HTTP (`/sql/*`)
 * endpoints are kept beside it.
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import { and, client, desc, eq, graphql, sql } from "ponder";
import { getAddress } from "viem";

const {
  accessLog,
  batches,
  breakGlassSessions,
  claimAttachments,
  claimEvents,
  claims,
  datasetAccess,
  datasetEvents,
  datasets,
  grantEvents,
  grants,
  patients,
  records,
  researchOptOutEvents,
  researchOptOuts,
  studies,
  studyEvents,
} = schema;

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT32 = 2 ** 32 - 1;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;
/** ClaimStatus.Withdrawn, the last ClaimStatus code. */
const MAX_CLAIM_STATUS = 8;

/** A request the API refuses, with its HTTP status and stable code. */
class ApiError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** `INVALID_PATIENT_ID` for `patientId`: the stable code of a malformed parameter. */
const invalidCode = (name: string): string =>
  `INVALID_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;

const checksummed = (address: `0x${string}`): `0x${string}` => getAddress(address);
const checksummedOrNull = (address: `0x${string}` | null): `0x${string}` | null =>
  address === null ? null : getAddress(address);

// --- parameters ----------------------------------------------------------------------------------------

function uint64Param(value: string | undefined, name: string): bigint {
  if (value === undefined || !/^(0|[1-9][0-9]{0,19})$/.test(value) || BigInt(value) > MAX_UINT64) {
    throw new ApiError(400, invalidCode(name), `${name} must be a decimal integer from 0 to 2^64-1`);
  }
  return BigInt(value);
}

function uint32Param(value: string, name: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(value) || Number(value) > MAX_UINT32) {
    throw new ApiError(400, invalidCode(name), `${name} must be a decimal integer from 0 to 2^32-1`);
  }
  return Number(value);
}

function bytes32Param(value: string | undefined, name: string): `0x${string}` {
  if (value === undefined || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new ApiError(400, invalidCode(name), `${name} must be a 0x-prefixed 32-byte hex string`);
  }
  return value.toLowerCase() as `0x${string}`;
}

function limitParam(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (!/^[1-9][0-9]{0,3}$/.test(value) || Number(value) > MAX_LIMIT) {
    throw new ApiError(400, "INVALID_LIMIT", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}

/** The patient id of the path, refused with 404 when no PatientRegistered event named it. */
async function knownPatient(c: Context): Promise<typeof patients.$inferSelect> {
  const patientId = uint64Param(c.req.param("patientId"), "patientId");
  const [patient] = await db.select().from(patients).where(eq(patients.patientId, patientId)).limit(1);
  if (patient === undefined) throw new ApiError(404, "PATIENT_NOT_FOUND", `no patient ${patientId} is registered`);
  return patient;
}

// --- row → JSON -----------------------------------------------------------------------------------------

type ClaimRow = typeof claims.$inferSelect;

function claimJson(row: ClaimRow) {
  return {
    claimId: row.claimId,
    patientId: row.patientId.toString(),
    insurer: row.insurer,
    provider: row.provider,
    operator: checksummed(row.operator),
    claimHash: row.claimHash,
    claimedAmount: row.claimedAmount.toString(),
    currency: row.currency,
    serviceStart: row.serviceStart,
    serviceEnd: row.serviceEnd,
    attachments: row.attachments,
    authorizedBySignature: row.authorizedBySignature,
    status: row.status,
    outcome: row.outcome,
    reason: row.reason,
    approvedAmount: row.approvedAmount.toString(),
    submittedAt: row.submittedAt,
    updatedAt: row.updatedAt,
  };
}

function retractionJson(reason: number | null, at: number | null): { reason: number; at: number } | null {
  return reason === null || at === null ? null : { reason, at };
}

type DatasetRow = typeof datasets.$inferSelect;

async function datasetsJson(rows: DatasetRow[]) {
  return Promise.all(
    rows.map(async (row) => {
      const access = await db
        .select()
        .from(datasetAccess)
        .where(eq(datasetAccess.datasetId, row.datasetId))
        .orderBy(desc(datasetAccess.grantedAt), datasetAccess.researcher);
      return {
        datasetId: row.datasetId.toString(),
        studyId: row.studyId.toString(),
        custodian: row.custodian,
        cohortRoot: row.cohortRoot,
        cohortSize: row.cohortSize,
        method: row.method,
        k: row.k,
        epsilonMillis: row.epsilonMillis,
        optOutStateBlock: row.optOutStateBlock.toString(),
        publishedAt: row.publishedAt,
        txHash: row.txHash,
        destruction:
          row.destroyedAt === null
            ? null
            : {
                at: row.destroyedAt,
                by: checksummedOrNull(row.destroyedBy),
                certificateHash: row.destructionCertificateHash,
              },
        access: access.map((a) => ({
          researcher: checksummed(a.researcher),
          grantedBy: checksummed(a.grantedBy),
          grantedAt: a.grantedAt,
          revoked: a.revoked,
          revokedBy: checksummedOrNull(a.revokedBy),
          revokedAt: a.revokedAt,
        })),
      };
    }),
  );
}

async function studyJson(row: typeof studies.$inferSelect) {
  const rows = await db
    .select()
    .from(datasets)
    .where(eq(datasets.studyId, row.studyId))
    .orderBy(desc(datasets.datasetId));
  return {
    studyId: row.studyId.toString(),
    sponsor: row.sponsor,
    operator: checksummed(row.operator),
    purpose: row.purpose,
    requesterClass: row.requesterClass,
    dataUsePermission: row.dataUsePermission,
    legalBasis: row.legalBasis,
    termEnd: row.termEnd,
    status: row.status,
    registeredAt: row.registeredAt,
    updatedAt: row.updatedAt,
    txHash: row.txHash,
    datasets: await datasetsJson(rows),
  };
}

// --- the latest block indexed ---------------------------------------------------------------------------

/** Digits of the block timestamp and chain id that precede the block number in a Ponder checkpoint. */
const CHECKPOINT_BLOCK_OFFSET = 10 + 16;
const CHECKPOINT_BLOCK_DIGITS = 16;

/** The database schema Ponder was started with (`--schema`), which holds its checkpoint table. */
function ponderSchema(): string {
  const build = (globalThis as { PONDER_NAMESPACE_BUILD?: { schema?: string } }).PONDER_NAMESPACE_BUILD;
  return build?.schema ?? "public";
}

async function indexedBlock(): Promise<{ chainId: number; block: number }> {
  const table = sql.raw(`"${ponderSchema().replaceAll('"', '""')}"."_ponder_checkpoint"`);
  const result = await db.execute(sql`SELECT chain_id, latest_checkpoint FROM ${table} LIMIT 1`);
  const row = (result as unknown as { rows: { chain_id: string | number; latest_checkpoint: string }[] }).rows[0];
  if (row === undefined) return { chainId: Number(process.env.MEDCHAIN_CHAIN_ID ?? 0), block: 0 }; // nothing indexed yet
  const block = Number(
    row.latest_checkpoint.slice(CHECKPOINT_BLOCK_OFFSET, CHECKPOINT_BLOCK_OFFSET + CHECKPOINT_BLOCK_DIGITS),
  );
  return { chainId: Number(row.chain_id), block };
}

// --- routes ---------------------------------------------------------------------------------------------

const app = new Hono();

app.use("/api/*", cors({ origin: "*", allowMethods: ["GET", "OPTIONS"] }));

app.get("/api/v1/status", async (c) => c.json(await indexedBlock()));

app.get("/api/v1/patients/:patientId", async (c) => {
  const patient = await knownPatient(c);
  return c.json({
    patient: {
      patientId: patient.patientId.toString(),
      account: checksummed(patient.account),
      status: patient.status,
      registeredAt: patient.registeredAt,
    },
  });
});

app.get("/api/v1/patients/:patientId/grants", async (c) => {
  const { patientId } = await knownPatient(c);
  const rows = await db
    .select()
    .from(grants)
    .where(eq(grants.patientId, patientId))
    .orderBy(desc(grants.blockNumber), desc(grants.updatedAt), grants.grantee);
  return c.json({
    grants: rows.map((row) => ({
      patientId: row.patientId.toString(),
      grantee: row.grantee,
      categories: row.categories,
      purposes: row.purposes,
      notBefore: row.notBefore,
      expiresAt: row.expiresAt,
      consentFormHash: row.consentFormHash,
      grantedBy: checksummed(row.grantedBy),
      requesterClass: row.requesterClass,
      optIns: row.optIns,
      revoked: row.revoked,
      revokedBy: checksummedOrNull(row.revokedBy),
      updatedAt: row.updatedAt,
      blockNumber: row.blockNumber,
      txHash: row.txHash,
    })),
  });
});

app.get("/api/v1/patients/:patientId/grant-history", async (c) => {
  const { patientId } = await knownPatient(c);
  const rows = await db
    .select()
    .from(grantEvents)
    .where(eq(grantEvents.patientId, patientId))
    .orderBy(desc(grantEvents.blockNumber), desc(grantEvents.logIndex));
  return c.json({
    events: rows.map((row) => ({
      kind: row.kind,
      grantee: row.grantee,
      by: checksummedOrNull(row.by),
      categories: row.categories,
      purposes: row.purposes,
      notBefore: row.notBefore,
      expiresAt: row.expiresAt,
      requesterClass: row.requesterClass,
      optIns: row.optIns,
      timestamp: row.timestamp,
      blockNumber: row.blockNumber,
      txHash: row.txHash,
      logIndex: row.logIndex,
    })),
  });
});

app.get("/api/v1/patients/:patientId/access-log", async (c) => {
  const limit = limitParam(c.req.query("limit"));
  const { patientId } = await knownPatient(c);
  const rows = await db
    .select()
    .from(accessLog)
    .where(eq(accessLog.patientId, patientId))
    .orderBy(desc(accessLog.blockNumber), desc(accessLog.logIndex))
    .limit(limit);
  return c.json({
    accesses: rows.map((row) => ({
      memberId: row.memberId,
      operator: checksummed(row.operator),
      category: row.category,
      purpose: row.purpose,
      recordRef: row.recordRef,
      underBreakGlass: row.underBreakGlass,
      timestamp: row.timestamp,
      blockNumber: row.blockNumber,
      txHash: row.txHash,
      logIndex: row.logIndex,
    })),
  });
});

app.get("/api/v1/patients/:patientId/break-glass", async (c) => {
  const { patientId } = await knownPatient(c);
  const rows = await db
    .select()
    .from(breakGlassSessions)
    .where(eq(breakGlassSessions.patientId, patientId))
    .orderBy(desc(breakGlassSessions.blockNumber), desc(breakGlassSessions.logIndex));
  return c.json({
    sessions: rows.map((row) => ({
      memberId: row.memberId,
      clinician: checksummed(row.clinician),
      reason: row.reason,
      openedAt: row.openedAt,
      endsAt: row.endsAt,
      closedAt: row.closedAt,
      closedBy: checksummedOrNull(row.closedBy),
      txHash: row.txHash,
    })),
  });
});

app.get("/api/v1/patients/:patientId/opt-out", async (c) => {
  const { patientId } = await knownPatient(c);
  const [current] = await db.select().from(researchOptOuts).where(eq(researchOptOuts.patientId, patientId));
  const history = await db
    .select()
    .from(researchOptOutEvents)
    .where(eq(researchOptOutEvents.patientId, patientId))
    .orderBy(desc(researchOptOutEvents.blockNumber), desc(researchOptOutEvents.logIndex));
  const fields = (row: typeof researchOptOuts.$inferSelect) => ({
    wholly: row.wholly,
    categories: row.categories,
    permissions: row.permissions,
    changedBy: checksummed(row.changedBy),
    timestamp: row.timestamp,
  });
  return c.json({
    optOut: current === undefined ? null : fields(current),
    history: history.map((row) => ({ ...fields(row), blockNumber: row.blockNumber, txHash: row.txHash })),
  });
});

app.get("/api/v1/patients/:patientId/claims", async (c) => {
  const { patientId } = await knownPatient(c);
  const rows = await db
    .select()
    .from(claims)
    .where(eq(claims.patientId, patientId))
    .orderBy(desc(claims.submittedAt), desc(claims.claimId));
  return c.json({ claims: rows.map(claimJson) });
});

app.get("/api/v1/claims", async (c) => {
  const filters: ReturnType<typeof eq>[] = [];
  const insurer = c.req.query("insurer");
  const provider = c.req.query("provider");
  const status = c.req.query("status");
  if (insurer !== undefined) filters.push(eq(claims.insurer, uint32Param(insurer, "insurer")));
  if (provider !== undefined) filters.push(eq(claims.provider, uint32Param(provider, "provider")));
  if (status !== undefined) {
    if (!/^[0-9]$/.test(status) || Number(status) > MAX_CLAIM_STATUS) {
      throw new ApiError(400, "INVALID_STATUS", `status must be a ClaimStatus code from 0 to ${MAX_CLAIM_STATUS}`);
    }
    filters.push(eq(claims.status, Number(status)));
  }
  const limit = limitParam(c.req.query("limit"));
  const rows = await db
    .select()
    .from(claims)
    .where(filters.length === 0 ? undefined : and(...filters))
    .orderBy(desc(claims.submittedAt), desc(claims.claimId))
    .limit(limit);
  return c.json({ claims: rows.map(claimJson) });
});

app.get("/api/v1/claims/:claimId", async (c) => {
  const claimId = bytes32Param(c.req.param("claimId"), "claimId");
  const [claim] = await db.select().from(claims).where(eq(claims.claimId, claimId));
  if (claim === undefined) throw new ApiError(404, "CLAIM_NOT_FOUND", `no claim ${claimId} was submitted`);
  const timeline = await db
    .select()
    .from(claimEvents)
    .where(eq(claimEvents.claimId, claimId))
    .orderBy(desc(claimEvents.blockNumber), desc(claimEvents.logIndex));
  const attachments = await db
    .select()
    .from(claimAttachments)
    .where(eq(claimAttachments.claimId, claimId))
    .orderBy(claimAttachments.position);
  return c.json({
    claim: claimJson(claim),
    timeline: timeline.map((row) => ({
      status: row.status,
      previousStatus: row.previousStatus,
      actor: checksummed(row.actor),
      outcome: row.outcome,
      reason: row.reason,
      approvedAmount: row.approvedAmount.toString(),
      referenceHash: row.referenceHash,
      timestamp: row.timestamp,
      blockNumber: row.blockNumber,
      txHash: row.txHash,
    })),
    attachments: attachments.map((row) => row.contentHash),
  });
});

app.get("/api/v1/records/:contentHash", async (c) => {
  const contentHash = bytes32Param(c.req.param("contentHash"), "contentHash");
  const [row] = await db.select().from(records).where(eq(records.contentHash, contentHash));
  if (row === undefined) throw new ApiError(404, "RECORD_NOT_FOUND", `no record ${contentHash} is indexed`);
  return c.json({
    record: {
      contentHash: row.contentHash,
      custodian: row.custodian,
      operator: checksummedOrNull(row.operator),
      category: row.category,
      subjectCommitment: row.subjectCommitment,
      batchRoot: row.batchRoot,
      anchoredAt: row.anchoredAt,
      blockNumber: row.blockNumber,
      txHash: row.txHash,
      supersededBy: row.supersededBy,
      retracted: retractionJson(row.retractionReason, row.retractedAt),
    },
  });
});

app.get("/api/v1/batches/:root", async (c) => {
  const root = bytes32Param(c.req.param("root"), "root");
  const [row] = await db.select().from(batches).where(eq(batches.root, root));
  if (row === undefined) throw new ApiError(404, "BATCH_NOT_FOUND", `no batch ${root} is anchored`);
  return c.json({
    batch: {
      root: row.root,
      custodian: row.custodian,
      operator: checksummed(row.operator),
      leafCount: row.leafCount,
      manifestHash: row.manifestHash,
      anchoredAt: row.anchoredAt,
      retracted: retractionJson(row.retractionReason, row.retractedAt),
    },
  });
});

app.get("/api/v1/studies", async (c) => {
  const rows = await db.select().from(studies).orderBy(desc(studies.studyId));
  return c.json({ studies: await Promise.all(rows.map(studyJson)) });
});

app.get("/api/v1/studies/:studyId", async (c) => {
  const studyId = uint64Param(c.req.param("studyId"), "studyId");
  const [row] = await db.select().from(studies).where(eq(studies.studyId, studyId));
  if (row === undefined) throw new ApiError(404, "STUDY_NOT_FOUND", `no study ${studyId} is registered`);
  const history = await db
    .select()
    .from(studyEvents)
    .where(eq(studyEvents.studyId, studyId))
    .orderBy(desc(studyEvents.blockNumber), desc(studyEvents.logIndex));
  const datasetIds = (await db.select().from(datasets).where(eq(datasets.studyId, studyId))).map((d) => d.datasetId);
  const datasetHistory =
    datasetIds.length === 0
      ? []
      : await db
          .select()
          .from(datasetEvents)
          .where(sql`${datasetEvents.datasetId} IN (${sql.join(datasetIds, sql`, `)})`)
          .orderBy(desc(datasetEvents.blockNumber), desc(datasetEvents.logIndex));
  return c.json({
    study: await studyJson(row),
    history: history.map((event) => ({
      previousStatus: event.previousStatus,
      status: event.status,
      actor: checksummed(event.actor),
      reasonCode: event.reasonCode,
      timestamp: event.timestamp,
      blockNumber: event.blockNumber,
      txHash: event.txHash,
    })),
    datasetEvents: datasetHistory.map((event) => ({
      kind: event.kind,
      datasetId: event.datasetId.toString(),
      account: checksummedOrNull(event.account),
      actor: checksummedOrNull(event.actor),
      hash: event.hash,
      legalBasis: event.legalBasis,
      patients: event.patients,
      timestamp: event.timestamp,
      blockNumber: event.blockNumber,
      txHash: event.txHash,
    })),
  });
});

app.all("/api/*", (c) =>
  c.json({ error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } }, 404),
);

app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));

app.onError((error, c) => {
  if (error instanceof ApiError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status);
  }
  console.error(error);
  return c.json({ error: { code: "INTERNAL", message: "the indexer could not answer; see its log" } }, 500);
});

export default app;
