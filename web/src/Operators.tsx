/**
 * The operators' views: a hospital clinician (check authorisation, record an access, open break-glass) and an
 * insurer's claims officer (queue, detail with timeline, every insurer step of the claim lifecycle). Both
 * send their own transactions with their persona key through `MedchainClient` on the zero-fee chain.
 */
import { hexlify, isHexString, keccak256, randomBytes, toUtf8Bytes } from "ethers";
import { useState, type ReactNode } from "react";

import type { MedchainClient } from "../../sdk/client.js";
import {
  ClaimStatus,
  type ClaimReason,
  type EmergencyReason,
  type Purpose,
  type RecordCategory,
} from "../../sdk/codes.js";
import type { MedchainTransaction } from "../../sdk/transactions.js";
import { format, formatAmount, parseAmount, type Messages } from "./i18n.js";
import type { IndexedClaim } from "./indexer.js";
import {
  busy,
  codeLabel,
  formatTime,
  ListState,
  TxStatus,
  useApp,
  useLoad,
  useMemberName,
  useTx,
  type AppContextValue,
} from "./ui.js";

function CodeSelect(props: {
  id: string;
  label: string;
  labels: Readonly<Record<number, string>>;
  value: number;
  onChange(value: number): void;
  testId: string;
  exclude?: readonly number[];
}): ReactNode {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
        data-testid={props.testId}
      >
        {Object.entries(props.labels)
          .filter(([code]) => !(props.exclude ?? []).includes(Number(code)))
          .map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
      </select>
    </div>
  );
}

function PatientIdField(props: {
  id: string;
  value: string;
  onChange(value: string): void;
  testId: string;
}): ReactNode {
  const { t } = useApp();
  return (
    <div className="field">
      <label htmlFor={props.id}>{t.patientIdLabel}</label>
      <input
        id={props.id}
        inputMode="numeric"
        autoComplete="off"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value.trim())}
        data-testid={props.testId}
      />
    </div>
  );
}

function patientIdOf(text: string, t: Messages): bigint {
  if (!/^[1-9][0-9]{0,19}$/.test(text)) throw new Error(t.careBadPatient);
  return BigInt(text);
}

/** Sends, waits for the receipt, then for the indexer; returns the block. */
async function mine<T>(
  app: AppContextValue,
  send: () => Promise<MedchainTransaction<T>>,
  step: (phase: "sending" | "waiting" | "indexing") => void,
): Promise<T & { blockNumber: number }> {
  step("sending");
  const transaction = await send();
  step("waiting");
  const mined = await transaction.wait();
  step("indexing");
  await app.indexer.waitForBlock(mined.receipt.blockNumber);
  return { ...mined, blockNumber: mined.receipt.blockNumber };
}

