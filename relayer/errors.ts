/** The relayer's refusals: an HTTP status, a stable code and a message a hospital's support desk can read out. */

/** Stable error codes of the relayer's HTTP answers (docs/relayer.md lists when each is given). */
export type RelayerErrorCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "BODY_TOO_LARGE"
  | "MALFORMED_JSON"
  | "INVALID_REQUEST"
  | "WRONG_CHAIN"
  | "EXPIRED"
  | "RELAYER_NOT_PROVIDER"
  | "UNKNOWN_PATIENT"
  | "RATE_LIMITED"
  | "STALE_NONCE"
  | "BAD_SIGNATURE"
  | "NOT_PATIENT_OR_DELEGATE"
  | "SIMULATION_FAILED"
  | "UPSTREAM";

/** A refusal: the HTTP status, a stable code and a message a hospital's support desk can read out. */
export class RelayerError extends Error {
  readonly status: number;
  readonly code: RelayerErrorCode;
  readonly field: string | undefined;

  constructor(status: number, code: RelayerErrorCode, message: string, field?: string) {
    super(message);
    this.name = "RelayerError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}
