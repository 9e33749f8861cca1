import { expect } from "chai";
import { network } from "hardhat";

import { GasProbe__factory } from "../typechain-types/index.js";
import { buildConsortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { networkHelpers } = connection;
const consortium = () => buildConsortium(connection);

describe("Benchmark tools", function () {
  describe("GasProbe", function () {
    it("measures a read twice, the warm call cheaper than the cold one", async function () {
      const { memberRegistry, deployer, hospitalId } = await networkHelpers.loadFixture(consortium);
      const probe = await new GasProbe__factory(deployer).deploy();
      const data = memberRegistry.interface.encodeFunctionData("isActiveMember", [hospitalId]);
      const [cold, warm] = await probe.coldAndWarm(await memberRegistry.getAddress(), data);
      expect(cold > warm).to.equal(true);
      expect(warm > 0n).to.equal(true);
    });

    it("refuses to report figures for a call that reverted", async function () {
      const { memberRegistry, deployer, stranger } = await networkHelpers.loadFixture(consortium);
      const probe = await new GasProbe__factory(deployer).deploy();
      const target = await memberRegistry.getAddress();
      const data = memberRegistry.interface.encodeFunctionData("requireDuty", [stranger.address, 0]);
      await expect(probe.coldAndWarm(target, data))
        .to.be.revertedWithCustomError(probe, "GasProbeCallFailed")
        .withArgs(target, data);
    });
  });
});
