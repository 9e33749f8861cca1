/**
 * Long-running helper processes for tests, benchmarks and the local stack (the JSON-RPC node of
 * `local-node.ts`, the indexer of `local-indexer.ts`): each runs with the current Node in its own process
 * group, so stopping it reaches everything it spawned; its last output lines are kept for error messages;
 * and every one still running is killed when this process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";

const ANSI = /\u001b\[[0-9;]*m/g;

/** A helper process failed (it exited, or did not answer in time); `output` holds its last output lines. */
export class ProcessOutputError extends Error {
  /** The process's last output lines. */
  readonly output: readonly string[];

  constructor(message: string, output: readonly string[]) {
    super(`${message}${output.length === 0 ? " (no output)" : `; its last output:\n  ${output.join("\n  ")}`}`);
    this.output = output;
  }
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process started by {@link spawnProcessGroup}. */
export interface ProcessGroup {
  child: ChildProcess;
  /** The last output lines (stdout and stderr, colours stripped, empty lines skipped). */
  output: string[];
  /** Settles when the process ends, however it ends. */
  exited: Promise<ProcessExit>;
  /** Whether the process has not ended yet. */
  running(): boolean;
  /** "with code 1" or "on SIGTERM", once it has ended. */
  howItEnded(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs` if it is still running, then SIGKILL to anything left. */
  stop(graceMs: number): Promise<void>;
}

/** Options of {@link spawnProcessGroup}. */
export interface ProcessGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How many output lines to keep. */
  linesKept: number;
  /** Receives every output line. */
  onLine?: (line: string) => void;
  /**
   * Also kill the process when this one gets SIGINT, SIGTERM or SIGHUP (not only when it exits). For
   * throwaway processes; leave it off for one that its caller stops gracefully on a signal.
   */
  killOnSignals?: boolean;
}

const live = new Map<ChildProcess, { killOnSignals: boolean }>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: the process and anything it spawned
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const child of live.keys()) killGroup(child, "SIGKILL");
    live.clear();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      for (const [child, { killOnSignals }] of live) {
        if (!killOnSignals) continue;
        killGroup(child, "SIGKILL");
        live.delete(child);
      }
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `node <args>` (the current Node) as the leader of a new process group. */
export function spawnProcessGroup(args: readonly string[], options: ProcessGroupOptions): ProcessGroup {
  installHooks();
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    detached: true, // its own process group, so stop() and the exit hook reach everything it spawns
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env,
  });
  live.set(child, { killOnSignals: options.killOnSignals ?? false });
  const output: string[] = [];
  let partial = "";
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const plain = line.replace(ANSI, "").trimEnd();
      if (plain === "") continue;
      output.push(plain);
      if (output.length > options.linesKept) output.shift();
      options.onLine?.(plain);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // A spawn failure (no such executable) also ends in "exit"; keep it from throwing unhandled.
  child.once("error", (error) => output.push(`spawn error: ${error.message}`));
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output,
    exited,
    running,
    howItEnded: () => (child.exitCode !== null ? `with code ${child.exitCode}` : `on ${child.signalCode}`),
    stop: async (graceMs) => {
      if (running()) {
        killGroup(child, "SIGTERM");
        const graceful = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!graceful) {
          killGroup(child, "SIGKILL");
          await exited;
        }
      }
      killGroup(child, "SIGKILL"); // anything left in the group
      live.delete(child);
    },
  };
}

/**
 * Asks `probe` every `intervalMs` until it returns a value (a thrown error counts as "not yet") and returns
 * it; throws `failure("exited", …)` as soon as `group` has ended and `failure("timeout")` after `deadline`
 * (epoch milliseconds).
 */
export async function pollProcess<T>(
  group: ProcessGroup,
  probe: () => Promise<T | undefined>,
  options: { deadline: number; intervalMs: number; failure: (why: "exited" | "timeout") => Error },
): Promise<T> {
  for (;;) {
    if (!group.running()) throw options.failure("exited");
    try {
      const answer = await probe();
      if (answer !== undefined) return answer;
    } catch {
      // not answering yet
    }
    if (Date.now() > options.deadline) throw options.failure("timeout");
    await sleep(options.intervalMs);
  }
}
