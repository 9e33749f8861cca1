import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { deployMedchain, type Connection, type DeployOptions, type Deployment } from "../../scripts/lib/deploy.js";
import { DEFAULT_RECOVERY_DELAY_SECONDS } from "../../ignition/modules/Identity.js";
import { Duty, dutyMask, MemberKind } from "../../sdk/codes.js";
import type { MedchainDeployment } from "../../sdk/deployment.js";

export { deployMedchain, type Connection, type DeployOptions, type Deployment };

/** The recovery delay the fixtures deploy with (the module default). */
export const DEFAULT_TEST_RECOVERY_DELAY = DEFAULT_RECOVERY_DELAY_SECONDS;

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

/** The SDK's view of a deployment (`MedchainDeployment`): its chain and every registry's address. */
export async function deploymentOf(deployment: Deployment, chainId: bigint): Promise<MedchainDeployment> {
  return {
    chainId,
    authority: await deployment.authority.getAddress(),
    memberRegistry: await deployment.memberRegistry.getAddress(),
    patientRegistry: await deployment.patientRegistry.getAddress(),
    researchOptOutRegistry: await deployment.researchOptOutRegistry.getAddress(),
    consentRegistry: await deployment.consentRegistry.getAddress(),
    recordRegistry: await deployment.recordRegistry.getAddress(),
    claimRegistry: await deployment.claimRegistry.getAddress(),
    studyRegistry: await deployment.studyRegistry.getAddress(),
  };
}
