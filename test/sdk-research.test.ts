import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { keccak256, toUtf8Bytes, ZeroHash } from "ethers";

import {
  RequesterClass,
  Purpose,
  MemberKind,
  DeidentificationMethod,
  DataUse,
  buildCohort,
  categoryMask,
  datasetManifest,
  decodeMedchainError,
  MAX_DATA_USE_CODES,
  MAX_EPSILON_MILLIS,
  MedchainInputError,
  medchainErrorsInterface,
  MINIMUM_K_FLOOR,
  optOutApplies,
  orderedDataUse,
  RECORD_LEAF_ENCODING,
  RecordCategory,
  studyRegistration,
  type CohortRecord,
  type DatasetManifestInput,
  type ResearchOptOut,
  type StudyRegistrationInput,
} from "../sdk/index.js";

const PURPOSE = Purpose;
const CLASS = RequesterClass;
const KIND = MemberKind;
const DUO = DataUse;
const METHOD = DeidentificationMethod;
const NOW = 1_750_000_000n;
const hash = (text: string): string => keccak256(toUtf8Bytes(text));

function registrationInput(overrides: Partial<StudyRegistrationInput> = {}): StudyRegistrationInput {
  return {
    protocolHash: hash("protocol v1"),
    ethicsApprovalHash: hash("IRB approval letter"),
    ethicsApprovalExpiresAt: NOW + 365n * 86_400n,
    purpose: PURPOSE.BiomedicalResearch,
    requesterClass: CLASS.Academic,
    dataUse: [DUO.NPUNCU, DUO.HMB, DUO.PUB],
    categories: categoryMask(RecordCategory.LabResult, RecordCategory.Medication),
    termStart: NOW,
    termEnd: NOW + 180n * 86_400n,
    minimumK: 5,
    sponsorKind: KIND.ResearchInstitute,
    now: NOW,
    ...overrides,
  };
}

function manifestInput(overrides: Partial<DatasetManifestInput> = {}): DatasetManifestInput {
  return {
    studyId: 1n,
    cohortRoot: hash("cohort"),
    cohortSize: 1_200,
    method: METHOD.KAnonymity,
    k: 5,
    methodDocumentHash: hash("method"),
    optOutStateBlock: 999n,
    manifestHash: hash("release"),
    study: { minimumK: 5n, legalBasis: 0n },
    currentBlock: 1_000n,
    ...overrides,
  };
}

/** Runs `build` and returns the field of the MedchainInputError it throws. */
function refusedField(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    expect(error).to.be.instanceOf(MedchainInputError);
    return (error as MedchainInputError).field;
  }
  expect.fail("expected a MedchainInputError");
}

