// npm run check-ops -- --fixtures <dir>
// Runs every available backend against every fixture file in <dir>: one line per file and
// backend with the worst absolute and relative error and PASS/FAIL; exits 1 on any FAIL or
// unreadable file, 2 on bad usage.
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runFixture, type Backend } from "@betavae/core";
import { availableBackendNames, createBackendByName } from "@betavae/webgpu";

const USAGE = "usage: npm run check-ops -- --fixtures <dir> [--backend name[,name…]]";

export interface CheckOpsOptions {
  fixtures: string;
  backends?: string[];
}

export function parseArgs(argv: string[]): CheckOpsOptions {
  const options: Partial<CheckOpsOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--fixtures") options.fixtures = value();
    else if (arg === "--backend") options.backends = value().split(",").filter(Boolean);
    else if (arg === "--help" || arg === "-h") throw new UsageError("");
    else throw new UsageError(`unknown option '${arg}'`);
  }
  if (!options.fixtures) throw new UsageError("--fixtures <dir> is required");
  return options as CheckOpsOptions;
}

export class UsageError extends Error {}

/** Returns the number of failing lines; prints one line per file × backend through `log`. */
export async function checkOps(options: CheckOpsOptions, log: (line: string) => void): Promise<number> {
  const dir = resolve(options.fixtures);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  } catch (e) {
    log(`FAIL  cannot read fixture directory ${dir}: ${(e as Error).message}`);
    return 1;
  }
  if (files.length === 0) {
    log(`FAIL  no .json fixture files in ${dir}`);
    return 1;
  }
  const names = options.backends ?? (await availableBackendNames());
  const backends: Backend[] = [];
  for (const name of names) backends.push(await createBackendByName(name, log));
  const width = Math.max(...files.map((f) => f.length));
  let failures = 0;
  for (const file of files) {
    let fixture: unknown;
    try {
      fixture = JSON.parse(await readFile(join(dir, file), "utf8"));
    } catch (e) {
      log(`${file.padEnd(width)}  ${"-".padEnd(12)}  FAIL  unreadable: ${(e as Error).message.split("\n")[0]}`);
      failures++;
      continue;
    }
    for (const backend of backends) {
      let line: string;
      try {
        const checks = await runFixture(backend, fixture);
        const maxAbs = Math.max(...checks.map((c) => c.maxAbs));
        const maxRel = Math.max(...checks.map((c) => c.maxRel));
        const failed = checks.filter((c) => !c.pass);
        const status = failed.length === 0 ? "PASS" : "FAIL";
        line = `${status}  max abs ${fmt(maxAbs)}  max rel ${fmt(maxRel)}`;
        if (failed.length > 0) {
          line += `  (out of tolerance: ${failed.map((c) => `${c.output} at ${c.worst.toFixed(1)}× its bound`).join(", ")})`;
          failures++;
        }
      } catch (e) {
        line = `FAIL  ${(e as Error).message}`;
        failures++;
      }
      log(`${file.padEnd(width)}  ${backend.name.padEnd(12)}  ${line}`);
    }
  }
  for (const backend of backends) backend.dispose();
  return failures;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

async function main(): Promise<void> {
  let options: CheckOpsOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message ? `check-ops: ${e.message}\n${USAGE}` : USAGE);
      process.exit(e.message ? 2 : 0);
    }
    throw e;
  }
  const failures = await checkOps(options, (line) => console.log(line));
  console.log(failures === 0 ? "all fixtures PASS" : `${failures} FAIL`);
  process.exit(failures === 0 ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`check-ops: ${(e as Error).message}`);
    process.exit(1);
  });
}
