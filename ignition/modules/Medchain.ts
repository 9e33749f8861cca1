import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ClaimsModule from "./Claims.js";
import ConsentModule from "./Consent.js";
import GovernanceModule from "./Governance.js";
import IdentityModule from "./Identity.js";
import RecordsModule from "./Records.js";
import { ConsortiumRole } from "./roles.js";

/**
 * The whole medchain system. After every module has been deployed and wired by the deploying account, the
 * admin role passes to `admin` with its execution delay and the deployer gives it up, so no hot key keeps
 * power over the consortium.
 *
 * Parameters (module "Medchain"):
 * - `admin` the consortium admin, in production a multisig or timelock (default: account 1). It must not be
 *   the deploying account (account 0), which renounces the admin role at the end.
 * - `adminExecutionDelay` seconds every admin action waits after scheduling (default 0; production: days)
 */
export default buildModule("Medchain", (m) => {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", m.getAccount(1));
  const adminExecutionDelay = m.getParameter("adminExecutionDelay", 0);

  const { authority, memberRegistry } = m.useModule(GovernanceModule);
  const { patientRegistry } = m.useModule(IdentityModule);
  const { consentRegistry } = m.useModule(ConsentModule);
  const { recordRegistry } = m.useModule(RecordsModule);
  const { claimRegistry } = m.useModule(ClaimsModule);

  const grantAdmin = m.call(authority, "grantRole", [ConsortiumRole.Admin, admin, adminExecutionDelay], {
    id: "GrantAdminRole",
    after: [GovernanceModule, IdentityModule, ConsentModule, RecordsModule, ClaimsModule],
  });
  m.call(authority, "renounceRole", [ConsortiumRole.Admin, deployer], {
    id: "DeployerRenouncesAdminRole",
    after: [grantAdmin],
  });

  return { authority, memberRegistry, patientRegistry, consentRegistry, recordRegistry, claimRegistry };
});
