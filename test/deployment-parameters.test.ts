import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { HardhatArtifactResolver } from "@nomicfoundation/hardhat-ignition/helpers";
import { deploy, DeploymentResultType } from "@nomicfoundation/ignition-core";
import { expect } from "chai";
import { getAddress, keccak256, toUtf8Bytes, ZeroAddress, ZeroHash } from "ethers";
import hre from "hardhat";

import MedchainModule, { buildMedchainModule, type InitialMember } from "../ignition/modules/Medchain.js";
import {
  assertDeployerHoldsNothing,
  DeployerHoldsRoleError,
  DeployParametersError,
  DuplicateEntryError,
  InvalidAddressError,
  InvalidParameterError,
  parseDeployParameters,
  ParametersFileError,
  readDeployParameters,
  UnknownDutyError,
  UnknownMemberKindError,
  UnknownParameterError,
  type MedchainDeployParameters,
} from "../scripts/lib/deploy-parameters.js";
import { deployWithParameters, readAdmittedMembers } from "../scripts/lib/deploy.js";
import { ConsortiumRole, Duty, dutyMask, MemberKind, MemberStatus } from "../sdk/codes.js";
import { MedchainInputError } from "../sdk/errors.js";
import { ConsortiumAuthority__factory, MemberRegistry__factory } from "../typechain-types/index.js";

const connection = await hre.network.create();
const { ethers } = connection;
const signers = await ethers.getSigners();
const account = (index: number): string => {
  const signer = signers[index];
  if (signer === undefined) throw new Error(`the test network has no account ${index}`);
  return signer.address;
};
const deployer = account(0);
const ONE_DAY = 24 * 60 * 60;
const LOCALHOST_PARAMETERS = "ignition/parameters/localhost.json";
const metadata = (name: string) => keccak256(toUtf8Bytes(name));

