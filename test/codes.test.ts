import { readFile } from "node:fs/promises";

import { expect } from "chai";

import {
  AccountChangeKind,
  ClaimOutcome,
  ClaimReason,
  ClaimStatus,
  ALL_CATEGORIES,
  ALL_PURPOSES,
  categoryMask,
  EmergencyReason,
  Purpose,
  purposeMask,
  RecordCategory,
  ALL_DELEGATE_SCOPES,
  ConsortiumRole,
  DeactivationReason,
  DelegateScope,
  Duty,
  dutyMask,
  MemberKind,
  MemberStatus,
  PatientStatus,
  RecordStatus,
  RetractionReason,
} from "../sdk/codes.js";

const source = async (file: string) =>
  (await readFile(new URL(`../contracts/types/${file}`, import.meta.url), "utf8"))
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");

/** The members of `enum name { … }` in declaration order. */
function enumMembers(solidity: string, name: string): string[] {
  const body = new RegExp(`enum\\s+${name}\\s*\\{([^}]*)\\}`).exec(solidity)?.[1];
  if (body === undefined) throw new Error(`enum ${name} not found`);
  return body
    .split(",")
    .map((member) => member.trim())
    .filter((member) => member.length > 0);
}

/** The value of `uint… internal constant NAME = <number or 1 << n>;`. */
function constantValue(solidity: string, name: string): bigint {
  const expression = new RegExp(`constant\\s+${name}\\s*=\\s*([^;]+);`).exec(solidity)?.[1]?.trim();
  if (expression === undefined) throw new Error(`constant ${name} not found`);
  const shift = /^1\s*<<\s*(\d+)$/.exec(expression);
  if (shift !== null) return 1n << BigInt(shift[1] ?? "0");
  if (/^\d+$/.test(expression)) return BigInt(expression);
  throw new Error(`constant ${name} = ${expression} is not a literal`);
}

const asEnumTable = (members: string[]) => Object.fromEntries(members.map((member, index) => [member, index]));
const upperSnake = (pascal: string) => pascal.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

describe("Code lists", function () {
  describe("the SDK's enums match contracts/types", function () {
    const cases: Array<[file: string, enumName: string, sdk: Record<string, number>]> = [
      ["MemberCodes.sol", "MemberKind", MemberKind],
      ["MemberCodes.sol", "MemberStatus", MemberStatus],
      ["MemberCodes.sol", "Duty", Duty],
      ["PatientCodes.sol", "PatientStatus", PatientStatus],
      ["PatientCodes.sol", "DeactivationReason", DeactivationReason],
      ["PatientCodes.sol", "AccountChangeKind", AccountChangeKind],
      ["ConsentCodes.sol", "RecordCategory", RecordCategory],
      ["ConsentCodes.sol", "Purpose", Purpose],
      ["ConsentCodes.sol", "EmergencyReason", EmergencyReason],
      ["RecordCodes.sol", "RecordStatus", RecordStatus],
      ["RecordCodes.sol", "RetractionReason", RetractionReason],
      ["ClaimCodes.sol", "ClaimStatus", ClaimStatus],
      ["ClaimCodes.sol", "ClaimOutcome", ClaimOutcome],
      ["ClaimCodes.sol", "ClaimReason", ClaimReason],
    ];
    for (const [file, enumName, sdk] of cases) {
      it(`${enumName}`, async function () {
        expect(sdk).to.deep.equal(asEnumTable(enumMembers(await source(file), enumName)));
      });
    }
  });

  it("DelegateScope matches DelegateScopes, and ALL covers every scope", async function () {
    const solidity = await source("PatientCodes.sol");
    for (const [name, value] of Object.entries(DelegateScope)) {
      expect(BigInt(value), name).to.equal(constantValue(solidity, upperSnake(name)));
    }
    expect(/ALL\s*=\s*CONSENT \| CLAIMS \| RESEARCH \| VIEW;/.test(solidity)).to.equal(true);
    expect(ALL_DELEGATE_SCOPES).to.equal(0b1111);
  });

  it("ConsortiumRole matches ConsortiumRoles", async function () {
    const solidity = await source("ConsortiumRoles.sol");
    for (const [name, value] of Object.entries(ConsortiumRole)) {
      expect(value, name).to.equal(constantValue(solidity, `${upperSnake(name)}_ROLE`));
    }
  });

  it("category and purpose masks cover every defined code and nothing more", function () {
    expect(categoryMask(...Object.values(RecordCategory))).to.equal(ALL_CATEGORIES);
    expect(ALL_CATEGORIES).to.equal(0x3fff);
    expect(purposeMask(...Object.values(Purpose))).to.equal(ALL_PURPOSES);
    expect(ALL_PURPOSES).to.equal(0x3f);
    expect(categoryMask(RecordCategory.Medication, RecordCategory.LabResult)).to.equal((1 << 12) | (1 << 5));
  });

  it("dutyMask sets one bit per duty", function () {
    expect(dutyMask()).to.equal(0);
    expect(dutyMask(Duty.OrgAdmin, Duty.Registrar)).to.equal(0b11);
    expect(dutyMask(...Object.values(Duty))).to.equal(0b111111);
  });
});
