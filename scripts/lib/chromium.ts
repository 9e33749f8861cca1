/**
 * Debian's Chromium for the browser tests, driven by playwright-core: no browser is downloaded (air-gapped
 * hospitals and CI reach only the npm registry and Debian's packages). `./medchain test` installs the
 * `chromium` package when it is missing and it runs as root.
 */
import { access, constants } from "node:fs/promises";

import { chromium, type Browser } from "playwright-core";

/** No Chromium at `$MEDCHAIN_CHROMIUM` or the Debian paths. */
export class ChromiumNotFoundError extends Error {
  readonly looked: readonly string[];

  constructor(looked: readonly string[]) {
    super(
      `no Chromium found (looked at ${looked.join(", ")}): install Debian's package (apt-get install chromium) ` +
        `or set MEDCHAIN_CHROMIUM to a Chromium or Chrome executable`,
    );
    this.name = "ChromiumNotFoundError";
    this.looked = looked;
  }
}

/** The Chromium executable: `$MEDCHAIN_CHROMIUM`, else `/usr/bin/chromium` (Debian), else `/usr/bin/chromium-browser`. */
export async function findChromium(): Promise<string> {
  const candidates = [process.env.MEDCHAIN_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
    (candidate): candidate is string => candidate !== undefined && candidate !== "",
  );
  for (const candidate of candidates) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new ChromiumNotFoundError(candidates);
}

/**
 * Flags for a headless Chromium on a closed network: without the background-networking ones Chromium keeps
 * trying Google's hosts; `--no-sandbox` because CI runs as root.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/**
 * Launches Debian's Chromium headless with {@link CHROMIUM_ARGS} (playwright-core gives it a fresh temporary
 * profile, removed on close).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await findChromium(), headless: true, args: [...CHROMIUM_ARGS] });
}
