import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { AbiCoder, getAddress, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { network } from "hardhat";

import {
  BATCH_MANIFEST_FORMAT,
  batchManifestHash,
  buildRecordBatch,
  documentContentHash,
  fhirContentHash,
  MAX_BATCH_LEAVES,
  MedchainDuplicateRecordError,
  MedchainInputError,
  parseProofBundle,
  RECORD_LEAF_ENCODING,
  RecordBatch,
  RecordBatchBuilder,
  RecordCategory,
  recordLeafHash,
  recordProofRoot,
  RecordStatus,
  subjectCommitment,
  verifyProofBundle,
  verifyProofBundleOnChain,
  type BatchProgress,
  type FhirResource,
  type RecordAnchor,
  type RecordLeafValue,
  type RecordProofBundle,
} from "../sdk/index.js";
import { buildConsortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const CATEGORY_COUNT = Object.keys(RecordCategory).length;
const hashOf = (tag: string, i: number) => keccak256(toUtf8Bytes(`${tag}:${i}`));
const saltOf = (i: number) => hashOf("salt", i);

/** Made-up anchors `from`..`from + n - 1`: distinct content hashes, every category, five patients. */
function anchors(n: number, from = 0): RecordAnchor[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      contentHash: hashOf("content", i),
      category: i % CATEGORY_COUNT,
      subjectCommitment: subjectCommitment(BigInt((i % 5) + 1), saltOf(i)),
    };
  });
}

/** Duplicate-free pseudo-random anchors from a seeded generator (mulberry32), so failures reproduce. */
function randomAnchors(n: number, seed: number): RecordAnchor[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const bytes32 = () => `0x${Array.from({ length: 8 }, () => next().toString(16).padStart(8, "0")).join("")}`;
  const seen = new Set<string>();
  const result: RecordAnchor[] = [];
  while (result.length < n) {
    const contentHash = bytes32();
    if (seen.has(contentHash)) continue;
    seen.add(contentHash);
    result.push({ contentHash, category: next() % CATEGORY_COUNT, subjectCommitment: bytes32() });
  }
  return result;
}

const valueOf = (anchor: RecordAnchor): RecordLeafValue => [
  anchor.contentHash,
  anchor.category,
  anchor.subjectCommitment,
];
const anchorOf = ([contentHash, category, subject]: RecordLeafValue): RecordAnchor => ({
  contentHash,
  category,
  subjectCommitment: subject,
});
const ozTree = (records: RecordAnchor[]) => StandardMerkleTree.of(records.map(valueOf), [...RECORD_LEAF_ENCODING]);

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

function expectInputError(error: unknown, message: RegExp): void {
  expect(error).to.be.instanceOf(MedchainInputError);
  expect((error as MedchainInputError).message).to.match(message);
}

async function* slowly<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

/** A glucose result for patient `patientId`, as the hospital's FHIR server holds it. */
const observation = (i: number, patientId: bigint): FhirResource => ({
  resourceType: "Observation",
  id: `obs-${i}`,
  status: "final",
  code: { coding: [{ system: "http://loinc.org", code: "2345-7" }] },
  subject: { reference: `Patient/${patientId}` },
  valueQuantity: { value: 5.4 + i / 10, unit: "mmol/L" },
});

/** What a hospital's record system keeps for each record of the batch. */
interface HeldRecord {
  resource?: FhirResource;
  document?: Uint8Array;
  patientId: bigint;
  salt: string;
  anchor: RecordAnchor;
}

function heldRecords(): HeldRecord[] {
  return Array.from({ length: 13 }, (_, i) => {
    const patientId = BigInt((i % 2) + 1);
    const salt = saltOf(100 + i);
    const resource = i % 4 === 3 ? undefined : observation(i, patientId);
    const document = resource === undefined ? toUtf8Bytes(`%PDF-1.7 discharge summary ${i}`) : undefined;
    const contentHash =
      resource === undefined ? documentContentHash(document as Uint8Array) : fhirContentHash(resource);
    const category = resource === undefined ? RecordCategory.DischargeSummary : RecordCategory.LabResult;
    return {
      ...(resource === undefined ? {} : { resource }),
      ...(document === undefined ? {} : { document }),
      patientId,
      salt,
      anchor: { contentHash, category, subjectCommitment: subjectCommitment(patientId, salt) },
    };
  });
}

