/**
 * Throughput over JSON-RPC against a local node configured like the consortium chain: signed transactions
 * per second, and anchored records per second through batches.
 *
 *   npx hardhat run scripts/bench-rpc.ts                          (part of ./medchain bench)
 *   MEDCHAIN_BENCH_SMALL=1 npx hardhat run scripts/bench-rpc.ts   (5 transactions, a 5-record batch: CI)
 *
 * It starts `hardhat --network rehearsal node` on a free 127.0.0.1 port (scripts/lib/local-node.ts: Cancun,
 * zero base fee, 60M block gas limit, chain id 20260), deploys medchain over HTTP with Ignition, sets up a
 * hospital, a clinician and a data steward (local keys holding no ether, as on the consortium chain) and a
 * patient whose signed consent the clinician relays, then measures:
 *
 * 1. transactions signed locally (ethers Wallet, legacy type, gas price 0, explicit nonces, fixed gas limit)
 *    and sent as raw transactions (`eth_sendRawTransaction`, then `eth_getTransactionReceipt`): one by one,
 *    each waiting for its receipt; and pipelined, each sent as soon as the node accepted the previous one,
 *    the receipts fetched after the last. Latency: from signing a transaction to holding its receipt.
 * 2. record batches end to end: the SDK's `buildRecordBatch` (checking and hashing every record, the tree;
 *    no proof bundles), signing `anchorBatch`, sending it, and its receipt. Records are made beforehand.
 *
 * The node mines one block per transaction as it arrives (automine), not a block every QBFT block period,
 * and refuses transactions with a nonce gap, so "pipelined" cannot mean concurrent sends here. Its request
 * log is switched off while measuring, and each operation is warmed up (30 unmeasured transactions; a
 * 2,000-record batch built before the batches). Progress goes to stderr; the node is stopped at the end, also on
 * failure.
 */
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";

import { JsonRpcProvider, keccak256, Network, Wallet, type TransactionRequest } from "ethers";
import { network } from "hardhat";

import {
  buildRecordBatch,
  categoryMask,
  consentDomain,
  Duty,
  dutyMask,
  grantRequest,
  MemberKind,
  Purpose,
  purposeMask,
  RecordCategory,
  signGrant,
  type RecordAnchor,
} from "../sdk/index.js";
import { deployMedchain } from "./lib/deploy.js";
import { receiptGas } from "./lib/gas.js";
import { connectToLocalNode, startLocalNode, type LocalNode } from "./lib/local-node.js";

const SMALL = process.env.MEDCHAIN_BENCH_SMALL === "1";
const TRANSACTIONS = SMALL ? 5 : 300;
const WARM_UP_TRANSACTIONS = SMALL ? 1 : 30; // per operation, unmeasured: JIT and the node's caches
const BATCH_SIZES = SMALL ? [5] : [1_000, 10_000, 100_000];

