/**
 * What an operator needs to start a Hyperledger Besu QBFT consortium chain for medchain: the QBFT genesis
 * `extraData`, the genesis file (Cancun from genesis, zero base fee), node keys, static nodes, the node
 * allowlist and each node's configuration. Pure functions (ethers only), used by `scripts/besu-network.ts`
 * and tested in `test/besu.test.ts`; the runbook is docs/deploy-besu.md.
 */
import { decodeRlp, encodeRlp, getAddress, hexlify, isAddress, Wallet, type RlpStructuredData } from "ethers";

/** The QBFT genesis `mixHash` Besu requires ("ctical byzantine fault tolerance"). */
export const QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

const ZERO_VANITY = `0x${"00".repeat(32)}`;

/** A malformed network description, with the field at fault. */
export class BesuConfigError extends Error {
  /** The option or field at fault. */
  readonly field: string;

  constructor(message: string, field: string) {
    super(message);
    this.name = "BesuConfigError";
    this.field = field;
  }
}

/**
 * The QBFT genesis `extraData` for block-header validator selection: RLP of
 * `[32-byte vanity, [validator addresses], vote (empty list), round (empty bytes = 0), seals (empty list)]`,
 * the layout Besu documents (and `besu rlp encode --type=QBFT_EXTRA_DATA` produces).
 *
 * @example
 * ```ts
 * qbftExtraData(["0x64a702e6263b7297a96638cac6ae65e6541f4169"]); // "0xf83aa000…d694 64a7…c080c0"
 * ```
 */
export function qbftExtraData(validators: readonly string[]): string {
  if (validators.length === 0) throw new BesuConfigError("a QBFT network needs at least one validator", "validators");
  const seen = new Set<string>();
  const addresses = validators.map((validator, index) => {
    if (!isAddress(validator)) {
      throw new BesuConfigError(`validator ${index} (${validator}) is not an address`, "validators");
    }
    const address = getAddress(validator).toLowerCase();
    if (seen.has(address)) throw new BesuConfigError(`validator ${validator} is listed twice`, "validators");
    seen.add(address);
    return address;
  });
  return encodeRlp([ZERO_VANITY, addresses, [], "0x", []]);
}

/** The fields of a QBFT `extraData`. */
export interface QbftExtraData {
  vanity: string;
  validators: string[];
  /** Empty in a genesis block. */
  vote: RlpStructuredData;
  /** Round number bytes ("0x" is round 0). */
  round: string;
  /** Committer seals (empty in a genesis block). */
  seals: RlpStructuredData;
}

/**
 * Decodes a QBFT `extraData` (what `besu rlp decode --type=QBFT_EXTRA_DATA` prints), checking its shape.
 *
 * @example
 * ```ts
 * decodeQbftExtraData(genesis.extraData).validators; // ["0x64a7…", …]
 * ```
 */
export function decodeQbftExtraData(extraData: string): QbftExtraData {
  const decoded = decodeRlp(extraData);
  if (!Array.isArray(decoded) || decoded.length !== 5) {
    throw new BesuConfigError("QBFT extraData is an RLP list of five items", "extraData");
  }
  const [vanity, validators, vote, round, seals] = decoded;
  if (typeof vanity !== "string" || vanity.length !== 66) {
    throw new BesuConfigError("QBFT extraData starts with 32 bytes of vanity", "extraData");
  }
  if (!Array.isArray(validators) || validators.some((v) => typeof v !== "string" || !isAddress(v))) {
    throw new BesuConfigError("QBFT extraData's second item is the list of validator addresses", "extraData");
  }
  if (typeof round !== "string" || vote === undefined || seals === undefined) {
    throw new BesuConfigError("QBFT extraData ends with vote, round and seals", "extraData");
  }
  return { vanity, validators: validators.map((v) => getAddress(v as string)), vote, round, seals };
}

/** What the consortium chooses for its chain. */
export interface QbftNetworkOptions {
  chainId: number;
  validators: readonly string[];
  /** Seconds between blocks (default 2). */
  blockPeriodSeconds?: number;
  /** Seconds before a round change (default 4: twice the block period). */
  requestTimeoutSeconds?: number;
  /** Blocks between validator-vote resets (default 30,000). */
  epochLength?: number;
  /** Block gas limit (default 60,000,000, as the local development chain). */
  gasLimit?: bigint;
  /** Accounts funded at genesis (not needed with zero gas price; useful for tooling that checks balances). */
  alloc?: Readonly<Record<string, bigint>>;
}

/** A Besu genesis file (the subset medchain sets). */
export interface BesuGenesis {
  config: {
    chainId: number;
    berlinBlock: number;
    londonBlock: number;
    shanghaiTime: number;
    cancunTime: number;
    zeroBaseFee: boolean;
    qbft: { blockperiodseconds: number; epochlength: number; requesttimeoutseconds: number };
  };
  nonce: string;
  timestamp: string;
  extraData: string;
  gasLimit: string;
  difficulty: string;
  mixHash: string;
  coinbase: string;
  alloc: Record<string, { balance: string }>;
}

/**
 * The QBFT genesis: every fork through Cancun active from genesis (the EVM target medchain compiles for), a
 * zero base fee (with `min-gas-price=0` on the nodes, transactions are free), and the validators in
 * `extraData`.
 *
 * @example
 * ```ts
 * const genesis = qbftGenesis({ chainId: 2026, validators: nodes.map((n) => n.address) });
 * ```
 */
