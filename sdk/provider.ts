import { FeeData, JsonRpcProvider, type JsonRpcApiProviderOptions } from "ethers";

/**
 * A JSON-RPC provider for the consortium chain, where gas is free (Besu `zeroBaseFee` genesis,
 * `min-gas-price=0`): operators' accounts hold no ether, so every transaction must offer a zero fee. ethers'
 * default fee estimate (base fee × 2 + a 1 gwei tip) would be refused for lack of funds; this provider
 * offers 0 instead. The node's chain is still detected, so `MedchainClient.connect` refuses another chain.
 *
 * @example
 * ```ts
 * const provider = new ConsortiumProvider("http://10.0.0.11:8545");
 * const client = await MedchainClient.connect(new Wallet(key, provider), deployment);
 * ```
 */
export class ConsortiumProvider extends JsonRpcProvider {
  /**
   * `options` are ethers' JSON-RPC provider options. Two defaults differ from ethers': `cacheTimeout` -1
   * (ethers caches answers for 250 ms, so two transactions a service sends within that time would read the
   * same account nonce and the second would be refused) and `pollingInterval` 1,000 ms (a QBFT block period
   * is a few seconds; ethers polls every 4 s).
   */
  constructor(url: string, options: JsonRpcApiProviderOptions = {}) {
    super(url, undefined, { cacheTimeout: -1, pollingInterval: 1_000, ...options });
  }

  /**
   * Zero fees: `gasPrice`, `maxFeePerGas` and `maxPriorityFeePerGas` are all 0.
   *
   * @example
   * ```ts
   * const { maxFeePerGas } = await provider.getFeeData(); // 0n
   * ```
   */
  override async getFeeData(): Promise<FeeData> {
    return new FeeData(0n, 0n, 0n);
  }
}
