/**
 * getUpdates and the webhook methods: thin parameter checks in front of the
 * UpdateQueue, which holds the delivery rules.
 */
import { badRequest } from '../errors.js';
import type { Params } from '../params.js';
import type { MethodHandler } from './common.js';

function allowedUpdatesOf(params: Params): string[] | undefined {
  const list = params.json<string[]>('allowed_updates', 'allowed_updates JSON array');
  if (list !== undefined && (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))) {
    throw badRequest("can't parse allowed_updates JSON array");
  }
  return list;
}

const getUpdates: MethodHandler = ({ params, updates, signal }) => {
  const limit = params.int('limit');
  const timeout = params.int('timeout');
  const offset = params.int('offset');
  const allowedUpdates = allowedUpdatesOf(params);
  return updates.getUpdates(
    {
      // Telegram clamps rather than rejects out-of-range limits.
      limit: limit === undefined ? 100 : Math.min(100, Math.max(1, limit)),
      timeoutSeconds: Math.max(0, timeout ?? 0),
      ...(offset !== undefined ? { offset } : {}),
      ...(allowedUpdates !== undefined ? { allowedUpdates } : {}),
    },
    signal,
  );
};

const setWebhook: MethodHandler = ({ params, updates }) => {
  const url = params.str('url')!;
  const drop = params.bool('drop_pending_updates') ?? false;
  if (url === '') {
    updates.deleteWebhook(drop);
    return true;
  }
  // Telegram demands HTTPS; the emulator also takes plain HTTP so local servers can listen.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest('bad webhook: Failed to resolve host: Name or service not known');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
  }
  const secretToken = params.str('secret_token');
  if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
    throw badRequest('secret token contains unallowed characters');
  }
  const maxConnections = params.int('max_connections') ?? 40;
  if (maxConnections < 1 || maxConnections > 100) throw badRequest('max_connections must be between 1 and 100');
  updates.setAllowedUpdates(allowedUpdatesOf(params));
  const ipAddress = params.str('ip_address');
  updates.setWebhook(
    {
      url,
      maxConnections,
      ...(secretToken ? { secretToken } : {}),
      ...(ipAddress ? { ipAddress } : {}),
    },
    drop,
  );
  return true;
};

const deleteWebhook: MethodHandler = ({ params, updates }) => {
  updates.deleteWebhook(params.bool('drop_pending_updates') ?? false);
  return true;
};

const getWebhookInfo: MethodHandler = ({ updates }) => {
  const hook = updates.webhook;
  const info: Record<string, unknown> = {
    url: hook?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: updates.pending().length,
  };
  if (hook) {
    info.max_connections = hook.maxConnections;
    if (hook.ipAddress) info.ip_address = hook.ipAddress;
    if (hook.lastErrorDate !== undefined) info.last_error_date = hook.lastErrorDate;
    if (hook.lastErrorMessage !== undefined) info.last_error_message = hook.lastErrorMessage;
    const allowed = updates.allowedUpdates();
    if (allowed) info.allowed_updates = allowed;
  }
  return info;
};

export const updateMethods: Record<string, MethodHandler> = { getUpdates, setWebhook, deleteWebhook, getWebhookInfo };