describe("SDK research: studyRegistration", function () {
  it("returns the registration with the permission first and defaults", function () {
    const registration = studyRegistration(registrationInput());
    expect(registration.dataUse).to.deep.equal([DUO.HMB, DUO.NPUNCU, DUO.PUB]);
    expect(registration.diseaseCode).to.equal(0);
    expect(registration.legalBasis).to.equal(0);
    expect(registration.minimumK).to.equal(5);
    expect(registration).to.not.have.property("sponsorKind");
    expect(registration).to.not.have.property("now");
  });

  it("bars commercial use before the requester class, as the contract does", function () {
    expect(refusedField(() => studyRegistration(registrationInput({ requesterClass: CLASS.Commercial })))).to.equal(
      "requesterClass",
    );
    expect(refusedField(() => studyRegistration(registrationInput({ purpose: PURPOSE.Marketing })))).to.equal(
      "purpose",
    );
    // A company asking as Commercial is barred; asking as Academic is a class its kind does not allow.
    expect(() =>
      studyRegistration(registrationInput({ sponsorKind: KIND.Company, requesterClass: CLASS.Commercial })),
    ).to.throw(MedchainInputError, /commercial use of de-identified datasets is barred/);
    expect(() => studyRegistration(registrationInput({ sponsorKind: KIND.Company }))).to.throw(
      MedchainInputError,
      /a Company may not act as Academic/,
    );
  });

  it("checks the requester class against the sponsor's kind only when the kind is given", function () {
    expect(() => studyRegistration(registrationInput({ sponsorKind: KIND.Clinic }))).to.throw(/Clinic may not act/);
    expect(studyRegistration(registrationInput({ sponsorKind: KIND.Hospital })).requesterClass).to.equal(0);
    expect(
      studyRegistration(registrationInput({ sponsorKind: undefined, requesterClass: CLASS.Hospital })).purpose,
    ).to.equal(PURPOSE.BiomedicalResearch);
  });

  it("accepts only research purposes and PublicHealth", function () {
    expect(studyRegistration(registrationInput({ purpose: PURPOSE.PublicHealth })).purpose).to.equal(4);
    for (const purpose of [PURPOSE.Treatment, PURPOSE.PatientRequested]) {
      expect(refusedField(() => studyRegistration(registrationInput({ purpose })))).to.equal("purpose");
    }
    expect(refusedField(() => studyRegistration(registrationInput({ purpose: 11 })))).to.equal("purpose");
  });

  it("refuses zero or malformed hashes and an expired ethics approval", function () {
    expect(refusedField(() => studyRegistration(registrationInput({ protocolHash: ZeroHash })))).to.equal(
      "protocolHash",
    );
    expect(refusedField(() => studyRegistration(registrationInput({ ethicsApprovalHash: "0x12" })))).to.equal(
      "ethicsApprovalHash",
    );
    expect(refusedField(() => studyRegistration(registrationInput({ ethicsApprovalExpiresAt: NOW })))).to.equal(
      "ethicsApprovalExpiresAt",
    );
    expect(
      studyRegistration(registrationInput({ ethicsApprovalExpiresAt: NOW + 1n })).ethicsApprovalExpiresAt,
    ).to.equal(NOW + 1n);
  });

  it("checks the disease code, categories, term and minimum k", function () {
    expect(refusedField(() => studyRegistration(registrationInput({ dataUse: [DUO.DS] })))).to.equal("diseaseCode");
    expect(studyRegistration(registrationInput({ dataUse: [DUO.DS], diseaseCode: 5015 })).diseaseCode).to.equal(5015);
    expect(refusedField(() => studyRegistration(registrationInput({ diseaseCode: 5015 })))).to.equal("diseaseCode");
    expect(refusedField(() => studyRegistration(registrationInput({ categories: 0 })))).to.equal("categories");
    expect(refusedField(() => studyRegistration(registrationInput({ categories: 1 << 14 })))).to.equal("categories");
    expect(refusedField(() => studyRegistration(registrationInput({ termEnd: NOW })))).to.equal("termEnd");
    expect(
      refusedField(() => studyRegistration(registrationInput({ termStart: NOW + 10n, termEnd: NOW + 10n }))),
    ).to.equal("termEnd");
    expect(refusedField(() => studyRegistration(registrationInput({ minimumK: MINIMUM_K_FLOOR - 1 })))).to.equal(
      "minimumK",
    );
    expect(studyRegistration(registrationInput({ minimumK: MINIMUM_K_FLOOR })).minimumK).to.equal(3);
    expect(refusedField(() => studyRegistration(registrationInput({ legalBasis: 5 })))).to.equal("legalBasis");
  });
});

describe("SDK research: orderedDataUse", function () {
  it("refuses what the contract refuses, the first fault in list order", function () {
    expect(() => orderedDataUse([])).to.throw(/no DUO permission/);
    expect(() => orderedDataUse([DUO.PUB, DUO.IRB])).to.throw(/no DUO permission/);
    expect(() => orderedDataUse([DUO.GRU, DUO.HMB])).to.throw(/GRU \(DUO:0000042\) and HMB \(DUO:0000006\) are two/);
    expect(() => orderedDataUse([DUO.HMB, DUO.PUB, DUO.PUB])).to.throw(/PUB \(DUO:0000019\) is listed twice/);
    expect(() => orderedDataUse([DUO.HMB, 17])).to.throw(/17 is neither/);
    expect(() => orderedDataUse([17, DUO.GRU, DUO.HMB])).to.throw(/17 is neither/);
    expect(() => orderedDataUse(new Array<number>(MAX_DATA_USE_CODES + 1).fill(DUO.HMB))).to.throw(/at most 16/);
  });

  it("accepts random lists iff at most 16 codes, all known, none twice, exactly one permission", function () {
    const permissions: number[] = [DUO.NRES, DUO.GRU, DUO.HMB, DUO.DS, DUO.POA];
    const modifiers = [12, 15, 16, 18, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 43, 44, 45, 46];
    const pool = [...permissions, ...modifiers, 0, 1, 17, 23, 47];
    let seed = 0x6d6564;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    let accepted = 0;
    for (let run = 0; run < 2_000; run++) {
      const codes = Array.from({ length: next() % 21 }, () => pool[next() % pool.length] as number);
      const known = codes.every((id) => permissions.includes(id) || modifiers.includes(id));
      const distinct = new Set(codes).size === codes.length;
      const permissionCount = codes.filter((id) => permissions.includes(id)).length;
      const expected = codes.length <= 16 && known && distinct && permissionCount === 1;
      if (expected) {
        const ordered = orderedDataUse(codes);
        accepted++;
        expect(ordered[0]).to.equal(codes.find((id) => permissions.includes(id)));
        expect(ordered.slice(1)).to.deep.equal(codes.filter((id) => !permissions.includes(id)));
      } else {
        expect(() => orderedDataUse(codes), JSON.stringify(codes)).to.throw(MedchainInputError);
      }
    }
    expect(accepted).to.be.greaterThan(50);
  });
});

