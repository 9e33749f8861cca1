// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice The StandardMerkleTree of OpenZeppelin's JavaScript merkle-tree library (npm package
/// openzeppelin/merkle-tree), rebuilt in Solidity for tests. Written from the JavaScript library (`dist/core.js`,
/// `dist/standard.js`), not from OpenZeppelin's MerkleProof, so it checks the contracts independently.
/// @dev A tree is its heap array of `2n - 1` nodes: the `n` leaf hashes sorted ascending sit from the end (leaf
/// `i` in sorted order at index `2n - 2 - i`), node `i` is the sorted-pair keccak of its children `2i + 1` and
/// `2i + 2`, the root is node 0. A standard leaf is `keccak256(bytes.concat(keccak256(abi.encode(values...))))`.
/// Proofs list the siblings from the leaf up; multiproofs follow `getMultiProof` step by step.
library StandardMerkleTree {
    /// @notice The standard leaf of the ABI-encoded values `encodedValues` (`abi.encode(...)` of the leaf's fields).
    function leafHash(bytes memory encodedValues) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(encodedValues)));
    }

    /// @notice The standard node hash: keccak of the two children, the smaller first.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @notice The tree of `leafHashes` (in any order; the input is not modified), as `StandardMerkleTree.of`
    /// builds it: leaves sorted ascending, then laid out from the end of the heap array.
    function build(bytes32[] memory leafHashes) internal pure returns (bytes32[] memory tree) {
        uint256 n = leafHashes.length;
        require(n != 0, "StandardMerkleTree: no leaves");
        bytes32[] memory sorted = sortedCopy(leafHashes);
        tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) {
            tree[tree.length - 1 - i] = sorted[i];
        }
        for (uint256 i = n - 1; i > 0; --i) {
            tree[i - 1] = hashPair(tree[2 * i - 1], tree[2 * i]);
        }
    }

    /// @notice The root of `tree`.
    function root(bytes32[] memory tree) internal pure returns (bytes32) {
        return tree[0];
    }

    /// @notice How many leaves `tree` holds.
    function leafCount(bytes32[] memory tree) internal pure returns (uint256) {
        return (tree.length + 1) / 2;
    }

    /// @notice The heap index of leaf `leaf` in `tree` (the first, if it is there twice); reverts if absent.
    function indexOf(bytes32[] memory tree, bytes32 leaf) internal pure returns (uint256) {
        for (uint256 i = tree.length / 2; i < tree.length; ++i) {
            if (tree[i] == leaf) return i;
        }
        revert("StandardMerkleTree: leaf not in tree");
    }

    /// @notice The proof of the leaf at heap index `index`: its sibling, then its parent's, up to the root.
    function getProof(bytes32[] memory tree, uint256 index) internal pure returns (bytes32[] memory proof) {
        require(index < tree.length && 2 * index + 1 >= tree.length, "StandardMerkleTree: index is not a leaf");
        uint256 length = 0;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) ++length;
        proof = new bytes32[](length);
        uint256 k = 0;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) {
            proof[k++] = tree[_sibling(j)];
        }
    }

    /// @notice The proof of leaf `leaf`, which must be in `tree`.
    function proofOf(bytes32[] memory tree, bytes32 leaf) internal pure returns (bytes32[] memory) {
        return getProof(tree, indexOf(tree, leaf));
    }

    /// @notice The root `proof` leads to from `leaf` (the library's `processProof`).
    function processProof(bytes32 leaf, bytes32[] memory proof) internal pure returns (bytes32 computed) {
        computed = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            computed = hashPair(computed, proof[i]);
        }
    }

    /// @notice The multiproof of the leaves at heap indices `indices` (distinct leaf indices, in any order), as
    /// `getMultiProof` makes it: `leaves` in the order the proof consumes them (descending heap index), the
    /// `proof` hashes and the `proofFlags`.
    function getMultiProof(
        bytes32[] memory tree,
        uint256[] memory indices
    ) internal pure returns (bytes32[] memory leaves, bytes32[] memory proof, bool[] memory proofFlags) {
        uint256 count = indices.length;
        uint256[] memory sorted = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 index = indices[i];
            require(index < tree.length && 2 * index + 1 >= tree.length, "StandardMerkleTree: index is not a leaf");
            // Insertion sort, descending.
            uint256 j = i;
            while (j > 0 && sorted[j - 1] < index) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = index;
        }
        for (uint256 i = 1; i < count; ++i) {
            require(sorted[i] != sorted[i - 1], "StandardMerkleTree: cannot prove duplicated index");
        }

        // The library's stack is a FIFO queue: shift from the front, push at the back. Every step pushes one
        // parent, and there are fewer steps than tree nodes.
        uint256[] memory queue = new uint256[](count + tree.length);
        uint256 head = 0;
        uint256 tail = count;
        for (uint256 i = 0; i < count; ++i) queue[i] = sorted[i];
        bytes32[] memory proofBuffer = new bytes32[](tree.length);
        bool[] memory flagBuffer = new bool[](tree.length);
        uint256 proofLength = 0;
        uint256 flagCount = 0;
        while (head < tail && queue[head] > 0) {
            uint256 j = queue[head++];
            uint256 s = _sibling(j);
            if (head < tail && queue[head] == s) {
                flagBuffer[flagCount++] = true;
                ++head;
            } else {
                flagBuffer[flagCount++] = false;
                proofBuffer[proofLength++] = tree[s];
            }
            queue[tail++] = (j - 1) / 2;
        }
        if (count == 0) proofBuffer[proofLength++] = tree[0];

        leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) leaves[i] = tree[sorted[i]];
        proof = new bytes32[](proofLength);
        for (uint256 i = 0; i < proofLength; ++i) proof[i] = proofBuffer[i];
        proofFlags = new bool[](flagCount);
        for (uint256 i = 0; i < flagCount; ++i) proofFlags[i] = flagBuffer[i];
    }

    /// @notice The fewest hashes a proof in a tree of `n` leaves has: the depth of its shallowest leaf.
    /// @dev Counted on the heap layout, not with logarithms: leaves sit at heap indices `n - 1` to `2n - 2`, and
    /// index `i` is at depth floor(log2(i + 1)).
    function minProofLength(uint256 n) internal pure returns (uint256) {
        return _depth(n - 1);
    }

    /// @notice The most hashes a proof in a tree of `n` leaves has: the depth of its deepest leaf.
    function maxProofLength(uint256 n) internal pure returns (uint256) {
        return _depth(2 * n - 2);
    }

    /// @notice A copy of `values` sorted ascending (insertion sort: trees in tests are small).
    function sortedCopy(bytes32[] memory values) internal pure returns (bytes32[] memory sorted) {
        sorted = new bytes32[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            bytes32 value = values[i];
            uint256 j = i;
            while (j > 0 && sorted[j - 1] > value) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = value;
        }
    }

    /// @dev The sibling of non-root node `j`: the node before it if `j` is even (a right child), after if odd.
    function _sibling(uint256 j) private pure returns (uint256) {
        return j % 2 == 0 ? j - 1 : j + 1;
    }

    /// @dev The depth of heap index `index`: how many steps up to the root.
    function _depth(uint256 index) private pure returns (uint256 depth) {
        for (uint256 j = index; j > 0; j = (j - 1) / 2) ++depth;
    }
}
