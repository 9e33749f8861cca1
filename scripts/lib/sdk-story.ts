/**
 * The consortium's story told through the SDK only, as a hospital or insurer integrator writes it: no
 * Hardhat, no contract factories, just `MedchainClient` over JSON-RPC with each organisation's own key.
 * `docs/sdk.md` walks through this file; `scripts/sdk-story.ts` runs it against a node and
 * `test/integration-rpc.test.ts` runs it against a fresh `hardhat node` in CI.
 */
import { HDNodeWallet, keccak256, Mnemonic, toUtf8Bytes, Wallet, type Provider, type Signer } from "ethers";

import {
  buildRecordBatch,
  categoryMask,
  claimSubmission,
  EmergencyReason,
  fhirContentHash,
  grantRequest,
  identityCommitment,
  IdentityDocumentType,
  ISO_4217,
  MedchainClient,
  MedchainContractError,
  MedchainDutyError,
  newRecordSalt,
  Purpose,
  purposeMask,
  RecordCategory,
  subjectCommitment,
  verifyProofBundle,
  type FhirResource,
  type MedchainDeployment,
  type RecordAnchor,
} from "../../sdk/index.js";

/** The people of the story: each an operator account of the organisation named (see `ignition/parameters/localhost.json`). */
export interface StoryAccounts {
  /** St Mary's Hospital (member 1): Registrar and Clinician. */
  stMarysRegistrar: Signer;
  /** St Mary's Hospital: DataSteward and ClaimsOfficer. */
  stMarysSteward: Signer;
  /** Harbour General Hospital (member 2): Clinician and DataSteward. */
  harbourClinician: Signer;
  /** Mutual Health Insurer (member 3): ClaimsOfficer. */
  insurerOfficer: Signer;
}

/**
 * TEST ONLY: the public development mnemonic of Hardhat (and Anvil, Ganache) whose accounts
 * `ignition/parameters/localhost.json` names. Never use it on a real chain: anyone can derive its keys.
 */
export const DEVELOPMENT_MNEMONIC = "test test test test test test test test test test test junk";

/** The story's accounts as indices of {@link DEVELOPMENT_MNEMONIC} (as `ignition/parameters/localhost.json` assigns them). */
export const STORY_ACCOUNT_INDICES: Readonly<Record<keyof StoryAccounts, number>> = {
  stMarysRegistrar: 5,
  stMarysSteward: 6,
  harbourClinician: 8,
  insurerOfficer: 10,
};

/**
 * The story's signers: wallets of {@link DEVELOPMENT_MNEMONIC} (TEST ONLY), connected to `provider` (a
 * `ConsortiumProvider`, so they offer zero fees as on the consortium chain).
 */
