import sodium from 'libsodium-wrappers';
import { checkActionsSettings, sealSecret } from './actionsSettings';

describe('sealSecret', () => {
  it('makes a libsodium sealed box only the holder of the private key opens, different every time', async () => {
    await sodium.ready;
    const pair = sodium.crypto_box_keypair();
    const publicKey = sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL);
    const first = await sealSecret(publicKey, 'p@ss wörd');
    const second = await sealSecret(publicKey, 'p@ss wörd');
    expect(first).not.toBe(second); // a fresh ephemeral key per box
    expect(first).not.toContain('p@ss');
    const opened = sodium.crypto_box_seal_open(
      sodium.from_base64(first, sodium.base64_variants.ORIGINAL),
      pair.publicKey,
      pair.privateKey,
    );
    expect(sodium.to_string(opened)).toBe('p@ss wörd');
  });
});

describe('checkActionsSettings', () => {
  it('accepts what GitHub accepts', () => {
    expect(() =>
      checkActionsSettings({
        repoVariables: { AWS_REGION: 'eu-west-1', _private: 'x' },
        secrets: { REGISTRY_TOKEN: 'v' },
        oidcCustomization: { useDefault: false, includeClaimKeys: ['repo', 'context'] },
        workflowAccess: 'organization',
      }),
    ).not.toThrow();
  });

  it.each([
    [{ repoVariables: { '1ST': 'x' } }, /repoVariables: "1ST" is not a valid name/],
    [{ secrets: { GITHUB_TOKEN: 'x' } }, /secrets: "GITHUB_TOKEN" is not a valid name/],
    [{ repoVariables: { region: 'a', REGION: 'b' } }, /region and REGION are the same name/],
    [{ repoVariables: { BIG: 'x'.repeat(49 * 1024) } }, /repoVariables.BIG: at most 48 KB/],
    [{ oidcCustomization: { useDefault: false } }, /includeClaimKeys is required when useDefault is false/],
    [{ oidcCustomization: { includeClaimKeys: ['repo'] } }, /must not be set when useDefault is true/],
    [{ oidcCustomization: { useDefault: false, includeClaimKeys: ['repo:x'] } }, /"repo:x" may only hold/],
    [{ workflowAccess: 'everyone' }, /workflowAccess: must be one of none, user, organization/],
  ])('refuses %p', (input, message) => {
    expect(() => checkActionsSettings(input as any)).toThrow(message);
  });

  it('never echoes a secret value in its errors', () => {
    const value = 'hunter2-'.repeat(7000);
    let message = '';
    try {
      checkActionsSettings({ secrets: { BIG: value } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/secrets.BIG/);
    expect(message).not.toContain('hunter2');
  });
});
