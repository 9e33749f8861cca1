import { once } from "node:events";
import { rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";

import { expect } from "chai";
import { getAddress, HDNodeWallet, keccak256, Mnemonic, toUtf8Bytes, Wallet } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  claimSubmission,
  ClaimReason,
  ClaimStatus,
  ConsortiumProvider,
  DataUse,
  datasetManifest,
  DeidentificationMethod,
  DelegateScope,
  Duty,
  EmergencyReason,
  ExplicitOptIn,
  fhirContentHash,
  grantRequest,
  identityCommitment,
  IdentityDocumentType,
  ISO_4217,
  MedchainClient,
  MemberKind,
  newRecordSalt,
  Purpose,
  purposeMask,
  RecordCategory,
  RequesterClass,
  RetractionReason,
  StudyStatus,
  studyRegistration,
  subjectCommitment,
  thirdPartyGrantRequest,
  type MedchainDeployment,
  type RecordAnchor,
} from "../sdk/index.js";
import { loadDeployment } from "../sdk/node.js";
import { deployToLocalNode } from "../scripts/lib/deploy.js";
import { LocalIndexerError, startLocalIndexer, type LocalIndexer } from "../scripts/lib/local-indexer.js";
import { startLocalNode, type LocalNode } from "../scripts/lib/local-node.js";
import {
  DEVELOPMENT_MNEMONIC,
  developmentStoryAccounts,
  runSdkStory,
  STORY_MEMBERS,
  type StoryOutcome,
} from "../scripts/lib/sdk-story.js";
import {
  checkAccessLog,
  checkBreakGlass,
  checkClaimDetail,
  checkClaims,
  checkGrantHistory,
  checkGrants,
  checkOptOut,
  checkStatus,
} from "../web/src/indexer.js";

/** What the test adds to the SDK story, so every table of the indexer gets rows. */
interface Extras {
  patientId: bigint;
  patientAccount: string;
  newAccount: string;
  amendedHash: string;
  amendmentHash: string;
  deniedClaimId: string;
  invoiceHash: string;
  receiptHash: string;
  studyId: bigint;
  datasetId: bigint;
  analyst: string;
}

/** Every table of `indexer/ponder.schema.ts`, dumped for the reindexing comparison. */
const TABLES = [
  "members",
  "operators",
  "member_events",
  "patients",
  "delegates",
  "patient_events",
  "grants",
  "grant_events",
  "access_log",
  "break_glass_sessions",
  "break_glass_latest",
  "research_opt_outs",
  "research_opt_out_events",
  "studies",
  "study_events",
  "datasets",
  "dataset_access",
  "dataset_events",
  "records",
  "batches",
  "record_events",
  "claims",
  "claim_events",
  "claim_attachments",
  "contract_events",
] as const;

