/**
 * Record batches: how long the SDK takes to build a batch with all its proof bundles, what anchoring it
 * costs, and what verifying one record of a large batch costs.
 *
 *   npx hardhat run scripts/bench-batches.ts
 *
 * Build time is wall-clock on this machine (one Node.js thread): checking and hashing every record's leaf,
 * the tree, and a proof bundle (a JS object with its proof) for every record. Records are synthetic random
 * anchors made before the clock starts. anchorBatch: receipt.gasUsed (includes the 21,000 base and
 * calldata); it does not depend on the batch size, since the contract stores only the root, the leaf count
 * and the manifest hash. Verify: eth_estimateGas of verifyBatchRecord minus 21,000 (calldata included). The
 * in-process network runs the cancun hardfork (hardhat.config.ts).
 */
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";

import { keccak256 } from "ethers";
import { network } from "hardhat";

import {
  Duty,
  dutyMask,
  MemberKind,
  RecordBatchBuilder,
  type BatchProgress,
  type RecordAnchor,
  type RecordBatch,
} from "../sdk/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { GasTable, receiptGas } from "./lib/gas.js";

const SIZES = [1, 100, 1_000, 10_000, 100_000];
const LARGE = 2 ** 20;

const connection = await network.create();
const { ethers } = connection;
const { memberRegistry, recordRegistry, council, signers } = await deployMedchain(connection);
const steward = signers[0];
if (steward === undefined) throw new Error("the benchmark needs at least five accounts");
await receiptGas(memberRegistry.connect(council).addMember(MemberKind.Hospital, keccak256("0x01")));
await receiptGas(memberRegistry.connect(council).addOperator(steward, 1n, dutyMask(Duty.DataSteward)));
const registry = { chainId: (await ethers.provider.getNetwork()).chainId, address: await recordRegistry.getAddress() };
const asSteward = recordRegistry.connect(steward);

const bytes32 = () => `0x${randomBytes(32).toString("hex")}`;
const anchor = (i: number): RecordAnchor => ({
  contentHash: bytes32(),
  category: i % 14,
  subjectCommitment: bytes32(),
});
const seconds = (from: number, to: number) => (to - from) / 1000;
const figure = (value: number | bigint) => value.toLocaleString("en-US");
const line = (cells: string[]) => `| ${cells.join(" | ")} |`;

/** eth_estimateGas − 21,000 of verifyBatchRecord for the record at `position` of `batch`. */
async function verifyGas(batch: RecordBatch, position: number): Promise<bigint> {
  const data = recordRegistry.interface.encodeFunctionData("verifyBatchRecord", [
    batch.root,
    batch.record(position),
    batch.proof(position),
  ]);
  return (await ethers.provider.estimateGas({ to: registry.address, data })) - 21_000n;
}

/** Builds a batch of `records` with every proof bundle; returns the batch and the phases' seconds. */
function buildWithAllProofs(records: RecordAnchor[]) {
  const start = performance.now();
  const builder = new RecordBatchBuilder({ expectedCount: records.length });
  for (const record of records) builder.add(record);
  const hashed = performance.now();
  const batch = builder.build({ label: `benchmark batch of ${records.length}` });
  const built = performance.now();
  let hashes = 0;
  for (const bundle of batch.proofBundles({ registry })) hashes += bundle.proof.length;
  const proved = performance.now();
  if (hashes < records.length - 1) throw new Error("proof bundles are missing hashes");
  return {
    batch,
    hashing: seconds(start, hashed),
    tree: seconds(hashed, built),
    proofs: seconds(built, proved),
    total: seconds(start, proved),
  };
}

buildWithAllProofs(Array.from({ length: 2_000 }, (_, i) => anchor(i))); // warm-up: JIT, not measured

const rows: string[] = [];
const verifyTable = new GasTable();
for (const size of SIZES) {
  const records = Array.from({ length: size }, (_, i) => anchor(i));
  const { batch, hashing, tree, proofs, total } = buildWithAllProofs(records);
  const gas = await receiptGas(asSteward.anchorBatch(...batch.anchorBatchArgs()));
  const verify = await verifyGas(batch, size >> 1);
  rows.push(
    line([
      figure(size),
      hashing.toFixed(3),
      tree.toFixed(3),
      proofs.toFixed(3),
      total.toFixed(3),
      figure(gas),
      size === 1 ? figure(gas) : (Number(gas) / size).toFixed(size >= 10_000 ? 3 : 1),
      figure(verify),
    ]),
  );
  if (size === 100_000) {
    verifyTable.add({
      operation: "verifyBatchRecord, 100,000-record batch",
      gas: verify,
      note: `proof of ${batch.proof(size >> 1).length} hashes`,
    });
  }
}

// 2^20 records streamed from a generator (made on the fly, so inside the clock), tree only, one proof.
function* streamedAnchors(count: number): Generator<RecordAnchor> {
  for (let i = 0; i < count; i++) yield anchor(i);
}
let lastLogged = 0;
const onProgress = ({ phase, done, total }: BatchProgress) => {
  const now = performance.now();
  if (now - lastLogged < 5_000 && done !== total) return;
  lastLogged = now;
  console.error(`  2^20 batch: ${phase} ${figure(done)}${total === undefined ? "" : ` of ${figure(total)}`}`);
};
const generationStart = performance.now();
for (const record of streamedAnchors(LARGE)) if (record.category > 13) throw new Error("unreachable");
const generation = seconds(generationStart, performance.now());
const largeStart = performance.now();
const largeBuilder = new RecordBatchBuilder({ expectedCount: LARGE, progressInterval: 65_536, onProgress });
await largeBuilder.addAll(streamedAnchors(LARGE));
const largeHashed = performance.now();
const large = largeBuilder.build({ label: "benchmark batch of 2^20" });
const largeBuilt = performance.now();
const largeProof = large.proofBundle(LARGE >> 1, { registry });
const rss = process.memoryUsage().rss;
await receiptGas(asSteward.anchorBatch(...large.anchorBatchArgs()));
const largeVerify = await verifyGas(large, LARGE >> 1);
verifyTable.add({
  operation: "verifyBatchRecord, 2^20-record batch",
  gas: largeVerify,
  note: `proof of ${largeProof.proof.length} hashes`,
});

const cpu = cpus();
console.log(
  `\nmedchain record batches (hardfork cancun, solc 0.8.30, optimizer 200 runs; times are wall-clock on this ` +
    `machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, Node.js ${process.version})\n`,
);
console.log(
  line([
    "records",
    "hashing (s)",
    "tree (s)",
    "all proof bundles (s)",
    "SDK build total (s)",
    "anchorBatch gas",
    "gas per record",
    "verify one record (gas)",
  ]),
);
console.log(line(["---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const row of rows) console.log(row);
console.log(
  "\nSDK build total = checking and hashing every leaf + the tree + a proof bundle for every record " +
    "(records prepared beforehand).",
);
console.log("\nverifying one record of a large batch (eth_estimateGas − 21,000; includes the proof's calldata)\n");
console.log(verifyTable.toMarkdown());
console.log(
  `\n2^20 = ${figure(LARGE)} records, streamed from a generator (random anchors made inside the clock), tree ` +
    `only (no proof bundles except the one verified): hashing ${seconds(largeStart, largeHashed).toFixed(1)} s ` +
    `(of which about ${generation.toFixed(1)} s making the random anchors), ` +
    `tree ${seconds(largeHashed, largeBuilt).toFixed(1)} s; process RSS after the build ` +
    `${Math.round(rss / 2 ** 20)} MiB.`,
);
