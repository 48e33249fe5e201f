import { describe, expect, it } from 'vitest';
import { BUY_FLOW } from '../../src/bot/conversations/buy.js';
import { TOKEN_FLOW } from '../../src/bot/conversations/create-token.js';
import { flowConversation, flowsVersion } from '../../src/bot/conversations/flows.js';
import { TOPUP_AMOUNT_FLOW } from '../../src/bot/conversations/topup-amount.js';
import { TOPUP_MANUAL_FLOW } from '../../src/bot/conversations/topup-manual.js';
import { FLOWS, FLOWS_VERSION } from '../../src/bot/index.js';

const noSteps = async () => undefined;

describe('the conversations storage version', () => {
  it('covers every flow, the top-up flows included', () => {
    expect(FLOWS.map((flow) => flow.id).sort()).toEqual(['buy', 'create-token', 'topup-amount', 'topup-manual']);
    for (const flow of FLOWS) expect(FLOWS_VERSION).toContain(`${flow.id}-${flow.version}`);
  });

  it('changes when any one flow’s version does', () => {
    for (const [i, flow] of FLOWS.entries()) {
      const bumped = FLOWS.map((other, j) => (j === i ? { ...other, version: other.version + 1 } : other));
      expect(flowsVersion(bumped), flow.id).not.toBe(FLOWS_VERSION);
    }
  });

  it('refuses to register a flow the version does not cover', () => {
    const covered = [BUY_FLOW, TOKEN_FLOW, TOPUP_AMOUNT_FLOW] as const;
    expect(() => flowConversation(covered, TOPUP_MANUAL_FLOW as never, noSteps)).toThrow(/topup-manual.*not in the flows/);
    // A flow whose version was bumped without the list following is not covered either.
    const bumped = BUY_FLOW.version + 1;
    expect(() => flowConversation(covered, { ...BUY_FLOW, version: bumped } as never, noSteps)).toThrow(
      new RegExp(`buy \\(version ${bumped}\\)`),
    );
    expect(() => flowConversation(FLOWS, TOPUP_MANUAL_FLOW, noSteps)).not.toThrow();
  });

  it('refuses a flow listed twice', () => {
    expect(() => flowsVersion([BUY_FLOW, BUY_FLOW])).toThrow(/twice/);
  });
});