async function getJson(indexer: LocalIndexer, route: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${indexer.url}${route}`);
  return { status: response.status, body: await response.json() };
}

/** Every row of every table, ordered by all its columns, through Ponder's SQL-over-HTTP endpoint. */
async function dumpTables(indexer: LocalIndexer): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const query = { json: { sql: `SELECT * FROM "${table}"`, params: [], typings: [] } };
    const response = await fetch(`${indexer.url}/sql/db?sql=${encodeURIComponent(JSON.stringify(query))}`);
    const text = await response.text();
    expect(response.status, `dump of ${table}: ${text}`).to.equal(200);
    const rows = (JSON.parse(text) as { rows: unknown[] }).rows.map((row) => JSON.stringify(row));
    dump[table] = rows.sort();
  }
  return dump;
}

/**
 * The indexer (Ponder, `indexer/`) against a rehearsal node: the SDK story plus the steps it lacks
 * (opt-out, break-glass closed, amendment and retraction, a denied claim), then the query API checked
 * against the chain, its refusals, and a reindex from block 0 into a fresh database giving identical tables.
 */
describe("Indexer: every medchain event into tables, the query API, reindexing", function () {
  this.timeout(600_000);
  let node: LocalNode;
  let provider: ConsortiumProvider;
  let deploymentFolder: string;
  let deployment: MedchainDeployment;
  let client: MedchainClient;
  let story: StoryOutcome;
  let extras: Extras;
  let indexer: LocalIndexer;
  let reindexer: LocalIndexer;
  let latestBlock: number;

  before(async function () {
    node = await startLocalNode();
    deploymentFolder = await deployToLocalNode(network, node);
    provider = new ConsortiumProvider(node.url, { pollingInterval: 50 });
    deployment = await loadDeployment(deploymentFolder);
    const accounts = developmentStoryAccounts(provider);
    story = await runSdkStory(deployment, accounts, () => undefined);
    extras = await runExtras(deployment, accounts);
    client = await MedchainClient.connect(provider, deployment);
    latestBlock = await provider.getBlockNumber();
    // The second indexer reindexes from block 0 into its own fresh database; both start together (Ponder's
    // start-up is the slow part), and the last test compares their tables.
    [indexer, reindexer] = await Promise.all([
      startLocalIndexer({ rpcUrl: node.url, deployment }),
      startLocalIndexer({ rpcUrl: node.url, deployment: { ...deployment, startBlock: 0 }, schema: "medchain_reindex" }),
    ]);
    await indexer.waitForBlock(latestBlock);
  });

  after(async function () {
    await Promise.all([indexer?.stop(), reindexer?.stop()]);
    provider?.destroy();
    await node?.stop();
    if (deploymentFolder !== undefined) await rm(deploymentFolder, { recursive: true, force: true });
  });

  it("reports the chain and the latest block indexed", async function () {
    const { status, body } = await getJson(indexer, "/api/v1/status");
    expect(status).to.equal(200);
    expect(body).to.deep.equal({ chainId: Number(node.chainId), block: latestBlock });
  });

  it("serves a patient as the PatientRegistry holds it", async function () {
    const onChain = await client.patients.get(story.patientId);
    const { status, body } = await getJson(indexer, `/api/v1/patients/${story.patientId}`);
    expect(status).to.equal(200);
    expect(body.patient).to.deep.include({
      patientId: story.patientId.toString(),
      account: onChain.account,
      status: Number(onChain.status),
      registeredAt: Number(onChain.registeredAt),
    });
  });

  it("serves each grant slot's current state and the history of grants and revocations", async function () {
    const { body } = await getJson(indexer, `/api/v1/patients/${story.patientId}/grants`);
    expect(body.grants).to.have.length(2);
    for (const grant of body.grants) {
      const onChain = await client.consent.grantOf(story.patientId, BigInt(grant.grantee));
      expect(grant.patientId).to.equal(story.patientId.toString());
      expect(grant.categories).to.equal(Number(onChain.categories));
      expect(grant.purposes).to.equal(Number(onChain.purposes));
      expect(grant.notBefore).to.equal(Number(onChain.notBefore));
      expect(grant.expiresAt).to.equal(Number(onChain.expiresAt));
      expect(grant.revoked).to.equal(onChain.revokedAt !== 0n);
      expect(grant.requesterClass).to.equal(null);
      expect(grant.txHash).to.match(/^0x[0-9a-f]{64}$/);
    }
    const harbour = body.grants.find((g: { grantee: number }) => g.grantee === Number(STORY_MEMBERS.harbour));
    expect(harbour.revoked).to.equal(true);
    expect(harbour.revokedBy).to.equal(getAddress(harbour.revokedBy));

    const history = (await getJson(indexer, `/api/v1/patients/${story.patientId}/grant-history`)).body.events;
    const fromChain = (await client.consent.history(story.patientId)).filter(
      (entry) => entry.kind === "granted" || entry.kind === "revoked",
    );
    expect(history.map((e: { kind: string }) => e.kind)).to.deep.equal(fromChain.map((e) => e.kind).reverse());
    expect(history.map((e: { txHash: string }) => e.txHash)).to.deep.equal(
      fromChain.map((e) => e.transactionHash).reverse(),
    );
    expect(history[0]).to.deep.include({ kind: "revoked", categories: null, grantee: Number(STORY_MEMBERS.harbour) });
  });

  it("serves a third-party grant with its terms, and the terms step in the history", async function () {
    const { body } = await getJson(indexer, `/api/v1/patients/${extras.patientId}/grants`);
    const university = body.grants.find((g: { grantee: number }) => g.grantee === 4);
    const terms = await client.consent.thirdPartyTerms(extras.patientId, 4n);
    expect(university).to.deep.include({
      requesterClass: Number(terms.requesterClass),
      optIns: Number(terms.optIns),
      grantedBy: extras.newAccount,
      revoked: false,
    });
    expect(university.optIns).to.equal(ExplicitOptIn.IdentifiableData);
    const insurer = body.grants.find((g: { grantee: number }) => g.grantee === Number(STORY_MEMBERS.insurer));
    expect(insurer).to.deep.include({ requesterClass: null, optIns: null, grantedBy: extras.patientAccount });
    const history = (await getJson(indexer, `/api/v1/patients/${extras.patientId}/grant-history`)).body.events;
    expect(history.slice(0, 2).map((e: { kind: string }) => e.kind)).to.deep.equal(["terms", "granted"]);
    expect(history[0]).to.deep.include({
      grantee: 4,
      by: extras.newAccount,
      requesterClass: RequesterClass.Academic,
      categories: null,
    });
  });

  it("serves the access log newest first, break-glass accesses flagged, as the chain logged them", async function () {
    for (const patientId of [story.patientId, story.unconsciousPatientId]) {
      const { body } = await getJson(indexer, `/api/v1/patients/${patientId}/access-log`);
      const fromChain = await client.consent.accessLog({ patientId });
      expect(body.accesses).to.have.length(fromChain.length);
      expect(body.accesses).to.deep.equal(
        fromChain.reverse().map((entry) => ({
          memberId: Number(entry.memberId),
          operator: entry.operator,
          category: Number(entry.category),
          purpose: Number(entry.purpose),
          recordRef: entry.recordRef,
          underBreakGlass: entry.underBreakGlass,
          timestamp: Number(entry.timestamp),
          blockNumber: entry.blockNumber,
          txHash: entry.transactionHash,
          logIndex: entry.index,
        })),
      );
    }
    const emergency = await getJson(indexer, `/api/v1/patients/${story.unconsciousPatientId}/access-log?limit=1`);
    expect(emergency.body.accesses).to.have.length(1);
    expect(emergency.body.accesses[0].underBreakGlass).to.equal(true);
  });

  it("serves break-glass sessions, open and closed", async function () {
    const open = (await getJson(indexer, `/api/v1/patients/${story.unconsciousPatientId}/break-glass`)).body;
    expect(open.sessions).to.have.length(1);
    expect(open.sessions[0]).to.deep.include({ memberId: 2, reason: EmergencyReason.Unconscious, closedAt: null });
    const closed = (await getJson(indexer, `/api/v1/patients/${extras.patientId}/break-glass`)).body;
    expect(closed.sessions).to.have.length(1);
    const onChain = await client.contracts.consentRegistry.getBreakGlass(extras.patientId, STORY_MEMBERS.harbour);
    expect(closed.sessions[0]).to.deep.include({
      clinician: onChain.openedBy,
      reason: EmergencyReason.LifeThreatening,
      closedBy: onChain.openedBy,
    });
    expect(closed.sessions[0].closedAt).to.be.a("number").and.at.least(closed.sessions[0].openedAt);
  });

  it("follows a patient's account rotation", async function () {
    const { body } = await getJson(indexer, `/api/v1/patients/${extras.patientId}`);
    expect(body.patient.account).to.equal(extras.newAccount);
    expect(body.patient.account).to.equal((await client.patients.get(extras.patientId)).account);
  });

  it("serves the research opt-out and its history", async function () {
    const { body } = await getJson(indexer, `/api/v1/patients/${extras.patientId}/opt-out`);
    const onChain = await client.research.optOutOf(extras.patientId);
    expect(body.optOut).to.deep.equal({
      wholly: onChain.wholly,
      categories: Number(onChain.categories),
      permissions: Number(onChain.permissions),
      changedBy: extras.patientAccount,
      timestamp: Number(onChain.updatedAt),
    });
    expect(body.history.map((h: { wholly: boolean }) => h.wholly)).to.deep.equal([true, false]);
    const none = (await getJson(indexer, `/api/v1/patients/${story.patientId}/opt-out`)).body;
    expect(none).to.deep.equal({ optOut: null, history: [] });
  });

  it("serves claims with their timelines, by patient and by filter", async function () {
    const { body } = await getJson(indexer, `/api/v1/claims/${story.claimId}`);
    const onChain = await client.claims.get(story.claimId);
    expect(body.claim).to.deep.include({
      claimId: story.claimId,
      patientId: story.patientId.toString(),
      insurer: Number(onChain.insurer),
      provider: Number(onChain.provider),
      claimedAmount: onChain.claimedAmount.toString(),
      approvedAmount: onChain.approvedAmount.toString(),
      status: Number(onChain.status),
      reason: Number(onChain.reason),
      submittedAt: Number(onChain.submittedAt),
      authorizedBySignature: onChain.authorizedBySignature,
    });
    const timeline = await client.claims.timeline(story.claimId);
    expect(body.timeline.map((t: { status: number }) => t.status)).to.deep.equal(
      timeline.entries.map((entry) => Number(entry.status)).reverse(),
    );
    expect(body.timeline[1].approvedAmount).to.equal("3800000");
    expect(body.attachments).to.deep.equal(body.claim.attachments);
    expect(body.attachments).to.have.length(1);

    const denied = (await getJson(indexer, `/api/v1/claims/${extras.deniedClaimId}`)).body;
    expect(denied.claim).to.deep.include({ status: 6, reason: ClaimReason.NotCovered });
    expect(denied.timeline.map((t: { status: number }) => t.status)).to.deep.equal([6, 2, 3, 2, 1]);
    expect(denied.timeline[2].reason).to.equal(ClaimReason.ItemisedReceiptNeeded);
    expect(denied.attachments).to.deep.equal([extras.invoiceHash, extras.receiptHash]);
    expect(denied.claim.attachments).to.deep.equal(denied.attachments);

    const byInsurer = (await getJson(indexer, `/api/v1/claims?insurer=${STORY_MEMBERS.insurer}`)).body.claims;
    expect(byInsurer.map((c: { claimId: string }) => c.claimId)).to.deep.equal([extras.deniedClaimId, story.claimId]);
    const deniedOnly = (await getJson(indexer, `/api/v1/claims?insurer=3&status=6&provider=1`)).body.claims;
    expect(deniedOnly.map((c: { claimId: string }) => c.claimId)).to.deep.equal([extras.deniedClaimId]);
    expect((await getJson(indexer, `/api/v1/claims?provider=2`)).body.claims).to.deep.equal([]);
    const ofPatient = (await getJson(indexer, `/api/v1/patients/${story.patientId}/claims`)).body.claims;
    expect(ofPatient.map((c: { claimId: string }) => c.claimId)).to.deep.equal([story.claimId]);
  });

  it("serves records (superseded, retracted) and batches as the RecordRegistry holds them", async function () {
    const amended = (await getJson(indexer, `/api/v1/records/${extras.amendedHash}`)).body.record;
    expect(amended.supersededBy).to.equal(extras.amendmentHash);
    expect(amended.retracted).to.equal(null);
    const amendment = (await getJson(indexer, `/api/v1/records/${extras.amendmentHash}`)).body.record;
    const verification = await client.records.verify(extras.amendmentHash);
    expect(amendment.retracted).to.deep.equal({
      reason: RetractionReason.WrongPatient,
      at: Number(verification.statusChangedAt),
    });
    expect(amendment.anchoredAt).to.equal(Number(verification.anchoredAt));
    expect(amendment.category).to.equal(Number(verification.category));

    const batch = (await getJson(indexer, `/api/v1/batches/${story.batchRoot}`)).body.batch;
    const onChain = await client.records.batch(story.batchRoot);
    expect(batch).to.deep.include({
      root: story.batchRoot,
      custodian: Number(onChain.custodian),
      leafCount: Number(onChain.leafCount),
      anchoredAt: Number(onChain.anchoredAt),
      retracted: null,
    });
  });

  it("serves studies with their status history and datasets, access and destruction", async function () {
    const list = (await getJson(indexer, "/api/v1/studies")).body.studies;
    expect(list.map((study: { studyId: string }) => study.studyId)).to.deep.equal([extras.studyId.toString()]);
    const { status, body } = await getJson(indexer, `/api/v1/studies/${extras.studyId}`);
    expect(status).to.equal(200);
    const onChain = await client.research.study(extras.studyId);
    expect(body.study).to.deep.include({
      studyId: extras.studyId.toString(),
      status: Number(onChain.status),
      purpose: Number(onChain.purpose),
      requesterClass: Number(onChain.requesterClass),
      termEnd: Number(onChain.termEnd),
    });
    expect(body.study.status).to.equal(StudyStatus.Closed);
    expect(body.history.map((h: { status: number }) => h.status)).to.deep.equal([
      StudyStatus.Closed,
      StudyStatus.Suspended,
      StudyStatus.Approved,
    ]);
    const [dataset] = body.study.datasets;
    const datasetOnChain = await client.research.dataset(extras.datasetId);
    expect(dataset).to.deep.include({
      datasetId: extras.datasetId.toString(),
      studyId: extras.studyId.toString(),
      cohortRoot: datasetOnChain.cohortRoot,
      cohortSize: Number(datasetOnChain.cohortSize),
    });
    expect(dataset.destruction.at).to.equal(Number(datasetOnChain.destroyedAt));
    expect(dataset.access).to.have.length(1);
    expect(dataset.access[0]).to.deep.include({ researcher: extras.analyst, revoked: true });
    expect(body.datasetEvents.map((e: { kind: string }) => e.kind)).to.deep.equal([
      "destroyed",
      "access-revoked",
      "accessed",
      "access-granted",
    ]);
    expect(list[0]).to.deep.equal(body.study);
  });

  it("answers every route the web app reads in the shapes the web app checks (web/src/indexer.ts)", async function () {
    const patient = `/api/v1/patients/${story.patientId}`;
    const read = async (route: string): Promise<unknown> => (await getJson(indexer, route)).body;
    expect(checkStatus(await read("/api/v1/status")).block).to.be.at.least(latestBlock);
    expect(checkGrants(await read(`${patient}/grants`))).to.not.be.empty;
    expect(checkGrantHistory(await read(`${patient}/grant-history`))).to.not.be.empty;
    expect(checkAccessLog(await read(`${patient}/access-log?limit=50`))).to.not.be.empty;
    checkBreakGlass(await read(`${patient}/break-glass`));
    checkOptOut(await read(`${patient}/opt-out`));
    expect(checkClaims(await read(`${patient}/claims`))).to.not.be.empty;
    const queue = checkClaims(await read(`/api/v1/claims?insurer=${STORY_MEMBERS.insurer}`));
    expect(queue.map((claim) => claim.claimId)).to.include(story.claimId);
    const detail = checkClaimDetail(await read(`/api/v1/claims/${story.claimId}`));
    expect(detail.timeline.map((step) => step.status)).to.include(ClaimStatus.Paid);
  });

  it("keeps Ponder's GraphQL endpoint", async function () {
    const response = await fetch(`${indexer.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ patientss { items { patientId } } }" }),
    });
    expect(response.status).to.equal(200);
    const patients = ((await response.json()) as { data: { patientss: { items: unknown[] } } }).data.patientss.items;
    expect(patients).to.have.length(3);
  });

  it("refuses malformed parameters with 400 and unknown ids with 404, with stable codes and CORS", async function () {
    const cases: [string, number, string][] = [
      ["/api/v1/patients/abc", 400, "INVALID_PATIENT_ID"],
      ["/api/v1/patients/18446744073709551616", 400, "INVALID_PATIENT_ID"],
      ["/api/v1/patients/99", 404, "PATIENT_NOT_FOUND"],
      ["/api/v1/patients/99/grants", 404, "PATIENT_NOT_FOUND"],
      [`/api/v1/patients/${story.patientId}/access-log?limit=0`, 400, "INVALID_LIMIT"],
      ["/api/v1/claims?insurer=-1", 400, "INVALID_INSURER"],
      ["/api/v1/claims?status=9", 400, "INVALID_STATUS"],
      ["/api/v1/claims/0x1234", 400, "INVALID_CLAIM_ID"],
      [`/api/v1/claims/${keccak256("0x01")}`, 404, "CLAIM_NOT_FOUND"],
      [`/api/v1/records/${keccak256("0x02")}`, 404, "RECORD_NOT_FOUND"],
      [`/api/v1/batches/${keccak256("0x03")}`, 404, "BATCH_NOT_FOUND"],
      ["/api/v1/studies/x", 400, "INVALID_STUDY_ID"],
      ["/api/v1/studies/77", 404, "STUDY_NOT_FOUND"],
      ["/api/v1/nothing", 404, "NOT_FOUND"],
    ];
    for (const [route, status, code] of cases) {
      const response = await fetch(`${indexer.url}${route}`, { headers: { origin: "http://localhost:5173" } });
      expect(response.status, route).to.equal(status);
      expect(response.headers.get("access-control-allow-origin"), route).to.equal("*");
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code, route).to.equal(code);
      expect(body.error.message, route).to.be.a("string").and.not.equal("");
    }
  });

  it("reindexing from block 0 into a fresh database reproduces every table exactly", async function () {
    expect(deployment.startBlock).to.be.greaterThan(0);
    const first = await dumpTables(indexer);
    for (const table of TABLES) expect(first[table], table).to.not.be.empty;
    await reindexer.waitForBlock(latestBlock);
    const second = await dumpTables(reindexer);
    for (const table of TABLES) expect(second[table], table).to.deep.equal(first[table]);
  });
});

