import { CommonValidatorFunctions } from '@backstage/catalog-model';
import { RuleResult } from './result';

/** Longest environment label the hosts put before the base domain: `<name>.staging.<baseDomain>`. */
const LONGEST_ENVIRONMENT_LABEL = 'staging';
const MAX_HOST_LENGTH = 253;

/**
 * The platform's base domain, from which every environment's host is built
 * (`<name>.<env>.<baseDomain>`, `<name>.<baseDomain>` in prod). Written once in
 * the template and checked here, so a typo fails the task before any Ingress
 * or task link is rendered with it.
 */
export function parseBaseDomain(raw: unknown, componentName?: string): RuleResult<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'must be a domain name' };
  const domain = raw.trim().replace(/\.$/, '');
  if (!CommonValidatorFunctions.isValidDnsSubdomain(domain) || !domain.includes('.')) {
    return {
      ok: false,
      reason:
        'must be a lowercase DNS name with at least two labels, such as example.com (letters, digits, "-" and ".")',
    };
  }
  const longestHost = `${componentName ?? ''}.${LONGEST_ENVIRONMENT_LABEL}.${domain}`;
  if (componentName && longestHost.length > MAX_HOST_LENGTH) {
    return { ok: false, reason: `makes the host ${longestHost} longer than ${MAX_HOST_LENGTH} characters` };
  }
  return { ok: true, value: domain };
}
