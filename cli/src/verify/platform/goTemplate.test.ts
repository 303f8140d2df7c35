import { renderDeep, renderGoTemplate, TemplateError } from './goTemplate';

const params = { repository: 'My_Repo.v2', path: { basename: 'prod', path: 'deploy/overlays/prod' }, replicas: 3 };

describe('renderGoTemplate', () => {
  it.each([
    ['{{ .path.basename }}', 'prod'],
    ['{{.path.path}}', 'deploy/overlays/prod'],
    ['{{ .repository | lower | replace "_" "-" | replace "." "-" }}-{{ .path.basename }}', 'my-repo-v2-prod'],
    ['x{{ .replicas }}y', 'x3y'],
    ['{{ .repository | upper }}', 'MY_REPO.V2'],
    ['{{ .path.basename | replace "|" "-" }}', 'prod'],
    ['no actions', 'no actions'],
  ])('%s', (template, expected) => expect(renderGoTemplate(template, params)).toBe(expected));

  it.each([
    ['{{ .missing }}', /no entry for key "missing"/],
    ['{{ .path.nope }}', /no entry for key "nope"/],
    ['{{ .path }}', /not a scalar/],
    ['{{ index .path "basename" }}', /only field references/],
    ['{{ .repository | trunc 3 }}', /function "trunc 3" is not supported/],
    ['{{ .repository | replace "a" }}', /not supported/],
  ])('refuses %s', (template, error) => {
    expect(() => renderGoTemplate(template, params)).toThrow(TemplateError);
    expect(() => renderGoTemplate(template, params)).toThrow(error);
  });

  it('renders every string of a nested value, keys unchanged', () => {
    expect(renderDeep({ a: ['{{ .replicas }}', { '{{ .x }}': '{{ .path.basename }}' }], n: 1 }, params)).toEqual({
      a: ['3', { '{{ .x }}': 'prod' }],
      n: 1,
    });
  });
});
