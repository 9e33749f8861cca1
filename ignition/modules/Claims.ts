import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ConsentModule from "./Consent.js";
import GovernanceModule from "./Governance.js";
import IdentityModule from "./Identity.js";
import RecordsModule from "./Records.js";
import { deployUupsProxy } from "./uups.js";

/**
 * The ClaimRegistry behind a UUPS proxy. It reads the member, patient, consent and record registries; who may
 * take each step is decided per call (the ClaimsOfficer duty of the claim's provider or insurer), so it has
 * no parameters and no restricted selectors besides upgrades, which stay with the admin role.
 */
export default buildModule("Claims", (m) => {
  const { authority, memberRegistry } = m.useModule(GovernanceModule);
  const { patientRegistry } = m.useModule(IdentityModule);
  const { consentRegistry } = m.useModule(ConsentModule);
  const { recordRegistry } = m.useModule(RecordsModule);

  const { implementation: claimRegistryImplementation, proxy: claimRegistry } = deployUupsProxy(
    m,
    "ClaimRegistry",
    [memberRegistry, patientRegistry, consentRegistry, recordRegistry],
    [authority],
  );

  return { claimRegistry, claimRegistryImplementation };
});
