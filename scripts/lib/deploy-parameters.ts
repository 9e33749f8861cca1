/**
 * Reads and checks a deployment parameter file (`ignition/parameters/<network>.json`) before anything is
 * sent. The file is an Ignition parameters file — Ignition itself ignores parameters no module asks for —
 * plus `Medchain.initialMembers`, the consortium members the deployment admits (see
 * `buildMedchainModule` in `ignition/modules/Medchain.ts`). Every mistake is a typed error whose message
 * names the field at fault.
 */
import { readFile } from "node:fs/promises";

import type { DeploymentParameters } from "@nomicfoundation/ignition-core";
import { getAddress, isAddress, ZeroAddress, ZeroHash } from "ethers";

import type { DutyName, InitialMember, InitialOperator, MemberKindName } from "../../ignition/modules/Medchain.js";
import { Duty, MemberKind } from "../../sdk/codes.js";
import { MedchainInputError } from "../../sdk/errors.js";

/** A parameter file that cannot be deployed; `field` is the path of the value at fault (`Medchain.admin`). */
export class DeployParametersError extends MedchainInputError {
  constructor(shortMessage: string, field?: string) {
    super(shortMessage, field === undefined ? {} : { field });
    this.name = "DeployParametersError";
  }
}

/** The file is missing, unreadable or not JSON. */
export class ParametersFileError extends DeployParametersError {
  constructor(shortMessage: string) {
    super(shortMessage);
    this.name = "ParametersFileError";
  }
}

/** A module or parameter no medchain module reads: most often a typo that Ignition would silently ignore. */
export class UnknownParameterError extends DeployParametersError {
  constructor(field: string, known: readonly string[]) {
    super(`${field} is not a medchain deployment parameter (known here: ${known.join(", ")})`, field);
    this.name = "UnknownParameterError";
  }
}

/** A required value is missing, or a value has the wrong type or range. */
export class InvalidParameterError extends DeployParametersError {
  constructor(field: string, problem: string) {
    super(`${field} ${problem}`, field);
    this.name = "InvalidParameterError";
  }
}

/** An account that is not a valid (or is the zero) address. */
export class InvalidAddressError extends DeployParametersError {
  constructor(field: string, value: unknown) {
    super(
      `${field} must be a 0x-prefixed 20-byte account address other than zero, got ${JSON.stringify(value)}`,
      field,
    );
    this.name = "InvalidAddressError";
  }
}

/** A member kind that is not one of `MemberKind`'s names. */
export class UnknownMemberKindError extends DeployParametersError {
  constructor(field: string, value: unknown) {
    super(
      `${field} is ${JSON.stringify(value)}, not a member kind (one of ${Object.keys(MemberKind).join(", ")})`,
      field,
    );
    this.name = "UnknownMemberKindError";
  }
}

/** A duty that is not one of `Duty`'s names. */
export class UnknownDutyError extends DeployParametersError {
  constructor(field: string, value: unknown) {
    super(`${field} is ${JSON.stringify(value)}, not a duty (one of ${Object.keys(Duty).join(", ")})`, field);
    this.name = "UnknownDutyError";
  }
}

/** Two members with the same key or metadata hash, or one account listed as an operator twice. */
export class DuplicateEntryError extends DeployParametersError {
  constructor(field: string, what: string, firstField: string) {
    super(`${field} repeats ${what} already given at ${firstField}`, field);
    this.name = "DuplicateEntryError";
  }
}

/** The deploying account named as admin, council, guardian or operator: it must hold nothing afterwards. */
export class DeployerHoldsRoleError extends DeployParametersError {
  constructor(field: string, deployer: string) {
    super(
      `${field} is the deploying account ${deployer}, which gives up every role at the end of the deployment: name another account`,
      field,
    );
    this.name = "DeployerHoldsRoleError";
  }
}

/** A checked parameter file: what Ignition receives and the members the module admits. */
export interface MedchainDeployParameters {
  /** The module parameters for `ignition.deploy`, addresses checksummed, without `initialMembers`. */
  readonly ignitionParameters: DeploymentParameters;
  readonly initialMembers: readonly InitialMember[];
  readonly admin: string;
  readonly membershipCouncil: string;
  readonly guardian: string;
  readonly oversight: string;
}

type ValueKind = "address" | "seconds";
interface ParameterRule {
  readonly kind: ValueKind;
  readonly required: boolean;
  /** Bounds in seconds the contracts enforce (checked here so a bad value fails before the first transaction). */
  readonly min?: number;
  readonly max?: number;
}

const HOUR = 60 * 60;
const DAY = 24 * HOUR;
/** `AccessManager` delays are `uint32` seconds. */
const MAX_EXECUTION_DELAY = 2 ** 32 - 1;