describe("SDK research: datasetManifest", function () {
  it("returns the manifest with defaults", function () {
    const manifest = datasetManifest(manifestInput());
    expect(manifest).to.deep.equal({
      studyId: 1n,
      cohortRoot: hash("cohort"),
      cohortSize: 1_200,
      method: METHOD.KAnonymity,
      k: 5,
      epsilonMillis: 0,
      methodDocumentHash: hash("method"),
      optOutStateBlock: 999n,
      optedOutIncluded: 0,
      manifestHash: hash("release"),
    });
  });

  it("refuses what the contract refuses, naming the field", function () {
    const cases: [Partial<DatasetManifestInput>, string][] = [
      [{ studyId: 0n }, "studyId"],
      [{ cohortRoot: ZeroHash }, "cohortRoot"],
      [{ cohortSize: 0 }, "cohortSize"],
      [{ methodDocumentHash: ZeroHash }, "methodDocumentHash"],
      [{ manifestHash: ZeroHash }, "manifestHash"],
      [{ method: 3 }, "method"],
      [{ k: 4 }, "k"],
      [{ epsilonMillis: 1 }, "epsilonMillis"],
      [{ method: METHOD.AggregateTables, k: 4 }, "k"],
      [{ method: METHOD.DifferentialPrivacy, k: 5, epsilonMillis: 1_000 }, "k"],
      [{ method: METHOD.DifferentialPrivacy, k: 0, epsilonMillis: 0 }, "epsilonMillis"],
      [{ method: METHOD.DifferentialPrivacy, k: 0, epsilonMillis: MAX_EPSILON_MILLIS + 1 }, "epsilonMillis"],
      [{ optOutStateBlock: 1_000n }, "optOutStateBlock"],
      [{ optedOutIncluded: 3 }, "optedOutIncluded"],
      [{ cohortSize: 5, k: 6 }, "k"],
      [{ cohortSize: 5, optedOutIncluded: 6, study: { minimumK: 5n, legalBasis: 1n } }, "optedOutIncluded"],
    ];
    for (const [overrides, field] of cases) {
      expect(
        refusedField(() => datasetManifest(manifestInput(overrides))),
        JSON.stringify(overrides, (_, v) => (typeof v === "bigint" ? String(v) : v)),
      ).to.equal(field);
    }
  });

  it("accepts differential privacy up to epsilon 10 and opted-out patients under a legal basis", function () {
    const dp = datasetManifest(
      manifestInput({ method: METHOD.DifferentialPrivacy, k: 0, epsilonMillis: MAX_EPSILON_MILLIS }),
    );
    expect(dp.epsilonMillis).to.equal(10_000);
    const withBasis = datasetManifest(manifestInput({ optedOutIncluded: 3, study: { minimumK: 5, legalBasis: 2 } }));
    expect(withBasis.optedOutIncluded).to.equal(3);
    // Without the study or the block, only what the manifest alone shows is checked.
    const loose = datasetManifest(
      manifestInput({ study: undefined, currentBlock: undefined, k: 3, optedOutIncluded: 1 }),
    );
    expect(loose.k).to.equal(3);
  });
});

