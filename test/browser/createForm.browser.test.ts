/**
 * The Create form as a developer meets it: a Backstage app made with create-app
 * (test/browser/app) with this module installed from its `npm pack`, on
 * PostgreSQL, the GitHub stand-in as its GitHub, the template registered from
 * its Git URL, driven in headless Chromium from the template list to the
 * finished task page. Run with `npm run test:browser`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Page } from 'playwright-core';
import YAML from 'yaml';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from '../github-standin';
import { publishGoldenPathRepo } from '../support/publishTemplate';
import { REPO_ROOT, SEED_VALUES, TEMPLATE_FILE } from '../support/rendered';
import { BackstageApp, startBackstageApp } from './support/backstageApp';
import { Browser, launchBrowser, screenshot } from './support/browser';
import {
  errorIsOnItsField,
  eventually,
  fillField,
  FormPage,
  FormValues,
  loadFormPages,
  reviewRows,
  signInAsGuest,
  stepperLabels,
  taskSteps,
} from './support/createForm';
import { PostgresCluster, startPostgres } from '../host';

const SCREENSHOTS = path.join(REPO_ROOT, 'out/browser');
const TEMPLATE_PATH = '/create/templates/default/stateful-app';
/** The seed's form fields (stateful-app-how-it-works.md, "Parameters"), plus the two the template adds. */
const SEED_FIELDS = [
  'component_id',
  'description',
  'owner',
  'environment',
  'replicas',
  'storageSize',
  'mountPath',
  'port',
  'storageClass',
  'repoUrl',
];

let postgres: PostgresCluster;
let github: GithubStandin;
let app: BackstageApp;
let browser: Browser;
let pages: FormPage[];

beforeAll(async () => {
  pages = loadFormPages(TEMPLATE_FILE);
  // The app's backend plugins each keep a connection pool.
  postgres = await startPostgres({ settings: { max_connections: '200' } });
  github = await startGithubStandin({ orgs: ['acme', 'platform'] });
  // The platform team's repository of templates; on their GitHub (the stand-in)
  // the repository picker offers that host.
  const location = await publishGoldenPathRepo(github, 'platform', 'golden-paths', dir => {
    const file = path.join(dir, 'templates/stateful-app/template.yaml');
    const template = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
    const index = pages.findIndex(p => p.properties.repoUrl);
    template.setIn(['spec', 'parameters', index, 'properties', 'repoUrl', 'ui:options', 'allowedHosts'], [github.host]);
    fs.writeFileSync(file, template.toString());
  });
  const started = Date.now();
  app = await startBackstageApp({ github, postgres, locations: [location], logDir: SCREENSHOTS });
  await app.waitForEntity('template:default/stateful-app', 60_000);
  report(`backend start-up to template in the catalog: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${app.url}/create`);
  await signInAsGuest(page); // the session lasts for the browser context
  await page.close();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await github?.close();
  await postgres?.stop();
}, 60_000);

function report(line: string) {
  process.stdout.write(`[browser] ${line}\n`);
}