/** Every parameter the medchain modules read, with the rules of its value. */
const PARAMETER_RULES: Readonly<Record<string, Readonly<Record<string, ParameterRule>>>> = {
  Medchain: {
    admin: { kind: "address", required: true },
    adminExecutionDelay: { kind: "seconds", required: false, max: MAX_EXECUTION_DELAY },
  },
  Governance: {
    membershipCouncil: { kind: "address", required: true },
    membershipExecutionDelay: { kind: "seconds", required: false, max: MAX_EXECUTION_DELAY },
    guardian: { kind: "address", required: true },
  },
  Identity: {
    // PatientRegistry.MIN_RECOVERY_DELAY / MAX_RECOVERY_DELAY
    recoveryDelay: { kind: "seconds", required: false, min: HOUR, max: 30 * DAY },
  },
  Consent: {
    // ConsentRegistry.MIN_BREAK_GLASS_DURATION / MAX_BREAK_GLASS_DURATION
    breakGlassDuration: { kind: "seconds", required: false, min: 15 * 60, max: 72 * HOUR },
  },
  Studies: {
    oversight: { kind: "address", required: true },
    oversightExecutionDelay: { kind: "seconds", required: false, max: MAX_EXECUTION_DELAY },
  },
};

/** The parameter of module "Medchain" that lists the initial members (read by this loader, not by Ignition). */
export const INITIAL_MEMBERS_PARAMETER = "initialMembers";

const MEMBER_FIELDS = ["key", "kind", "metadataHash", "operators"] as const;
const OPERATOR_FIELDS = ["account", "duties"] as const;
const MEMBER_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_MEMBER_KEY_LENGTH = 64;
const BYTES32_PATTERN = /^0x[0-9a-fA-F]{64}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidParameterError(field, "must be a JSON object");
  return value;
}

function rejectUnknownFields(object: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const name of Object.keys(object)) {
    if (!known.includes(name)) throw new UnknownParameterError(`${prefix}${name}`, known);
  }
}

function checkAddress(value: unknown, field: string): string {
  if (typeof value !== "string" || !isAddress(value) || getAddress(value) === ZeroAddress) {
    throw new InvalidAddressError(field, value);
  }
  return getAddress(value);
}

function checkSeconds(value: unknown, field: string, rule: ParameterRule): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidParameterError(field, `must be a whole number of seconds, got ${JSON.stringify(value)}`);
  }
  const min = rule.min ?? 0;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (value < min || value > max) {
    throw new InvalidParameterError(field, `must be between ${min} and ${max} seconds, got ${value}`);
  }
  return value;
}

function checkOperator(value: unknown, field: string): InitialOperator {
  const operator = requireObject(value, field);
  rejectUnknownFields(operator, OPERATOR_FIELDS, `${field}.`);
  const account = checkAddress(operator.account, `${field}.account`);
  const duties = operator.duties;
  if (!Array.isArray(duties) || duties.length === 0) {
    throw new InvalidParameterError(`${field}.duties`, "must be a non-empty list of duty names");
  }
  const checked: DutyName[] = [];
  duties.forEach((duty: unknown, index) => {
    const dutyField = `${field}.duties[${index}]`;
    if (typeof duty !== "string" || !Object.hasOwn(Duty, duty)) throw new UnknownDutyError(dutyField, duty);
    const name = duty as DutyName;
    if (checked.includes(name)) throw new DuplicateEntryError(dutyField, `duty ${name}`, `${field}.duties`);
    checked.push(name);
  });
  return { account, duties: checked };
}

function checkMember(value: unknown, field: string): InitialMember {
  const member = requireObject(value, field);
  rejectUnknownFields(member, MEMBER_FIELDS, `${field}.`);
  const { key, kind, metadataHash, operators } = member;
  if (typeof key !== "string" || !MEMBER_KEY_PATTERN.test(key) || key.length > MAX_MEMBER_KEY_LENGTH) {
    throw new InvalidParameterError(
      `${field}.key`,
      `must be a letter then letters, digits or _ (at most ${MAX_MEMBER_KEY_LENGTH}; it names the member's deployment steps), got ${JSON.stringify(key)}`,
    );
  }
  if (typeof kind !== "string" || !Object.hasOwn(MemberKind, kind))
    throw new UnknownMemberKindError(`${field}.kind`, kind);
  if (typeof metadataHash !== "string" || !BYTES32_PATTERN.test(metadataHash) || metadataHash === ZeroHash) {
    throw new InvalidParameterError(
      `${field}.metadataHash`,
      `must be the non-zero 32-byte hash (0x + 64 hex digits) of the member's metadata document, got ${JSON.stringify(metadataHash)}`,
    );
  }
  if (!Array.isArray(operators)) {
    throw new InvalidParameterError(`${field}.operators`, "must be a list of {account, duties} (may be empty)");
  }
  return {
    key,
    kind: kind as MemberKindName,
    metadataHash: metadataHash.toLowerCase(),
    operators: operators.map((operator: unknown, index) => checkOperator(operator, `${field}.operators[${index}]`)),
  };
}

