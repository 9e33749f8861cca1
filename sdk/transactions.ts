import type { BaseContract, ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";

import { decodeMedchainError, MedchainError } from "./errors.js";

/**
 * Sending transactions the same way everywhere in the SDK: a refusal by a medchain contract (when the node
 * estimates gas, or when the mined transaction reverts) becomes a decoded {@link MedchainContractError};
 * a mined transaction yields the domain result read from its receipt (ids from events), not a bare receipt.
 */

/**
 * A result read from a mined transaction, with the receipt it came from.
 *
 * @example
 * ```ts
 * const { patientId, receipt }: Mined<{ patientId: bigint }> = await (await client.patients.register(a, c)).wait();
 * ```
 */
export type Mined<TResult> = TResult & { receipt: ContractTransactionReceipt };

/**
 * A sent medchain transaction: its hash at once (record it before waiting, so an interrupted service can
 * look the transaction up), and {@link MedchainTransaction.wait} for the domain result once it is mined.
 *
 * @example
 * ```ts
 * const transaction = await client.records.anchor(anchor);
 * journal.write(transaction.hash);
 * const { contentHash, receipt } = await transaction.wait();
 * ```
 */
export class MedchainTransaction<TResult> {
  /** The ethers response of the sent transaction. */
  readonly response: ContractTransactionResponse;
  /** The transaction's hash. */
  readonly hash: string;
  readonly #interpret: (receipt: ContractTransactionReceipt) => TResult | Promise<TResult>;

  constructor(
    response: ContractTransactionResponse,
    interpret: (receipt: ContractTransactionReceipt) => TResult | Promise<TResult>,
  ) {
    this.response = response;
    this.hash = response.hash;
    this.#interpret = interpret;
  }

  /**
   * Waits until the transaction is mined (and `confirmations` blocks deep) and returns the domain result
   * with the receipt. A revert of the mined transaction rejects (decoded when it carries a medchain error).
   *
   * @example
   * ```ts
   * const { claimId } = await (await client.claims.submit(submission)).wait();
   * ```
   */
  async wait(confirmations = 1): Promise<Mined<TResult>> {
    let receipt: ContractTransactionReceipt | null;
    try {
      receipt = await this.response.wait(confirmations);
    } catch (error) {
      throw decodeMedchainError(error) ?? error;
    }
    if (receipt === null) {
      throw new MedchainError("the node returned no receipt for a mined transaction", {
        details: `transaction ${this.hash}`,
      });
    }
    return { ...(await this.#interpret(receipt)), receipt };
  }
}

/**
 * Sends a contract call and wraps it into a {@link MedchainTransaction}; a refusal while sending (the node's
 * gas estimate runs the call first) rejects with the decoded {@link MedchainContractError}, so nothing is
 * signed or broadcast for a call the contract would refuse.
 *
 * @example
 * ```ts
 * const transaction = await sendMedchainTransaction(
 *   () => recordRegistry.anchorRecord(anchor),
 *   () => ({ contentHash: anchor.contentHash }),
 * );
 * ```
 */
export async function sendMedchainTransaction<TResult>(
  send: () => Promise<ContractTransactionResponse>,
  interpret: (receipt: ContractTransactionReceipt) => TResult | Promise<TResult>,
): Promise<MedchainTransaction<TResult>> {
  let response: ContractTransactionResponse;
  try {
    response = await send();
  } catch (error) {
    throw decodeMedchainError(error) ?? error;
  }
  return new MedchainTransaction(response, interpret);
}

/**
 * Sends a contract call and waits for its receipt: {@link sendMedchainTransaction} then
 * {@link MedchainTransaction.wait}, for callers that need nothing but the receipt.
 *
 * @example
 * ```ts
 * const receipt = await sendAndWait(() => claimRegistry.startReview(claimId));
 * ```
 */
export async function sendAndWait(
  send: () => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  const transaction = await sendMedchainTransaction(send, () => ({}));
  return (await transaction.wait()).receipt;
}

/**
 * The events named `eventName` that `contract` emitted in a receipt, decoded (other contracts' logs are
 * ignored, so a look-alike event from elsewhere cannot be mistaken for the registry's).
 *
 * @example
 * ```ts
 * const [registered] = await eventsInReceipt(patientRegistry, receipt, "PatientRegistered");
 * ```
 */
export async function eventsInReceipt(
  contract: Pick<BaseContract, "interface" | "getAddress">,
  receipt: ContractTransactionReceipt,
  eventName: string,
): Promise<LogDescription[]> {
  const address = (await contract.getAddress()).toLowerCase();
  const found: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === eventName) found.push(parsed);
  }
  return found;
}

/**
 * The first event named `eventName` from `contract` in a receipt; a {@link MedchainError} naming the
 * transaction when the contract emitted none (a contract that is not medchain's at that address, or an SDK
 * older than the contracts).
 *
 * @example
 * ```ts
 * const event = await requireEventInReceipt(claimRegistry, receipt, "ClaimSubmitted");
 * const claimId = String(event.args[0]);
 * ```
 */
export async function requireEventInReceipt(
  contract: Pick<BaseContract, "interface" | "getAddress">,
  receipt: ContractTransactionReceipt,
  eventName: string,
): Promise<LogDescription> {
  const [event] = await eventsInReceipt(contract, receipt, eventName);
  if (event === undefined) {
    throw new MedchainError(`the transaction was mined but emitted no ${eventName} event`, {
      details: `transaction ${receipt.hash}`,
    });
  }
  return event;
}
