// What in-process `bvae` runs print, for the CLI's tests: console output captured afresh
// for every test, and the one-line-error expectation they all share.
import { afterEach, beforeEach, expect, vi } from "vitest";
import { main } from "./bvae";

export const captured = { out: [] as string[], err: [] as string[] };

/** Captures console.log / console.error (and silences the progress line) in every test of the calling file. */
export function captureConsole(): void {
  beforeEach(() => {
    captured.out = [];
    captured.err = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void captured.out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void captured.err.push(a.join(" ")));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());
}

/** Runs bvae with `argv`: it must exit with `code` and print exactly one error line matching `message`. */
export async function expectError(argv: string[], message: string | RegExp, code = 1): Promise<void> {
  captured.err = [];
  expect(await main(argv)).toBe(code);
  expect(captured.err).toHaveLength(1);
  expect(captured.err[0]).toMatch(message);
}