async function openForm(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${app.url}${TEMPLATE_PATH}`);
  await page.locator('form').waitFor();
  return page;
}

const fieldsOn = (page: FormPage) => Object.entries(page.properties);
const schemaOf = (key: string) => pages.find(p => p.properties[key])!.properties[key];

/** Fills every field of form page `index` with `values` (fields without one keep their default). */
async function fillPage(page: Page, index: number, values: FormValues) {
  for (const [key, schema] of fieldsOn(pages[index])) {
    if (values[key] !== undefined) await fillField(page, key, schema, values[key]);
  }
}

async function next(page: Page) {
  await page.getByRole('button', { name: /^(Next|Review)$/ }).click();
}

const SEED_FORM: FormValues = {
  ...SEED_VALUES,
  owner: 'Platform Team', // the title of group:default/platform-team, as the picker lists it
  repoUrl: { owner: 'acme', repo: 'my-redis' },
};

it('shows every field of the seed with its title, help and default, on the pages the template defines', async () => {
  expect(pages.flatMap(p => Object.keys(p.properties))).toEqual(expect.arrayContaining(SEED_FIELDS));
  const page = await openForm();
  await eventually(async () =>
    expect((await stepperLabels(page)).labels).toEqual([...pages.map(p => p.title), 'Review']),
  );
  for (const [index, formPage] of pages.entries()) {
    await eventually(async () => expect((await stepperLabels(page)).active).toBe(formPage.title));
    const form = page.locator('form');
    for (const [key, schema] of fieldsOn(formPage)) {
      if (schema['ui:field'] === 'RepoUrlPicker') {
        // Backstage draws its own sub-fields: the title, then host, owner and repository.
        await form.getByText(schema.title, { exact: true }).waitFor();
        expect(await form.locator('[data-testid="host-select"] select').inputValue()).toBe(github.host);
        await form.getByLabel('Owner').waitFor();
        await form.getByLabel('Repository').waitFor();
        continue;
      }
      const label = (await page.locator(`label[for="root_${key}"]`).textContent())?.replace(/\s+/g, ' ').trim();
      const required = formPage.required.includes(key);
      expect({ key, label }).toEqual({ key, label: required ? `${schema.title} *` : schema.title });
      if (schema.description) await form.getByText(schema.description, { exact: true }).waitFor();
      if (schema['ui:help']) {
        expect({ key, help: await page.locator(`#root_${key}__help`).textContent() }).toEqual({
          key,
          help: schema['ui:help'],
        });
      }
      if (schema.default !== undefined) {
        const input = page.locator(`#root_${key}`);
        const shown = schema.enum ? (await input.textContent())?.trim() : await input.inputValue();
        const expected = schema.enum
          ? (schema.enumNames?.[schema.enum.indexOf(String(schema.default))] ?? String(schema.default))
          : String(schema.default);
        expect({ key, shown }).toEqual({ key, shown: expected });
      }
    }
    // only this page's fields are on the page
    const otherFields = pages.flatMap((p, i) => (i === index ? [] : Object.keys(p.properties)));
    for (const key of otherFields)
      expect({ key, shown: await page.locator(`#root_${key}`).count() }).toEqual({ key, shown: 0 });
    await screenshot(page, SCREENSHOTS, `form-page-${index + 1}-defaults`);
    await fillPage(page, index, SEED_FORM);
    await next(page);
  }
  await eventually(async () => expect((await stepperLabels(page)).active).toBe('Review'));
  await screenshot(page, SCREENSHOTS, 'form-review-seed');
  await page.close();
}, 120_000);

describe('a bad value gets the template message on its field, and the form stays on its page', () => {
  const badValues: Array<{ field: string; value: string; rule: string }> = [
    { field: 'component_id', value: 'My_App', rule: 'pattern' },
    { field: 'component_id', value: `my-${'a'.repeat(50)}`, rule: 'maxLength' },
    { field: 'storageSize', value: '10GB', rule: 'pattern' },
    { field: 'storageSize', value: '0Gi', rule: 'pattern' },
    { field: 'port', value: '80', rule: 'minimum' },
    { field: 'mountPath', value: 'data', rule: 'pattern' },
  ];

  it.each(badValues)(
    '$field = $value ($rule)',
    async ({ field, value, rule }) => {
      const schema = schemaOf(field);
      const message = schema.errorMessage?.[rule];
      expect({ field, rule, message }).toEqual({ field, rule, message: expect.any(String) });
      const pageIndex = pages.findIndex(p => p.properties[field]);
      const page = await openForm();
      for (let i = 0; i < pageIndex; i++) {
        await fillPage(page, i, SEED_FORM);
        await next(page);
      }
      await fillPage(page, pageIndex, { ...SEED_FORM, [field]: value });
      await next(page);

      const error = page.locator(`#root_${field}__error`);
      await eventually(async () => expect(await error.textContent()).toBe(message));
      expect(await errorIsOnItsField(page, field)).toBe(true);
      // no other field is blamed, and the user cannot go on
      expect(await page.locator('[id^="root_"][id$="__error"]').count()).toBe(1);
      expect((await stepperLabels(page)).active).toBe(pages[pageIndex].title);
      await screenshot(
        page,
        SCREENSHOTS,
        `bad-${field}-${rule}-${value.length > 12 ? `${value.length}-chars` : value}`,
      );

      // fixed, the form goes on
      await fillField(page, field, schema, SEED_FORM[field]);
      await next(page);
      await eventually(async () =>
        expect((await stepperLabels(page)).active).toBe(pages[pageIndex + 1]?.title ?? 'Review'),
      );
      await page.close();
    },
    90_000,
  );
});

