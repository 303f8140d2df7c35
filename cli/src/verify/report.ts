import { CheckResult, VerifyReport } from './types';

const LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', off: 'OFF' };

/**
 * The report as text for a terminal or a CI log: one line per check, its
 * findings indented under it with file and field, then the verdict.
 */
export function formatReport(report: VerifyReport): string {
  const lines = [`Golden path verification of ${report.dir}`];
  for (const check of report.checks) {
    const note =
      check.status === 'skip'
        ? ` (skipped: ${check.reason})`
        : check.status === 'off'
          ? ` (switched off: ${check.reason})`
          : check.note
            ? ` (${check.note})`
            : '';
    const took = check.durationMs !== undefined ? ` [${check.durationMs} ms]` : '';
    lines.push(`${LABEL[check.status]} ${check.name} — ${check.title}${note}${took}`);
    if (check.status === 'fail' && check.why) lines.push(`       why: ${check.why}`);
    for (const f of check.findings) lines.push(`       ${f.file}${f.field ? ` ${f.field}` : ''}: ${f.message}`);
  }
  if (report.timings)
    lines.push(
      `Took ${report.timings.totalMs} ms${report.timings.appMs !== undefined ? `, of which the app checks ${report.timings.appMs} ms (one process and three processes, side by side with the other checks)` : ''}`,
    );
  const count = (s: CheckResult['status']) => report.checks.filter(c => c.status === s).length;
  lines.push(
    `${report.ok ? 'OK' : 'NOT OK'}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped, ${count('off')} switched off`,
  );
  return lines.join('\n');
}
