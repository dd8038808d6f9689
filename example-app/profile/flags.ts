/**
 * Command-line flags for the seed and warm scripts: `--name value` or `--name=value`.
 * Unknown flags, missing values and values out of range are refused with a message that
 * names the flag, what it got and what is accepted.
 */
export class CliFlagError extends Error {
  readonly code = 'E_CLI_FLAG';
  constructor(message: string) {
    super(message);
    this.name = 'CliFlagError';
  }
}

export type FlagSpec =
  | { readonly type: 'int'; readonly min: number; readonly max: number; readonly default?: number; readonly help: string }
  | { readonly type: 'string'; readonly choices?: readonly string[]; readonly default?: string; readonly help: string }
  | { readonly type: 'bool'; readonly help: string };

type Value<S extends FlagSpec> = S extends { type: 'int' } ? number : S extends { type: 'bool' } ? boolean : string;
export type Flags<T extends Record<string, FlagSpec>> = { [K in keyof T]: Value<T[K]> | undefined };

export function usage(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const arg = s.type === 'bool' ? '' : s.type === 'int' ? ` <${s.min}..${s.max}>` : s.choices ? ` <${s.choices.join('|')}>` : ' <text>';
      return `  --${name}${arg}  ${s.help}`;
    })
    .join('\n');
}

function convert(name: string, spec: FlagSpec, raw: string): number | string {
  if (spec.type === 'int') {
    const n = Number(raw);
    if (!/^-?[0-9]+$/.test(raw) || n < spec.min || n > spec.max) {
      throw new CliFlagError(`--${name}: ${JSON.stringify(raw)} is not accepted; expected an integer from ${spec.min} to ${spec.max}`);
    }
    return n;
  }
  if (spec.type === 'string' && spec.choices && !spec.choices.includes(raw)) {
    throw new CliFlagError(`--${name}: ${JSON.stringify(raw)} is not accepted; expected one of ${spec.choices.join(', ')}`);
  }
  return raw;
}

export function parseFlags<T extends Record<string, FlagSpec>>(argv: readonly string[], specs: T): Flags<T> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) out[name] = 'default' in s ? s.default : undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new CliFlagError(`unexpected argument ${JSON.stringify(arg)}; accepted flags:\n${usage(specs)}`);
    const name = m[1] as string;
    const spec = specs[name];
    if (!spec) throw new CliFlagError(`unknown flag --${name}; accepted flags:\n${usage(specs)}`);
    if (spec.type === 'bool') {
      if (m[2] !== undefined) throw new CliFlagError(`--${name} takes no value; got ${JSON.stringify(m[2])}`);
      out[name] = true;
      continue;
    }
    const raw = m[2] ?? argv[++i];
    if (raw === undefined || (m[2] === undefined && raw.startsWith('--'))) {
      throw new CliFlagError(`--${name} needs a value (${spec.type === 'int' ? `an integer from ${spec.min} to ${spec.max}` : 'text'})`);
    }
    out[name] = convert(name, spec, raw);
  }
  return out as Flags<T>;
}

/** Runs a script's main and turns a flag error into a one-line message and exit code 2. */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof CliFlagError ? 2 : 1);
    },
  );
}
