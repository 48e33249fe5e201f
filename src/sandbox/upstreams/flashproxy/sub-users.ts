/**
 * FlashProxy's sub-users (openapi tag "Sub-Users"): accounts under the
 * reseller's, each with a balance allocated from the reseller's own and an
 * API key of its own. `GET /sub-users`, `POST /sub-users`,
 * `GET /sub-users/{id}`, `PUT /sub-users/{id}`; there is no DELETE — a
 * sub-user is suspended instead (`status: "suspended"`).
 *
 * The shop does not sell these (they hand out the reseller's balance and a
 * key that buys at its prices, and do not split a plan's traffic); the
 * simulator serves them so the sandbox answers like FlashProxy does.
 */
import type { SimResponse } from '../sim-server.js';
import { randomId } from '../sim-server.js';
import { formatUsd } from './catalog.js';
import { failure, success, validationError } from './responses.js';

export interface SimSubUser {
  id: string;
  email: string;
  name: string;
  status: 'active' | 'suspended';
  balanceCents: number;
  apiKey: string;
  createdAt: number;
}

/** The reseller balance the sub-users draw from. */
export interface ResellerPurse {
  balanceCents: number;
}

const STATUSES = ['active', 'suspended'] as const;
const MAX_PER_PAGE = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class SubUsers {
  readonly users = new Map<string, SimSubUser>();

  constructor(
    private readonly purse: ResellerPurse,
    private readonly now: () => number,
  ) {}

  /** `GET /sub-users?page&per_page&status` (per_page "maximum": 100; status "active"|"suspended"|"all"). */
  list(query: URLSearchParams): SimResponse {
    const page = Number(query.get('page') ?? '1');
    const perPage = Number(query.get('per_page') ?? '20');
    const status = query.get('status') ?? 'all';
    if (!Number.isInteger(page) || page < 1) return validationError('Invalid request parameters', { page: ['Must be at least 1'] });
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      return validationError('Invalid request parameters', { per_page: [`Must be between 1 and ${MAX_PER_PAGE}`] });
    }
    if (status !== 'all' && !STATUSES.includes(status as SimSubUser['status'])) {
      return validationError('Invalid request parameters', { status: ['Must be one of active, suspended, all'] });
    }
    const matching = [...this.users.values()].filter((u) => status === 'all' || u.status === status);
    return success({
      items: matching.slice((page - 1) * perPage, page * perPage).map((u) => this.toWire(u)),
      pagination: { page, per_page: perPage, total: matching.length, total_pages: Math.max(1, Math.ceil(matching.length / perPage)) },
    });
  }

  /** `POST /sub-users {email, name, initial_balance_cents?}`: 201 with the `api_key`, 400, or 402 INSUFFICIENT_BALANCE. */
  create(body: unknown): SimResponse {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const details: Record<string, string[]> = {};
    if (typeof fields.email !== 'string' || !EMAIL.test(fields.email)) details.email = ['Must be a valid email address'];
    if (typeof fields.name !== 'string' || fields.name.trim() === '') details.name = ['Name is required'];
    const initial = fields.initial_balance_cents ?? 0;
    if (typeof initial !== 'number' || !Number.isInteger(initial) || initial < 0) {
      details.initial_balance_cents = ['Must be a whole number of cents, at least 0'];
    }
    if (Object.keys(details).length > 0) return validationError('Invalid request parameters', details);
    const cents = initial as number;
    if (cents > this.purse.balanceCents) return insufficient(cents, this.purse.balanceCents);
    this.purse.balanceCents -= cents;
    const user: SimSubUser = {
      id: `sub_${randomId(12)}`,
      email: fields.email as string,
      name: (fields.name as string).trim(),
      status: 'active',
      balanceCents: cents,
      apiKey: `fp_sub_${randomId(24)}`,
      createdAt: this.now(),
    };
    this.users.set(user.id, user);
    const { plans_count: _plans, ...created } = this.toWire(user);
    return success({ ...created, api_key: user.apiKey }, 201);
  }

  get(id: string): SimResponse {
    const user = this.users.get(id);
    return user ? success(this.toWire(user)) : failure(404, 'NOT_FOUND', 'Resource not found');
  }

  /** `PUT /sub-users/{id} {name?, status?, add_balance_cents?}`; the added balance comes from the reseller's. */
  update(id: string, body: unknown): SimResponse {
    const user = this.users.get(id);
    if (!user) return failure(404, 'NOT_FOUND', 'Resource not found');
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const details: Record<string, string[]> = {};
    if (fields.name !== undefined && (typeof fields.name !== 'string' || fields.name.trim() === '')) details.name = ['Must not be empty'];
    if (fields.status !== undefined && !STATUSES.includes(fields.status as SimSubUser['status'])) {
      details.status = ['Must be active or suspended'];
    }
    const add = fields.add_balance_cents;
    if (add !== undefined && (typeof add !== 'number' || !Number.isInteger(add) || add < 0)) {
      details.add_balance_cents = ['Must be a whole number of cents, at least 0'];
    }
    if (Object.keys(details).length > 0) return validationError('Invalid request parameters', details);
    const cents = (add as number | undefined) ?? 0;
    if (cents > this.purse.balanceCents) return insufficient(cents, this.purse.balanceCents);
    this.purse.balanceCents -= cents;
    user.balanceCents += cents;
    if (typeof fields.name === 'string') user.name = fields.name.trim();
    if (fields.status !== undefined) user.status = fields.status as SimSubUser['status'];
    return success(this.toWire(user));
  }

  private toWire(user: SimSubUser) {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      status: user.status,
      balance_cents: user.balanceCents,
      // Sub-users buy with their own keys, which the simulator does not serve: none has plans.
      plans_count: 0,
      created_at: new Date(user.createdAt).toISOString(),
    };
  }
}

/** The openapi's `InsufficientBalance` response. */
function insufficient(required: number, available: number): SimResponse {
  return failure(
    402,
    'INSUFFICIENT_BALANCE',
    `Insufficient balance. Required: ${formatUsd(required)}, Available: ${formatUsd(available)}`,
    { required_cents: required, available_cents: available },
  );
}
