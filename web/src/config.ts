/**
 * The web app's runtime configuration: `config.json`, fetched from the page's own origin at start. The stack
 * launcher writes it (and imports {@link WebConfig} to do so); {@link parseWebConfig} checks it field by field
 * so a broken file gives one clear message instead of a blank page.
 */
import { IGNITION_CONTRACT_IDS, type MedchainDeploymentJson } from "../../sdk/deployment.js";

/** Display names of a member or persona, one per UI language. */
export interface LocalizedName {
  en: string;
  "zh-TW": string;
}

/** The contract addresses of the deployment the app talks to: the SDK's `MedchainDeployment` as JSON. */
export type WebDeployment = MedchainDeploymentJson;

/** A consortium member the app can name (grantees in the wizard, insurers, providers). */
export interface WebMember {
  memberId: number;
  /** The member kind's name, e.g. "Hospital", "Insurer". */
  kind: string;
  name: LocalizedName;
}

/** The roles the app has a view for. */
export type PersonaRole = "patient" | "careTeam" | "insurer";

/** A demo persona: who she is and (DEMO ONLY) her private key. */
export interface WebPersona {
  key: string;
  role: PersonaRole;
  name: LocalizedName;
  /** DEMO ONLY: a throwaway key for a rehearsal chain. Never a real patient's or operator's key. */
  privateKey: string;
  /** The patient's id (decimal), for a patient persona. */
  patientId?: string;
  /** The persona's organisation, for care team and insurer personas. */
  memberId?: number;
}

/**
 * `config.json`. URLs may be relative ("/rpc", "/relayer", "/indexer"): they are resolved against the
 * page's address ({@link resolveServiceUrl}).
 */
export interface WebConfig {
  /** The chain id, decimal. */
  chainId: string;
  rpcUrl: string;
  relayerUrl: string;
  indexerUrl: string;
  deployment: WebDeployment;
  members: WebMember[];
  personas: WebPersona[];
  /** True: show the "demo keys only" banner. */
  demoKeys: boolean;
}

/** A `config.json` that cannot be used; `path` names the field at fault (e.g. `personas[1].role`). */
export class WebConfigError extends Error {
  /** The JSON path of the field at fault; empty for the whole file. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(path === "" ? `config.json ${problem}` : `config.json: ${path} ${problem}`);
    this.name = "WebConfigError";
    this.path = path;
  }
}

type Json = Record<string, unknown>;

const CONTRACTS = Object.keys(IGNITION_CONTRACT_IDS) as (keyof typeof IGNITION_CONTRACT_IDS)[];

const ROLES: readonly PersonaRole[] = ["patient", "careTeam", "insurer"];

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WebConfigError(path, "must be a JSON object");
  }
  return value as Json;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new WebConfigError(path, "must be a non-empty string");
  return value;
}

function decimal(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^[1-9][0-9]{0,77}$/.test(value)) {
    throw new WebConfigError(path, `must be a positive decimal string such as "2026", not ${JSON.stringify(value)}`);
  }
  return value;
}

function wholeNumber(value: unknown, path: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new WebConfigError(path, `must be a whole number of at least ${min}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function address(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new WebConfigError(path, `must be an account address (0x and 40 hex digits), not ${JSON.stringify(value)}`);
  }
  return value;
}

function serviceUrl(value: unknown, path: string): string {
  const url = text(value, path);
  if (!/^(https?:\/\/|\/)/.test(url)) {
    throw new WebConfigError(path, `must be an http(s) URL or a path starting with "/", not ${JSON.stringify(url)}`);
  }
  return url.replace(/\/+$/, "");
}

function localizedName(value: unknown, path: string): LocalizedName {
  const name = object(value, path);
  return { en: text(name.en, `${path}.en`), "zh-TW": text(name["zh-TW"], `${path}["zh-TW"]`) };
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new WebConfigError(path, "must be a list");
  return value;
}

/**
 * Checks parsed `config.json` and returns it typed; throws {@link WebConfigError} naming the first field at
 * fault. Trailing slashes of service URLs are dropped.
 *
 * @example
 * ```ts
 * const config = parseWebConfig(await (await fetch("config.json")).json());
 * ```
 */
export function parseWebConfig(json: unknown): WebConfig {
  const root = object(json, "");
  const chainId = decimal(root.chainId, "chainId");
  const d = object(root.deployment, "deployment");
  const deployment = {
    chainId: decimal(d.chainId, "deployment.chainId"),
    startBlock: wholeNumber(d.startBlock, "deployment.startBlock", 0),
  } as WebDeployment;
  for (const name of CONTRACTS) deployment[name] = address(d[name], `deployment.${name}`);
  if (deployment.chainId !== chainId) {
    throw new WebConfigError("deployment.chainId", `is ${deployment.chainId} but chainId is ${chainId}`);
  }
  const members = list(root.members, "members").map((value, i): WebMember => {
    const m = object(value, `members[${i}]`);
    return {
      memberId: wholeNumber(m.memberId, `members[${i}].memberId`, 1),
      kind: text(m.kind, `members[${i}].kind`),
      name: localizedName(m.name, `members[${i}].name`),
    };
  });
  const personaKeys = new Set<string>();
  const personas = list(root.personas, "personas").map((value, i): WebPersona => {
    const path = `personas[${i}]`;
    const p = object(value, path);
    const key = text(p.key, `${path}.key`);
    if (personaKeys.has(key)) throw new WebConfigError(`${path}.key`, `repeats the persona key "${key}"`);
    personaKeys.add(key);
    if (!ROLES.includes(p.role as PersonaRole)) {
      throw new WebConfigError(`${path}.role`, `must be one of ${ROLES.join(", ")}, not ${JSON.stringify(p.role)}`);
    }
    const role = p.role as PersonaRole;
    if (typeof p.privateKey !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(p.privateKey)) {
      throw new WebConfigError(`${path}.privateKey`, "must be 0x and 64 hex digits");
    }
    const persona: WebPersona = { key, role, name: localizedName(p.name, `${path}.name`), privateKey: p.privateKey };
    if (p.patientId !== undefined) persona.patientId = decimal(p.patientId, `${path}.patientId`);
    if (p.memberId !== undefined) persona.memberId = wholeNumber(p.memberId, `${path}.memberId`, 1);
    if (role === "patient" && persona.patientId === undefined) {
      throw new WebConfigError(`${path}.patientId`, "is required for a patient persona");
    }
    if (role !== "patient" && persona.memberId === undefined) {
      throw new WebConfigError(`${path}.memberId`, `is required for a ${role} persona`);
    }
    return persona;
  });
  if (typeof root.demoKeys !== "boolean") throw new WebConfigError("demoKeys", "must be true or false");
  return {
    chainId,
    rpcUrl: serviceUrl(root.rpcUrl, "rpcUrl"),
    relayerUrl: serviceUrl(root.relayerUrl, "relayerUrl"),
    indexerUrl: serviceUrl(root.indexerUrl, "indexerUrl"),
    deployment,
    members,
    personas,
    demoKeys: root.demoKeys,
  };
}

/**
 * Resolves a service URL of the config (possibly relative, "/rpc") against the page's address.
 *
 * @example
 * ```ts
 * resolveServiceUrl("/relayer", "https://demo.example/app/"); // "https://demo.example/relayer"
 * ```
 */
export function resolveServiceUrl(url: string, base: string): string {
  return new URL(url, base).toString().replace(/\/+$/, "");
}
