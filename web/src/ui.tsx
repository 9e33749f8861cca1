/** Shared React pieces: the app context, transaction status, checkbox groups, file drop zones, formatting. */
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ReactNode } from "react";

import type { MedchainDeployment } from "../../sdk/deployment.js";
import type { ConsortiumProvider } from "../../sdk/provider.js";
import type { WebConfig } from "./config.js";
import { describeError, isUnreachable } from "./chain.js";
import { format, type CodeLabels, type Language, type Messages } from "./i18n.js";
import { IndexerError, type IndexerClient } from "./indexer.js";
import { RelayError } from "./relayer.js";

/** The services whose reachability the app reports in a banner. */
export type Service = "chain" | "indexer" | "relayer";

/** Everything the views need. */
export interface AppContextValue {
  config: WebConfig;
  lang: Language;
  t: Messages;
  codes: CodeLabels;
  relayerUrl: string;
  provider: ConsortiumProvider;
  deployment: MedchainDeployment;
  indexer: IndexerClient;
  /** Reports a service as reachable (`undefined`) or not (the error's message). */
  reportService(service: Service, problem: string | undefined): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

/** The app context (inside the provider only). */
export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error("useApp outside AppContext");
  return value;
}

/** A member's name in the current language (falls back to "Member N"). */
export function useMemberName(): (memberId: number | bigint) => string {
  const { config, lang, t } = useApp();
  return useCallback(
    (memberId) => {
      const member = config.members.find((m) => m.memberId === Number(memberId));
      return member === undefined ? format(t.memberName, { id: String(memberId) }) : member.name[lang];
    },
    [config, lang, t],
  );
}

/** A unix-seconds time as a local date and time in the current language. */
export function formatTime(seconds: number | bigint, lang: Language): string {
  return new Date(Number(seconds) * 1000).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
}

/** One code's label, or "Code N". */
export function codeLabel(labels: Readonly<Record<number, string>>, code: number, t: Messages): string {
  return labels[code] ?? format(t.unknownCode, { code });
}

/** The state of one user action: idle, a progress step, done, failed. */
export type TxState =
  | { phase: "idle" }
  | { phase: "signing" | "sending" | "waiting" | "indexing" }
  | { phase: "done"; message: string }
  | { phase: "failed"; message: string };

/** Runs an action while tracking its phase; failures become readable messages (never thrown to React). */
export function useTx(): [
  TxState,
  (run: (step: (phase: "signing" | "sending" | "waiting" | "indexing") => void) => Promise<string>) => Promise<void>,
] {
  const [state, setState] = useState<TxState>({ phase: "idle" });
  const { reportService } = useApp();
  const run = useCallback(
    async (action: (step: (phase: "signing" | "sending" | "waiting" | "indexing") => void) => Promise<string>) => {
      try {
        const message = await action((phase) => setState({ phase }));
        setState({ phase: "done", message });
      } catch (error) {
        const message = describeError(error);
        setState({ phase: "failed", message });
        if (isUnreachable(error)) {
          const service: Service =
            error instanceof RelayError ? "relayer" : error instanceof IndexerError ? "indexer" : "chain";
          reportService(service, message);
        }
      }
    },
    [reportService],
  );
  return [state, run];
}

/** Whether an action is under way. */
export function busy(state: TxState): boolean {
  return (
    state.phase === "signing" || state.phase === "sending" || state.phase === "waiting" || state.phase === "indexing"
  );
}

/** The polite live region announcing an action's progress and result. */
export function TxStatus({ state, testId }: { state: TxState; testId: string }): ReactNode {
  const { t } = useApp();
  let text = "";
  if (state.phase === "signing") text = t.txSigning;
  else if (state.phase === "sending") text = t.txSending;
  else if (state.phase === "waiting") text = t.txWaiting;
  else if (state.phase === "indexing") text = t.txIndexing;
  else if (state.phase === "done") text = state.message;
  else if (state.phase === "failed") text = format(t.txFailed, { message: state.message });
  return (
    <p
      className={`status status-${state.phase}`}
      role={state.phase === "failed" ? "alert" : "status"}
      aria-live={state.phase === "failed" ? "assertive" : "polite"}
      data-testid={testId}
      data-phase={state.phase}
    >
      {text}
    </p>
  );
}

