import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";

import MedchainModule from "../../ignition/modules/Medchain.js";
import { Duty, dutyMask, MemberKind } from "../../sdk/codes.js";
import {
  ConsortiumAuthority__factory,
  MemberRegistry__factory,
  PatientRegistry__factory,
  type ConsortiumAuthority,
  type MemberRegistry,
  type PatientRegistry,
} from "../../typechain-types/index.js";

export type Connection = NetworkConnection<"generic">;

/** Deployment options a test may vary; everything else is the production module's default. */
export interface DeployOptions {
  adminExecutionDelay?: number;
  membershipExecutionDelay?: number;
  recoveryDelay?: number;
}

/** The system as the Ignition module deploys it, with the accounts holding the consortium roles. */
export interface Deployment {
  authority: ConsortiumAuthority;
  memberRegistry: MemberRegistry;
  patientRegistry: PatientRegistry;
  deployer: HardhatEthersSigner;
  admin: HardhatEthersSigner;
  council: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  signers: HardhatEthersSigner[];
}

export const DEFAULT_TEST_RECOVERY_DELAY = 3 * 24 * 60 * 60;

/** Deploys with the same Ignition module production uses; admin, council and guardian are distinct accounts. */
export async function deployMedchain(connection: Connection, options: DeployOptions = {}): Promise<Deployment> {
  const signers = await connection.ethers.getSigners();
  const [deployer, admin, council, guardian] = signers;
  if (deployer === undefined || admin === undefined || council === undefined || guardian === undefined) {
    throw new Error("the test network needs at least four accounts");
  }
  const deployed = await connection.ignition.deploy(MedchainModule, {
    parameters: {
      Medchain: { admin: admin.address, adminExecutionDelay: options.adminExecutionDelay ?? 0 },
      Governance: {
        membershipCouncil: council.address,
        membershipExecutionDelay: options.membershipExecutionDelay ?? 0,
        guardian: guardian.address,
      },
      Identity: { recoveryDelay: options.recoveryDelay ?? DEFAULT_TEST_RECOVERY_DELAY },
    },
  });
  return {
    authority: ConsortiumAuthority__factory.connect(await deployed.authority.getAddress(), deployer),
    memberRegistry: MemberRegistry__factory.connect(await deployed.memberRegistry.getAddress(), deployer),
    patientRegistry: PatientRegistry__factory.connect(await deployed.patientRegistry.getAddress(), deployer),
    deployer,
    admin,
    council,
    guardian,
    signers: signers.slice(4),
  };
}

/** A consortium with members, operators and two patients, as the tests' starting point. */
export interface Consortium extends Deployment {
  hospitalId: bigint;
  clinicId: bigint;
  insurerId: bigint;
  hospitalAdmin: HardhatEthersSigner;
  registrar: HardhatEthersSigner;
  clinician: HardhatEthersSigner;
  claimsOfficer: HardhatEthersSigner;
  dataSteward: HardhatEthersSigner;
  researcher: HardhatEthersSigner;
  clinicRegistrar: HardhatEthersSigner;
  insurerRegistrar: HardhatEthersSigner;
  patient: HardhatEthersSigner;
  otherPatient: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  spare: HardhatEthersSigner[];
  patientId: bigint;
  otherPatientId: bigint;
  commitment: string;
}

const metadata = (name: string) => `0x${Buffer.from(name.padEnd(32, "\0")).toString("hex")}`;

/** Commitment of test person `n` (tests use made-up commitments; the SDK's derivation has its own tests). */
export const testCommitment = (n: number) => `0x${(n + 1).toString(16).padStart(64, "0")}`;

export async function buildConsortium(connection: Connection, options: DeployOptions = {}): Promise<Consortium> {
  const deployment = await deployMedchain(connection, options);
  const { memberRegistry, patientRegistry, council, signers } = deployment;
  const signer = (index: number): HardhatEthersSigner => {
    const found = signers[index];
    if (found === undefined) throw new Error(`the test network has no signer ${index + 4}`);
    return found;
  };
  const hospitalAdmin = signer(0);
  const registrar = signer(1);
  const clinician = signer(2);
  const claimsOfficer = signer(3);
  const dataSteward = signer(4);
  const researcher = signer(5);
  const clinicRegistrar = signer(6);
  const insurerRegistrar = signer(7);
  const patient = signer(8);
  const otherPatient = signer(9);
  const stranger = signer(10);
  const spare = signers.slice(11);

  const asCouncil = memberRegistry.connect(council);
  await asCouncil.addMember(MemberKind.Hospital, metadata("hospital"));
  await asCouncil.addMember(MemberKind.Clinic, metadata("clinic"));
  await asCouncil.addMember(MemberKind.Insurer, metadata("insurer"));
  const [hospitalId, clinicId, insurerId] = [1n, 2n, 3n];

  await asCouncil.addOperator(hospitalAdmin, hospitalId, dutyMask(Duty.OrgAdmin));
  const asHospitalAdmin = memberRegistry.connect(hospitalAdmin);
  await asHospitalAdmin.addOperator(registrar, hospitalId, dutyMask(Duty.Registrar));
  await asHospitalAdmin.addOperator(clinician, hospitalId, dutyMask(Duty.Clinician));
  await asHospitalAdmin.addOperator(claimsOfficer, hospitalId, dutyMask(Duty.ClaimsOfficer));
  await asHospitalAdmin.addOperator(dataSteward, hospitalId, dutyMask(Duty.DataSteward));
  await asHospitalAdmin.addOperator(researcher, hospitalId, dutyMask(Duty.Researcher));
  await asCouncil.addOperator(clinicRegistrar, clinicId, dutyMask(Duty.Registrar));
  await asCouncil.addOperator(insurerRegistrar, insurerId, dutyMask(Duty.Registrar, Duty.ClaimsOfficer));

  const asRegistrar = patientRegistry.connect(registrar);
  await asRegistrar.registerPatient(patient, testCommitment(1));
  await asRegistrar.registerPatient(otherPatient, testCommitment(2));

  return {
    ...deployment,
    hospitalId,
    clinicId,
    insurerId,
    hospitalAdmin,
    registrar,
    clinician,
    claimsOfficer,
    dataSteward,
    researcher,
    clinicRegistrar,
    insurerRegistrar,
    patient,
    otherPatient,
    stranger,
    spare,
    patientId: 1n,
    otherPatientId: 2n,
    commitment: testCommitment(1),
  };
}
