import fs from 'node:fs';
import path from 'node:path';
import { Page } from 'playwright-core';
import YAML from 'yaml';
import { APP_DIR } from './backstageApp';

/** One page of the template's form, as `spec.parameters` defines it. */
export type FormPage = { title: string; required: string[]; properties: Record<string, FieldSchema> };
export type FieldSchema = {
  title: string;
  type: string;
  description?: string;
  default?: unknown;
  enum?: string[];
  enumNames?: string[];
  errorMessage?: Record<string, string>;
  'ui:field'?: string;
  'ui:help'?: string;
};

export function loadFormPages(templateFile: string): FormPage[] {
  const template = YAML.parse(fs.readFileSync(templateFile, 'utf8'));
  return (template.spec.parameters as any[]).map(p => ({
    title: p.title,
    required: p.required ?? [],
    properties: p.properties ?? {},
  }));
}

/** What a user types or picks for each field (a RepoUrlPicker takes an owner and a repository name). */
export type FormValues = Record<string, string | number | { owner: string; repo: string }>;

/** Retries `assertion` until it passes or `timeoutMs` ends, then throws its last error. */
export async function eventually(assertion: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(r => setTimeout(r, 200));
    }
  }
}

/** Signs in with the guest provider when the app shows its sign-in page. */
export async function signInAsGuest(page: Page): Promise<void> {
  const enter = page.getByRole('button', { name: 'Enter' });
  const signedIn = page.getByTestId('sidebar-root');
  await Promise.race([enter.waitFor({ timeout: 30_000 }), signedIn.waitFor({ state: 'attached', timeout: 30_000 })]);
  if (await enter.isVisible()) {
    await enter.click();
    await signedIn.waitFor({ state: 'attached' });
  }
}

/** The stepper's labels, and the one that is active. */
export async function stepperLabels(page: Page): Promise<{ labels: string[]; active: string | undefined }> {
  const labels = await page.locator('.MuiStepLabel-label').allTextContents();
  const active = await page.locator('.MuiStepLabel-label.MuiStepLabel-active').allTextContents();
  return { labels, active: active[0] };
}

/** Types or picks `value` into the field `key`, as a user does. */
export async function fillField(
  page: Page,
  key: string,
  schema: FieldSchema,
  value: FormValues[string],
): Promise<void> {
  const form = page.locator('form');
  if (schema['ui:field'] === 'RepoUrlPicker') {
    const { owner, repo } = value as { owner: string; repo: string };
    await form.getByLabel('Owner').fill(owner);
    await form.getByLabel('Owner').press('Tab'); // an autocomplete keeps free text on blur
    await form.getByLabel('Repository').fill(repo);
    await form.getByLabel('Repository').press('Tab');
    return;
  }
  const input = page.locator(`#root_${key}`);
  if (schema['ui:field'] === 'OwnerPicker') {
    // the picker lists the catalog's groups and users by title: type, then pick
    await input.click();
    await input.fill(String(value).split(' ')[0]);
    await page.getByRole('option', { name: String(value), exact: true }).click();
    return;
  }
  if (schema.enum) {
    const label = schema.enumNames?.[schema.enum.indexOf(String(value))] ?? String(value);
    if ((await input.textContent())?.trim() === label) return;
    await input.click();
    await page.getByRole('option', { name: label, exact: true }).click();
    return;
  }
  await input.fill(String(value));
}

/** The review page's table: field title → value shown. */
export async function reviewRows(page: Page): Promise<Record<string, string>> {
  const rows = await page
    .locator('table tr')
    .evaluateAll(trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => (td.textContent ?? '').trim())));
  return Object.fromEntries(rows.filter(r => r.length === 2));
}

export type StepState = 'completed' | 'failed' | 'skipped' | 'running' | 'pending';

const ICON_STATES: Array<[string, StepState]> = [
  ['CheckCircleOutline', 'completed'],
  ['ErrorOutline', 'failed'],
  ['RemoveCircleOutline', 'skipped'],
  ['PanoramaFishEye', 'pending'],
];
let iconPaths: Map<string, StepState> | undefined;

/**
 * Each step on the task page with its state. The scaffolder draws the state as a
 * Material UI icon (or a spinner while it runs); the icons' shapes come from the
 * app's own @material-ui/icons.
 */
export async function taskSteps(page: Page): Promise<Array<{ title: string; state: StepState }>> {
  iconPaths ??= new Map(
    ICON_STATES.map(([icon, state]) => {
      const source = fs.readFileSync(path.join(APP_DIR, 'node_modules/@material-ui/icons', `${icon}.js`), 'utf8');
      return [/d: "([^"]+)"/.exec(source)![1], state];
    }),
  );
  const steps = await page.getByTestId('step-label').evaluateAll(labels =>
    labels.map(label => ({
      title: (label.querySelector('.MuiStepLabel-labelContainer div')?.textContent ?? '').trim(),
      icon: label.querySelector('.MuiStepLabel-iconContainer path')?.getAttribute('d') ?? '',
      spinner: label.querySelector('.MuiStepLabel-iconContainer [role="progressbar"]') !== null,
    })),
  );
  return steps.map(s => ({ title: s.title, state: s.spinner ? 'running' : (iconPaths!.get(s.icon) ?? 'pending') }));
}

/**
 * Whether the field's error message sits in the field's own box: the smallest
 * element holding both the message and the field's input holds no other field.
 */
export async function errorIsOnItsField(page: Page, key: string): Promise<boolean> {
  return page.locator(`#root_${key}__error`).evaluate((error, input) => {
    let box = error.parentElement;
    while (box && !box.querySelector(`#${input}`)) box = box.parentElement;
    if (!box) return false;
    const controls = box.querySelectorAll(
      'input[id^="root_"], select[id^="root_"], textarea[id^="root_"], [role="button"][id^="root_"]',
    );
    return [...controls].every(e => e.id === input);
  }, `root_${key}`);
}