/** A fieldset of checkboxes over a code label table, as a bitmask. */
export function MaskPicker(props: {
  legend: string;
  labels: Readonly<Record<number, string>>;
  value: number;
  onChange(mask: number): void;
  testId: string;
  exclude?: readonly number[];
  disabled?: boolean;
}): ReactNode {
  const id = useId();
  return (
    <fieldset className="mask-picker" data-testid={props.testId} disabled={props.disabled}>
      <legend>{props.legend}</legend>
      <div className="checkbox-grid">
        {Object.entries(props.labels)
          .filter(([code]) => !(props.exclude ?? []).includes(Number(code)))
          .map(([code, label]) => {
            const bit = 1 << Number(code);
            return (
              <label key={code} className="checkbox" htmlFor={`${id}-${code}`}>
                <input
                  id={`${id}-${code}`}
                  type="checkbox"
                  checked={(props.value & bit) !== 0}
                  onChange={(event) => props.onChange(event.target.checked ? props.value | bit : props.value & ~bit)}
                  data-testid={`${props.testId}-${code}`}
                />
                {label}
              </label>
            );
          })}
      </div>
    </fieldset>
  );
}

/** A file input that also takes a dropped file; the file is only read locally. */
export function FileDrop(props: {
  label: string;
  file: File | undefined;
  onFile(file: File | undefined): void;
  testId: string;
  accept?: string;
  hint?: string;
}): ReactNode {
  const { t } = useApp();
  const id = useId();
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div
      className={`drop-zone${over ? " drop-over" : ""}`}
      data-testid={props.testId}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        const file = event.dataTransfer.files[0];
        if (file !== undefined) props.onFile(file);
      }}
    >
      <label htmlFor={id}>{props.label}</label>
      {props.hint === undefined ? null : (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      <input
        id={id}
        ref={input}
        type="file"
        accept={props.accept}
        aria-describedby={props.hint === undefined ? undefined : `${id}-hint`}
        onChange={(event) => props.onFile(event.target.files?.[0])}
        data-testid={`${props.testId}-input`}
      />
      <p className="drop-hint">
        {props.file === undefined ? t.verifyDrop : format(t.verifyChosen, { name: props.file.name })}
      </p>
    </div>
  );
}

/** Loads data with the indexer (or chain), tracking loading and failure; `reload` runs it again. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  service: "indexer" | "chain" = "indexer",
): { data: T | undefined; error: string | undefined; loading: boolean; reload(): Promise<void> } {
  const { reportService } = useApp();
  const waiting = useRef<(() => void)[]>([]);
  const settle = () => {
    for (const resolve of waiting.current.splice(0)) resolve();
  };
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
        setLoading(false);
        reportService(service, undefined);
        settle();
      },
      (failure: unknown) => {
        if (!live) return;
        const message = describeError(failure);
        setError(message);
        setLoading(false);
        // The banner is for a service that is down; a refusal or a malformed answer is shown in place.
        const down = isUnreachable(failure) || (failure as { status?: unknown }).status === 502;
        if (down) reportService(service, message);
        settle();
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  // reload() resolves once the new answer (or failure) is shown, so an action can report "done" after it.
  const reload = () =>
    new Promise<void>((resolve) => {
      waiting.current.push(resolve);
      setTick((n) => n + 1);
    });
  return { data, error, loading, reload };
}

/** Loading, error and empty states of a list, or its content. */
export function ListState<T>(props: {
  state: { data: T[] | undefined; error: string | undefined; loading: boolean; reload(): Promise<void> };
  testId: string;
  children(items: T[]): ReactNode;
}): ReactNode {
  const { t } = useApp();
  const { data, error, loading, reload } = props.state;
  if (error !== undefined) {
    return (
      <div className="list-error" role="alert" data-testid={`${props.testId}-error`}>
        <p>{error}</p>
        <button type="button" onClick={() => void reload()}>
          {t.retry}
        </button>
      </div>
    );
  }
  if (loading && data === undefined) return <p aria-busy="true">{t.loading}</p>;
  if (data === undefined || data.length === 0) return <p data-testid={`${props.testId}-empty`}>{t.none}</p>;
  return props.children(data);
}
