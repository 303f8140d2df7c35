/**
 * golden-path: the platform team's command line.
 *
 *   golden-path dry-run [values.yaml ...] [--template t.yaml] [--platform dir] [--out dir] [--json]
 *                       [--no-verify] [--verify-config f.yaml] [--remote https://backstage] [--force]
 */
import { parseArgs } from 'node:util';
import { DRY_RUN_HELP } from './dryRunHelp';

const USAGE = `Usage: golden-path <command> [options]

Commands:
  dry-run    Run the template in an embedded scaffolder (or --remote Backstage),
             write the generated repository to disk and verify it.

${DRY_RUN_HELP}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command !== 'dry-run') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        template: { type: 'string' },
        platform: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-verify': { type: 'boolean', default: false },
        'no-app': { type: 'boolean', default: false },
        'verify-config': { type: 'string' },
        remote: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${DRY_RUN_HELP}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${DRY_RUN_HELP}\n`);
    return 0;
  }
  // The command's modules (the scaffolder, the verifier) load only when it runs.
  const { runDryRunCommand } = await import('./dryRunCommand');
  return runDryRunCommand({
    valuesFiles: parsed.positionals,
    template: parsed.values.template,
    platform: parsed.values.platform,
    out: parsed.values.out,
    json: parsed.values.json,
    verify: !parsed.values['no-verify'],
    runApp: !parsed.values['no-app'],
    verifyConfig: parsed.values['verify-config'],
    remote: parsed.values.remote,
    force: parsed.values.force,
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
  });
}

/** Runs the command line with this process's arguments and exits with its status. */
export function run(): void {
  main(process.argv.slice(2)).then(
    code => process.exit(code),
    error => {
      process.stderr.write(`golden-path: ${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) run();

export { main };
