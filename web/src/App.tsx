/**
 * The app shell: loads `config.json`, holds the language and the chosen persona, reports unreachable
 * services in a banner, and shows the persona's view.
 */
import type { Signer } from "ethers";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";

import type { MedchainClient } from "../../sdk/client.js";
import {
  chainProvider,
  connectClient,
  demoSigner,
  deploymentOf,
  describeError,
  injectedWallet,
  serviceUrls,
  walletSigner,
} from "./chain.js";
import { parseWebConfig, type WebConfig, type WebPersona } from "./config.js";
import { CODE_LABELS, format, initialLanguage, MESSAGES, type Language } from "./i18n.js";
import { IndexerClient } from "./indexer.js";
import { CareTeamView, InsurerView } from "./Operators.js";
import { PatientView } from "./Patient.js";
import { AppContext, useApp, useLoad, type AppContextValue, type Service } from "./ui.js";

type Loaded = { config: WebConfig } | { error: string } | undefined;

export function App(): ReactNode {
  const [lang, setLang] = useState<Language>(() =>
    initialLanguage(localStorage.getItem("medchain.lang"), navigator.languages),
  );
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem("medchain.lang", lang);
  }, [lang]);
  useEffect(() => {
    fetch(new URL("config.json", location.href))
      .then(async (response) => {
        if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
        return parseWebConfig(await response.json());
      })
      .then(
        (config) => setLoaded({ config }),
        (error: unknown) => setLoaded({ error: error instanceof Error ? error.message : String(error) }),
      );
  }, []);
  const t = MESSAGES[lang];
  const toggle = (
    <button
      type="button"
      className="lang-toggle"
      lang={lang === "en" ? "zh-TW" : "en"}
      aria-label={t.languageToggleLabel}
      onClick={() => setLang(lang === "en" ? "zh-TW" : "en")}
      data-testid="language-toggle"
    >
      {t.languageToggle}
    </button>
  );
  if (loaded === undefined || "error" in loaded) {
    return (
      <div className="shell">
        <header className="top">
          <h1>{t.appTitle}</h1>
          {toggle}
        </header>
        <main id="main">
          {loaded === undefined ? (
            <p aria-busy="true">{t.loadingConfig}</p>
          ) : (
            <p role="alert" className="banner banner-error" data-testid="config-error">
              {format(t.configError, { message: loaded.error })}
            </p>
          )}
        </main>
      </div>
    );
  }
  return <Configured config={loaded.config} lang={lang} toggle={toggle} />;
}

