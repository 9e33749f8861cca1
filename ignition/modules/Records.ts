import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance.js";
import { deployUupsProxy } from "./uups.js";

/**
 * The RecordRegistry behind a UUPS proxy, governed by the consortium authority. It has no parameters and no
 * restricted selectors besides upgrades, which stay with the admin role: who may anchor is decided per call
 * by the MemberRegistry (the DataSteward duty of an active hospital or clinic).
 */
export default buildModule("Records", (m) => {
  const { authority, memberRegistry } = m.useModule(GovernanceModule);

  const { implementation: recordRegistryImplementation, proxy: recordRegistry } = deployUupsProxy(
    m,
    "RecordRegistry",
    [memberRegistry],
    [authority],
  );

  return { recordRegistry, recordRegistryImplementation };
});
