/**
 * The whole local stack, for trying medchain and for the browser tests: a rehearsal JSON-RPC node (chain 20260,
 * zero gas), the system deployed to it with Ignition from `ignition/parameters/localhost.json`, demo data
 * seeded through the SDK (a registered patient with grants, accesses incl. a closed break-glass, anchored
 * records with a proof bundle on disk, a submitted claim), St Mary's relayer, the indexer, and a gateway
 * serving the web app and its `config.json` at one origin. DEMO ONLY: every key is derived from Hardhat's
 * public development mnemonic.
 */
import { spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { HDNodeWallet, keccak256, Mnemonic, toUtf8Bytes, type Wallet } from "ethers";
import type { NetworkManager } from "hardhat/types/network";

import { createRelayerServer } from "../../relayer/relayer.js";
import {
  buildRecordBatch,
  categoryMask,
  claimSubmission,
  ConsortiumProvider,
  deploymentToJson,
  EmergencyReason,
  fhirContentHash,
  grantRequest,
  IdentityDocumentType,
  identityCommitment,
  ISO_4217,
  MedchainClient,
  newRecordSalt,
  Purpose,
  purposeMask,
  RecordCategory,
  subjectCommitment,
  type FhirResource,
  type MedchainDeployment,
  type RecordProofBundle,
} from "../../sdk/index.js";
import { loadDeployment } from "../../sdk/node.js";
import type { WebConfig } from "../../web/src/config.js";
import { deployToLocalNode } from "./deploy.js";
import { startGateway, type Gateway } from "./gateway.js";
import { startLocalIndexer, type LocalIndexer } from "./local-indexer.js";
import { startLocalNode, type LocalNode } from "./local-node.js";
import { DEVELOPMENT_MNEMONIC, STORY_ACCOUNT_INDICES, STORY_MEMBERS } from "./sdk-story.js";

const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..");

/** The web app could not be built; `output` is the tail of Vite's output. */
export class WebBuildError extends Error {
  readonly exitCode: number | null;
  readonly output: string;

  constructor(exitCode: number | null, output: string) {
    super(`building the web app failed (exit ${exitCode}):\n${output}`);
    this.name = "WebBuildError";
    this.exitCode = exitCode;
    this.output = output;
  }
}

/** Builds the web app (`web/` → `web/dist`) with the project's Vite, as `npm run build:web` does. */
export async function buildWebApp(): Promise<string> {
  const vite = path.join(PROJECT_ROOT, "node_modules", "vite", "bin", "vite.js");
  const child = spawn(process.execPath, [vite, "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (exitCode !== 0) throw new WebBuildError(exitCode, output);
  return path.join(PROJECT_ROOT, "web", "dist");
}

/** The stack's demo people, as indices of {@link DEVELOPMENT_MNEMONIC} (see `ignition/parameters/localhost.json`). */
export const STACK_ACCOUNT_INDICES = {
  /** The patient persona: a registered patient's own key (never holds gas; signs in the browser). */
  patient: 12,
  /** St Mary's Hospital (member 1): Registrar and Clinician — the registrar of the seed and a care-team persona. */
  stMarysClinician: STORY_ACCOUNT_INDICES.stMarysRegistrar,
  /** St Mary's Hospital: DataSteward and ClaimsOfficer — anchors and claims in the seed, and the relayer's key. */
  stMarysRelayer: STORY_ACCOUNT_INDICES.stMarysSteward,
  /** Harbour General Hospital (member 2): Clinician — the care-team persona of the browser tests. */
  harbourClinician: STORY_ACCOUNT_INDICES.harbourClinician,
  /** Mutual Health Insurer (member 3): ClaimsOfficer — the insurer persona. */
  insurerOfficer: STORY_ACCOUNT_INDICES.insurerOfficer,
} as const;

/** The members of `localhost.json` as the web app names them. */
export const STACK_MEMBERS: WebConfig["members"] = [
  { memberId: 1, kind: "Hospital", name: { en: "St Mary's Hospital", "zh-TW": "聖瑪莉醫院" } },
  { memberId: 2, kind: "Hospital", name: { en: "Harbour General Hospital", "zh-TW": "港區綜合醫院" } },
  { memberId: 3, kind: "Insurer", name: { en: "Mutual Health Insurance", "zh-TW": "互助健康保險" } },
];

const STACK_PEPPER = keccak256(toUtf8Bytes("medchain local stack pepper - not a secret"));

/** What the seed put on chain, for the caller (and the browser tests) to check against. */
export interface StackSeed {
  patientId: bigint;
  /** The claim St Mary's submitted for the patient, waiting in the insurer's queue. */
  claimId: string;
  /** A lab result (a FHIR Observation JSON file) anchored in a batch, and its proof bundle, on disk. */
  demoRecord: { file: string; proofBundleFile: string; contentHash: string; bundle: RecordProofBundle };
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Gateway port on 127.0.0.1; a free one by default. */
  port?: number;
  /** Where the demo files and the indexer's database go. Default: `.stack/` in the project (git-ignored). */
  outputDirectory?: string;
  /** The built web app. Default `web/dist` (build it first: `npm run build:web`). */
  webDirectory?: string;
  /** Narrative of the start-up. */
  log?: (line: string) => void;
}

/** A running stack; `stop()` stops every part it started, in reverse order. */
export interface Stack {
  /** The gateway: open this in a browser. */
  url: string;
  node: LocalNode;
  deployment: MedchainDeployment;
  relayerUrl: string;
  indexer: LocalIndexer;
  gateway: Gateway;
  config: WebConfig;
  seed: StackSeed;
  stop(): Promise<void>;
}

function developmentWallet(index: number, provider: ConsortiumProvider): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEVELOPMENT_MNEMONIC), `m/44'/60'/0'/0/${index}`).connect(
    provider,
  );
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Seeds the demo: the patient, her grants, accesses (one under a break-glass since closed), records, a claim. */
async function seed(
  deployment: MedchainDeployment,
  wallets: Record<keyof typeof STACK_ACCOUNT_INDICES, Wallet | HDNodeWallet>,
  demoDirectory: string,
  log: (line: string) => void,
): Promise<StackSeed> {
  const { stMarys, harbour, insurer } = STORY_MEMBERS;
  const stMarysClinician = await MedchainClient.connect(wallets.stMarysClinician, deployment);
  const steward = stMarysClinician.connectAs(wallets.stMarysRelayer);
  const harbourClinician = stMarysClinician.connectAs(wallets.harbourClinician);
  const patient = stMarysClinician.connectAs(wallets.patient);

  const { patientId } = await (
    await stMarysClinician.patients.register(
      wallets.patient.address,
      identityCommitment({
        documentType: IdentityDocumentType.TaiwanNationalId,
        documentNumber: "A123456789",
        pepper: STACK_PEPPER,
      }),
    )
  ).wait();
  log(`patient ${patientId} registered by St Mary's`);

  const now = BigInt((await wallets.patient.provider!.getBlock("latest"))!.timestamp);
  const grants = [
    grantRequest({
      patientId,
      grantee: stMarys,
      categories: categoryMask(
        RecordCategory.Outpatient,
        RecordCategory.Inpatient,
        RecordCategory.LabResult,
        RecordCategory.DischargeSummary,
      ),
      purposes: purposeMask(Purpose.Treatment),
      now,
      durationSeconds: 180n * 86_400n,
    }),
    grantRequest({
      patientId,
      grantee: insurer,
      categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary),
      purposes: purposeMask(Purpose.InsuranceClaim),
      now,
      durationSeconds: 365n * 86_400n,
    }),
  ];
  for (const request of grants)
    await (await steward.consent.relayGrant(await patient.consent.signGrant(request))).wait();
  log(`the patient's signed grants relayed: St Mary's (treatment), the insurer (insurance claims)`);

  const dischargeSummary: FhirResource = {
    resourceType: "Composition",
    id: "discharge-2026-1120",
    status: "final",
    type: { coding: [{ system: "http://loinc.org", code: "18842-5" }] },
    date: "2026-11-20T10:00:00+08:00",
  };
  const summaryHash = fhirContentHash(dischargeSummary);
  await (
    await steward.records.anchor({
      contentHash: summaryHash,
      category: RecordCategory.DischargeSummary,
      subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
    })
  ).wait();
  const labResults: FhirResource[] = Array.from({ length: 8 }, (_, i) => ({
    resourceType: "Observation",
    id: `glucose-${i}`,
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code: "2345-7", display: "Glucose" }] },
    valueQuantity: { value: 92 + i, unit: "mg/dL" },
    effectiveDateTime: `2026-11-${String(10 + i).padStart(2, "0")}T08:00:00+08:00`,
  }));
  const batch = await buildRecordBatch(
    labResults.map((resource) => ({
      contentHash: fhirContentHash(resource),
      category: RecordCategory.LabResult,
      subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
    })),
    { label: "St Mary's lab, 2026-11-18" },
  );
  await steward.records.anchorBatches([batch]);
  const demoResource = labResults[3]!;
  const contentHash = fhirContentHash(demoResource);
  const bundle = batch.proofBundle(contentHash, {
    registry: { chainId: deployment.chainId, address: deployment.recordRegistry },
  });
  await mkdir(demoDirectory, { recursive: true });
  const file = path.join(demoDirectory, "lab-result.json");
  const proofBundleFile = path.join(demoDirectory, "lab-result.proof.json");
  await writeFile(file, `${JSON.stringify(demoResource, null, 2)}\n`);
  await writeFile(proofBundleFile, `${JSON.stringify(bundle, null, 2)}\n`);
  log(`a discharge summary and ${labResults.length} lab results anchored; sample record and proof in ${demoDirectory}`);

  const recordRef = (label: string) => keccak256(toUtf8Bytes(`${newRecordSalt()}:${label}`));
  await (
    await stMarysClinician.consent.logAccess({
      patientId,
      category: RecordCategory.LabResult,
      purpose: Purpose.Treatment,
      recordRef: recordRef("glucose-3"),
    })
  ).wait();
  await (await harbourClinician.consent.openBreakGlass(patientId, EmergencyReason.Unconscious)).wait();
  await (
    await harbourClinician.consent.logAccess({
      patientId,
      category: RecordCategory.Allergy,
      purpose: Purpose.Treatment,
      recordRef: recordRef("allergies"),
    })
  ).wait();
  await (await harbourClinician.consent.closeBreakGlass(patientId, harbour)).wait();
  log(`accesses logged: St Mary's (lab result), Harbour under a break-glass since closed (allergies)`);

  const { claimId } = await (
    await steward.claims.submit(
      claimSubmission({
        patientId,
        insurer,
        claim: {
          resourceType: "Claim",
          id: "claim-2026-1120",
          status: "active",
          use: "claim",
          total: { value: 45600, currency: "TWD" },
        },
        claimedAmount: 4_560_000n,
        currency: ISO_4217.TWD,
        serviceStart: now - 5n * 86_400n,
        serviceEnd: now - 2n * 86_400n,
        attachments: [summaryHash],
        now,
      }),
    )
  ).wait();
  log(`St Mary's submitted claim ${claimId.slice(0, 10)}… to the insurer`);
  return { patientId, claimId, demoRecord: { file, proofBundleFile, contentHash, bundle } };
}

