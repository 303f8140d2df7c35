import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { listFiles } from '../util/listFiles';

export type BundleFile = { path: string; base64Content: string };

/** What `/v2/dry-run` takes besides the values: the template entity and its folder's files. */
export type TemplateBundle = {
  template: TemplateEntity;
  directoryContents: BundleFile[];
};

type TemplateStep = { id?: string; action: string; input?: Record<string, unknown> };
type TemplateEntity = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  spec: { steps: TemplateStep[]; [key: string]: unknown };
};

const FETCH_ACTIONS = new Set(['fetch:template', 'fetch:plain', 'fetch:template:file', 'fetch:plain:file']);

/**
 * Packs a template for the scaffolder's `/v2/dry-run` endpoint.
 *
 * The dry-run endpoint treats the uploaded files as the template's own folder
 * and refuses fetch URLs that leave it. Our skeleton lives at the repository
 * root (`../../skeleton` from the template), which the catalog resolves
 * against the template's URL. So the bundle copies every local folder a fetch
 * step points outside of into the upload (as `<folder name>/`) and points the
 * step there. Nothing else in the template changes.
 */
export function loadTemplateBundle(templateFile: string): TemplateBundle {
  const templateDir = path.dirname(path.resolve(templateFile));
  const template = YAML.parse(fs.readFileSync(templateFile, 'utf8')) as TemplateEntity;
  if (template?.kind !== 'Template' || !Array.isArray(template.spec?.steps)) {
    throw new Error(`${templateFile} is not a scaffolder Template`);
  }

  const files = new Map<string, Buffer>();
  for (const file of listFiles(templateDir)) {
    files.set(file, fs.readFileSync(path.join(templateDir, file)));
  }

  const steps = template.spec.steps.map(step => {
    const url = step.input?.url;
    if (!FETCH_ACTIONS.has(step.action) || typeof url !== 'string' || !isOutsideRelative(url)) {
      return step;
    }
    const source = path.resolve(templateDir, url);
    const bundled = `bundled-${path.basename(source)}`;
    if (fs.statSync(source).isDirectory()) {
      for (const file of listFiles(source)) {
        files.set(`${bundled}/${file}`, fs.readFileSync(path.join(source, file)));
      }
    } else {
      files.set(bundled, fs.readFileSync(source));
    }
    return { ...step, input: { ...step.input, url: `./${bundled}` } };
  });

  return {
    template: { ...template, spec: { ...template.spec, steps } },
    directoryContents: [...files].map(([file, content]) => ({
      path: file,
      base64Content: content.toString('base64'),
    })),
  };
}

function isOutsideRelative(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(url) && path.posix.normalize(url).startsWith('../');
}
