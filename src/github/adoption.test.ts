import { AdoptionFacts, clockSkewBounds, reasonsNotOurs } from './adoption';

const INTENT = Date.parse('2026-01-01T12:00:00.400Z');

/** A repository created 0.3 s after the intent on a GitHub clock that agrees with ours. */
function facts(overrides: Partial<AdoptionFacts> = {}): AdoptionFacts {
  return {
    createdAt: '2026-01-01T12:00:00Z',
    intentAtMs: INTENT,
    skew: clockSkewBounds({
      githubDate: 'Thu, 01 Jan 2026 12:00:05 GMT',
      sentAtMs: INTENT + 5000,
      receivedAtMs: INTENT + 5100,
    }),
    commits: [{ message: 'Initial commit', parents: 0 }],
    description: 'Session cache',
    expectedDescription: 'Session cache',
    visibility: 'private',
    expectedVisibility: 'private',
    ...overrides,
  };
}

describe('clockSkewBounds', () => {
  it("brackets GitHub's clock minus ours from one Date header (whole seconds) and the round trip", () => {
    // GitHub is 10 minutes behind: it said 11:50:00 while we sent at 12:00:00.000 and heard back at 12:00:00.200
    const sent = Date.parse('2026-01-01T12:00:00.000Z');
    const bounds = clockSkewBounds({
      githubDate: 'Thu, 01 Jan 2026 11:50:00 GMT',
      sentAtMs: sent,
      receivedAtMs: sent + 200,
    })!;
    expect(bounds.minMs).toBe(-600_000 - 200);
    expect(bounds.maxMs).toBe(-600_000 + 1000);
  });

  it('gives nothing for an unreadable Date header', () => {
    expect(clockSkewBounds({ githubDate: 'yesterday-ish', sentAtMs: 0, receivedAtMs: 1 })).toBeUndefined();
  });
});

describe('reasonsNotOurs', () => {
  it('adopts a repository created after the intent that holds only GitHub initial commit', () => {
    expect(reasonsNotOurs(facts())).toEqual([]);
  });

  it('adopts within the one-second resolution of created_at (created in the same second as the intent)', () => {
    // created_at 12:00:00 truncates a creation at 12:00:00.5, after the intent at .4
    expect(reasonsNotOurs(facts({ createdAt: '2026-01-01T12:00:00Z' }))).toEqual([]);
  });

  it('refuses a repository created a minute before the intent', () => {
    expect(reasonsNotOurs(facts({ createdAt: '2026-01-01T11:59:00Z' }))).toEqual([
      expect.stringMatching(/created 60 s before this task decided to create it/),
    ]);
  });

  it('measures the skew instead of assuming one: GitHub 10 minutes behind, a creation 1 minute before the intent is still refused', () => {
    const skew = clockSkewBounds({
      githubDate: 'Thu, 01 Jan 2026 11:50:05 GMT',
      sentAtMs: INTENT + 5000,
      receivedAtMs: INTENT + 5100,
    });
    // on GitHub's clock the intent was at about 11:50:00.4
    expect(reasonsNotOurs(facts({ skew, createdAt: '2026-01-01T11:50:01Z' }))).toEqual([]);
    expect(reasonsNotOurs(facts({ skew, createdAt: '2026-01-01T11:49:00Z' }))).toHaveLength(1);
    // a fixed allowance of minutes would have taken this one; the measured skew does not
    expect(reasonsNotOurs(facts({ skew: { minMs: 0, maxMs: 1000 }, createdAt: '2026-01-01T11:50:01Z' }))).toHaveLength(
      1,
    );
  });

  it('refuses an empty repository, more history, another description or visibility, and an unreadable clock', () => {
    expect(reasonsNotOurs(facts({ commits: 'empty' }))).toEqual([expect.stringMatching(/it is empty/)]);
    expect(
      reasonsNotOurs(
        facts({
          commits: [
            { message: 'Add x', parents: 1 },
            { message: 'Initial commit', parents: 0 },
          ],
        }),
      ),
    ).toEqual([expect.stringMatching(/commits other than/)]);
    expect(reasonsNotOurs(facts({ commits: [{ message: 'Scaffold', parents: 0 }] }))).toHaveLength(1);
    expect(reasonsNotOurs(facts({ description: 'Somebody else' }))).toEqual([expect.stringMatching(/description/)]);
    expect(reasonsNotOurs(facts({ visibility: 'public' }))).toEqual(['it is public, not private']);
    expect(reasonsNotOurs(facts({ skew: undefined }))).toEqual([expect.stringMatching(/clock could not be read/)]);
  });
});
