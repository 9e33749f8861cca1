import { isHexString, ZeroHash } from "ethers";

import { MedchainInputError } from "./errors.js";

/**
 * Input checks the SDK's builders share (claims, research): each throws {@link MedchainInputError} naming
 * the field, before anything is signed or sent.
 */

/**
 * Checks a 32-byte hash given as hex and returns it in lower case; zero is refused unless `allowZero`.
 *
 * @example
 * ```ts
 * const protocolHash = checkHash32(input.protocolHash, "protocolHash", "the protocol hash");
 * ```
 */
export function checkHash32(
  value: unknown,
  field: string,
  what: string,
  options: { allowZero?: boolean } = {},
): string {
  if (typeof value !== "string" || !isHexString(value, 32)) {
    throw new MedchainInputError(`${what} ${JSON.stringify(value)} is not a 32-byte hash (0x and 64 hex digits)`, {
      field,
    });
  }
  const normalised = value.toLowerCase();
  if (!options.allowZero && normalised === ZeroHash) {
    throw new MedchainInputError(`${what} is zero`, { field });
  }
  return normalised;
}

/**
 * Unix seconds as an ISO 8601 date when a JavaScript date can hold them, else as plain seconds (so a message
 * about an absurd input never throws itself).
 *
 * @example
 * ```ts
 * secondsToIso(1_800_000_000n); // "2027-01-15T08:00:00.000Z"
 * ```
 */
export function secondsToIso(seconds: bigint): string {
  const millis = Number(seconds) * 1000;
  return Number.isFinite(millis) && Math.abs(millis) <= 8.64e15
    ? new Date(millis).toISOString()
    : `${seconds} s after 1970`;
}
