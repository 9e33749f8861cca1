import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/**
 * Deploys `contractName`'s implementation and an `ERC1967Proxy` in front of it, initialised in the same
 * transaction with `initialize(...initializeArgs)`, and returns the proxy seen through the contract's ABI.
 * Future ids are `<contractName>Implementation` and `<contractName>Proxy`, so deployments stay readable.
 */
export function deployUupsProxy<ContractNameT extends string>(
  m: IgnitionModuleBuilder,
  contractName: ContractNameT,
  constructorArgs: ArgumentType[],
  initializeArgs: ArgumentType[],
) {
  const implementation = m.contract(contractName, constructorArgs, { id: `${contractName}Implementation` });
  const proxy = m.contract(
    "ERC1967Proxy",
    [implementation, m.encodeFunctionCall(implementation, "initialize", initializeArgs)],
    { id: `${contractName}Proxy` },
  );
  return { implementation, proxy: m.contractAt(contractName, proxy) };
}
