// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice The cheatcodes medchain's Solidity tests use, at the standard cheatcode address. Hardhat's
/// Solidity test runner implements them; forge-std is not a dependency, so this declares only what we need.
interface Vm {
    /// @notice Sets `block.timestamp`.
    function warp(uint256 newTimestamp) external;

    /// @notice Makes the next call's `msg.sender` `sender`.
    function prank(address sender) external;

    /// @notice Makes every following call's `msg.sender` `sender`, until {stopPrank}.
    function startPrank(address sender) external;

    /// @notice Ends a {startPrank}.
    function stopPrank() external;

    /// @notice Expects the next call to revert with exactly `revertData` (selector and arguments).
    function expectRevert(bytes calldata revertData) external;

    /// @notice Expects the next call to emit the event emitted next by the test, comparing the topics and
    /// data selected by the flags, from `emitter`.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    /// @notice The address of private key `privateKey`.
    function addr(uint256 privateKey) external pure returns (address);

    /// @notice Signs `digest` with `privateKey` (secp256k1 ECDSA, canonical low-s form; `v` is 27 or 28).
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Names `account` in traces.
    function label(address account, string calldata newLabel) external;

    /// @notice Reads storage slot `slot` of `target`.
    function load(address target, bytes32 slot) external view returns (bytes32 data);

    /// @notice Writes `value` to storage slot `slot` of `target` (to build states no call sequence reaches).
    function store(address target, bytes32 slot, bytes32 value) external;

    function toString(uint256 value) external pure returns (string memory);

    function toString(address value) external pure returns (string memory);

    function toString(bytes32 value) external pure returns (string memory);

    function toString(bool value) external pure returns (string memory);

    function toString(bytes calldata value) external pure returns (string memory);
}

/// @notice The cheatcode handle and the deterministic `bound` helper, shared by tests and handlers.
abstract contract CommonBase {
    /// @dev address(uint160(uint256(keccak256("hevm cheat code"))))
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    uint256 private constant UINT256_MAX = type(uint256).max;

    /// @notice Maps `x` into [`min`, `max`] deterministically, as forge-std's `bound`: values already in range
    /// are kept, 0..3 and MAX-3..MAX land on the range's edges, anything else wraps around.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256 result) {
        require(min <= max, "bound: max is less than min");
        if (x >= min && x <= max) return x;

        uint256 size = max - min + 1; // no overflow: min == 0 && max == MAX returned above
        if (x <= 3 && size > x) return min + x;
        if (x >= UINT256_MAX - 3 && size > UINT256_MAX - x) return max - (UINT256_MAX - x);

        if (x > max) {
            uint256 rem = (x - max) % size;
            if (rem == 0) return max;
            result = min + rem - 1;
        } else {
            uint256 rem = (min - x) % size;
            if (rem == 0) return min;
            result = max - rem + 1;
        }
    }

    /// @notice A deterministic, labelled address for `name`.
    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(account, name);
    }
}

/// @notice Equality assertions that revert with `message` and both values on failure.
abstract contract Assertions is CommonBase {
    function assertEq(uint256 actual, uint256 expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure(message, vm.toString(actual), vm.toString(expected)));
        }
    }

    function assertEq(address actual, address expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure(message, vm.toString(actual), vm.toString(expected)));
        }
    }

    function assertEq(bool actual, bool expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure(message, vm.toString(actual), vm.toString(expected)));
        }
    }

    function assertEq(bytes32 actual, bytes32 expected, string memory message) internal pure {
        if (actual != expected) {
            revert(_failure(message, vm.toString(actual), vm.toString(expected)));
        }
    }

    function assertEq(string memory actual, string memory expected, string memory message) internal pure {
        if (keccak256(bytes(actual)) != keccak256(bytes(expected))) {
            revert(_failure(message, actual, expected));
        }
    }

    function assertEq(bytes memory actual, bytes memory expected, string memory message) internal pure {
        if (keccak256(actual) != keccak256(expected)) {
            revert(_failure(message, vm.toString(actual), vm.toString(expected)));
        }
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(message);
    }

    function _failure(
        string memory message,
        string memory actual,
        string memory expected
    ) private pure returns (string memory) {
        return string.concat(message, ": got ", actual, ", expected ", expected);
    }
}

/// @notice Base of medchain's Solidity test contracts: cheatcodes, `bound`, `makeAddr` and assertions.
abstract contract Test is Assertions {}