export function qbftGenesis(options: QbftNetworkOptions): BesuGenesis {
  const { chainId } = options;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new BesuConfigError(`chain id ${chainId} must be a positive integer`, "chainId");
  }
  const blockPeriodSeconds = options.blockPeriodSeconds ?? 2;
  const requestTimeoutSeconds = options.requestTimeoutSeconds ?? blockPeriodSeconds * 2;
  if (!Number.isInteger(blockPeriodSeconds) || blockPeriodSeconds < 1) {
    throw new BesuConfigError("blocks need a period of at least one second", "blockPeriodSeconds");
  }
  if (requestTimeoutSeconds <= blockPeriodSeconds) {
    throw new BesuConfigError("the round-change timeout must exceed the block period", "requestTimeoutSeconds");
  }
  const gasLimit = options.gasLimit ?? 60_000_000n;
  if (gasLimit < 5_000_000n)
    throw new BesuConfigError("a gas limit below 5,000,000 cannot deploy medchain", "gasLimit");
  const alloc: Record<string, { balance: string }> = {};
  for (const [account, balance] of Object.entries(options.alloc ?? {})) {
    if (!isAddress(account)) throw new BesuConfigError(`${account} is not an address`, "alloc");
    alloc[getAddress(account).slice(2).toLowerCase()] = { balance: `0x${balance.toString(16)}` };
  }
  return {
    config: {
      chainId,
      berlinBlock: 0,
      londonBlock: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      zeroBaseFee: true,
      qbft: {
        blockperiodseconds: blockPeriodSeconds,
        epochlength: options.epochLength ?? 30_000,
        requesttimeoutseconds: requestTimeoutSeconds,
      },
    },
    nonce: "0x0",
    timestamp: "0x0",
    extraData: qbftExtraData(options.validators),
    gasLimit: `0x${gasLimit.toString(16)}`,
    difficulty: "0x1",
    mixHash: QBFT_MIX_HASH,
    coinbase: "0x0000000000000000000000000000000000000000",
    alloc,
  };
}

/** A node's identity: its key (a validator's key is its signing key), public key and enode. */
export interface BesuNodeKey {
  /** TEST ONLY when generated here: production keys are made on the node (or in an HSM) and never copied. */
  privateKey: string;
  /** 64 bytes, uncompressed, without the 0x04 prefix: the enode id. */
  publicKey: string;
  /** The validator address. */
  address: string;
}

/**
 * A fresh node key. For test networks and rehearsals only: a hospital generates its production key on its own
 * node (`besu public-key export`) and sends only the public key and address.
 *
 * @example
 * ```ts
 * const node = generateNodeKey();
 * enodeUrl(node, "10.0.0.11", 30303);
 * ```
 */
export function generateNodeKey(): BesuNodeKey {
  const wallet = Wallet.createRandom();
  return nodeKeyFromPrivateKey(wallet.privateKey);
}

/** The node identity of a known private key. */
export function nodeKeyFromPrivateKey(privateKey: string): BesuNodeKey {
  const wallet = new Wallet(privateKey);
  return {
    privateKey: wallet.privateKey,
    publicKey: hexlify(wallet.signingKey.publicKey).replace(/^0x04/, "0x"),
    address: wallet.address,
  };
}

/**
 * The enode URL of a node, as static nodes and allowlists list it.
 *
 * @example
 * ```ts
 * enodeUrl(node, "10.0.0.11", 30303); // "enode://<128 hex digits>@10.0.0.11:30303"
 * ```
 */
export function enodeUrl(node: Pick<BesuNodeKey, "publicKey">, host: string, port: number): string {
  if (!/^0x[0-9a-f]{128}$/i.test(node.publicKey)) {
    throw new BesuConfigError("a node public key is 64 bytes (128 hex digits)", "publicKey");
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new BesuConfigError(`port ${port}`, "port");
  return `enode://${node.publicKey.slice(2).toLowerCase()}@${host}:${port}`;
}

/** The node allowlist (`permissions_config.toml`): only the consortium's nodes may connect. */
export function nodesAllowlistToml(enodes: readonly string[]): string {
  return `nodes-allowlist=[\n${enodes.map((enode) => `  "${enode}"`).join(",\n")}\n]\n`;
}

/**
 * One node's `config.toml`: QBFT genesis, free gas (`min-gas-price=0`), static peers and the node allowlist,
 * JSON-RPC over HTTP for the hospital's own systems only.
 */
export function besuNodeToml(options: { p2pPort: number; rpcPort: number; rpcHostAllowlist?: string[] }): string {
  const hosts = options.rpcHostAllowlist ?? ["localhost", "127.0.0.1"];
  return [
    'genesis-file="genesis.json"',
    'data-path="data"',
    'node-private-key-file="key"',
    `p2p-port=${options.p2pPort}`,
    "discovery-enabled=false",
    'static-nodes-file="static-nodes.json"',
    "permissions-nodes-config-file-enabled=true",
    'permissions-nodes-config-file="permissions_config.toml"',
    "min-gas-price=0",
    "rpc-http-enabled=true",
    'rpc-http-host="127.0.0.1"',
    `rpc-http-port=${options.rpcPort}`,
    'rpc-http-api=["ETH","NET","WEB3","QBFT"]',
    `host-allowlist=[${hosts.map((host) => `"${host}"`).join(",")}]`,
    "",
  ].join("\n");
}
