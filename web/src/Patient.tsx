/**
 * The patient's view: grants with one-tap revoke, the grant wizard, who looked at her data, research
 * opt-out, her claims, and verifying a record from its proof bundle. The patient never sends a transaction:
 * she signs EIP-712 requests here and the hospital's relayer sends them.
 */
import { hexlify, randomBytes, type Signer } from "ethers";
import { useRef, useState, type KeyboardEvent, type ReactNode } from "react";

import {
  ConsentRegistry__factory,
  RecordRegistry__factory,
  ResearchOptOutRegistry__factory,
} from "../../typechain-types/index.js";
import { verifyProofBundleOnChain } from "../../sdk/batches.js";
import { codeName, RecordStatus } from "../../sdk/codes.js";
import { consentDomain, consentFormHash, grantRequest, signGrant, signRevoke } from "../../sdk/consent.js";
import { describeError, isUnreachable } from "./chain.js";
import { format, formatAmount } from "./i18n.js";
import { isGrantActive, type IndexedGrant } from "./indexer.js";
import { relayGrant, relayOptOut, relayRevoke, RelayError } from "./relayer.js";
import {
  busy,
  codeLabel,
  FileDrop,
  formatTime,
  ListState,
  MaskPicker,
  TxStatus,
  useApp,
  useLoad,
  useMemberName,
  useTx,
  type AppContextValue,
} from "./ui.js";
import { verifyRecordLocally, type LocalProblem } from "./verify.js";

type Tab = "grants" | "access" | "optOut" | "claims" | "verify";
const TABS: readonly Tab[] = ["grants", "access", "optOut", "claims", "verify"];

/** The chain's latest block time (unix seconds): grant windows and deadlines follow the chain's clock. */
async function chainNow(app: AppContextValue): Promise<bigint> {
  const block = await app.provider.getBlock("latest");
  if (block === null) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

/** After a relayed transaction: wait until the indexer has it (lists come from the indexer). */
async function afterRelay(app: AppContextValue, block: number, step: (phase: "indexing") => void): Promise<string> {
  step("indexing");
  await app.indexer.waitForBlock(block);
  return format(app.t.txDone, { block });
}

export function PatientView(props: { patientId: string; getSigner(): Promise<Signer> }): ReactNode {
  const { t } = useApp();
  const [tab, setTab] = useState<Tab>("grants");
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({
    grants: null,
    access: null,
    optOut: null,
    claims: null,
    verify: null,
  });
  const labels: Record<Tab, string> = {
    grants: t.tabGrants,
    access: t.tabAccess,
    optOut: t.tabOptOut,
    claims: t.tabClaims,
    verify: t.tabVerify,
  };
  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = TABS.indexOf(tab);
    let next: Tab | undefined;
    if (event.key === "ArrowRight") next = TABS[(index + 1) % TABS.length];
    else if (event.key === "ArrowLeft") next = TABS[(index + TABS.length - 1) % TABS.length];
    else if (event.key === "Home") next = TABS[0];
    else if (event.key === "End") next = TABS[TABS.length - 1];
    if (next === undefined) return;
    event.preventDefault();
    setTab(next);
    tabRefs.current[next]?.focus();
  };
  return (
    <section aria-label={t.patientSections}>
      <div className="tabs" role="tablist" aria-label={t.patientSections} onKeyDown={onKey}>
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            ref={(element) => {
              tabRefs.current[name] = element;
            }}
            onClick={() => setTab(name)}
            data-testid={`tab-${name}`}
          >
            {labels[name]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} tabIndex={0} className="panel">
        {tab === "grants" ? <GrantsPanel {...props} /> : null}
        {tab === "access" ? <AccessPanel patientId={props.patientId} /> : null}
        {tab === "optOut" ? <OptOutPanel {...props} /> : null}
        {tab === "claims" ? <ClaimsPanel patientId={props.patientId} /> : null}
        {tab === "verify" ? <VerifyPanel /> : null}
      </div>
    </section>
  );
}