export function CareTeamView(props: { client: MedchainClient; memberId: number }): ReactNode {
  const app = useApp();
  const { t, codes, lang } = app;
  const memberName = useMemberName();

  const [checkPatient, setCheckPatient] = useState("");
  const [checkCategory, setCheckCategory] = useState(0);
  const [checkPurpose, setCheckPurpose] = useState(0);
  const [checkTx, runCheck] = useTx();

  const [recordPatient, setRecordPatient] = useState("");
  const [recordCategory, setRecordCategory] = useState(0);
  const [recordPurpose, setRecordPurpose] = useState(0);
  const [recordRef, setRecordRef] = useState("");
  const [recordTx, runRecord] = useTx();

  const [glassPatient, setGlassPatient] = useState("");
  const [glassReason, setGlassReason] = useState(0);
  const [glassTx, runGlass] = useTx();

  return (
    <div className="operator-grid">
      <form
        className="card"
        data-testid="care-check-form"
        onSubmit={(event) => {
          event.preventDefault();
          void runCheck(async () => {
            const patientId = patientIdOf(checkPatient, t);
            const memberId = BigInt(props.memberId);
            const consentRegistry = props.client.contracts.consentRegistry;
            const [authorised, breakGlassOpen] = await Promise.all([
              props.client.consent.isAuthorized(
                patientId,
                memberId,
                checkCategory as RecordCategory,
                checkPurpose as Purpose,
              ),
              consentRegistry.isBreakGlassOpen(patientId, memberId),
            ]);
            app.reportService("chain", undefined);
            if (!authorised) return t.careNotAuthorised;
            const name = memberName(props.memberId);
            // isAuthorized also answers true under an open break-glass (treatment only); say so, with its end.
            if (!breakGlassOpen) return format(t.careAuthorised, { name });
            const { endsAt } = await consentRegistry.getBreakGlass(patientId, memberId);
            return format(t.careAuthorisedBreakGlass, { name, time: formatTime(endsAt, lang) });
          });
        }}
      >
        <h2>{t.careCheckHeading}</h2>
        <PatientIdField
          id="check-patient"
          value={checkPatient}
          onChange={setCheckPatient}
          testId="care-check-patient"
        />
        <CodeSelect
          id="check-category"
          label={t.categoryLabel}
          labels={codes.category}
          value={checkCategory}
          onChange={setCheckCategory}
          testId="care-check-category"
        />
        <CodeSelect
          id="check-purpose"
          label={t.purposeLabel}
          labels={codes.purpose}
          value={checkPurpose}
          onChange={setCheckPurpose}
          testId="care-check-purpose"
        />
        <button type="submit" className="primary" disabled={busy(checkTx)} data-testid="care-check-submit">
          {t.careCheckSubmit}
        </button>
        <TxStatus state={checkTx} testId="care-check-result" />
      </form>

      <form
        className="card"
        data-testid="care-record-form"
        onSubmit={(event) => {
          event.preventDefault();
          void runRecord(async (step) => {
            const patientId = patientIdOf(recordPatient, t);
            if (recordRef !== "" && !isHexString(recordRef, 32)) throw new Error(t.careBadRecordRef);
            const ref = recordRef === "" ? hexlify(randomBytes(32)) : recordRef;
            const { underBreakGlass, blockNumber } = await mine(
              app,
              () =>
                props.client.consent.logAccess({
                  patientId,
                  category: recordCategory as RecordCategory,
                  purpose: recordPurpose as Purpose,
                  recordRef: ref,
                }),
              step,
            );
            return `${format(t.careRecorded, { breakGlass: underBreakGlass ? t.careRecordedBreakGlass : "" })} ${format(t.txDone, { block: blockNumber })}`;
          });
        }}
      >
        <h2>{t.careRecordHeading}</h2>
        <PatientIdField
          id="record-patient"
          value={recordPatient}
          onChange={setRecordPatient}
          testId="care-record-patient"
        />
        <CodeSelect
          id="record-category"
          label={t.categoryLabel}
          labels={codes.category}
          value={recordCategory}
          onChange={setRecordCategory}
          testId="care-record-category"
        />
        <CodeSelect
          id="record-purpose"
          label={t.purposeLabel}
          labels={codes.purpose}
          value={recordPurpose}
          onChange={setRecordPurpose}
          testId="care-record-purpose"
        />
        <div className="field">
          <label htmlFor="record-ref">{t.careRecordRef}</label>
          <input
            id="record-ref"
            className="mono"
            value={recordRef}
            onChange={(e) => setRecordRef(e.target.value.trim())}
            aria-describedby="record-ref-hint"
            autoComplete="off"
            data-testid="care-record-ref"
          />
          <p className="hint" id="record-ref-hint">
            {t.careRecordRefHint}
          </p>
        </div>
        <button type="submit" className="primary" disabled={busy(recordTx)} data-testid="care-record-submit">
          {t.careRecordSubmit}
        </button>
        <TxStatus state={recordTx} testId="care-record-result" />
      </form>

      <form
        className="card break-glass"
        data-testid="care-break-glass-form"
        onSubmit={(event) => {
          event.preventDefault();
          void runGlass(async (step) => {
            const patientId = patientIdOf(glassPatient, t);
            const { endsAt } = await mine(
              app,
              () => props.client.consent.openBreakGlass(patientId, glassReason as EmergencyReason),
              step,
            );
            return format(t.careBreakGlassOpened, { time: formatTime(endsAt, lang) });
          });
        }}
      >
        <h2>{t.careBreakGlassHeading}</h2>
        <p>{t.careBreakGlassIntro}</p>
        <PatientIdField
          id="glass-patient"
          value={glassPatient}
          onChange={setGlassPatient}
          testId="care-break-glass-patient"
        />
        <CodeSelect
          id="glass-reason"
          label={t.reasonLabel}
          labels={codes.emergency}
          value={glassReason}
          onChange={setGlassReason}
          testId="care-break-glass-reason"
        />
        <button type="submit" className="danger" disabled={busy(glassTx)} data-testid="care-break-glass-submit">
          {t.careBreakGlassSubmit}
        </button>
        <TxStatus state={glassTx} testId="care-break-glass-result" />
      </form>
    </div>
  );
}

/** The statuses the queue filter offers (None excluded). */
const QUEUE_STATUSES = [
  ClaimStatus.Submitted,
  ClaimStatus.InReview,
  ClaimStatus.InformationRequested,
  ClaimStatus.Approved,
  ClaimStatus.PartiallyApproved,
  ClaimStatus.Denied,
  ClaimStatus.Paid,
  ClaimStatus.Withdrawn,
] as const;

