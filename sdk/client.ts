import { isAddress, type ContractRunner, type ContractTransactionResponse, type Provider, type Signer } from "ethers";

import type {
  IConsentRegistry,
  IMemberRegistry,
  IPatientRegistry,
  IRecordRegistry,
  IResearchOptOutRegistry,
  IStudyRegistry,
} from "../typechain-types/index.js";
import type { IClaimRegistry } from "../typechain-types/contracts/interfaces/IClaimRegistry.js";
import {
  verifyProofBundleOnChain,
  type OnChainProofVerification,
  type RecordAnchor,
  type RecordBatch,
  type RecordProofBundle,
} from "./batches.js";
import {
  claimDomain,
  claimIdFromReceipt,
  claimStepCall,
  claimSubmissionCall,
  claimTimeline,
  signClaimAuthorization,
  type ClaimAuthorization,
  type ClaimDecision,
  type ClaimSubmission,
  type ClaimTimeline,
  type SubmitClaimOptions,
} from "./claims.js";
import {
  codeName,
  Duty,
  dutyMask,
  EmergencyReason,
  MemberStatus,
  RetractionReason,
  type Duty as DutyCode,
  type EmergencyReason as EmergencyReasonCode,
  type LegalBasis as LegalBasisCode,
  type Purpose as PurposeCode,
  type RecordCategory as RecordCategoryCode,
  type RetractionReason as RetractionReasonCode,
} from "./codes.js";
import {
  consentDomain,
  signGrant,
  signRevoke,
  signThirdPartyGrant,
  type DelegatedRequest,
  type GrantRequest,
  type RevokeRequest,
  type ThirdPartyGrantRequest,
} from "./consent.js";
import { connectMedchain, type MedchainContracts, type MedchainDeployment } from "./deployment.js";
import { MedchainError, MedchainInputError } from "./errors.js";
import { BlockTimes, collectEvents, pagedEvents, type EventPage, type EventQueryOptions } from "./events.js";
import { checkOptOutRequest, optOutDomain, signOptOut, type OptOutRequest } from "./opt-out.js";
import type { DatasetManifest, StudyRegistration } from "./research.js";
import { MedchainTransaction, requireEventInReceipt, sendMedchainTransaction } from "./transactions.js";

/**
 * The SDK's entry point: {@link MedchainClient.connect} checks the node's chain against the deployment and
 * return one object grouped by concern — `members`, `patients`, `consent`, `records`, `claims`, `research`
 * — whose reads
 * return typed values and whose writes return a {@link MedchainTransaction} that waits for the receipt and
 * gives the domain result (ids read from events). Writes that need an operator duty check it before anything
 * is signed ({@link MedchainDutyError}); every refusal by a contract arrives as a decoded
 * `MedchainContractError`. The typed contracts stay reachable as `client.contracts` for anything else.
 */

/**
 * Why an account may not take an operator's step: it is no operator, its organisation is not active, or it
 * lacks the duty.
 *
 * @example
 * ```ts
 * if (error instanceof MedchainDutyError && error.reason === "missing-duty") askOrgAdminFor(error.duty);
 * ```
 */
export type DutyProblem = "not-an-operator" | "member-not-active" | "missing-duty";

/**
 * The connected account cannot take this step: it is not an operator, its organisation is not active, or it
 * lacks the duty the step needs. Thrown before anything is signed or sent.
 *
 * @example
 * ```ts
 * try {
 *   await client.records.anchor(anchor);
 * } catch (error) {
 *   if (error instanceof MedchainDutyError) console.error(error.shortMessage); // "... lacks the DataSteward duty ..."
 * }
 * ```
 */
export class MedchainDutyError extends MedchainError {
  /** The account that tried. */
  readonly account: string;
  /** The duty the step needs; undefined when any operator of an active organisation may take it. */
  readonly duty: DutyCode | undefined;
  /** The account's organisation, 0n when it is no operator. */
  readonly memberId: bigint;
  /** What is missing. */
  readonly reason: DutyProblem;

  constructor(
    shortMessage: string,
    fields: { account: string; duty: DutyCode | undefined; memberId: bigint; reason: DutyProblem },
  ) {
    super(shortMessage);
    this.name = "MedchainDutyError";
    this.account = fields.account;
    this.duty = fields.duty;
    this.memberId = fields.memberId;
    this.reason = fields.reason;
  }
}

/**
 * A write was asked of a client connected to a provider only: connect it to a signer.
 *
 * @example
 * ```ts
 * const reader = await MedchainClient.connect(provider, deployment);
 * await reader.records.anchor(anchor); // rejects with MedchainSignerError
 * ```
 */
export class MedchainSignerError extends MedchainError {
  constructor(action: string) {
    super(`${action} needs a signer, but this client is connected to a provider only: connect it to a signer`);
    this.name = "MedchainSignerError";
  }
}

/**
 * A sequence of batch anchors stopped part-way (the node went away, a refusal): what was done is in
 * `outcomes`, the batch that was being anchored is `pendingRoot`. Anchor the same batches again: anchored
 * ones are recognised on chain and skipped, so nothing is anchored twice and nothing is lost.
 *
 * @example
 * ```ts
 * try {
 *   await client.records.anchorBatches(batches);
 * } catch (error) {
 *   if (error instanceof MedchainBatchAnchoringError) await client.records.anchorBatches(batches); // resumes
 * }
 * ```
 */
export class MedchainBatchAnchoringError extends MedchainError {
  /** The batches settled before the stop, in order. */
  readonly outcomes: BatchAnchorOutcome[];
  /** The root of the batch being anchored when it stopped. */
  readonly pendingRoot: string;

  constructor(outcomes: BatchAnchorOutcome[], pendingRoot: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    super(
      `anchoring stopped at batch ${pendingRoot} after ${outcomes.length} settled batch(es): ${reason}; ` +
        "run the same batches again to resume",
      { cause },
    );
    this.name = "MedchainBatchAnchoringError";
    this.outcomes = outcomes;
    this.pendingRoot = pendingRoot;
  }
}

/**
 * Where an event came from in the chain: block, position, transaction and block time.
 *
 * @example
 * ```ts
 * const [first] = await client.consent.history(patientId);
 * if (first) console.log(first.blockNumber, first.transactionHash, new Date(Number(first.timestamp) * 1000));
 * ```
 */
export interface ChainEventPosition {
  blockNumber: number;
  /** The log's index in its block. */
  index: number;
  transactionHash: string;
  /** Block time, unix seconds. */
  timestamp: bigint;
}

/**
 * One step of a patient's consent history, oldest first: grants, revocations, emergency (break-glass)
 * accesses opened and closed, and signature nonces voided.
 *
 * @example
 * ```ts
 * for (const entry of await client.consent.history(patientId)) {
 *   if (entry.kind === "granted") console.log(entry.grantee, entry.categories, entry.expiresAt);
 * }
 * ```
 */
export type ConsentHistoryEntry = ChainEventPosition & { patientId: bigint } & (
    | {
        kind: "granted";
        grantee: bigint;
        grantedBy: string;
        categories: number;
        purposes: number;
        notBefore: bigint;
        expiresAt: bigint;
        consentFormHash: string;
      }
    | { kind: "revoked"; grantee: bigint; revokedBy: string }
    | { kind: "breakGlassOpened"; memberId: bigint; clinician: string; reason: EmergencyReasonCode; endsAt: bigint }
    | { kind: "breakGlassClosed"; memberId: bigint; closedBy: string }
    | { kind: "noncesInvalidated"; invalidatedBy: string; newNonce: bigint }
  );

/**
 * One authorised access from the ConsentRegistry's access log.
 *
 * @example
 * ```ts
 * const entries: AccessLogEntry[] = await client.consent.accessLog({ patientId });
 * ```
 */
export interface AccessLogEntry extends ChainEventPosition {
  patientId: bigint;
  memberId: bigint;
  operator: string;
  category: RecordCategoryCode;
  purpose: PurposeCode;
  /** The opaque, salted reference to the record read. */
  recordRef: string;
  /** Whether the access relied on emergency access rather than a grant. */
  underBreakGlass: boolean;
}

/**
 * Whose accesses to read: one patient's, one organisation's, or one organisation's to one patient.
 *
 * @example
 * ```ts
 * const filter: AccessLogFilter = { memberId: 2n };
 * ```
 */
export type AccessLogFilter = { patientId: bigint; memberId?: bigint } | { patientId?: bigint; memberId: bigint };

/**
 * What happened to one batch in {@link MedchainRecords.anchorBatches}: anchored now (with the transaction),
 * or found already anchored by this organisation (an earlier run, or an earlier attempt of this run whose
 * answer was lost).
 *
 * @example
 * ```ts
 * const fresh = report.outcomes.filter((outcome: BatchAnchorOutcome) => outcome.status === "anchored");
 * ```
 */