function GrantsPanel(props: { patientId: string; getSigner(): Promise<Signer> }): ReactNode {
  const app = useApp();
  const { t, codes, indexer } = app;
  const memberName = useMemberName();
  const grants = useLoad(() => indexer.grants(props.patientId), [props.patientId]);
  const [revokeTx, runRevoke] = useTx();
  const now = Date.now() / 1000;
  const active = grants.data?.filter((grant) => isGrantActive(grant, now));

  const revoke = (grant: IndexedGrant) =>
    runRevoke(async (step) => {
      step("signing");
      const signer = await props.getSigner();
      const patientId = BigInt(props.patientId);
      const registry = ConsentRegistry__factory.connect(app.deployment.consentRegistry, app.provider);
      const nonce = await registry.nonces(patientId);
      const deadline = (await chainNow(app)) + 3600n;
      const domain = consentDomain({
        chainId: app.deployment.chainId,
        verifyingContract: app.deployment.consentRegistry,
      });
      const signed = await signRevoke(signer, domain, { patientId, grantee: BigInt(grant.grantee) }, nonce, deadline);
      step("sending");
      const answer = await relayRevoke(app.relayerUrl, app.deployment.chainId, signed);
      const message = await afterRelay(app, answer.blockNumber, step);
      await grants.reload();
      return message;
    });

  return (
    <>
      <h2>{t.grantsHeading}</h2>
      <ListState state={{ ...grants, data: active }} testId="grants">
        {(items) => (
          <ul className="cards" data-testid="grant-list">
            {items.map((grant) => (
              <li
                key={`${grant.grantee}-${grant.txHash}`}
                className="card"
                data-testid="grant-row"
                data-grantee={grant.grantee}
              >
                <h3>{memberName(grant.grantee)}</h3>
                <dl>
                  <dt>{t.categoriesLabel}</dt>
                  <dd>{maskText(grant.categories, codes.category, app.lang)}</dd>
                  <dt>{t.purposesLabel}</dt>
                  <dd>{maskText(grant.purposes, codes.purpose, app.lang)}</dd>
                  <dt>{t.grantFrom}</dt>
                  <dd>{formatTime(grant.notBefore, app.lang)}</dd>
                  <dt>{t.grantUntil}</dt>
                  <dd>{formatTime(grant.expiresAt, app.lang)}</dd>
                </dl>
                <button
                  type="button"
                  className="danger"
                  onClick={() => void revoke(grant)}
                  disabled={busy(revokeTx)}
                  aria-label={format(t.revokeLabel, { name: memberName(grant.grantee) })}
                  data-testid={`revoke-${grant.grantee}`}
                >
                  {t.revoke}
                </button>
              </li>
            ))}
          </ul>
        )}
      </ListState>
      <TxStatus state={revokeTx} testId="revoke-status" />
      <GrantWizard {...props} onDone={grants.reload} />
    </>
  );
}

function maskText(mask: number, labels: Readonly<Record<number, string>>, lang: string): string {
  return Object.entries(labels)
    .filter(([code]) => (mask & (1 << Number(code))) !== 0)
    .map(([, label]) => label)
    .join(lang === "zh-TW" ? "、" : ", ");
}