const ANY_ADDRESS = "0x0000000000000000000000000000000000000001";
/** A deployment whose MemberRegistry address is malformed: `indexer/ponder.config.ts` refuses it. */
const BROKEN_DEPLOYMENT: MedchainDeployment = {
  chainId: 20260n,
  authority: ANY_ADDRESS,
  memberRegistry: "0x1234",
  patientRegistry: ANY_ADDRESS,
  researchOptOutRegistry: ANY_ADDRESS,
  consentRegistry: ANY_ADDRESS,
  recordRegistry: ANY_ADDRESS,
  claimRegistry: ANY_ADDRESS,
  studyRegistry: ANY_ADDRESS,
};

describe("startLocalIndexer", function () {
  this.timeout(120_000);

  it("refuses a port something already listens on, instead of mistaking that server for the indexer", async function () {
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      const error = await startLocalIndexer({
        rpcUrl: "http://127.0.0.1:9",
        deployment: BROKEN_DEPLOYMENT,
        port,
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LocalIndexerError);
      expect((error as Error).message).to.contain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      server.close();
    }
  });

  it("fails with a LocalIndexerError carrying the indexer's own explanation when its configuration is wrong", async function () {
    const error = await startLocalIndexer({ rpcUrl: "http://127.0.0.1:9", deployment: BROKEN_DEPLOYMENT }).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(LocalIndexerError);
    expect((error as LocalIndexerError).message).to.match(/exited with code \d+ before it was ready/);
    expect((error as LocalIndexerError).output.join("\n")).to.contain("lacks a valid address for memberRegistry");
  });
});