/** Fills the whole form, reviews it and clicks Create; resolves on the task page. */
async function createFromForm(page: Page, values: FormValues): Promise<void> {
  for (const index of pages.keys()) {
    await fillPage(page, index, values);
    await next(page);
  }
  await eventually(async () => expect((await stepperLabels(page)).active).toBe('Review'));
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/create\/tasks\/[0-9a-f-]+$/);
}

async function waitForTaskEnd(page: Page, timeoutMs: number) {
  await eventually(async () => {
    const steps = await taskSteps(page);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.filter(s => s.state === 'running' || s.state === 'pending')).toEqual([]);
  }, timeoutMs);
  return taskSteps(page);
}

describe('a value only the validate action refuses fails the first step, naming the field, and creates nothing', () => {
  const refused = [
    { name: 'too-big', field: 'storageSize', value: '32Ti', says: /storageSize: "32Ti" must be between \S+ and \S+/ },
    {
      name: 'etc-mount',
      field: 'mountPath',
      value: '/etc/x',
      says: /mountPath: "\/etc\/x" must not be inside .*\/etc/,
    },
  ];

  it.each(refused)(
    '$field = $value',
    async ({ name, field, value, says }) => {
      const writesBefore = github.requests.filter(r => r.method !== 'GET').length;
      const page = await openForm();
      await createFromForm(page, {
        ...SEED_FORM,
        component_id: name,
        [field]: value,
        repoUrl: { owner: 'acme', repo: name },
      });
      const steps = await waitForTaskEnd(page, 60_000);
      expect(steps[0].state).toBe('failed');
      expect(steps.slice(1).map(s => s.state)).toEqual(steps.slice(1).map(() => 'skipped'));
      await page.getByText(says).first().waitFor();
      await screenshot(page, SCREENSHOTS, `refused-${field}`);

      expect(github.repoExists('acme', name)).toBe(false);
      expect(github.requests.filter(r => r.method !== 'GET').length).toBe(writesBefore);
      expect(await app.getEntity(`component:default/${name}`)).toBeUndefined();
      await page.close();
    },
    120_000,
  );
});

