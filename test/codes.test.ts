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
  ALL_DATA_USE_PERMISSION_BITS,
  ALL_EXPLICIT_OPT_INS,
  COMMERCIAL_PURPOSES,
  DATA_USE_PERMISSIONS,
  DataUse,
  dataUsePermissionBit,
  DeidentificationMethod,
  ExplicitOptIn,
  isResearchPurpose,
  LegalBasis,
  PURPOSE_ACT_REASON,
  RequesterClass,
  requesterClassAllowedFor,
  RESEARCH_PURPOSES,
  StudyStatus,
} from "../sdk/codes.js";

const rawSource = (file: string) => readFile(new URL(`../contracts/types/${file}`, import.meta.url), "utf8");
const source = async (file: string) =>
  (await rawSource(file)).replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

/** The data lines of a fixture under test/fixtures (comments and blank lines dropped). */
async function fixtureLines(file: string): Promise<string[]> {
  const text = await readFile(new URL(`./fixtures/${file}`, import.meta.url), "utf8");
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
}

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
  if (/^\d+$/.test(expression) || /^0x[0-9a-fA-F]+$/.test(expression)) return BigInt(expression);
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
      ["ResearchCodes.sol", "RequesterClass", RequesterClass],
      ["ResearchCodes.sol", "LegalBasis", LegalBasis],
      ["ResearchCodes.sol", "DeidentificationMethod", DeidentificationMethod],
      ["ResearchCodes.sol", "StudyStatus", StudyStatus],
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
    expect(ALL_PURPOSES).to.equal(0x7ff);
    expect(categoryMask(RecordCategory.Medication, RecordCategory.LabResult)).to.equal((1 << 12) | (1 << 5));
  });

  it("the research and commercial purpose sets match Purposes.RESEARCH and Purposes.COMMERCIAL", async function () {
    const solidity = await source("ConsentCodes.sol");
    const purposesIn = (name: string): number => {
      const expression = new RegExp(`constant\\s+${name}\\s*=([^;]+);`).exec(solidity)?.[1];
      if (expression === undefined) throw new Error(`constant ${name} not found`);
      return purposeMask(
        ...Array.from(expression.matchAll(/Purpose\.(\w+)/g), ([, member]) => Purpose[member as keyof typeof Purpose]),
      );
    };
    expect(RESEARCH_PURPOSES).to.equal(purposesIn("RESEARCH"));
    expect(COMMERCIAL_PURPOSES).to.equal(purposesIn("COMMERCIAL"));
    expect(RESEARCH_PURPOSES & COMMERCIAL_PURPOSES).to.equal(0);
    for (const purpose of Object.values(Purpose)) {
      expect(isResearchPurpose(purpose), String(purpose)).to.equal((RESEARCH_PURPOSES & (1 << purpose)) !== 0);
    }
  });

  it("PURPOSE_ACT_REASON names the ActReason code each Purpose member's comment names, every code in the HL7 fixture", async function () {
    const solidity = await rawSource("ConsentCodes.sol");
    const body = /enum\s+Purpose\s*\{([^}]*)\}/.exec(solidity)?.[1] ?? "";
    const commented = Object.fromEntries(
      Array.from(body.matchAll(/(\w+),?\s*\/\/\s*([A-Z]+)/g), ([, member, code]) => [member, code]),
    );
    const sdk = Object.fromEntries(Object.entries(Purpose).map(([name, value]) => [name, PURPOSE_ACT_REASON[value]]));
    expect(sdk).to.deep.equal(commented);
    const hl7Codes = (await fixtureLines("act-reason.txt")).map((line) => line.split(" ")[0]);
    expect([...Object.values(PURPOSE_ACT_REASON)].sort()).to.deep.equal([...hl7Codes].sort());
  });

  it("DataUse equals the published DUO terms (test/fixtures/duo.csv) and Solidity's DataUse", async function () {
    const [header, ...rows] = await fixtureLines("duo.csv");
    expect(header).to.equal("id,shorthand");
    const published = Object.fromEntries(
      rows.map((row) => {
        const [id, shorthand] = row.split(",");
        return [shorthand, Number(id)];
      }),
    );
    expect(DataUse).to.deep.equal(published);
    const solidity = await source("ResearchCodes.sol");
    for (const [shorthand, id] of Object.entries(DataUse)) {
      expect(constantValue(solidity, shorthand), shorthand).to.equal(BigInt(id));
    }
    expect(DATA_USE_PERMISSIONS).to.deep.equal([DataUse.NRES, DataUse.GRU, DataUse.HMB, DataUse.DS, DataUse.POA]);
    expect(BigInt(ALL_DATA_USE_PERMISSION_BITS)).to.equal(constantValue(solidity, "ALL_PERMISSION_BITS"));
    // permissionBit: NRES 0, GRU 1, HMB 2, DS 3, POA 4 (as the Solidity function returns them), 0 otherwise.
    const bits = Array.from(solidity.matchAll(/if \(id == (\w+)\) return 1 << (\d+);/g), ([, name, bit]) => [
      name,
      Number(bit),
    ]);
    expect(bits).to.have.length(5);
    for (const [name, bit] of bits) {
      expect(dataUsePermissionBit(DataUse[name as keyof typeof DataUse]), String(name)).to.equal(1 << Number(bit));
    }
    expect(dataUsePermissionBit(DataUse.IRB)).to.equal(0);
    expect(dataUsePermissionBit(0)).to.equal(0);
  });

  it("ExplicitOptIn matches ExplicitOptIns, and ALL covers every opt-in", async function () {
    const solidity = await source("ResearchCodes.sol");
    for (const [name, value] of Object.entries(ExplicitOptIn)) {
      expect(BigInt(value), name).to.equal(constantValue(solidity, upperSnake(name)));
    }
    expect(/ALL\s*=\s*COMMERCIAL_USE \| IDENTIFIABLE_DATA;/.test(solidity)).to.equal(true);
    expect(ALL_EXPLICIT_OPT_INS).to.equal(0b11);
  });

  it("requesterClassAllowedFor follows RequesterClasses.isAllowedFor", async function () {
    // The Solidity library's rules, written out: kind → the classes it may act as.
    const allowed: Record<MemberKind, RequesterClass[]> = {
      [MemberKind.Hospital]: [RequesterClass.Academic, RequesterClass.Hospital],
      [MemberKind.Clinic]: [RequesterClass.Hospital],
      [MemberKind.Insurer]: [RequesterClass.Insurer],
      [MemberKind.ResearchInstitute]: [RequesterClass.Academic, RequesterClass.NonProfit],
      [MemberKind.Regulator]: [RequesterClass.Government],
      [MemberKind.Company]: [RequesterClass.Commercial],
    };
    const solidity = await source("ResearchCodes.sol");
    for (const kind of Object.values(MemberKind)) {
      for (const requesterClass of Object.values(RequesterClass)) {
        expect(requesterClassAllowedFor(kind, requesterClass), `${kind} as ${requesterClass}`).to.equal(
          allowed[kind].includes(requesterClass),
        );
      }
      // Every class the table allows a kind is named beside that kind in the library.
      const kindName = Object.keys(MemberKind).find((name) => MemberKind[name as keyof typeof MemberKind] === kind);
      const clause = new RegExp(`kind == MemberKind\\.${kindName}\\b[^;]*;`).exec(solidity)?.[0] ?? "";
      const named = Array.from(
        clause.matchAll(/RequesterClass\.(\w+)/g),
        ([, name]) => RequesterClass[name as keyof typeof RequesterClass],
      );
      expect([...named].sort(), String(kindName)).to.deep.equal([...allowed[kind]].sort());
    }
  });

  it("dutyMask sets one bit per duty", function () {
    expect(dutyMask()).to.equal(0);
    expect(dutyMask(Duty.OrgAdmin, Duty.Registrar)).to.equal(0b11);
    expect(dutyMask(...Object.values(Duty))).to.equal(0b111111);
  });
});
