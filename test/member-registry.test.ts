import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { network } from "hardhat";

import { Duty, dutyMask, MemberKind, MembershipReason, MemberStatus } from "../sdk/codes.js";
import { buildConsortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { networkHelpers } = connection;
const consortium = () => buildConsortium(connection);
const metadataHash = `0x${"ab".repeat(32)}`;

describe("MemberRegistry", function () {
  describe("addMember", function () {
    it("admits an active organisation with the next id and emits MemberAdded", async function () {
      const { memberRegistry, council } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).addMember(MemberKind.Regulator, metadataHash))
        .to.emit(memberRegistry, "MemberAdded")
        .withArgs(4n, MemberKind.Regulator, metadataHash);
      const member = await memberRegistry.getMember(4n);
      expect(member.kind).to.equal(BigInt(MemberKind.Regulator));
      expect(member.status).to.equal(BigInt(MemberStatus.Active));
      expect(member.metadataHash).to.equal(metadataHash);
      expect(await memberRegistry.memberCount()).to.equal(4n);
      expect(await memberRegistry.isActiveMember(4n)).to.equal(true);
    });

    it("is refused to an account without the membership role", async function () {
      const { memberRegistry, stranger } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(stranger).addMember(MemberKind.Clinic, metadataHash))
        .to.be.revertedWithCustomError(memberRegistry, "AccessManagedUnauthorized")
        .withArgs(stranger.address);
    });
  });

  describe("updateMemberMetadata", function () {
    it("pins a new profile and emits MemberMetadataUpdated", async function () {
      const { memberRegistry, council, hospitalId } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).updateMemberMetadata(hospitalId, metadataHash))
        .to.emit(memberRegistry, "MemberMetadataUpdated")
        .withArgs(hospitalId, metadataHash);
      expect((await memberRegistry.getMember(hospitalId)).metadataHash).to.equal(metadataHash);
    });

    it("reverts for an unknown organisation", async function () {
      const { memberRegistry, council } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).updateMemberMetadata(99n, metadataHash))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownMember")
        .withArgs(99n);
    });

    it("reverts for a removed organisation", async function () {
      const { memberRegistry, council, clinicId } = await networkHelpers.loadFixture(consortium);
      await memberRegistry.connect(council).removeMember(clinicId, MembershipReason.VoluntaryExit);
      await expect(memberRegistry.connect(council).updateMemberMetadata(clinicId, metadataHash))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidStatusTransition")
        .withArgs(clinicId, MemberStatus.Removed);
    });
  });

  describe("suspend, reinstate, remove", function () {
    it("suspension takes every duty away at once and reinstatement gives it back", async function () {
      const { memberRegistry, patientRegistry, guardian, council, hospitalId, registrar, spare } =
        await networkHelpers.loadFixture(consortium);
      const newPatient = spare[0]!;
      expect(await memberRegistry.hasDuty(registrar, Duty.Registrar)).to.equal(true);

      await expect(memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident))
        .to.emit(memberRegistry, "MemberStatusChanged")
        .withArgs(hospitalId, MemberStatus.Active, MemberStatus.Suspended, MembershipReason.SecurityIncident);
      expect(await memberRegistry.hasDuty(registrar, Duty.Registrar)).to.equal(false);
      expect(await memberRegistry.isActiveMember(hospitalId)).to.equal(false);
      await expect(memberRegistry.requireDuty(registrar, Duty.Registrar))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
        .withArgs(hospitalId, MemberStatus.Suspended);
      await expect(patientRegistry.connect(registrar).registerPatient(newPatient, `0x${"77".repeat(32)}`))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
        .withArgs(hospitalId, MemberStatus.Suspended);

      await expect(memberRegistry.connect(council).reinstateMember(hospitalId))
        .to.emit(memberRegistry, "MemberStatusChanged")
        .withArgs(hospitalId, MemberStatus.Suspended, MemberStatus.Active, 0);
      expect(await memberRegistry.requireDuty(registrar, Duty.Registrar)).to.deep.equal([
        hospitalId,
        BigInt(MemberKind.Hospital),
      ]);
    });

    it("refuses to suspend an organisation that is not active", async function () {
      const { memberRegistry, guardian, clinicId } = await networkHelpers.loadFixture(consortium);
      await memberRegistry.connect(guardian).suspendMember(clinicId, MembershipReason.LicenceLapsed);
      await expect(memberRegistry.connect(guardian).suspendMember(clinicId, MembershipReason.LicenceLapsed))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidStatusTransition")
        .withArgs(clinicId, MemberStatus.Suspended);
    });

    it("refuses to reinstate an organisation that is not suspended", async function () {
      const { memberRegistry, council, clinicId } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).reinstateMember(clinicId))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidStatusTransition")
        .withArgs(clinicId, MemberStatus.Active);
    });

    it("removes an organisation for good, suspended or not", async function () {
      const { memberRegistry, council, guardian, clinicId, clinicRegistrar } =
        await networkHelpers.loadFixture(consortium);
      await memberRegistry.connect(guardian).suspendMember(clinicId, MembershipReason.SecurityIncident);
      await expect(memberRegistry.connect(council).removeMember(clinicId, MembershipReason.GovernanceDecision))
        .to.emit(memberRegistry, "MemberStatusChanged")
        .withArgs(clinicId, MemberStatus.Suspended, MemberStatus.Removed, MembershipReason.GovernanceDecision);
      expect(await memberRegistry.hasDuty(clinicRegistrar, Duty.Registrar)).to.equal(false);
      await expect(memberRegistry.connect(council).removeMember(clinicId, MembershipReason.GovernanceDecision))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidStatusTransition")
        .withArgs(clinicId, MemberStatus.Removed);
      await expect(memberRegistry.connect(council).reinstateMember(clinicId))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidStatusTransition")
        .withArgs(clinicId, MemberStatus.Removed);
    });

    it("reverts every status change of an unknown organisation", async function () {
      const { memberRegistry, council, guardian } = await networkHelpers.loadFixture(consortium);
      for (const call of [
        memberRegistry.connect(guardian).suspendMember(42n, 0),
        memberRegistry.connect(council).reinstateMember(42n),
        memberRegistry.connect(council).removeMember(42n, 0),
      ]) {
        await expect(call).to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownMember").withArgs(42n);
      }
    });
  });

  describe("operators", function () {
    it("an organisation's admin adds and removes its own operators", async function () {
      const { memberRegistry, hospitalAdmin, hospitalId, spare } = await networkHelpers.loadFixture(consortium);
      const nurse = spare[0]!;
      const duties = dutyMask(Duty.Clinician, Duty.DataSteward);
      await expect(memberRegistry.connect(hospitalAdmin).addOperator(nurse, hospitalId, duties))
        .to.emit(memberRegistry, "OperatorAdded")
        .withArgs(nurse.address, hospitalId, duties, hospitalAdmin.address);
      const entry = await memberRegistry.getOperator(nurse);
      expect([entry.memberId, entry.duties]).to.deep.equal([hospitalId, BigInt(duties)]);
      expect(await memberRegistry.hasDuty(nurse, Duty.DataSteward)).to.equal(true);
      expect(await memberRegistry.hasDuty(nurse, Duty.Registrar)).to.equal(false);

      await expect(memberRegistry.connect(hospitalAdmin).removeOperator(nurse))
        .to.emit(memberRegistry, "OperatorRemoved")
        .withArgs(nurse.address, hospitalId, hospitalAdmin.address);
      expect(await memberRegistry.hasDuty(nurse, Duty.Clinician)).to.equal(false);
      await expect(memberRegistry.requireDuty(nurse, Duty.Clinician))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
        .withArgs(nurse.address);
    });

    it("an organisation's admin cannot manage another organisation's operators", async function () {
      const { memberRegistry, hospitalAdmin, clinicId, clinicRegistrar, spare } =
        await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(hospitalAdmin).addOperator(spare[0]!, clinicId, dutyMask(Duty.Clinician)))
        .to.be.revertedWithCustomError(memberRegistry, "AccessManagedUnauthorized")
        .withArgs(hospitalAdmin.address);
      await expect(memberRegistry.connect(hospitalAdmin).removeOperator(clinicRegistrar))
        .to.be.revertedWithCustomError(memberRegistry, "AccessManagedUnauthorized")
        .withArgs(hospitalAdmin.address);
    });

    it("the guardian removes a stolen operator key at once", async function () {
      const { memberRegistry, guardian, registrar, hospitalId } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(guardian).removeOperator(registrar))
        .to.emit(memberRegistry, "OperatorRemoved")
        .withArgs(registrar.address, hospitalId, guardian.address);
      expect(await memberRegistry.hasDuty(registrar, Duty.Registrar)).to.equal(false);
    });

    it("refuses the zero address", async function () {
      const { memberRegistry, council, hospitalId } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).addOperator(ZeroAddress, hospitalId, dutyMask(Duty.Clinician)))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidOperator")
        .withArgs(ZeroAddress);
    });

    for (const duties of [0, 1 << 6, 0xffff]) {
      it(`refuses the duty set ${duties}`, async function () {
        const { memberRegistry, council, hospitalId, spare } = await networkHelpers.loadFixture(consortium);
        await expect(memberRegistry.connect(council).addOperator(spare[0]!, hospitalId, duties))
          .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryInvalidDuties")
          .withArgs(duties);
      });
    }

    it("refuses an account that already acts for an organisation", async function () {
      const { memberRegistry, council, clinicId, registrar, hospitalId } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).addOperator(registrar, clinicId, dutyMask(Duty.Clinician)))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryOperatorAlreadyRegistered")
        .withArgs(registrar.address, hospitalId);
    });

    it("refuses operators for an unknown or suspended organisation", async function () {
      const { memberRegistry, council, guardian, clinicId, spare } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(council).addOperator(spare[0]!, 77n, dutyMask(Duty.Clinician)))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownMember")
        .withArgs(77n);
      await memberRegistry.connect(guardian).suspendMember(clinicId, MembershipReason.SecurityIncident);
      await expect(memberRegistry.connect(council).addOperator(spare[0]!, clinicId, dutyMask(Duty.Clinician)))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMemberNotActive")
        .withArgs(clinicId, MemberStatus.Suspended);
    });

    it("a suspended organisation's admin cannot manage its operators", async function () {
      const { memberRegistry, guardian, hospitalAdmin, hospitalId, registrar } =
        await networkHelpers.loadFixture(consortium);
      await memberRegistry.connect(guardian).suspendMember(hospitalId, MembershipReason.SecurityIncident);
      await expect(memberRegistry.connect(hospitalAdmin).removeOperator(registrar))
        .to.be.revertedWithCustomError(memberRegistry, "AccessManagedUnauthorized")
        .withArgs(hospitalAdmin.address);
    });

    it("removing an unknown operator reverts", async function () {
      const { memberRegistry, guardian, stranger } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.connect(guardian).removeOperator(stranger))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
        .withArgs(stranger.address);
    });
  });

  describe("requireDuty", function () {
    it("names the organisation and its kind", async function () {
      const { memberRegistry, insurerRegistrar, insurerId } = await networkHelpers.loadFixture(consortium);
      expect(await memberRegistry.requireDuty(insurerRegistrar, Duty.ClaimsOfficer)).to.deep.equal([
        insurerId,
        BigInt(MemberKind.Insurer),
      ]);
    });

    it("reverts for an operator without the duty", async function () {
      const { memberRegistry, clinician, hospitalId } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.requireDuty(clinician, Duty.Registrar))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryMissingDuty")
        .withArgs(clinician.address, hospitalId, Duty.Registrar);
    });

    it("reverts for an account that is no operator", async function () {
      const { memberRegistry, stranger } = await networkHelpers.loadFixture(consortium);
      await expect(memberRegistry.requireDuty(stranger, Duty.Clinician))
        .to.be.revertedWithCustomError(memberRegistry, "MemberRegistryUnknownOperator")
        .withArgs(stranger.address);
    });
  });
});
