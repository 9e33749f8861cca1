import { expect } from "chai";
import { AbiCoder, keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import { network } from "hardhat";

import {
  consentFormHash,
  decodeMedchainError,
  IDENTITY_COMMITMENT_TAG,
  identityCommitment,
  IdentityDocumentType,
  isValidTaiwanIdNumber,
  MedchainContractError,
  medchainErrorsInterface,
  MedchainInputError,
  normaliseDocumentNumber,
} from "../sdk/index.js";
import { buildConsortium } from "./helpers/fixtures.js";

const pepper = `0x${"5a".repeat(32)}`;
const connection = await network.create();
const { networkHelpers } = connection;
const consortium = () => buildConsortium(connection);

describe("SDK identity commitments", function () {
  it("is keccak256(abi.encode(tag, pepper, documentType, normalised number))", function () {
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "bytes32", "string", "string"],
        [keccak256(toUtf8Bytes("medchain.identity-commitment.v1")), pepper, "TW-NID", "A123456789"],
      ),
    );
    expect(IDENTITY_COMMITMENT_TAG).to.equal(keccak256(toUtf8Bytes("medchain.identity-commitment.v1")));
    expect(
      identityCommitment({
        pepper,
        documentType: IdentityDocumentType.TaiwanNationalId,
        documentNumber: " a123-456 789 ",
      }),
    ).to.equal(expected);
  });

  it("differs by pepper and by document type, so observers without the pepper learn nothing", function () {
    const base = { pepper, documentType: IdentityDocumentType.TaiwanNationalId, documentNumber: "A123456789" };
    const commitment = identityCommitment(base);
    expect(identityCommitment({ ...base, pepper: `0x${"5b".repeat(32)}` })).to.not.equal(commitment);
    expect(identityCommitment({ ...base, documentType: IdentityDocumentType.TaiwanResidentCertificate })).to.not.equal(
      commitment,
    );
  });

  it("normalises document numbers", function () {
    expect(normaliseDocumentNumber(" a123-456 789 ")).to.equal("A123456789");
    expect(normaliseDocumentNumber("ｊｐｎ:tk1234567")).to.equal("JPN:TK1234567");
  });

  it("checks Taiwan ID numbers' check digit", function () {
    expect(isValidTaiwanIdNumber("A123456789")).to.equal(true);
    expect(isValidTaiwanIdNumber("A123456788")).to.equal(false);
    expect(isValidTaiwanIdNumber("A323456789")).to.equal(false);
    expect(isValidTaiwanIdNumber("1234567890")).to.equal(false);
  });

  it("refuses a short pepper, an empty number and a mistyped Taiwan ID with a typed error", function () {
    const cases: Array<[Parameters<typeof identityCommitment>[0], string]> = [
      [{ pepper: "0x1234", documentType: IdentityDocumentType.Passport, documentNumber: "X" }, "pepper"],
      [{ pepper, documentType: IdentityDocumentType.Passport, documentNumber: " - " }, "documentNumber"],
      [{ pepper, documentType: IdentityDocumentType.TaiwanNationalId, documentNumber: "A123456788" }, "documentNumber"],
    ];
    for (const [input, field] of cases) {
      expect(() => identityCommitment(input))
        .to.throw(MedchainInputError)
        .with.property("field", field);
    }
  });
});

describe("SDK error decoding", function () {
  it("turns a custom error into a MedchainContractError with decoded arguments and a human message", async function () {
    const { patientRegistry, registrar, patient, commitment } = await networkHelpers.loadFixture(consortium);
    let thrown: unknown;
    try {
      await patientRegistry.connect(registrar).registerPatient.staticCall(patient, commitment);
    } catch (error) {
      thrown = error;
    }
    const decoded = decodeMedchainError(thrown);
    expect(decoded).to.be.instanceOf(MedchainContractError);
    expect(decoded?.errorName).to.equal("PatientRegistryCommitmentAlreadyRegistered");
    expect(decoded?.args[0]).to.equal(commitment);
    expect(decoded?.args[1]).to.equal(1n);
    expect(decoded?.shortMessage).to.equal("this person is already registered as patient 1");
  });

  it("has a human message for every custom error of every medchain contract", function () {
    const zeroOf = (type: string): unknown => {
      if (type === "address") return ZeroAddress;
      if (type === "bool") return false;
      if (type === "string") return "";
      if (type.startsWith("bytes")) return `0x${"00".repeat(Number(type.slice(5)) || 0)}`;
      return 0n;
    };
    const unexplained: string[] = [];
    medchainErrorsInterface.forEachError((fragment) => {
      const data = medchainErrorsInterface.encodeErrorResult(
        fragment,
        fragment.inputs.map((input) => zeroOf(input.type)),
      );
      const decoded = decodeMedchainError(data);
      expect(decoded?.errorName, fragment.name).to.equal(fragment.name);
      if (decoded?.shortMessage.startsWith("the contract refused the call with") !== false) {
        unexplained.push(fragment.name);
      }
    });
    expect(unexplained).to.deep.equal([]);
  });

  it("explains every custom error without throwing, even with the largest values its arguments can hold", function () {
    const maxOf = (type: string): unknown => {
      if (type === "address") return "0xffffffffffffffffffffffffffffffffffffffff";
      if (type === "bool") return true;
      if (type === "string") return "x".repeat(64);
      if (type.startsWith("bytes")) return `0x${"ff".repeat(Number(type.slice(5)) || 32)}`;
      if (type.startsWith("uint")) return (1n << BigInt(Number(type.slice(4)) || 256)) - 1n;
      if (type.startsWith("int")) return (1n << BigInt((Number(type.slice(3)) || 256) - 1)) - 1n;
      throw new Error(`no largest value for ${type}`);
    };
    medchainErrorsInterface.forEachError((fragment) => {
      const data = medchainErrorsInterface.encodeErrorResult(
        fragment,
        fragment.inputs.map((input) => maxOf(input.type)),
      );
      expect(() => decodeMedchainError(data)?.shortMessage, fragment.name).not.to.throw();
      expect(decodeMedchainError(data)?.errorName, fragment.name).to.equal(fragment.name);
    });
  });

  it("returns undefined when there is no medchain error to decode", function () {
    expect(decodeMedchainError(new Error("socket hang up"))).to.equal(undefined);
    expect(decodeMedchainError({ data: "0xdeadbeef" })).to.equal(undefined);
  });
});

describe("SDK consent-form hashes", function () {
  const form = new TextEncoder().encode("%PDF-1.7 consent form");
  const salt = `0x${"a5".repeat(32)}`;

  it("is keccak256(abi.encode(tag, salt, keccak256(document)))", function () {
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "bytes32", "bytes32"],
        [keccak256(toUtf8Bytes("medchain.consent-form.v1")), salt, keccak256(form)],
      ),
    );
    expect(consentFormHash(form, salt)).to.equal(expected);
    expect(consentFormHash(form, `0x${"a6".repeat(32)}`)).to.not.equal(expected);
  });

  it("refuses a short salt and an empty form with a typed error", function () {
    expect(() => consentFormHash(form, "0x1234"))
      .to.throw(MedchainInputError)
      .with.property("field", "salt");
    expect(() => consentFormHash(new Uint8Array(), salt))
      .to.throw(MedchainInputError)
      .with.property("field", "document");
  });
});
