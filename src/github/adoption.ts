/**
 * When creating a repository answers "name already exists", was it this task that created it
 * (its first answer lost to a dropped connection or a crash) or someone else? Pure: the facts are
 * read by the create action; this decides.
 *
 * A repository counts as this task's only on evidence, all of which must hold:
 *  - time: it was created no earlier than the task recorded its intent to create it. GitHub's
 *    clock is not ours, so the difference is measured from the Date header of GitHub's answer
 *    (whole seconds) and the local times around that request: the allowance is one second plus
 *    the round trip, not a guessed number of minutes;
 *  - content: it holds exactly what our create request makes, GitHub's own initial commit
 *    (`auto_init`: one parentless commit, "Initial commit"). An empty repository, or one with
 *    more history, was made by someone else;
 *  - settings: its description and visibility are the ones the task asked for.
 */

/** One GitHub answer's Date header and the local times the request was sent and answered. */
export type ClockReading = { githubDate: string; sentAtMs: number; receivedAtMs: number };

/** Bounds of (GitHub's clock − ours), in ms. */
export type SkewBounds = { minMs: number; maxMs: number };

/** GitHub's initial commit, as its `auto_init` makes it. */
export const GITHUB_INITIAL_COMMIT_MESSAGE = 'Initial commit';

export function clockSkewBounds(reading: ClockReading): SkewBounds | undefined {
  const date = Date.parse(reading.githubDate);
  if (Number.isNaN(date)) return undefined;
  // GitHub answered at some true time in [date, date + 1 s), which on our clock lies in [sent, received].
  return { minMs: date - reading.receivedAtMs, maxMs: date + 1000 - reading.sentAtMs };
}

export type AdoptionFacts = {
  /** the repository's created_at (GitHub's clock, whole seconds) */
  createdAt: string;
  /** when this task recorded its intent to create, on our clock (ms) */
  intentAtMs: number;
  skew: SkewBounds | undefined;
  /** the repository's commits, newest first (at most a few), or 'empty' */
  commits: Array<{ message: string; parents: number }> | 'empty';
  description: string | null;
  expectedDescription: string | undefined;
  visibility: string | undefined;
  expectedVisibility: string;
};

/** Reasons the repository is not this task's; empty when every piece of evidence holds. */
export function reasonsNotOurs(facts: AdoptionFacts): string[] {
  const reasons: string[] = [];
  const created = Date.parse(facts.createdAt);
  if (!facts.skew || Number.isNaN(created)) {
    reasons.push("GitHub's clock could not be read, so its creation time proves nothing");
  } else if (created + 1000 <= facts.intentAtMs + facts.skew.minMs) {
    // even at the most favourable skew, creation ended before our intent began
    const before = Math.round((facts.intentAtMs + facts.skew.minMs - created) / 1000);
    reasons.push(`it was created ${before} s before this task decided to create it (${facts.createdAt})`);
  }
  if (facts.commits === 'empty') {
    reasons.push('it is empty, and this task creates repositories with their initial commit');
  } else if (
    facts.commits.length !== 1 ||
    facts.commits[0].parents !== 0 ||
    facts.commits[0].message.trim() !== GITHUB_INITIAL_COMMIT_MESSAGE
  ) {
    reasons.push("it holds commits other than GitHub's initial commit");
  }
  if ((facts.description ?? '') !== (facts.expectedDescription ?? '')) {
    reasons.push('its description differs from the one this task sets');
  }
  if (facts.visibility !== undefined && facts.visibility !== facts.expectedVisibility) {
    reasons.push(`it is ${facts.visibility}, not ${facts.expectedVisibility}`);
  }
  return reasons;
}