/** The web app's `config.json` for this stack: same-origin service paths, members, demo personas and keys. */
function webConfig(
  deployment: MedchainDeployment,
  wallets: Record<keyof typeof STACK_ACCOUNT_INDICES, Wallet | HDNodeWallet>,
  patientId: bigint,
): WebConfig {
  return {
    chainId: deployment.chainId.toString(),
    rpcUrl: "/rpc",
    relayerUrl: "/relayer",
    indexerUrl: "/indexer",
    deployment: deploymentToJson(deployment),
    members: STACK_MEMBERS,
    personas: [
      {
        key: "patient",
        role: "patient",
        name: { en: "Lin Mei-ling (patient)", "zh-TW": "林美玲（病人）" },
        privateKey: wallets.patient.privateKey,
        patientId: patientId.toString(),
      },
      {
        key: "harbour-clinician",
        role: "careTeam",
        name: { en: "Dr Chen, Harbour General", "zh-TW": "陳醫師（港區綜合醫院）" },
        privateKey: wallets.harbourClinician.privateKey,
        memberId: Number(STORY_MEMBERS.harbour),
      },
      {
        key: "st-marys-clinician",
        role: "careTeam",
        name: { en: "Dr Wang, St Mary's", "zh-TW": "王醫師（聖瑪莉醫院）" },
        privateKey: wallets.stMarysClinician.privateKey,
        memberId: Number(STORY_MEMBERS.stMarys),
      },
      {
        key: "insurer",
        role: "insurer",
        name: { en: "Claims officer, Mutual Health", "zh-TW": "理賠專員（互助健康保險）" },
        privateKey: wallets.insurerOfficer.privateKey,
        memberId: Number(STORY_MEMBERS.insurer),
      },
    ],
    demoKeys: true,
  };
}