export type BatchAnchorOutcome =
  | { status: "anchored"; root: string; leafCount: number; transactionHash: string; blockNumber: number }
  | { status: "already-anchored"; root: string; leafCount: number; anchoredAt: bigint };

/**
 * Progress of {@link MedchainRecords.anchorBatches}.
 *
 * @example
 * ```ts
 * const onProgress = (p: BatchAnchorProgress) => console.error(`${p.done}/${p.total ?? "?"} batches, ${p.records} records`);
 * ```
 */
export interface BatchAnchorProgress {
  /** Batches settled so far. */
  done: number;
  /** How many batches there are, when the input is an array. */
  total: number | undefined;
  /** Records in the settled batches. */
  records: number;
  /** The batch just settled. */
  last: BatchAnchorOutcome;
}

/**
 * Options of {@link MedchainClient.connect}.
 *
 * @example
 * ```ts
 * const client = await MedchainClient.connect(signer, deployment, { confirmations: 2 });
 * ```
 */
export interface MedchainClientOptions {
  /** Blocks a write waits for past its own before `wait()` resolves; 1 unless given. */
  confirmations?: number;
}

/** What every group of the client shares. */
class ClientContext {
  readonly contracts: MedchainContracts;
  readonly runner: ContractRunner;
  readonly provider: Provider;
  readonly confirmations: number;
  readonly blockTimes: BlockTimes;

  constructor(contracts: MedchainContracts, runner: ContractRunner, provider: Provider, confirmations: number) {
    this.contracts = contracts;
    this.runner = runner;
    this.provider = provider;
    this.confirmations = confirmations;
    this.blockTimes = new BlockTimes(provider);
  }

  get startBlock(): number {
    return this.contracts.deployment.startBlock ?? 0;
  }

  signer(action: string): Signer {
    const candidate = this.runner as Partial<Signer>;
    if (typeof candidate.getAddress !== "function" || typeof candidate.signTypedData !== "function") {
      throw new MedchainSignerError(action);
    }
    return this.runner as Signer;
  }

  /**
   * Checks that the connected signer is an operator of an active organisation holding `duty` (any duty when
   * undefined) and returns its account and organisation.
   */
  async requireOperator(duty: DutyCode | undefined, action: string): Promise<{ account: string; memberId: bigint }> {
    const account = await this.signer(action).getAddress();
    const { memberRegistry } = this.contracts;
    const operator = await memberRegistry.getOperator(account);
    const memberId = operator.memberId;
    if (memberId === 0n) {
      throw new MedchainDutyError(`${account} is not an operator of any consortium member, so it cannot ${action}`, {
        account,
        duty,
        memberId,
        reason: "not-an-operator",
      });
    }
    const member = await memberRegistry.getMember(memberId);
    if (Number(member.status) !== MemberStatus.Active) {
      throw new MedchainDutyError(
        `${account}'s organisation (member ${memberId}) is ${codeName(MemberStatus, member.status)}, ` +
          `so its operators cannot ${action}`,
        { account, duty, memberId, reason: "member-not-active" },
      );
    }
    if (duty !== undefined && (Number(operator.duties) & (1 << duty)) === 0) {
      throw new MedchainDutyError(
        `${account} (operator of member ${memberId}) lacks the ${codeName(Duty, duty)} duty needed to ${action}; ` +
          "its organisation's OrgAdmin can add it",
        { account, duty, memberId, reason: "missing-duty" },
      );
    }
    return { account, memberId };
  }

  /** Reads events page by page from the deployment's first block unless told otherwise. */
  collect<T extends { blockNumber: number; index: number }>(
    query: (fromBlock: number, toBlock: number) => Promise<T[]>,
    options: EventQueryOptions,
  ): Promise<T[]> {
    return collectEvents(this.provider, query, options, this.startBlock);
  }

  async position(log: { blockNumber: number; index: number; transactionHash: string }): Promise<ChainEventPosition> {
    return {
      blockNumber: log.blockNumber,
      index: log.index,
      transactionHash: log.transactionHash,
      timestamp: await this.blockTimes.of(log.blockNumber),
    };
  }
}

function checkPositiveId(value: bigint, field: string, what: string): bigint {
  if (typeof value !== "bigint" || value <= 0n) {
    throw new MedchainInputError(`${what} must be a positive bigint id; ${String(value)} is not`, { field });
  }
  return value;
}

function checkAccount(value: string, field: string): string {
  if (typeof value !== "string" || !isAddress(value)) {
    throw new MedchainInputError(`${JSON.stringify(value)} is not an account address (0x and 40 hex digits)`, {
      field,
    });
  }
  return value;
}

/** The deadline of a signature: given, or `validForSeconds` (one hour) after the chain's latest block time. */
async function signatureDeadline(provider: Provider, validity: SignatureValidity): Promise<bigint> {
  if (validity.deadline !== undefined) return validity.deadline;
  const seconds = validity.validForSeconds ?? 3_600n;
  if (seconds <= 0n) {
    throw new MedchainInputError("a signature must stay valid for at least one second", { field: "validForSeconds" });
  }
  const latest = await provider.getBlock("latest");
  if (latest === null) throw new MedchainError("the node returned no latest block");
  return BigInt(latest.timestamp) + seconds;
}

/**
 * How long a signature made by the client stays usable: an explicit `deadline` (unix seconds, inclusive), or
 * `validForSeconds` after the chain's latest block time (one hour unless given).
 *
 * @example
 * ```ts
 * const signed = await patientClient.consent.signGrant(request, { validForSeconds: 600n });
 * ```
 */
export interface SignatureValidity {
  deadline?: bigint;
  validForSeconds?: bigint;
}

/**
 * Consortium members and their operators (`MemberRegistry`). Admitting, suspending and removing members is
 * the membership council's, through the consortium authority's delay: use `client.contracts` for those.
 *
 * @example
 * ```ts
 * const operator = await client.members.operator(account);
 * const hospital = await client.members.get(operator.memberId);
 * ```
 */
export class MedchainMembers {
  readonly #context: ClientContext;

  /** @internal Built by {@link MedchainClient.connect}. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /**
   * Member `memberId` (kind, status, join time, metadata hash); status None when there is no such member.
   *
   * @example
   * ```ts
   * const { kind, status } = await client.members.get(2n);
   * ```
   */
  get(memberId: bigint): Promise<IMemberRegistry.MemberStructOutput> {
    return this.#context.contracts.memberRegistry.getMember(memberId);
  }

  /**
   * The operator entry of `account` (its organisation, duty bitmask, when added); memberId 0 when it is none.
   *
   * @example
   * ```ts
   * const { memberId, duties } = await client.members.operator(account);
   * ```
   */
  operator(account: string): Promise<IMemberRegistry.OperatorStructOutput> {
    return this.#context.contracts.memberRegistry.getOperator(checkAccount(account, "account"));
  }

  /**
   * Whether `account` is an operator of an active member holding `duty`.
   *
   * @example
   * ```ts
   * if (await client.members.hasDuty(account, Duty.Clinician)) showEmergencyButton();
   * ```
   */
  hasDuty(account: string, duty: DutyCode): Promise<boolean> {
    return this.#context.contracts.memberRegistry.hasDuty(checkAccount(account, "account"), duty);
  }

  /**
   * How many members were ever admitted (ids run from 1 to this).
   *
   * @example
   * ```ts
   * const count = await client.members.count();
   * ```
   */
  async count(): Promise<bigint> {
    return this.#context.contracts.memberRegistry.memberCount();
  }

  /**
   * Adds `operator` to member `memberId` with `duties` (the organisation's OrgAdmin, or the council).
   *
   * @example
   * ```ts
   * await (await client.members.addOperator(nurseAccount, 1n, [Duty.Clinician])).wait();
   * ```
   */
  async addOperator(
    operator: string,
    memberId: bigint,
    duties: readonly DutyCode[],
  ): Promise<MedchainTransaction<{ operator: string; memberId: bigint }>> {
    const account = checkAccount(operator, "operator");
    if (duties.length === 0) throw new MedchainInputError("an operator needs at least one duty", { field: "duties" });
    const mask = dutyMask(...duties);
    this.#context.signer("add an operator");
    const { memberRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => memberRegistry.addOperator(account, memberId, mask),
      () => ({ operator: account, memberId }),
    );
  }

  /**
   * Removes `operator` from its organisation (its OrgAdmin, or the guardian).
   *
   * @example
   * ```ts
   * await (await client.members.removeOperator(leaverAccount)).wait();
   * ```
   */
  async removeOperator(operator: string): Promise<MedchainTransaction<{ operator: string }>> {
    const account = checkAccount(operator, "operator");
    this.#context.signer("remove an operator");
    const { memberRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => memberRegistry.removeOperator(account),
      () => ({ operator: account }),
    );
  }
}

