// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ShortString, ShortStrings} from "@openzeppelin/contracts/utils/ShortStrings.sol";

/// @title ProxyEIP712
/// @notice The EIP-712 domain of a medchain registry behind a proxy: name and version fixed in the
/// implementation's code, `chainId` and `verifyingContract` (the proxy, `address(this)`) read at call time.
/// @dev Holds no storage (immutables only), so it adds nothing to a registry's layout and survives upgrades as
/// long as the new implementation is built with the same name and version. Names are at most 31 bytes.
abstract contract ProxyEIP712 is IERC5267 {
    using ShortStrings for string;
    using ShortStrings for ShortString;

    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    ShortString private immutable _name;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    ShortString private immutable _version;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    bytes32 private immutable _hashedName;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    bytes32 private immutable _hashedVersion;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(string memory name, string memory version) {
        _name = name.toShortString();
        _version = version.toShortString();
        _hashedName = keccak256(bytes(name));
        _hashedVersion = keccak256(bytes(version));
    }

    /// @inheritdoc IERC5267
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        // 0x0f: name, version, chainId and verifyingContract are set; no salt, no extensions.
        return (
            hex"0f",
            _name.toString(),
            _version.toString(),
            block.chainid,
            address(this),
            bytes32(0),
            new uint256[](0)
        );
    }

    /// @dev The EIP-712 digest of `structHash` in this contract's domain.
    function _hashTypedData(bytes32 structHash) internal view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, _hashedName, _hashedVersion, block.chainid, address(this)));
    }
}
