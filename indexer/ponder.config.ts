/**
 * Ponder configuration of the medchain indexer, read entirely from the environment so one build serves
 * every hospital (docs/indexer.md):
 *
 * - `MEDCHAIN_RPC_URL`: the JSON-RPC endpoint of the hospital's own validator or RPC node.
 * - `MEDCHAIN_CHAIN_ID`: the consortium chain's id (20260 for the rehearsal node, 31337 for Hardhat).
 * - `MEDCHAIN_DEPLOYMENT`: path of a JSON file in the SDK's `MedchainDeployment` shape (proxy addresses and
 *   `startBlock`; the chain id as a decimal string).
 * - `DATABASE_URL`: a Postgres connection string; without it, PGlite in `MEDCHAIN_INDEXER_DB`
 *   (default `indexer/.ponder/pglite`).
 * - `MEDCHAIN_POLLING_INTERVAL_MS`: how often to poll for new blocks (default 1000; tests use less).
 *
 * The contracts are UUPS proxies: the proxy addresses are indexed with the implementations' ABIs.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { createConfig } from "ponder";

import { ClaimRegistry__factory } from "../typechain-types/factories/contracts/claims/ClaimRegistry__factory.js";
import { ConsentRegistry__factory } from "../typechain-types/factories/contracts/consent/ConsentRegistry__factory.js";
import { MemberRegistry__factory } from "../typechain-types/factories/contracts/governance/MemberRegistry__factory.js";
import { PatientRegistry__factory } from "../typechain-types/factories/contracts/identity/PatientRegistry__factory.js";
import { RecordRegistry__factory } from "../typechain-types/factories/contracts/records/RecordRegistry__factory.js";
import { ResearchOptOutRegistry__factory } from "../typechain-types/factories/contracts/research/ResearchOptOutRegistry__factory.js";
import { StudyRegistry__factory } from "../typechain-types/factories/contracts/research/StudyRegistry__factory.js";

const INDEXER_ROOT = path.dirname(fileURLToPath(import.meta.url));

/** A required setting is missing or malformed: say which and what to set. */
function configError(message: string): Error {
  return new Error(`medchain indexer configuration: ${message} (see docs/indexer.md)`);
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") throw configError(`set ${name}`);
  return value.trim();
}

/** The contract addresses and first block the indexer reads from `MEDCHAIN_DEPLOYMENT`. */
interface DeploymentFile {
  chainId: string;
  memberRegistry: `0x${string}`;
  patientRegistry: `0x${string}`;
  researchOptOutRegistry: `0x${string}`;
  consentRegistry: `0x${string}`;
  recordRegistry: `0x${string}`;
  claimRegistry: `0x${string}`;
  studyRegistry: `0x${string}`;
  startBlock: number;
}

const CONTRACT_KEYS = [
  "memberRegistry",
  "patientRegistry",
  "researchOptOutRegistry",
  "consentRegistry",
  "recordRegistry",
  "claimRegistry",
  "studyRegistry",
] as const;

function readDeployment(file: string): DeploymentFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    throw configError(`cannot read the deployment file ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw configError(`${file} must hold a JSON object`);
  const table = parsed as Record<string, unknown>;
  const addresses: Partial<Record<(typeof CONTRACT_KEYS)[number], `0x${string}`>> = {};
  for (const key of CONTRACT_KEYS) {
    const value = table[key];
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
      throw configError(`${file} lacks a valid address for ${key}`);
    }
    addresses[key] = value as `0x${string}`;
  }
  const startBlock = table.startBlock === undefined ? 0 : Number(table.startBlock);
  if (!Number.isSafeInteger(startBlock) || startBlock < 0) {
    throw configError(`${file}: startBlock must be a block number, got ${String(table.startBlock)}`);
  }
  return {
    chainId: String(table.chainId ?? ""),
    ...(addresses as Record<(typeof CONTRACT_KEYS)[number], `0x${string}`>),
    startBlock,
  };
}

const chainId = Number(requiredEnv("MEDCHAIN_CHAIN_ID"));
if (!Number.isSafeInteger(chainId) || chainId <= 0) throw configError("MEDCHAIN_CHAIN_ID must be a chain id");
const deployment = readDeployment(requiredEnv("MEDCHAIN_DEPLOYMENT"));
if (deployment.chainId !== "" && deployment.chainId !== String(chainId)) {
  throw configError(`the deployment is for chain ${deployment.chainId}, MEDCHAIN_CHAIN_ID is ${chainId}`);
}
const pollingInterval = Number(process.env.MEDCHAIN_POLLING_INTERVAL_MS ?? 1_000);
const databaseUrl = process.env.DATABASE_URL;

/** Local development chains restart from block 0 with the same id: never trust Ponder's RPC cache there. */
const DEVELOPMENT_CHAINS = new Set([20260, 31337]);

const on = (address: `0x${string}`) => ({ chain: "medchain" as const, address, startBlock: deployment.startBlock });

export default createConfig({
  database:
    databaseUrl !== undefined && databaseUrl !== ""
      ? { kind: "postgres", connectionString: databaseUrl }
      : {
          kind: "pglite",
          directory: process.env.MEDCHAIN_INDEXER_DB ?? path.join(INDEXER_ROOT, ".ponder", "pglite"),
        },
  ordering: "multichain",
  chains: {
    medchain: {
      id: chainId,
      rpc: requiredEnv("MEDCHAIN_RPC_URL"),
      pollingInterval,
      disableCache: DEVELOPMENT_CHAINS.has(chainId),
    },
  },
  contracts: {
    MemberRegistry: { abi: MemberRegistry__factory.abi, ...on(deployment.memberRegistry) },
    PatientRegistry: { abi: PatientRegistry__factory.abi, ...on(deployment.patientRegistry) },
    ResearchOptOutRegistry: { abi: ResearchOptOutRegistry__factory.abi, ...on(deployment.researchOptOutRegistry) },
    ConsentRegistry: { abi: ConsentRegistry__factory.abi, ...on(deployment.consentRegistry) },
    RecordRegistry: { abi: RecordRegistry__factory.abi, ...on(deployment.recordRegistry) },
    ClaimRegistry: { abi: ClaimRegistry__factory.abi, ...on(deployment.claimRegistry) },
    StudyRegistry: { abi: StudyRegistry__factory.abi, ...on(deployment.studyRegistry) },
  },
});