it('creates the repository from the filled form: review, every step, and links that work', async () => {
  const values: FormValues = {
    component_id: 'orders-cache',
    description: 'Order lookups for the checkout service',
    owner: 'Platform Team',
    environment: 'staging',
    replicas: 3,
    storageSize: '20Gi',
    storageClass: 'gp3',
    mountPath: '/data/orders',
    port: 6380,
    repoUrl: { owner: 'acme', repo: 'orders-cache' },
  };
  const page = await browser.newPage();
  const started = Date.now();
  await page.goto(`${app.url}/create`);
  const card = page.locator('article, .MuiCard-root').filter({ hasText: 'Stateful App' }).first();
  await card.getByRole('button', { name: 'Choose' }).click();
  await page.locator('form').waitFor();

  for (const index of pages.keys()) {
    await fillPage(page, index, values);
    if (index === 1) await screenshot(page, SCREENSHOTS, 'filled-form');
    await next(page);
  }
  await eventually(async () => expect((await stepperLabels(page)).active).toBe('Review'));
  await screenshot(page, SCREENSHOTS, 'review');

  // The review shows what was entered, by the fields' titles, and nothing secret.
  const review = await reviewRows(page);
  const environment = schemaOf('environment');
  expect(review).toEqual(
    expect.objectContaining({
      [schemaOf('component_id').title]: 'orders-cache',
      [schemaOf('description').title]: values.description,
      [schemaOf('owner').title]: 'group:default/platform-team',
      [environment.title]: environment.enumNames![environment.enum!.indexOf('staging')],
      [schemaOf('replicas').title]: '3',
      [schemaOf('storageSize').title]: '20Gi',
      [schemaOf('storageClass').title]: 'gp3',
      [schemaOf('mountPath').title]: '/data/orders',
      [schemaOf('port').title]: '6380',
      [schemaOf('repoUrl').title]: `${github.host}?owner=acme&repo=orders-cache`,
    }),
  );
  expect(await page.content()).not.toContain(DEFAULT_TOKEN);

  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/create\/tasks\/[0-9a-f-]+$/);
  const steps = await waitForTaskEnd(page, 120_000);
  await page.getByTestId('output-box').getByText('Repository').waitFor();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  report(`form, from page load to the finished task page: ${seconds} s`);
  expect(steps.map(s => s.state)).toEqual(steps.map(() => 'completed'));
  expect(steps.length).toBe(YAML.parse(fs.readFileSync(TEMPLATE_FILE, 'utf8')).spec.steps.length);
  await screenshot(page, SCREENSHOTS, 'finished-task');
  expect(await page.content()).not.toContain(DEFAULT_TOKEN);

  const links = page.getByTestId('output-box');
  // Repository: the new repository's page, with the generated files.
  const repositoryLink = links.getByRole('link', { name: /Repository/ });
  expect(await repositoryLink.getAttribute('href')).toBe(`${github.url}/acme/orders-cache`);
  const [repositoryPage] = await Promise.all([page.context().waitForEvent('page'), repositoryLink.click()]);
  await repositoryPage.waitForLoadState();
  expect(await repositoryPage.locator('#repository').textContent()).toBe('acme/orders-cache');
  const files = await repositoryPage.locator('#files li').allTextContents();
  expect(files).toEqual(expect.arrayContaining(['catalog-info.yaml', 'deploy/overlays/staging/ingress.yaml']));
  await screenshot(repositoryPage, SCREENSHOTS, 'repository-page');
  await repositoryPage.close();

  // The environment link: the host the generated Ingress of that environment serves.
  const ingress = YAML.parse(
    execFileSync('git', ['show', 'main:deploy/overlays/staging/ingress.yaml'], {
      cwd: github.gitDir('acme', 'orders-cache'),
      encoding: 'utf8',
    }),
  );
  const ingressHost = ingress.spec.rules[0].host;
  const environmentLink = links.getByRole('link', { name: /endpoint/i });
  expect(new URL((await environmentLink.getAttribute('href'))!).host).toBe(ingressHost);
  expect(ingressHost).toMatch(/^orders-cache\.staging\./);

  // Open in catalog: the new Component's page, with its owner.
  await links.getByRole('link', { name: /Open in catalog/ }).click();
  await page.waitForURL(/\/catalog\/default\/component\/orders-cache/);
  await page
    .getByText(values.description as string)
    .first()
    .waitFor();
  await screenshot(page, SCREENSHOTS, 'catalog-component');
  // the owner, linked to its group's page and shown by the group's title
  const owner = page.locator('a[href$="/catalog/default/group/platform-team"]').first();
  expect(await owner.textContent()).toContain('Platform Team');
  const entity = await app.getEntity('component:default/orders-cache');
  expect(entity.spec.owner).toBe('group:default/platform-team');
  await page.close();
}, 180_000);
