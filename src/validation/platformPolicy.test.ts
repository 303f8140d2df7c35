import { ConfigReader } from '@backstage/config';
import { DEFAULT_POLICY, readStatefulAppPolicy } from './platformPolicy';

const policyFrom = (statefulApp: object) => readStatefulAppPolicy(new ConfigReader({ goldenPath: { statefulApp } }));

describe('readStatefulAppPolicy', () => {
  it('defaults to gp3 limits without config', () => {
    expect(readStatefulAppPolicy(new ConfigReader({}))).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY.storage).toMatchObject({ min: '1Gi', max: '16Ti', classes: ['gp3'] });
  });

  it('reads storage bounds, classes, denied ports and max replicas', () => {
    const policy = policyFrom({
      storage: { min: '5Gi', max: '1024Gi', classes: ['gp3', 'io2'] },
      ports: { denied: [15000, 15001] },
      replicas: { max: 5 },
    });
    expect(policy.storage).toMatchObject({ min: '5Gi', max: '1Ti', minBytes: 5n * 2n ** 30n, classes: ['gp3', 'io2'] });
    expect(policy.ports.denied).toEqual([15000, 15001]);
    expect(policy.replicas.max).toBe(5);
  });

  it('reads numbers that config substitution turned into strings, and a range of one size', () => {
    const policy = policyFrom({
      storage: { min: '10Gi', max: '10Gi' },
      ports: { denied: ['15000', ' 15001 ', '-1'] },
      replicas: { max: '12' },
    });
    expect(policy.storage).toMatchObject({ min: '10Gi', max: '10Gi', minBytes: 10n * 2n ** 30n });
    expect(policy.ports.denied).toEqual([15000, 15001, -1]);
    expect(policy.replicas.max).toBe(12);
  });

  it.each([
    // a decimal is read as a number, then refused by the whole-number rule
    ['2.50', 'goldenPath.statefulApp.replicas.max: must be a whole number'],
    // only plain decimal digits are read as numbers
    ['1e3', 'goldenPath.statefulApp.replicas.max: Expected number, received string'],
    ['0x10', 'goldenPath.statefulApp.replicas.max: Expected number, received string'],
    ['12 replicas', 'goldenPath.statefulApp.replicas.max: Expected number, received string'],
  ])('reads the replica maximum %j as: %s', (max, message) => {
    expect(() => policyFrom({ replicas: { max } })).toThrow(new Error(message));
  });

  it('names every broken key, one line each', () => {
    expect(() => policyFrom({ storage: { classes: [] }, replicas: { max: 0 } })).toThrow(
      new Error(
        [
          'goldenPath.statefulApp.storage.classes: must list at least one storage class',
          'goldenPath.statefulApp.replicas.max: must be a whole number of at least 1',
        ].join('\n'),
      ),
    );
  });

  it.each([
    [{ storage: { min: '10GB' } }, /storage\.min: "10GB"/],
    [{ storage: { min: '2Ti', max: '1Ti' } }, /min 2Ti is larger than max 1Ti/],
    [{ replicas: { max: 0 } }, /replicas\.max/],
    [{ storage: { classes: [] } }, /at least one storage class/],
    [{ ports: { denied: ['x'] } }, /ports\.denied/],
  ])('refuses a broken setting at start-up (%j)', (section, message) => {
    expect(() => policyFrom(section)).toThrow(message);
  });
});