/**
 * Starts node, deployment, seed, relayer, indexer and gateway. On any failure it stops what it had started
 * and rethrows. `networkManager` is Hardhat's `network` (the deployment goes through Ignition over HTTP).
 */
export async function startStack(networkManager: NetworkManager, options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const outputDirectory = path.resolve(options.outputDirectory ?? path.join(PROJECT_ROOT, ".stack"));
  const webDirectory = path.resolve(options.webDirectory ?? path.join(PROJECT_ROOT, "web", "dist"));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    await rm(outputDirectory, { recursive: true, force: true });
    const node = await startLocalNode();
    stops.push(() => node.stop());
    log(`JSON-RPC node ${node.url} (chain ${node.chainId})`);
    const deployment = await loadDeployment(await deployToLocalNode(networkManager, node));
    log(`medchain deployed from ignition/parameters/localhost.json`);

    const provider = new ConsortiumProvider(node.url, { pollingInterval: 100 });
    stops.push(async () => provider.destroy());
    const wallets = Object.fromEntries(
      Object.entries(STACK_ACCOUNT_INDICES).map(([name, index]) => [name, developmentWallet(index, provider)]),
    ) as Record<keyof typeof STACK_ACCOUNT_INDICES, HDNodeWallet>;
    const seeded = await seed(deployment, wallets, path.join(outputDirectory, "demo-records"), log);

    const relayerClient = await MedchainClient.connect(wallets.stMarysRelayer, deployment);
    const { server: relayerServer } = createRelayerServer({ client: relayerClient, log: () => {} });
    const relayerUrl = await listen(relayerServer);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          relayerServer.closeAllConnections();
          relayerServer.close(() => resolve());
        }),
    );
    log(`St Mary's relayer ${relayerUrl}`);

    const indexer = await startLocalIndexer({
      rpcUrl: node.url,
      deployment,
      databaseDirectory: path.join(outputDirectory, "indexer-db"),
    });
    stops.push(() => indexer.stop());
    await indexer.waitForBlock(await provider.getBlockNumber());
    log(`indexer ${indexer.url}, caught up with the chain`);

    const config = webConfig(deployment, wallets, seeded.patientId);
    const gateway = await startGateway({
      webDirectory,
      config,
      rpcUrl: node.url,
      relayerUrl,
      indexerUrl: indexer.url,
      demoDirectory: path.join(outputDirectory, "demo-records"),
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    stops.push(() => gateway.stop());
    log(`web app ${gateway.url}`);
    return {
      url: gateway.url,
      node,
      deployment,
      relayerUrl,
      indexer,
      gateway,
      config,
      seed: seeded,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