/** A consortium whose hospital's data steward has anchored a batch of 13 records (FHIR and PDF). */
async function anchoredBatch() {
  const consortium = await buildConsortium(connection);
  const held = heldRecords();
  const batch = await buildRecordBatch(
    held.map((record) => record.anchor),
    { label: "lab results and discharge summaries, test ward", createdAt: "2026-11-20T00:00:00Z" },
  );
  await (
    await consortium.recordRegistry.connect(consortium.dataSteward).anchorBatch(...batch.anchorBatchArgs())
  ).wait();
  const registry = {
    chainId: (await ethers.provider.getNetwork()).chainId,
    address: await consortium.recordRegistry.getAddress(),
  };
  return { ...consortium, held, batch, registry };
}

describe("SDK record batches", function () {
  describe("leaves", function () {
    it("hashes a leaf as keccak256(keccak256(abi.encode(bytes32, uint8, bytes32))), like the contract", async function () {
      const { recordRegistry } = await networkHelpers.loadFixture(anchoredBatch);
      for (const anchor of anchors(5)) {
        const expected = keccak256(
          keccak256(
            AbiCoder.defaultAbiCoder().encode(
              [...RECORD_LEAF_ENCODING],
              [anchor.contentHash, anchor.category, anchor.subjectCommitment],
            ),
          ),
        );
        expect(recordLeafHash(anchor)).to.equal(expected);
        expect(await recordRegistry.batchLeaf(anchor)).to.equal(expected);
      }
      expect(await recordRegistry.MAX_BATCH_LEAVES()).to.equal(BigInt(MAX_BATCH_LEAVES));
    });

    it("accepts upper-case hex and hashes it like lower-case", function () {
      const [anchor] = anchors(1) as [RecordAnchor];
      const upper = { ...anchor, contentHash: `0x${anchor.contentHash.slice(2).toUpperCase()}` };
      expect(recordLeafHash(upper)).to.equal(recordLeafHash(anchor));
    });

    const [good] = anchors(1) as [RecordAnchor];
    for (const [title, anchor, field, message] of [
      ["a zero content hash", { ...good, contentHash: ZeroHash }, "contentHash", /a record needs a content hash; zero/],
      [
        "a zero subject commitment",
        { ...good, subjectCommitment: ZeroHash },
        "subjectCommitment",
        /needs a subject commitment; zero was given/,
      ],
      ["an unknown category", { ...good, category: CATEGORY_COUNT }, "category", /14 is not a record category/],
      ["a fractional category", { ...good, category: 1.5 }, "category", /1.5 is not a record category/],
      ["a bigint category", { ...good, category: 5n as unknown as number }, "category", /not the bigint 5n/],
      ["a short content hash", { ...good, contentHash: "0x1234" }, "contentHash", /must be 32 bytes of hex/],
      ["non-hex", { ...good, subjectCommitment: `0x${"zz".repeat(32)}` }, "subjectCommitment", /32 bytes of hex/],
    ] as const) {
      it(`refuses ${title} as the contract would, with a MedchainInputError`, function () {
        expect(() => recordLeafHash(anchor))
          .to.throw(MedchainInputError, message)
          .with.property("field", field);
      });
    }
  });

  describe("trees identical to OpenZeppelin's StandardMerkleTree", function () {
    const cases: Array<[string, RecordAnchor[]]> = [
      ...[1, 2, 3, 5, 8, 13, 100, 1000].map((n): [string, RecordAnchor[]] => [`${n} records`, anchors(n)]),
      ["37 random records", randomAnchors(37, 1)],
      ["256 random records", randomAnchors(256, 2)],
      ["513 random records", randomAnchors(513, 3)],
    ];
    for (const [title, records] of cases) {
      it(`gives the same root, tree, proofs and multiproofs for ${title}`, async function () {
        const tree = ozTree(records);
        const batch = await buildRecordBatch(records);
        expect(batch.root).to.equal(tree.root);
        expect(batch.leafCount).to.equal(records.length);
        expect(batch.toOpenZeppelinDump()).to.deep.equal(tree.dump());
        for (let i = 0; i < records.length; i++) {
          expect(batch.proof(i)).to.deep.equal(tree.getProof(i));
        }
        const n = records.length;
        const subsets = [[0], [n - 1, 0], [1, 2, 3, n - 1, Math.floor(n / 2)], [...Array(n).keys()]];
        if (n >= 13) subsets.push(Array.from({ length: 7 }, (_, k) => (k * 997 + 5) % n));
        for (const subset of subsets.map((positions) => [...new Set(positions.map((i) => i % n))])) {
          const expected = tree.getMultiProof(subset);
          const multiproof = batch.multiProof(subset);
          expect(multiproof.leaves.map(valueOf)).to.deep.equal(expected.leaves);
          expect(multiproof.proof).to.deep.equal(expected.proof);
          expect(multiproof.proofFlags).to.deep.equal(expected.proofFlags);
        }
      });
    }

    it("finds records by content hash and ignores input order", async function () {
      const records = anchors(21);
      const batch = await buildRecordBatch(records);
      const reversed = await buildRecordBatch([...records].reverse());
      expect(reversed.root).to.equal(batch.root);
      const target = records[17] as RecordAnchor;
      expect(batch.indexOf(target.contentHash)).to.equal(17);
      expect(batch.indexOf(hashOf("absent", 0))).to.equal(-1);
      expect(batch.record(target.contentHash)).to.deep.equal(target);
      expect(batch.proof(target.contentHash)).to.deep.equal(batch.proof(17));
      expect(recordProofRoot(batch.leafHash(17), batch.proof(17))).to.equal(batch.root);
      expect(() => batch.proof(hashOf("absent", 0))).to.throw(MedchainInputError, /is not in this batch/);
      expect(() => batch.proof(21)).to.throw(MedchainInputError, /position 21 is outside the batch \(0 to 20\)/);
      expect(() => batch.multiProof([3, target.contentHash, 17])).to.throw(MedchainInputError, /listed twice/);
      expect(() => batch.multiProof([])).to.throw(MedchainInputError, /at least one record/);
    });

    it("round-trips through OpenZeppelin's dump: StandardMerkleTree.load accepts ours, we accept theirs", async function () {
      const records = anchors(9);
      const batch = await buildRecordBatch(records, { label: "ward 7" });
      const loaded = StandardMerkleTree.load(batch.toOpenZeppelinDump());
      expect(loaded.root).to.equal(batch.root);
      expect(loaded.getProof(4)).to.deep.equal(batch.proof(4));
      const back = RecordBatch.fromOpenZeppelinDump(ozTree(records).dump(), { label: "ward 7" });
      expect(back.root).to.equal(batch.root);
      expect(back.manifestHash).to.equal(batch.manifestHash);

      const tampered = batch.toOpenZeppelinDump();
      tampered.tree[3] = hashOf("forged", 0);
      expect(() => StandardMerkleTree.load(tampered)).to.throw(/Merkle tree is invalid/);
      expect(() => RecordBatch.fromOpenZeppelinDump(tampered))
        .to.throw(MedchainInputError, /not the OpenZeppelin standard tree of its values/)
        .with.property("field", "tree");
    });
  });

  describe("streaming builder", function () {
    it("hashes records from an async generator and reports progress at a bounded rate", async function () {
      const records = anchors(35);
      const events: BatchProgress[] = [];
      const builder = new RecordBatchBuilder({ progressInterval: 10, onProgress: (event) => events.push(event) });
      expect(await builder.addAll(slowly(records))).to.equal(35);
      const batch = builder.build();
      expect(batch.root).to.equal(ozTree(records).root);
      const bundles = [...batch.proofBundles({ progressInterval: 10, onProgress: (event) => events.push(event) })];
      expect(bundles).to.have.length(35);
      expect(events).to.deep.equal([
        { phase: "hashing", done: 10, total: undefined },
        { phase: "hashing", done: 20, total: undefined },
        { phase: "hashing", done: 30, total: undefined },
        { phase: "hashing", done: 35, total: 35 },
        { phase: "tree", done: 0, total: 34 },
        { phase: "tree", done: 10, total: 34 },
        { phase: "tree", done: 20, total: 34 },
        { phase: "tree", done: 30, total: 34 },
        { phase: "tree", done: 34, total: 34 },
        { phase: "proofs", done: 0, total: 35 },
        { phase: "proofs", done: 10, total: 35 },
        { phase: "proofs", done: 20, total: 35 },
        { phase: "proofs", done: 30, total: 35 },
        { phase: "proofs", done: 35, total: 35 },
      ]);
    });

    it("states the hashing total when it is known, and reports a one-record batch once per phase", async function () {
      const events: BatchProgress[] = [];
      await buildRecordBatch(anchors(1), { onProgress: (event) => events.push(event) });
      expect(events).to.deep.equal([
        { phase: "hashing", done: 1, total: 1 },
        { phase: "tree", done: 0, total: 0 },
      ]);
      const counted: BatchProgress[] = [];
      await buildRecordBatch(slowly(anchors(4)), {
        expectedCount: 4,
        progressInterval: 2,
        onProgress: (event) => counted.push(event),
      });
      expect(counted.filter((event) => event.phase === "hashing")).to.deep.equal([
        { phase: "hashing", done: 2, total: 4 },
        { phase: "hashing", done: 4, total: 4 },
      ]);
    });

    it("refuses a duplicate content hash, naming it and both positions, and stays usable", function () {
      const [first, second, third] = anchors(3) as [RecordAnchor, RecordAnchor, RecordAnchor];
      const builder = new RecordBatchBuilder();
      builder.add(first);
      builder.add(second);
      const again = { ...third, contentHash: first.contentHash };
      let thrown: unknown;
      try {
        builder.add(again);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(MedchainDuplicateRecordError);
      expect(thrown).to.be.instanceOf(MedchainInputError);
      const duplicate = thrown as MedchainDuplicateRecordError;
      expect(duplicate.message).to.include(`record ${first.contentHash} appears twice in the batch`);
      expect(duplicate.message).to.include("at positions 0 and 2");
      expect([duplicate.contentHash, duplicate.firstPosition, duplicate.duplicatePosition]).to.deep.equal([
        first.contentHash,
        0,
        2,
      ]);
      expect(builder.size).to.equal(2);
      expect(builder.add(third)).to.equal(2);
      expect(builder.build().root).to.equal(ozTree([first, second, third]).root);
    });

    it("rejects a stream holding a duplicate or an invalid record with a MedchainInputError", async function () {
      const records = anchors(6);
      const duplicate = await rejectionOf(buildRecordBatch(slowly([...records, records[4] as RecordAnchor])));
      expect(duplicate).to.be.instanceOf(MedchainDuplicateRecordError).and.to.be.instanceOf(MedchainInputError);
      expect((duplicate as Error).message).to.match(/at positions 4 and 6/);
      const broken = [...records];
      broken[3] = { ...(records[3] as RecordAnchor), contentHash: ZeroHash };
      expectInputError(
        await rejectionOf(buildRecordBatch(slowly(broken))),
        /record at position 3: a record needs a content hash; zero was given/,
      );
      broken[3] = { ...(records[3] as RecordAnchor), category: 99 };
      expectInputError(await rejectionOf(buildRecordBatch(broken)), /99 is not a record category/);
    });

    it("refuses an empty batch, and building twice", async function () {
      expect(() => new RecordBatchBuilder().build())
        .to.throw(MedchainInputError, /the batch is empty: a batch holds 1 to 16777216 records/)
        .with.property("field", "records");
      expectInputError(await rejectionOf(buildRecordBatch(slowly([]))), /the batch is empty/);
      const builder = new RecordBatchBuilder();
      builder.add(anchors(1)[0] as RecordAnchor);
      builder.build();
      expect(() => builder.build()).to.throw(MedchainInputError, /already built its batch/);
      expect(() => builder.add(anchors(1, 1)[0] as RecordAnchor)).to.throw(MedchainInputError, /already built/);
    });

    it("writes a manifest without personal data and hashes its RFC 8785 form", async function () {
      const batch = await buildRecordBatch(anchors(3), {
        label: "nightly lab export",
        createdAt: new Date("2026-11-20T01:02:03Z"),
      });
      expect(batch.manifest).to.deep.equal({
        format: BATCH_MANIFEST_FORMAT,
        version: 1,
        root: batch.root,
        leafCount: 3,
        leafEncoding: ["bytes32", "uint8", "bytes32"],
        label: "nightly lab export",
        createdAt: "2026-11-20T01:02:03.000Z",
      });
      const canonical =
        '{"createdAt":"2026-11-20T01:02:03.000Z","format":"medchain.batch-manifest","label":"nightly lab export",' +
        `"leafCount":3,"leafEncoding":["bytes32","uint8","bytes32"],"root":"${batch.root}","version":1}`;
      expect(batch.manifestHash).to.equal(keccak256(toUtf8Bytes(canonical)));
      expect(batchManifestHash(JSON.parse(JSON.stringify(batch.manifest)))).to.equal(batch.manifestHash);
      expect(batch.anchorBatchArgs()).to.deep.equal([batch.root, 3, batch.manifestHash]);
      const plain = await buildRecordBatch(anchors(3));
      expect(plain.manifest).to.not.have.any.keys("label", "createdAt");
      expectInputError(await rejectionOf(buildRecordBatch(anchors(3), { label: "line one\nline two" })), /label/);
      expectInputError(await rejectionOf(buildRecordBatch(anchors(3), { createdAt: "yesterday" })), /is not a date/);
    });
  });

  describe("on chain", function () {
    it("anchors the batch with its leaf count and manifest hash", async function () {
      const { recordRegistry, batch, hospitalId } = await networkHelpers.loadFixture(anchoredBatch);
      const stored = await recordRegistry.getBatch(batch.root);
      expect(stored.custodian).to.equal(hospitalId);
      expect(stored.leafCount).to.equal(13n);
      expect(await recordRegistry.getBatchManifestHash(batch.root)).to.equal(batch.manifestHash);
    });

    it("verifies OpenZeppelin merkle-tree's own proofs and multiproofs against the SDK-anchored root", async function () {
      const { recordRegistry, held, hospitalId } = await networkHelpers.loadFixture(anchoredBatch);
      const tree = ozTree(held.map((record) => record.anchor));
      for (const [i, value] of tree.entries()) {
        const verification = await recordRegistry.verifyBatchRecord(tree.root, anchorOf(value), tree.getProof(i));
        expect(verification.status).to.equal(BigInt(RecordStatus.Current));
        expect(verification.custodian).to.equal(hospitalId);
        expect(verification.batchRoot).to.equal(tree.root);
      }
      for (const subset of [[0, 3, 7, 12], [5], [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]) {
        const { leaves, proof, proofFlags } = tree.getMultiProof(subset);
        const verifications = await recordRegistry.verifyBatchRecords(
          tree.root,
          leaves.map(anchorOf),
          proof,
          proofFlags,
        );
        expect(verifications.map((v) => v.category)).to.deep.equal(leaves.map((leaf) => BigInt(leaf[1])));
        expect(verifications.every((v) => v.status === BigInt(RecordStatus.Current))).to.equal(true);
      }
    });

    it("verifies the SDK's multiproofs with verifyBatchRecords, in the order it returns them", async function () {
      const { recordRegistry, batch, held } = await networkHelpers.loadFixture(anchoredBatch);
      const wanted = [held[9], held[2], held[6]].map((record) => (record as HeldRecord).anchor.contentHash);
      const { leaves, proof, proofFlags } = batch.multiProof(wanted);
      expect(leaves.map((leaf) => leaf.contentHash)).to.have.members(wanted);
      const verifications = await recordRegistry.verifyBatchRecords(batch.root, leaves, proof, proofFlags);
      expect(verifications).to.have.length(3);
      await expect(recordRegistry.verifyBatchRecords(batch.root, [...leaves].reverse(), proof, proofFlags))
        .to.be.revertedWithCustomError(recordRegistry, "RecordRegistryInvalidMultiproof")
        .withArgs(batch.root, 3n);
    });
  });

  describe("proof bundles", function () {
    it("round-trips through JSON and verifies offline with the record, the patient and the salt", async function () {
      const { batch, held, registry } = await networkHelpers.loadFixture(anchoredBatch);
      const record = held[4] as HeldRecord;
      const bundle = batch.proofBundle(record.anchor.contentHash, { registry });
      expect(bundle).to.deep.include({ format: "medchain.record-proof", version: 1 });
      expect(bundle.registry).to.deep.equal({ chainId: registry.chainId.toString(), address: registry.address });
      expect(bundle.batch).to.deep.equal({
        root: batch.root,
        leafCount: 13,
        leafEncoding: [...RECORD_LEAF_ENCODING],
        manifestHash: batch.manifestHash,
      });
      const text = JSON.stringify(bundle, null, 2);
      expect(parseProofBundle(text)).to.deep.equal(bundle);
      expect(JSON.parse(text)).to.deep.equal(bundle);

      const result = verifyProofBundle(text, {
        resource: JSON.stringify(record.resource),
        patientId: record.patientId,
        subjectSalt: record.salt,
      });
      expect(result).to.deep.equal({
        valid: true,
        problems: [],
        computedRoot: batch.root,
        leafHash: bundle.leafHash,
        checked: { proof: true, content: true, subject: true },
      });
      const pdf = held[3] as HeldRecord;
      expect(verifyProofBundle(batch.proofBundle(3), { document: pdf.document as Uint8Array }).valid).to.equal(true);
      expect(verifyProofBundle(batch.proofBundle(3), { document: toUtf8Bytes("%PDF-1.7 other") }).valid).to.equal(
        false,
      );
    });

    it("writes every record's bundle, each verifying offline", async function () {
      const { batch, held } = await networkHelpers.loadFixture(anchoredBatch);
      const bundles = [...batch.proofBundles()];
      expect(bundles.map((bundle) => bundle.record.contentHash)).to.deep.equal(
        held.map((record) => record.anchor.contentHash),
      );
      expect(bundles.every((bundle) => verifyProofBundle(bundle).valid)).to.equal(true);
    });

    it("detects a tampered record offline, and the registry does not find the tampered record anchored", async function () {
      const { batch, held, recordRegistry } = await networkHelpers.loadFixture(anchoredBatch);
      const record = held[0] as HeldRecord;
      const bundle = batch.proofBundle(0);
      const tampered = { ...(record.resource as FhirResource), status: "amended" };

      const offline = verifyProofBundle(bundle, { resource: tampered });
      expect(offline.valid).to.equal(false);
      expect(offline.problems).to.have.length(1);
      expect(offline.problems[0]).to.include(`hashes to ${fhirContentHash(tampered)}`);
      expect(offline.problems[0]).to.include("it was changed or it is another record");

      const forged: RecordProofBundle = {
        ...bundle,
        record: { ...bundle.record, contentHash: fhirContentHash(tampered) },
      };
      const forgedOffline = verifyProofBundle(forged, { resource: tampered });
      expect(forgedOffline.valid).to.equal(false);
      expect(forgedOffline.problems.join("\n")).to.match(/does not place this record in batch/);
      const onChain = await verifyProofBundleOnChain(recordRegistry, forged);
      expect(onChain.anchored).to.equal(false);
      if (onChain.anchored) throw new Error("unreachable");
      expect(onChain.error.errorName).to.equal("RecordRegistryInvalidProof");
      expect(onChain.reason).to.match(/the proof does not place this record in batch/);
    });

    it("detects a wrong patient and a wrong salt", async function () {
      const { batch, held } = await networkHelpers.loadFixture(anchoredBatch);
      const record = held[1] as HeldRecord;
      const bundle = batch.proofBundle(1);
      const otherPatient = verifyProofBundle(bundle, { patientId: record.patientId + 1n, subjectSalt: record.salt });
      expect(otherPatient.valid).to.equal(false);
      expect(otherPatient.problems[0]).to.match(/wrong patient or wrong salt/);
      expect(otherPatient.checked).to.deep.equal({ proof: true, content: false, subject: true });
      const otherSalt = verifyProofBundle(bundle, { patientId: record.patientId, subjectSalt: saltOf(999) });
      expect(otherSalt.valid).to.equal(false);
      expect(() => verifyProofBundle(bundle, { patientId: record.patientId }))
        .to.throw(MedchainInputError, /give both patientId and subjectSalt/)
        .with.property("field", "subjectSalt");
    });

    it("refuses malformed bundles and evidence with typed errors a person can act on", async function () {
      const { batch } = await networkHelpers.loadFixture(anchoredBatch);
      const bundle = batch.proofBundle(2);
      const cases: Array<[unknown, string, RegExp]> = [
        [{ ...bundle, version: 2 }, "version", /proof bundle version 2 is not supported; this SDK reads version 1/],
        [{ ...bundle, version: "1" }, "version", /is not a version number/],
        [{ ...bundle, format: "medchain.consent" }, "format", /not a medchain record proof bundle/],
        ['{"format": "medchain.record-proof",', "bundle", /not well-formed JSON/],
        ["[]", "bundle", /must be a JSON object/],
        [{ ...bundle, proof: ["0x12"] }, "proof[0]", /proof\[0\] must be 32 bytes of hex/],
        [{ ...bundle, batch: { ...bundle.batch, leafCount: 0 } }, "batch.leafCount", /0 is outside/],
        [{ ...bundle, batch: { ...bundle.batch, leafEncoding: ["bytes32"] } }, "batch.leafEncoding", /leaf encoding/],
        [{ ...bundle, record: { ...bundle.record, category: 20 } }, "category", /20 is not a record category/],
        [{ ...bundle, registry: { chainId: 31337, address: ZeroHash } }, "registry.chainId", /decimal string/],
        [{ ...bundle, registry: { chainId: "31337", address: "0x12" } }, "registry.address", /is not an address/],
      ];
      for (const [input, field, message] of cases) {
        const text = typeof input === "string" ? input : JSON.stringify(input);
        expect(() => parseProofBundle(text), field)
          .to.throw(MedchainInputError, message)
          .with.property("field", field);
      }
      expect(() => verifyProofBundle(bundle, { resource: { status: "final" } }))
        .to.throw(MedchainInputError, /not a FHIR resource/)
        .with.property("field", "resource");
      expect(() => verifyProofBundle(bundle, { resource: "{ not json" })).to.throw(
        MedchainInputError,
        /not well-formed/,
      );
    });

    it("reports Current on chain, then Superseded after the data steward amends the record", async function () {
      const { batch, held, recordRegistry, dataSteward, hospitalId, registry } =
        await networkHelpers.loadFixture(anchoredBatch);
      const record = held[5] as HeldRecord;
      const bundle = JSON.stringify(batch.proofBundle(5, { registry }));
      const before = await verifyProofBundleOnChain(recordRegistry, bundle);
      if (!before.anchored) throw new Error(`expected the record to be anchored: ${before.reason}`);
      expect(before).to.deep.include({
        anchored: true,
        status: RecordStatus.Current,
        statusName: "Current",
        custodian: hospitalId,
        category: RecordCategory.LabResult,
        statusChangedAt: 0n,
        batchRoot: batch.root,
        problems: [],
      });
      expect(before.anchoredAt > 0n).to.equal(true);

      const corrected = { ...(record.resource as FhirResource), status: "corrected" };
      const amendment = { ...record.anchor, contentHash: fhirContentHash(corrected) };
      await (
        await recordRegistry
          .connect(dataSteward)
          .amendBatchRecord(batch.root, batch.record(5), batch.proof(5), amendment)
      ).wait();
      const after = await verifyProofBundleOnChain(recordRegistry, bundle);
      if (!after.anchored) throw new Error(`expected the record to be anchored: ${after.reason}`);
      expect(after.status).to.equal(RecordStatus.Superseded);
      expect(after.statusName).to.equal("Superseded");
      expect(after.anchoredAt).to.equal(before.anchoredAt);
      expect(after.statusChangedAt > before.anchoredAt).to.equal(true);
    });

    it("says a record of an unknown batch or with a cut proof is not anchored", async function () {
      const { batch, recordRegistry } = await networkHelpers.loadFixture(anchoredBatch);
      const unanchored = await buildRecordBatch(anchors(4, 500));
      const unknown = await verifyProofBundleOnChain(recordRegistry, unanchored.proofBundle(0));
      expect(unknown).to.deep.include({ anchored: false, reason: `no batch has root ${unanchored.root}` });

      const bundle = batch.proofBundle(0);
      const cut = { ...bundle, proof: bundle.proof.slice(1) };
      expect(verifyProofBundle(cut).problems[0]).to.match(
        /a proof for a batch of 13 records has 3 to 4 hashes; this one/,
      );
      const result = await verifyProofBundleOnChain(recordRegistry, cut);
      expect(result.anchored).to.equal(false);
      if (result.anchored) throw new Error("unreachable");
      expect(result.error.errorName).to.equal("RecordRegistryProofLengthMismatch");
    });

    it("reports a bundle naming another chain or registry", async function () {
      const { batch, recordRegistry, registry, stranger } = await networkHelpers.loadFixture(anchoredBatch);
      const elsewhere = batch.proofBundle(7, { registry: { chainId: 2026n, address: stranger.address } });
      const result = await verifyProofBundleOnChain(recordRegistry, elsewhere);
      expect(result.anchored).to.equal(true);
      expect(result.problems).to.deep.equal([
        `the bundle names registry ${getAddress(stranger.address)}, but this registry is ${registry.address}`,
        `the bundle names chain 2026, but this registry is on chain ${registry.chainId}`,
      ]);
      const here = await verifyProofBundleOnChain(recordRegistry, batch.proofBundle(7, { registry }));
      expect(here.problems).to.deep.equal([]);
    });
  });
});