const progress = (message: string) => console.error(`[bench-rpc] ${message}`);
const figure = (value: number | bigint) => value.toLocaleString("en-US");
const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
const bytes32 = () => `0x${randomBytes(32).toString("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RpcReceipt {
  status: string;
  blockNumber: string;
  gasUsed: string;
}

/** One round of `count` raw transactions from `wallet`: how long it took and each one's latency. */
interface Round {
  seconds: number;
  latenciesMs: number[];
  blocks: Set<string>;
}

const meanOf = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

async function main(node: LocalNode): Promise<void> {
  progress(`node up at ${node.url} (chain id ${node.chainId}); deploying medchain over HTTP with Ignition`);
  const connection = await connectToLocalNode(network, node);
  const deployment = await deployMedchain(connection);
  const { memberRegistry, patientRegistry, consentRegistry, recordRegistry, council, signers } = deployment;
  const registrar = signers[0];
  if (registrar === undefined) throw new Error("the node needs at least five unlocked accounts");

  // The client a hospital service would use: plain JSON-RPC over HTTP, one request per call (no batching).
  const provider = new JsonRpcProvider(node.url, Network.from(node.chainId), {
    staticNetwork: Network.from(node.chainId),
    batchMaxCount: 1,
  });
  const free = { gasPrice: 0n }; // the consortium chain's only gas price
  const clinician = new Wallet(bytes32(), provider);
  const steward = new Wallet(bytes32(), provider);
  const patient = new Wallet(bytes32()); // a phone: signs offline, never sends a transaction

  progress("setting up a hospital, its registrar, clinician and data steward, a patient and her consent");
  await receiptGas(memberRegistry.connect(council).addMember(MemberKind.Hospital, keccak256("0x01")));
  const hospitalId = 1n;
  await receiptGas(memberRegistry.connect(council).addOperator(registrar, hospitalId, dutyMask(Duty.Registrar)));
  await receiptGas(memberRegistry.connect(council).addOperator(clinician, hospitalId, dutyMask(Duty.Clinician)));
  await receiptGas(memberRegistry.connect(council).addOperator(steward, hospitalId, dutyMask(Duty.DataSteward)));
  await receiptGas(patientRegistry.connect(registrar).registerPatient(patient.address, bytes32()));
  const patientId = await patientRegistry.patientIdOf(patient.address);
  const latest = await provider.getBlock("latest");
  if (latest === null) throw new Error("the node has no latest block");
  const now = BigInt(latest.timestamp);
  const request = grantRequest({
    patientId,
    grantee: hospitalId,
    categories: categoryMask(RecordCategory.LabResult),
    purposes: purposeMask(Purpose.Treatment),
    now,
    durationSeconds: 30n * 86_400n,
  });
  const consentAddress = await consentRegistry.getAddress();
  const domain = consentDomain({ chainId: node.chainId, verifyingContract: consentAddress });
  const signed = await signGrant(patient, domain, request, await consentRegistry.nonces(patientId), now + 3_600n);
  await receiptGas(consentRegistry.connect(clinician).grantBySig(signed, free));

  // Measured from here on: the node's request log would cost it time on every request.
  await provider.send("hardhat_setLoggingEnabled", [false]);

  const recordAddress = await recordRegistry.getAddress();
  const logAccessData = () =>
    consentRegistry.interface.encodeFunctionData("logAccess", [
      patientId,
      RecordCategory.LabResult,
      Purpose.Treatment,
      bytes32(),
    ]);
  const anchorRecordData = () =>
    recordRegistry.interface.encodeFunctionData("anchorRecord", [
      { contentHash: bytes32(), category: RecordCategory.LabResult, subjectCommitment: bytes32() },
    ]);

  const nonces = new Map<string, number>();
  for (const wallet of [clinician, steward])
    nonces.set(wallet.address, await provider.getTransactionCount(wallet.address));
  const gasLimitFor = async (wallet: Wallet, to: string, data: string) =>
    ((await provider.estimateGas({ from: wallet.address, to, data })) * 5n) / 4n;

  /** Signs a legacy transaction at gas price 0 with the wallet's next nonce. */
  const sign = async (wallet: Wallet, to: string, data: string, gasLimit: bigint): Promise<string> => {
    const nonce = nonces.get(wallet.address) ?? 0;
    nonces.set(wallet.address, nonce + 1);
    const transaction: TransactionRequest = {
      type: 0,
      chainId: node.chainId,
      nonce,
      to,
      data,
      gasLimit,
      gasPrice: 0n,
    };
    return wallet.signTransaction(transaction);
  };
  const sendRaw = async (raw: string): Promise<string> => String(await provider.send("eth_sendRawTransaction", [raw]));
  const receiptOf = async (hash: string): Promise<RpcReceipt> => {
    for (;;) {
      const receipt = (await provider.send("eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
      if (receipt !== null) {
        if (receipt.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
        return receipt;
      }
      await sleep(5);
    }
  };
  const report = (label: string, done: number, count = TRANSACTIONS) => {
    if (done === count || done % 50 === 0) progress(`${label}: ${done}/${count}`);
  };

  async function oneByOne(
    label: string,
    wallet: Wallet,
    to: string,
    data: () => string,
    count = TRANSACTIONS,
  ): Promise<Round> {
    const gasLimit = await gasLimitFor(wallet, to, data());
    const latenciesMs: number[] = [];
    const blocks = new Set<string>();
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const signedAt = performance.now();
      const receipt = await receiptOf(await sendRaw(await sign(wallet, to, data(), gasLimit)));
      latenciesMs.push(performance.now() - signedAt);
      blocks.add(receipt.blockNumber);
      report(`${label}, one by one`, i + 1, count);
    }
    return { seconds: (performance.now() - start) / 1000, latenciesMs, blocks };
  }

  async function pipelined(label: string, wallet: Wallet, to: string, data: () => string): Promise<Round> {
    const gasLimit = await gasLimitFor(wallet, to, data());
    const sent: { hash: string; signedAt: number }[] = [];
    const start = performance.now();
    for (let i = 0; i < TRANSACTIONS; i++) {
      const signedAt = performance.now();
      sent.push({ hash: await sendRaw(await sign(wallet, to, data(), gasLimit)), signedAt });
      report(`${label}, pipelined: sent`, i + 1);
    }
    const latenciesMs: number[] = [];
    const blocks = new Set<string>();
    for (const [i, { hash, signedAt }] of sent.entries()) {
      blocks.add((await receiptOf(hash)).blockNumber);
      latenciesMs.push(performance.now() - signedAt);
      report(`${label}, pipelined: receipts`, i + 1);
    }
    return { seconds: (performance.now() - start) / 1000, latenciesMs, blocks };
  }

  const transactionRows: string[] = [];
  const addTransactionRow = (operation: string, mode: string, round: Round) =>
    transactionRows.push(
      line([
        operation,
        mode,
        figure(TRANSACTIONS),
        figure(round.blocks.size),
        round.seconds.toFixed(2),
        (TRANSACTIONS / round.seconds).toFixed(1),
        meanOf(round.latenciesMs).toFixed(1),
      ]),
    );
  const consentTarget = consentAddress;
  await oneByOne("warm-up logAccess", clinician, consentTarget, logAccessData, WARM_UP_TRANSACTIONS);
  await oneByOne("warm-up anchorRecord", steward, recordAddress, anchorRecordData, WARM_UP_TRANSACTIONS);
  addTransactionRow("logAccess", "one by one", await oneByOne("logAccess", clinician, consentTarget, logAccessData));
  addTransactionRow("logAccess", "pipelined", await pipelined("logAccess", clinician, consentTarget, logAccessData));
  addTransactionRow(
    "anchorRecord",
    "one by one",
    await oneByOne("anchorRecord", steward, recordAddress, anchorRecordData),
  );
  addTransactionRow(
    "anchorRecord",
    "pipelined",
    await pipelined("anchorRecord", steward, recordAddress, anchorRecordData),
  );

  const batchRows: string[] = [];
  const randomAnchors = (count: number): RecordAnchor[] =>
    Array.from({ length: count }, (_, i) => ({
      contentHash: bytes32(),
      category: i % 14,
      subjectCommitment: bytes32(),
    }));
  await buildRecordBatch(randomAnchors(SMALL ? 5 : 2_000)); // warm-up: JIT, not measured
  for (const size of BATCH_SIZES) {
    const anchors = randomAnchors(size);
    progress(`batch of ${figure(size)}: building and anchoring`);
    const start = performance.now();
    const batch = await buildRecordBatch(anchors, {
      label: `throughput batch of ${size}`,
      progressInterval: 25_000,
      onProgress: ({ phase, done, total }) =>
        progress(`batch of ${figure(size)}: ${phase} ${figure(done)}/${figure(total ?? done)}`),
    });
    const built = performance.now();
    const data = recordRegistry.interface.encodeFunctionData("anchorBatch", batch.anchorBatchArgs());
    const gasLimit = await gasLimitFor(steward, recordAddress, data);
    const estimated = performance.now();
    const receipt = await receiptOf(await sendRaw(await sign(steward, recordAddress, data, gasLimit)));
    const anchored = performance.now();
    const seconds = (built - start + (anchored - estimated)) / 1000;
    batchRows.push(
      line([
        figure(size),
        ((built - start) / 1000).toFixed(3),
        ((anchored - estimated) / 1000).toFixed(3),
        seconds.toFixed(3),
        figure(Math.round(size / seconds)),
        figure(BigInt(receipt.gasUsed)),
      ]),
    );
  }

  await connection.close();
  provider.destroy();

  const cpu = cpus();
  console.log(
    `\nmedchain over JSON-RPC (hardhat node ${node.url}, chain id ${node.chainId}, hardfork cancun, zero base fee, ` +
      `60M block gas limit; automine: one block per transaction as it arrives, not QBFT block periods; ` +
      `client: ethers JsonRpcProvider, one request per call; this machine: ${cpu.length} × ` +
      `${cpu[0]?.model.trim() ?? "unknown CPU"}, Node.js ${process.version})\n`,
  );
  console.log("signed transactions: signed locally (legacy, gas price 0, explicit nonces), sent raw\n");
  console.log(line(["operation", "mode", "transactions", "blocks", "seconds", "tx/s", "mean latency (ms)"]));
  console.log(line(["---", "---", "---:", "---:", "---:", "---:", "---:"]));
  for (const row of transactionRows) console.log(row);
  console.log(
    "\none by one: each transaction waits for its receipt before the next is signed; pipelined: each is sent as " +
      "soon as the node accepted the previous one, receipts fetched after the last. Latency: signing to receipt.",
  );
  console.log("\nanchored records through batches (end to end, one anchorBatch transaction per batch)\n");
  console.log(
    line(["records", "SDK build (s)", "sign, send, receipt (s)", "total (s)", "records/s", "anchorBatch gas"]),
  );
  console.log(line(["---:", "---:", "---:", "---:", "---:", "---:"]));
  for (const row of batchRows) console.log(row);
  console.log(
    "\nSDK build: buildRecordBatch checking and hashing every record and building the tree (proof bundles are " +
      "made afterwards and are not counted); records made beforehand.",
  );
}

progress(`starting a local node${SMALL ? " (small mode: MEDCHAIN_BENCH_SMALL=1)" : ""}`);
const node = await startLocalNode();
try {
  await main(node);
} finally {
  await node.stop();
  progress("node stopped");
}