/** `datetime-local` value of a unix-seconds time, in local time. */
function localInput(seconds: number): string {
  const date = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function GrantWizard(props: { patientId: string; getSigner(): Promise<Signer>; onDone(): Promise<void> }): ReactNode {
  const app = useApp();
  const { t, codes, config, lang } = app;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const [member, setMember] = useState("");
  const [categories, setCategories] = useState(0);
  const [purposes, setPurposes] = useState(0);
  const [from, setFrom] = useState(localInput(nowSeconds));
  const [until, setUntil] = useState(localInput(nowSeconds + 30 * 86_400));
  const [form, setForm] = useState<File>();
  const [formHash, setFormHash] = useState<{ hash: string; salt: string }>();
  const [problem, setProblem] = useState<string>();
  const [tx, run] = useTx();

  const submit = async () => {
    setProblem(undefined);
    if (member === "") return setProblem(t.wizardNeedsMember);
    if (categories === 0) return setProblem(t.wizardNeedsCategory);
    if (purposes === 0) return setProblem(t.wizardNeedsPurpose);
    const fromSeconds = Math.floor(new Date(from).getTime() / 1000);
    const untilSeconds = Math.floor(new Date(until).getTime() / 1000);
    if (!(untilSeconds > fromSeconds) || untilSeconds <= Date.now() / 1000) return setProblem(t.wizardBadWindow);
    await run(async (step) => {
      step("signing");
      let hash: string | undefined;
      if (form !== undefined) {
        // Hashed here with a fresh salt; the file itself never leaves the device.
        const salt = hexlify(randomBytes(32));
        hash = consentFormHash(new Uint8Array(await form.arrayBuffer()), salt);
        setFormHash({ hash, salt });
      }
      const now = await chainNow(app);
      const patientId = BigInt(props.patientId);
      const notBefore = BigInt(fromSeconds) > now ? BigInt(fromSeconds) : now;
      const request = grantRequest({
        patientId,
        grantee: BigInt(member),
        categories,
        purposes,
        now,
        notBefore,
        expiresAt: BigInt(untilSeconds),
        ...(hash === undefined ? {} : { consentFormHash: hash }),
      });
      const registry = ConsentRegistry__factory.connect(app.deployment.consentRegistry, app.provider);
      const nonce = await registry.nonces(patientId);
      const domain = consentDomain({
        chainId: app.deployment.chainId,
        verifyingContract: app.deployment.consentRegistry,
      });
      const signer = await props.getSigner();
      const signed = await signGrant(signer, domain, request, nonce, now + 3600n);
      step("sending");
      const answer = await relayGrant(app.relayerUrl, app.deployment.chainId, signed);
      const message = await afterRelay(app, answer.blockNumber, step);
      await props.onDone();
      return message;
    });
  };

  return (
    <form
      className="wizard"
      data-testid="grant-wizard"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>{t.wizardHeading}</h2>
      <div className="field">
        <label htmlFor="wizard-member">{t.wizardMember}</label>
        <select
          id="wizard-member"
          value={member}
          onChange={(e) => setMember(e.target.value)}
          data-testid="wizard-member"
        >
          <option value="">{t.wizardChooseMember}</option>
          {config.members.map((m) => (
            <option key={m.memberId} value={m.memberId}>
              {m.name[lang]}
            </option>
          ))}
        </select>
      </div>
      <MaskPicker
        legend={t.categoriesLabel}
        labels={codes.category}
        value={categories}
        onChange={setCategories}
        testId="wizard-categories"
      />
      <MaskPicker
        legend={t.purposesLabel}
        labels={codes.purpose}
        value={purposes}
        onChange={setPurposes}
        testId="wizard-purposes"
        // Marketing is commercial use: only through a third-party grant with an explicit opt-in.
        exclude={[5]}
      />
      <div className="field-row">
        <div className="field">
          <label htmlFor="wizard-from">{t.wizardFrom}</label>
          <input
            id="wizard-from"
            type="datetime-local"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="wizard-from"
          />
        </div>
        <div className="field">
          <label htmlFor="wizard-until">{t.wizardUntil}</label>
          <input
            id="wizard-until"
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.target.value)}
            data-testid="wizard-until"
          />
        </div>
      </div>
      <FileDrop
        label={t.wizardConsentForm}
        hint={t.wizardConsentFormHint}
        file={form}
        onFile={(file) => {
          setForm(file);
          setFormHash(undefined);
        }}
        testId="wizard-consent-form"
      />
      {formHash === undefined ? null : (
        <p className="mono" data-testid="wizard-consent-hash">
          {format(t.wizardConsentFormHash, { hash: formHash.hash })}
          <br />
          {format(t.wizardConsentFormSalt, { salt: formHash.salt })}
        </p>
      )}
      {problem === undefined ? null : (
        <p className="form-problem" role="alert" data-testid="wizard-problem">
          {problem}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy(tx)} data-testid="wizard-submit">
        {t.wizardSubmit}
      </button>
      <TxStatus state={tx} testId="wizard-status" />
    </form>
  );
}