/** The steps the SDK story lacks, by a third patient who acts herself (zero-fee chain: her wallet needs no ether). */
async function runExtras(
  deployment: MedchainDeployment,
  accounts: ReturnType<typeof developmentStoryAccounts>,
): Promise<Extras> {
  const provider = accounts.stMarysRegistrar.provider!;
  const registrar = await MedchainClient.connect(accounts.stMarysRegistrar, deployment);
  const steward = registrar.connectAs(accounts.stMarysSteward);
  const harbourClinician = registrar.connectAs(accounts.harbourClinician);
  const insurerOfficer = registrar.connectAs(accounts.insurerOfficer);
  const wallet = Wallet.createRandom(provider);
  const patient = registrar.connectAs(wallet);
  const { patientId } = await (
    await registrar.patients.register(
      wallet.address,
      identityCommitment({
        documentType: IdentityDocumentType.TaiwanNationalId,
        documentNumber: "B223456782",
        pepper: keccak256(toUtf8Bytes("indexer test pepper - not a secret")),
      }),
    )
  ).wait();

  // Research: opt out of two categories, then wholly.
  await (await patient.research.optOut(patientId, { categories: categoryMask(RecordCategory.LabResult) })).wait();
  await (await patient.research.optOut(patientId)).wait();

  // Break-glass opened and closed by Harbour.
  await (await harbourClinician.consent.openBreakGlass(patientId, EmergencyReason.LifeThreatening)).wait();
  await (await harbourClinician.consent.closeBreakGlass(patientId, STORY_MEMBERS.harbour)).wait();

  // A record anchored, amended, and the amendment retracted.
  const anchor = (id: string): RecordAnchor => ({
    contentHash: fhirContentHash({ resourceType: "Observation", id, status: "final" }),
    category: RecordCategory.LabResult,
    subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
  });
  const original = anchor("indexer-original");
  const amendment = anchor("indexer-amendment");
  await (await steward.records.anchor(original)).wait();
  await (await steward.records.amend(original.contentHash, amendment)).wait();
  await (await steward.records.retract(amendment.contentHash, RetractionReason.WrongPatient)).wait();

  // A claim the insurer denies, under the patient's own grant to it.
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  await (
    await patient.consent.grant(
      grantRequest({
        patientId,
        grantee: STORY_MEMBERS.insurer,
        categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary),
        purposes: purposeMask(Purpose.InsuranceClaim),
        now,
        durationSeconds: 30n * 86_400n,
      }),
    )
  ).wait();
  const invoice = anchor("indexer-invoice");
  const invoiceAnchor = { ...invoice, category: RecordCategory.DischargeSummary };
  await (await steward.records.anchor(invoiceAnchor)).wait();
  const { claimId } = await (
    await steward.claims.submit(
      claimSubmission({
        patientId,
        insurer: STORY_MEMBERS.insurer,
        claim: { resourceType: "Claim", id: "claim-indexer", status: "active", use: "claim" },
        claimedAmount: 120_000n,
        currency: ISO_4217.TWD,
        serviceStart: now - 86_400n,
        serviceEnd: now - 3_600n,
        attachments: [invoiceAnchor.contentHash],
        now,
      }),
    )
  ).wait();
  await (await insurerOfficer.claims.decide(claimId, { kind: "startReview" })).wait();
  await (
    await insurerOfficer.claims.decide(claimId, {
      kind: "requestInformation",
      reason: ClaimReason.ItemisedReceiptNeeded,
    })
  ).wait();
  const receipt = { ...anchor("indexer-receipt"), category: RecordCategory.ClaimDocument };
  await (await steward.records.anchor(receipt)).wait();
  await (await steward.claims.answer(claimId, [receipt.contentHash])).wait();
  await (await insurerOfficer.claims.decide(claimId, { kind: "deny", reason: ClaimReason.NotCovered })).wait();

  // A delegate appointed and revoked; then the patient moves to a new key.
  const delegate = Wallet.createRandom().address;
  await (await patient.patients.appointDelegate(patientId, delegate, DelegateScope.Research, now + 86_400n)).wait();
  await (await patient.patients.revokeDelegate(patientId, delegate)).wait();
  const newWallet = Wallet.createRandom(provider);
  await (await patient.patients.rotateAccount(newWallet.address)).wait();

  // Research: the membership council admits a university; it registers a study that oversight approves; St
  // Mary's publishes a dataset; an analyst is given access, reads, loses access; the study closes and the copy
  // is destroyed.
  const mnemonic = Mnemonic.fromPhrase(DEVELOPMENT_MNEMONIC);
  const signer = (index: number) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`).connect(provider);
  const council = registrar.connectAs(signer(2)); // ignition/parameters/localhost.json: membershipCouncil
  const oversight = registrar.connectAs(signer(11)); // Studies.oversight
  const [universityAdmin, analyst] = [signer(12), signer(13)];
  const memberRegistry = council.contracts.memberRegistry;
  await (await memberRegistry.addMember(MemberKind.ResearchInstitute, keccak256(toUtf8Bytes("university")))).wait();
  const universityId = 4n;
  await (await memberRegistry.updateMemberMetadata(universityId, keccak256(toUtf8Bytes("university v2")))).wait();
  const guardian = registrar.connectAs(signer(3)); // Governance.guardian: suspends members, removes operators
  await (await guardian.contracts.memberRegistry.suspendMember(universityId, 7)).wait();
  await (await memberRegistry.reinstateMember(universityId)).wait();
  await (
    await council.members.addOperator(universityAdmin.address, universityId, [Duty.OrgAdmin, Duty.Researcher])
  ).wait();
  await (await council.members.addOperator(analyst.address, universityId, [Duty.Researcher])).wait();
  const university = registrar.connectAs(universityAdmin);
  const studyNow = BigInt((await provider.getBlock("latest"))!.timestamp);
  const { studyId } = await (
    await university.research.registerStudy(
      studyRegistration({
        protocolHash: keccak256(toUtf8Bytes("protocol")),
        ethicsApprovalHash: keccak256(toUtf8Bytes("irb")),
        ethicsApprovalExpiresAt: studyNow + 400n * 86_400n,
        purpose: Purpose.BiomedicalResearch,
        requesterClass: RequesterClass.Academic,
        dataUse: [DataUse.HMB, DataUse.IRB, DataUse.NPU],
        categories: categoryMask(RecordCategory.LabResult),
        termStart: studyNow,
        termEnd: studyNow + 30n * 86_400n,
        minimumK: 5,
        now: studyNow,
      }),
    )
  ).wait();
  await (await oversight.research.approveStudy(studyId)).wait();
  // The patient (under her new key) gives the university a third-party grant, with identifiable data.
  await (
    await registrar.connectAs(newWallet).consent.grantThirdParty(
      thirdPartyGrantRequest({
        grant: {
          patientId,
          grantee: universityId,
          categories: categoryMask(RecordCategory.LabResult),
          purposes: purposeMask(Purpose.BiomedicalResearch),
          now: studyNow,
          durationSeconds: 60n * 86_400n,
        },
        granteeKind: MemberKind.ResearchInstitute,
        requesterClass: RequesterClass.Academic,
        optIns: [ExplicitOptIn.IdentifiableData],
      }),
    )
  ).wait();
  const { datasetId } = await (
    await steward.research.publishDataset(
      datasetManifest({
        studyId,
        cohortRoot: keccak256(toUtf8Bytes("cohort")),
        cohortSize: 40,
        method: DeidentificationMethod.DifferentialPrivacy,
        epsilonMillis: 1_000,
        methodDocumentHash: keccak256(toUtf8Bytes("dp method")),
        optOutStateBlock: BigInt(await provider.getBlockNumber()),
        manifestHash: keccak256(toUtf8Bytes("release")),
      }),
    )
  ).wait();
  await (await university.research.grantDatasetAccess(datasetId, analyst.address)).wait();
  await (await registrar.connectAs(analyst).research.logDatasetAccess(datasetId, keccak256(toUtf8Bytes("q1")))).wait();
  await (await university.research.revokeDatasetAccess(datasetId, analyst.address)).wait();
  await (await oversight.research.suspendStudy(studyId, 12)).wait();
  await (await oversight.research.closeStudy(studyId, 1)).wait();
  await (await university.research.attestDestruction(datasetId, keccak256(toUtf8Bytes("certificate")))).wait();
  await (await guardian.members.removeOperator(analyst.address)).wait();

  return {
    studyId,
    datasetId,
    analyst: analyst.address,
    patientId,
    patientAccount: wallet.address,
    newAccount: newWallet.address,
    amendedHash: original.contentHash,
    amendmentHash: amendment.contentHash,
    deniedClaimId: claimId,
    invoiceHash: invoiceAnchor.contentHash,
    receiptHash: receipt.contentHash,
  };
}