describe("SDK research: buildCohort", function () {
  const anchor = (name: string, category: number): CohortRecord["anchor"] => ({
    contentHash: hash(name),
    category,
    subjectCommitment: hash(`subject of ${name}`),
  });
  const records: CohortRecord[] = [
    { patientId: 1n, anchor: anchor("p1 lab", RecordCategory.LabResult) },
    { patientId: 1n, anchor: anchor("p1 medication", RecordCategory.Medication) },
    { patientId: 2n, anchor: anchor("p2 lab", RecordCategory.LabResult) },
    { patientId: 3n, anchor: anchor("p3 lab", RecordCategory.LabResult) },
    { patientId: 3n, anchor: anchor("p3 dental", RecordCategory.Dental) },
    { patientId: 4n, anchor: anchor("p4 lab", RecordCategory.LabResult) },
  ];
  const none: ResearchOptOut = { wholly: false, categories: 0, permissions: 0 };
  const optOuts = new Map<bigint, ResearchOptOut>([
    [2n, { ...none, wholly: true }],
    [3n, { ...none, categories: categoryMask(RecordCategory.Dental) }],
    [4n, { ...none, permissions: 1 << 2 }], // HMB
  ]);

  it("leaves out what each opt-out withholds and roots the rest like OpenZeppelin's tree", function () {
    const cohort = buildCohort(records, optOuts, { dataUsePermission: DUO.HMB });
    expect(cohort.cohortSize).to.equal(2); // patients 1 and 3
    expect(cohort.recordCount).to.equal(3); // p1 lab, p1 medication, p3 lab
    expect(cohort.excludedPatients).to.equal(2); // patients 2 (wholly) and 4 (HMB)
    expect(cohort.excludedRecords).to.equal(3);
    expect(cohort.optedOutIncluded).to.equal(0);
    const kept = [records[0], records[1], records[3]].map((r) => r?.anchor);
    const tree = StandardMerkleTree.of(
      kept.map((a) => [a?.contentHash, a?.category, a?.subjectCommitment]),
      [...RECORD_LEAF_ENCODING],
    );
    expect(cohort.cohortRoot).to.equal(tree.root);
    expect(cohort.batch.root).to.equal(tree.root);
  });

  it("applies a permission opt-out only to studies under that permission, and takes a lookup function", function () {
    const cohort = buildCohort(records, (patientId) => optOuts.get(patientId), { dataUsePermission: DUO.GRU });
    expect(cohort.cohortSize).to.equal(3); // patient 4 opted out of HMB only
    expect(cohort.excludedPatients).to.equal(1);
    expect(optOutApplies(undefined, DUO.HMB, RecordCategory.LabResult)).to.equal(false);
    expect(optOutApplies({ ...none, permissions: 1n << 3n }, DUO.DS, RecordCategory.LabResult)).to.equal(true);
  });

  it("keeps opted-out patients under a legal basis and counts them", function () {
    const cohort = buildCohort(records, optOuts, { dataUsePermission: DUO.HMB, includeOptedOutUnderLegalBasis: true });
    expect(cohort.cohortSize).to.equal(4);
    expect(cohort.recordCount).to.equal(6);
    expect(cohort.excludedRecords).to.equal(0);
    expect(cohort.optedOutIncluded).to.equal(3);
  });

  it("refuses an empty cohort and an unknown permission", function () {
    expect(
      refusedField(() => buildCohort([records[2] as CohortRecord], optOuts, { dataUsePermission: DUO.HMB })),
    ).to.equal("records");
    expect(refusedField(() => buildCohort([], optOuts, { dataUsePermission: DUO.HMB }))).to.equal("records");
    expect(refusedField(() => buildCohort(records, optOuts, { dataUsePermission: DUO.PUB }))).to.equal(
      "dataUsePermission",
    );
  });
});

describe("SDK research: StudyRegistry errors", function () {
  it("explains the StudyRegistry's refusals in words", function () {
    const decode = (name: string, args: unknown[]): string | undefined =>
      decodeMedchainError(medchainErrorsInterface.encodeErrorResult(name, args))?.shortMessage;
    expect(decode("StudyRegistryCommercialUseBarred", [CLASS.Commercial, PURPOSE.BiomedicalResearch])).to.equal(
      "commercial use of de-identified datasets is barred (requester class Commercial, purpose BiomedicalResearch); " +
        "companies need each patient's explicit opt-in",
    );
    expect(decode("StudyRegistryTwoDataUsePermissions", [DUO.GRU, DUO.HMB])).to.equal(
      "a study has exactly one DUO permission; GRU (DUO:0000042) and HMB (DUO:0000006) are two",
    );
    expect(decode("StudyRegistryEthicsApprovalExpired", [0, 1_750_000_000, 1_750_000_001])).to.match(
      /^the study's ethics approval expired at 2025-06-15T15:06:40.000Z/,
    );
    expect(decode("StudyRegistryStudyNotApproved", [3, 3])).to.equal(
      "study 3 is Suspended, not Approved: its datasets cannot be published or used",
    );
  });
});
