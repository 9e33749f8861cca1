import { expect } from "chai";
import { network } from "hardhat";

import { MemberKind } from "../sdk/codes.js";
import { deployMedchain } from "./helpers/fixtures.js";

const connection = await network.create();
const { networkHelpers } = connection;
const ONE_DAY = 24 * 60 * 60;
const delayedCouncil = () => deployMedchain(connection, { membershipExecutionDelay: ONE_DAY });
const metadataHash = `0x${"cd".repeat(32)}`;

describe("Consortium authority: delayed membership decisions", function () {
  it("refuses a direct call from a council whose role has an execution delay", async function () {
    const { memberRegistry, authority, council } = await networkHelpers.loadFixture(delayedCouncil);
    await expect(memberRegistry.connect(council).addMember(MemberKind.Clinic, metadataHash))
      .to.be.revertedWithCustomError(authority, "AccessManagerNotScheduled")
      .withArgs(
        await authority.hashOperation(
          council.address,
          await memberRegistry.getAddress(),
          memberRegistry.interface.encodeFunctionData("addMember", [MemberKind.Clinic, metadataHash]),
        ),
      );
  });

  it("admits a member once the scheduled decision's delay has passed, not before", async function () {
    const { memberRegistry, authority, council } = await networkHelpers.loadFixture(delayedCouncil);
    const target = await memberRegistry.getAddress();
    const data = memberRegistry.interface.encodeFunctionData("addMember", [MemberKind.Clinic, metadataHash]);
    const operationId = await authority.hashOperation(council.address, target, data);

    await expect(authority.connect(council).schedule(target, data, 0)).to.emit(authority, "OperationScheduled");
    await expect(authority.connect(council).execute(target, data))
      .to.be.revertedWithCustomError(authority, "AccessManagerNotReady")
      .withArgs(operationId);
    expect(await memberRegistry.memberCount()).to.equal(0n);

    await networkHelpers.time.increase(ONE_DAY);
    await expect(authority.connect(council).execute(target, data))
      .to.emit(memberRegistry, "MemberAdded")
      .withArgs(1n, MemberKind.Clinic, metadataHash);
  });

  it("lets the guardian cancel a scheduled membership decision", async function () {
    const { memberRegistry, authority, council, guardian } = await networkHelpers.loadFixture(delayedCouncil);
    const target = await memberRegistry.getAddress();
    const data = memberRegistry.interface.encodeFunctionData("addMember", [MemberKind.Clinic, metadataHash]);
    const operationId = await authority.hashOperation(council.address, target, data);
    await authority.connect(council).schedule(target, data, 0);

    await expect(authority.connect(guardian).cancel(council.address, target, data)).to.emit(
      authority,
      "OperationCanceled",
    );
    await networkHelpers.time.increase(ONE_DAY);
    await expect(authority.connect(council).execute(target, data))
      .to.be.revertedWithCustomError(authority, "AccessManagerNotScheduled")
      .withArgs(operationId);
    expect(await memberRegistry.memberCount()).to.equal(0n);
  });

  it("keeps the guardian's suspension immediate even when the council is delayed", async function () {
    const { memberRegistry, authority, council, guardian } = await networkHelpers.loadFixture(delayedCouncil);
    const target = await memberRegistry.getAddress();
    const data = memberRegistry.interface.encodeFunctionData("addMember", [MemberKind.Hospital, metadataHash]);
    await authority.connect(council).schedule(target, data, 0);
    await networkHelpers.time.increase(ONE_DAY);
    await authority.connect(council).execute(target, data);

    await expect(memberRegistry.connect(guardian).suspendMember(1n, 1)).to.emit(memberRegistry, "MemberStatusChanged");
  });
});
