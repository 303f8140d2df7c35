import { DEFAULT_POLICY } from './platformPolicy';
import { describeProblem, validateStatefulApp } from './statefulApp';

const good = {
  name: 'my-redis',
  environment: 'dev',
  replicas: 1,
  storageSize: '10Gi',
  storageClass: 'gp3',
  mountPath: '/data',
  port: 6379,
};

describe('validateStatefulApp', () => {
  it('normalises good values', () => {
    expect(
      validateStatefulApp(
        { ...good, replicas: '3', port: '8080', storageSize: '1.5Gi', mountPath: '/data/', owner: 'team-a' },
        DEFAULT_POLICY,
      ),
    ).toEqual({
      ok: true,
      values: {
        ...good,
        replicas: 3,
        port: 8080,
        storageSize: '1536Mi',
        storageBytes: 1536 * 2 ** 20,
        mountPath: '/data',
        owner: 'group:default/team-a',
        description: '',
      },
    });
  });

  it('reports every problem at once, each naming the field, value and rule', () => {
    const result = validateStatefulApp(
      {
        name: 'My_App',
        environment: 'qa',
        replicas: 0,
        storageSize: '10GB',
        storageClass: 'standard',
        mountPath: '/etc/app',
        port: 80,
      },
      DEFAULT_POLICY,
    );
    expect(result.ok).toBe(false);
    const lines = !result.ok ? result.problems.map(describeProblem) : [];
    for (const field of ['name', 'environment', 'replicas', 'storageSize', 'storageClass', 'mountPath', 'port']) {
      expect(lines.some(l => l.startsWith(`${field}: `))).toBe(true);
    }
    expect(lines).toContain(
      'storageSize: "10GB" unit "GB" is not a Kubernetes unit: write "Gi" (binary, 2^n) or "G" (decimal, 10^n)',
    );
    expect(lines).toContain('environment: "qa" must be one of dev, test, staging, prod');
  });

  it('applies the configured storage bounds', () => {
    const tooSmall = validateStatefulApp({ ...good, storageSize: '500Mi' }, DEFAULT_POLICY);
    expect(!tooSmall.ok && describeProblem(tooSmall.problems[0])).toMatch(/between 1Gi and 16Ti \(is 500Mi\)/);
    const tooBig = validateStatefulApp({ ...good, storageSize: '17Ti' }, DEFAULT_POLICY);
    expect(tooBig.ok).toBe(false);
    expect(validateStatefulApp({ ...good, storageSize: '16Ti' }, DEFAULT_POLICY).ok).toBe(true);
  });

  it('applies the configured replica maximum', () => {
    expect(validateStatefulApp({ ...good, replicas: 9 }, DEFAULT_POLICY).ok).toBe(true);
    const result = validateStatefulApp({ ...good, replicas: 10 }, DEFAULT_POLICY);
    expect(!result.ok && describeProblem(result.problems[0])).toBe('replicas: 10 must be a whole number from 1 to 9');
    expect(validateStatefulApp({ ...good, replicas: 1.5 }, DEFAULT_POLICY).ok).toBe(false);
  });

  it('accepts the storage bounds themselves', () => {
    expect(validateStatefulApp({ ...good, storageSize: '1Gi' }, DEFAULT_POLICY).ok).toBe(true);
    expect(validateStatefulApp({ ...good, storageSize: '1024Mi' }, DEFAULT_POLICY).ok).toBe(true);
  });

  it('reads replicas written as digits only', () => {
    const policy = { ...DEFAULT_POLICY, replicas: { max: 12 } };
    const result = validateStatefulApp({ ...good, replicas: '12' }, policy);
    expect(result.ok && result.values.replicas).toBe(12);
    for (const replicas of [' 3', '3.0', '0x3', '3e0', '']) {
      const refused = validateStatefulApp({ ...good, replicas }, policy);
      expect(!refused.ok && refused.problems.map(describeProblem)).toEqual([
        `replicas: ${JSON.stringify(replicas)} must be a whole number from 1 to 12`,
      ]);
    }
  });

  it("names the platform's storage classes, also when none was given", () => {
    const policy = { ...DEFAULT_POLICY, storage: { ...DEFAULT_POLICY.storage, classes: ['gp3', 'io2'] } };
    for (const [storageClass, shown] of [
      ['standard', '"standard"'],
      [undefined, 'undefined'],
    ]) {
      const result = validateStatefulApp({ ...good, storageClass }, policy);
      expect(!result.ok && result.problems.map(describeProblem)).toEqual([
        `storageClass: ${shown} must be one of the platform's storage classes: gp3, io2`,
      ]);
    }
  });
});