/**
 * Patients (`PatientRegistry`): registration by a hospital registrar, look-ups, delegates, account rotation.
 * Recovery and deactivation are on `client.contracts.patientRegistry`.
 *
 * @example
 * ```ts
 * const { patientId } = await (await registrarClient.patients.register(patientAccount, commitment)).wait();
 * ```
 */
export class MedchainPatients {
  readonly #context: ClientContext;

  /** @internal Built by {@link MedchainClient.connect}. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /**
   * Registers a patient after the registrar's off-chain identity check: the patient's account and the
   * peppered identity commitment (`identityCommitment`). Needs the Registrar duty of a hospital or clinic.
   *
   * @example
   * ```ts
   * const commitment = identityCommitment({ documentType, documentNumber, pepper });
   * const { patientId } = await (await client.patients.register(patientAccount, commitment)).wait();
   * ```
   */
  async register(account: string, identityCommitment: string): Promise<MedchainTransaction<{ patientId: bigint }>> {
    const patient = checkAccount(account, "account");
    await this.#context.requireOperator(Duty.Registrar, "register a patient");
    const { patientRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => patientRegistry.registerPatient(patient, identityCommitment),
      async (receipt) => ({
        patientId: BigInt((await requireEventInReceipt(patientRegistry, receipt, "PatientRegistered")).args[0]),
      }),
    );
  }

  /**
   * Patient `patientId` (account, status, registering organisation and time).
   *
   * @example
   * ```ts
   * const { account, status } = await client.patients.get(patientId);
   * ```
   */
  get(patientId: bigint): Promise<IPatientRegistry.PatientStructOutput> {
    return this.#context.contracts.patientRegistry.getPatient(patientId);
  }

  /**
   * The patient id of `account`, 0n when it is no patient's.
   *
   * @example
   * ```ts
   * const patientId = await client.patients.idOf(await patientWallet.getAddress());
   * ```
   */
  idOf(account: string): Promise<bigint> {
    return this.#context.contracts.patientRegistry.patientIdOf(checkAccount(account, "account"));
  }

  /**
   * The patient id registered under an identity commitment, 0n when none: how a second hospital finds a
   * patient it has identified itself.
   *
   * @example
   * ```ts
   * const patientId = await client.patients.idByCommitment(identityCommitment(input));
   * ```
   */
  idByCommitment(identityCommitment: string): Promise<bigint> {
    return this.#context.contracts.patientRegistry.patientIdByCommitment(identityCommitment);
  }

  /**
   * The patient (connected as their own account) appoints `delegate` for `scope` (a `DelegateScope` bitmask)
   * until `expiresAt` (unix seconds).
   *
   * @example
   * ```ts
   * await (await patientClient.patients.appointDelegate(patientId, daughter, DelegateScope.Consent, expiresAt)).wait();
   * ```
   */
  async appointDelegate(
    patientId: bigint,
    delegate: string,
    scope: number,
    expiresAt: bigint,
  ): Promise<MedchainTransaction<{ patientId: bigint; delegate: string }>> {
    const account = checkAccount(delegate, "delegate");
    this.#context.signer("appoint a delegate");
    const { patientRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => patientRegistry.appointDelegate(patientId, account, scope, expiresAt),
      () => ({ patientId, delegate: account }),
    );
  }

  /**
   * Ends `delegate`'s appointment for patient `patientId` (the patient, or a hospital registrar).
   *
   * @example
   * ```ts
   * await (await patientClient.patients.revokeDelegate(patientId, daughter)).wait();
   * ```
   */
  async revokeDelegate(
    patientId: bigint,
    delegate: string,
  ): Promise<MedchainTransaction<{ patientId: bigint; delegate: string }>> {
    const account = checkAccount(delegate, "delegate");
    this.#context.signer("revoke a delegate");
    const { patientRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => patientRegistry.revokeDelegate(patientId, account),
      () => ({ patientId, delegate: account }),
    );
  }

  /**
   * The patient (connected as their current account) moves to `newAccount`.
   *
   * @example
   * ```ts
   * await (await patientClient.patients.rotateAccount(newPhoneWallet.address)).wait();
   * ```
   */
  async rotateAccount(newAccount: string): Promise<MedchainTransaction<{ newAccount: string }>> {
    const account = checkAccount(newAccount, "newAccount");
    this.#context.signer("rotate a patient account");
    const { patientRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => patientRegistry.rotateAccount(account),
      () => ({ newAccount: account }),
    );
  }
}

/**
 * Consent (`ConsentRegistry`): grants and revocations, signed off chain by the patient and relayed by a
 * hospital, authorisation checks, the access log, emergency access, and the paged history and log queries.
 *
 * @example
 * ```ts
 * const signed = await patientClient.consent.signGrant(request);
 * await (await hospitalClient.consent.relayGrant(signed)).wait();
 * ```
 */
export class MedchainConsent {
  readonly #context: ClientContext;

