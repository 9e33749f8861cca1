/**
 * The chain side of the app: a zero-fee JSON-RPC provider for the configured node (static network, so an
 * unreachable node fails fast instead of retrying forever), SDK clients per persona, the injected browser
 * wallet, and one function that turns any failure into a message a person can read.
 */
import { BrowserProvider, Network, Wallet, type Eip1193Provider, type Signer } from "ethers";

import { ConsortiumProvider } from "../../sdk/provider.js";
import { MedchainClient } from "../../sdk/client.js";
import type { MedchainDeployment } from "../../sdk/deployment.js";
import { decodeMedchainError, MedchainError } from "../../sdk/errors.js";
import { resolveServiceUrl, type WebConfig, type WebPersona } from "./config.js";
import { IndexerError } from "./indexer.js";
import { RelayError } from "./relayer.js";

/** The services' absolute URLs, resolved against the page's address. */
export interface ServiceUrls {
  rpc: string;
  relayer: string;
  indexer: string;
}

/** Resolves the config's (possibly relative) service URLs against `base` (the page's `location.href`). */
export function serviceUrls(config: WebConfig, base: string): ServiceUrls {
  return {
    rpc: resolveServiceUrl(config.rpcUrl, base),
    relayer: resolveServiceUrl(config.relayerUrl, base),
    indexer: resolveServiceUrl(config.indexerUrl, base),
  };
}

/** The SDK deployment of a config. */
export function deploymentOf(config: WebConfig): MedchainDeployment {
  const d = config.deployment;
  return {
    chainId: BigInt(d.chainId),
    authority: d.authority,
    memberRegistry: d.memberRegistry,
    patientRegistry: d.patientRegistry,
    researchOptOutRegistry: d.researchOptOutRegistry,
    consentRegistry: d.consentRegistry,
    recordRegistry: d.recordRegistry,
    claimRegistry: d.claimRegistry,
    studyRegistry: d.studyRegistry,
    startBlock: d.startBlock,
  };
}

/** A zero-fee provider for the node, pinned to the configured chain (no network detection loop). */
export function chainProvider(rpcUrl: string, chainId: bigint): ConsortiumProvider {
  return new ConsortiumProvider(rpcUrl, { staticNetwork: Network.from(chainId), pollingInterval: 500 });
}

/** DEMO ONLY: the persona's configured key as a wallet on `provider`. */
export function demoSigner(persona: WebPersona, provider: ConsortiumProvider): Wallet {
  return new Wallet(persona.privateKey, provider);
}

/** The injected browser wallet (`window.ethereum`), when there is one. */
export function injectedWallet(): Eip1193Provider | undefined {
  const candidate = (globalThis as { ethereum?: Eip1193Provider }).ethereum;
  return candidate !== undefined && typeof candidate.request === "function" ? candidate : undefined;
}

/** Asks the injected wallet for an account and returns its signer (it signs typed data only; nothing is sent). */
export async function walletSigner(ethereum: Eip1193Provider): Promise<Signer> {
  const provider = new BrowserProvider(ethereum);
  return provider.getSigner();
}

/** An SDK client for `runner` on the configured deployment (checks the node's chain). */
export function connectClient(
  runner: Signer | ConsortiumProvider,
  deployment: MedchainDeployment,
): Promise<MedchainClient> {
  return MedchainClient.connect(runner, deployment);
}

/** Whether an error means the node could not be reached (network failure, not a refusal). */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof RelayError) return error.code === "UNREACHABLE";
  if (error instanceof IndexerError) return error.problem === "unreachable";
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "NETWORK_ERROR" || code === "SERVER_ERROR" || code === "TIMEOUT") return true;
  const message = error instanceof Error ? error.message : String(error);
  return /failed to fetch|fetch failed|network|ECONNREFUSED|Bad Gateway/i.test(message);
}

/**
 * One line a person can read for any failure: a contract's refusal decoded by the SDK, an SDK input error,
 * a relayer refusal with its code, an indexer failure, an unreachable node, a wallet refusal.
 */
export function describeError(error: unknown): string {
  const decoded = decodeMedchainError(error);
  if (decoded !== undefined) return decoded.shortMessage;
  if (error instanceof MedchainError) return error.shortMessage;
  if (error instanceof RelayError) return `${error.message} (${error.code})`;
  if (error instanceof IndexerError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ACTION_REJECTED") return "the signature request was rejected in the wallet";
  if (isUnreachable(error)) return "the chain node cannot be reached";
  const short = (error as { shortMessage?: unknown } | null)?.shortMessage;
  if (typeof short === "string") return short;
  return error instanceof Error ? error.message : String(error);
}