function Configured(props: { config: WebConfig; lang: Language; toggle: ReactNode }): ReactNode {
  const { config, lang } = props;
  const [problems, setProblems] = useState<Partial<Record<Service, string>>>({});
  const reportService = useCallback((service: Service, problem: string | undefined) => {
    setProblems((current) => (current[service] === problem ? current : { ...current, [service]: problem }));
  }, []);
  const value = useMemo<AppContextValue>(() => {
    const urls = serviceUrls(config, location.href);
    const deployment = deploymentOf(config);
    return {
      config,
      lang,
      t: MESSAGES[lang],
      codes: CODE_LABELS[lang],
      relayerUrl: urls.relayer,
      provider: chainProvider(urls.rpc, deployment.chainId),
      deployment,
      indexer: new IndexerClient(urls.indexer),
      reportService,
    };
    // The provider and indexer follow the config only; the language does not recreate them.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [config, reportService]);
  const withLang = useMemo(() => ({ ...value, lang, t: MESSAGES[lang], codes: CODE_LABELS[lang] }), [value, lang]);

  // Health: the node and the indexer, at start and every 20 s.
  useEffect(() => {
    const check = () => {
      value.provider.getBlockNumber().then(
        () => reportService("chain", undefined),
        (error: unknown) => reportService("chain", describeError(error)),
      );
      value.indexer.status().then(
        () => reportService("indexer", undefined),
        (error: unknown) => reportService("indexer", describeError(error)),
      );
    };
    check();
    const timer = setInterval(check, 20_000);
    return () => clearInterval(timer);
  }, [value, reportService]);

  const [persona, setPersona] = useState<WebPersona>();
  const t = withLang.t;
  const services: Record<Service, string> = {
    chain: t.serviceChain,
    indexer: t.serviceIndexer,
    relayer: t.serviceRelayer,
  };
  return (
    <AppContext.Provider value={withLang}>
      <a className="skip" href="#main">
        {t.skipToContent}
      </a>
      <div className="shell">
        <header className="top">
          <div>
            <h1>{t.appTitle}</h1>
            <p className="tagline">{t.appTagline}</p>
          </div>
          <div className="top-actions">
            {persona === undefined ? null : (
              <button type="button" onClick={() => setPersona(undefined)} data-testid="switch-persona">
                {t.switchPersona}
              </button>
            )}
            {props.toggle}
          </div>
        </header>
        {config.demoKeys ? (
          <p className="banner banner-demo" role="note" data-testid="demo-banner">
            {t.demoBanner}
          </p>
        ) : null}
        <div aria-live="polite" data-testid="service-banners">
          {(Object.keys(services) as Service[]).map((service) =>
            problems[service] === undefined ? null : (
              <p key={service} className="banner banner-error" role="alert" data-testid={`service-banner-${service}`}>
                {format(t.serviceUnreachable, { service: services[service], message: problems[service] ?? "" })}
              </p>
            ),
          )}
        </div>
        <main id="main" tabIndex={-1}>
          {persona === undefined ? (
            <PersonaPicker onPick={setPersona} />
          ) : (
            <PersonaView key={persona.key} persona={persona} />
          )}
        </main>
      </div>
    </AppContext.Provider>
  );
}

function PersonaPicker(props: { onPick(persona: WebPersona): void }): ReactNode {
  const { config, t, lang } = useApp();
  const roleLabel = { patient: t.rolePatient, careTeam: t.roleCareTeam, insurer: t.roleInsurer };
  return (
    <section aria-labelledby="persona-heading">
      <h2 id="persona-heading">{t.personaHeading}</h2>
      <p>{t.personaIntro}</p>
      <ul className="personas">
        {config.personas.map((persona) => (
          <li key={persona.key}>
            <button
              type="button"
              className="persona"
              onClick={() => props.onPick(persona)}
              data-testid={`persona-${persona.key}`}
            >
              <strong>{persona.name[lang]}</strong>
              <span>{roleLabel[persona.role]}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PersonaView(props: { persona: WebPersona }): ReactNode {
  const app = useApp();
  const { t, lang } = app;
  const { persona } = props;
  const [useWallet, setUseWallet] = useState(false);
  const [walletAccount, setWalletAccount] = useState<string>();
  const [walletProblem, setWalletProblem] = useState<string>();
  const ethereum = injectedWallet();

  const getSigner = useCallback(async (): Promise<Signer> => {
    if (useWallet && ethereum !== undefined) {
      const signer = await walletSigner(ethereum);
      setWalletAccount(await signer.getAddress());
      return signer;
    }
    return demoSigner(persona, app.provider);
  }, [useWallet, ethereum, persona, app.provider]);

  const client = useLoad<MedchainClient | undefined>(
    async () =>
      persona.role === "patient" ? undefined : connectClient(demoSigner(persona, app.provider), app.deployment),
    [persona.key],
    "chain",
  );

  return (
    <section aria-labelledby="persona-view-heading" data-testid={`view-${persona.role}`}>
      <h2 id="persona-view-heading" className="acting-as">
        {format(t.actingAs, { name: persona.name[lang] })}
      </h2>
      {persona.role === "patient" ? (
        <fieldset className="key-source" data-testid="key-source">
          <legend>{t.keySource}</legend>
          <label htmlFor="key-demo" className="checkbox">
            <input
              id="key-demo"
              type="radio"
              name="key-source"
              checked={!useWallet}
              onChange={() => setUseWallet(false)}
              data-testid="key-demo"
            />
            {t.keyDemo}
          </label>
          <label htmlFor="key-wallet" className="checkbox">
            <input
              id="key-wallet"
              type="radio"
              name="key-source"
              checked={useWallet}
              disabled={ethereum === undefined}
              onChange={() => {
                setUseWallet(true);
                setWalletProblem(undefined);
                if (ethereum !== undefined) {
                  walletSigner(ethereum)
                    .then((signer) => signer.getAddress())
                    .then(setWalletAccount, (error: unknown) => {
                      setUseWallet(false);
                      setWalletProblem(format(t.walletError, { message: describeError(error) }));
                    });
                }
              }}
              data-testid="key-wallet"
            />
            {ethereum === undefined ? t.keyWalletMissing : t.keyWallet}
          </label>
          {useWallet && walletAccount !== undefined ? (
            <p className="mono">{format(t.walletConnected, { account: walletAccount })}</p>
          ) : null}
          {walletProblem === undefined ? null : (
            <p role="alert" className="form-problem">
              {walletProblem}
            </p>
          )}
        </fieldset>
      ) : null}
      {persona.role === "patient" && persona.patientId !== undefined ? (
        <PatientView patientId={persona.patientId} getSigner={getSigner} />
      ) : client.error !== undefined ? (
        <p role="alert" className="form-problem" data-testid="client-error">
          {client.error}
        </p>
      ) : client.data === undefined ? (
        <p aria-busy="true">{t.loading}</p>
      ) : persona.role === "careTeam" ? (
        <CareTeamView client={client.data} memberId={persona.memberId ?? 0} />
      ) : (
        <InsurerView client={client.data} memberId={persona.memberId ?? 0} />
      )}
    </section>
  );
}