  /** @internal Built by {@link MedchainClient.connect}. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  #domain() {
    const { deployment } = this.#context.contracts;
    return consentDomain({ chainId: deployment.chainId, verifyingContract: deployment.consentRegistry });
  }

  /**
   * Grants directly, sent by the patient's own account or a consent delegate's (paying gas; most patients
   * sign with {@link MedchainConsent.signGrant} instead).
   *
   * @example
   * ```ts
   * await (await patientClient.consent.grant(request)).wait();
   * ```
   */
  async grant(request: GrantRequest): Promise<MedchainTransaction<{ patientId: bigint; grantee: bigint }>> {
    this.#context.signer("grant consent");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.grant(request),
      () => ({ patientId: request.patientId, grantee: request.grantee }),
    );
  }

  /**
   * The patient (or a consent delegate), connected as their own key, signs a grant off chain: nothing is
   * sent and no gas is needed. The nonce is read from the chain; hand the result to a hospital to relay.
   *
   * @example
   * ```ts
   * const signed = await patientClient.consent.signGrant(request, { validForSeconds: 900n });
   * ```
   */
  async signGrant(request: GrantRequest, validity: SignatureValidity = {}): Promise<DelegatedRequest<GrantRequest>> {
    const signer = this.#context.signer("sign a consent grant");
    const nonce = await this.#context.contracts.consentRegistry.nonces(request.patientId);
    const deadline = await signatureDeadline(this.#context.provider, validity);
    return signGrant(signer, this.#domain(), request, nonce, deadline);
  }

  /**
   * Relays a signed grant (`grantBySig`); anyone may relay, the signature is the authority.
   *
   * @example
   * ```ts
   * const { patientId, grantee } = await (await hospitalClient.consent.relayGrant(signed)).wait();
   * ```
   */
  async relayGrant(
    signed: DelegatedRequest<GrantRequest>,
  ): Promise<MedchainTransaction<{ patientId: bigint; grantee: bigint }>> {
    this.#context.signer("relay a consent grant");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.grantBySig(signed),
      () => ({ patientId: signed.request.patientId, grantee: signed.request.grantee }),
    );
  }

  /**
   * Grants a third party (an insurer beyond claims, a research institute, a regulator, a company) directly,
   * under declared terms (`thirdPartyGrantRequest`): its requester class and the patient's explicit opt-ins.
   *
   * @example
   * ```ts
   * await (await patientClient.consent.grantThirdParty(request)).wait();
   * ```
   */
  async grantThirdParty(
    request: ThirdPartyGrantRequest,
  ): Promise<MedchainTransaction<{ patientId: bigint; grantee: bigint }>> {
    this.#context.signer("grant consent to a third party");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.grantThirdParty(request),
      () => ({ patientId: request.grant.patientId, grantee: request.grant.grantee }),
    );
  }

  /**
   * The patient signs a third-party grant off chain (no gas); a hospital relays it with
   * {@link MedchainConsent.relayThirdPartyGrant}.
   *
   * @example
   * ```ts
   * const signed = await patientClient.consent.signThirdPartyGrant(request);
   * ```
   */
  async signThirdPartyGrant(
    request: ThirdPartyGrantRequest,
    validity: SignatureValidity = {},
  ): Promise<DelegatedRequest<ThirdPartyGrantRequest>> {
    const signer = this.#context.signer("sign a third-party grant");
    const nonce = await this.#context.contracts.consentRegistry.nonces(request.grant.patientId);
    const deadline = await signatureDeadline(this.#context.provider, validity);
    return signThirdPartyGrant(signer, this.#domain(), request, nonce, deadline);
  }

  /**
   * Relays a signed third-party grant (`grantThirdPartyBySig`); anyone may relay.
   *
   * @example
   * ```ts
   * await (await hospitalClient.consent.relayThirdPartyGrant(signed)).wait();
   * ```
   */
  async relayThirdPartyGrant(
    signed: DelegatedRequest<ThirdPartyGrantRequest>,
  ): Promise<MedchainTransaction<{ patientId: bigint; grantee: bigint }>> {
    this.#context.signer("relay a third-party grant");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.grantThirdPartyBySig(signed),
      () => ({ patientId: signed.request.grant.patientId, grantee: signed.request.grant.grantee }),
    );
  }

  /**
   * The terms stored beside patient `patientId`'s grant to `grantee` (requester class, explicit opt-ins).
   *
   * @example
   * ```ts
   * const { thirdParty, optIns } = await client.consent.thirdPartyTerms(patientId, companyId);
   * ```
   */
  thirdPartyTerms(patientId: bigint, grantee: bigint): Promise<IConsentRegistry.ThirdPartyTermsStructOutput> {
    return this.#context.contracts.consentRegistry.getThirdPartyTerms(patientId, grantee);
  }

  /**
   * {@link MedchainConsent.isAuthorized}, and the grant's terms allow every use in `uses` (`ExplicitOptIn`
   * bits: commercial use, identifiable data).
   *
   * @example
   * ```ts
   * await client.consent.isAuthorizedForUse(patientId, companyId, RecordCategory.LabResult, Purpose.Marketing, ExplicitOptIn.CommercialUse);
   * ```
   */
  isAuthorizedForUse(
    patientId: bigint,
    memberId: bigint,
    category: RecordCategoryCode,
    purpose: PurposeCode,
    uses: number,
  ): Promise<boolean> {
    return this.#context.contracts.consentRegistry.isAuthorizedForUse(patientId, memberId, category, purpose, uses);
  }

  /**
   * Revokes directly (the patient's own account or a consent delegate's).
   *
   * @example
   * ```ts
   * await (await patientClient.consent.revoke({ patientId, grantee: 2n })).wait();
   * ```
   */
  async revoke(request: RevokeRequest): Promise<MedchainTransaction<RevokeRequest>> {
    this.#context.signer("revoke consent");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.revoke(request),
      () => ({ ...request }),
    );
  }

  /**
   * Signs a revocation off chain (see {@link MedchainConsent.signGrant}).
   *
   * @example
   * ```ts
   * const signed = await patientClient.consent.signRevoke({ patientId, grantee: 2n });
   * ```
   */
  async signRevoke(request: RevokeRequest, validity: SignatureValidity = {}): Promise<DelegatedRequest<RevokeRequest>> {
    const signer = this.#context.signer("sign a consent revocation");
    const nonce = await this.#context.contracts.consentRegistry.nonces(request.patientId);
    const deadline = await signatureDeadline(this.#context.provider, validity);
    return signRevoke(signer, this.#domain(), request, nonce, deadline);
  }

  /**
   * Relays a signed revocation (`revokeBySig`).
   *
   * @example
   * ```ts
   * await (await hospitalClient.consent.relayRevoke(signed)).wait();
   * ```
   */
  async relayRevoke(signed: DelegatedRequest<RevokeRequest>): Promise<MedchainTransaction<RevokeRequest>> {
    this.#context.signer("relay a consent revocation");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.revokeBySig(signed),
      () => ({ ...signed.request }),
    );
  }

  /**
   * Whether organisation `memberId` may access `category` records of patient `patientId` for `purpose` now
   * (a live grant, or open emergency access for treatment).
   *
   * @example
   * ```ts
   * if (await client.consent.isAuthorized(patientId, 2n, RecordCategory.LabResult, Purpose.Treatment)) show();
   * ```
   */
  isAuthorized(
    patientId: bigint,
    memberId: bigint,
    category: RecordCategoryCode,
    purpose: PurposeCode,
  ): Promise<boolean> {
    return this.#context.contracts.consentRegistry.isAuthorized(patientId, memberId, category, purpose);
  }

  /**
   * Patient `patientId`'s stored grant to `grantee` (all zero when never granted).
   *
   * @example
   * ```ts
   * const { categories, expiresAt, revokedAt } = await client.consent.grantOf(patientId, 2n);
   * ```
   */
  grantOf(patientId: bigint, grantee: bigint): Promise<IConsentRegistry.GrantStructOutput> {
    return this.#context.contracts.consentRegistry.getGrant(patientId, grantee);
  }

  /**
   * Logs an access by the connected operator to a record of patient `patientId`; the contract refuses it
   * unless the access is authorised at this moment, so the log proves it. Needs an operator of an active
   * organisation (a clinician for an access under emergency access).
   *
   * @example
   * ```ts
   * const { underBreakGlass } = await (await client.consent.logAccess({
   *   patientId, category: RecordCategory.LabResult, purpose: Purpose.Treatment, recordRef,
   * })).wait();
   * ```
   */
  async logAccess(access: {
    patientId: bigint;
    category: RecordCategoryCode;
    purpose: PurposeCode;
    recordRef: string;
  }): Promise<MedchainTransaction<{ underBreakGlass: boolean }>> {
    await this.#context.requireOperator(undefined, "log an access");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.logAccess(access.patientId, access.category, access.purpose, access.recordRef),
      async (receipt) => ({
        underBreakGlass: Boolean((await requireEventInReceipt(consentRegistry, receipt, "AccessLogged")).args[6]),
      }),
    );
  }

  /**
   * A clinician of a hospital opens emergency (break-glass) access to patient `patientId` for treatment;
   * resolves to when it ends. Needs the Clinician duty.
   *
   * @example
   * ```ts
   * const { endsAt } = await (await clinicianClient.consent.openBreakGlass(patientId, EmergencyReason.Unconscious)).wait();
   * ```
   */
  async openBreakGlass(
    patientId: bigint,
    reason: EmergencyReasonCode,
  ): Promise<MedchainTransaction<{ memberId: bigint; endsAt: bigint }>> {
    if (!Object.values(EmergencyReason).includes(reason)) {
      throw new MedchainInputError(`${String(reason)} is not an EmergencyReason`, { field: "reason" });
    }
    await this.#context.requireOperator(Duty.Clinician, "open emergency access");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.openBreakGlass(patientId, reason),
      async (receipt) => {
        const event = await requireEventInReceipt(consentRegistry, receipt, "BreakGlassOpened");
        return { memberId: BigInt(event.args[1]), endsAt: BigInt(event.args[4]) };
      },
    );
  }

  /**
   * Ends organisation `memberId`'s emergency access to patient `patientId` early (one of its clinicians,
   * the patient, or the guardian).
   *
   * @example
   * ```ts
   * await (await clinicianClient.consent.closeBreakGlass(patientId, 1n)).wait();
   * ```
   */
  async closeBreakGlass(
    patientId: bigint,
    memberId: bigint,
  ): Promise<MedchainTransaction<{ patientId: bigint; memberId: bigint }>> {
    this.#context.signer("close emergency access");
    const { consentRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => consentRegistry.closeBreakGlass(patientId, memberId),
      () => ({ patientId, memberId }),
    );
  }

  /**
   * Patient `patientId`'s consent history, oldest first, read page by page ({@link EventQueryOptions}).
   *
   * @example
   * ```ts
   * const history = await client.consent.history(patientId, { onProgress: (p) => console.error(p.pageToBlock) });
   * ```
   */
  async history(patientId: bigint, options: EventQueryOptions = {}): Promise<ConsentHistoryEntry[]> {
    checkPositiveId(patientId, "patientId", "a patient id");
    const registry = this.#context.contracts.consentRegistry;
    const f = registry.filters;
    const logs = await this.#context.collect(async (from, to) => {
      const [granted, revoked, opened, closed, invalidated] = await Promise.all([
        registry.queryFilter(f.ConsentGranted(patientId), from, to),
        registry.queryFilter(f.ConsentRevoked(patientId), from, to),
        registry.queryFilter(f.BreakGlassOpened(patientId), from, to),
        registry.queryFilter(f.BreakGlassClosed(patientId), from, to),
        registry.queryFilter(f.NoncesInvalidated(patientId), from, to),
      ]);
      return [
        ...granted.map((log) => ({ ...position(log), entry: grantedEntry(log.args) })),
        ...revoked.map((log) => ({
          ...position(log),
          entry: { kind: "revoked" as const, grantee: log.args.grantee, revokedBy: log.args.revokedBy },
        })),
        ...opened.map((log) => ({
          ...position(log),
          entry: {
            kind: "breakGlassOpened" as const,
            memberId: log.args.memberId,
            clinician: log.args.clinician,
            reason: Number(log.args.reason) as EmergencyReasonCode,
            endsAt: log.args.endsAt,
          },
        })),
        ...closed.map((log) => ({
          ...position(log),
          entry: { kind: "breakGlassClosed" as const, memberId: log.args.memberId, closedBy: log.args.closedBy },
        })),
        ...invalidated.map((log) => ({
          ...position(log),
          entry: {
            kind: "noncesInvalidated" as const,
            invalidatedBy: log.args.invalidatedBy,
            newNonce: log.args.newNonce,
          },
        })),
      ];
    }, options);
    return Promise.all(logs.map(async (log) => ({ ...(await this.#context.position(log)), patientId, ...log.entry })));
  }

  /**
   * The access log of a patient, of an organisation, or of an organisation's accesses to one patient, oldest
   * first, read page by page.
   *
   * @example
   * ```ts
   * const accesses = await client.consent.accessLog({ memberId: 2n }, { fromBlock: 1_000_000 });
   * ```
   */
  async accessLog(filter: AccessLogFilter, options: EventQueryOptions = {}): Promise<AccessLogEntry[]> {
    const entries: AccessLogEntry[] = [];
    for await (const page of this.accessLogPages(filter, options)) entries.push(...page.events);
    return entries;
  }

  /**
   * {@link MedchainConsent.accessLog} one page of blocks at a time, for logs too long to hold at once.
   *
   * @example
   * ```ts
   * for await (const page of client.consent.accessLogPages({ patientId })) await archive(page.events);
   * ```
   */
  async *accessLogPages(
    filter: AccessLogFilter,
    options: EventQueryOptions = {},
  ): AsyncGenerator<EventPage<AccessLogEntry>> {
    const patientId = filter.patientId;
    const memberId = filter.memberId;
    if (patientId === undefined && memberId === undefined) {
      throw new MedchainInputError("an access log query needs a patientId, a memberId or both", { field: "filter" });
    }
    if (patientId !== undefined) checkPositiveId(patientId, "patientId", "a patient id");
    if (memberId !== undefined) checkPositiveId(memberId, "memberId", "a member id");
    const registry = this.#context.contracts.consentRegistry;
    const eventFilter = registry.filters.AccessLogged(patientId, memberId);
    const pages = pagedEvents(
      this.#context.provider,
      (from, to) => registry.queryFilter(eventFilter, from, to),
      options,
      this.#context.startBlock,
    );
    for await (const page of pages) {
      const events = await Promise.all(
        page.events.map(async (log): Promise<AccessLogEntry> => ({
          ...(await this.#context.position(log)),
          patientId: log.args.patientId,
          memberId: log.args.memberId,
          operator: log.args.operator,
          category: Number(log.args.category) as RecordCategoryCode,
          purpose: Number(log.args.purpose) as PurposeCode,
          recordRef: log.args.recordRef,
          underBreakGlass: log.args.underBreakGlass,
        })),
      );
      yield { fromBlock: page.fromBlock, toBlock: page.toBlock, events };
    }
  }
}

function position(log: { blockNumber: number; index: number; transactionHash: string }) {
  return { blockNumber: log.blockNumber, index: log.index, transactionHash: log.transactionHash };
}

function grantedEntry(args: {
  grantee: bigint;
  grantedBy: string;
  categories: bigint;
  purposes: bigint;
  notBefore: bigint;
  expiresAt: bigint;
  consentFormHash: string;
}) {
  return {
    kind: "granted" as const,
    grantee: args.grantee,
    grantedBy: args.grantedBy,
    categories: Number(args.categories),
    purposes: Number(args.purposes),
    notBefore: args.notBefore,
    expiresAt: args.expiresAt,
    consentFormHash: args.consentFormHash,
  };
}

/**
 * Record-hash anchoring (`RecordRegistry`): single anchors, amendments, retractions, Merkle batches (with
 * resumable anchoring of many batches), and verification. Every write needs the DataSteward duty of a
 * hospital or clinic.
 *
 * @example
 * ```ts
 * const batch = await buildRecordBatch(anchors);
 * await (await client.records.anchorBatch(batch)).wait();
 * ```
 */
export class MedchainRecords {
  readonly #context: ClientContext;

  /** @internal Built by {@link MedchainClient.connect}. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /**
   * Anchors one record's content hash (category and salted subject commitment with it).
   *
   * @example
   * ```ts
   * const anchor = { contentHash: fhirContentHash(observation), category: RecordCategory.LabResult, subjectCommitment };
   * const { contentHash } = await (await client.records.anchor(anchor)).wait();
   * ```
   */
  async anchor(anchor: RecordAnchor): Promise<MedchainTransaction<{ contentHash: string }>> {
    await this.#context.requireOperator(Duty.DataSteward, "anchor a record");
    const { recordRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => recordRegistry.anchorRecord(anchor),
      () => ({ contentHash: anchor.contentHash }),
    );
  }

  /**
   * Anchors an amended version of a current record this organisation anchored; the previous one becomes
   * Superseded.
   *
   * @example
   * ```ts
   * await (await client.records.amend(previousHash, amendedAnchor)).wait();
   * ```
   */
  async amend(
    previousContentHash: string,
    amendment: RecordAnchor,
  ): Promise<MedchainTransaction<{ previousContentHash: string; contentHash: string }>> {
    await this.#context.requireOperator(Duty.DataSteward, "amend a record");
    const { recordRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => recordRegistry.amendRecord(previousContentHash, amendment),
      () => ({ previousContentHash, contentHash: amendment.contentHash }),
    );
  }

  /**
   * Retracts a current record this organisation anchored, for good, with a {@link RetractionReason}.
   *
   * @example
   * ```ts
   * await (await client.records.retract(contentHash, RetractionReason.EnteredInError)).wait();
   * ```
   */
  async retract(
    contentHash: string,
    reason: RetractionReasonCode,
  ): Promise<MedchainTransaction<{ contentHash: string; reason: RetractionReasonCode }>> {
    if (!Object.values(RetractionReason).includes(reason)) {
      throw new MedchainInputError(`${String(reason)} is not a RetractionReason`, { field: "reason" });
    }
    await this.#context.requireOperator(Duty.DataSteward, "retract a record");
    const { recordRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => recordRegistry.retractRecord(contentHash, reason),
      () => ({ contentHash, reason }),
    );
  }

  /**
   * What the chain says of a single anchored record (status None when it was never anchored on its own).
   *
   * @example
   * ```ts
   * const { status, custodian, anchoredAt } = await client.records.verify(fhirContentHash(resource));
   * ```
   */
  verify(contentHash: string): Promise<IRecordRegistry.RecordVerificationStructOutput> {
    return this.#context.contracts.recordRegistry.verifyRecord(contentHash);
  }

  /**
   * Checks a proof bundle against this deployment's RecordRegistry (see `verifyProofBundleOnChain`).
   *
   * @example
   * ```ts
   * const verdict = await client.records.verifyProofBundle(parseProofBundle(json));
   * ```
   */
  verifyProofBundle(bundle: RecordProofBundle | string): Promise<OnChainProofVerification> {
    return verifyProofBundleOnChain(this.#context.contracts.recordRegistry, bundle);
  }

  /**
   * Batch `root` as stored (custodian 0 when it was never anchored).
   *
   * @example
   * ```ts
   * const { custodian, leafCount, retracted } = await client.records.batch(batch.root);
   * ```
   */
  batch(root: string): Promise<IRecordRegistry.BatchStructOutput> {
    return this.#context.contracts.recordRegistry.getBatch(root);
  }

  /**
   * Anchors one Merkle batch built with `buildRecordBatch` / `RecordBatchBuilder` (root, leaf count,
   * manifest hash).
   *
   * @example
   * ```ts
   * const { root, leafCount } = await (await client.records.anchorBatch(batch)).wait();
   * ```
   */
  async anchorBatch(batch: RecordBatch): Promise<MedchainTransaction<{ root: string; leafCount: number }>> {
    await this.#context.requireOperator(Duty.DataSteward, "anchor a record batch");
    return this.#sendBatch(batch);
  }

  #sendBatch(batch: RecordBatch): Promise<MedchainTransaction<{ root: string; leafCount: number }>> {
    const { recordRegistry } = this.#context.contracts;
    const [root, leafCount, manifestHash] = batch.anchorBatchArgs();
    return sendMedchainTransaction(
      () => recordRegistry.anchorBatch(root, leafCount, manifestHash),
      () => ({ root, leafCount }),
    );
  }

  /**
   * Anchors many batches in order, resumably: a batch this organisation already anchored (an earlier run
   * cut short, or an attempt whose answer was lost when the node went away) is recognised on chain and
   * skipped, so running the same batches again after any failure anchors nothing twice and loses nothing.
   * A failure rejects with {@link MedchainBatchAnchoringError} listing what was settled.
   *
   * @example
   * ```ts
   * const report = await client.records.anchorBatches(batches, { onProgress: (p) => console.error(`${p.done}/${p.total}`) });
   * ```
   */
  async anchorBatches(
    batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>,
    options: { onProgress?: (progress: BatchAnchorProgress) => void } = {},
  ): Promise<{ outcomes: BatchAnchorOutcome[]; records: number }> {
    const { memberId } = await this.#context.requireOperator(Duty.DataSteward, "anchor record batches");
    const total = Array.isArray(batches) ? batches.length : undefined;
    const outcomes: BatchAnchorOutcome[] = [];
    let records = 0;
    for await (const batch of batches) {
      let outcome: BatchAnchorOutcome;
      try {
        outcome = await this.#anchorOnce(batch, memberId);
      } catch (error) {
        throw new MedchainBatchAnchoringError([...outcomes], batch.root, error);
      }
      outcomes.push(outcome);
      records += batch.leafCount;
      options.onProgress?.({ done: outcomes.length, total, records, last: outcome });
    }
    return { outcomes, records };
  }

  async #alreadyAnchored(batch: RecordBatch, memberId: bigint): Promise<BatchAnchorOutcome | undefined> {
    const stored = await this.batch(batch.root);
    if (stored.custodian !== memberId) return undefined;
    return { status: "already-anchored", root: batch.root, leafCount: batch.leafCount, anchoredAt: stored.anchoredAt };
  }

  async #anchorOnce(batch: RecordBatch, memberId: bigint): Promise<BatchAnchorOutcome> {
    const before = await this.#alreadyAnchored(batch, memberId);
    if (before !== undefined) return before;
    try {
      const transaction = await this.#sendBatch(batch);
      const { receipt } = await transaction.wait(this.#context.confirmations);
      return {
        status: "anchored",
        root: batch.root,
        leafCount: batch.leafCount,
        transactionHash: receipt.hash,
        blockNumber: receipt.blockNumber,
      };
    } catch (error) {
      // An earlier attempt whose answer was lost may have been mined meanwhile: then ours was refused (or
      // reverted) because the root is taken — by us. Anything else is a real failure.
      const after = await this.#alreadyAnchored(batch, memberId);
      if (after !== undefined) return after;
      throw error;
    }
  }
}

/**
 * Insurance claims (`ClaimRegistry`): the provider's claims officer submits, answers and withdraws; the
 * insurer's reviews, decides and pays; anyone reads a claim and its timeline. Every step needs the
 * ClaimsOfficer duty.
 *
 * @example
 * ```ts
 * const { claimId } = await (await providerClient.claims.submit(submission)).wait();
 * await (await insurerClient.claims.decide(claimId, { kind: "startReview" })).wait();
 * ```
 */
export class MedchainClaims {
  readonly #context: ClientContext;

  /** @internal Built by {@link MedchainClient.connect}. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /**
   * Submits a claim (see `claimSubmission`), on the patient's live consent grant to the insurer or with the
   * patient's signed authorisation in `options`.
   *
   * @example
   * ```ts
   * const { claimId } = await (await client.claims.submit(submission, { authorization })).wait();
   * ```
   */
  async submit(
    submission: ClaimSubmission,
    options: SubmitClaimOptions = {},
  ): Promise<MedchainTransaction<{ claimId: string }>> {
    const call = claimSubmissionCall(this.#context.contracts.claimRegistry, submission, options);
    await this.#context.requireOperator(Duty.ClaimsOfficer, "submit a claim");
    return this.#send(call, async (receipt) => ({
      claimId: await claimIdFromReceipt(this.#context.contracts.claimRegistry, receipt),
    }));
  }

  /**
   * The patient (connected as their own key) signs an authorisation of this exact submission by `provider`
   * (its memberId), so the claim needs no consent grant. Nothing is sent.
   *
   * @example
   * ```ts
   * const authorization = await patientClient.claims.signAuthorization(submission, 1n);
   * ```
   */
  async signAuthorization(
    submission: ClaimSubmission,
    provider: bigint,
    validity: SignatureValidity = {},
  ): Promise<ClaimAuthorization> {
    const signer = this.#context.signer("sign a claim authorisation");
    const { deployment, claimRegistry } = this.#context.contracts;
    const nonce = await claimRegistry.claimNonces(submission.patientId);
    const domain = claimDomain({ chainId: deployment.chainId, verifyingContract: deployment.claimRegistry });
    const deadline = await signatureDeadline(this.#context.provider, validity);
    return signClaimAuthorization(signer, domain, submission, provider, nonce, deadline);
  }

  /**
   * The insurer's step on a claim: start the review, request information, approve (in full or in part) or
   * deny ({@link ClaimDecision}).
   *
   * @example
   * ```ts
   * await (await insurerClient.claims.decide(claimId, { kind: "approve", amount: 3_800_000n })).wait();
   * ```
   */
  async decide(claimId: string, decision: ClaimDecision): Promise<MedchainTransaction<{ claimId: string }>> {
    const call = claimStepCall(this.#context.contracts.claimRegistry, claimId, decision);
    await this.#context.requireOperator(Duty.ClaimsOfficer, `take the step ${decision.kind} on a claim`);
    return this.#send(call, () => ({ claimId }));
  }

  /**
   * The insurer records the payment of an approved claim with the hash of its payment reference.
   *
   * @example
   * ```ts
   * await (await insurerClient.claims.pay(claimId, paymentReferenceHash)).wait();
   * ```
   */
  async pay(claimId: string, paymentReferenceHash: string): Promise<MedchainTransaction<{ claimId: string }>> {
    const call = claimStepCall(this.#context.contracts.claimRegistry, claimId, { kind: "pay", paymentReferenceHash });
    await this.#context.requireOperator(Duty.ClaimsOfficer, "record a claim payment");
    return this.#send(call, () => ({ claimId }));
  }

  /**
   * The provider answers an information request, with new attachments and/or a response document hash.
   *
   * @example
   * ```ts
   * await (await providerClient.claims.answer(claimId, [receiptHash])).wait();
   * ```
   */
  async answer(
    claimId: string,
    attachments: readonly string[],
    responseHash?: string,
  ): Promise<MedchainTransaction<{ claimId: string }>> {
    const call = claimStepCall(this.#context.contracts.claimRegistry, claimId, {
      kind: "answer",
      attachments,
      ...(responseHash === undefined ? {} : { responseHash }),
    });
    await this.#context.requireOperator(Duty.ClaimsOfficer, "answer a claim's information request");
    return this.#send(call, () => ({ claimId }));
  }

  /**
   * The provider withdraws a claim before a decision.
   *
   * @example
   * ```ts
   * await (await providerClient.claims.withdraw(claimId)).wait();
   * ```
   */
  async withdraw(claimId: string): Promise<MedchainTransaction<{ claimId: string }>> {
    const call = claimStepCall(this.#context.contracts.claimRegistry, claimId, { kind: "withdraw" });
    await this.#context.requireOperator(Duty.ClaimsOfficer, "withdraw a claim");
    return this.#send(call, () => ({ claimId }));
  }

  /**
   * Claim `claimId` as stored (status None when there is no such claim).
   *
   * @example
   * ```ts
   * const { status, approvedAmount } = await client.claims.get(claimId);
   * ```
   */
  get(claimId: string): Promise<IClaimRegistry.ClaimStructOutput> {
    return this.#context.contracts.claimRegistry.getClaim(claimId);
  }

  /**
   * The claim's submission and every status change, oldest first, read page by page (`claimTimeline`).
   *
   * @example
   * ```ts
   * const { entries } = await client.claims.timeline(claimId);
   * ```
   */
  timeline(claimId: string, options: EventQueryOptions = {}): Promise<ClaimTimeline> {
    return claimTimeline(this.#context.contracts.claimRegistry, claimId, {
      ...options,
      fromBlock: options.fromBlock ?? this.#context.startBlock,
    });
  }

  #send<T>(
    call: Parameters<typeof sendMedchainTransaction>[0],
    interpret: Parameters<typeof sendMedchainTransaction<T>>[1],
  ): Promise<MedchainTransaction<T>> {
    return sendMedchainTransaction(call, interpret);
  }
}

/**
 * A patient's choice of what to withhold from research, for {@link MedchainResearch.optOut}: everything
 * (`wholly`, the default when nothing is named), record categories (a `categoryMask`), DUO permissions (bits
 * from `dataUsePermissionBit`).
 *
 * @example
 * ```ts
 * const choice: OptOutChoice = { categories: categoryMask(RecordCategory.TraditionalChineseMedicine) };
 * ```
 */
export interface OptOutChoice {
  wholly?: boolean;
  categories?: number;
  permissions?: number;
}

/**
 * Research (`ResearchOptOutRegistry`, `StudyRegistry`, docs/research.md): a patient's opt-out, studies and
 * oversight's decisions on them, de-identified dataset manifests, researchers' access and its log, and
 * destruction attestations.
 *
 * @example
 * ```ts
 * const { studyId } = await (await universityClient.research.registerStudy(studyRegistration(input))).wait();
 * await (await oversightClient.research.approveStudy(studyId)).wait();
 * ```
 */
export class MedchainResearch {
  readonly #context: ClientContext;

  /** @internal Built by {@link MedchainClient.connect}. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /**
   * The patient (or a delegate with the Research scope) opts out of research: wholly unless categories or
   * permissions are named. Effective in the block it is mined.
   *
   * @example
   * ```ts
   * await (await patientClient.research.optOut(patientId)).wait(); // all research
   * ```
   */
  async optOut(
    patientId: bigint,
    choice: OptOutChoice = {},
  ): Promise<MedchainTransaction<{ patientId: bigint; wholly: boolean }>> {
    checkPositiveId(patientId, "patientId", "a patient id");
    const categories = choice.categories ?? 0;
    const permissions = choice.permissions ?? 0;
    const wholly = choice.wholly ?? (categories === 0 && permissions === 0);
    this.#context.signer("opt out of research");
    const registry = this.#context.contracts.researchOptOutRegistry;
    return sendMedchainTransaction(
      () => registry.setOptOut(patientId, wholly, categories, permissions),
      () => ({ patientId, wholly }),
    );
  }

  /**
   * The patient withdraws her objection: research may use her data again (under her grants and studies'
   * rules).
   *
   * @example
   * ```ts
   * await (await patientClient.research.optBackIn(patientId)).wait();
   * ```
   */
  async optBackIn(patientId: bigint): Promise<MedchainTransaction<{ patientId: bigint }>> {
    checkPositiveId(patientId, "patientId", "a patient id");
    this.#context.signer("opt back in to research");
    const registry = this.#context.contracts.researchOptOutRegistry;
    return sendMedchainTransaction(
      () => registry.setOptOut(patientId, false, 0, 0),
      () => ({ patientId }),
    );
  }

  /**
   * The patient (or a Research-scope delegate), connected as their own key, signs an opt-out off chain
   * (`optOutRequest`): nothing is sent and no gas is needed. The nonce is read from the chain; hand the result
   * to a hospital (its relayer's `POST /v1/relay/opt-out`, or {@link MedchainResearch.setOptOutBySig}).
   *
   * @example
   * ```ts
   * const signed = await patientClient.research.signOptOut(optOutRequest({ patientId }), { validForSeconds: 900n });
   * ```
   */
  async signOptOut(request: OptOutRequest, validity: SignatureValidity = {}): Promise<DelegatedRequest<OptOutRequest>> {
    const signer = this.#context.signer("sign a research opt-out");
    const { deployment, researchOptOutRegistry } = this.#context.contracts;
    const nonce = await researchOptOutRegistry.optOutNonce(request.patientId);
    const deadline = await signatureDeadline(this.#context.provider, validity);
    const domain = optOutDomain({ chainId: deployment.chainId, verifyingContract: deployment.researchOptOutRegistry });
    return signOptOut(signer, domain, request, nonce, deadline);
  }

  /**
   * Relays a signed opt-out (`setOptOutBySig`); anyone may relay, the signature is the authority. Effective in
   * the block it is mined.
   *
   * @example
   * ```ts
   * const { patientId, wholly } = await (await hospitalClient.research.setOptOutBySig(signed)).wait();
   * ```
   */
  async setOptOutBySig(
    signed: DelegatedRequest<OptOutRequest>,
  ): Promise<MedchainTransaction<{ patientId: bigint; wholly: boolean }>> {
    checkOptOutRequest(signed.request);
    this.#context.signer("relay a research opt-out");
    const registry = this.#context.contracts.researchOptOutRegistry;
    return sendMedchainTransaction(
      () => registry.setOptOutBySig(signed),
      () => ({ patientId: signed.request.patientId, wholly: signed.request.wholly }),
    );
  }

  /**
   * Patient `patientId`'s objection as stored (all zero: none).
   *
   * @example
   * ```ts
   * const { wholly, categories, permissions } = await client.research.optOutOf(patientId);
   * ```
   */
  optOutOf(patientId: bigint): Promise<IResearchOptOutRegistry.OptOutStructOutput> {
    return this.#context.contracts.researchOptOutRegistry.getOptOut(patientId);
  }

  /**
   * Whether patient `patientId` objects to research use of `category` records.
   *
   * @example
   * ```ts
   * if (await client.research.isOptedOut(patientId, RecordCategory.LabResult)) skip(patientId);
   * ```
   */
  isOptedOut(patientId: bigint, category: RecordCategoryCode): Promise<boolean> {
    return this.#context.contracts.researchOptOutRegistry.isOptedOut(patientId, category);
  }

  /**
   * Registers a study for the connected researcher's member (build it with `studyRegistration`); it waits
   * for oversight's approval. Needs the Researcher duty.
   *
   * @example
   * ```ts
   * const { studyId } = await (await client.research.registerStudy(studyRegistration(input))).wait();
   * ```
   */
  async registerStudy(registration: StudyRegistration): Promise<MedchainTransaction<{ studyId: bigint }>> {
    await this.#context.requireOperator(Duty.Researcher, "register a study");
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => studyRegistry.registerStudy(registration),
      async (receipt) => ({
        studyId: BigInt((await requireEventInReceipt(studyRegistry, receipt, "StudyRegistered")).args[0]),
      }),
    );
  }

  /**
   * Oversight approves a proposed study (the oversight role, through the consortium authority).
   *
   * @example
   * ```ts
   * await (await oversightClient.research.approveStudy(studyId)).wait();
   * ```
   */
  async approveStudy(studyId: bigint): Promise<MedchainTransaction<{ studyId: bigint }>> {
    return this.#oversight("approve a study", studyId, (registry) => registry.approveStudy(studyId));
  }

  /**
   * Oversight suspends an approved study for `reasonCode` (of the consortium's choosing).
   *
   * @example
   * ```ts
   * await (await oversightClient.research.suspendStudy(studyId, 12)).wait();
   * ```
   */
  async suspendStudy(studyId: bigint, reasonCode: number): Promise<MedchainTransaction<{ studyId: bigint }>> {
    return this.#oversight("suspend a study", studyId, (registry) => registry.suspendStudy(studyId, reasonCode));
  }

  /**
   * Oversight lifts a suspension.
   *
   * @example
   * ```ts
   * await (await oversightClient.research.reinstateStudy(studyId)).wait();
   * ```
   */
  async reinstateStudy(studyId: bigint): Promise<MedchainTransaction<{ studyId: bigint }>> {
    return this.#oversight("reinstate a study", studyId, (registry) => registry.reinstateStudy(studyId));
  }

  /**
   * Oversight closes a study for good.
   *
   * @example
   * ```ts
   * await (await oversightClient.research.closeStudy(studyId, 0)).wait();
   * ```
   */
  async closeStudy(studyId: bigint, reasonCode: number): Promise<MedchainTransaction<{ studyId: bigint }>> {
    return this.#oversight("close a study", studyId, (registry) => registry.closeStudy(studyId, reasonCode));
  }

  /**
   * Study `studyId` as stored (status None when there is no such study).
   *
   * @example
   * ```ts
   * const { status, termEnd, minimumK } = await client.research.study(studyId);
   * ```
   */
  study(studyId: bigint): Promise<IStudyRegistry.StudyStructOutput> {
    return this.#context.contracts.studyRegistry.getStudy(studyId);
  }

  /**
   * Study `studyId`'s DUO codes: the permission first, then the modifiers.
   *
   * @example
   * ```ts
   * const [permission, ...modifiers] = await client.research.studyDataUse(studyId);
   * ```
   */
  async studyDataUse(studyId: bigint): Promise<number[]> {
    return (await this.#context.contracts.studyRegistry.getStudyDataUse(studyId)).map(Number);
  }

  /**
   * A hospital's or clinic's data steward publishes a de-identified dataset manifest (build it with
   * `datasetManifest`, its cohort with `buildCohort`) for an approved study. Needs the DataSteward duty.
   *
   * @example
   * ```ts
   * const { datasetId } = await (await stewardClient.research.publishDataset(manifest)).wait();
   * ```
   */
  async publishDataset(manifest: DatasetManifest): Promise<MedchainTransaction<{ datasetId: bigint }>> {
    await this.#context.requireOperator(Duty.DataSteward, "publish a dataset");
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => studyRegistry.publishDataset(manifest),
      async (receipt) => ({
        datasetId: BigInt((await requireEventInReceipt(studyRegistry, receipt, "DatasetPublished")).args[0]),
      }),
    );
  }

  /**
   * Dataset `datasetId` as stored.
   *
   * @example
   * ```ts
   * const { cohortSize, k, optOutStateBlock } = await client.research.dataset(datasetId);
   * ```
   */
  dataset(datasetId: bigint): Promise<IStudyRegistry.DatasetStructOutput> {
    return this.#context.contracts.studyRegistry.getDataset(datasetId);
  }

  /**
   * The sponsor's Researcher or OrgAdmin names `researcher` (a Researcher of the sponsor) for dataset
   * `datasetId` until the study's term ends.
   *
   * @example
   * ```ts
   * await (await sponsorClient.research.grantDatasetAccess(datasetId, analyst.address)).wait();
   * ```
   */
  async grantDatasetAccess(
    datasetId: bigint,
    researcher: string,
  ): Promise<MedchainTransaction<{ datasetId: bigint; researcher: string }>> {
    const account = checkAccount(researcher, "researcher");
    await this.#context.requireOperator(undefined, "grant access to a dataset");
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => studyRegistry.grantDatasetAccess(datasetId, account),
      () => ({ datasetId, researcher: account }),
    );
  }

  /**
   * The sponsor withdraws `researcher`'s access to dataset `datasetId`.
   *
   * @example
   * ```ts
   * await (await sponsorClient.research.revokeDatasetAccess(datasetId, analyst.address)).wait();
   * ```
   */
  async revokeDatasetAccess(
    datasetId: bigint,
    researcher: string,
  ): Promise<MedchainTransaction<{ datasetId: bigint; researcher: string }>> {
    const account = checkAccount(researcher, "researcher");
    await this.#context.requireOperator(undefined, "revoke access to a dataset");
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => studyRegistry.revokeDatasetAccess(datasetId, account),
      () => ({ datasetId, researcher: account }),
    );
  }

  /**
   * The connected researcher logs a use of dataset `datasetId` (refused outside the term, after the ethics
   * approval expired, unless the study is approved, after destruction). Needs the Researcher duty.
   *
   * @example
   * ```ts
   * await (await analystClient.research.logDatasetAccess(datasetId, keccak256(toUtf8Bytes(`${salt}:query-17`)))).wait();
   * ```
   */
  async logDatasetAccess(datasetId: bigint, accessRef: string): Promise<MedchainTransaction<{ datasetId: bigint }>> {
    await this.#context.requireOperator(Duty.Researcher, "use a dataset");
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => studyRegistry.logDatasetAccess(datasetId, accessRef),
      () => ({ datasetId }),
    );
  }

  /**
   * Whether `researcher` may use dataset `datasetId` now.
   *
   * @example
   * ```ts
   * if (await client.research.canUseDataset(datasetId, analyst.address)) openWorkspace();
   * ```
   */
  canUseDataset(datasetId: bigint, researcher: string): Promise<boolean> {
    return this.#context.contracts.studyRegistry.canUseDataset(datasetId, checkAccount(researcher, "researcher"));
  }

  /**
   * The sponsor attests the destruction of dataset `datasetId` with the hash of the signed certificate,
   * once the term is over or the study closed.
   *
   * @example
   * ```ts
   * await (await sponsorClient.research.attestDestruction(datasetId, keccak256(certificatePdf))).wait();
   * ```
   */
  async attestDestruction(
    datasetId: bigint,
    certificateHash: string,
  ): Promise<MedchainTransaction<{ datasetId: bigint }>> {
    await this.#context.requireOperator(undefined, "attest a dataset's destruction");
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => studyRegistry.attestDestruction(datasetId, certificateHash),
      () => ({ datasetId }),
    );
  }

  /**
   * How many opted-out patients datasets have included under `legalBasis`, in total (public).
   *
   * @example
   * ```ts
   * const count = await client.research.legalExceptionCount(LegalBasis.CommunicableDiseaseControl);
   * ```
   */
  legalExceptionCount(legalBasis: LegalBasisCode): Promise<bigint> {
    return this.#context.contracts.studyRegistry.legalExceptionCount(legalBasis);
  }

  async #oversight(
    action: string,
    studyId: bigint,
    call: (registry: MedchainContracts["studyRegistry"]) => Promise<ContractTransactionResponse>,
  ): Promise<MedchainTransaction<{ studyId: bigint }>> {
    checkPositiveId(studyId, "studyId", "a study id");
    this.#context.signer(action);
    const { studyRegistry } = this.#context.contracts;
    return sendMedchainTransaction(
      () => call(studyRegistry),
      () => ({ studyId }),
    );
  }
}