const FINAL_STATUSES: readonly number[] = [ClaimStatus.Denied, ClaimStatus.Paid, ClaimStatus.Withdrawn];

export function InsurerView(props: { client: MedchainClient; memberId: number }): ReactNode {
  const app = useApp();
  const { t, codes, lang } = app;
  const memberName = useMemberName();
  const [status, setStatus] = useState("");
  const [openId, setOpenId] = useState<string>();
  const queue = useLoad(
    () => app.indexer.insurerClaims(props.memberId, status === "" ? undefined : Number(status)),
    [props.memberId, status],
  );
  const items = status === "" ? queue.data?.filter((claim) => !FINAL_STATUSES.includes(claim.status)) : queue.data;
  return (
    <div className="insurer">
      <section className="card" aria-labelledby="queue-heading">
        <h2 id="queue-heading">{t.queueHeading}</h2>
        <div className="field">
          <label htmlFor="queue-status">{t.queueFilter}</label>
          <select
            id="queue-status"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            data-testid="queue-status"
          >
            <option value="">{t.queueAll}</option>
            {QUEUE_STATUSES.map((code) => (
              <option key={code} value={code}>
                {codeLabel(codes.claimStatus, code, t)}
              </option>
            ))}
          </select>
        </div>
        <ListState state={{ ...queue, data: items }} testId="queue">
          {(claims) => (
            <ul className="queue" data-testid="queue-list">
              {claims.map((claim) => (
                <li
                  key={claim.claimId}
                  data-testid="queue-row"
                  data-claim-id={claim.claimId}
                  data-status={claim.status}
                >
                  <button
                    type="button"
                    className={openId === claim.claimId ? "queue-item selected" : "queue-item"}
                    aria-pressed={openId === claim.claimId}
                    aria-label={format(t.queueOpen, { id: claim.claimId.slice(0, 10) })}
                    onClick={() => setOpenId(claim.claimId)}
                    data-testid={`queue-open-${claim.claimId}`}
                  >
                    <span className={`badge status-${claim.status}`}>
                      {codeLabel(codes.claimStatus, claim.status, t)}
                    </span>
                    <span>{memberName(claim.provider)}</span>
                    <span>{formatAmount(claim.claimedAmount, claim.currency, lang)}</span>
                    <span>{formatTime(claim.submittedAt, lang)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </ListState>
      </section>
      {openId === undefined ? null : (
        <ClaimDetailPanel
          key={openId}
          client={props.client}
          claimId={openId}
          onChanged={queue.reload}
          onClose={() => setOpenId(undefined)}
        />
      )}
    </div>
  );
}

function ClaimDetailPanel(props: {
  client: MedchainClient;
  claimId: string;
  onChanged(): Promise<void>;
  onClose(): void;
}): ReactNode {
  const app = useApp();
  const { t, codes, lang } = app;
  const memberName = useMemberName();
  const detail = useLoad(() => app.indexer.claim(props.claimId), [props.claimId]);
  const [tx, run] = useTx();
  const [reason, setReason] = useState<number>(1);
  const [amount, setAmount] = useState("");
  const [reference, setReference] = useState("");

  const act = (send: () => Promise<MedchainTransaction<{ claimId: string }>>) =>
    run(async (step) => {
      const { blockNumber } = await mine(app, send, step);
      await Promise.all([detail.reload(), props.onChanged()]);
      return format(t.txDone, { block: blockNumber });
    });

  const claim: IndexedClaim | undefined = detail.data?.claim;
  const decide = props.client.claims;
  return (
    <section className="card claim-detail" aria-labelledby="claim-heading" data-testid="claim-detail">
      <div className="row-between">
        <h2 id="claim-heading">{format(t.claimDetail, { id: props.claimId.slice(0, 10) })}</h2>
        <button type="button" onClick={props.onClose} data-testid="claim-close">
          {t.close}
        </button>
      </div>
      {detail.error !== undefined ? (
        <p role="alert" className="form-problem">
          {detail.error}
        </p>
      ) : null}
      {claim === undefined ? (
        <p aria-busy="true">{t.loading}</p>
      ) : (
        <>
          <dl>
            <dt>{t.statusLabel}</dt>
            <dd data-testid="claim-status" data-status={claim.status}>
              {codeLabel(codes.claimStatus, claim.status, t)}
            </dd>
            <dt>{t.claimProvider}</dt>
            <dd>{memberName(claim.provider)}</dd>
            <dt>{t.amountLabel}</dt>
            <dd>{formatAmount(claim.claimedAmount, claim.currency, lang)}</dd>
            <dd>{format(t.claimPatient, { id: claim.patientId })}</dd>
            <dd>
              {format(t.claimService, {
                from: formatTime(claim.serviceStart, lang),
                to: formatTime(claim.serviceEnd, lang),
              })}
            </dd>
          </dl>
          <h3>{t.claimTimeline}</h3>
          <ol className="timeline" data-testid="claim-timeline">
            {(detail.data?.timeline ?? []).map((step) => (
              <li key={`${step.txHash}-${step.status}`} className="timeline-row" data-testid="claim-timeline-row">
                <time>{formatTime(step.timestamp, lang)}</time>
                <strong>{codeLabel(codes.claimStatus, step.status, t)}</strong>
                {step.reason !== 0 ? <span>{codeLabel(codes.claimReason, step.reason, t)}</span> : null}
                {step.approvedAmount !== "0" ? (
                  <span>{formatAmount(step.approvedAmount, claim.currency, lang)}</span>
                ) : null}
              </li>
            ))}
          </ol>
          <div className="actions" role="group" aria-label={t.statusLabel}>
            {claim.status === ClaimStatus.Submitted ? (
              <button
                type="button"
                className="primary"
                disabled={busy(tx)}
                onClick={() => void act(() => decide.decide(props.claimId, { kind: "startReview" }))}
                data-testid="action-start-review"
              >
                {t.actionStartReview}
              </button>
            ) : null}
            {claim.status === ClaimStatus.InReview ? (
              <>
                <div className="field">
                  <label htmlFor="claim-reason">{t.reasonLabel}</label>
                  <select
                    id="claim-reason"
                    value={reason}
                    onChange={(e) => setReason(Number(e.target.value))}
                    data-testid="action-reason"
                  >
                    {Object.entries(codes.claimReason)
                      .filter(([code]) => code !== "0")
                      .map(([code, label]) => (
                        <option key={code} value={code}>
                          {label}
                        </option>
                      ))}
                  </select>
                </div>
                <button
                  type="button"
                  disabled={busy(tx)}
                  onClick={() =>
                    void act(() =>
                      decide.decide(props.claimId, { kind: "requestInformation", reason: reason as ClaimReason }),
                    )
                  }
                  data-testid="action-request-info"
                >
                  {t.actionRequestInfo}
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={busy(tx)}
                  onClick={() =>
                    void act(() => decide.decide(props.claimId, { kind: "deny", reason: reason as ClaimReason }))
                  }
                  data-testid="action-deny"
                >
                  {t.actionDeny}
                </button>
                <button
                  type="button"
                  className="primary"
                  disabled={busy(tx)}
                  onClick={() =>
                    void act(() =>
                      decide.decide(props.claimId, { kind: "approve", amount: BigInt(claim.claimedAmount) }),
                    )
                  }
                  data-testid="action-approve"
                >
                  {t.actionApprove}
                </button>
                <div className="field">
                  <label htmlFor="claim-amount">{t.actionPartialAmount}</label>
                  <p className="hint">{t.amountMinorUnits}</p>
                  <input
                    id="claim-amount"
                    inputMode="decimal"
                    value={amount}
                    onChange={(e) => setAmount(e.target.value.trim())}
                    data-testid="action-partial-amount"
                  />
                </div>
                <button
                  type="button"
                  disabled={busy(tx)}
                  onClick={() =>
                    void act(async () => {
                      const approved = parseAmount(amount, claim.currency);
                      if (approved === undefined || approved <= 0n || approved >= BigInt(claim.claimedAmount))
                        throw new Error(t.badAmount);
                      return decide.decide(props.claimId, { kind: "approve", amount: approved });
                    })
                  }
                  data-testid="action-partial"
                >
                  {t.actionPartial}
                </button>
              </>
            ) : null}
            {claim.status === ClaimStatus.Approved || claim.status === ClaimStatus.PartiallyApproved ? (
              <>
                <div className="field">
                  <label htmlFor="claim-reference">{t.actionPayReference}</label>
                  <input
                    id="claim-reference"
                    value={reference}
                    onChange={(e) => setReference(e.target.value)}
                    autoComplete="off"
                    data-testid="action-pay-reference"
                  />
                </div>
                <button
                  type="button"
                  className="primary"
                  disabled={busy(tx)}
                  onClick={() =>
                    void act(async () => {
                      if (reference.trim() === "") throw new Error(t.badReference);
                      return decide.pay(props.claimId, keccak256(toUtf8Bytes(reference.trim())));
                    })
                  }
                  data-testid="action-pay"
                >
                  {t.actionPay}
                </button>
              </>
            ) : null}
            {FINAL_STATUSES.includes(claim.status) ? <p>{t.actionNoneLeft}</p> : null}
          </div>
          <TxStatus state={tx} testId="claim-action-status" />
        </>
      )}
    </section>
  );
}
