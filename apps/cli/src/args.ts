// A small typed flag parser: every flag is declared with its type, range and help, so bad
// input becomes one sentence naming the flag, the value and what was expected.

export class UsageError extends Error {
  override name = "UsageError";
}

export type FlagSpec =
  | { type: "int"; min?: number; max?: number; help: string; default?: number }
  | { type: "number"; min?: number; max?: number; exclusiveMin?: boolean; help: string; default?: number }
  | { type: "string"; help: string; default?: string; placeholder?: string }
  | { type: "choice"; choices: readonly string[]; help: string; default?: string }
  | { type: "bool"; help: string };

export type FlagSpecs = Record<string, FlagSpec>;

export type ParsedFlags = Record<string, string | number | boolean | undefined>;

/** Parses `--name value` / `--name=value` / `--bool` flags; `--help` sets help = true. */
export function parseFlags(argv: string[], specs: FlagSpecs, command: string): { flags: ParsedFlags; help: boolean; given: Set<string> } {
  const flags: ParsedFlags = {};
  const given = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument '${arg}' (see bvae ${command} --help)`);
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name} for bvae ${command} (see bvae ${command} --help)`);
    if (given.has(name)) throw new UsageError(`--${name} is given twice`);
    given.add(name);
    if (spec.type === "bool") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[++i];
      if (raw === undefined || (raw.startsWith("--") && raw.length > 2)) throw new UsageError(`--${name} needs a value`);
    }
    flags[name] = convert(name, raw, spec);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (flags[name] === undefined && "default" in spec && spec.default !== undefined) flags[name] = spec.default;
  }
  return { flags, help, given };
}

function convert(name: string, raw: string, spec: FlagSpec): string | number {
  switch (spec.type) {
    case "int": {
      const v = Number(raw);
      if (raw.trim() === "" || !Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got '${raw}'`);
      checkRange(name, v, spec.min, spec.max, false);
      // past 2^53 integers are no longer exact: 1e17 and 1e17 + 1 are the same number
      if (!Number.isSafeInteger(v)) throw new UsageError(`--${name} must be at most ${Number.MAX_SAFE_INTEGER} (2^53 − 1), got '${raw}'`);
      return v;
    }
    case "number": {
      const v = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got '${raw}'`);
      checkRange(name, v, spec.min, spec.max, spec.exclusiveMin ?? false);
      return v;
    }
    case "choice":
      if (!spec.choices.includes(raw)) throw new UsageError(`--${name} must be one of ${spec.choices.join(", ")}; got '${raw}'`);
      return raw;
    case "string":
      if (raw === "") throw new UsageError(`--${name} must not be empty`);
      return raw;
    default:
      throw new UsageError(`--${name}: unsupported flag type`);
  }
}

function checkRange(name: string, v: number, min: number | undefined, max: number | undefined, exclusiveMin: boolean): void {
  if (min !== undefined && (exclusiveMin ? v <= min : v < min)) {
    throw new UsageError(`--${name} must be ${exclusiveMin ? "greater than" : "at least"} ${min}, got ${v}`);
  }
  if (max !== undefined && v > max) throw new UsageError(`--${name} must be at most ${max}, got ${v}`);
}

/** The --help text of a command. */
export function helpText(usage: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === "bool" ? "" : spec.type === "choice" ? ` ${spec.choices.join("|")}` : ` ${spec.type === "string" ? (spec.placeholder ?? "VALUE") : "N"}`;
    const dflt = "default" in spec && spec.default !== undefined ? ` (default ${spec.default})` : "";
    return [`  --${name}${value}`, `${spec.help}${dflt}`];
  });
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return `${usage}\n\n${summary}\n\nOptions:\n${rows.map(([a, b]) => a.padEnd(width) + b).join("\n")}\n  --help${" ".repeat(Math.max(1, width - 8))}show this help\n`;
}

/** Separates the arguments that are not flags (a command's operands, e.g. a file) from the flags and their values. */
export function splitOperands(argv: string[], specs: FlagSpecs): { operands: string[]; flags: string[] } {
  const operands: string[] = [], flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-") || arg === "-") {
      operands.push(arg);
      continue;
    }
    flags.push(arg);
    const spec = specs[arg.slice(2)];
    if (spec && spec.type !== "bool" && !arg.includes("=") && i + 1 < argv.length) flags.push(argv[++i]);
  }
  return { operands, flags };
}