/**
 * The medchain SDK client: one deployment, one runner (a signer to write, a provider to read), grouped by
 * concern. Connect one client per acting account (a hospital's registrar, its data steward, a patient's
 * wallet, an insurer's claims officer).
 *
 * @example
 * ```ts
 * const client = await MedchainClient.connect(hospitalSigner, await loadDeployment("ignition/deployments/chain-2026"));
 * const { patientId } = await (await client.patients.register(patientAccount, commitment)).wait();
 * const history = await client.consent.history(patientId);
 * ```
 */
export class MedchainClient {
  /** The typed contracts, for everything the groups do not cover. */
  readonly contracts: MedchainContracts;
  /** The deployment this client is connected to. */
  readonly deployment: MedchainDeployment;
  /** Members and operators. */
  readonly members: MedchainMembers;
  /** Patients and their delegates. */
  readonly patients: MedchainPatients;
  /** Grants, signatures, access log, emergency access. */
  readonly consent: MedchainConsent;
  /** Record anchors and batches. */
  readonly records: MedchainRecords;
  /** Insurance claims. */
  readonly claims: MedchainClaims;
  /** Research opt-outs, studies, datasets. */
  readonly research: MedchainResearch;
  readonly #context: ClientContext;

  private constructor(context: ClientContext) {
    this.#context = context;
    this.contracts = context.contracts;
    this.deployment = context.contracts.deployment;
    this.members = new MedchainMembers(context);
    this.patients = new MedchainPatients(context);
    this.consent = new MedchainConsent(context);
    this.records = new MedchainRecords(context);
    this.claims = new MedchainClaims(context);
    this.research = new MedchainResearch(context);
  }

