import { ConfigReader } from '@backstage/config';
import { lostWorkspaceAdvice, readTaskRecoverySettings, recoveryWithoutWorkspaceWarning } from './taskRecovery';

const read = (scaffolder: object) => readTaskRecoverySettings(new ConfigReader({ scaffolder }));

describe('readTaskRecoverySettings', () => {
  it('reads the taskRecovery keys, and the older EXPERIMENTAL_ ones as the scaffolder does', () => {
    expect(readTaskRecoverySettings(undefined)).toEqual({ enabled: false, workspaceProvider: undefined });
    expect(read({ taskRecovery: { enabled: true, workspaceProvider: 'database' } })).toEqual({
      enabled: true,
      workspaceProvider: 'database',
    });
    expect(read({ EXPERIMENTAL_recoverTasks: true })).toEqual({ enabled: true, workspaceProvider: undefined });
    // the new key wins over the old one
    expect(read({ taskRecovery: { enabled: false }, EXPERIMENTAL_recoverTasks: true }).enabled).toBe(false);
    // the legacy provider setting counts only with legacy serialization on, and defaults to database
    expect(read({ EXPERIMENTAL_workspaceSerializationProvider: 'gcs' }).workspaceProvider).toBeUndefined();
    expect(read({ EXPERIMENTAL_workspaceSerialization: true }).workspaceProvider).toBe('database');
    expect(
      read({ EXPERIMENTAL_workspaceSerialization: true, EXPERIMENTAL_workspaceSerializationProvider: 'gcs' })
        .workspaceProvider,
    ).toBe('gcs');
  });
});

describe('what the operator is told', () => {
  it('warns at start-up only when recovery is on without a workspace provider', () => {
    expect(recoveryWithoutWorkspaceWarning({ enabled: false })).toBeUndefined();
    expect(recoveryWithoutWorkspaceWarning({ enabled: true, workspaceProvider: 'database' })).toBeUndefined();
    expect(recoveryWithoutWorkspaceWarning({ enabled: true })).toMatch(
      /^scaffolder\.taskRecovery\.enabled is true but no scaffolder\.taskRecovery\.workspaceProvider.*EMPTY workspace/,
    );
  });

  it('names the cause that fits the settings, and both ways out', () => {
    const advice = [
      lostWorkspaceAdvice({ enabled: true }),
      lostWorkspaceAdvice({ enabled: true, workspaceProvider: 'database' }),
      lostWorkspaceAdvice({ enabled: false }),
    ];
    expect(advice[0]).toMatch(/without a workspace provider/);
    expect(advice[1]).toMatch(/workspaceProvider "database", which did not restore/);
    expect(advice[2]).toMatch(/^Was the task resumed/);
    for (const text of advice) {
      expect(text).toMatch(
        /Configure scaffolder\.taskRecovery\.workspaceProvider .* or run the template again from its first step \(Start Over\)/,
      );
    }
  });
});
