// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title GasProbe
/// @notice Benchmark helper: the execution gas of a read, cold (first touch in the transaction) and warm
/// (second touch), measured with `gasleft()` around two identical static calls. Never deployed in production.
contract GasProbe {
    /// @notice The static call to `target` with `data` failed.
    error GasProbeCallFailed(address target, bytes data);

    /// @notice Calls `target` twice with `data` and returns the gas each call used.
    /// @return cold gas of the first call (target, implementation and slots cold)
    /// @return warm gas of the second call (everything already touched)
    function coldAndWarm(address target, bytes calldata data) external view returns (uint256 cold, uint256 warm) {
        uint256 start = gasleft();
        (bool firstOk, ) = target.staticcall(data);
        uint256 afterFirst = gasleft();
        (bool secondOk, ) = target.staticcall(data);
        uint256 afterSecond = gasleft();
        if (!firstOk || !secondOk) revert GasProbeCallFailed(target, data);
        return (start - afterFirst, afterFirst - afterSecond);
    }
}