export function developmentStoryAccounts(provider: Provider): StoryAccounts {
  const mnemonic = Mnemonic.fromPhrase(DEVELOPMENT_MNEMONIC);
  const wallet = (index: number) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`).connect(provider);
  return {
    stMarysRegistrar: wallet(STORY_ACCOUNT_INDICES.stMarysRegistrar),
    stMarysSteward: wallet(STORY_ACCOUNT_INDICES.stMarysSteward),
    harbourClinician: wallet(STORY_ACCOUNT_INDICES.harbourClinician),
    insurerOfficer: wallet(STORY_ACCOUNT_INDICES.insurerOfficer),
  };
}

/** What the story did, for the caller (and the integration test) to check. */
export interface StoryOutcome {
  patientId: bigint;
  unconsciousPatientId: bigint;
  batchRoot: string;
  batchRecords: number;
  claimId: string;
  claimStatuses: string[];
  consentHistory: string[];
  harbourAccesses: { patientId: bigint; underBreakGlass: boolean }[];
  refusedAfterRevocation: string;
  refusedWithoutDuty: string;
}

/** Member ids of the story's organisations (the order `ignition/parameters/localhost.json` admits them in). */
export const STORY_MEMBERS = { stMarys: 1n, harbour: 2n, insurer: 3n } as const;

/**
 * DEMO ONLY: a made-up identity pepper. A real consortium keeps its pepper in every registrar system's
 * secret store and never prints or commits it.
 */
const STORY_PEPPER = keccak256(toUtf8Bytes("medchain sdk story pepper - not a secret"));

/**
 * Runs the story against `deployment` with the organisations' signers (already connected to the node's
 * provider). `log` receives the narrative. Patients sign with fresh wallets that never hold gas.
 */
export async function runSdkStory(
  deployment: MedchainDeployment,
  accounts: StoryAccounts,
  log: (line: string) => void = console.log,
): Promise<StoryOutcome> {
  const provider = accounts.stMarysRegistrar.provider;
  if (provider === null) throw new Error("the story's signers must be connected to a provider");
  const { harbour, insurer } = STORY_MEMBERS;

  // 1. Each organisation connects with its own key; connect() refuses a node of another chain.
  const registrar = await MedchainClient.connect(accounts.stMarysRegistrar, deployment);
  const steward = registrar.connectAs(accounts.stMarysSteward);
  const harbourClinician = registrar.connectAs(accounts.harbourClinician);
  const insurerOfficer = registrar.connectAs(accounts.insurerOfficer);
  const patientWallet = Wallet.createRandom(provider);
  const patient = registrar.connectAs(patientWallet);
  log(`connected to chain ${deployment.chainId}; ${await registrar.members.count()} members`);

  // 2. St Mary's registrar registers the patient after checking her ID card off chain.
  const commitment = identityCommitment({
    documentType: IdentityDocumentType.TaiwanNationalId,
    documentNumber: "A123456789",
    pepper: STORY_PEPPER,
  });
  const registration = await registrar.patients.register(patientWallet.address, commitment);
  const { patientId } = await registration.wait();
  log(`patient ${patientId} registered (transaction ${registration.hash})`);

  // 3. The patient signs consent on her phone (no gas); St Mary's relays it.
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const toHarbour = grantRequest({
    patientId,
    grantee: harbour,
    categories: categoryMask(RecordCategory.LabResult, RecordCategory.DischargeSummary),
    purposes: purposeMask(Purpose.Treatment),
    now,
    durationSeconds: 30n * 86_400n,
  });
  const toInsurer = grantRequest({
    patientId,
    grantee: insurer,
    categories: categoryMask(RecordCategory.ClaimDocument, RecordCategory.DischargeSummary),
    purposes: purposeMask(Purpose.InsuranceClaim),
    now,
    durationSeconds: 90n * 86_400n,
  });
  await (await registrar.consent.relayGrant(await patient.consent.signGrant(toHarbour))).wait();
  await (await registrar.consent.relayGrant(await patient.consent.signGrant(toInsurer))).wait();
  log(`consent signed by the patient and relayed: Harbour (treatment), the insurer (insurance claims)`);

  // 4. St Mary's anchors a discharge summary on its own and a night's lab results as Merkle batches.
  const dischargeSummary: FhirResource = {
    resourceType: "Composition",
    id: "discharge-7731",
    status: "final",
    type: { coding: [{ system: "http://loinc.org", code: "18842-5" }] },
    date: "2026-11-20T10:00:00+08:00",
  };
  const summaryAnchor: RecordAnchor = {
    contentHash: fhirContentHash(dischargeSummary),
    category: RecordCategory.DischargeSummary,
    subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
  };
  await (await steward.records.anchor(summaryAnchor)).wait();
  const labResults: FhirResource[] = Array.from({ length: 120 }, (_, i) => ({
    resourceType: "Observation",
    id: `lab-${i}`,
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code: "2345-7" }] },
    valueQuantity: { value: 90 + (i % 40), unit: "mg/dL" },
  }));
  const labAnchors = labResults.map((resource) => ({
    contentHash: fhirContentHash(resource),
    category: RecordCategory.LabResult,
    subjectCommitment: subjectCommitment(patientId, newRecordSalt()),
  }));
  const batches = await Promise.all([
    buildRecordBatch(labAnchors.slice(0, 60), { label: "lab night 1" }),
    buildRecordBatch(labAnchors.slice(60), { label: "lab night 2" }),
  ]);
  const anchoring = await steward.records.anchorBatches(batches, {
    onProgress: (p) => log(`  anchored batch ${p.done}/${p.total} (${p.records} records)`),
  });
  const firstBatch = batches[0]!;
  log(`discharge summary anchored; ${anchoring.records} lab results anchored in ${batches.length} batches`);

  // 5. Harbour reads a lab result under consent: checks the proof offline and on chain, then logs the access.
  const bundle = firstBatch.proofBundle(labAnchors[7]!.contentHash, {
    registry: { chainId: deployment.chainId, address: deployment.recordRegistry },
  });
  const offline = verifyProofBundle(bundle, { resource: labResults[7]! });
  const onChain = await harbourClinician.records.verifyProofBundle(bundle);
  log(
    `Harbour checks lab result 7: offline ${offline.valid ? "valid" : "INVALID"}, on chain ${onChain.anchored ? "anchored" : "NOT anchored"}`,
  );
  await (
    await harbourClinician.consent.logAccess({
      patientId,
      category: RecordCategory.LabResult,
      purpose: Purpose.Treatment,
      recordRef: keccak256(toUtf8Bytes(`${newRecordSalt()}:lab-7`)),
    })
  ).wait();

  // 6. An unconscious patient arrives at Harbour: its clinician breaks the glass and logs the access.
  const unconscious = Wallet.createRandom();
  const { patientId: unconsciousPatientId } = await (
    await registrar.patients.register(
      unconscious.address,
      identityCommitment({
        documentType: IdentityDocumentType.TaiwanNationalId,
        documentNumber: "F131104093",
        pepper: STORY_PEPPER,
      }),
    )
  ).wait();
  const { endsAt } = await (
    await harbourClinician.consent.openBreakGlass(unconsciousPatientId, EmergencyReason.Unconscious)
  ).wait();
  await (
    await harbourClinician.consent.logAccess({
      patientId: unconsciousPatientId,
      category: RecordCategory.Allergy,
      purpose: Purpose.Treatment,
      recordRef: keccak256(toUtf8Bytes(`${newRecordSalt()}:allergies`)),
    })
  ).wait();
  log(
    `Harbour broke the glass for patient ${unconsciousPatientId} until ${new Date(Number(endsAt) * 1000).toISOString()}`,
  );

  // 7. The insurer may not anchor records: the SDK says so before anything is signed.
  let refusedWithoutDuty = "";
  try {
    await insurerOfficer.records.anchor(summaryAnchor);
  } catch (error) {
    if (!(error instanceof MedchainDutyError)) throw error;
    refusedWithoutDuty = error.shortMessage;
  }
  log(`the insurer tries to anchor a record: ${refusedWithoutDuty}`);

  // 8. St Mary's claims for the stay; the insurer reviews, approves in part and pays.
  const submission = claimSubmission({
    patientId,
    insurer,
    claim: {
      resourceType: "Claim",
      id: "claim-7731",
      status: "active",
      use: "claim",
      total: { value: 45600, currency: "TWD" },
    },
    claimedAmount: 4_560_000n,
    currency: ISO_4217.TWD,
    serviceStart: now - 5n * 86_400n,
    serviceEnd: now - 2n * 86_400n,
    attachments: [summaryAnchor.contentHash],
    now,
  });
  const { claimId } = await (await steward.claims.submit(submission)).wait();
  await (await insurerOfficer.claims.decide(claimId, { kind: "startReview" })).wait();
  await (await insurerOfficer.claims.decide(claimId, { kind: "approve", amount: 3_800_000n })).wait();
  await (
    await insurerOfficer.claims.pay(claimId, keccak256(toUtf8Bytes(`${newRecordSalt()}:transfer 2026-12-01`)))
  ).wait();
  const timeline = await insurerOfficer.claims.timeline(claimId);
  const claimStatuses = timeline.entries.map((entry) => entry.statusName);
  log(`claim ${claimId.slice(0, 10)}…: ${claimStatuses.join(" → ")}`);

  // 9. The patient revokes Harbour's access; Harbour's next access is refused by the chain.
  await (await registrar.consent.relayRevoke(await patient.consent.signRevoke({ patientId, grantee: harbour }))).wait();
  let refusedAfterRevocation = "";
  try {
    await harbourClinician.consent.logAccess({
      patientId,
      category: RecordCategory.LabResult,
      purpose: Purpose.Treatment,
      recordRef: keccak256(toUtf8Bytes(`${newRecordSalt()}:lab-8`)),
    });
  } catch (error) {
    if (!(error instanceof MedchainContractError)) throw error;
    refusedAfterRevocation = error.errorName;
  }
  log(`after revocation Harbour is refused: ${refusedAfterRevocation}`);

  // 10. Anyone reads the history back from events, page by page.
  const consentHistory = (await registrar.consent.history(patientId, { blockRange: 10 })).map((entry) => entry.kind);
  const harbourAccesses = (await registrar.consent.accessLog({ memberId: harbour }, { blockRange: 10 })).map(
    (entry) => ({ patientId: entry.patientId, underBreakGlass: entry.underBreakGlass }),
  );
  log(`consent history of patient ${patientId}: ${consentHistory.join(", ")}`);
  log(
    `Harbour's access log: ${harbourAccesses.map((a) => `patient ${a.patientId}${a.underBreakGlass ? " (break-glass)" : ""}`).join(", ")}`,
  );

  return {
    patientId,
    unconsciousPatientId,
    batchRoot: firstBatch.root,
    batchRecords: anchoring.records,
    claimId,
    claimStatuses,
    consentHistory,
    harbourAccesses,
    refusedAfterRevocation,
    refusedWithoutDuty,
  };
}
