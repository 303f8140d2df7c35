import { parseDiskQuantity } from './quantity';

describe('parseDiskQuantity', () => {
  it.each([
    ['10Gi', '10Gi', 10n * 2n ** 30n],
    ['1.5Gi', '1536Mi', 1536n * 2n ** 20n],
    ['1024Gi', '1Ti', 2n ** 40n],
    ['500Mi', '500Mi', 500n * 2n ** 20n],
    ['16Ti', '16Ti', 16n * 2n ** 40n],
    ['10G', '10G', 10n ** 10n],
    ['2500M', '2500M', 25n * 10n ** 8n],
    ['1000G', '1T', 10n ** 12n],
    ['0.5Mi', '512Ki', 512n * 1024n],
  ])('accepts %s as %s', (input, canonical, bytes) => {
    expect(parseDiskQuantity(input)).toEqual({ ok: true, value: { canonical, bytes } });
  });

  it.each([
    ['10GB', /not a Kubernetes unit: write "Gi".*or "G"/],
    ['10gi', /case-sensitive: write "Gi"/],
    ['0Gi', /greater than zero/],
    ['-1Gi', /positive/],
    ['1.5.0Gi', /not a number followed by a unit/],
    ['1e3', /exponent notation/],
    ['10', /needs a unit/],
    ['10Ki', /not accepted: use Mi, Gi, Ti/],
    ['10Pi', /not accepted/],
    ['10m', /case-sensitive: write "M"/],
    [' 10Gi', /spaces/],
    ['', /must be a size/],
    ['0.0000001M', /whole number of bytes/],
  ])('rejects %j with the reason', (input, reason) => {
    const result = parseDiskQuantity(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it.each(['1e3', '12e3', '1.25e3', '1e+3', '2E-12', '1e12'])(
    'rejects the exponent notation %s, naming the units to write instead',
    input => {
      expect(parseDiskQuantity(input)).toEqual({
        ok: false,
        reason: 'exponent notation is not accepted for disk sizes; write it with a unit such as Gi, Mi, Ti',
      });
    },
  );

  it.each([
    ['v1e3', 'is not a number followed by a unit (e.g. 10Gi, 500Mi, 1Ti)'],
    ['1e3Gi', 'is not a number followed by a unit (e.g. 10Gi, 500Mi, 1Ti)'],
    ['   ', 'must be a size such as 10Gi'],
    ['10XGB', 'unit "XGB" is not accepted: use Mi, Gi, Ti (binary) or M, G, T (decimal)'],
    ['10GBX', 'unit "GBX" is not accepted: use Mi, Gi, Ti (binary) or M, G, T (decimal)'],
    ['10kb', 'unit "kb" is not a Kubernetes unit: write "Ki" (binary, 2^n) or "K" (decimal, 10^n)'],
  ])('rejects %j: %s', (input, reason) => {
    expect(parseDiskQuantity(input)).toEqual({ ok: false, reason });
  });

  it('rejects values that are not strings', () => {
    expect(parseDiskQuantity(10).ok).toBe(false);
    expect(parseDiskQuantity(undefined).ok).toBe(false);
  });
});