function AccessPanel(props: { patientId: string }): ReactNode {
  const app = useApp();
  const { t, codes, indexer, lang } = app;
  const memberName = useMemberName();
  const accesses = useLoad(() => indexer.accessLog(props.patientId, 100), [props.patientId]);
  const sessions = useLoad(() => indexer.breakGlass(props.patientId), [props.patientId]);
  return (
    <>
      <h2>{t.accessHeading}</h2>
      <ListState state={accesses} testId="access">
        {(items) => (
          <ol className="timeline" data-testid="access-timeline">
            {items.map((access) => (
              <li
                key={`${access.txHash}-${access.logIndex}`}
                className={access.underBreakGlass ? "timeline-row break-glass" : "timeline-row"}
                data-testid="access-row"
                data-break-glass={access.underBreakGlass}
              >
                <time dateTime={new Date(access.timestamp * 1000).toISOString()}>
                  {formatTime(access.timestamp, lang)}
                </time>
                <strong>{memberName(access.memberId)}</strong>
                <span>
                  {codeLabel(codes.category, access.category, t)} · {codeLabel(codes.purpose, access.purpose, t)}
                </span>
                {access.underBreakGlass ? (
                  <span className="badge badge-danger" data-testid="break-glass-marker">
                    {t.accessBreakGlass}
                  </span>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </ListState>
      <h2>{t.breakGlassHeading}</h2>
      <ListState state={sessions} testId="break-glass-sessions">
        {(items) => (
          <ul className="cards">
            {items.map((session) => (
              <li key={session.txHash} className="card break-glass" data-testid="break-glass-row">
                <strong>{memberName(session.memberId)}</strong>
                <span>{codeLabel(codes.emergency, session.reason, t)}</span>
                <span>{formatTime(session.openedAt, lang)}</span>
                <span>
                  {session.closedAt === null
                    ? format(t.breakGlassEnds, { time: formatTime(session.endsAt, lang) })
                    : format(t.breakGlassClosed, { time: formatTime(session.closedAt, lang) })}
                </span>
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </>
  );
}

function OptOutPanel(props: { patientId: string; getSigner(): Promise<Signer> }): ReactNode {
  const app = useApp();
  const { t, codes, lang } = app;
  const current = useLoad(
    async () =>
      ResearchOptOutRegistry__factory.connect(app.deployment.researchOptOutRegistry, app.provider).getOptOut(
        BigInt(props.patientId),
      ),
    [props.patientId],
    "chain",
  );
  const [edited, setEdited] = useState<{ wholly: boolean; categories: number }>();
  const [tx, run] = useTx();
  const wholly = edited?.wholly ?? current.data?.wholly ?? false;
  const categories = edited?.categories ?? Number(current.data?.categories ?? 0);

  const save = () =>
    run(async (step) => {
      step("signing");
      const signer = await props.getSigner();
      try {
        const answer = await relayOptOut(
          {
            relayerUrl: app.relayerUrl,
            chainId: app.deployment.chainId,
            registry: app.deployment.researchOptOutRegistry,
            provider: app.provider,
            signer,
          },
          {
            patientId: BigInt(props.patientId),
            wholly,
            categories,
            permissions: Number(current.data?.permissions ?? 0),
          },
        );
        step("waiting");
        await app.provider.waitForTransaction(answer.transactionHash, 1, 30_000);
        await current.reload();
        setEdited(undefined);
        return format(t.txDone, { block: answer.blockNumber });
      } catch (error) {
        if (error instanceof RelayError && error.code === "NOT_FOUND") {
          throw new Error(format(t.optOutNoRoute, { message: error.message }));
        }
        throw error;
      }
    });

  return (
    <form
      data-testid="opt-out-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <h2>{t.optOutHeading}</h2>
      <p>{t.optOutIntro}</p>
      {current.error === undefined ? null : (
        <p role="alert" className="form-problem">
          {current.error}
        </p>
      )}
      {current.data !== undefined && current.data.updatedAt > 0n ? (
        <p>{format(t.optOutCurrent, { time: formatTime(current.data.updatedAt, lang) })}</p>
      ) : null}
      <label className="switch" htmlFor="opt-out-wholly">
        <input
          id="opt-out-wholly"
          type="checkbox"
          role="switch"
          aria-checked={wholly}
          checked={wholly}
          onChange={(event) => setEdited({ wholly: event.target.checked, categories })}
          data-testid="opt-out-wholly"
        />
        {t.optOutWholly}
      </label>
      <MaskPicker
        legend={t.optOutCategories}
        labels={codes.category}
        value={categories}
        onChange={(mask) => setEdited({ wholly, categories: mask })}
        testId="opt-out-categories"
        disabled={wholly}
      />
      <button type="submit" className="primary" disabled={busy(tx)} data-testid="opt-out-save">
        {t.optOutSave}
      </button>
      <TxStatus state={tx} testId="opt-out-status" />
    </form>
  );
}

function ClaimsPanel(props: { patientId: string }): ReactNode {
  const { t, codes, indexer, lang } = useApp();
  const memberName = useMemberName();
  const claims = useLoad(() => indexer.patientClaims(props.patientId), [props.patientId]);
  return (
    <>
      <h2>{t.claimsHeading}</h2>
      <ListState state={claims} testId="patient-claims">
        {(items) => (
          <ul className="cards" data-testid="patient-claim-list">
            {items.map((claim) => (
              <li key={claim.claimId} className="card" data-testid="patient-claim-row" data-status={claim.status}>
                <h3>
                  {memberName(claim.provider)} → {memberName(claim.insurer)}
                </h3>
                <p>
                  <span className={`badge status-${claim.status}`}>
                    {codeLabel(codes.claimStatus, claim.status, t)}
                  </span>{" "}
                  {t.amountLabel}: {formatAmount(claim.claimedAmount, claim.currency, lang)}
                </p>
                <p>{format(t.claimSubmitted, { time: formatTime(claim.submittedAt, lang) })}</p>
                {claim.approvedAmount !== "0" ? (
                  <p>{format(t.claimApproved, { amount: formatAmount(claim.approvedAmount, claim.currency, lang) })}</p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </>
  );
}

function problemText(problem: LocalProblem, t: AppContextValue["t"]): string {
  switch (problem.kind) {
    case "bundle-unreadable":
      return format(t.verifyBadBundle, { message: problem.message });
    case "record-empty":
      return t.verifyContentMismatch;
    case "content-mismatch":
      return `${t.verifyContentMismatch} (${problem.fileHash} ≠ ${problem.bundleHash})`;
    case "proof-mismatch":
      return `${t.verifyProofMismatch} ${problem.details.join("; ")}`;
  }
}

function VerifyPanel(): ReactNode {
  const app = useApp();
  const { t, lang } = app;
  const [record, setRecord] = useState<File>();
  const [bundle, setBundle] = useState<File>();
  const [result, setResult] = useState<{ ok: boolean; lines: string[] }>();
  const [checking, setChecking] = useState(false);

  const verify = async () => {
    if (record === undefined || bundle === undefined) {
      setResult({ ok: false, lines: [t.verifyNeedsFiles] });
      return;
    }
    setChecking(true);
    try {
      const local = verifyRecordLocally(new Uint8Array(await record.arrayBuffer()), await bundle.text());
      if (!local.ok) {
        setResult({ ok: false, lines: [t.verifyInvalid, ...local.problems.map((p) => problemText(p, t))] });
        return;
      }
      try {
        const registry = RecordRegistry__factory.connect(app.deployment.recordRegistry, app.provider);
        const onChain = await verifyProofBundleOnChain(registry, local.bundle);
        if (!onChain.anchored) {
          setResult({
            ok: false,
            lines: [t.verifyInvalid, format(t.verifyNotAnchored, { reason: onChain.reason }), ...onChain.problems],
          });
          return;
        }
        app.reportService("chain", undefined);
        const current = onChain.status === RecordStatus.Current;
        setResult({
          ok: current && onChain.problems.length === 0,
          lines: [
            current ? t.verifyValid : t.verifyInvalid,
            format(t.verifyStatus, { status: codeName(RecordStatus, onChain.status) }),
            format(t.verifyAnchoredAt, { time: formatTime(onChain.anchoredAt, lang) }),
            ...onChain.problems,
          ],
        });
      } catch (error) {
        if (isUnreachable(error)) app.reportService("chain", describeError(error));
        setResult({ ok: false, lines: [format(t.verifyOffline, { message: describeError(error) })] });
      }
    } finally {
      setChecking(false);
    }
  };

  return (
    <form
      data-testid="verify-form"
      onSubmit={(event) => {
        event.preventDefault();
        void verify();
      }}
    >
      <h2>{t.verifyHeading}</h2>
      <p>{t.verifyIntro}</p>
      <div className="field-row">
        <FileDrop label={t.verifyRecordFile} file={record} onFile={setRecord} testId="verify-record" />
        <FileDrop
          label={t.verifyBundleFile}
          file={bundle}
          onFile={setBundle}
          testId="verify-bundle"
          accept=".json,application/json"
        />
      </div>
      <button type="submit" className="primary" disabled={checking} data-testid="verify-submit">
        {t.verifySubmit}
      </button>
      <div
        className={result === undefined ? "verify-result" : result.ok ? "verify-result ok" : "verify-result bad"}
        role="status"
        aria-live="polite"
        aria-busy={checking}
        data-testid="verify-result"
        data-valid={result?.ok}
      >
        {checking ? <p>{t.loading}</p> : result?.lines.map((line, i) => <p key={i}>{line}</p>)}
      </div>
    </form>
  );
}
