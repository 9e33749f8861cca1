import type { Provider } from "ethers";

import { MedchainInputError } from "./errors.js";

/**
 * Reading medchain's events over long chains. Nodes cap how many blocks one `eth_getLogs` may span (Besu's
 * `--rpc-max-logs-range` is 5,000 by default), so every event query here walks the range in pages of
 * `blockRange` blocks, oldest first, and reports its progress.
 */

/**
 * How many blocks one `eth_getLogs` call spans unless told otherwise: Besu's default
 * `--rpc-max-logs-range`.
 *
 * @example
 * ```ts
 * const history = await client.consent.history(patientId, { blockRange: DEFAULT_LOG_BLOCK_RANGE * 2 });
 * ```
 */
export const DEFAULT_LOG_BLOCK_RANGE = 5_000;

/**
 * Where an event query looks and how it pages.
 *
 * @example
 * ```ts
 * const options: EventQueryOptions = { fromBlock: 1_200_000, blockRange: 2_000, onProgress: (p) => log(p) };
 * ```
 */
export interface EventQueryOptions {
  /** First block to read; the deployment's first block (or 0 when unknown) unless given. */
  fromBlock?: number;
  /** Last block to read; the latest block unless given. */
  toBlock?: number;
  /** Blocks per `eth_getLogs` call (1 or more); {@link DEFAULT_LOG_BLOCK_RANGE} unless given. */
  blockRange?: number;
  /** Called after each page with the blocks read so far. */
  onProgress?: (progress: EventQueryProgress) => void;
}

/**
 * How far an event query has got.
 *
 * @example
 * ```ts
 * const onProgress = (p: EventQueryProgress) => console.log(`${p.pageToBlock - p.fromBlock + 1}/${p.toBlock - p.fromBlock + 1} blocks`);
 * ```
 */
export interface EventQueryProgress {
  fromBlock: number;
  toBlock: number;
  /** The last block of the page just read. */
  pageToBlock: number;
  /** Events found so far. */
  found: number;
}

/**
 * One page of an event query: the events of blocks `fromBlock`…`toBlock`, in chain order.
 *
 * @example
 * ```ts
 * for await (const page of client.consent.accessLogPages({ memberId: 2n })) archive(page.events);
 * ```
 */
export interface EventPage<TEntry> {
  fromBlock: number;
  toBlock: number;
  events: TEntry[];
}

/** Anything with a position in the chain (ethers logs and the SDK's entries). */
interface ChainPosition {
  blockNumber: number;
  index: number;
}

/**
 * Chain order: by block, then by position in the block.
 *
 * @example
 * ```ts
 * logs.sort(byChainPosition);
 * ```
 */
export function byChainPosition(a: ChainPosition, b: ChainPosition): number {
  return a.blockNumber - b.blockNumber || a.index - b.index;
}

function checkBlock(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MedchainInputError(`${field} must be a block number (a whole number, 0 or more); ${value} is not`, {
      field,
    });
  }
  return value;
}

/**
 * Resolves {@link EventQueryOptions} against the node: the block range to read and the page size, checked
 * (a typed error for a negative or fractional block, an empty page size, or `fromBlock` after `toBlock`).
 *
 * @example
 * ```ts
 * const range = await resolveEventRange(provider, { blockRange: 1_000 }, deploymentStartBlock);
 * ```
 */
export async function resolveEventRange(
  provider: Provider,
  options: EventQueryOptions,
  defaultFromBlock = 0,
): Promise<{ fromBlock: number; toBlock: number; blockRange: number }> {
  const fromBlock = checkBlock(options.fromBlock ?? defaultFromBlock, "fromBlock");
  const toBlock = checkBlock(options.toBlock ?? (await provider.getBlockNumber()), "toBlock");
  const blockRange = options.blockRange ?? DEFAULT_LOG_BLOCK_RANGE;
  if (!Number.isSafeInteger(blockRange) || blockRange < 1) {
    throw new MedchainInputError(`blockRange must be a whole number of blocks, 1 or more; ${blockRange} is not`, {
      field: "blockRange",
    });
  }
  if (fromBlock > toBlock) {
    throw new MedchainInputError(`fromBlock ${fromBlock} is after toBlock ${toBlock}`, { field: "fromBlock" });
  }
  return { fromBlock, toBlock, blockRange };
}

/**
 * Walks `fromBlock`…`toBlock` in pages of `blockRange` blocks, runs `query` on each page and yields its
 * results in chain order. `query` may run several `queryFilter`s and merge them; each result needs its
 * block number and index.
 *
 * @example
 * ```ts
 * const pages = pagedEvents(provider, (from, to) => registry.queryFilter(registry.filters.BatchAnchored(), from, to), {});
 * for await (const page of pages) console.log(page.events.length);
 * ```
 */
export async function* pagedEvents<TEntry extends ChainPosition>(
  provider: Provider,
  query: (fromBlock: number, toBlock: number) => Promise<TEntry[]>,
  options: EventQueryOptions,
  defaultFromBlock = 0,
): AsyncGenerator<EventPage<TEntry>> {
  const { fromBlock, toBlock, blockRange } = await resolveEventRange(provider, options, defaultFromBlock);
  let found = 0;
  for (let start = fromBlock; start <= toBlock; start += blockRange) {
    const end = Math.min(start + blockRange - 1, toBlock);
    const events = (await query(start, end)).sort(byChainPosition);
    found += events.length;
    options.onProgress?.({ fromBlock, toBlock, pageToBlock: end, found });
    yield { fromBlock: start, toBlock: end, events };
  }
}

/**
 * Every result of {@link pagedEvents}, in chain order.
 *
 * @example
 * ```ts
 * const anchored = await collectEvents(provider, (from, to) => registry.queryFilter(filter, from, to), { blockRange: 1_000 });
 * ```
 */
export async function collectEvents<TEntry extends ChainPosition>(
  provider: Provider,
  query: (fromBlock: number, toBlock: number) => Promise<TEntry[]>,
  options: EventQueryOptions,
  defaultFromBlock = 0,
): Promise<TEntry[]> {
  const all: TEntry[] = [];
  for await (const page of pagedEvents(provider, query, options, defaultFromBlock)) all.push(...page.events);
  return all;
}

/**
 * Block times for many logs with one `eth_getBlockByNumber` per distinct block.
 *
 * @example
 * ```ts
 * const times = new BlockTimes(provider);
 * const timestamp = await times.of(log.blockNumber);
 * ```
 */
export class BlockTimes {
  readonly #provider: Provider;
  readonly #cache = new Map<number, Promise<bigint>>();

  constructor(provider: Provider) {
    this.#provider = provider;
  }

  /**
   * The timestamp (unix seconds) of block `blockNumber`.
   *
   * @example
   * ```ts
   * const seconds = await times.of(1234);
   * ```
   */
  of(blockNumber: number): Promise<bigint> {
    let time = this.#cache.get(blockNumber);
    if (time === undefined) {
      time = this.#provider.getBlock(blockNumber).then((block) => {
        if (block === null) throw new MedchainInputError(`the node does not know block ${blockNumber}`);
        return BigInt(block.timestamp);
      });
      this.#cache.set(blockNumber, time);
    }
    return time;
  }
}
