/** What every validation rule returns: the normalised value, or the rule it broke in words. */
export type RuleResult<T> = { ok: true; value: T } | { ok: false; reason: string };
