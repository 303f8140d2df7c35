/**
 * The dry-run command's defaults and help text, apart from the command itself
 * so that `golden-path --help` does not load the scaffolder and the verifier.
 */
export const DEFAULT_TEMPLATE = 'templates/stateful-app/template.yaml';
export const DEFAULT_VALUES = 'examples/my-redis.yaml';
export const DEFAULT_VERIFY_CONFIG = '.golden-path-verify.yaml';
export const DEFAULT_PLATFORM = 'platform';
/** Environment variable holding the Backstage token for --remote (never printed). */
export const REMOTE_TOKEN_ENV = 'BACKSTAGE_TOKEN';

export const DRY_RUN_HELP = `golden-path dry-run [values files...] [options]

  values files        YAML or JSON form values (default: ${DEFAULT_VALUES}); several
                      files are checked with one embedded backend
  --template FILE     the template to run (default: ${DEFAULT_TEMPLATE})
  --platform DIR      the platform folder (Argo CD objects, reusable delivery workflow)
                      the generated repository must agree with (default: the ${DEFAULT_PLATFORM}/
                      folder beside the template's templates/ folder, else ./${DEFAULT_PLATFORM})
  --out DIR           where to write the generated repository (default: out/<name>;
                      with several values files, DIR/<name>)
  --force             replace a non-empty --out folder
  --no-verify         only render; skip the checks on the generated repository
  --no-app            verify, but do not start the generated app
  --verify-config F   rules switched off, with reasons (default: ${DEFAULT_VERIFY_CONFIG} if present)
  --remote URL        send the dry-run to a running Backstage instead of the embedded
                      scaffolder; the token comes from $${REMOTE_TOKEN_ENV}
  --json              print a machine-readable report

Exit status: 0 when every values file rendered and passed verification,
1 when a template run or a check failed, 2 for usage errors.`;
