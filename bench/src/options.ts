// A benchmark's command line: its flags parsed with --help, and a bad one refused in one line
// with the usage (bench:train and bench:sweep; bench:kernels still parses its own).
import { type ParseArgsConfig, parseArgs } from "node:util";

export function benchCommandLine(name: string, usage: string) {
  const fail = (message: string, code = 2): never => {
    console.error(`${name}: ${message}`);
    process.exit(code);
  };
  return {
    fail,
    /** The flags (`--help` prints the usage and exits); a flag that is not in `config` is refused. */
    parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>>["values"] {
      let values;
      try {
        ({ values } = parseArgs(config));
      } catch (e) {
        fail(`${(e as Error).message}\n${usage}`);
      }
      if ((values as { help?: boolean }).help) {
        console.log(usage);
        process.exit(0);
      }
      return values!;
    },
    positiveInteger(value: string | undefined, what: string, fallback: number): number {
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) fail(`${what} must be a positive integer, got ${value}\n${usage}`);
      return n;
    },
  };
}
