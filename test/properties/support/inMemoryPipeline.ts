import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { DefaultGithubCredentialsProvider, ScmIntegrations } from '@backstage/integration';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCatalogRegisterAction } from '../../../src/actions/catalogRegister';
import { createWorkspaceFingerprintAction } from '../../../src/actions/workspaceFingerprint';
import { createGithubPushAction } from '../../../src/actions/githubPush';
import { createGithubRepoCreateAction } from '../../../src/actions/githubRepoCreate';
import { createValidateStatefulAppAction } from '../../../src/actions/validate';
import { describeSchemaError, DryRunFile, DryRunResult } from '../../../cli/src/dryrun/postDryRun';
import { TemplateBundle } from '../../../cli/src/dryrun/templateBundle';
import { listFiles } from '../../../cli/src/util/listFiles';
import { DEFAULT_GITHUB_CLIENT_OPTIONS } from '../../../src/github/clientOptions';
import { yamlQuoteFilter } from '../../../src/templating/yamlQuote';
import { DEFAULT_POLICY } from '../../../src/validation/platformPolicy';
import { actionContext } from '../../support/actionContext';

/**
 * The template's steps run in memory, to afford thousands of cases (a real
 * dry-run costs ~0.2 s, mostly the task machinery: database, logs, copying
 * the template; rendering the skeleton itself takes ~5 ms).
 *
 * Nothing here re-implements a rule or the rendering: the form schema goes
 * through the `jsonschema` package the scaffolder router uses; step inputs and
 * skeleton files through the scaffolder's own renderer (nunjitsu) built with
 * the capabilities fetch:template builds (Backstage's default filters plus
 * this module's yamlQuote); every other step is this module's real action,
 * called in dry-run mode on a real workspace. What is written here is the
 * loop over the template's steps and fetch:template's loop over the skeleton,
 * and skeleton.properties.test.ts proves on a sample that the result is
 * byte-for-byte the real dry-run's.
 */

const BACKEND_DIR = path.dirname(require.resolve('@backstage/plugin-scaffolder-backend/package.json'));
// Not part of the package's public exports: required by file so the renderer is the one fetch:template builds.
const { collectActionTemplateCapabilities } = require(
  path.join(BACKEND_DIR, 'dist/scaffolder/actions/builtin/fetch/templateActionHandler.cjs.js'),
);
const nunjitsu = require(require.resolve('nunjitsu', { paths: [BACKEND_DIR] }));
const jsonschema = require(require.resolve('jsonschema', { paths: [BACKEND_DIR] }));

type Step = { id: string; action: string; input?: Record<string, unknown>; if?: unknown; each?: unknown };
type Action = { id: string; handler(ctx: any): Promise<void> };

export class InMemoryPipeline {
  private readonly integrations = ScmIntegrations.fromConfig(new ConfigReader({}));
  private readonly actions = new Map<string, Action>();
  private readonly renderer: any;
  private readonly steps: Step[];
  private readonly pages: object[];
  private readonly skeletons = new Map<string, Array<{ path: string; text: string; mode: number }>>();

