#!/usr/bin/env bash
# Proves with OpenZeppelin upgrades-core (offline, from Hardhat's build info) that
#  1. every upgradeable contract is upgrade safe (no constructor state, initializers, namespaced storage), and
#  2. each next-version contract keeps its predecessor's storage layout (`@custom:oz-upgrades-from`).
# Needs a clean build: incremental builds leave several build-info files naming the same contract.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx hardhat clean
npx hardhat compile --quiet
npx @openzeppelin/upgrades-core validate --exclude 'contracts/test/**' --exclude 'contracts/bench/**'
# The test doubles add no initializer of their own (nothing to migrate); only their layouts are under test.
for next in MemberRegistryV2Mock PatientRegistryV2Mock ConsentRegistryV2Mock RecordRegistryV2Mock ClaimRegistryV2Mock \
  ResearchOptOutRegistryV2Mock StudyRegistryV2Mock; do
  npx @openzeppelin/upgrades-core validate --contract "$next" --requireReference --unsafeAllow missing-initializer
done