/** A valid parameter file's contents: three members of three kinds, delayed council and admin. */
function validParameters() {
  return {
    Medchain: {
      admin: account(1),
      adminExecutionDelay: 2 * ONE_DAY,
      initialMembers: [
        {
          key: "NorthHospital",
          kind: "Hospital",
          metadataHash: metadata("north hospital"),
          operators: [
            { account: account(4), duties: ["OrgAdmin"] },
            { account: account(5), duties: ["Registrar", "Clinician"] },
          ],
        },
        {
          key: "SouthClinic",
          kind: "Clinic",
          metadataHash: metadata("south clinic"),
          operators: [{ account: account(6), duties: ["DataSteward"] }],
        },
        {
          key: "CityInsurer",
          kind: "Insurer",
          metadataHash: metadata("city insurer"),
          operators: [{ account: account(7), duties: ["OrgAdmin", "ClaimsOfficer"] }],
        },
      ],
    },
    Governance: { membershipCouncil: account(2), membershipExecutionDelay: ONE_DAY, guardian: account(3) },
    Identity: { recoveryDelay: 3 * ONE_DAY },
    Consent: { breakGlassDuration: 4 * 60 * 60 },
    Studies: { oversight: account(9), oversightExecutionDelay: ONE_DAY },
  };
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** The deployer holds none of the consortium roles. */
async function expectDeployerHoldsNoRole(authorityAddress: string): Promise<void> {
  const authority = ConsortiumAuthority__factory.connect(authorityAddress, ethers.provider);
  for (const role of [
    ConsortiumRole.Admin,
    ConsortiumRole.Membership,
    ConsortiumRole.Guardian,
    ConsortiumRole.Oversight,
  ]) {
    const [isMember, executionDelay] = await authority.hasRole(role, deployer);
    expect({ role, isMember, executionDelay }).to.deep.equal({ role, isMember: false, executionDelay: 0n });
  }
}

/** Every initial member is active with its kind and metadata, and every operator holds exactly its duties. */
async function expectMembersOnChain(parameters: MedchainDeployParameters, memberRegistryAddress: string) {
  const memberRegistry = MemberRegistry__factory.connect(memberRegistryAddress, ethers.provider);
  expect(await memberRegistry.memberCount()).to.equal(BigInt(parameters.initialMembers.length));
  const admitted = await readAdmittedMembers(memberRegistry, parameters.initialMembers);
  parameters.initialMembers.forEach((member, index) => {
    const onChain = admitted[index];
    // Members are admitted one after another: ids follow the file's order.
    expect(onChain?.memberId).to.equal(BigInt(index + 1));
    expect(onChain?.kind).to.equal(BigInt(MemberKind[member.kind]));
    expect(onChain?.status).to.equal(BigInt(MemberStatus.Active));
    expect(onChain?.metadataHash).to.equal(member.metadataHash);
    expect(onChain?.operators).to.deep.equal(
      member.operators.map((operator) => ({
        account: operator.account,
        memberId: BigInt(index + 1),
        duties: BigInt(dutyMask(...operator.duties.map((name) => Duty[name]))),
      })),
    );
  });
}

describe("Deployment with parameter files and initial members", function () {
  it("admits the initial members of a parameters object and leaves the deployer without any role", async function () {
    const parameters = parseDeployParameters(validParameters());
    assertDeployerHoldsNothing(parameters, deployer);
    const { authority, memberRegistry } = await deployWithParameters(connection, parameters);

    await expectMembersOnChain(parameters, await memberRegistry.getAddress());
    await expectDeployerHoldsNoRole(await authority.getAddress());
    expect(await authority.hasRole(ConsortiumRole.Membership, account(2))).to.deep.equal([true, BigInt(ONE_DAY)]);
    expect(await authority.hasRole(ConsortiumRole.Admin, account(1))).to.deep.equal([true, BigInt(2 * ONE_DAY)]);
    expect(await authority.hasRole(ConsortiumRole.Guardian, account(3))).to.deep.equal([true, 0n]);
    expect(await authority.hasRole(ConsortiumRole.Oversight, account(9))).to.deep.equal([true, BigInt(ONE_DAY)]);
    await expect(memberRegistry.addMember(MemberKind.Clinic, metadata("late clinic")))
      .to.be.revertedWithCustomError(memberRegistry, "AccessManagedUnauthorized")
      .withArgs(deployer);
  });

  it("gives the first operators working duties: an OrgAdmin adds an operator to its own organisation", async function () {
    const parameters = parseDeployParameters(validParameters());
    const { memberRegistry } = await deployWithParameters(connection, parameters);
    const orgAdmin = signers[4];
    if (orgAdmin === undefined) throw new Error("no account 4");

    await memberRegistry.connect(orgAdmin).addOperator(account(8), 1, dutyMask(Duty.Clinician));

    expect(await memberRegistry.hasDuty(account(8), Duty.Clinician)).to.equal(true);
    expect(await memberRegistry.hasDuty(account(5), Duty.Registrar)).to.equal(true);
  });

  it("deploys the real ignition/parameters/localhost.json: two hospitals and an insurer with their operators", async function () {
    const parameters = await readDeployParameters(LOCALHOST_PARAMETERS);
    assertDeployerHoldsNothing(parameters, deployer);
    expect(parameters.initialMembers.map((member) => member.kind)).to.deep.equal(["Hospital", "Hospital", "Insurer"]);
    const { authority, memberRegistry } = await deployWithParameters(connection, parameters);

    await expectMembersOnChain(parameters, await memberRegistry.getAddress());
    await expectDeployerHoldsNoRole(await authority.getAddress());
    expect(await authority.hasRole(ConsortiumRole.Membership, parameters.membershipCouncil)).to.deep.equal([
      true,
      BigInt(Number(parameters.ignitionParameters.Governance?.membershipExecutionDelay ?? 0)),
    ]);
  });

  it("keeps localhost.json a valid Ignition parameters file: the default module deploys from it without members", async function () {
    // A path makes Ignition read the file with its own reader (JSON5), as `hardhat ignition deploy` does.
    const deployed = await connection.ignition.deploy(MedchainModule, { parameters: LOCALHOST_PARAMETERS });
    const { admin } = await readDeployParameters(LOCALHOST_PARAMETERS);
    const authorityAddress = await deployed.authority.getAddress();
    const memberRegistry = MemberRegistry__factory.connect(await deployed.memberRegistry.getAddress(), ethers.provider);

    expect(await memberRegistry.memberCount()).to.equal(0n);
    expect(
      await ConsortiumAuthority__factory.connect(authorityAddress, ethers.provider).hasRole(
        ConsortiumRole.Admin,
        admin,
      ),
    ).to.deep.equal([true, 0n]);
    await expectDeployerHoldsNoRole(authorityAddress);
  });

  it("names each member's steps after its key, so a resumed deployment reconciles them", function () {
    const members: InitialMember[] = [
      {
        key: "A",
        kind: "Hospital",
        metadataHash: metadata("a"),
        operators: [{ account: account(4), duties: ["OrgAdmin"] }],
      },
    ];
    const ids = [...buildMedchainModule(members).futures].map((future) => future.id);
    expect(ids).to.include.members([
      "Medchain#GrantDeployerMembershipRole",
      "Medchain#AddMember_A",
      "Medchain#MemberId_A",
      `Medchain#AddOperator_A_${account(4)}`,
      "Medchain#DeployerRenouncesMembershipRole",
      "Medchain#GrantAdminRole",
    ]);
    expect([...MedchainModule.futures].map((future) => future.id)).to.not.include(
      "Medchain#GrantDeployerMembershipRole",
    );
  });

  it("resumes from its journal without admitting anyone twice, and refuses a changed member", async function () {
    const deploymentDir = await mkdtemp(path.join(tmpdir(), "medchain-journal-"));
    try {
      const parameters = parseDeployParameters(validParameters());
      const run = (initialMembers: readonly InitialMember[]) =>
        deploy({
          provider: connection.provider,
          artifactResolver: new HardhatArtifactResolver(hre.artifacts),
          deploymentDir,
          ignitionModule: buildMedchainModule(initialMembers),
          deploymentParameters: parameters.ignitionParameters,
          accounts: signers.map((signer) => signer.address),
        });
      const first = await run(parameters.initialMembers);
      expect(first.type).to.equal(DeploymentResultType.SUCCESSFUL_DEPLOYMENT);
      if (first.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) return;
      const memberRegistryAddress = first.contracts["Governance#MemberRegistry"]?.address ?? ZeroAddress;

      const again = await run(parameters.initialMembers);
      expect(again.type).to.equal(DeploymentResultType.SUCCESSFUL_DEPLOYMENT);
      await expectMembersOnChain(parameters, memberRegistryAddress);

      const [firstMember, ...others] = parameters.initialMembers;
      if (firstMember === undefined) throw new Error("no member");
      const changed = await run([{ ...firstMember, metadataHash: metadata("another document") }, ...others]);
      expect(changed.type).to.equal(DeploymentResultType.RECONCILIATION_ERROR);
      if (changed.type === DeploymentResultType.RECONCILIATION_ERROR) {
        expect(Object.keys(changed.errors)).to.deep.equal(["Medchain#AddMember_NorthHospital"]);
      }
    } finally {
      await rm(deploymentDir, { recursive: true, force: true });
    }
  });
});

describe("Deployment parameter loader: bad input", function () {
  type Contents = ReturnType<typeof validParameters> & Record<string, unknown>;
  const members = (contents: Contents) => contents.Medchain.initialMembers as Record<string, unknown>[];
  const member = (contents: Contents, index: number) => members(contents)[index] as Record<string, unknown>;
  const operators = (contents: Contents, index: number) =>
    member(contents, index).operators as Record<string, unknown>[];

  const cases: {
    name: string;
    change: (contents: Contents) => void;
    error: new (...args: never[]) => DeployParametersError;
    message: string;
  }[] = [
    {
      name: "an unknown member kind",
      change: (contents) => (member(contents, 1).kind = "Pharmacy"),
      error: UnknownMemberKindError,
      message:
        'Medchain.initialMembers[1].kind is "Pharmacy", not a member kind (one of Hospital, Clinic, Insurer, ResearchInstitute, Regulator, Company)',
    },
    {
      name: "an unknown duty",
      change: (contents) => ((operators(contents, 0)[1] as Record<string, unknown>).duties = ["Registrar", "Surgeon"]),
      error: UnknownDutyError,
      message:
        'Medchain.initialMembers[0].operators[1].duties[1] is "Surgeon", not a duty (one of OrgAdmin, Registrar, Clinician, ClaimsOfficer, DataSteward, Researcher)',
    },
    {
      name: "a duty listed twice",
      change: (contents) => ((operators(contents, 0)[0] as Record<string, unknown>).duties = ["OrgAdmin", "OrgAdmin"]),
      error: DuplicateEntryError,
      message:
        "Medchain.initialMembers[0].operators[0].duties[1] repeats duty OrgAdmin already given at Medchain.initialMembers[0].operators[0].duties",
    },
    {
      name: "an operator without duties",
      change: (contents) => ((operators(contents, 1)[0] as Record<string, unknown>).duties = []),
      error: InvalidParameterError,
      message: "Medchain.initialMembers[1].operators[0].duties must be a non-empty list of duty names",
    },
    {
      name: "a malformed admin address",
      change: (contents) => (contents.Medchain.admin = "0x1234"),
      error: InvalidAddressError,
      message: 'Medchain.admin must be a 0x-prefixed 20-byte account address other than zero, got "0x1234"',
    },
    {
      name: "an address with a wrong checksum",
      change: (contents) => (contents.Governance.guardian = account(3).replace(/[a-f]/, (c) => c.toUpperCase())),
      error: InvalidAddressError,
      message: `Governance.guardian must be a 0x-prefixed 20-byte account address other than zero, got "${account(3).replace(/[a-f]/, (c) => c.toUpperCase())}"`,
    },
    {
      name: "the zero address as an operator",
      change: (contents) => ((operators(contents, 2)[0] as Record<string, unknown>).account = ZeroAddress),
      error: InvalidAddressError,
      message: `Medchain.initialMembers[2].operators[0].account must be a 0x-prefixed 20-byte account address other than zero, got "${ZeroAddress}"`,
    },
    {
      name: "two members with one key",
      change: (contents) => (member(contents, 2).key = "NorthHospital"),
      error: DuplicateEntryError,
      message:
        "Medchain.initialMembers[2].key repeats key NorthHospital already given at Medchain.initialMembers[0].key",
    },
    {
      name: "two members with one metadata hash",
      change: (contents) => (member(contents, 1).metadataHash = metadata("north hospital")),
      error: DuplicateEntryError,
      message: `Medchain.initialMembers[1].metadataHash repeats metadata hash ${metadata("north hospital")} already given at Medchain.initialMembers[0].metadataHash`,
    },
    {
      name: "one account as operator of two members",
      change: (contents) => ((operators(contents, 2)[0] as Record<string, unknown>).account = account(5).toLowerCase()),
      error: DuplicateEntryError,
      message: `Medchain.initialMembers[2].operators[0].account repeats operator ${account(5)} (an account acts for one member) already given at Medchain.initialMembers[0].operators[1].account`,
    },
    {
      name: "a member key Ignition cannot use in a future id",
      change: (contents) => (member(contents, 0).key = "North-Hospital"),
      error: InvalidParameterError,
      message:
        'Medchain.initialMembers[0].key must be a letter then letters, digits or _ (at most 64; it names the member\'s deployment steps), got "North-Hospital"',
    },
    {
      name: "a zero metadata hash",
      change: (contents) => (member(contents, 0).metadataHash = ZeroHash),
      error: InvalidParameterError,
      message: `Medchain.initialMembers[0].metadataHash must be the non-zero 32-byte hash (0x + 64 hex digits) of the member's metadata document, got "${ZeroHash}"`,
    },
    {
      name: "a misspelt parameter Ignition would ignore",
      change: (contents) => ((contents.Medchain as Record<string, unknown>).adminExecutionDealy = 10),
      error: UnknownParameterError,
      message:
        "Medchain.adminExecutionDealy is not a medchain deployment parameter (known here: admin, adminExecutionDelay, initialMembers)",
    },
    {
      name: "a module without parameters",
      change: (contents) => (contents.Records = { anything: 1 }),
      error: UnknownParameterError,
      message:
        "Records is not a medchain deployment parameter (known here: Medchain, Governance, Identity, Consent, Studies)",
    },
    {
      name: "a missing guardian",
      change: (contents) => delete (contents.Governance as Record<string, unknown>).guardian,
      error: InvalidParameterError,
      message: "Governance.guardian is required (an account address)",
    },
    {
      name: "a break-glass duration below the contract's bound",
      change: (contents) => (contents.Consent.breakGlassDuration = 60),
      error: InvalidParameterError,
      message: "Consent.breakGlassDuration must be between 900 and 259200 seconds, got 60",
    },
    {
      name: "a delay that is not a whole number of seconds",
      change: (contents) => (contents.Governance.membershipExecutionDelay = "1 day" as unknown as number),
      error: InvalidParameterError,
      message: 'Governance.membershipExecutionDelay must be a whole number of seconds, got "1 day"',
    },
  ];

  for (const { name, change, error, message } of cases) {
    it(`refuses ${name} with ${error.name}`, function () {
      const contents = validParameters() as Contents;
      change(contents);
      expect(() => parseDeployParameters(contents))
        .to.throw(error)
        .that.satisfies(
          (thrown: DeployParametersError) => thrown.shortMessage === message && thrown instanceof MedchainInputError,
          message,
        );
    });
  }

  it("refuses the deploying account as admin or as an operator with DeployerHoldsRoleError", function () {
    const asAdmin = validParameters();
    asAdmin.Medchain.admin = deployer;
    expect(() => assertDeployerHoldsNothing(parseDeployParameters(asAdmin), deployer)).to.throw(
      DeployerHoldsRoleError,
      `Medchain.admin is the deploying account ${deployer}, which gives up every role at the end of the deployment: name another account`,
    );
    const asOperator = validParameters();
    const firstOperator = asOperator.Medchain.initialMembers[1]?.operators[0];
    if (firstOperator === undefined) throw new Error("no operator");
    firstOperator.account = deployer.toLowerCase();
    expect(() => assertDeployerHoldsNothing(parseDeployParameters(asOperator), deployer)).to.throw(
      DeployerHoldsRoleError,
      `Medchain.initialMembers[1].operators[0].account is the deploying account ${deployer}`,
    );
  });

  it("refuses a missing file and malformed JSON with ParametersFileError", async function () {
    const directory = await mkdtemp(path.join(tmpdir(), "medchain-parameters-"));
    try {
      const missing = path.join(directory, "nowhere.json");
      const missingError = await rejectionOf(readDeployParameters(missing));
      expect(missingError).to.be.instanceOf(ParametersFileError);
      expect((missingError as ParametersFileError).shortMessage).to.equal(
        `cannot read the parameter file ${missing} (ENOENT): write it from ignition/parameters/consortium.example.json or pass --parameters <file>`,
      );
      const malformed = path.join(directory, "malformed.json");
      await writeFile(malformed, '{ "Medchain": ');
      const malformedError = await rejectionOf(readDeployParameters(malformed));
      expect(malformedError).to.be.instanceOf(ParametersFileError);
      expect(
        (malformedError as ParametersFileError).shortMessage.startsWith(`${malformed} is not valid JSON: `),
      ).to.equal(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("reads ignition/parameters/consortium.example.json as a valid template", async function () {
    const example = await readDeployParameters("ignition/parameters/consortium.example.json");
    expect(example.initialMembers.map((entry) => entry.key)).to.deep.equal([
      "FoundingHospitalA",
      "FoundingHospitalB",
      "FoundingInsurer",
    ]);
    expect(example.admin).to.equal(getAddress("0x000000000000000000000000000000000000dead"));
  });
});