  /**
   * Connects to a deployment after checking that the runner's node is on the deployment's chain (a
   * `MedchainDeploymentError` otherwise, before anything is signed).
   *
   * @example
   * ```ts
   * const client = await MedchainClient.connect(wallet.connect(new JsonRpcProvider(url)), deployment);
   * ```
   */
  static async connect(
    runner: ContractRunner,
    deployment: MedchainDeployment,
    options: MedchainClientOptions = {},
  ): Promise<MedchainClient> {
    const contracts = await connectMedchain(runner, deployment);
    const provider = runner.provider as Provider; // connectMedchain refused a runner without one
    const confirmations = options.confirmations ?? 1;
    if (!Number.isSafeInteger(confirmations) || confirmations < 1) {
      throw new MedchainInputError(`confirmations must be 1 or more; ${confirmations} is not`, {
        field: "confirmations",
      });
    }
    return new MedchainClient(new ClientContext(contracts, runner, provider, confirmations));
  }

  /**
   * The same deployment with another runner (another acting account), without checking the chain again.
   *
   * @example
   * ```ts
   * const asInsurer = client.connectAs(insurerOfficer);
   * ```
   */
  connectAs(runner: ContractRunner): MedchainClient {
    const { deployment } = this.#context.contracts;
    const provider = runner.provider ?? this.#context.provider;
    const contracts: MedchainContracts = {
      deployment,
      authority: this.contracts.authority.connect(runner),
      memberRegistry: this.contracts.memberRegistry.connect(runner),
      patientRegistry: this.contracts.patientRegistry.connect(runner),
      researchOptOutRegistry: this.contracts.researchOptOutRegistry.connect(runner),
      consentRegistry: this.contracts.consentRegistry.connect(runner),
      recordRegistry: this.contracts.recordRegistry.connect(runner),
      claimRegistry: this.contracts.claimRegistry.connect(runner),
      studyRegistry: this.contracts.studyRegistry.connect(runner),
    };
    return new MedchainClient(new ClientContext(contracts, runner, provider, this.#context.confirmations));
  }

  /**
   * The connected signer's account (a {@link MedchainSignerError} for a provider-only client).
   *
   * @example
   * ```ts
   * console.log(`acting as ${await client.account()}`);
   * ```
   */
  async account(): Promise<string> {
    return this.#context.signer("naming the acting account").getAddress();
  }
}
