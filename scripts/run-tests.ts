/**
 * Runs every test suite (Hardhat's Solidity tests and mocha tests), streams their output, and ends with
 * one plain line `N passed, N failed` summed over all runners, which CI reads. Exits non-zero when any
 * runner fails or when no summary could be read.
 *
 * Usage: ./medchain test [hardhat test options]
 */
import { spawn } from "node:child_process";

const ANSI = /\u001b\[[0-9;]*m/g;

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      output += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Reads Hardhat's aggregate lines `N passing (…)` and `N failing (…)`. */
function summaryOf(output: string): { passed: number; failed: number } | undefined {
  const plain = output.replace(ANSI, "");
  const passing = [...plain.matchAll(/^(\d+) passing \(/gm)].at(-1);
  const failing = [...plain.matchAll(/^(\d+) failing \(/gm)].at(-1);
  if (passing === undefined && failing === undefined) return undefined;
  return { passed: Number(passing?.[1] ?? 0), failed: Number(failing?.[1] ?? 0) };
}

const hardhat = await run("npx", ["hardhat", "test", ...process.argv.slice(2)]);
const summary = summaryOf(hardhat.output);
if (summary === undefined) {
  console.error("[medchain] the test run printed no summary (did compilation fail?)");
  process.exit(hardhat.code === 0 ? 1 : hardhat.code);
}
console.log(`${summary.passed} passed, ${summary.failed} failed`);
process.exit(hardhat.code !== 0 || summary.failed > 0 ? 1 : 0);