function checkInitialMembers(value: unknown): InitialMember[] {
  const field = `Medchain.${INITIAL_MEMBERS_PARAMETER}`;
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidParameterError(field, "must be a list of members");
  const members = value.map((member: unknown, index) => checkMember(member, `${field}[${index}]`));
  const firstKey = new Map<string, string>();
  const firstHash = new Map<string, string>();
  const firstOperator = new Map<string, string>();
  members.forEach((member, index) => {
    const memberField = `${field}[${index}]`;
    const previousKey = firstKey.get(member.key);
    if (previousKey !== undefined)
      throw new DuplicateEntryError(`${memberField}.key`, `key ${member.key}`, previousKey);
    firstKey.set(member.key, `${memberField}.key`);
    const previousHash = firstHash.get(member.metadataHash);
    if (previousHash !== undefined) {
      throw new DuplicateEntryError(
        `${memberField}.metadataHash`,
        `metadata hash ${member.metadataHash}`,
        previousHash,
      );
    }
    firstHash.set(member.metadataHash, `${memberField}.metadataHash`);
    member.operators.forEach((operator, operatorIndex) => {
      const operatorField = `${memberField}.operators[${operatorIndex}].account`;
      const previous = firstOperator.get(operator.account);
      if (previous !== undefined) {
        throw new DuplicateEntryError(
          operatorField,
          `operator ${operator.account} (an account acts for one member)`,
          previous,
        );
      }
      firstOperator.set(operator.account, operatorField);
    });
  });
  return members;
}

/**
 * Checks the parsed contents of a parameter file. Unknown modules and parameters, missing role accounts,
 * bad addresses, out-of-range delays, unknown member kinds or duties and duplicates throw a
 * {@link DeployParametersError} subclass naming the field.
 */
export function parseDeployParameters(contents: unknown): MedchainDeployParameters {
  const file = requireObject(contents, "the parameter file");
  rejectUnknownFields(file, Object.keys(PARAMETER_RULES), "");
  const ignitionParameters: DeploymentParameters = {};
  let initialMembers: InitialMember[] = [];
  for (const [moduleId, rules] of Object.entries(PARAMETER_RULES)) {
    const given = file[moduleId] === undefined ? {} : requireObject(file[moduleId], moduleId);
    const known = moduleId === "Medchain" ? [...Object.keys(rules), INITIAL_MEMBERS_PARAMETER] : Object.keys(rules);
    rejectUnknownFields(given, known, `${moduleId}.`);
    const checked: Record<string, string | number> = {};
    for (const [name, rule] of Object.entries(rules)) {
      const field = `${moduleId}.${name}`;
      const value = given[name];
      if (value === undefined) {
        if (rule.required)
          throw new InvalidParameterError(
            field,
            `is required (${rule.kind === "address" ? "an account address" : "seconds"})`,
          );
        continue;
      }
      checked[name] = rule.kind === "address" ? checkAddress(value, field) : checkSeconds(value, field, rule);
    }
    if (moduleId === "Medchain") initialMembers = checkInitialMembers(given[INITIAL_MEMBERS_PARAMETER]);
    if (Object.keys(checked).length > 0) ignitionParameters[moduleId] = checked;
  }
  const role = (moduleId: string, name: string): string => String(ignitionParameters[moduleId]?.[name]);
  return {
    ignitionParameters,
    initialMembers,
    admin: role("Medchain", "admin"),
    membershipCouncil: role("Governance", "membershipCouncil"),
    guardian: role("Governance", "guardian"),
    oversight: role("Studies", "oversight"),
  };
}

/**
 * Reads and checks a parameter file (see {@link parseDeployParameters}); a missing file or malformed JSON
 * throws {@link ParametersFileError}.
 */
export async function readDeployParameters(path: string): Promise<MedchainDeployParameters> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ParametersFileError(
      `cannot read the parameter file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): write it from ignition/parameters/consortium.example.json or pass --parameters <file>`,
    );
  }
  let contents: unknown;
  try {
    contents = JSON.parse(text);
  } catch (error) {
    throw new ParametersFileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDeployParameters(contents);
}

/**
 * Refuses parameters that give the deploying account a lasting role: it must not be the admin, the
 * membership council, the guardian, the research oversight or an operator, because it renounces its roles at
 * the end.
 */
export function assertDeployerHoldsNothing(parameters: MedchainDeployParameters, deployer: string): void {
  const account = getAddress(deployer);
  const holders: [string, string][] = [
    ["Medchain.admin", parameters.admin],
    ["Governance.membershipCouncil", parameters.membershipCouncil],
    ["Governance.guardian", parameters.guardian],
    ["Studies.oversight", parameters.oversight],
  ];
  parameters.initialMembers.forEach((member, index) =>
    member.operators.forEach((operator, operatorIndex) =>
      holders.push([
        `Medchain.${INITIAL_MEMBERS_PARAMETER}[${index}].operators[${operatorIndex}].account`,
        operator.account,
      ]),
    ),
  );
  for (const [field, holder] of holders) {
    if (holder === account) throw new DeployerHoldsRoleError(field, account);
  }
}
