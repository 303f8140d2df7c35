/**
 * Fills in what the Create form would: each parameter's `default` when the
 * values leave it out. The scaffolder API itself does not apply defaults, so a
 * values file may stay as short as a form that was only partly filled.
 */
export function applyParameterDefaults(
  template: { spec: { [key: string]: unknown } },
  values: Record<string, unknown>,
): { values: Record<string, unknown>; defaulted: string[] } {
  const pages = Array.isArray(template.spec.parameters) ? template.spec.parameters : [template.spec.parameters ?? {}];
  const result = { ...values };
  const defaulted: string[] = [];
  for (const page of pages as Array<{ properties?: Record<string, { default?: unknown }> }>) {
    for (const [name, schema] of Object.entries(page?.properties ?? {})) {
      if (result[name] === undefined && schema && 'default' in schema) {
        result[name] = schema.default;
        defaulted.push(name);
      }
    }
  }
  return { values: result, defaulted };
}