  constructor(private readonly bundle: TemplateBundle) {
    const github = {
      integrations: this.integrations,
      githubCredentialsProvider: DefaultGithubCredentialsProvider.fromIntegrations(this.integrations),
      clientOptions: DEFAULT_GITHUB_CLIENT_OPTIONS,
    };
    // The module's actions, built as module.ts builds them (with the default policy and no app-config).
    for (const action of [
      createValidateStatefulAppAction({ policy: DEFAULT_POLICY }),
      createGithubRepoCreateAction(github),
      createWorkspaceFingerprintAction(),
      createGithubPushAction(github),
      createCatalogRegisterAction({ catalog: catalogServiceMock() }),
    ] as Action[]) {
      this.actions.set(action.id, action);
    }
    this.steps = bundle.template.spec.steps as Step[];
    for (const step of this.steps) {
      if (
        step.if !== undefined ||
        step.each !== undefined ||
        (step.action !== 'fetch:template' && !this.actions.has(step.action))
      ) {
        throw new Error(
          `step ${step.id} (${step.action}${step.if !== undefined ? ', if' : ''}${step.each !== undefined ? ', each' : ''}) is not supported by the in-memory pipeline: extend it`,
        );
      }
    }
    this.pages = [bundle.template.spec.parameters as object[]].flat();
    const capabilities = collectActionTemplateCapabilities({
      integrations: this.integrations,
      additionalTemplateFilters: { [yamlQuoteFilter.id]: yamlQuoteFilter.filter },
    });
    // The options fetch:template passes (trimBlocks, lstripBlocks and cookiecutterCompat are not set by the template).
    this.renderer = nunjitsu.createTemplateRenderer({ ...capabilities, allowRegexExecution: true });
  }

  /** Renders a step's input the way the workflow runner does (JSON coercion; an expression that throws stays as written). */
  private renderInput(input: unknown, context: object): any {
    const prepared = this.renderer.prepareContext(context);
    return JSON.parse(JSON.stringify(input ?? {}), (_key, value) => {
      if (typeof value !== 'string') return value;
      try {
        return this.renderer.renderValue(value, prepared, { coercion: 'json' });
      } catch {
        return value;
      }
    });
  }

  async dryRun(values: Record<string, unknown>): Promise<DryRunResult> {
    // The router validates every form page before anything runs.
    for (const page of this.pages) {
      const result = jsonschema.validate(values, page);
      if (!result.valid) {
        return { ok: false, status: 400, errors: result.errors.map(describeSchemaError) };
      }
    }
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'in-memory-workspace-'));
    try {
      const context: any = { parameters: values, steps: {} };
      for (const step of this.steps) {
        const input = this.renderInput(step.input, context);
        if (step.action === 'fetch:template') {
          this.renderSkeleton(String(input.url), input.values ?? {}, workspace);
          context.steps[step.id] = { output: {} };
          continue;
        }
        const { ctx, record } = actionContext({ input, workspacePath: workspace, isDryRun: true });
        await this.actions.get(step.action)!.handler(ctx);
        context.steps[step.id] = { output: record.outputs };
      }
      const files: DryRunFile[] = listFiles(workspace).map(file => {
        const full = path.join(workspace, file);
        return { path: file, executable: (fs.statSync(full).mode & 0o111) !== 0, content: fs.readFileSync(full) };
      });
      return { ok: true, files, log: [], output: {}, steps: [] };
    } catch (error) {
      const e = error as Error;
      return { ok: false, status: e.name === 'InputError' ? 400 : 500, errors: [e.message] };
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  }

  /** fetch:template's loop over the skeleton: render each path and each file, keep the path inside the target. */
  private renderSkeleton(url: string, values: object, workspace: string): void {
    const prepared = this.renderer.prepareContext({ values });
    for (const file of this.skeleton(url)) {
      const renderedPath = this.renderer.render(file.path, prepared);
      if (renderedPath === '' || renderedPath.startsWith('/') || renderedPath.includes('//')) continue;
      const target = resolveSafeChildPath(workspace, renderedPath);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, this.renderer.render(file.text, prepared), { mode: file.mode });
    }
  }

  /** The files of the bundle folder a fetch step points at. */
  private skeleton(url: string) {
    let files = this.skeletons.get(url);
    if (!files) {
      const prefix = `${url.replace(/^\.\//, '')}/`;
      files = this.bundle.directoryContents
        .filter(f => f.path.startsWith(prefix))
        .map(f => ({
          path: f.path.slice(prefix.length),
          text: Buffer.from(f.base64Content, 'base64').toString('utf8'),
          mode: 0o644,
        }));
      if (!files.length) throw new Error(`no bundled files under ${url}`);
      this.skeletons.set(url, files);
    }
    return files;
  }
}
